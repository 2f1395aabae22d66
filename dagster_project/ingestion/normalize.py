"""Vectorised text normalisation and parsing (polars expressions)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable

import numpy as np
import polars as pl
import pyarrow as pa

_FULL_WIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
_HALF_WIDTH = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]
# Chinese punctuation that clerks type in numbers and dates; （） become ().
_EXTRA_FROM = ["。", "，"]
_EXTRA_TO = [".", ","]

EXCEL_EPOCH = pl.date(1899, 12, 30)
# What clerks write in a cell that has no value: 无, 空, a slash or a dash (—, --, －, after normalising).
PLACEHOLDER = r"^(?:无|空|[/\\\uFF0F\uFF3C]|[-\u2010-\u2015\u2500\u2212\uFF0D]{1,3})$"


# A cell needs normalising if it holds a character replace_many maps, an invisible format character
# (Unicode Cf: zero-width space U+200B, BOM U+FEFF, word joiner U+2060, soft hyphen U+00AD, U+200C/D,
# pasted from web pages), leading/trailing white space (Unicode White_Space, as strip_chars trims), the
# ="…" wrapper or the leading apostrophe exports use to keep Excel from turning an ID into a number
# (Excel shows the plain value), or nothing at all. Almost no cell of a real export does.
_NEEDS_NORMALISING = r"[\x{FF01}-\x{FF5E}\x{3000}\p{Cf}" + "".join(_EXTRA_FROM) + r"]|^\s|\s$|^$|^=\"|^'"
_INVISIBLE = r"\p{Cf}"
_EXCEL_TEXT = r'(?s)^="(.*)"$'


def _clean(expr: pl.Expr) -> pl.Expr:
    """Invisible characters removed, full-width → half-width, trimmed, ="…" and a leading ' unwrapped."""
    out = (
        expr.str.replace_all(_INVISIBLE, "")
        .str.replace_many(_FULL_WIDTH + _EXTRA_FROM, _HALF_WIDTH + _EXTRA_TO)
        .str.strip_chars()
    )
    return out.str.replace(_EXCEL_TEXT, "${1}").str.strip_prefix("'").str.strip_chars()


def _normalise_text_series(s: pl.Series) -> pl.Series:
    # replace_many with 96 patterns on every cell of every column was the largest part of reading an
    # export; only the cells that need it go through it now (same result as normalise_text_reference:
    # tests/ingestion/test_transform.py).
    needs = s.str.contains(_NEEDS_NORMALISING).fill_null(False)
    if not needs.any():
        return s
    fixed = s.filter(needs).to_frame("v").select(_clean(pl.col("v")).alias("v"))
    fixed = fixed.select(pl.when(pl.col("v") != "").then(pl.col("v"))).to_series()
    return s.scatter(needs.arg_true(), fixed)


def normalise_text_reference(expr: pl.Expr) -> pl.Expr:
    """The definition normalise_text implements: invisible characters removed, full-width → half-width,
    trim, ="…" and a leading ' unwrapped, empty → null."""
    out = _clean(expr)
    return pl.when(out == "").then(None).otherwise(out)


def normalise_text(expr: pl.Expr) -> pl.Expr:
    """As normalise_text_reference, on the cells that need it."""
    return expr.map_batches(_normalise_text_series, return_dtype=pl.String, is_elementwise=True)


_HALF_TABLE = str.maketrans(dict(zip(_FULL_WIDTH, _HALF_WIDTH, strict=True)))


def normalise_header(text: str) -> str:
    """Normalise a header cell for matching: half-width, no spaces, line breaks or invisible characters."""
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return "".join(text.translate(_HALF_TABLE).split())


# Commas in a number only as thousands separators (1,234.50; 12,345): a comma anywhere else is a typo for
# the decimal point (800，5 typed with a Chinese IME) or a foreign format (1.234,50), never to be dropped.
_GROUPED = r"^[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?$"
# A currency sign or code before the number (￥800.00, ¥800, -￥800, RMB 800, CNY800), as HTML and text
# exports and clerks write formatted cells.
_CURRENCY = r"^([+-]?)\s*(?:[￥¥]|(?i:RMB|CNY))\s*"
# A negative number as accounting formats write it, (800) or 800-, or with a minus sign other than "-":
# read as negative, so the row is quarantined as 不能为负数 rather than 应为数字.
_PARENTHESISED = r"^\(\s*([^()\-]+?)\s*\)$"
_TRAILING_MINUS = r"^([^\-]+?)\s*-$"
_MINUS_SIGNS = r"^[\u2212\u2012\u2013\uFE63]"


def _unsigned_text(expr: pl.Expr) -> pl.Expr:
    """The number's text with a unit, currency and accounting sign written out: '-800' for (800) / 800-."""
    text = (
        expr.str.strip_chars()
        .str.strip_suffix("元整")
        .str.strip_suffix("元")
        .str.strip_chars()
        .str.strip_suffix("万")
        .str.strip_chars()
        .str.strip_prefix("人民币")
        .str.strip_chars()
        .str.replace(_MINUS_SIGNS, "-")
    )
    negative = pl.coalesce(text.str.extract(_PARENTHESISED, 1), text.str.extract(_TRAILING_MINUS, 1))
    return pl.when(negative.is_not_null()).then("-" + negative).otherwise(text).str.replace(_CURRENCY, "${1}")


def _parse_number_general(expr: pl.Expr) -> pl.Expr:
    text = _unsigned_text(expr)
    grouped = ~text.str.contains(",", literal=True) | text.str.contains(_GROUPED)
    number = text.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
    # 800万元 / 1.5万: ten thousand yuan, written out in a 元 column (unambiguous: the unit is in the cell)
    wan = expr.str.strip_chars().str.strip_suffix("元整").str.strip_suffix("元").str.strip_chars()
    scale = pl.when(wan.str.ends_with("万")).then(10_000.0).otherwise(1.0)
    return pl.when(grouped).then(number * scale)


def _parse_value_series(s: pl.Series, hours: bool) -> pl.Series:
    # Nearly every cell is a plain number, which a cast reads as the general parser would (it holds no
    # white space, unit, currency sign or comma); only the others go through the string functions.
    out = s.cast(pl.Float64, strict=False)
    rest = out.is_null() & s.is_not_null()
    if rest.any():
        v = pl.col("v")
        general = _parse_number_general(v)
        if hours:
            general = pl.coalesce(general, parse_hours(v))
        parsed = s.filter(rest).rechunk().to_frame("v").select(general.alias("v")).to_series()
        out = out.scatter(rest.arg_true(), parsed)
    return out.alias(s.name)


def parse_number(expr: pl.Expr) -> pl.Expr:
    """'1,234.50' / '800元' / '800元整' / '人民币800元' / '￥800' / 'RMB 800' → 800; '800万元' → 8,000,000;
    '(800)' / '800-' → -800; text (捌佰元, 800美元), or a comma that is not a thousands separator → null."""
    return parse_value(expr)


def parse_value(expr: pl.Expr, hours: bool = False) -> pl.Expr:
    """A numeric column's value: parse_number, and for a column of hours (spec.Column.hours) a duration
    (parse_hours) where the cell is no number."""
    return expr.map_batches(
        lambda s: _parse_value_series(s, hours), return_dtype=pl.Float64, is_elementwise=True
    )


# A duration as Excel shows an [h]:mm or h:mm:ss cell (12:30, 30:00:00; minutes and seconds 00-59), or
# written out (2小时, 1.5小时, 1小时30分, 90分钟, 2.5h).
_CLOCK = r"^([0-9]{1,5}):([0-5][0-9])(?::([0-5][0-9](?:\.[0-9]+)?))?$"
_WRITTEN = r"^(?:([0-9]+(?:\.[0-9]+)?)\s*(?:个?小时|[hH]))?\s*(?:([0-9]+(?:\.[0-9]+)?)\s*(?:分钟|分|min))?$"


def parse_hours(expr: pl.Expr) -> pl.Expr:
    """A duration in hours: '12:30' → 12.5, '30:00:00' → 30, '1小时30分' → 1.5, '90分钟' → 1.5; else null.
    Only for a column of hours (服务时长): in an amount column 12:30 is not a number."""
    text = expr.str.strip_chars()
    clock = text.str.extract_groups(_CLOCK)
    as_clock = (
        clock.struct.field("1").cast(pl.Float64, strict=False)
        + clock.struct.field("2").cast(pl.Float64, strict=False) / 60
        + clock.struct.field("3").cast(pl.Float64, strict=False).fill_null(0.0) / 3600
    )
    written = text.str.extract_groups(_WRITTEN)
    h = written.struct.field("1").cast(pl.Float64, strict=False)
    m = written.struct.field("2").cast(pl.Float64, strict=False)
    as_written = pl.when(h.is_not_null() | m.is_not_null()).then(h.fill_null(0.0) + m.fill_null(0.0) / 60)
    return pl.coalesce(as_clock, as_written).round(6)


# Formatting clerks type into an ID: spaces (610602 19800101 0012), hyphens, and × (or x) for the check
# letter X. Removed only where what is left is 17 digits and a check character; the checksum is still
# verified, and the plain form is what is hashed, so the person keeps one key.
_ID_PLAIN = r"^[0-9]{17}[0-9X]$"
_ID_SEPARATORS = r"[\s\-\u2010-\u2015\u2212\uFE63\uFF0D_]"


# The old 15-digit ID (issued before 1999): 6-digit region code, birth date as YYMMDD (all in the 1900s),
# 3-digit sequence, no check character.
_ID_OLD = r"^[0-9]{15}$"


def id15_to_18(old: str) -> str | None:
    """The 18-digit form of an old 15-digit ID by the national rule (GB 11643-1999): "19" inserted after
    the 6-digit region code, then the ISO 7064 MOD 11-2 check character. None unless `old` is 15 ASCII
    digits whose birth date (19YYMMDD) exists."""
    if len(old) != 15 or not old.isascii() or not old.isdigit():
        return None
    try:
        dt.date(1900 + int(old[6:8]), int(old[8:10]), int(old[10:12]))
    except ValueError:
        return None
    first17 = old[:6] + "19" + old[6:]
    return first17 + gb11643_check_char(first17)


def _upgrade_old_ids(s: pl.Series) -> pl.Series:
    """Valid 15-digit IDs in their 18-digit form (id15_to_18); any other value unchanged."""
    old = s.str.contains(_ID_OLD).fill_null(False)
    if not old.any():
        return s
    upgraded = [id15_to_18(v) or v for v in s.filter(old).to_list()]
    return s.scatter(old.arg_true(), pl.Series(upgraded, dtype=pl.String))


def _canonical_id_series(s: pl.Series) -> pl.Series:
    needs = ~s.str.contains(_ID_PLAIN).fill_null(True)
    if not needs.any():
        return s
    v = pl.col("v")
    plain = pl.col("c").str.contains(_ID_PLAIN) | pl.col("c").str.contains(_ID_OLD)
    fixed = (
        s.filter(needs)
        .to_frame("v")
        .select(v.str.replace_all(_ID_SEPARATORS, "").str.replace(r"[×xX✕✗]$", "X").alias("c"), v)
        .select(pl.when(plain).then(pl.col("c")).otherwise(v))
        .to_series()
    )
    return s.scatter(needs.arg_true(), _upgrade_old_ids(fixed))


def canonical_id(expr: pl.Expr) -> pl.Expr:
    """An ID cell without the formatting typed into it (see _ID_SEPARATORS), and an old 15-digit ID with
    a valid birth date in its 18-digit form (id15_to_18), so a person has one key whichever form a
    roster holds; any other text unchanged."""
    return expr.map_batches(_canonical_id_series, return_dtype=pl.String, is_elementwise=True)


def _excel_serial(expr: pl.Expr) -> pl.Expr:
    # the day of a serial with a time of day (45448.75: a date-time cell exported as a number)
    serial = expr.str.extract(r"^(\d{5})(?:\.\d+)?$", 1).cast(pl.Int32, strict=False)
    return pl.when(serial.is_between(20000, 80000)).then(EXCEL_EPOCH + pl.duration(days=serial))


def _ymd(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    y = year.cast(pl.Int32, strict=False)
    m = month.cast(pl.Int8, strict=False)
    d = day.cast(pl.Int8, strict=False)
    ok = y.is_between(1900, 2100) & m.is_between(1, 12) & d.is_between(1, 31)
    # pl.date raises on impossible days: build through a string and a non-strict parse instead.
    text = pl.format("{}-{}-{}", y, m, d)
    return pl.when(ok).then(text.str.to_date("%Y-%-m-%-d", strict=False))


def _parse_date_any(expr: pl.Expr) -> pl.Expr:
    sep = expr.str.extract_groups(
        r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:[ T].*)?$"
    )
    compact = expr.str.extract_groups(r"^(\d{4})(\d{2})(\d{2})$")
    return pl.coalesce(
        _ymd(sep.struct.field("1"), sep.struct.field("2"), sep.struct.field("3")),
        _ymd(compact.struct.field("1"), compact.struct.field("2"), compact.struct.field("3")),
        _excel_serial(expr),
    )


_MONTH_ABBR = {
    m: str(i)
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}


def _parse_month_any(expr: pl.Expr) -> pl.Expr:
    ym = expr.str.extract_groups(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月份?)?$")
    compact = expr.str.extract_groups(r"^(\d{4})(\d{2})$")
    # Jun-24 / Jun 2024: an Excel mmm-yy cell exported as text (24-Jun is a day, of no year: not a month)
    named = expr.str.to_lowercase().str.extract_groups(r"^([a-z]{3})[a-z]*\.?[-\s]+(\d{2}|\d{4})$")
    named_year = named.struct.field("2").cast(pl.Int32, strict=False)
    named_year = pl.when(named_year < 100).then(named_year + 2000).otherwise(named_year)
    named_month = named.struct.field("1").replace_strict(_MONTH_ABBR, default=None, return_dtype=pl.String)
    full = _parse_date_any(expr)
    return pl.coalesce(
        _ymd(ym.struct.field("1"), ym.struct.field("2"), pl.lit("1")),
        _ymd(compact.struct.field("1"), compact.struct.field("2"), pl.lit("1")),
        _ymd(named_year.cast(pl.String), named_month, pl.lit("1")),
        full.dt.truncate("1mo"),
    )


# The form Jinmin writes (2024-06-03, 2024-06), years 1900-2100 as _ymd accepts: parsed directly; only
# the other cells (dirt, a few per thousand) go through the general parsers above.
_CANONICAL_DATE = r"^(?:19[0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"
_CANONICAL_MONTH = r"^(?:19[0-9]{2}|20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])$"


def _canonical_first(
    fast: Callable[[pl.Expr], pl.Expr], general: Callable[[pl.Expr], pl.Expr]
) -> Callable[[pl.Series], pl.Series]:
    def parse(s: pl.Series) -> pl.Series:
        v = pl.col("v")
        out = s.to_frame("v").select(fast(v).alias("v")).to_series()
        rest = out.is_null() & s.is_not_null()
        if rest.any():
            # rechunk: polars 2.1 panics on string columns with empty chunks in extract_groups + format
            parsed = s.filter(rest).rechunk().to_frame("v").select(general(v).alias("v")).to_series()
            out = out.scatter(rest.arg_true(), parsed)
        return out.alias(s.name)

    return parse


_parse_date_series = _canonical_first(
    lambda v: pl.when(v.str.contains(_CANONICAL_DATE)).then(v.str.to_date("%Y-%m-%d", strict=False)),
    _parse_date_any,
)
_parse_month_series = _canonical_first(
    lambda v: pl.when(v.str.contains(_CANONICAL_MONTH)).then(
        (v + "-01").str.to_date("%Y-%m-%d", strict=False)
    ),
    _parse_month_any,
)


def parse_date(expr: pl.Expr) -> pl.Expr:
    """Dates as 2024-06-03, 2024/6/3, 2024年6月3日, 20240603, 2024.6.3, '2024-06-03 00:00:00', Excel serial."""
    return expr.map_batches(_parse_date_series, return_dtype=pl.Date, is_elementwise=True)


def parse_month(expr: pl.Expr) -> pl.Expr:
    """A month as 2024-06, 2024年6月, 202406, 2024/06, 2024.6, a full date, or an Excel serial → first day."""
    return expr.map_batches(_parse_month_series, return_dtype=pl.Date, is_elementwise=True)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_CHECK_BYTES = np.frombuffer(_ID_CHECK.encode("ascii"), dtype=np.uint8)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _id_bytes(ids: pl.Series) -> np.ndarray:
    """Well-formed (18 ASCII characters) IDs as an (n, 18) byte matrix, read from the Arrow buffer of the
    column without making a Python string of each (about 20x faster than joining them)."""
    n = len(ids)
    arr = ids.cast(pl.Binary).to_arrow()
    _, offsets, data = arr.buffers()
    width = np.int64 if pa.types.is_large_binary(arr.type) else np.int32
    bounds = np.frombuffer(offsets, dtype=width)[arr.offset : arr.offset + n + 1]
    if data is None or bounds[-1] - bounds[0] != 18 * n:  # not one contiguous run: join them instead
        return np.frombuffer("".join(ids.to_list()).encode("ascii"), dtype=np.uint8).reshape(n, 18)
    return np.frombuffer(data, dtype=np.uint8)[bounds[0] : bounds[0] + 18 * n].reshape(n, 18)


def _id_valid_series(s: pl.Series) -> pl.Series:
    """GB 11643 check on a whole column at once: the well-formed IDs as an (n, 18) byte matrix."""
    upper = s.str.to_uppercase()
    # ASCII digits only: Rust's \d also matches other Unicode digits, which the byte matrix cannot hold.
    shape = upper.str.contains(r"^[0-9]{17}[0-9X]$").fill_null(False)
    ok = np.zeros(len(s), dtype=bool)
    n = int(shape.sum())
    if n:
        ids = _id_bytes(upper.filter(shape))
        digits = ids[:, :17].astype(np.int64) - 48
        check_ok = _ID_CHECK_BYTES[(digits @ np.array(_ID_WEIGHTS)) % 11] == ids[:, 17]
        year = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
        month = digits[:, 10] * 10 + digits[:, 11]
        day = digits[:, 12] * 10 + digits[:, 13]
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        month_ok = (month >= 1) & (month <= 12)
        days = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
        ok[shape.to_numpy()] = check_ok & month_ok & (day >= 1) & (day <= days)
    return pl.Series(s.name, ok)


def id_number_valid(expr: pl.Expr) -> pl.Expr:
    """GB 11643-1999: 17 digits + check character, plausible birth date."""
    return expr.map_batches(_id_valid_series, return_dtype=pl.Boolean, is_elementwise=True)


def gb11643_check_char(first17: str) -> str:
    """Check character for the first 17 digits of a resident ID (used by the simulator and tests)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]
