"""Vectorised text normalisation and parsing (polars expressions)."""

from __future__ import annotations

import polars as pl

_FULL_WIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
_HALF_WIDTH = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]
# Chinese punctuation that clerks type in numbers and dates; （） become ().
_EXTRA_FROM = ["。", "，"]
_EXTRA_TO = [".", ","]

EXCEL_EPOCH = pl.date(1899, 12, 30)


def normalise_text(expr: pl.Expr) -> pl.Expr:
    """Full-width → half-width, trim, empty → null."""
    out = expr.str.replace_many(_FULL_WIDTH + _EXTRA_FROM, _HALF_WIDTH + _EXTRA_TO).str.strip_chars()
    return pl.when(out == "").then(None).otherwise(out)


def normalise_header(text: str) -> str:
    """Normalise a header cell for matching: half-width, no spaces or line breaks."""
    for full, half in zip(_FULL_WIDTH, _HALF_WIDTH, strict=True):
        text = text.replace(full, half)
    return "".join(text.split())


def parse_number(expr: pl.Expr) -> pl.Expr:
    """'1,234.50' / '800元' → float; text → null."""
    cleaned = expr.str.replace_all(",", "", literal=True).str.strip_suffix("元").str.strip_chars()
    return cleaned.cast(pl.Float64, strict=False)


def _excel_serial(expr: pl.Expr) -> pl.Expr:
    serial = expr.str.extract(r"^(\d{5})(?:\.0+)?$", 1).cast(pl.Int32, strict=False)
    return pl.when(serial.is_between(20000, 80000)).then(EXCEL_EPOCH + pl.duration(days=serial))


def _ymd(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    y = year.cast(pl.Int32, strict=False)
    m = month.cast(pl.Int8, strict=False)
    d = day.cast(pl.Int8, strict=False)
    ok = y.is_between(1900, 2100) & m.is_between(1, 12) & d.is_between(1, 31)
    # pl.date raises on impossible days: build through a string and a non-strict parse instead.
    text = pl.format("{}-{}-{}", y, m, d)
    return pl.when(ok).then(text.str.to_date("%Y-%-m-%-d", strict=False))


def parse_date(expr: pl.Expr) -> pl.Expr:
    """Dates as 2024-06-03, 2024/6/3, 2024年6月3日, 20240603, 2024.6.3, '2024-06-03 00:00:00', Excel serial."""
    sep = expr.str.extract_groups(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
    compact = expr.str.extract_groups(r"^(\d{4})(\d{2})(\d{2})$")
    return pl.coalesce(
        _ymd(sep.struct.field("1"), sep.struct.field("2"), sep.struct.field("3")),
        _ymd(compact.struct.field("1"), compact.struct.field("2"), compact.struct.field("3")),
        _excel_serial(expr),
    )


def parse_month(expr: pl.Expr) -> pl.Expr:
    """A month as 2024-06, 2024年6月, 202406, 2024/06, 2024.6, a full date, or an Excel serial → first day."""
    ym = expr.str.extract_groups(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
    compact = expr.str.extract_groups(r"^(\d{4})(\d{2})$")
    full = parse_date(expr)
    return pl.coalesce(
        _ymd(ym.struct.field("1"), ym.struct.field("2"), pl.lit("1")),
        _ymd(compact.struct.field("1"), compact.struct.field("2"), pl.lit("1")),
        full.dt.truncate("1mo"),
    )


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_valid(expr: pl.Expr) -> pl.Expr:
    """GB 11643-1999: 17 digits + check character, plausible birth date."""
    upper = expr.str.to_uppercase()
    shape = upper.str.contains(r"^\d{17}[0-9X]$").fill_null(False)
    total = pl.sum_horizontal(
        [upper.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(_ID_WEIGHTS)]
    )
    expected = pl.lit(_ID_CHECK).str.slice(total % 11, 1)
    birth = upper.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    return shape & (upper.str.slice(17, 1) == expected).fill_null(False) & birth.is_not_null()


def gb11643_check_char(first17: str) -> str:
    """Check character for the first 17 digits of a resident ID (used by the simulator and tests)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]
