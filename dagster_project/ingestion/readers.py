"""Read an export (xlsx, xls, CSV in GBK or UTF-8) into a frame of strings below its detected header.

Jinmin exports carry one or two title rows above the header, a 合计 row (first or last), and
sometimes a footer (制表人 / 制表时间). The header row is the first row, among the first
MAX_HEADER_SEARCH rows, that names the most of the declared columns.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from .errors import UnreadableFileError
from .normalize import normalise_header, normalise_text
from .spec import SourceSpec

MAX_HEADER_SEARCH = 15
SUMMARY_PREFIXES = ("合计", "总计", "小计")
FOOTER_PREFIXES = ("制表人", "制表时间", "填报人", "填报单位", "审核人", "负责人", "制表单位")
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
SOURCE_ROW = "_source_row"


@dataclass(frozen=True)
class RawSheet:
    """Data rows as strings, columns named by the spec, plus the original 1-based row number."""

    frame: pl.DataFrame
    header_row: int
    title: str
    dropped_rows: int  # summary and footer rows


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


def _find_header(rows: list[list[str | None]], spec: SourceSpec) -> tuple[int, dict[int, str]] | None:
    index = _header_index(spec)
    best: tuple[int, dict[int, str]] | None = None
    for i, cells in enumerate(rows[:MAX_HEADER_SEARCH]):
        matched = _match_header(cells, index)
        if len(matched) >= 2 and (best is None or len(matched) > len(best[1])):
            best = (i, matched)
    return best


def _check_required(path: Path, spec: SourceSpec, matched: dict[int, str]) -> None:
    missing = [c.header for c in spec.columns if c.required and c.name not in matched.values()]
    if missing:
        raise UnreadableFileError(
            path,
            f"缺少必需列：{'、'.join(missing)}",
            f"{spec.title_zh}的表头包含：{'、'.join(c.header for c in spec.columns)}",
        )


def _xlsx_first_row(path: Path, sheet_index: int) -> int:
    """0-based row where the used range starts (calamine skips leading empty rows)."""
    try:
        with zipfile.ZipFile(path) as zf, zf.open(f"xl/worksheets/sheet{sheet_index + 1}.xml") as fh:
            head = fh.read(4096).decode("utf-8", "ignore")
    except (KeyError, zipfile.BadZipFile):
        return 0
    m = re.search(r'<dimension ref="[A-Z]+(\d+)', head)
    return int(m.group(1)) - 1 if m else 0


def _xls_first_row(path: Path, sheet_index: int) -> int:
    import python_calamine

    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(sheet_index)
    return sheet.start[0] if sheet.start else 0


def _title_of(rows: list[list[str | None]], header_at: int) -> str:
    return " ".join(str(c) for r in rows[:header_at] for c in r if c not in (None, ""))


def _finish(
    path: Path, spec: SourceSpec, frame: pl.DataFrame, header_at: int, matched: dict[int, str], first_row: int
) -> RawSheet:
    """Cut to the data rows, name the columns, number the rows, drop summary/footer/blank rows."""
    title = _title_of(frame.head(header_at).rows(), header_at)
    cols = frame.columns
    data = frame.slice(header_at + 1).select(
        pl.int_range(pl.len(), dtype=pl.Int32).alias(SOURCE_ROW) + (first_row + header_at + 2),
        *[pl.col(cols[pos]).alias(name) for pos, name in matched.items()],
        pl.col(cols[0]).alias("_first_cell"),
        pl.col(cols[min(1, len(cols) - 1)]).alias("_second_cell"),
    )
    names = list(matched.values())
    data = data.with_columns(
        [normalise_text(pl.col(n)).alias(n) for n in [*names, "_first_cell", "_second_cell"]]
    )
    first_two = pl.concat_str([pl.col("_first_cell").fill_null(""), pl.col("_second_cell").fill_null("")])
    is_summary = first_two.str.contains("^(" + "|".join(SUMMARY_PREFIXES) + ")") | pl.col(
        "_first_cell"
    ).str.contains("^(" + "|".join(FOOTER_PREFIXES) + ")").fill_null(False)
    is_blank = pl.all_horizontal([pl.col(n).is_null() for n in names])
    kept = data.filter(~(is_summary.fill_null(False) | is_blank))
    dropped = data.height - kept.height
    for col in spec.columns:  # optional columns absent from the file
        if col.name not in kept.columns:
            kept = kept.with_columns(pl.lit(None, dtype=pl.String).alias(col.name))
    kept = kept.select(SOURCE_ROW, *[c.name for c in spec.columns])
    return RawSheet(frame=kept, header_row=first_row + header_at + 1, title=title, dropped_rows=dropped)


def _read_excel(path: Path, spec: SourceSpec, is_xls: bool) -> RawSheet:
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # calamine raises its own error types
        raise UnreadableFileError(
            path, f"无法作为Excel文件打开（{exc}）", "金民工程导出的 .xlsx 或 .xls 文件"
        ) from exc
    found: list[str] = []
    for sheet_index, name in enumerate(reader.sheet_names):
        probe = reader.load_sheet(sheet_index, header_row=None, n_rows=MAX_HEADER_SEARCH, dtypes="string")
        head_rows = probe.to_polars().rows()
        if not head_rows:
            continue
        found.append(name)
        hit = _find_header(head_rows, spec)
        if hit is None or len(hit[1]) < 2:
            continue
        header_at, matched = hit
        _check_required(path, spec, matched)
        frame = reader.load_sheet(sheet_index, header_row=None, dtypes="string").to_polars()
        first_row = _xls_first_row(path, sheet_index) if is_xls else _xlsx_first_row(path, sheet_index)
        return _finish(path, spec, frame, header_at, matched, first_row)
    raise UnreadableFileError(
        path,
        f"在工作表（{'、'.join(found) or '无'}）的前{MAX_HEADER_SEARCH}行中找不到{spec.title_zh}的表头",
        f"表头包含：{'、'.join(c.header for c in spec.columns)}",
    )


_HEAD_BYTES = 1 << 18


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(path, "文本编码无法识别", "UTF-8 或 GBK 编码的CSV文件") from exc


def _utf8_body(raw: bytes) -> bytes | None:
    """The file's bytes without BOM if it is UTF-8, judged on its first 256 KiB (a Jinmin CSV's title and
    header rows are Chinese, so a GBK file fails there); None if not. polars validates the rest itself."""
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    head = body[:_HEAD_BYTES]
    if len(body) > _HEAD_BYTES:
        head = head[: head.rfind(b"\n") + 1] or head
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return body


def _head_lines(text: str, n: int) -> list[str]:
    """The first n lines, without splitting the whole file."""
    end = 0
    for _ in range(n):
        nxt = text.find("\n", end)
        if nxt < 0:
            end = len(text)
            break
        end = nxt + 1
    return text[:end].splitlines()[:n]


def _read_csv(path: Path, spec: SourceSpec, raw: bytes) -> RawSheet:
    body = _utf8_body(raw)
    if body is not None:
        try:
            return _parse_csv(path, spec, body, body[:_HEAD_BYTES].decode("utf-8", errors="ignore"))
        except UnicodeDecodeError:
            pass  # not UTF-8 after all (mixed encodings): decode the whole file below
    text = _decode(path, raw)
    return _parse_csv(path, spec, text.encode("utf-8"), text[:_HEAD_BYTES])


def _parse_csv(path: Path, spec: SourceSpec, utf8: bytes, head: str) -> RawSheet:
    """`utf8`: the whole file as UTF-8 bytes; `head`: at least its first MAX_HEADER_SEARCH lines as text."""
    if "\x00" in head[:4096]:
        raise UnreadableFileError(
            path, "不是表格文件（含二进制内容）", "金民工程导出的 .xlsx、.xls 或 .csv 文件"
        )
    lines = _head_lines(head, MAX_HEADER_SEARCH)
    head_rows: list[list[str | None]] = [
        [c.strip().strip('"') or None for c in ln.split(",")] for ln in lines
    ]
    hit = _find_header(head_rows, spec)
    if hit is None:
        raise UnreadableFileError(
            path,
            f"前{MAX_HEADER_SEARCH}行中找不到{spec.title_zh}的表头",
            f"表头包含：{'、'.join(c.header for c in spec.columns)}",
        )
    header_at, matched = hit
    _check_required(path, spec, matched)
    width = len(head_rows[header_at])
    try:
        frame = pl.read_csv(
            io.BytesIO(utf8),
            has_header=False,
            skip_rows=header_at,
            infer_schema=False,
            truncate_ragged_lines=True,
            new_columns=[f"c{i}" for i in range(width)],
        )
    except pl.exceptions.PolarsError as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            raise UnicodeDecodeError("utf-8", b"", 0, 1, str(exc)) from exc
        raise UnreadableFileError(path, f"CSV格式错误（{exc}）", "逗号分隔的CSV文件") from exc
    # Re-insert the title rows we skipped so _finish sees the same layout as for Excel.
    title_frame = pl.DataFrame(
        [
            pl.Series(f"c{i}", [r[i] if i < len(r) else None for r in head_rows[:header_at]], dtype=pl.String)
            for i in range(width)
        ]
    )
    return _finish(path, spec, pl.concat([title_frame, frame]), header_at, matched, 0)


def read_export(path: Path, spec: SourceSpec) -> RawSheet:
    """Read one export file; raise UnreadableFileError with a clerk-readable message."""
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(_XLSX_MAGIC):
        return _read_excel(path, spec, is_xls=False)
    if magic.startswith(_XLS_MAGIC):
        return _read_excel(path, spec, is_xls=True)
    if path.suffix.lower() in (".xlsx", ".xls"):
        raise UnreadableFileError(
            path, "扩展名是Excel，但内容不是Excel文件", "从金民工程重新导出的 .xlsx 或 .xls 文件"
        )
    return _read_csv(path, spec, path.read_bytes())
