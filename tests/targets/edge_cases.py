"""Edge-case targets and values for the status rules, loaded into the test's copy of the seeds through the
real template loader (a UTF-8-with-BOM CSV of targets and a GBK CSV of values, as staff would send).

They live on 泰安市's counties (370902 泰山区, 370911 岱岳区, 370921 宁阳县, 370923 东平县, 370983 肥城市),
which have no warehouse data, so every value is a reported one and the expectations below follow from
the numbers alone. With the 2020 base month (December) the expected pace is 30/60 = 0.5 in June 2023,
42/60 = 0.7 in June 2024, 36/60 = 0.6 in December 2023, 1/60 in January 2021 and 1 from December 2025.
Two test-only indicators are appended to the copy's ref_plan_indicator.csv: an '=' target and a strict '<' one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

EXTRA_INDICATORS = (
    "test_equals_share,测试用等值指标,,planning,规划实施,%,equals,numeric,,none,false,,,,,,false,,"
    "test-only indicator whose target is an exact value,tests/targets/edge_cases.py\n"
    "test_lower_count,测试用越低越好计数,,planning,规划实施,个,lower,numeric,,none,false,,,,,,false,,"
    "test-only lower-is-better count with a strict < target,tests/targets/edge_cases.py\n"
)

DOC = "测试用分解文件"
TARGET_HEADER = [
    "区划代码",
    "区划名称",
    "指标代码",
    "指标名称",
    "基期年份",
    "基期值",
    "目标年份",
    "比较符",
    "目标值",
    "目标原文",
    "指标属性",
    "来源文件",
    "来源条款",
]
# region, indicator code, indicator name, base year, base value, target year, operator, target, text, attribute
TARGETS = [
    # lower is better, a ratio target written as staff write it (≤ 1.3:1)
    ("370902", "dibao_standard_ratio_urban_rural", "", 2020, "1.5", 2025, "≤", "1.3:1", "", ""),
    ("370911", "", "城乡低保标准之比", 2020, "1.5", 2025, "ratio<=", "1.3", "", ""),
    ("370921", "dibao_standard_ratio_urban_rural", "", 2020, "1.5:1", 2025, "不高于", "1.3:1", "", ""),
    # the on-pace band at its edges: baseline 0, target 100, pace 0.5
    ("370902", "social_work_professionals", "", 2020, "0", 2025, ">=", "100", "", ""),
    ("370911", "social_work_professionals", "", 2020, "0", 2025, "≥", "100", "", ""),
    ("370921", "social_work_professionals", "", 2020, "0", 2025, "不低于", "100", "", ""),
    ("370923", "social_work_professionals", "", 2020, "0", 2025, ">=", "100", "", ""),
    # binding, exactly at target
    ("370902", "tekun_disabled_centralized_care_rate", "", 2020, "20", 2025, ">=", "60%", "", "约束性"),
    ("370911", "tekun_disabled_centralized_care_rate", "", 2020, "20", 2025, ">=", "60", "", "约束性"),
    # strict '>' exactly at target, and just above it
    ("370902", "community_facility_area_per_100_households", "", 2020, "20", 2025, ">", "30", "", ""),
    ("370911", "community_facility_area_per_100_households", "", 2020, "20", 2025, "超过", "30", "", ""),
    # '=' targets
    ("370902", "test_equals_share", "", 2020, "80", 2025, "=", "100", "", ""),
    ("370911", "test_equals_share", "", 2020, "80", 2025, "=", "100", "", ""),
    ("370921", "test_equals_share", "", 2020, "80", 2025, "=", "100", "", ""),
    ("370923", "test_equals_share", "", 2020, "80", 2025, "=", "100", "", ""),
    # strict '<' on a lower-is-better count
    ("370902", "test_lower_count", "", 2020, "20", 2025, "<", "10", "", ""),
    ("370911", "test_lower_count", "", 2020, "20", 2025, "<", "10", "", ""),
]

REPORTED_HEADER = [
    "区划代码",
    "区划名称",
    "指标代码",
    "指标名称",
    "截至日期",
    "完成值",
    "完成情况",
    "是否完成",
    "来源文件",
    "来源条款",
]
# region, indicator code, as-of date, value, achieved
REPORTED = [
    ("370902", "dibao_standard_ratio_urban_rural", "2023-06-30", "1.4:1", ""),
    ("370902", "dibao_standard_ratio_urban_rural", "2024-06-30", "1.3:1", ""),
    ("370902", "dibao_standard_ratio_urban_rural", "2026-01-31", "1.35", ""),
    ("370911", "dibao_standard_ratio_urban_rural", "2023-06-30", "1.6", ""),
    ("370921", "dibao_standard_ratio_urban_rural", "2023-06-30", "1.2", ""),
    ("370902", "social_work_professionals", "2023-06-30", "55", ""),
    ("370911", "social_work_professionals", "2023-06-30", "56", ""),
    ("370921", "social_work_professionals", "2023-06-30", "45", ""),
    ("370923", "social_work_professionals", "2023-06-30", "44", ""),
    ("370902", "tekun_disabled_centralized_care_rate", "2023-06-30", "25", ""),
    ("370911", "tekun_disabled_centralized_care_rate", "2023-06-30", "60%", ""),
    ("370902", "community_facility_area_per_100_households", "2023-06-30", "30", ""),
    ("370911", "community_facility_area_per_100_households", "2023-06-30", "30.5", ""),
    ("370902", "test_equals_share", "2023-06-30", "100", ""),
    ("370911", "test_equals_share", "2023-06-30", "90", ""),
    ("370921", "test_equals_share", "2023-06-30", "110", ""),
    ("370923", "test_equals_share", "2023-06-30", "120", ""),
    ("370902", "test_lower_count", "2023-06-30", "10", ""),
    ("370911", "test_lower_count", "2023-06-30", "9.5", ""),
    # qualitative targets (inherited by the counties from 泰安市's 低保标准动态调整 target)
    ("370902", "assistance_standard_dynamic_adjustment", "2023-06-30", "", "是"),
    ("370911", "assistance_standard_dynamic_adjustment", "2023-06-30", "", "否"),
    ("370921", "assistance_standard_dynamic_adjustment", "2021-01-31", "", "否"),
    # a milestone year: 延安市 creates 5 省级慈善示范社区 a year (15 by end 2023, 25 by 2025)
    ("610600", "provincial_charity_model_communities", "2023-12-31", "15", ""),
]


@dataclass(frozen=True)
class Case:
    region: str
    indicator: str
    period: str
    status: str
    met: bool | None
    why: str
    completion: float | None = None
    pace: float | None = None


CASES = [
    Case(
        "370902",
        "dibao_standard_ratio_urban_rural",
        "2023-06-01",
        "on_pace",
        False,
        "lower is better: (1.4-1.5)/(1.3-1.5) = 0.5 of the way at pace 0.5",
        0.5,
        0.5,
    ),
    Case(
        "370902",
        "dibao_standard_ratio_urban_rural",
        "2024-06-01",
        "met",
        True,
        "ratio<= exactly at the target 1.3:1 is met",
    ),
    Case(
        "370902",
        "dibao_standard_ratio_urban_rural",
        "2026-01-01",
        "behind",
        False,
        "not met after the target year: behind whatever the completion",
        0.75,
        1.0,
    ),
    Case(
        "370911",
        "dibao_standard_ratio_urban_rural",
        "2023-06-01",
        "behind",
        False,
        "moved away from the target (1.6 > baseline 1.5): negative completion",
        -0.5,
        0.5,
    ),
    Case(
        "370921",
        "dibao_standard_ratio_urban_rural",
        "2023-06-01",
        "met",
        True,
        "below a lower-is-better target is met",
    ),
    Case(
        "370902",
        "social_work_professionals",
        "2023-06-01",
        "on_pace",
        False,
        "completion 0.55 = pace + band exactly: inside the band",
        0.55,
        0.5,
    ),
    Case(
        "370911", "social_work_professionals", "2023-06-01", "ahead", False, "0.56 > pace + band", 0.56, 0.5
    ),
    Case(
        "370921",
        "social_work_professionals",
        "2023-06-01",
        "on_pace",
        False,
        "0.45 = pace - band exactly: inside the band",
        0.45,
        0.5,
    ),
    Case(
        "370923", "social_work_professionals", "2023-06-01", "behind", False, "0.44 < pace - band", 0.44, 0.5
    ),
    Case(
        "370902",
        "tekun_disabled_centralized_care_rate",
        "2023-06-01",
        "behind",
        False,
        "binding, (25-20)/(60-20) = 0.125 at pace 0.5",
        0.125,
        0.5,
    ),
    Case(
        "370911",
        "tekun_disabled_centralized_care_rate",
        "2023-06-01",
        "met",
        True,
        ">= exactly at the target (60 of 60) is met",
    ),
    Case(
        "370902",
        "community_facility_area_per_100_households",
        "2023-06-01",
        "ahead",
        False,
        "> exactly at the target is not met (the whole distance covered, so ahead of pace)",
        1.0,
        0.5,
    ),
    Case("370911", "community_facility_area_per_100_households", "2023-06-01", "met", True, "30.5 > 30"),
    Case("370902", "test_equals_share", "2023-06-01", "met", True, "= at the target"),
    Case(
        "370911",
        "test_equals_share",
        "2023-06-01",
        "on_pace",
        False,
        "= target: 1 - |90-100|/|80-100| = 0.5",
        0.5,
        0.5,
    ),
    Case(
        "370921",
        "test_equals_share",
        "2023-06-01",
        "on_pace",
        False,
        "= target overshot: 1 - |110-100|/20 = 0.5, and not met",
        0.5,
        0.5,
    ),
    Case(
        "370923",
        "test_equals_share",
        "2023-06-01",
        "behind",
        False,
        "= target overshot by the whole distance",
        0.0,
        0.5,
    ),
    Case(
        "370902",
        "test_lower_count",
        "2023-06-01",
        "ahead",
        False,
        "< exactly at the target is not met",
        1.0,
        0.5,
    ),
    Case("370911", "test_lower_count", "2023-06-01", "met", True, "9.5 < 10"),
    Case(
        "370902", "assistance_standard_dynamic_adjustment", "2023-06-01", "met", True, "qualitative, achieved"
    ),
    Case(
        "370911",
        "assistance_standard_dynamic_adjustment",
        "2023-06-01",
        "behind",
        False,
        "qualitative, not achieved at half time: completion 0 vs pace 0.5",
        0.0,
        0.5,
    ),
    Case(
        "370921",
        "assistance_standard_dynamic_adjustment",
        "2021-01-01",
        "on_pace",
        False,
        "qualitative, not achieved one month in: pace 1/60 is inside the band",
        0.0,
        1 / 60,
    ),
    Case(
        "370983",
        "nursing_bed_share",
        "2023-06-01",
        "no_data",
        None,
        "inherited target (泰安市 >= 60), no value for the county",
    ),
    Case("370902", "social_work_professionals", "2024-06-01", "no_data", None, "no value that month"),
    Case(
        "370921",
        "assistance_standard_dynamic_adjustment",
        "2023-06-01",
        "no_data",
        None,
        "qualitative without a reported value that month",
    ),
    Case(
        "610600",
        "provincial_charity_model_communities",
        "2023-12-01",
        "on_pace",
        False,
        "15 of 25 from 0 = 0.6 at pace 36/60 = 0.6",
        0.6,
        0.6,
    ),
]


def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_edge_case_templates(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    targets = [
        [r, "", c, n, str(by), bv, str(ty), op, tv, text, attr, DOC, "测试分解表"]
        for r, c, n, by, bv, ty, op, tv, text, attr in TARGETS
    ]
    reported = [[r, "", c, "", d, v, "", a, DOC, "测试报送"] for r, c, d, v, a in REPORTED]
    return [
        _write(folder / "edge_targets.csv", TARGET_HEADER, targets, "utf-8-sig"),
        _write(folder / "edge_values.csv", REPORTED_HEADER, reported, "gb18030"),
    ]
