"""Compare an export's own 合计 row with the sum of its data rows (loaded + quarantined), per column.

Subtotal rows (小计, 宝塔镇小计) are skipped by the reader, so they never count in the sum. In a workbook
of several sheets the 合计 rows of the sheets are added up and compared with the rows of those sheets.

A truncated or hand-edited export shows up exactly this way: its 合计 no longer matches its rows. The
result is a warning for the clerk (audit, clerk report, Dagster metadata), not a reason to refuse the file.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

import polars as pl

from .normalize import parse_value
from .readers import SOURCE_SHEET, RawSheet
from .spec import Column, Kind, SourceSpec
from .transform import TYPE_LIMITS


@dataclass(frozen=True)
class TotalCheck:
    column: str  # Chinese header
    stated: float  # the export's 合计 row
    computed: float  # sum of the column over the data rows (cells that are not numbers count as 0)
    ok: bool

    def to_json(self) -> dict:
        return asdict(self)


def _number(text: str, hours: bool = False) -> float | None:
    value = pl.select(parse_value(pl.lit(text, dtype=pl.String), hours)).item()
    return value if value is not None and math.isfinite(value) else None


def check_totals(sheet: RawSheet, spec: SourceSpec) -> list[TotalCheck]:
    out: list[TotalCheck] = []
    for col in spec.columns:
        if col.kind not in (Kind.INT, Kind.DECIMAL) or col.name == "row_seq" or col.name not in sheet.totals:
            continue
        stated = _number(sheet.totals[col.name], col.hours)
        if stated is None:
            continue
        computed = _sum(sheet, col, sheet.totals_sheets)
        as_sum = sheet.cell_sums.get(col.name)  # the 合计 as SUM() over the cells would give it
        ok = _close(stated, computed) or (as_sum is not None and _close(stated, as_sum))
        if not ok and sheet.totals_sheets is not None:  # a grand 合计 on the last sheet covers them all
            whole = _sum(sheet, col, None)
            if _close(stated, whole):
                ok, computed = True, whole
        if not ok:  # another reading of the sheets' 合计 rows (RawSheet.totals_alternatives)
            for totals, sheets in sheet.totals_alternatives:
                other = _number(totals[col.name], col.hours) if col.name in totals else None
                if other is not None and _close(other, total := _sum(sheet, col, sheets)):
                    ok, stated, computed = True, other, total
                    break
        out.append(TotalCheck(col.header, stated, round(computed, 2), ok))
    return out


def _close(stated: float, computed: float) -> bool:
    return abs(stated - computed) <= 0.005 + 1e-9 * abs(stated)


def _sum(sheet: RawSheet, col: Column, sheets: frozenset[str] | None) -> float:
    """The column over the data rows (of `sheets`, or all); cells that are not numbers count as 0."""
    limit = TYPE_LIMITS[col.kind]  # values out of range are quarantined, not amounts: not summed
    value = parse_value(pl.col(col.name), col.hours)
    total = value.filter(value.is_finite() & (value.abs() <= limit)).sum()
    covered = sheet.frame
    if sheets is not None:  # several sheets, not all with a 合计 row: the rows it covers
        covered = covered.filter(pl.col(SOURCE_SHEET).is_in(list(sheets)))
    return float(covered.select(total).item() or 0.0)


def totals_json(checks: list[TotalCheck]) -> str | None:
    return json.dumps([c.to_json() for c in checks], ensure_ascii=False) if checks else None


def totals_summary_zh(checks: list[TotalCheck]) -> str:
    """'与合计行一致' / '合计行不符：保障金额(元) 合计行 1,600.00，明细之和 1,500.00' / '无合计行'."""
    if not checks:
        return "无合计行（未核对）"
    bad = [c for c in checks if not c.ok]
    if not bad:
        return "与合计行一致"
    return "合计行不符：" + "；".join(
        f"{c.column} 合计行 {c.stated:,.2f}，明细之和 {c.computed:,.2f}" for c in bad
    )
