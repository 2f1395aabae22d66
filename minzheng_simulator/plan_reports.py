"""Simulated quarterly 指标填报 files: the plan indicators Jinmin does not hold (measure_model empty in
ref_plan_indicator), reported each quarter by every county of the prefecture (indicators counties inherit
or have a 分解 target for) and by the bureau (prefecture-only indicators), in the 完成值 sheet of the plan
target template, so they load through the same validator and registry as staff uploads
(dagster_project/targets/validate.py, the `plan/target_templates` asset; landing folder plan_targets/).

Values move from about 55 % of the target in December 2020 towards it, each region × indicator at its own
pace (some ahead, some behind); ≤ targets come down towards theirs; qualitative indicators turn 是 at a
random point. `silent` counties report nothing for the latest quarter (a real 无数据).

    uv run python -m minzheng_simulator.plan_reports --out data/landing --end 2025-06
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
from pathlib import Path

import xlsxwriter

from dagster_project.targets import registry

FOLDER = "plan_targets"
HEADERS = (
    "区划代码",
    "区划名称",
    "指标代码",
    "指标名称",
    "截至日期",
    "完成值",
    "完成情况",
    "是否完成",
    "来源文件",
    "备注",
)
COUNT_UNITS = ("个", "所", "名", "人", "家", "处")
BASE = dt.date(2020, 12, 31)
PLAN_END = dt.date(2025, 12, 31)


def quarter_ends(start: str, end: str) -> list[dt.date]:
    """Quarter-end dates from the quarter of `start` to the last full quarter up to `end` (YYYY-MM)."""
    y0, m0 = map(int, start.split("-"))
    y1, m1 = map(int, end.split("-"))
    out = []
    for y in range(y0, y1 + 1):
        for q in (3, 6, 9, 12):
            if (y, q) < (y0, m0) or (y, q) > (y1, m1):
                continue
            out.append(dt.date(y, q, 31 if q in (3, 12) else 30))
    return out


def _rng(seed: int, *parts: str) -> random.Random:
    digest = hashlib.sha256("|".join([str(seed), *parts]).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _value(
    ind: registry.Indicator, operator: str, target: float, region: str, day: dt.date, seed: int
) -> float:
    elapsed = max(0.0, min(1.0, (day - BASE).days / (PLAN_END - BASE).days))
    pace = _rng(seed, region, ind.code).uniform(0.7, 1.25)  # this region's speed on this indicator
    noise = _rng(seed, region, ind.code, day.isoformat()).uniform(-0.02, 0.02)
    if operator in ("<=", "<"):
        value = target * (1.6 - 0.6 * min(1.1, elapsed * pace) + noise)
    else:
        value = target * (0.55 + 0.45 * min(1.15, elapsed * pace) + noise)
    if ind.unit in COUNT_UNITS:
        return float(max(0, round(value)))
    if ind.unit == "%":
        value = min(value, 100.0)
    return round(value, 2)


def plan_report_rows(
    prefecture_code: str, day: dt.date, seed: int = 7, seeds_dir: Path = registry.SEEDS_DIR
) -> dict[str, list[dict[str, str]]]:
    """The rows each region reports at `day`, by region code (the prefecture's are the bureau's)."""
    indicators = registry.load_indicators(seeds_dir)
    regions = registry.load_regions()
    current = registry.current_rows(seeds_dir)
    targets = {
        (r["region_code"], r["indicator_code"]): r
        for r in [*current.targets, *current.breakdown]
        if r["target_year"] == "2025"
    }
    counties = sorted(
        c for c, r in regions.items() if r.level == "county" and r.prefecture_code == prefecture_code
    )
    out: dict[str, list[dict[str, str]]] = {}
    for (region_code, code), target in sorted(targets.items()):
        ind = indicators.get(code)
        if ind is None or ind.measure or region_code != prefecture_code:
            continue
        reporters = [prefecture_code]
        if ind.county_inherits:
            reporters += counties
        reporters += [c for c in counties if (c, code) in targets and c not in reporters]
        for region in reporters:
            own = targets.get((region, code), target)
            row = {
                "区划代码": region,
                "区划名称": regions[region].name_zh,
                "指标代码": code,
                "指标名称": ind.name_zh,
                "截至日期": day.isoformat(),
            }
            if ind.is_qualitative:
                done = _rng(seed, region, code).uniform(0.2, 1.1) < (day - BASE).days / (PLAN_END - BASE).days
                row |= {
                    "完成值": "",
                    "完成情况": "已建立并运行" if done else "正在推进",
                    "是否完成": "是" if done else "否",
                }
            else:
                try:
                    goal = float(own["target_value"])
                except ValueError:
                    continue
                row |= {
                    "完成值": _value(ind, own["operator"], goal, region, day, seed),
                    "完成情况": "",
                    "是否完成": "",
                }
            out.setdefault(region, []).append(row)
    return out


def write_plan_reports(
    out: Path,
    start: str,
    end: str,
    prefecture_code: str = "610600",
    seed: int = 7,
    silent: tuple[str, ...] = ("610630",),
) -> list[Path]:
    """Write one 填报 workbook per region and quarter under <out>/plan_targets/; return the files."""
    regions = registry.load_regions()
    folder = out / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    quarters = quarter_ends(start, end)
    written = []
    for day in quarters:
        quarter = f"{day.year}年第{(day.month - 1) // 3 + 1}季度"
        for region, rows in plan_report_rows(prefecture_code, day, seed).items():
            if region in silent and day == quarters[-1]:
                continue  # this county sent nothing for the latest quarter
            name = regions[region].name_zh
            unit = "市民政局规划科" if region == prefecture_code else f"{name}民政局"
            path = folder / f"指标填报_{region}_{day:%Y%m}.xlsx"
            book = xlsxwriter.Workbook(str(path))
            ws = book.add_worksheet("完成值")
            ws.write_row(0, 0, HEADERS)
            for i, row in enumerate(rows, start=1):
                row = row | {"来源文件": f"{name}{quarter}民政规划指标填报表", "备注": f"填报单位：{unit}"}
                ws.write_row(i, 0, [row[h] for h in HEADERS])
            book.close()
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="写入模拟的季度指标填报文件（完成值表）")
    parser.add_argument("--out", type=Path, required=True, help="着陆文件夹（文件写入其下 plan_targets/）")
    parser.add_argument("--start", default="2024-01")
    parser.add_argument("--end", required=True, help="最后一个月 YYYY-MM（只写已结束的季度）")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    files = write_plan_reports(args.out, args.start, args.end, seed=args.seed)
    print(f"wrote {len(files)} 填报 files to {args.out / FOLDER}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
