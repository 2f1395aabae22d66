"""Inject the dirt real exports have (docs/ARCHITECTURE.md, "Dirt in exports") and log every item.

Each data row gets at most one dirt item, with probability `rate`; the kind is drawn uniformly among
the kinds that fit the source's columns. Exact duplicates are copies of a clean row, inserted further
down. The log gives the spreadsheet row as the clerk sees it (title rows and header counted) and the
reason_code ingestion must report (None where ingestion normalises the value and loads the row).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from .base import month_end
from .contract import SourceContract

# kind -> reason_code expected from ingestion (None: normalised and loaded)
ROW_KINDS: dict[str, str | None] = {
    "invalid_id": "invalid_id",
    "missing_required": "missing_required",
    "negative_value": "negative_value",
    "not_a_number": "not_a_number",
    "full_width_digits": None,
    "date_format": None,
    "bad_date": "bad_date",
    "date_outside_period": "date_outside_period",
    "unknown_division": "unknown_division",
    "unknown_category": "unknown_category",
    "duplicate_row": "duplicate_row",
}
FILE_KINDS: dict[str, str | None] = {
    "county_name_variant": None,
    "corrected_reexport": None,
    "export_shape": None,  # read as it is: see EXPORT_SHAPES
}
# Shapes real systems export in, injected at a low rate (a file in ~4x dirty_rate, at most 1 in 5). The
# data rows keep their meaning and row numbers; ingestion reads every shape.
EXPORT_SHAPES: dict[str, tuple[str, ...]] = {
    "xls": ("html_table", "xml_2003", "spaced_total_and_footers"),
    "xlsx": ("spaced_total_and_footers",),
    "csv-gbk": ("unicode_text", "spaced_total_and_footers"),
    "csv-utf8-bom": ("unicode_text", "spaced_total_and_footers"),
}
KINDS: dict[str, str | None] = ROW_KINDS | FILE_KINDS

NOT_A_NUMBER = {
    "保障金额(元)": ("待核", "八百", "暂缓发放", "未核定"),
    "家庭人口": ("三口", "不详"),
    "服务时长(小时)": ("半天", "两小时", "待定"),
    "销售额(元)": ("未上报", "待核"),
}
NOT_A_NUMBER_DEFAULT = ("待统计", "不详", "约100")
BAD_MONTHS = ("{y}年13月", "二〇二四年六月", "{yy}年{m}月", "{y}-00", "{m}月份")
BAD_DATES = ("{y}-{mm}-32", "{y}年{m}月上旬", "同上", "{m}月{d}日", "{y}/{mm}/{d}/")
FULL_WIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")


def export_shape(rng: np.random.Generator, rate: float, fmt: str) -> str | None:
    """The shape a file is written in (None: the format's usual shape)."""
    shapes = EXPORT_SHAPES.get(fmt, ())
    if rate <= 0 or not shapes or rng.random() >= min(0.2, 4 * rate):
        return None
    return shapes[int(rng.integers(0, len(shapes)))]


@dataclass(frozen=True)
class DirtItem:
    file: str  # path relative to the landing dir
    row: int | None  # 1-based spreadsheet row (title rows and header counted); None for file-level items
    column: str | None  # Chinese header
    kind: str
    reason_code: str | None
    value: str | None = None  # the dirty cell (None for personal columns)
    original: str | None = None  # the clean value it replaced (None for personal columns)
    note: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DirtContext:
    period: dt.date
    county_code: str
    foreign_division_codes: tuple[str, ...]  # valid codes of other counties (unknown in this file)


def _excel_serial(d: dt.date) -> str:
    return str((d - dt.date(1899, 12, 30)).days)


def _date_of(value: str, ctx: DirtContext) -> dt.date:
    try:
        return dt.date.fromisoformat(value[:10]) if len(value) >= 10 else dt.date.fromisoformat(value + "-01")
    except ValueError:
        return ctx.period


def _applicable(contract: SourceContract) -> dict[str, tuple[str, ...]]:
    """kind -> columns where it can be injected (kinds without columns are not used)."""
    out = {
        "invalid_id": contract.ids,
        "missing_required": contract.required,
        "negative_value": tuple(c for c in contract.numbers if c not in ("序号", "星级")),
        "not_a_number": tuple(c for c in contract.numbers if c not in ("序号", "星级")),
        "full_width_digits": contract.digits,
        "date_format": contract.date_columns,
        "bad_date": contract.date_columns,
        "date_outside_period": contract.months + contract.dates + contract.past_dates,
        "unknown_division": (contract.division,) if contract.division else (),
        "unknown_category": tuple(contract.categories),
        "duplicate_row": ("整行",),
    }
    return {k: v for k, v in out.items() if v}


def _dirty_value(
    kind: str, column: str, value: str, contract: SourceContract, ctx: DirtContext, rng: np.random.Generator
) -> str:
    p = ctx.period
    fmt = {"y": p.year, "yy": p.year % 100, "m": p.month, "mm": f"{p.month:02d}"}
    match kind:
        case "invalid_id":
            choice = rng.integers(0, 3)
            if choice == 0:  # wrong check character
                options = [c for c in "0123456789X" if c != value[-1].upper()]
                return value[:17] + options[int(rng.integers(0, len(options)))]
            if choice == 1:  # a digit lost
                return value[:17]
            # the old 15-digit form with a birth month 13 (a valid one is converted to 18 digits and loaded)
            return value[:6] + value[8:10] + "13" + value[12:17]
        case "missing_required":
            return "" if rng.random() < 0.8 else " "
        case "negative_value":
            return "-" + value if value not in ("", "0", "0.00") else "-1"
        case "not_a_number":
            options = NOT_A_NUMBER.get(column, NOT_A_NUMBER_DEFAULT)
            return options[int(rng.integers(0, len(options)))]
        case "full_width_digits":
            return value.translate(FULL_WIDTH)
        case "date_format":
            if column in contract.months:
                options = (
                    f"{p.year}年{p.month}月",
                    f"{p.year}{p.month:02d}",
                    f"{p.year}/{p.month:02d}",
                    _excel_serial(p),
                    f"{p.year}.{p.month}",
                )
            else:
                d = _date_of(value, ctx)
                options = (
                    f"{d.year}/{d.month}/{d.day}",
                    f"{d.year}年{d.month}月{d.day}日",
                    f"{d:%Y%m%d}",
                    _excel_serial(d),
                    f"{d.year}.{d.month}.{d.day}",
                    f"{d:%Y-%m-%d} 00:00:00",
                )
            return options[int(rng.integers(0, len(options)))]
        case "bad_date":
            d = _date_of(value, ctx)
            templates = BAD_MONTHS if column in contract.months else BAD_DATES
            t = templates[int(rng.integers(0, len(templates)))]
            return t.format(**fmt, d=d.day)
        case "date_outside_period":
            if column in contract.months:
                other = (
                    (p - dt.timedelta(days=1)).replace(day=1)
                    if rng.random() < 0.6
                    else month_end(p) + dt.timedelta(days=1)
                )
                return f"{other:%Y-%m}"
            if column in contract.past_dates:  # registered after the end of the month
                return f"{month_end(p) + dt.timedelta(days=int(rng.integers(1, 60))):%Y-%m-%d}"
            if rng.random() < 0.5:
                return f"{p - dt.timedelta(days=int(rng.integers(1, 20))):%Y-%m-%d}"
            return f"{month_end(p) + dt.timedelta(days=int(rng.integers(1, 20))):%Y-%m-%d}"
        case "unknown_division":
            if ctx.foreign_division_codes and rng.random() < 0.6:
                codes = ctx.foreign_division_codes
                return codes[int(rng.integers(0, len(codes)))]
            return ctx.county_code + f"{int(rng.integers(900, 1000))}000"  # a township that does not exist
        case "unknown_category":
            options = contract.categories[column]
            return options[int(rng.integers(0, len(options)))]
    raise ValueError(kind)


def inject(
    frame: pl.DataFrame,
    contract: SourceContract,
    ctx: DirtContext,
    rate: float,
    rng: np.random.Generator,
    first_data_row: int,
    file: str,
) -> tuple[pl.DataFrame, list[DirtItem]]:
    """The dirty frame and the log of what was injected (rows numbered as in the written file)."""
    n = frame.height
    if rate <= 0 or n == 0:
        return frame, []
    applicable = _applicable(contract)
    kinds = list(applicable)
    n_items = min(int(rng.binomial(n, min(rate, 1.0))), n // 2)
    if n_items == 0:
        return frame, []
    rows = np.sort(rng.choice(n, n_items, replace=False))
    chosen = [kinds[int(i)] for i in rng.integers(0, len(kinds), n_items)]
    columns = {c: frame[c].to_numpy().astype(object) for c in frame.columns}
    pending: list[tuple[int, str, str, str | None, str | None]] = []  # (row, column, kind, value, original)
    dup_sources: list[int] = []
    for r, kind in zip(rows.tolist(), chosen, strict=True):
        if kind == "duplicate_row":
            dup_sources.append(r)
            continue
        cols = applicable[kind]
        # a cell that is already blank cannot be made dirty in most ways: pick a filled one
        filled = [c for c in cols if columns[c][r] not in (None, "")]
        if kind != "missing_required" and not filled:
            continue
        col = (filled or list(cols))[int(rng.integers(0, len(filled or cols)))]
        original = columns[col][r]
        value = _dirty_value(kind, col, original or "", contract, ctx, rng)
        if value == original:
            continue
        columns[col][r] = value
        pending.append((r, col, kind, value, original))
    dirty = pl.DataFrame({c: pl.Series(c, v, dtype=pl.String) for c, v in columns.items()})
    # exact duplicates: copy the (clean) row and insert it 1..20 rows further down
    order_key = np.arange(n, dtype=np.float64)
    copies = []
    for j, r in enumerate(dup_sources):
        at = min(n - 1, r + int(rng.integers(0, 20)))
        copies.append((r, at + 0.5 + j * 1e-6))
    if copies:
        src = np.array([c[0] for c in copies])
        dirty = pl.concat([dirty, dirty[src]])
        order_key = np.concatenate([order_key, np.array([c[1] for c in copies])])
    order = np.argsort(order_key, kind="stable")
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    dirty = dirty[order]
    items = []
    for r, col, kind, value, original in pending:
        personal = col in contract.personal
        items.append(
            DirtItem(
                file=file,
                row=first_data_row + int(position[r]),
                column=col,
                kind=kind,
                reason_code=ROW_KINDS[kind],
                value=None if personal else value,
                original=None if personal else original,
            )
        )
    for j, (r, _) in enumerate(copies):
        items.append(
            DirtItem(
                file=file,
                row=first_data_row + int(position[n + j]),
                column=None,
                kind="duplicate_row",
                reason_code="duplicate_row",
                note=f"copy of row {first_data_row + int(position[r])}",
            )
        )
    items.sort(key=lambda i: (i.row or 0, i.kind))
    return dirty, items
