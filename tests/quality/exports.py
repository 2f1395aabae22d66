"""A tiny hand-built region and month of Jinmin-style exports for all five sources (CSV, UTF-8 BOM),
clean by default, with named kinds of dirt that pass ingestion but that the quality suites catch.

Independent of the simulator, so the suites' expected outcomes are known exactly."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.ingestion.normalize import gb11643_check_char
from dagster_project.ingestion.pipeline import RegionLookup
from dagster_project.quality.region import RegionRef
from dagster_project.reference import region as ref

COUNTIES = {"610602": "宝塔区", "610603": "安塞区", "610621": "延长县"}
# Real township codes (dbt/seeds/ref_region.csv), so the production region lookup accepts the files.
TOWNSHIPS = {"610602": ["610602001", "610602002"], "610603": ["610603001"], "610621": ["610621001"]}
# The region the suites check against: three counties of 延安市 with all their townships.
REGION = RegionRef(
    counties=COUNTIES,
    townships=frozenset(t[:9] for c in COUNTIES for t in ref.township_codes(c)),
)
PROGRAMS = ["城市低保", "农村低保", "特困分散供养", "临时救助", "农村低保", "城市低保"]
AMOUNTS = {"城市低保": "780", "农村低保": "560", "特困分散供养": "1000", "临时救助": "1500"}
GAMES = ["双色球", "福彩3D", "快乐8"]

# Dirt kinds -> the checks (suite, check) they must trip, and only those.
EXPECTED_FAILURES: dict[str, set[tuple[str, str]]] = {
    "amount_outlier": {("raw_assistance_roster", "amount_plausible")},
    "duplicate_recipient": {("raw_assistance_roster", "no_duplicate_recipient_month_program")},
    "caseload_collapse": {("raw_assistance_roster", "caseload_not_collapsing")},
    "nursing_over_beds": {("raw_eldercare_institutions", "nursing_beds_within_beds")},
    "residents_over_beds": {("raw_eldercare_institutions", "residents_within_beds")},
    "hours_over_24": {
        ("raw_volunteer_service", "hours_in_range"),
        ("raw_volunteer_service", "daily_hours_within_24"),
    },
    "sales_outlier": {("raw_lottery_sales", "sales_plausible")},
    "missing_county_lottery": {("raw_lottery_sales", "every_county_present")},
    "many_invalid_ids": {("raw_volunteer_roster", "quarantine_rate_acceptable")},
}
ERROR_DIRT = {"duplicate_recipient", "nursing_over_beds", "residents_over_beds", "hours_over_24"}


def region_lookup() -> RegionLookup:
    """The production lookup (延安市, from the reference data): the test files use real codes."""
    from dagster_project.ingestion.region import region_lookup as production

    return production()


def person_id(county: str, n: int) -> str:
    first17 = f"{county}{1940 + n % 60}{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
    return first17 + gb11643_check_char(first17)


def bad_id(county: str, n: int) -> str:
    good = person_id(county, n)
    return good[:17] + ("0" if good[17] != "0" else "1")


@dataclass
class Month:
    period: dt.date
    dirt: set[str] = field(default_factory=set)
    recipients: int = 30  # per county

    @property
    def ym(self) -> str:
        return f"{self.period:%Y-%m}"

    def day(self, d: int) -> str:
        return f"{self.period:%Y-%m}-{d:02d}"


def _write(
    landing: Path, source: str, m: Month, county: str, header: list[str], rows: list[list[str]]
) -> Path:
    path = landing / source / m.ym / f"{county}_{COUNTIES[county]}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([f"{COUNTIES[county]}{m.period.year}年{m.period.month}月导出"])
    w.writerow(header)
    w.writerows(rows)
    w.writerow(["合计"])
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    return path


def assistance(landing: Path, m: Month) -> None:
    header = [
        "序号",
        "姓名",
        "身份证号码",
        "性别",
        "户主身份证号码",
        "家庭人口",
        "救助类别",
        "保障金额(元)",
        "行政区划代码",
        "发放年月",
        "残疾等级",
    ]
    for county in COUNTIES:
        n = m.recipients // 3 if ("caseload_collapse" in m.dirt and county == "610603") else m.recipients
        rows = []
        for i in range(n):
            pid = person_id(county, i)
            program = PROGRAMS[i % len(PROGRAMS)]
            town = TOWNSHIPS[county][i % len(TOWNSHIPS[county])]
            rows.append(
                [
                    str(i + 1),
                    f"对象{i}",
                    pid,
                    "男" if i % 2 else "女",
                    pid,
                    str(1 + i % 4),
                    program,
                    AMOUNTS[program],
                    f"{town}{i % 5 + 1:03d}",
                    m.ym,
                    "二级" if i % 7 == 0 else "",
                ]
            )
        if county == "610602" and "amount_outlier" in m.dirt:
            rows[0][6], rows[0][7] = "城市低保", "78000"
        if county == "610602" and "duplicate_recipient" in m.dirt:
            dup = list(rows[1])
            dup[0], dup[7] = str(len(rows) + 1), str(int(float(dup[7])) + 10)  # same person, program, month
            rows.append(dup)
        _write(landing, "assistance", m, county, header, rows)


def eldercare(landing: Path, m: Month) -> None:
    header = [
        "序号",
        "机构名称",
        "统一社会信用代码",
        "机构类型",
        "床位总数",
        "护理型床位数",
        "在院人数",
        "认知障碍照护床位数",
        "星级",
        "乡镇代码",
    ]
    types = ["公办养老院", "民办养老机构", "敬老院/特困供养服务设施", "社区日间照料中心", "农村互助幸福院"]
    for county in COUNTIES:
        rows = []
        for i in range(5):
            beds = 40 + 10 * i
            code = f"52{county}MJ{county[-3:]}{i:04d}X"
            rows.append(
                [
                    str(i + 1),
                    f"{COUNTIES[county]}第{i + 1}养老院",
                    code,
                    types[i],
                    str(beds),
                    str(beds // 2),
                    str(beds - 5),
                    "",
                    str(i % 6),
                    f"{TOWNSHIPS[county][0]}000",
                ]
            )
        if county == "610603" and "nursing_over_beds" in m.dirt:
            rows[1][5] = str(int(rows[1][4]) + 7)
        if county == "610603" and "residents_over_beds" in m.dirt:
            rows[2][6] = str(int(rows[2][4]) + 3)
        _write(landing, "eldercare", m, county, header, rows)


def volunteer_roster(landing: Path, m: Month) -> None:
    header = ["序号", "志愿者编号", "姓名", "身份证号码", "注册日期", "所属队伍", "乡镇代码"]
    for county in COUNTIES:
        rows = []
        for i in range(25):
            pid = person_id(county, 500 + i)
            if county == "610621" and "many_invalid_ids" in m.dirt and i < 5:
                pid = bad_id(county, 500 + i)
            rows.append(
                [
                    str(i + 1),
                    f"V{county}{i:05d}",
                    f"志愿者{i}",
                    pid,
                    f"2022-0{i % 9 + 1}-15",
                    "关爱队",
                    f"{TOWNSHIPS[county][0]}000",
                ]
            )
        _write(landing, "volunteer_roster", m, county, header, rows)


def volunteer_service(landing: Path, m: Month) -> None:
    header = ["序号", "活动编号", "志愿者编号", "服务日期", "服务时长(小时)", "服务类别"]
    for county in COUNTIES:
        rows = []
        for i in range(40):
            rows.append(
                [
                    str(i + 1),
                    f"A{county}{i % 8:03d}",
                    f"V{county}{i % 25:05d}",
                    m.day(1 + i % 20),
                    str(1 + i % 6),
                    "助老" if i % 2 else "社区服务",
                ]
            )
        if county == "610602" and "hours_over_24" in m.dirt:
            rows[3][4] = "30"
        _write(landing, "volunteer_service", m, county, header, rows)


def lottery(landing: Path, m: Month) -> None:
    header = ["序号", "销售网点编号", "网点名称", "乡镇代码", "游戏", "销售日期", "销售额(元)"]
    for county in COUNTIES:
        if county == "610621" and "missing_county_lottery" in m.dirt:
            continue
        rows = []
        i = 0
        for outlet in range(3):
            for game in GAMES:
                for d in (1, 2, 3, 4):
                    i += 1
                    rows.append(
                        [
                            str(i),
                            f"O{county}{outlet:03d}",
                            f"网点{outlet}",
                            f"{TOWNSHIPS[county][0]}000",
                            game,
                            m.day(d),
                            f"{200 + 37 * i}.50",
                        ]
                    )
        if county == "610602" and "sales_outlier" in m.dirt:
            rows[0][6] = "980000"
        _write(landing, "lottery", m, county, header, rows)


def write_month(landing: Path, m: Month) -> None:
    for writer in (assistance, eldercare, volunteer_roster, volunteer_service, lottery):
        writer(landing, m)
