"""Read an export into a frame of strings below its detected header, and say what every other row was.

Jinmin and other government exports carry title rows above the header (sometimes a group row above the
real header), summary rows (合计 / 小计 / 本页小计 / 总计, often spaced as 合　计), footers (制表人,
单位负责人：, 审核人：, 制表日期：), and at page breaks the header or title again. The header row is the
row, among the first MAX_HEADER_SEARCH rows of the first visible sheet that has one, naming the most of
the declared columns. Every row below it is either data (in `frame`) or skipped with its kind
(`skipped`): rows read = data rows + skipped rows.

The file format comes from the content (formats.py), never from the extension.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .errors import UnreadableFileError
from .formats import Grid, Workbook, cell_text, open_export
from .normalize import normalise_header, normalise_text
from .redact import redact_label
from .spec import Kind, SourceSpec
from .text_table import TextTable, cell_column

MAX_HEADER_SEARCH = 15
SOURCE_ROW = "_source_row"

SKIP_KINDS_ZH = {
    "blank": "空行",
    "summary": "合计、小计行",
    "footer": "表尾（制表人、审核人、日期、页码等）",
    "repeated_header": "分页处重复的表头",
    "repeated_title": "分页处重复的标题",
}
_SUMMARY = re.compile(r"^(合计|总计|小计|本页小计|本页合计|本月合计|累计|共计|总合计)")
_TOTAL = re.compile(r"^(合计|总计|本月合计|共计|总合计)")
_FOOTER = re.compile(
    r"^(制表人|制表时间|制表日期|制表单位|填报人|填报单位|填报日期|填表人|填表日期|审核人|审核日期|审核|"
    r"负责人|单位负责人|主管领导|分管领导|统计人|统计负责人|经办人|联系人|联系电话|打印时间|打印日期|"
    r"导出时间|导出日期|备注[:：]|注[:：]|说明[:：]|第\d+页|共\d+页|页码)"
)
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

    @property
    def rows_read(self) -> int:
        return self.frame.height + self.dropped_rows


def _header_index(spec: SourceSpec) -> dict[str, str]:
    index: dict[str, str] = {}
    for col in spec.columns:
        for text in (col.header, *col.aliases):
            index.setdefault(normalise_header(text), col.name)
    return index


def _match_header(cells: list[str | None], index: dict[str, str]) -> dict[int, str]:
    matched: dict[int, str] = {}
    for pos, cell in enumerate(cells):
        if cell is None:
            continue
        name = index.get(normalise_header(str(cell)))
        if name and name not in matched.values():
            matched[pos] = name
    return matched


def _combined(upper: list[str | None], lower: list[str | None]) -> list[str | None]:
    """A two-level header: the lower row's cell, or, where it is empty (merged down), the upper one."""
    width = max(len(upper), len(lower))
    out: list[str | None] = []
    for i in range(width):
        lo = lower[i] if i < len(lower) else None
        up = upper[i] if i < len(upper) else None
        out.append(lo if lo not in (None, "") else up)
    return out


def _find_header(rows: list[list[str | None]], spec: SourceSpec) -> tuple[int, dict[int, str]] | None:
    index = _header_index(spec)
    best: tuple[int, dict[int, str]] | None = None
    for i, cells in enumerate(rows[:MAX_HEADER_SEARCH]):
        candidates = [_match_header(cells, index)]
        if i > 0:
            candidates.append(_match_header(_combined(rows[i - 1], cells), index))
        matched = max(candidates, key=len)
        if len(matched) >= 2 and (best is None or len(matched) > len(best[1])):
            best = (i, matched)
    return best


def _missing_required(spec: SourceSpec, matched: dict[int, str]) -> list[str]:
    return [c.header for c in spec.columns if c.required and c.name not in matched.values()]


def _compact(text: str) -> str:
    return _WS.sub("", text.replace("\u3000", " "))


def _texts(grid: Grid, i: int, id_positions: frozenset[int]) -> list[str | None]:
    return [cell_text(v, pos in id_positions) for pos, v in enumerate(grid.rows[i])]


def _choose_sheet(path: Path, spec: SourceSpec, sheets: list[tuple[Grid, bool]]) -> tuple[Grid, int, dict]:
    found: list[str] = []
    hidden_match: str | None = None
    missing_for: list[str] = []
    best: tuple[Grid, int, dict] | None = None
    for grid, visible in sheets:
        head = [[cell_text(v) for v in row] for row in grid.rows[:MAX_HEADER_SEARCH]]
        if not any(any(c is not None for c in r) for r in head):
            continue
        if grid.sheet:
            found.append(grid.sheet)
        hit = _find_header(head, spec)
        if hit is None:
            continue
        if not visible:
            hidden_match = hidden_match or grid.sheet
            continue
        missing = _missing_required(spec, hit[1])
        if missing:
            missing_for = missing_for or missing
            continue
        if best is None or len(hit[1]) > len(best[2]):
            best = (grid, hit[0], hit[1])
            if len(hit[1]) == len(spec.columns):
                break
    if best is not None:
        return best
    if missing_for:
        raise UnreadableFileError(
            path,
            f"缺少必需列：{'、'.join(missing_for)}",
            f"{spec.title_zh}的表头包含：{'、'.join(c.header for c in spec.columns)}",
        )
    if hidden_match is not None:
        raise UnreadableFileError(
            path,
            f"只有隐藏的工作表「{redact_label(hidden_match)}」中有{spec.title_zh}的表头，可见工作表中没有",
            "取消隐藏正确月份的工作表（或删除旧月份的工作表）后重新导出",
        )
    where = f"在工作表（{'、'.join(map(redact_label, found)) or '无'}）的" if found else "在文件的"
    raise UnreadableFileError(
        path,
        f"{where}前{MAX_HEADER_SEARCH}行中找不到{spec.title_zh}的表头",
        f"表头包含：{'、'.join(c.header for c in spec.columns)}",
    )


def _classify(
    cells: list[str | None],
    header_norm: dict[int, str],
    header_first: frozenset[str],
    title_parts: set[str],
) -> str | None:
    """The kind of a non-data row, or None for a data row."""
    first_raw = None
    for c in cells:
        if c and not c.isspace():
            first_raw = c
            break
    if first_raw is None:
        return "blank"
    if "0" <= first_raw[0] <= "9":  # a data row starts with its 序号 (or a code): the common case, fast
        return None
    count = sum(1 for c in cells if c and not c.isspace())
    first = _compact(first_raw)
    if _SUMMARY.match(first):
        return "summary"
    if _FOOTER.match(first):
        return "footer"
    if normalise_header(first) in header_first:
        same = sum(
            1
            for pos, h in header_norm.items()
            if pos < len(cells) and cells[pos] is not None and normalise_header(cells[pos]) == h
        )
        if same >= max(2, (len(header_norm) + 1) // 2):
            return "repeated_header"
    if count == 1 and first in title_parts:
        return "repeated_title"
    return None


def read_export(path: Path, spec: SourceSpec) -> RawSheet:
    """Read one export file; raise UnreadableFileError with a clerk-readable message."""
    book = open_export(path)
    if isinstance(book, TextTable):
        return _read_table(path, spec, book)
    return _read_workbook(path, spec, book)


@dataclass(frozen=True)
class _Layout:
    """Where the header is and what the rows above it say (to recognise repeated titles and headers)."""

    header_at: int  # index of the header row in the sheet's rows
    matched: dict[int, str]  # cell position -> column name
    header_norm: dict[int, str]  # cell position -> normalised header text
    title: str
    title_parts: set[str]
    header_first: frozenset[str]  # the normalised header texts


def _layout(path: Path, spec: SourceSpec, kind: str, sheets: list[tuple[Grid, bool]]) -> tuple[Grid, _Layout]:
    try:
        grid, header_at, matched = _choose_sheet(path, spec, sheets)
    except UnreadableFileError as err:
        if kind == "text" and path.suffix.lower() in (".xlsx", ".xls"):
            raise UnreadableFileError(
                path,
                f"扩展名是Excel，但内容不是Excel文件（{err.problem_zh}）",
                "从金民工程重新导出的 .xlsx 或 .xls 文件",
            ) from None
        raise
    header_cells = _texts(grid, header_at, frozenset())
    if header_at > 0:
        header_cells = _combined(_texts(grid, header_at - 1, frozenset()), header_cells)
    header_norm = {
        pos: normalise_header(header_cells[pos])
        for pos in matched
        if pos < len(header_cells) and header_cells[pos]
    }
    title_rows = [[c for c in _texts(grid, i, frozenset()) if c] for i in range(header_at)]
    return grid, _Layout(
        header_at,
        matched,
        header_norm,
        " ".join(c for r in title_rows for c in r),
        {_compact(c) for r in title_rows for c in r},
        frozenset(header_norm.values()),
    )


def _skip_row(
    cells: list[str | None], layout: _Layout, skipped: dict[str, int], totals: dict[str, str]
) -> bool:
    """Classify one row; count a non-data row's kind (and keep the export's first 合计 row as `totals`)."""
    kind = _classify(cells, layout.header_norm, layout.header_first, layout.title_parts)
    if kind is None:
        return False
    skipped[kind] = skipped.get(kind, 0) + 1
    if kind == "summary" and not totals:
        label = _compact(next(c for c in cells if c and c.strip()))
        if _TOTAL.match(label):
            totals.update({n: cells[p] for p, n in layout.matched.items() if p < len(cells) and cells[p]})
    return True


def _read_workbook(path: Path, spec: SourceSpec, workbook: Workbook) -> RawSheet:
    if not workbook.sheets:
        raise UnreadableFileError(
            path, f"文件中没有表格（找不到{spec.title_zh}的表头）", "金民工程导出的表格文件"
        )
    grid, layout = _layout(path, spec, workbook.kind, workbook.sheets)
    matched = layout.matched
    id_positions = frozenset(pos for pos, name in matched.items() if spec.column(name).kind is Kind.PERSON_ID)
    skipped: dict[str, int] = {}
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
        {SOURCE_ROW: pl.Series(SOURCE_ROW, source_rows, dtype=pl.Int32)}
        | {
            name: pl.Series(name, [r[pos] if pos < len(r) else None for r in kept_rows], dtype=pl.String)
            for pos, name in matched.items()
        }
    )
    flag_rows: list[tuple[int, str, str, str]] = []
    for i in kept_index if (grid.row_flags or grid.cell_flags) else ():
        row_no = grid.first_row + i
        if i in grid.row_flags:
            code, detail = grid.row_flags[i]
            flag_rows.append((row_no, "整行", code, detail))
        for pos, name in matched.items():
            if (i, pos) in grid.cell_flags:
                code, detail = grid.cell_flags[(i, pos)]
                flag_rows.append((row_no, spec.column(name).header, code, detail))
    return _raw_sheet(spec, frame, layout, skipped, totals, flag_rows, grid.first_row, grid.sheet)


def _read_table(path: Path, spec: SourceSpec, table: TextTable) -> RawSheet:
    """As _read_workbook for a text table: the rows are classified in native code where the first cell
    starts with a digit (a data row's 序号: _classify says so without looking further), by _classify
    for the few others (titles, headers repeated at page breaks, 合计 rows, footers, blank rows)."""
    head = Grid(table.head(MAX_HEADER_SEARCH), 1, "")
    _, layout = _layout(path, spec, "text", [(head, True)])
    body = table.cells.with_row_index("_i").slice(layout.header_at + 1)
    first = cell_column(0)
    plain = pl.col(first).str.contains("^[0-9]").fill_null(False)
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
        *[pl.col(cell_column(pos)).alias(name) for pos, name in layout.matched.items()],
    )
    flag_rows: list[tuple[int, str, str, str]] = []
    if table.row_flags:
        dropped_set = set(dropped)
        for i, (code, detail) in sorted(table.row_flags.items()):
            if i > layout.header_at and i not in dropped_set:
                flag_rows.append((i + 1, "整行", code, detail))
    return _raw_sheet(spec, frame, layout, skipped, totals, flag_rows, 1, "")


def _raw_sheet(
    spec: SourceSpec,
    frame: pl.DataFrame,
    layout: _Layout,
    skipped: dict[str, int],
    totals: dict[str, str],
    flag_rows: list[tuple[int, str, str, str]],
    first_row: int,
    sheet: str,
) -> RawSheet:
    """The data rows (SOURCE_ROW and the matched columns, cell texts) as a RawSheet: the spreadsheet sums
    of the numeric cells, then every text normalised, absent optional columns added as nulls."""
    names = list(layout.matched.values())
    numeric = [c.name for c in spec.columns if c.kind in (Kind.INT, Kind.DECIMAL) and c.name in names]
    as_cells = pl.col(numeric).cast(pl.Float64, strict=False)
    sums = (
        frame.select(as_cells.filter(as_cells.is_finite() & (as_cells.abs() < 1e12)).sum())
        if numeric
        else None
    )
    cell_sums = {n: float(sums[n][0] or 0.0) for n in numeric} if sums is not None else {}
    frame = frame.with_columns([normalise_text(pl.col(n)).alias(n) for n in names])
    for col in spec.columns:  # optional columns absent from the file
        if col.name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(col.name))
    frame = frame.select(SOURCE_ROW, *[c.name for c in spec.columns])
    flags = pl.DataFrame(
        flag_rows,
        schema={
            SOURCE_ROW: pl.Int32,
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
    )
