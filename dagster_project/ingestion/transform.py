"""Clean, cast and validate one file's rows; split them into loaded rows and quarantined rows.

Every rule is a (reason_code, column, failed-expression) triple evaluated on the normalised strings.
A row failing any rule is quarantined (one quarantine row per failed rule); the others are cast.

Cost: each column is parsed once (numbers, dates, division codes) and every rule's mask is computed in
one pass over the file; only rules that hit some row build quarantine rows, and only quarantined rows are
serialised to JSON. (Filtering rule by rule re-parsed dates and IDs for each rule: 2.5x slower on the
simulated exports; `python -m benchmarks` measures it.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from .normalize import PLACEHOLDER, canonical_id, id_number_valid, parse_date, parse_month, parse_value
from .pseudonymise import Pseudonymiser
from .readers import SOURCE_ROW, SOURCE_SHEET
from .redact import SHOWN_AS_IS, redact_public, redact_value, shown_words
from .spec import Column, Kind, SourceSpec

REASONS_ZH: dict[str, str] = {
    "missing_required": "必填项为空",
    "invalid_id": "身份证号码无效（应为18位，末位校验码符合GB 11643，出生日期有效；15位旧号码须出生日期有效）",
    "not_a_number": "应为数字",
    "negative_value": "不能为负数",
    "out_of_range": "超出合理范围",
    "bad_date": "日期无法识别（可用格式：2024-06-03、2024/6/3、2024年6月3日、20240603；年月可写2024-06、2024年6月、202406）",
    "date_outside_period": "日期不在本期内",
    "unknown_division": "区划代码不存在或不属于本县（市、区）",
    "unknown_category": "取值不在允许范围内",
    "duplicate_row": "与前面某行完全重复",
    "id_as_number": "身份证号被存成了数字，末几位已丢失（请把该列设置为文本格式后重新导出）",
    "code_as_number": "区划代码被存成了数字（显示为6.10602E+11这样的科学计数法），末几位已丢失（请把该列设置为文本格式后重新导出）",
    "not_finite": "不是有效数值（NaN或无穷大，请核对公式或重新导出）",
    "value_too_large": "数值超出该列可能的范围（疑似格式或单位错误，请核对后重新导出）",
    "merged_identity": "身份证号码或姓名是跨多行的合并单元格，多人共用了同一个值（请取消合并，逐行填写每个人的信息后重新导出）",
    "formula_no_value": "单元格是公式但没有计算结果（请在Excel中重新计算并保存，或复制为数值后重新导出）",
    "error_value": "单元格是Excel错误值（#N/A、#DIV/0!、#REF!、#VALUE!等），不是数据（请在Excel中更正公式或引用，或改为数值后重新导出）",
    "undecodable": "该行含无法识别的字节（请以UTF-8或GBK编码重新导出）",
    "csv_quote": "引号未闭合，多行被合并为一行（请检查这些行的引号后重新导出）",
}
# The largest value each numeric kind can hold in its raw table (INTEGER, DECIMAL(14,2)).
TYPE_LIMITS = {Kind.INT: 2_147_483_647.0, Kind.DECIMAL: 999_999_999_999.99}
# Excel's error values, as a text export writes them.
EXCEL_ERRORS = ("#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")
_DECIMAL_ZH = "数字（金额可带两位小数，如800、800.00元；逗号只能作千位分隔符，如1,234.50；大写金额（如捌佰元）请改写为数字）"
_HOURS_ZH = "小时数（如1.5，或12:30、2小时30分）"
_ID_AS_NUMBER = r"^[0-9](?:\.[0-9]+)?[eE][+-]?[0-9]+$|^[0-9]+\.0+$"
_ID_OLD = r"^[0-9]{15}$"
_SCIENTIFIC = r"^[0-9](?:\.[0-9]+)?[eE][+-]?[0-9]+$"  # a long number as Excel shows it: 6.10602E+11
_ID_OLD_ZH = "15位旧身份证号码的第7至12位是有效的出生日期（年月日，如800101），或改填18位号码"


_PARSED_KINDS = (Kind.INT, Kind.DECIMAL, Kind.MONTH, Kind.DATE, Kind.DIVISION, Kind.CATEGORY)
_BIRTH = "__birth_year"
# A row of the file: (SOURCE_SHEET, SOURCE_ROW) in a workbook of several sheets, SOURCE_ROW otherwise;
# _ROW_ID numbers the rows of the file so that one column identifies a row.
_ROW_ID = "__row_id"
_KEYS = (_ROW_ID, SOURCE_ROW, SOURCE_SHEET)


def _row_label(row: pl.Expr | None = None, sheet: pl.Expr | None = None) -> pl.Expr:
    """第5行, or 工作表「桥沟街道」第5行 for a row of a workbook of several sheets."""
    row = pl.col(SOURCE_ROW) if row is None else row
    sheet = pl.col(SOURCE_SHEET) if sheet is None else sheet
    return (
        pl.when(sheet.is_null())
        .then(pl.format("第{}行", row))
        .otherwise(pl.format("工作表「{}」第{}行", sheet, row))
    )


@dataclass(frozen=True)
class FileContext:
    county_code: str
    period: dt.date  # first day of the partition month
    township_prefixes: frozenset[str]  # 9-digit township codes of the county


@dataclass(frozen=True)
class Transformed:
    loaded: pl.DataFrame  # typed rows, output column names, plus SOURCE_ROW
    quarantine: pl.DataFrame  # SOURCE_ROW, column_name, reason_code, reason, raw_value, record_json


def _period_end(period: dt.date) -> dt.date:
    nxt = dt.date(period.year + (period.month == 12), period.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _parsed(col: Column) -> pl.Expr:
    c = pl.col(col.name)
    match col.kind:
        case Kind.INT | Kind.DECIMAL:
            return parse_value(c, col.hours)
        case Kind.CATEGORY:  # a cell wrapped (Alt+Enter) or spaced: no category holds white space
            category = c.str.replace_all(r"\s", "")
            return category.replace(dict(col.category_aliases)) if col.category_aliases else category
        case Kind.MONTH:
            return parse_month(c)
        case Kind.DATE:
            return parse_date(c)
        case Kind.DIVISION:  # typed in groups (610602 001 001), or a number written out as 610602001001.0
            code = c.str.replace_all(r"\s", "").str.replace(r"^([0-9]{9}|[0-9]{12})\.0+$", "${1}")
            return pl.when(code.str.contains(r"^\d{9}$")).then(code + "000").otherwise(code)
        case Kind.PERSON_ID:
            return c.str.to_uppercase()
        case _:
            return c


def _parsed_name(col: Column) -> str:
    return f"__parsed_{col.name}"


def _parsed_ref(col: Column) -> pl.Expr:
    """The column's parsed value: computed once per file (see transform) for the kinds that parse."""
    return pl.col(_parsed_name(col)) if col.kind in _PARSED_KINDS else _parsed(col)


def _rules(col: Column, ctx: FileContext) -> Iterable[tuple[str, pl.Expr, str]]:
    """(reason_code, failed, expected_zh) for one column; each evaluated only where the cell is present."""
    c = pl.col(col.name)
    p = _parsed_ref(col)
    present = c.is_not_null()
    if col.required:
        yield "missing_required", c.is_null(), f"「{col.header}」必须填写"
    # An error value exported as text (CSV, HTML): not the column's value, even where text is allowed.
    yield "error_value", present & c.is_in(EXCEL_ERRORS), "该单元格实际的数值或内容"
    match col.kind:
        case Kind.PERSON_ID:
            as_number = c.str.contains(_ID_AS_NUMBER).fill_null(False)
            yield "id_as_number", present & as_number, "以文本格式保存的18位身份证号码"
            # a valid old 15-digit ID is already in its 18-digit form (canonical_id): one left has no birth date
            old = c.str.contains(_ID_OLD).fill_null(False)
            yield (
                "invalid_id",
                present & ~as_number & ~old & ~id_number_valid(c),
                "18位身份证号码，末位校验码正确",
            )
            yield "invalid_id", present & old, _ID_OLD_ZH
        case Kind.INT | Kind.DECIMAL:
            finite = p.is_finite().fill_null(False)
            nan = present & p.is_null()
            if col.kind is Kind.INT:
                nan = nan | (present & finite & (p != p.round(0)))
            expected = "整数" if col.kind is Kind.INT else _HOURS_ZH if col.hours else _DECIMAL_ZH
            yield "not_a_number", nan, expected
            yield "not_finite", present & p.is_not_null() & ~finite, "有限的数值"
            limit = TYPE_LIMITS[col.kind]
            yield "value_too_large", present & finite & (p.abs() > limit), f"绝对值不超过{limit:,.0f}"
            yield "negative_value", present & finite & (p < 0).fill_null(False), "大于或等于0的数"
            if col.max_value is not None:
                yield (
                    "out_of_range",
                    present & finite & (p > col.max_value).fill_null(False) & (p.abs() <= limit),
                    f"不超过{col.max_value:g}",
                )
        case Kind.MONTH | Kind.DATE:
            yield "bad_date", present & p.is_null(), "可识别的日期"
            end = _period_end(ctx.period)
            if col.in_period:
                lo = ctx.period
                outside = ~p.is_between(pl.lit(lo), pl.lit(end))
                yield "date_outside_period", present & outside.fill_null(False), f"{lo:%Y年%m月}内的日期"
            else:
                yield (
                    "date_outside_period",
                    present & (p > pl.lit(end)).fill_null(False),
                    f"不晚于{end:%Y年%m月%d日}",
                )
        case Kind.DIVISION:
            ok = p.str.contains(r"^\d{12}$") & p.str.slice(0, 9).is_in(list(ctx.township_prefixes))
            as_number = c.str.contains(_SCIENTIFIC).fill_null(False)
            yield "code_as_number", present & as_number, "以文本格式保存的12位区划代码"
            yield (
                "unknown_division",
                present & ~as_number & ~ok.fill_null(False),
                f"本县（{ctx.county_code}）的12位区划代码",
            )
        case Kind.CATEGORY:
            yield "unknown_category", present & ~p.is_in(list(col.categories)), "、".join(col.categories)
        case _:
            pass


def _placeholders_empty(raw: pl.DataFrame, spec: SourceSpec) -> pl.DataFrame:
    """PLACEHOLDER cells (无, —, /) as empty in the non-personal columns (an ID or name cell holding one is
    quarantined by its own checks): an optional cell loads empty (残疾等级 无 is no grade), a required one
    is 必填项为空."""
    names = [c.name for c in spec.columns if not c.personal and c.name in raw.columns]
    return raw.with_columns(
        pl.when(pl.col(n).str.contains(PLACEHOLDER)).then(None).otherwise(pl.col(n)).alias(n) for n in names
    )


def _hash_personal(frame: pl.DataFrame, spec: SourceSpec, hasher: Pseudonymiser) -> pl.DataFrame:
    """Keyed hashes of the personal columns, in one pass. The ID columns (a recipient's and the household
    head's) share one key, so a head's ID hashes to the same value in both."""
    ids = [c.name for c in spec.columns if c.kind is Kind.PERSON_ID]
    names = [c.name for c in spec.columns if c.kind is Kind.PERSON_NAME]
    return frame.with_columns(hasher.hash_columns([frame[n].str.to_uppercase() for n in [*ids, *names]]))


def transform(
    raw: pl.DataFrame,
    spec: SourceSpec,
    ctx: FileContext,
    hasher: Pseudonymiser,
    flags: pl.DataFrame | None = None,
) -> Transformed:
    """`flags`: problems found while reading (SOURCE_ROW, SOURCE_SHEET, column_name, reason_code,
    detail), e.g. a formula without a value or an undecodable byte; their rows are quarantined too."""
    names = [c.name for c in spec.columns]
    business = [c.name for c in spec.columns if c.name != "row_seq"]
    parsed = [_parsed(c).alias(_parsed_name(c)) for c in spec.columns if c.kind in _PARSED_KINDS]
    if "id_number" in raw.columns:  # birth year from the clear ID, before it is hashed
        parsed.append(pl.col("id_number").str.slice(6, 4).cast(pl.Int32, strict=False).alias(_BIRTH))
    if SOURCE_SHEET not in raw.columns:
        raw = raw.with_columns(pl.lit(None, dtype=pl.String).alias(SOURCE_SHEET))
    # IDs without the formatting typed into them (spaces, hyphens, × for X): validated, hashed and
    # counted (birth year) as the plain ID, so the person keeps one key.
    ids = [c.name for c in spec.columns if c.kind is Kind.PERSON_ID and c.name in raw.columns]
    raw = raw.with_columns(canonical_id(pl.col(n)).alias(n) for n in ids)
    raw = _placeholders_empty(raw, spec)
    work = raw.with_row_index(_ROW_ID).with_columns(parsed)
    rules = [
        (col, code, failed, expected) for col in spec.columns for code, failed, expected in _rules(col, ctx)
    ]
    # One pass: every rule's mask, the duplicate flag, and per rule whether it hit any row.
    masks = work.select(
        *[failed.fill_null(False).alias(f"__rule{i}") for i, (_, _, failed, _) in enumerate(rules)],
        (~pl.struct(business).is_first_distinct()).alias("__dup"),
    )
    hit = masks.select(pl.all().any()).row(0)
    checks: list[pl.DataFrame] = []
    for i, (col, code, _, expected) in enumerate(rules):
        if not hit[i]:
            continue
        checks.append(
            work.filter(masks[f"__rule{i}"]).select(
                *_KEYS,
                pl.lit(col.header).alias("column_name"),
                pl.lit(code).alias("reason_code"),
                pl.format(
                    "{}「{}」：{}；应为：{}",
                    _row_label(),
                    pl.lit(col.header),
                    pl.lit(REASONS_ZH[code]),
                    pl.lit(expected),
                ).alias("reason"),
                pl.col(col.name).alias("raw_value"),
                pl.lit(col.kind in (Kind.PERSON_ID, Kind.PERSON_NAME)).alias("_personal"),
                pl.lit(col.public).alias("_public"),
            )
        )
    if hit[-1]:
        # Rows with a copy anywhere in the file hold every first occurrence a later copy points to.
        copies = work.filter(pl.struct(business).is_duplicated())
        dups = copies.with_columns(_dup_first=_row_label().first().over(business)).filter(
            ~pl.struct(business).is_first_distinct()
        )
        checks.append(
            dups.select(
                *_KEYS,
                pl.lit("整行").alias("column_name"),
                pl.lit("duplicate_row").alias("reason_code"),
                pl.format(
                    "{}：与{}完全重复；应为：每条记录只出现一次",
                    _row_label(),
                    pl.col("_dup_first"),
                ).alias("reason"),
                pl.lit(None, dtype=pl.String).alias("raw_value"),
                pl.lit(False).alias("_personal"),
                pl.lit(False).alias("_public"),
            )
        )
    if flags is not None and flags.height:
        if SOURCE_SHEET not in flags.columns:
            flags = flags.with_columns(pl.lit(None, dtype=pl.String).alias(SOURCE_SHEET))
        flags = flags.with_columns(pl.col(SOURCE_ROW).cast(pl.Int32)).join(
            work.select(*_KEYS), on=[SOURCE_ROW, SOURCE_SHEET], nulls_equal=True
        )
        checks.append(
            flags.select(
                *_KEYS,
                "column_name",
                "reason_code",
                pl.format(
                    "{}「{}」：{}；{}",
                    _row_label(),
                    pl.col("column_name"),
                    pl.col("reason_code").replace_strict(REASONS_ZH, default="数据有误"),
                    pl.col("detail"),
                ).alias("reason"),
                pl.lit(None, dtype=pl.String).alias("raw_value"),
                pl.lit(False).alias("_personal"),
                pl.lit(False).alias("_public"),
            )
        )
    hashed = _hash_personal(work, spec, hasher)
    personal = {c.name for c in spec.columns if c.kind in (Kind.PERSON_ID, Kind.PERSON_NAME)}
    public = {c.name for c in spec.columns if c.public}
    quarantine = _quarantine_frame(checks, hashed, names, hasher, personal, public)
    if checks:
        bad = masks.select(pl.any_horizontal(pl.all())).to_series()
        if flags is not None and flags.height:
            bad = bad | hashed[_ROW_ID].is_in(flags[_ROW_ID].implode())
        good = hashed.filter(~bad)
    else:
        good = hashed
    return Transformed(loaded=_cast(good, spec), quarantine=quarantine)


def _redacted(s: pl.Series, public: bool = False) -> pl.Series:
    """A non-personal column's values as a clerk may see them: in clear only when demonstrably not
    personal (redact_value), or, for a column public by nature, with IDs and phones masked. The plain
    cells (numbers, dates, codes, categories: redact.SHOWN_AS_IS) are kept without a Python call each."""
    if public:
        return s.map_elements(redact_public, return_dtype=pl.String, skip_nulls=True)
    rest = ~(s.str.contains(SHOWN_AS_IS) | s.is_in(list(shown_words()))).fill_null(True)
    if not rest.any():
        return s
    shown = s.filter(rest).map_elements(redact_value, return_dtype=pl.String, skip_nulls=True)
    return s.scatter(rest.arg_true(), shown)


def _quarantine_frame(
    checks: list[pl.DataFrame],
    hashed: pl.DataFrame,
    names: list[str],
    hasher: Pseudonymiser,
    personal: set[str],
    public: set[str],
) -> pl.DataFrame:
    schema = {
        SOURCE_ROW: pl.Int32,
        SOURCE_SHEET: pl.String,
        "column_name": pl.String,
        "reason_code": pl.String,
        "reason": pl.String,
        "raw_value": pl.String,
        "record_json": pl.String,
    }
    if not checks:
        return pl.DataFrame(schema=schema)
    errors = pl.concat(checks)
    # Personal raw values are hashed here too: the quarantine never holds a clear ID or name.
    personal_values = errors.filter(pl.col("_personal"))["raw_value"]
    hashed_values = hasher.hash_series(personal_values.str.to_uppercase())
    # Other columns' values are shown only when demonstrably not personal: a shifted row or a record
    # swallowed by a stray quote may put an ID, a phone or a name in any column.
    others = [
        errors.filter(~pl.col("_personal") & (pl.col("_public") == public_part)).with_columns(
            raw_value=_redacted(
                errors.filter(~pl.col("_personal") & (pl.col("_public") == public_part))["raw_value"],
                public_part,
            )
        )
        for public_part in (False, True)
    ]
    errors = pl.concat(
        [*others, errors.filter(pl.col("_personal")).with_columns(raw_value=hashed_values)]
    ).drop("_personal", "_public")
    # A shifted row may carry an ID, phone or name in any column: shown only where demonstrably not
    # personal (personal columns are hashed).
    rows = hashed.filter(pl.col(_ROW_ID).is_in(errors[_ROW_ID].unique().implode()))
    rows = rows.with_columns([_redacted(rows[n], n in public).alias(n) for n in names if n not in personal])
    records = rows.select(_ROW_ID, pl.struct(names).struct.json_encode().alias("record_json"))
    return (
        errors.join(records, on=_ROW_ID, how="left")
        .sort(_ROW_ID, "column_name")
        .select(list(schema))
        .cast(schema)  # type: ignore[arg-type]
    )


def _cast(good: pl.DataFrame, spec: SourceSpec) -> pl.DataFrame:
    exprs: list[pl.Expr] = [pl.col(SOURCE_ROW), pl.col(SOURCE_SHEET)]
    for col in spec.columns:
        p = _parsed_ref(col)
        match col.kind:
            case Kind.INT:
                exprs.append(p.cast(pl.Int32).alias(col.output_name))
            case Kind.DECIMAL:
                exprs.append(p.round(2).alias(col.output_name))
            case Kind.PERSON_ID | Kind.PERSON_NAME:
                exprs.append(pl.col(col.name).alias(col.output_name))
            case _:
                exprs.append(p.alias(col.output_name))
    if _BIRTH in good.columns:
        exprs.append(pl.col(_BIRTH).alias("birth_year"))
    return good.select(exprs)
