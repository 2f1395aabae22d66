"""Read an export into a frame of strings below its detected header, and say what every other row was.

Jinmin and other government exports carry title rows above the header (sometimes a group row above the
real header), summary rows (合计 / 小计 / 本页小计 / 总计, often spaced as 合　计, and township subtotals
labelled 宝塔镇小计), footers (制表人, 单位负责人：, 审核人：, 制表日期：), and at page breaks the header
or title again. A sheet's header row is the row, among its first MAX_HEADER_SEARCH rows, naming the most
of the declared columns. Every row below it is either data (in `frame`) or skipped with its kind
(`skipped`): rows read = data rows + skipped rows.

Every visible sheet (or HTML table) with a header naming the required columns is read: one sheet per
township, per month, a header-only template before the data, an .xls export split into Sheet1, Sheet2, …
A visible sheet without a header directly after a read sheet is read as its continuation when it is
unambiguous (same width, its first rows look like data: an .xls split without repeated headers). Any
other visible sheet with content is named in `notes` as not imported. Hidden sheets are not read.
In a workbook of several sheets every row carries its sheet (SOURCE_SHEET, a name passed through
redaction) next to its Excel row number.

The file format comes from the content (formats.py), never from the extension.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import polars as pl
from xlsxwriter.utility import xl_col_to_name

from .errors import UnreadableFileError
from .formats import Grid, Workbook, cell_text, open_export
from .normalize import PLACEHOLDER, normalise_header, normalise_text, parse_number
from .redact import redact_value
from .spec import Column, Kind, SourceSpec
from .text_table import TextTable, cell_column

MAX_HEADER_SEARCH = 15
SOURCE_ROW = "_source_row"
SEQ_NAME = "row_seq"  # 序号: a second 序号 column is harmless
SOURCE_SHEET = "_source_sheet"  # the sheet of a workbook of several sheets (redacted label), else null
CONTINUATION_PROBE = 5  # rows of a sheet without header that must look like data to continue the previous

SKIP_KINDS_ZH = {
    "blank": "空行",
    "summary": "合计、小计行",
    "footer": "表尾（制表人、审核人、日期、页码等）",
    "repeated_header": "分页处重复的表头",
    "repeated_title": "分页处重复的标题",
}
_SUMMARY = re.compile(r"^(合计|总计|小计|本页小计|本页合计|本月合计|累计|共计|总合计)")
_TOTAL = re.compile(r"^(全[县区市旗]?)?(合计|总计|本月合计|共计|总合计)")
# A label cell of a subtotal or total row anywhere in the row: 宝塔镇小计, 小　计, 全县合计.
_SUMMARY_LABEL = re.compile(r"(小计|合计|总计)$")
_FOOTER = re.compile(
    r"^(制表人|制表时间|制表日期|制表单位|填报人|填报单位|填报日期|填表人|填表日期|审核人|审核日期|审核|"
    r"负责人|单位负责人|主管领导|分管领导|统计人|统计负责人|经办人|联系人|联系电话|打印时间|打印日期|"
    r"导出时间|导出日期|备注[:：]|注[:：]|说明[:：]|第\d+页|共\d+页|页码)"
)
# Any other footer a clerk writes below the table: a short label with a colon (制表：, 填表：, 日期：,
# 附注：, 注1：, 数据来源：, 打印人：, 领导审批：), 备注 on its own, or a seal or signature line ((盖章)). Data rows
# never start so; a row with an ID in it is data whatever its first cell says.
_FOOTER_LABEL = re.compile(
    r"^[\u4e00-\u9fff]{1,8}[0-9]*[:：]|^备注$|^[(（]?(盖章|签字|签章|签名|公章|单位盖章)[)）]?$"
)
# A numbered note line below the table, alone in its row (1.本表数据截至6月底, 2、…, (1)…, ①…), as clerks write
# under 注：. It holds no run of 6 digits (an ID, code or phone: a row pasted into one cell is data).
_NOTE_TEXT = (
    r"^(?:[0-9]{1,2}\s*[、.．)）]|[(（][0-9]{1,2}[)）]|[①-⑳])\s*[\u4e00-\u9fff]"
    # a page number printed as a row: - 1 -, —2—, 1/3, 1 / 3
    r"|^[-—–]\s*[0-9]{1,4}\s*[-—–]$|^[0-9]{1,4}\s*/\s*[0-9]{1,4}$"
)
_NOTE = re.compile(_NOTE_TEXT)
_DIGIT_RUN = re.compile(r"[0-9]{6}")
# The mark a printed form puts where its rows end: 以下空白, （以下空白）, 以下无数据, 此页无正文.
_END_MARK = re.compile(r"^[(（]?(?:本页)?以下(?:空白|无数据|无内容|无正文)|^[(（]?此页无正文")
# A note alone in its row that the month has no rows (a county without sales that day): not a data row.
_NO_DATA = re.compile(
    r"^[(（]?(?:本月|本期|本日|当月|当日|本页)?(?:暂?无数据|无记录|无内容|无发生|无新增)[)）。.]?$"
)
_PLACEHOLDER = re.compile(PLACEHOLDER)
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class RawSheet:
    """Data rows as strings, columns named by the spec, plus the original 1-based row number."""

    frame: pl.DataFrame
    header_row: int
    title: str
    dropped_rows: int  # skipped rows (summary, footer, blank, repeated header/title)
    skipped: dict[str, int] = field(default_factory=dict)  # kind -> rows
    flags: pl.DataFrame | None = None  # SOURCE_ROW, column_name, reason_code, detail: problems found reading
    totals: dict[str, str] = field(default_factory=dict)  # the export's own 合计 row: column name -> text
    sheet: str = ""
    # Per numeric column, the sum as a spreadsheet's SUM() sees the cells (text such as "１２３" ignored):
    # a 合计 row computed that way matches this rather than the sum of the cleaned values.
    cell_sums: dict[str, float] = field(default_factory=dict)
    # Sheets (SOURCE_SHEET labels) whose rows `totals` covers, where that is not every row: in a workbook
    # of several sheets only some of which have a 合计 row. None: every row.
    totals_sheets: frozenset[str] | None = None
    notes: tuple[str, ...] = ()  # for the clerk: visible sheets not imported and why (names redacted)
    # Other readings of the 合计 rows of a workbook of several sheets, as (totals, totals_sheets): each
    # sheet's 合计 covering that sheet only (summed), the last 合计 covering every sheet. A roster continued
    # on a second sheet may have a 合计 per sheet, a 合计 of the first sheet and a grand one at the end, or
    # a 合计 of the first sheet only; the check passes when any reading matches its rows (totals.py).
    totals_alternatives: tuple[tuple[dict[str, str], frozenset[str] | None], ...] = ()

    @property
    def rows_read(self) -> int:
        return self.frame.height + self.dropped_rows


def _header_index(spec: SourceSpec) -> dict[str, str]:
    index: dict[str, str] = {}
    for col in spec.columns:
        for text in (col.header, *col.aliases):
            index.setdefault(normalise_header(text), col.name)
    return index


# A note in brackets after a header that names no unit: 身份证号码(18位), 残疾等级(选填), 身份证号码（文本格式）.
# A unit in brackets is part of the header (保障金额(万元) is not 保障金额(元)).
_HEADER_NOTE = re.compile(r"\((?:\d+位|必填|选填|非必填|可选|文本|文本格式|[如例][:：].*)\)$")


# 元 per month, person or household is the 元 column: 保障金额（元/月）, 保障金额（元/人·月）.
_PER_YUAN = re.compile(r"\(元/(?:月|人|户|人·?月|户·?月|人/月|户/月)\)$")


def _header_name(text: str, index: dict[str, str]) -> str | None:
    """The column a header cell names: its normalised text, or that text without a bracketed note, or
    with 元/月 as 元."""
    norm = normalise_header(text)
    name = index.get(norm)
    if name is None and norm.endswith(")"):
        name = index.get(_HEADER_NOTE.sub("", norm)) or index.get(_PER_YUAN.sub("(元)", norm))
    return name


def _match_header(cells: list[str | None], index: dict[str, str]) -> dict[int, str]:
    """Cell position -> column name; a column named by two cells keeps its first (_duplicates says so)."""
    matched: dict[int, str] = {}
    for pos, cell in enumerate(cells):
        if cell is None:
            continue
        name = _header_name(str(cell), index)
        if name and name not in matched.values():
            matched[pos] = name
    return matched


def _duplicates(cells: list[str | None], index: dict[str, str]) -> dict[str, list[int]]:
    """Columns named by more than one header cell (two 保障金额(元), or 保障金额(元) and its alias
    发放金额(元)): column name -> cell positions. Which one the export means cannot be guessed."""
    where: dict[str, list[int]] = {}
    for pos, cell in enumerate(cells):
        name = _header_name(str(cell), index) if cell is not None else None
        if name:
            where.setdefault(name, []).append(pos)
    return {name: at for name, at in where.items() if len(at) > 1}


_GROUP_SUFFIX = re.compile(r"(信息|情况|基本信息)$")


def _combined(
    upper: list[str | None], lower: list[str | None], index: dict[str, str] | None = None
) -> list[str | None]:
    """A two-level header: per cell the group label above with the label below where together they name
    a column (户主 over 身份证号码, 保障金额 over (元); a group label merged across spans the empty cells to
    its right), else the label below, or, where that is empty (merged down), the one above. A group that
    names a column so (户主信息) also claims its other cells whose label is used elsewhere in the header:
    户主信息 over 姓名 is the head's name, not a second 姓名 column."""
    width = max(len(upper), len(lower))
    out: list[str | None] = []
    under: list[str | None] = []  # the group's normalised label above a plain lower label
    qualifying: set[str] = set()  # groups whose label with a lower label named a column
    group: str | None = None
    for i in range(width):
        lo = lower[i] if i < len(lower) else None
        up = upper[i] if i < len(upper) else None
        lo = lo if lo not in (None, "") and str(lo).strip() else None
        up = up if up not in (None, "") and str(up).strip() else None
        if up is not None:
            group = normalise_header(str(up))
        text = lo if lo is not None else up
        plain_under = None
        if index is not None and lo is not None and group is not None:
            plain_under = group
            sub = normalise_header(str(lo))
            for whole in (group + sub, _GROUP_SUFFIX.sub("", group) + sub):
                if _header_name(whole, index):
                    text, plain_under = whole, None
                    qualifying.add(group)
                    break
        out.append(text)
        under.append(plain_under)
    if index is not None and qualifying:
        names = [_header_name(str(t), index) if t is not None else None for t in out]
        for i, g in enumerate(under):
            if g in qualifying and names[i] is not None and names.count(names[i]) > 1:
                out[i] = g + normalise_header(str(out[i]))
    return out


def _find_header(rows: list[list[str | None]], spec: SourceSpec) -> tuple[int, dict[int, str]] | None:
    """The header row and its matched cells. A row below a header that completes it (a two-level header:
    sub-labels or units under group labels) is the header's last row, even if it adds no column."""
    index = _header_index(spec)
    best: tuple[int, dict[int, str]] | None = None
    for i, cells in enumerate(rows[:MAX_HEADER_SEARCH]):
        own = _match_header(cells, index)
        matched = own
        completes = False
        if i > 0:
            two = _match_header(_combined(rows[i - 1], cells, index), index)
            if len(two) > len(own):
                matched = two
                # the row below adds labels to the header above (not a blank or data row below it)
                completes = (
                    best is not None
                    and best[0] == i - 1
                    and len(two) >= len(best[1])
                    and any(pos < len(cells) and cells[pos] not in (None, "") for pos in two)
                )
        if len(matched) >= 2 and (best is None or len(matched) > len(best[1]) or completes):
            best = (i, matched)
    return best


def _header_texts(grid: Grid, header_at: int, spec: SourceSpec) -> list[str | None]:
    """The header's cell texts as _find_header matched them (a two-level header combined)."""
    cells = _texts(grid, header_at, frozenset())
    if header_at > 0:
        index = _header_index(spec)
        two = _combined(_texts(grid, header_at - 1, frozenset()), cells, index)
        if len(_match_header(two, index)) > len(_match_header(cells, index)):
            return two
    return cells


def _missing_required(spec: SourceSpec, matched: dict[int, str]) -> list[str]:
    return [c.header for c in spec.columns if c.required and c.name not in matched.values()]


def _compact(text: str) -> str:
    return _WS.sub("", text.replace("\u3000", " "))


def _texts(grid: Grid, i: int, id_positions: frozenset[int]) -> list[str | None]:
    return [cell_text(v, pos in id_positions) for pos, v in enumerate(grid.rows[i])]


def _sheet_label(number: int, name: str) -> str:
    """How a clerk finds a sheet: its name, or where the name looks personal (one sheet per household,
    named after its head) its position among the visible sheets."""
    shown = redact_value(name)
    return name if name and shown == name else f"第{number}个工作表（名称已脱敏）"


def _has_content(grid: Grid) -> bool:
    return any(any(cell_text(v) is not None for v in row) for row in grid.rows)


@dataclass(frozen=True)
class _Layout:
    """Where the header is and what the rows above it say (to recognise repeated titles and headers)."""

    header_at: int  # index of the header row in the sheet's rows (-1: a continuation sheet, no header)
    matched: dict[int, str]  # cell position -> column name
    header_norm: dict[int, str]  # cell position -> normalised header text
    title: str
    title_parts: set[str]
    header_first: frozenset[str]  # the normalised header texts
    identity: frozenset[int] = frozenset()  # positions of ID, name and code columns (never empty in data)
    width: int = 0  # cells up to the header's last named column
    # each row of the header as written (two for a two-level header): cell position -> normalised text
    header_rows: tuple[dict[int, str], ...] = ()

    @cached_property
    def header_labels(self) -> frozenset[str]:
        """Every label of the header's rows (normalised)."""
        return frozenset(text for row in self.header_rows for text in row.values())


@dataclass(frozen=True)
class _SheetPlan:
    grid: Grid
    layout: _Layout
    label: str | None  # SOURCE_SHEET of its rows (None: the workbook's only sheet)
    continues: bool = False  # no header of its own: the previous read sheet's rows go on here


def _plan_sheets(
    path: Path, spec: SourceSpec, kind: str, sheets: list[tuple[Grid, bool]]
) -> tuple[list[_SheetPlan], list[str]]:
    """The sheets to read, in order, and a note for each other visible sheet with content; raise
    UnreadableFileError (as before for one sheet) when no sheet can be read."""
    # Rows carry their sheet where the clerk sees several sheets (hidden or empty ones do not count).
    several = sum(1 for grid, visible in sheets if visible and _has_content(grid)) > 1
    plans: list[_SheetPlan] = []
    notes: list[str] = []
    found: list[str] = []
    hidden_match: str | None = None
    missing_for: list[str] = []
    previous: _SheetPlan | None = None  # the read sheet just before, which a headerless sheet may continue
    number = 0
    for grid, visible in sheets:
        number += visible
        label = _sheet_label(number, grid.sheet) if visible else grid.sheet
        head = [[cell_text(v) for v in row] for row in grid.rows[:MAX_HEADER_SEARCH]]
        if not any(any(c is not None for c in r) for r in head):
            if visible and _has_content(grid):
                notes.append(f"工作表「{label}」前{MAX_HEADER_SEARCH}行为空，没有表头，未导入")
                previous = None
            continue
        if grid.sheet and visible:
            found.append(label)
        hit = _find_header(head, spec)
        if not visible:
            if hit is not None:
                hidden_match = hidden_match or redact_value(grid.sheet) or grid.sheet
            continue
        if hit is None:
            if previous is not None and _continues(grid, previous.layout, spec):
                plan = _SheetPlan(grid, dataclasses.replace(previous.layout, header_at=-1), label, True)
                plans.append(plan)
                previous = plan
            else:
                notes.append(f"工作表「{label}」没有表头，未导入")
                previous = None
            continue
        missing = _missing_required(spec, hit[1])
        if missing:
            missing_for = missing_for or missing
            notes.append(f"工作表「{label}」缺少必需列：{'、'.join(missing)}，未导入")
            previous = None
            continue
        _refuse_duplicates(path, spec, _header_texts(grid, hit[0], spec), label if several else None)
        previous = _SheetPlan(grid, _layout_of(spec, grid, hit[0], hit[1]), label if several else None)
        plans.append(previous)
    if plans:
        return plans, notes
    try:
        _no_sheet(path, spec, missing_for, hidden_match, found)
    except UnreadableFileError as err:
        if kind == "text" and path.suffix.lower() in (".xlsx", ".xls"):
            raise UnreadableFileError(
                path,
                f"扩展名是Excel，但内容不是Excel文件（{err.problem_zh}）",
                "从金民工程重新导出的 .xlsx 或 .xls 文件",
            ) from None
        raise
    raise AssertionError("unreachable")


def _refuse_duplicates(path: Path, spec: SourceSpec, cells: list[str | None], sheet: str | None) -> None:
    """Two header cells naming one column (two 保障金额(元), or 保障金额(元) beside its alias 发放金额(元)):
    reading either could load the wrong numbers, so the file is refused, naming both (序号 aside)."""
    dups = {n: at for n, at in _duplicates(cells, _header_index(spec)).items() if n != SEQ_NAME}
    if not dups:
        return
    where = f"工作表「{sheet}」中" if sheet else ""
    parts = [
        f"「{spec.column(name).header}」对应{len(at)}列（"
        + "、".join(f"第{xl_col_to_name(p)}列「{normalise_header(str(cells[p]))}」" for p in at)
        + "）"
        for name, at in dups.items()
    ]
    raise UnreadableFileError(
        path,
        f"{where}表头有重复的列：{'；'.join(parts)}，无法确定以哪一列为准，整个文件未导入",
        "每个字段只有一列（删除或改名多余的列后重新导出）",
    )


def _no_sheet(
    path: Path, spec: SourceSpec, missing_for: list[str], hidden_match: str | None, found: list[str]
) -> None:
    if missing_for:
        raise UnreadableFileError(
            path,
            f"缺少必需列：{'、'.join(missing_for)}",
            f"{spec.title_zh}的表头包含：{'、'.join(c.header for c in spec.columns)}",
        )
    if hidden_match is not None:
        raise UnreadableFileError(
            path,
            f"只有隐藏的工作表「{hidden_match}」中有{spec.title_zh}的表头，可见工作表中没有",
            "取消隐藏正确月份的工作表（或删除旧月份的工作表）后重新导出",
        )
    # `found`: the sheets' labels (_sheet_label), `hidden_match`: already redacted
    where = f"在工作表（{'、'.join(found) or '无'}）的" if found else "在文件的"
    raise UnreadableFileError(
        path,
        f"{where}前{MAX_HEADER_SEARCH}行中找不到{spec.title_zh}的表头",
        f"表头包含：{'、'.join(c.header for c in spec.columns)}",
    )


_ID_TEXT = re.compile(r"^(?:[0-9]{17}[0-9Xx]|[0-9]{15})$")  # 18 digits, or the old 15-digit form
_NUMBER_TEXT = re.compile(r"^-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(\.[0-9]+)?$")


def _fits(col: Column, text: str) -> bool:
    """Whether a cell looks like a value of the column (a cheap test, not the validation of transform)."""
    match col.kind:
        case Kind.PERSON_ID:
            return bool(_ID_TEXT.match(text))
        case Kind.INT | Kind.DECIMAL:
            return bool(_NUMBER_TEXT.match(text))
        case Kind.DATE | Kind.MONTH | Kind.DIVISION:
            return any("0" <= ch <= "9" for ch in text)
        case Kind.CATEGORY:
            return text in col.categories
        case _:
            return True


def _continues(grid: Grid, layout: _Layout, spec: SourceSpec) -> bool:
    """A sheet without a header continues the previous one (an .xls export split at 65,536 rows without
    repeating the header) only if it starts with data rows of that header's layout (up to
    CONTINUATION_PROBE of them, before any 合计 row or footer): no cell beyond the header's width, and
    nearly every required column filled with a value of its kind."""
    required = [
        (pos, spec.column(name)) for pos, name in layout.matched.items() if spec.column(name).required
    ]
    if not required:
        return False
    id_positions = frozenset(p for p, c in required if c.kind is Kind.PERSON_ID)
    probed = 0
    for i in range(len(grid.rows)):
        cells = _texts(grid, i, id_positions)
        filled = [pos for pos, c in enumerate(cells) if c is not None and c.strip()]
        if not filled:
            continue
        if _classify(cells, layout) is not None:  # the 合计 row or a footer after the data: enough
            break
        if filled[-1] >= layout.width:
            return False
        fitting = sum(
            1 for pos, col in required if pos < len(cells) and cells[pos] and _fits(col, cells[pos].strip())
        )
        if fitting * 5 < len(required) * 4:  # at least 80%
            return False
        probed += 1
        if probed == CONTINUATION_PROBE:
            break
    return probed > 0


def _layout_of(spec: SourceSpec, grid: Grid, header_at: int, matched: dict[int, str]) -> _Layout:
    header_cells = _header_texts(grid, header_at, spec)
    header_norm = {
        pos: normalise_header(header_cells[pos])
        for pos in matched
        if pos < len(header_cells) and header_cells[pos]
    }
    title_rows = [[c for c in _texts(grid, i, frozenset()) if c] for i in range(header_at)]
    identity = frozenset(
        pos
        for pos, name in matched.items()
        if spec.column(name).kind in (Kind.PERSON_ID, Kind.PERSON_NAME, Kind.CODE)
    )
    named = [pos for pos, c in enumerate(header_cells) if c is not None and c.strip()]
    own_rows = [_texts(grid, header_at, frozenset())]
    if header_at > 0 and header_cells != own_rows[0]:  # a two-level header: its upper row too
        own_rows.append(_texts(grid, header_at - 1, frozenset()))
    header_rows = tuple(
        {pos: normalise_header(c) for pos, c in enumerate(row) if c and c.strip()} for row in own_rows
    )
    return _Layout(
        header_at,
        matched,
        header_norm,
        " ".join(c for r in title_rows for c in r),
        {_compact(c) for r in title_rows for c in r},
        frozenset(header_norm.values()),
        identity,
        (max(named) + 1) if named else 0,
        header_rows,
    )


def _labelled_summary(cells: list[str | None], identity: frozenset[int]) -> bool:
    """A subtotal or total row labelled anywhere (宝塔镇小计 in 序号, 小计 in 姓名 after a township code),
    whose ID, name and code cells are empty (or are the label): a row with an ID is never a summary."""
    label_at = None
    for pos, c in enumerate(cells):
        if c and "计" in c:
            text = _compact(c)
            if _SUMMARY_LABEL.search(text) or _SUMMARY.match(text):
                label_at = pos
                break
    if label_at is None:
        return False
    return all(
        not (cells[pos] and cells[pos].strip()) for pos in identity if pos != label_at and pos < len(cells)
    )


def _has_id(cells: list[str | None], identity: frozenset[int]) -> bool:
    return any(
        pos < len(cells) and cells[pos] is not None and _ID_TEXT.match(cells[pos].strip().upper())
        for pos in identity
    )


# White space and the invisible characters pasted from web pages (zero-width space, joiners, BOM, soft
# hyphen): a cell of only these shows nothing.
_NOTHING = " \t\r\n\v\f\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff\u00ad"


def _filled(cell: str | None) -> bool:
    """A cell with something visible: not only white space or invisible characters (_NOTHING)."""
    return bool(cell) and bool(cell.strip(_NOTHING))


def _note_line(cells: list[str | None]) -> bool:
    """One filled cell holding a numbered note or a page number (_NOTE), with no ID, code or phone number
    in it."""
    filled = [c for c in cells if _filled(c)]
    return len(filled) == 1 and not _DIGIT_RUN.search(filled[0])


def _repeats_header_row(cells: list[str | None], layout: _Layout) -> bool:
    """Every filled cell is the label of one of the header's rows at its place: a row of a two-level
    header repeated at a page break (the sub-labels 身份证号码, （元） under 户主信息, 保障金额). A data
    row fails at its first filled cell."""
    for row in layout.header_rows:
        matched = False
        for pos, c in enumerate(cells):
            if not _filled(c):
                continue
            if row.get(pos) != normalise_header(c):
                break
            matched = True
        else:
            if matched:
                return True
    return False


def _classify(cells: list[str | None], layout: _Layout) -> str | None:
    """The kind of a non-data row, or None for a data row."""
    first_raw = None
    for c in cells:
        if c and c.strip(_NOTHING):  # _filled
            first_raw = c
            break
    if first_raw is None:
        return "blank"
    if "0" <= first_raw[0] <= "9":  # a data row starts with its 序号 (or a code): the common case, fast
        if _NOTE.match(first_raw) and _note_line(cells):
            return "footer"
        if "计" not in "\x00".join(filter(None, cells)):  # no 小计 label after a code: data
            return None
        return "summary" if _labelled_summary(cells, layout.identity) else None
    count = sum(1 for c in cells if c and c.strip(_NOTHING))  # _filled, inline: once per row
    first = _compact(first_raw)
    if _SUMMARY.match(first):  # 合计 first; but a person named 合计 (with an ID) is data
        return None if _has_id(cells, layout.identity) else "summary"
    footer = _FOOTER.match(first) or _FOOTER_LABEL.match(first) or _END_MARK.match(first)
    if footer and not _has_id(cells, layout.identity):
        return "footer"  # a row with an ID is data whatever its first cell says
    if count == 1 and (_NO_DATA.match(first) or (_NOTE.match(first) and _note_line(cells))):
        return "footer"
    if (
        len(first) <= 3
        and _PLACEHOLDER.match(first)
        and all(_PLACEHOLDER.match(_compact(c)) for c in cells if _filled(c))
    ):
        return "blank"  # only 无, —, / in its cells: no value in the row
    label = normalise_header(first)
    if label in layout.header_first:
        same = sum(
            1
            for pos, h in layout.header_norm.items()
            if pos < len(cells) and cells[pos] is not None and normalise_header(cells[pos]) == h
        )
        if same >= max(2, (len(layout.header_norm) + 1) // 2):
            return "repeated_header"
    if count == 1 and first in layout.title_parts:
        return "repeated_title"
    if label in layout.header_labels and _repeats_header_row(cells, layout):
        return "repeated_header"
    if _labelled_summary(cells, layout.identity):
        return "summary"
    return None


def read_export(path: Path, spec: SourceSpec) -> RawSheet:
    """Read one export file; raise UnreadableFileError with a clerk-readable message."""
    book = open_export(path)
    if isinstance(book, TextTable):
        return _read_table(path, spec, book)
    return _read_workbook(path, spec, book)


def _skip_row(
    cells: list[str | None], layout: _Layout, skipped: dict[str, int], totals: dict[str, str]
) -> bool:
    """Classify one row; count a non-data row's kind (and keep the export's first 合计 row as `totals`)."""
    kind = _classify(cells, layout)
    if kind is None:
        return False
    skipped[kind] = skipped.get(kind, 0) + 1
    if kind == "summary" and not totals:
        label = _compact(next(c for c in cells if c and c.strip()))
        if _TOTAL.match(label):
            totals.update({n: cells[p] for p, n in layout.matched.items() if p < len(cells) and cells[p]})
    return True


@dataclass
class _SheetRows:
    frame: pl.DataFrame  # SOURCE_ROW, SOURCE_SHEET and the sheet's matched columns
    flag_rows: list[tuple[int, str | None, str, str, str]]
    totals: dict[str, str]


def _read_sheet(spec: SourceSpec, plan: _SheetPlan, skipped: dict[str, int]) -> _SheetRows:
    grid, layout = plan.grid, plan.layout
    matched = layout.matched
    id_positions = frozenset(pos for pos, name in matched.items() if spec.column(name).kind is Kind.PERSON_ID)
    totals: dict[str, str] = {}
    kept_rows: list[list[str | None]] = []
    kept_index: list[int] = []
    typed = grid.numeric_text
    for i in range(layout.header_at + 1, len(grid.rows)):
        raw = grid.rows[i]
        cells = [cell_text(v, pos in id_positions) for pos, v in enumerate(raw)] if typed else raw
        if not _skip_row(cells, layout, skipped, totals):
            kept_rows.append(cells)
            kept_index.append(i)
    source_rows = [grid.first_row + i for i in kept_index]
    frame = pl.DataFrame(
        {
            SOURCE_ROW: pl.Series(SOURCE_ROW, source_rows, dtype=pl.Int32),
            SOURCE_SHEET: pl.Series(SOURCE_SHEET, [plan.label] * len(source_rows), dtype=pl.String),
        }
        | {
            name: pl.Series(name, [r[pos] if pos < len(r) else None for r in kept_rows], dtype=pl.String)
            for pos, name in matched.items()
        }
    )
    flag_rows: list[tuple[int, str | None, str, str, str]] = []
    # A merge over rows is filled down (formats.fill_merged_down), but a person's own ID or name is never
    # shared by two rows: such a cell is flagged, not given to the rows below.
    own = {pos for pos, name in matched.items() if spec.column(name).own_identity}
    merged_own = {(i, pos) for i, pos in grid.merged if pos in own}
    for i in kept_index if (grid.row_flags or grid.cell_flags or merged_own) else ():
        row_no = grid.first_row + i
        if i in grid.row_flags:
            code, detail = grid.row_flags[i]
            flag_rows.append((row_no, plan.label, "整行", code, detail))
        for pos, name in matched.items():
            if (i, pos) in grid.cell_flags:
                code, detail = grid.cell_flags[(i, pos)]
                flag_rows.append((row_no, plan.label, spec.column(name).header, code, detail))
            elif (i, pos) in merged_own:
                header = spec.column(name).header
                flag_rows.append((row_no, plan.label, header, "merged_identity", f"「{header}」是合并单元格"))
    return _SheetRows(frame, flag_rows, totals)


def _read_workbook(path: Path, spec: SourceSpec, workbook: Workbook) -> RawSheet:
    if not workbook.sheets:
        raise UnreadableFileError(
            path, f"文件中没有表格（找不到{spec.title_zh}的表头）", "金民工程导出的表格文件"
        )
    plans, notes = _plan_sheets(path, spec, workbook.kind, workbook.sheets)
    skipped: dict[str, int] = {}
    # A sheet with its continuation sheets is one table, with at most one 合计 row (its first).
    groups: list[tuple[list[str | None], dict[str, str]]] = []
    parts: list[_SheetRows] = []
    for plan in plans:
        part = _read_sheet(spec, plan, skipped)
        parts.append(part)
        if plan.continues and groups:
            labels, totals = groups[-1]
            labels.append(plan.label)
            if not totals:
                totals.update(part.totals)
        else:
            groups.append(([plan.label], dict(part.totals)))
    totals, totals_sheets = _file_totals(groups)
    alternatives: list[tuple[dict[str, str], frozenset[str] | None]] = []
    if len(parts) > 1:
        alternatives.append(
            _file_totals([([plan.label], part.totals) for plan, part in zip(plans, parts, strict=True)])
        )
        last = next((part.totals for part in reversed(parts) if part.totals), None)
        if last:
            alternatives.append((dict(last), None))
    # One chunk: polars 2.1 panics filtering a string column of several chunks in transform.
    frame = (
        pl.concat([p.frame for p in parts], how="diagonal", rechunk=True)
        if len(parts) > 1
        else parts[0].frame
    )
    first = plans[0]
    names = [n for n in dict.fromkeys(n for p in plans for n in p.layout.matched.values())]
    return _raw_sheet(
        spec,
        frame,
        first.layout,
        names,
        skipped,
        totals,
        [f for p in parts for f in p.flag_rows],
        first.grid.first_row,
        first.grid.sheet,
        totals_sheets,
        tuple(notes),
        tuple(a for a in alternatives if a[0] and a != (totals, totals_sheets)),
    )


def _file_totals(
    groups: list[tuple[list[str | None], dict[str, str]]],
) -> tuple[dict[str, str], frozenset[str] | None]:
    """The 合计 of the file and the sheets it covers: a single table's 合计 row as it is; with several
    tables (one per township or month) the sum of their 合计 rows, over the tables that have one."""
    with_totals = [(labels, t) for labels, t in groups if t]
    if not with_totals:
        return {}, None
    covered = None
    if len(with_totals) < len(groups):
        covered = frozenset(label for labels, _ in with_totals for label in labels if label is not None)
    if len(with_totals) == 1:
        return with_totals[0][1], covered
    totals: dict[str, str] = {}
    for name in with_totals[0][1]:
        values = [t.get(name) for _, t in with_totals]
        numbers = pl.select(
            parse_number(pl.lit(pl.Series(name, values, dtype=pl.String))).alias(name)
        ).to_series()
        if numbers.null_count() == 0 and numbers.is_finite().all():
            totals[name] = f"{numbers.sum():.2f}"
    return totals, covered


def _read_table(path: Path, spec: SourceSpec, table: TextTable) -> RawSheet:
    """As _read_workbook for a text table: the rows are classified in native code where the first cell
    starts with a digit (a data row's 序号: _classify says so without looking further) and no cell holds
    计 (a 小计 label after a code), by _classify for the few others (titles, headers repeated at page
    breaks, 合计 rows, footers, blank rows)."""
    head = Grid(table.head(MAX_HEADER_SEARCH), 1, "")
    plans, _ = _plan_sheets(path, spec, "text", [(head, True)])
    layout = plans[0].layout
    body = table.cells.with_row_index("_i").slice(layout.header_at + 1)
    first = cell_column(0)
    cells_cols = [c for c in table.cells.columns]
    plain = (
        pl.col(first).str.contains("^[0-9]").fill_null(False)
        & ~pl.col(first).str.contains(_NOTE_TEXT).fill_null(False)
    ) & ~pl.any_horizontal(pl.col(c).str.contains("计", literal=True).fill_null(False) for c in cells_cols)
    skipped: dict[str, int] = {}
    totals: dict[str, str] = {}
    dropped: list[int] = []
    others = body.filter(~plain)
    for i, *cells in others.iter_rows():
        if _skip_row(list(cells), layout, skipped, totals):
            dropped.append(i)
    kept = (
        body.filter(~pl.col("_i").is_in(pl.Series(dropped, dtype=pl.UInt32).implode())) if dropped else body
    )
    frame = kept.select(
        (pl.col("_i") + 1).cast(pl.Int32).alias(SOURCE_ROW),
        pl.lit(None, dtype=pl.String).alias(SOURCE_SHEET),
        *[pl.col(cell_column(pos)).alias(name) for pos, name in layout.matched.items()],
    )
    flag_rows: list[tuple[int, str | None, str, str, str]] = []
    if table.row_flags:
        dropped_set = set(dropped)
        for i, (code, detail) in sorted(table.row_flags.items()):
            if i > layout.header_at and i not in dropped_set:
                flag_rows.append((i + 1, None, "整行", code, detail))
    return _raw_sheet(spec, frame, layout, list(layout.matched.values()), skipped, totals, flag_rows, 1, "")


def _raw_sheet(
    spec: SourceSpec,
    frame: pl.DataFrame,
    layout: _Layout,
    names: list[str],
    skipped: dict[str, int],
    totals: dict[str, str],
    flag_rows: list[tuple[int, str | None, str, str, str]],
    first_row: int,
    sheet: str,
    totals_sheets: frozenset[str] | None = None,
    notes: tuple[str, ...] = (),
    totals_alternatives: tuple[tuple[dict[str, str], frozenset[str] | None], ...] = (),
) -> RawSheet:
    """The data rows (SOURCE_ROW, SOURCE_SHEET and the matched columns, cell texts) as a RawSheet: the
    spreadsheet sums of the numeric cells (over the sheets the 合计 covers), then every text normalised,
    absent optional columns added as nulls."""
    numeric = [c.name for c in spec.columns if c.kind in (Kind.INT, Kind.DECIMAL) and c.name in names]
    as_cells = pl.col(numeric).cast(pl.Float64, strict=False)
    summed = frame if totals_sheets is None else frame.filter(pl.col(SOURCE_SHEET).is_in(list(totals_sheets)))
    sums = (
        summed.select(as_cells.filter(as_cells.is_finite() & (as_cells.abs() < 1e12)).sum())
        if numeric
        else None
    )
    cell_sums = {n: float(sums[n][0] or 0.0) for n in numeric} if sums is not None else {}
    frame = frame.with_columns([normalise_text(pl.col(n)).alias(n) for n in names])
    for col in spec.columns:  # optional columns absent from the file
        if col.name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(col.name))
    frame = frame.select(SOURCE_ROW, SOURCE_SHEET, *[c.name for c in spec.columns])
    flags = pl.DataFrame(
        flag_rows,
        schema={
            SOURCE_ROW: pl.Int32,
            SOURCE_SHEET: pl.String,
            "column_name": pl.String,
            "reason_code": pl.String,
            "detail": pl.String,
        },
        orient="row",
    )
    return RawSheet(
        frame=frame,
        header_row=first_row + layout.header_at,
        title=layout.title,
        dropped_rows=sum(skipped.values()),
        skipped=skipped,
        flags=flags,
        totals=totals,
        sheet=sheet,
        cell_sums=cell_sums,
        totals_sheets=totals_sheets,
        notes=notes,
        totals_alternatives=totals_alternatives,
    )
