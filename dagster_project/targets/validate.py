"""Validate a filled target template and load it into the warehouse registry, all or nothing.

    with duckdb.connect(warehouse) as con:
        result = load_target_template("目标值填报.xlsx", con=con)  # TemplateValidationError on any problem

The file is an .xlsx/.xls (the template of template.py, or any workbook whose sheet has the same Chinese
headers) or a CSV in UTF-8 (with or without BOM) or GBK. Sheets are recognised by their header row, found
among the first rows: 区划代码 + 比较符 → targets (目标值), 区划代码 + 截至日期 → reported values (完成值);
other sheets (说明, 指标字典, ...) are ignored. Every row is checked; if anything is wrong, one
TemplateValidationError lists every problem with file, sheet, row (as Excel numbers it) and column, in
Chinese and English, and nothing is written. Otherwise the rows are one load of the warehouse registry
(store.py: raw.plan_target_upload for prefecture targets and county 分解 targets, raw.plan_reported_value_upload,
raw.plan_document_upload for source documents named for the first time, raw.plan_upload_audit), written in
one transaction. dbt merges them over the shipped seeds (dbt/seeds/ref_plan_*.csv) by key — targets by
region × indicator × target year, reported values by region × indicator × as-of date — the latest load
winning. No file of the repository is written. Run `dbt build` afterwards (the Dagster asset's downstream
models do).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..ingestion.formats import cell_text, open_workbook
from . import registry, store
from .registry import Indicator, Region, Row

MAX_HEADER_SEARCH = 10
TARGET_SHEET_ZH = "目标值"
REPORTED_SHEET_ZH = "完成值"


@dataclass(frozen=True)
class Field:
    name: str
    header: str
    aliases: tuple[str, ...] = ()


TARGET_FIELDS = (
    Field("region_code", "区划代码", ("行政区划代码", "地区代码")),
    Field("region_name", "区划名称", ("地区", "地区名称", "区划")),
    Field("indicator_code", "指标代码"),
    Field("indicator_name", "指标名称", ("主要指标", "指标")),
    Field("baseline_year", "基期年份", ("基期年",)),
    Field("baseline_value", "基期值", ("基期数值",)),
    Field("baseline_text", "基期情况", ("基期说明",)),
    Field("target_year", "目标年份", ("目标年",)),
    Field("operator", "比较符", ("比较方式", "运算符")),
    Field("target_value", "目标值", ("目标数值",)),
    Field("target_text", "目标原文", ("目标文字", "目标表述")),
    Field("attribute_zh", "指标属性", ("属性",)),
    Field("source_document", "来源文件", ("来源文件代码", "文件")),
    Field("source_clause", "来源条款", ("条款",)),
    Field("source_quote", "原文", ("原文摘录",)),
    Field("note", "备注", ("说明",)),
)
TARGET_REQUIRED = (
    "region_code",
    "baseline_year",
    "target_year",
    "operator",
    "target_value",
    "source_document",
    "source_clause",
)

REPORTED_FIELDS = (
    Field("region_code", "区划代码", ("行政区划代码", "地区代码")),
    Field("region_name", "区划名称", ("地区", "地区名称", "区划")),
    Field("indicator_code", "指标代码"),
    Field("indicator_name", "指标名称", ("主要指标", "指标")),
    Field("as_of_date", "截至日期", ("统计截至日期", "日期")),
    Field("value", "完成值", ("实际值", "完成数值")),
    Field("value_text", "完成情况", ("完成情况说明",)),
    Field("achieved", "是否完成", ("是否已完成",)),
    Field("source_document", "来源文件", ("来源文件代码", "文件")),
    Field("source_clause", "来源条款", ("条款",)),
    Field("source_quote", "原文", ("原文摘录",)),
    Field("note", "备注", ("说明",)),
)
REPORTED_REQUIRED = ("region_code", "as_of_date", "value", "source_document")

OPERATOR_ALIASES = {
    ">=": (">=", "≥", "⩾", "不低于", "不少于", "以上", "达到", "至少"),
    ">": (">", "超过", "大于", "高于"),
    "<=": ("<=", "≤", "⩽", "不高于", "不超过", "以下", "至多"),
    "<": ("<", "低于", "小于", "少于"),
    "=": ("=", "==", "等于"),
    "ratio>=": ("ratio>=", "比值>=", "比值≥"),
    "ratio<=": ("ratio<=", "比值<=", "比值≤"),
    "qualitative": ("qualitative", "定性"),
}
_OPERATOR_INDEX = {alias: op for op, aliases in OPERATOR_ALIASES.items() for alias in aliases}
_TRUE = {"是", "已完成", "完成", "已建立", "true", "yes", "y", "1", "√", "✓"}
_FALSE = {"否", "未完成", "未建立", "false", "no", "n", "0", "×", "✗"}
_ATTRIBUTE_ALIASES = {"约束性": "约束性", "约束": "约束性", "预期性": "预期性", "预期": "预期性"}
YEAR_RANGE = (2000, 2100)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row, or file), in Chinese for the clerk and English for the log."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message_zh: str
    message_en: str

    def where_zh(self) -> str:
        parts = [f"文件 {self.file}"]
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"「{self.column}」列")
        return " ".join(parts)

    def where_en(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where_zh()}：{self.message_zh} / {self.where_en()}: {self.message_en}"


class TemplateValidationError(ValueError):
    """Raised with every problem of a template; nothing was written."""

    def __init__(self, path: Path, problems: Sequence[Problem]) -> None:
        self.path = path
        self.problems = list(problems)
        head = (
            f"目标模板校验未通过，共{len(self.problems)}处问题，未写入任何数据。"
            f" / Target template validation failed with {len(self.problems)} problem(s); nothing was written."
        )
        super().__init__("\n".join([head, *(f"- {p}" for p in self.problems)]))


@dataclass(frozen=True)
class LoadResult:
    path: Path
    dry_run: bool
    targets_added: int = 0
    targets_updated: int = 0
    breakdown_added: int = 0
    breakdown_updated: int = 0
    reported_added: int = 0
    reported_updated: int = 0
    documents_added: int = 0
    load_id: str | None = None  # raw.plan_upload_audit.load_id; None for a dry run

    @property
    def rows_loaded(self) -> int:
        return (
            self.targets_added
            + self.targets_updated
            + self.breakdown_added
            + self.breakdown_updated
            + self.reported_added
            + self.reported_updated
        )


# ---------------------------------------------------------------------------------------------- reading


@dataclass
class Sheet:
    name: str
    kind: str  # targets | reported
    header_row: int  # 1-based
    columns: dict[str, int]  # field name -> position
    headers: dict[str, str]  # field name -> header text as written
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (1-based row number, cells)


def _clean(value: object) -> str:
    return "" if value is None else str(value).strip()


def _norm(text: str) -> str:
    """Normalised form for matching: NFKC (full-width → half-width), no spaces, unified quotes."""
    text = unicodedata.normalize("NFKC", text)
    for a, b in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("（", "("), ("）", ")"), ("，", ",")):
        text = text.replace(a, b)
    return re.sub(r"\s+", "", text)


def _match_headers(cells: list[str], fields: Sequence[Field]) -> tuple[dict[str, int], dict[str, str]]:
    index = {_norm(text): f.name for f in fields for text in (f.header, *f.aliases)}
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for pos, cell in enumerate(cells):
        key = _norm(cell).rstrip("*")
        name = index.get(key)
        if name and name not in columns:
            columns[name] = pos
            headers[name] = cell
    return columns, headers


def _detect(name: str, rows: list[list[str]], first_row: int) -> Sheet | None:
    for i, cells in enumerate(rows[:MAX_HEADER_SEARCH]):
        normed = {_norm(c).rstrip("*") for c in cells}
        if "区划代码" not in normed:
            continue
        if "比较符" in normed:
            kind, fields = "targets", TARGET_FIELDS
        elif "截至日期" in normed:
            kind, fields = "reported", REPORTED_FIELDS
        else:
            continue
        columns, headers = _match_headers(cells, fields)
        sheet = Sheet(name, kind, first_row + i + 1, columns, headers)
        for j, cells_j in enumerate(rows[i + 1 :], start=i + 1):
            if any(c for c in cells_j):
                sheet.rows.append((first_row + j + 1, cells_j))
        return sheet
    return None


def _read_sheets(path: Path) -> tuple[list[Sheet], list[str]]:
    """Recognised sheets and the names of every sheet looked at. The file is read by the one sheet
    reader of the project (ingestion/formats.py: .xlsx, .xls, CSV/TSV in UTF-8 or a Chinese encoding, the
    HTML and XML 2003 "xls" of web exports), cells as the text a clerk sees, rows numbered as in Excel."""
    book = open_workbook(path)
    sheets: list[Sheet] = []
    for grid, _visible in book.sheets:
        rows = [[_clean(cell_text(c)) for c in r] for r in grid.rows]
        sheet = _detect(grid.sheet, rows, grid.first_row - 1)
        if sheet:
            sheets.append(sheet)
    if book.kind == "text":
        return sheets, [path.name]
    return sheets, [grid.sheet for grid, _ in book.sheets]


# -------------------------------------------------------------------------------------------- parsing


def _number(text: str, unit: str | None = None) -> float | None:
    """A number from a cell: half-width, thousands separators and a trailing unit allowed."""
    t = unicodedata.normalize("NFKC", text).replace(",", "").strip()
    if unit and unit not in ("-", "ratio") and t.endswith(unit):
        t = t[: -len(unit)].strip()
    elif t.endswith("%") and unit == "%":
        t = t[:-1].strip()
    try:
        value = float(t)
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def _ratio(text: str) -> float | None:
    """'1.3:1' (or '1.3∶1', '1.3：1') → 1.3; a plain number as itself."""
    t = unicodedata.normalize("NFKC", text).replace("∶", ":").strip()
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*:\s*1(?:\.0+)?", t)
    if m:
        return float(m.group(1))
    return _number(t)


def _year(text: str) -> int | None:
    t = unicodedata.normalize("NFKC", text).strip().removesuffix("年")
    try:
        value = float(t)
    except ValueError:
        return None
    return int(value) if value == int(value) else None


_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def _date(text: str) -> dt.date | None:
    t = unicodedata.normalize("NFKC", text).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    try:
        serial = float(t)
    except ValueError:
        return None
    if 20000 < serial < 80000:  # an Excel serial day number
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(serial))
    return None


def format_number(value: float) -> str:
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else format(value, ".12g")


# ----------------------------------------------------------------------------------------- validation


@dataclass
class _Context:
    file: str
    indicators: dict[str, Indicator]
    regions: dict[str, Region]
    documents: list[Row]
    problems: list[Problem] = field(default_factory=list)
    new_documents: dict[str, Row] = field(default_factory=dict)

    def add(self, sheet: Sheet, row: int | None, column: str | None, zh: str, en: str) -> None:
        header = sheet.headers.get(column, column) if column else None
        self.problems.append(Problem(self.file, sheet.name or None, row, header, zh, en))


def _indicator_index(indicators: dict[str, Indicator]) -> dict[str, str]:
    index: dict[str, str] = {}
    for ind in indicators.values():
        for name in (ind.name_zh, *ind.aliases_zh):
            index.setdefault(_norm(name), ind.code)
    return index


def _region_matches(region: Region, name: str) -> bool:
    """宝塔区 / 宝塔 / 延安市宝塔区 all name 610602."""
    wanted = _norm(name)
    names = [_norm(n) for n in (region.name_zh, region.short_name_zh) if n]
    return wanted in names or wanted.endswith(_norm(region.name_zh))


def _resolve_region(ctx: _Context, sheet: Sheet, row: int, cells: dict[str, str]) -> Region | None:
    code_text = unicodedata.normalize("NFKC", cells.get("region_code", "")).strip()
    if not code_text:
        ctx.add(sheet, row, "region_code", "区划代码为空", "region code is empty")
        return None
    code = code_text.removesuffix(".0")
    if re.fullmatch(r"\d{12}", code) and code.endswith("000000"):
        code = code[:6]
    region = ctx.regions.get(code) if re.fullmatch(r"\d{6}", code) else None
    if region is None:
        ctx.add(
            sheet,
            row,
            "region_code",
            f"未知的区划代码“{code_text}”（应为市级或县级6位代码，见“区划代码”表）",
            f"unknown region code '{code_text}' (a 6-digit prefecture or county code of ref_region.csv)",
        )
        return None
    name = cells.get("region_name", "")
    if name and not _region_matches(region, name):
        ctx.add(
            sheet,
            row,
            "region_name",
            f"区划名称“{name}”与代码{region.code}（{region.name_zh}）不符",
            f"region name '{name}' does not match code {region.code} ({region.name_zh})",
        )
        return None
    return region


def _resolve_indicator(ctx: _Context, sheet: Sheet, row: int, cells: dict[str, str]) -> Indicator | None:
    code = _norm(cells.get("indicator_code", ""))
    name = cells.get("indicator_name", "")
    by_name = _indicator_index(ctx.indicators).get(_norm(name)) if name else None
    if not code and not name:
        ctx.add(
            sheet, row, "indicator_code", "指标代码和指标名称均为空", "indicator code and name are both empty"
        )
        return None
    if code and code not in ctx.indicators:
        ctx.add(
            sheet,
            row,
            "indicator_code",
            f"未知的指标代码“{cells['indicator_code']}”（见“指标字典”表）",
            f"unknown indicator code '{cells['indicator_code']}' (see ref_plan_indicator.csv)",
        )
        return None
    if name and by_name is None:
        ctx.add(
            sheet,
            row,
            "indicator_name",
            f"未知的指标名称“{name}”（见“指标字典”表）",
            f"unknown indicator name '{name}' (see ref_plan_indicator.csv)",
        )
        return None
    if code and by_name and code != by_name:
        ctx.add(
            sheet,
            row,
            "indicator_name",
            f"指标名称“{name}”与指标代码{code}（{ctx.indicators[code].name_zh}）不符",
            f"indicator name '{name}' does not match code {code} ({ctx.indicators[code].name_zh})",
        )
        return None
    return ctx.indicators[code or by_name]  # type: ignore[index]


def _resolve_document(ctx: _Context, sheet: Sheet, row: int, text: str, file_name: str) -> str | None:
    if not text:
        ctx.add(
            sheet,
            row,
            "source_document",
            "来源文件为空（填写文件名称或代码）",
            "source document is empty (give its title or code)",
        )
        return None
    wanted = _norm(text)
    for doc in [*ctx.documents, *ctx.new_documents.values()]:
        if wanted in (_norm(doc["document_code"]), _norm(doc["title_zh"])):
            return doc["document_code"]
    code = "doc_" + hashlib.sha1(wanted.encode("utf-8")).hexdigest()[:10]
    ctx.new_documents[code] = {
        "document_code": code,
        "title_zh": text,
        "note": f"由目标模板{file_name}于{dt.date.today().isoformat()}登记。",
    }
    return code


def _required(ctx: _Context, sheet: Sheet, required: Sequence[str], fields: Sequence[Field]) -> bool:
    headers = {f.name: f.header for f in fields}
    missing = [headers[n] for n in required if n not in sheet.columns]
    if "indicator_code" not in sheet.columns and "indicator_name" not in sheet.columns:
        missing.append("指标代码或指标名称")
    if missing:
        ctx.problems.append(
            Problem(
                ctx.file,
                sheet.name or None,
                sheet.header_row,
                None,
                f"表头缺少必需列：{'、'.join(missing)}",
                f"header lacks required column(s): {', '.join(missing)}",
            )
        )
        return False
    return True


def _cells(sheet: Sheet, raw: list[str]) -> dict[str, str]:
    return {name: (raw[pos] if pos < len(raw) else "") for name, pos in sheet.columns.items()}


def _validate_target(
    ctx: _Context, sheet: Sheet, row: int, cells: dict[str, str]
) -> tuple[Region, Row] | None:
    before = len(ctx.problems)
    region = _resolve_region(ctx, sheet, row, cells)
    indicator = _resolve_indicator(ctx, sheet, row, cells)

    years: dict[str, int] = {}
    for name, label_zh, label_en in (
        ("baseline_year", "基期年份", "base year"),
        ("target_year", "目标年份", "target year"),
    ):
        text = cells.get(name, "")
        year = _year(text) if text else None
        if year is None or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            ctx.add(
                sheet,
                row,
                name,
                f"{label_zh}“{text}”无效（应为{YEAR_RANGE[0]}-{YEAR_RANGE[1]}之间的年份）",
                f"bad {label_en} '{text}' (a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]})",
            )
        else:
            years[name] = year
    if len(years) == 2 and years["target_year"] <= years["baseline_year"]:
        ctx.add(
            sheet,
            row,
            "target_year",
            f"目标年份{years['target_year']}应晚于基期年份{years['baseline_year']}",
            f"target year {years['target_year']} must be after base year {years['baseline_year']}",
        )

    op_text = cells.get("operator", "")
    operator = _OPERATOR_INDEX.get(_norm(op_text).lower() if _norm(op_text).isascii() else _norm(op_text))
    if operator is None:
        ctx.add(
            sheet,
            row,
            "operator",
            f"无效的比较符“{op_text}”（可用：{'、'.join(registry.OPERATORS)}）",
            f"bad operator '{op_text}' (allowed: {', '.join(registry.OPERATORS)})",
        )

    target_text = cells.get("target_text", "")
    value_text = cells.get("target_value", "")
    target_value: float | None = None
    if indicator and operator:
        if indicator.unit == "ratio" and operator in (">=", "<="):
            operator = "ratio" + operator
        if operator not in indicator.allowed_operators():
            direction = {"higher": "越高越好", "lower": "越低越好", "equals": "等于目标"}.get(
                indicator.direction, ""
            )
            kind_zh = "定性指标" if indicator.is_qualitative else f"指标方向为{direction}"
            ctx.add(
                sheet,
                row,
                "operator",
                f"比较符“{op_text}”与指标{indicator.name_zh}不符：{kind_zh}，应为{'、'.join(indicator.allowed_operators())}",
                f"operator '{op_text}' does not fit indicator {indicator.code} "
                f"({indicator.value_type}, {indicator.direction}); use {', '.join(indicator.allowed_operators())}",
            )
        elif operator == "qualitative":
            target_text = target_text or value_text
            if not target_text:
                ctx.add(
                    sheet,
                    row,
                    "target_text",
                    "定性目标须填写目标原文（如“动态调整机制已建立”）",
                    "a qualitative target needs its text (e.g. 动态调整机制已建立)",
                )
        else:
            target_value = (
                _ratio(value_text) if operator.startswith("ratio") else _number(value_text, indicator.unit)
            )
            if target_value is None:
                ctx.add(
                    sheet,
                    row,
                    "target_value",
                    f"目标值“{value_text}”不是数值（单位：{indicator.unit}）",
                    f"target value '{value_text}' is not a number (unit {indicator.unit})",
                )
    baseline_text_cell = cells.get("baseline_value", "")
    baseline_value: float | None = None
    if baseline_text_cell and indicator and not indicator.is_qualitative:
        baseline_value = (
            _ratio(baseline_text_cell)
            if indicator.unit == "ratio"
            else _number(baseline_text_cell, indicator.unit)
        )
        if baseline_value is None:
            ctx.add(
                sheet,
                row,
                "baseline_value",
                f"基期值“{baseline_text_cell}”不是数值（文字说明请填“基期情况”列）",
                f"base value '{baseline_text_cell}' is not a number (put text in 基期情况)",
            )

    attribute = cells.get("attribute_zh", "")
    if attribute and _norm(attribute) not in _ATTRIBUTE_ALIASES:
        ctx.add(
            sheet,
            row,
            "attribute_zh",
            f"指标属性“{attribute}”无效（应为约束性或预期性）",
            f"bad attribute '{attribute}' (约束性 or 预期性)",
        )
    document = _resolve_document(ctx, sheet, row, cells.get("source_document", ""), ctx.file)
    if not cells.get("source_clause"):
        ctx.add(
            sheet,
            row,
            "source_clause",
            "来源条款为空（如“第三章(二)”或“附件第5行”）",
            "source clause is empty (chapter, 专栏 or table row)",
        )

    if len(ctx.problems) > before or region is None or indicator is None or operator is None:
        return None
    if not target_text:
        target_text = f"{operator.replace('ratio', '')}{value_text}{'' if indicator.unit in ('-', 'ratio') else indicator.unit}"
    return region, {
        "region_code": region.code,
        "indicator_code": indicator.code,
        "target_year": str(years["target_year"]),
        "operator": operator,
        "target_value": "" if target_value is None else format_number(target_value),
        "target_text": target_text,
        "baseline_year": str(years["baseline_year"]),
        "baseline_value": "" if baseline_value is None else format_number(baseline_value),
        "baseline_text": cells.get("baseline_text", ""),
        "attribute_zh": _ATTRIBUTE_ALIASES.get(_norm(attribute), "") if attribute else "",
        "source_document": document or "",
        "source_clause": cells.get("source_clause", ""),
        "source_quote": cells.get("source_quote", ""),
        "note": cells.get("note", ""),
    }


def _validate_reported(ctx: _Context, sheet: Sheet, row: int, cells: dict[str, str]) -> Row | None:
    before = len(ctx.problems)
    region = _resolve_region(ctx, sheet, row, cells)
    indicator = _resolve_indicator(ctx, sheet, row, cells)
    date_text = cells.get("as_of_date", "")
    as_of = _date(date_text) if date_text else None
    if as_of is None or not YEAR_RANGE[0] <= as_of.year <= YEAR_RANGE[1]:
        ctx.add(
            sheet,
            row,
            "as_of_date",
            f"截至日期“{date_text}”无效（如2024-06-30）",
            f"bad as-of date '{date_text}' (e.g. 2024-06-30)",
        )
    value_cell = cells.get("value", "")
    value: float | None = None
    achieved = ""
    if indicator:
        achieved_text = _norm(cells.get("achieved", "")).lower()
        if indicator.is_qualitative:
            text = achieved_text or _norm(value_cell).lower()
            if text in _TRUE:
                achieved = "true"
            elif text in _FALSE:
                achieved = "false"
            else:
                ctx.add(
                    sheet,
                    row,
                    "achieved",
                    f"定性指标须填写是否完成（是/否），现为“{cells.get('achieved') or value_cell}”",
                    "a qualitative indicator needs 是否完成 = 是 or 否",
                )
        else:
            value = _ratio(value_cell) if indicator.unit == "ratio" else _number(value_cell, indicator.unit)
            if value is None:
                ctx.add(
                    sheet,
                    row,
                    "value",
                    f"完成值“{value_cell}”不是数值（单位：{indicator.unit}）",
                    f"value '{value_cell}' is not a number (unit {indicator.unit})",
                )
    document = _resolve_document(ctx, sheet, row, cells.get("source_document", ""), ctx.file)
    if len(ctx.problems) > before or region is None or indicator is None or as_of is None:
        return None
    return {
        "region_code": region.code,
        "indicator_code": indicator.code,
        "as_of_date": as_of.isoformat(),
        "value": "" if value is None else format_number(value),
        "value_text": cells.get("value_text", "") or value_cell,
        "achieved": achieved,
        "source_document": document or "",
        "source_clause": cells.get("source_clause", ""),
        "source_quote": cells.get("source_quote", ""),
        "note": cells.get("note", ""),
    }


def _duplicates(ctx: _Context, sheet: Sheet, keyed: list[tuple[int, tuple[str, ...]]], label_zh: str) -> None:
    seen: dict[tuple[str, ...], int] = {}
    for row, key in keyed:
        if key in seen:
            ctx.add(
                sheet,
                row,
                None,
                f"与第{seen[key]}行重复（同一{label_zh}）",
                f"duplicates row {seen[key]} (same {'/'.join(key)})",
            )
        else:
            seen[key] = row


def load_target_template(
    path: str | Path,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    seeds_dir: Path = registry.SEEDS_DIR,
    region_csv: Path | None = None,
    dry_run: bool = False,
    loaded_by: str = "",
    log: Callable[[str], None] | None = None,
) -> LoadResult:
    """Validate a filled template (xlsx/xls/CSV) and load its rows into the warehouse registry, all or nothing.

    `con` is the warehouse (the uploads of earlier loads count as the current registry; the rows of this one
    are written to raw.plan_*_upload in one transaction, see store.py). Raises TemplateValidationError
    listing every problem (and writes nothing) if any row is invalid. With dry_run=True (con optional)
    only validates and counts against the registry. Never writes a file.
    """
    path = Path(path)
    if con is None and not dry_run:
        raise ValueError("load_target_template needs the warehouse connection (con=) unless dry_run=True")
    region_csv = region_csv or seeds_dir / registry.REGION_CSV.name
    current = registry.current_rows(seeds_dir, store.uploaded_rows(con) if con is not None else None)
    ctx = _Context(
        file=path.name,
        indicators=registry.load_indicators(seeds_dir),
        regions=registry.load_regions(region_csv),
        documents=current.documents,
    )
    try:
        sheets, seen = _read_sheets(path)
    except Exception as exc:  # not a spreadsheet, undecodable text, ...
        raise TemplateValidationError(
            path,
            [Problem(path.name, None, None, None, f"无法读取文件（{exc}）", f"cannot read the file ({exc})")],
        ) from exc
    if not sheets:
        raise TemplateValidationError(
            path,
            [
                Problem(
                    path.name,
                    None,
                    None,
                    None,
                    f"在（{'、'.join(seen)}）的前{MAX_HEADER_SEARCH}行中找不到“目标值”（区划代码、比较符……）或“完成值”（区划代码、截至日期……）表头",
                    f"no target header (区划代码, 比较符, ...) or reported-value header (区划代码, 截至日期, ...) "
                    f"in the first {MAX_HEADER_SEARCH} rows of {', '.join(seen)}",
                )
            ],
        )

    targets: list[Row] = []
    breakdown: list[Row] = []
    reported: list[Row] = []
    for sheet in sheets:
        if sheet.kind == "targets":
            if not _required(ctx, sheet, TARGET_REQUIRED, TARGET_FIELDS):
                continue
            keyed = []
            for row, raw in sheet.rows:
                result = _validate_target(ctx, sheet, row, _cells(sheet, raw))
                if result:
                    region, target = result
                    (targets if region.level == "prefecture" else breakdown).append(target)
                    keyed.append((row, tuple(target[k] for k in registry.TARGET_KEY)))
            _duplicates(ctx, sheet, keyed, "区划、指标和目标年份")
        else:
            if not _required(ctx, sheet, REPORTED_REQUIRED, REPORTED_FIELDS):
                continue
            keyed = []
            for row, raw in sheet.rows:
                value = _validate_reported(ctx, sheet, row, _cells(sheet, raw))
                if value:
                    reported.append(value)
                    keyed.append((row, tuple(value[k] for k in registry.REPORTED_KEY)))
            _duplicates(ctx, sheet, keyed, "区划、指标和截至日期")
    if ctx.problems:
        raise TemplateValidationError(path, ctx.problems)

    counts: dict[str, int] = {}
    for label, existing, rows, key in (
        ("targets", current.targets, targets, registry.TARGET_KEY),
        ("breakdown", current.breakdown, breakdown, registry.TARGET_KEY),
        ("reported", current.reported, reported, registry.REPORTED_KEY),
    ):
        _, counts[f"{label}_added"], counts[f"{label}_updated"] = registry.merge_rows(existing, rows, key)
    counts["documents_added"] = len(ctx.new_documents)
    load_id = None
    if not dry_run and con is not None:
        load_id = store.record_load(
            con,
            source_file=path.name,
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            loaded_by=loaded_by,
            targets=targets,
            breakdown=breakdown,
            reported=reported,
            documents=list(ctx.new_documents.values()),
            counts=counts,
        )
    result = LoadResult(path=path, dry_run=dry_run, load_id=load_id, **counts)
    if log:
        log(
            f"{path.name}: {result.rows_loaded} rows {'validated' if dry_run else 'loaded'} "
            f"(targets +{result.targets_added}/~{result.targets_updated}, breakdown +{result.breakdown_added}/"
            f"~{result.breakdown_updated}, reported +{result.reported_added}/~{result.reported_updated}, "
            f"documents +{result.documents_added})"
        )
    return result
