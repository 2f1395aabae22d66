"""Clean, cast and validate one file's rows; split them into loaded rows and quarantined rows.

Every rule is a (reason_code, column, failed-expression) triple evaluated on the normalised strings.
A row failing any rule is quarantined (one quarantine row per failed rule); the others are cast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from .normalize import id_number_valid, parse_date, parse_month, parse_number
from .pseudonymise import Pseudonymiser
from .readers import SOURCE_ROW
from .spec import Column, Kind, SourceSpec

REASONS_ZH: dict[str, str] = {
    "missing_required": "必填项为空",
    "invalid_id": "身份证号码无效（应为18位，末位校验码符合GB 11643，出生日期有效）",
    "not_a_number": "应为数字",
    "negative_value": "不能为负数",
    "out_of_range": "超出合理范围",
    "bad_date": "日期无法识别（可用格式：2024-06-03、2024/6/3、2024年6月3日、20240603；年月可写2024-06、2024年6月、202406）",
    "date_outside_period": "日期不在本期内",
    "unknown_division": "区划代码不存在或不属于本县（市、区）",
    "unknown_category": "取值不在允许范围内",
    "duplicate_row": "与前面某行完全重复",
}


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
            return parse_number(c)
        case Kind.MONTH:
            return parse_month(c)
        case Kind.DATE:
            return parse_date(c)
        case Kind.DIVISION:
            return pl.when(c.str.contains(r"^\d{9}$")).then(c + "000").otherwise(c)
        case Kind.PERSON_ID:
            return c.str.to_uppercase()
        case _:
            return c


def _rules(col: Column, ctx: FileContext) -> Iterable[tuple[str, pl.Expr, str]]:
    """(reason_code, failed, expected_zh) for one column; each evaluated only where the cell is present."""
    c = pl.col(col.name)
    p = _parsed(col)
    present = c.is_not_null()
    if col.required:
        yield "missing_required", c.is_null(), f"「{col.header}」必须填写"
    match col.kind:
        case Kind.PERSON_ID:
            yield "invalid_id", present & ~id_number_valid(c), "18位身份证号码，末位校验码正确"
        case Kind.INT | Kind.DECIMAL:
            nan = present & p.is_null()
            if col.kind is Kind.INT:
                nan = nan | (present & p.is_not_null() & (p != p.round(0)))
            yield "not_a_number", nan, "整数" if col.kind is Kind.INT else "数字（金额可带两位小数）"
            yield "negative_value", present & (p < 0).fill_null(False), "大于或等于0的数"
            if col.max_value is not None:
                yield (
                    "out_of_range",
                    present & (p > col.max_value).fill_null(False),
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
            yield (
                "unknown_division",
                present & ~ok.fill_null(False),
                f"本县（{ctx.county_code}）的12位区划代码",
            )
        case Kind.CATEGORY:
            yield "unknown_category", present & ~c.is_in(list(col.categories)), "、".join(col.categories)
        case _:
            pass


def _hash_personal(frame: pl.DataFrame, spec: SourceSpec, hasher: Pseudonymiser) -> pl.DataFrame:
    personal = [c.name for c in spec.columns if c.kind in (Kind.PERSON_ID, Kind.PERSON_NAME)]
    return frame.with_columns([hasher.hash_series(frame[n].str.to_uppercase()) for n in personal])


def transform(raw: pl.DataFrame, spec: SourceSpec, ctx: FileContext, hasher: Pseudonymiser) -> Transformed:
    names = [c.name for c in spec.columns]
    business = [c.name for c in spec.columns if c.name != "row_seq"]
    checks: list[pl.DataFrame] = []
    flagged = raw.with_columns(
        _dup_first=pl.col(SOURCE_ROW).first().over(business),
        _dup=pl.int_range(pl.len()).over(business) > 0,
    )
    for col in spec.columns:
        for code, failed, expected in _rules(col, ctx):
            hits = flagged.filter(failed)
            if hits.height:
                checks.append(
                    hits.select(
                        SOURCE_ROW,
                        pl.lit(col.header).alias("column_name"),
                        pl.lit(code).alias("reason_code"),
                        pl.format(
                            "第{}行「{}」：{}；应为：{}",
                            pl.col(SOURCE_ROW),
                            pl.lit(col.header),
                            pl.lit(REASONS_ZH[code]),
                            pl.lit(expected),
                        ).alias("reason"),
                        pl.col(col.name).alias("raw_value"),
                        pl.lit(col.kind in (Kind.PERSON_ID, Kind.PERSON_NAME)).alias("_personal"),
                    )
                )
    dups = flagged.filter(pl.col("_dup"))
    if dups.height:
        checks.append(
            dups.select(
                SOURCE_ROW,
                pl.lit("整行").alias("column_name"),
                pl.lit("duplicate_row").alias("reason_code"),
                pl.format(
                    "第{}行：与第{}行完全重复；应为：每条记录只出现一次",
                    pl.col(SOURCE_ROW),
                    pl.col("_dup_first"),
                ).alias("reason"),
                pl.lit(None, dtype=pl.String).alias("raw_value"),
                pl.lit(False).alias("_personal"),
            )
        )
    hashed = _hash_personal(raw, spec, hasher)
    quarantine = _quarantine_frame(checks, hashed, names, hasher)
    good = hashed.join(
        quarantine.select(SOURCE_ROW).unique(), on=SOURCE_ROW, how="anti", maintain_order="left"
    )
    return Transformed(loaded=_cast(good, raw, spec), quarantine=quarantine)


def _quarantine_frame(
    checks: list[pl.DataFrame], hashed: pl.DataFrame, names: list[str], hasher: Pseudonymiser
) -> pl.DataFrame:
    schema = {
        SOURCE_ROW: pl.Int32,
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
    errors = pl.concat(
        [
            errors.filter(~pl.col("_personal")),
            errors.filter(pl.col("_personal")).with_columns(raw_value=hashed_values),
        ]
    ).drop("_personal")
    records = hashed.select(SOURCE_ROW, pl.struct(names).struct.json_encode().alias("record_json"))
    return (
        errors.join(records, on=SOURCE_ROW, how="left")
        .sort(SOURCE_ROW, "column_name")
        .select(list(schema))
        .cast(schema)  # type: ignore[arg-type]
    )


def _cast(good: pl.DataFrame, raw: pl.DataFrame, spec: SourceSpec) -> pl.DataFrame:
    exprs: list[pl.Expr] = [pl.col(SOURCE_ROW)]
    for col in spec.columns:
        p = _parsed(col)
        match col.kind:
            case Kind.INT:
                exprs.append(p.cast(pl.Int32).alias(col.output_name))
            case Kind.DECIMAL:
                exprs.append(p.round(2).alias(col.output_name))
            case Kind.PERSON_ID | Kind.PERSON_NAME:
                exprs.append(pl.col(col.name).alias(col.output_name))
            case _:
                exprs.append(p.alias(col.output_name))
    out = good.select(exprs)
    if "id_number" in raw.columns:  # birth year from the clear ID, before it is dropped
        birth = raw.select(
            SOURCE_ROW, pl.col("id_number").str.slice(6, 4).cast(pl.Int32, strict=False).alias("birth_year")
        )
        out = out.join(birth, on=SOURCE_ROW, how="left", maintain_order="left")
    return out
