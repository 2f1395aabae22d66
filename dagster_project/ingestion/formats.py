"""Turn an export's bytes into a grid of cells, whatever the government system wrote.

The format is decided from the content, never from the extension: real xlsx/xls (calamine), an "xls"
that is an HTML table (lxml), XML Spreadsheet 2003 (stdlib expat), CSV or tab-separated "Unicode text"
in UTF-8, GBK/GB18030 or UTF-16 (charset-normalizer as the last guess). Cells keep their type where the
format has one (numbers as float), so ingestion can tell an ID stored as a number from one stored as text.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np

from .errors import UnreadableFileError
from .text_table import TextTable, choose_delimiter, split_lines

EXPECTED_ZH = "金民工程导出的 .xlsx、.xls 或 .csv 文件"
MAX_BAD_LINES_QUARANTINED = 20  # more lines with undecodable bytes than this: the file is refused as a whole


@dataclass
class Grid:
    """One sheet: rows of typed cells (str, float, int, bool, date/datetime or None)."""

    rows: list[list[Any]]
    first_row: int = 1  # row number (1-based, as the clerk sees it) of rows[0]
    sheet: str = ""
    cell_flags: dict[tuple[int, int], tuple[str, str]] = field(
        default_factory=dict
    )  # (row, col) -> (code, detail)
    row_flags: dict[int, tuple[str, str]] = field(default_factory=dict)  # row -> (code, detail)
    numeric_text: bool = False  # numbers arrive as typed floats (Excel, XML) rather than text
    merged: set[tuple[int, int]] = field(default_factory=set)  # (row, col) filled from a merge above


@dataclass
class Workbook:
    kind: str  # xlsx / xls / html / xml2003 / text
    sheets: list[tuple[Grid, bool]]  # (grid, visible)


# -- format sniffing --------------------------------------------------------------------------------------
def sniff(head: bytes) -> str:
    """xlsx / xls / text-utf16 / xml2003 / html / text / binary, from the first bytes."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(head):
        return "text-utf16"
    probe = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if probe.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head.lower():
        return "xml2003"
    if b"urn:schemas-microsoft-com:office:spreadsheet" in head.lower() and b"<workbook" in probe:
        return "xml2003"
    if probe.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<body")) or (
        probe.startswith(b"<") and b"<table" in probe
    ):
        return "html"
    if b"\x00" in _unpadded(head[:4096]):
        return "binary"
    return "text"


def _unpadded(raw: bytes) -> bytes:
    """A text without what old tools leave after it: a DOS end-of-file mark (Ctrl-Z, 0x1A), or NUL bytes
    filling the file up to its allocated size (a copy from some download tools and USB sticks)."""
    return raw.rstrip(b"\x00\x1a") if raw.endswith((b"\x00", b"\x1a")) else raw


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a BOM: zero bytes (the high byte of an ASCII character) nearly all at even offsets or
    nearly all at odd ones, whatever the first character is. UTF-8 and GBK text hold none; a binary file
    holds them at both."""
    even, odd = _zero_counts(head)
    big, small = max(even, odd), min(even, odd)
    return big >= 4 and big >= len(head[:_UTF16_SAMPLE]) // 2 * 0.1 and small <= big * 0.1


_UTF16_SAMPLE = 4096


def _zero_counts(head: bytes) -> tuple[int, int]:
    """Zero bytes at (even, odd) offsets of the head: ASCII in UTF-16-LE puts them at odd ones."""
    sample = head[:_UTF16_SAMPLE]
    return sample[0::2].count(0), sample[1::2].count(0)


# -- text decoding -------------------------------------------------------------------------------------------
_RECORD_CAP = 100_000  # undecodable places recorded at most (the file is refused long before)


@dataclass
class Decoded:
    text: str
    encoding: str
    bad: list[int]  # byte offsets of undecodable bytes (replaced by U+FFFD)
    foreign: list[int] = field(default_factory=list)  # byte offsets in lines that are UTF-8 in a GB18030 text
    capped: bool = False  # more than _RECORD_CAP undecodable places: `bad` holds the first ones

    def bad_lines(self, raw: bytes) -> dict[int, tuple[int, bool]]:
        """{physical line: (first flagged byte offset, foreign)} of every line to quarantine."""
        offsets = [(o, False) for o in self.bad] + [(o, True) for o in self.foreign]
        offsets.sort()
        lines = _line_numbers(raw, self.encoding, [o for o, _ in offsets])
        out: dict[int, tuple[int, bool]] = {}
        for line, (offset, foreign) in zip(lines, offsets, strict=True):
            out.setdefault(line, (offset, foreign))
        return out


class _TooManyBad(Exception):
    pass


def _decode_recording(raw: bytes, encoding: str) -> Decoded:
    if encoding == "utf-8-sig" and raw.startswith(b"\xef\xbb\xbf"):  # offsets counted from the BOM too
        d = _decode_recording(raw[3:], "utf-8")
        return Decoded(d.text, encoding, [o + 3 for o in d.bad], capped=d.capped)
    bad: list[int] = []

    def handler(exc: UnicodeError) -> tuple[str, int]:
        assert isinstance(exc, UnicodeDecodeError)
        if len(bad) >= _RECORD_CAP:
            raise _TooManyBad
        bad.append(exc.start)
        return "\ufffd", exc.end

    name = f"minzheng-record-{id(bad)}"
    codecs.register_error(name, handler)
    try:
        text = raw.decode(encoding, errors=name)
    except _TooManyBad:
        return Decoded("", encoding, bad, capped=True)
    return Decoded(text, encoding, bad)


def _line_numbers(raw: bytes, encoding: str, offsets: list[int]) -> list[int]:
    """The physical line (1-based) of each byte offset: line breaks counted as bytes, or as UTF-16 code
    units (a Chinese character's byte in UTF-16 may be 0x0A, as in 上 = 0A 4E)."""
    if not offsets:
        return []
    enc = encoding.lower().replace("_", "-")
    if enc.startswith("utf-16"):
        big = enc == "utf-16-be" or (enc == "utf-16" and raw.startswith(b"\xfe\xff"))
        units = np.frombuffer(raw[: len(raw) // 2 * 2], dtype=">u2" if big else "<u2")
        breaks = np.flatnonzero(units == 0x0A) * 2
    else:
        breaks = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 0x0A)
    return [int(n) + 1 for n in np.searchsorted(breaks, np.asarray(offsets))]


def _utf8_or_gb18030(raw: bytes) -> Decoded:
    """A text that is not valid UTF-8 as a whole: GB18030, unless most of its non-ASCII text is valid UTF-8
    (see decode_text). Cheap for the common GBK file: decoded once, and when that finds no undecodable
    byte and no line in UTF-8, it is GB18030 without comparing."""
    decoded = _decode_recording(raw, "gb18030")
    if not decoded.capped:
        decoded.foreign = _utf8_lines(raw)
    if not decoded.bad and not decoded.foreign:
        return decoded
    text = raw.decode("utf-8", "replace")
    replaced = text.count("\ufffd") - raw.count("\ufffd".encode())
    valid = len(text) - len(text.encode("ascii", "ignore")) - replaced  # non-ASCII characters decoded
    if valid > replaced:
        return _decode_recording(raw, "utf-8")
    return decoded


def _utf8_lines(raw: bytes) -> list[int]:
    """Byte offsets (one per line) of the lines that are valid UTF-8 holding a 3-byte character (every
    Chinese one): in a GB18030 text, lines pasted from a UTF-8 export, which GB18030 reads as other
    characters, often without an error. GBK text holds such byte runs by accident, but is valid UTF-8
    only by accident too, and never for a whole line of Chinese."""
    arr = np.frombuffer(raw, dtype=np.uint8)
    if arr.size < 3:
        return []
    runs = np.flatnonzero(
        ((arr[:-2] & 0xF0) == 0xE0) & ((arr[1:-1] & 0xC0) == 0x80) & ((arr[2:] & 0xC0) == 0x80)
    )
    if runs.size == 0:
        return []
    breaks = np.flatnonzero(arr == 0x0A)
    lines, first = np.unique(np.searchsorted(breaks, runs), return_index=True)
    out: list[int] = []
    for line, at in zip(lines.tolist(), runs[first].tolist(), strict=True):
        start = int(breaks[line - 1]) + 1 if line else 0
        end = int(breaks[line]) if line < breaks.size else len(raw)
        try:
            raw[start:end].decode("utf-8")
        except UnicodeDecodeError:
            continue
        out.append(at)
    return out


def decode_text(path: Path, raw: bytes) -> Decoded:
    """Decode a text export. The lines with undecodable bytes (`bad`) or in another encoding than the rest
    (`foreign`) are quarantined by the caller, as long as there are at most MAX_BAD_LINES_QUARANTINED of
    them; more refuse the file, naming the first line and byte offset.

    - A BOM decides: UTF-8, UTF-16 (either byte order).
    - UTF-16 without a BOM (sniffed from its zero bytes): the byte order is where the zero bytes are (the
      high byte of an ASCII character comes second in little-endian, so mostly at odd offsets), never
      the first character alone (a Chinese title has no zero byte).
    - Otherwise UTF-8 when the whole text is valid UTF-8. Else UTF-8 or GB18030 (a superset of GBK),
      whichever most of the non-ASCII text is in: UTF-8 when its valid multi-byte characters outnumber
      its undecodable places (GBK read as UTF-8 breaks at nearly every character; the tie goes to
      GB18030), else GB18030. GB18030 decodes almost any byte pair, so its own error count proves
      little: in a GB18030 text the lines that are valid UTF-8 with Chinese characters (pasted from a
      UTF-8 export) are `foreign`, since GB18030 would turn them into other characters silently. So
      a UTF-8 export with one GBK line loses that line only, and a GBK export with one UTF-8 line too.
    - Too many bad lines: charset-normalizer's guess is tried before the file is refused.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        best = _decode_recording(raw, "utf-8-sig")
        if (
            best.bad
        ):  # a UTF-8 BOM before GBK text (added by an editor, or two files joined): the text decides
            rest = _utf8_or_gb18030(raw[3:])
            if rest.encoding != "utf-8":
                best = Decoded(
                    rest.text,
                    rest.encoding,
                    [o + 3 for o in rest.bad],
                    [o + 3 for o in rest.foreign],
                    rest.capped,
                )
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        best = _decode_recording(raw, "utf-16")
    elif _looks_utf16(raw):
        even, odd = _zero_counts(raw)
        best = _decode_recording(raw, "utf-16-le" if odd >= even else "utf-16-be")
    else:
        try:
            return Decoded(raw.decode("utf-8"), "utf-8", [])
        except UnicodeDecodeError:
            best = _utf8_or_gb18030(raw)
    lines = best.bad_lines(raw)
    if best.capped or len(lines) > MAX_BAD_LINES_QUARANTINED:
        guess = _charset_guess(raw)
        if guess:
            d = _decode_recording(raw, guess)
            d_lines = d.bad_lines(raw)
            if not d.capped and len(d_lines) < len(lines):
                best, lines = d, d_lines
    if best.capped or len(lines) > MAX_BAD_LINES_QUARANTINED:
        line, (offset, _) = min(lines.items())
        more = "大量" if best.capped else f"{len(lines)} "
        raise UnreadableFileError(
            path,
            f"文本编码无法识别：第{line}行（字节位置 {offset}）起有{more}行无法按 UTF-8 或 GBK 解码",
            "以 UTF-8 或 GBK 编码重新导出的 CSV 文件（不要把不同编码的文件拼接在一起）",
        )
    return best


def _charset_guess(raw: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        match = from_bytes(raw[: 1 << 20]).best()
    except Exception:  # a guess only: never let the guesser stop a load
        return None
    return match.encoding if match else None


# -- CSV / tab-separated text ---------------------------------------------------------------------------------
def read_text(path: Path, raw: bytes, decoded: Decoded | None = None) -> Workbook:
    decoded = decoded or decode_text(path, raw)
    text = decoded.text.lstrip("\ufeff")
    delimiter = choose_delimiter(text)
    csv.field_size_limit(1 << 30)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[Any]] = []
    spans: list[tuple[int, int]] = []  # physical lines (1-based, inclusive) of each record
    last = 0
    try:
        for record in reader:
            rows.append([c if c != "" else None for c in record])
            spans.append((last + 1, reader.line_num))
            last = reader.line_num
    except csv.Error as exc:  # never copy the line itself into the message: it may hold IDs and names
        raise UnreadableFileError(
            path, f"CSV格式错误：第{reader.line_num}行无法解析（{type(exc).__name__}）", EXPECTED_ZH
        ) from None
    grid = Grid(rows, 1, "")
    if decoded.bad or decoded.foreign:
        # byte offset -> physical line -> record
        for line, flag in _undecodable_lines(raw, decoded):
            for i, (a, b) in enumerate(spans):
                if a <= line <= b:
                    grid.row_flags.setdefault(i, flag)
                    break
    width = _usual_width(rows)
    unclosed_at_end = text.count('"') % 2 == 1
    for i, (a, b) in enumerate(spans):
        if b > a and ((unclosed_at_end and i == len(spans) - 1) or _swallowed(rows[i], width, delimiter)):
            grid.row_flags.setdefault(
                i, ("csv_quote", f"第{a}至{b}行被引号合并为一行（引号未闭合），请检查这些行")
            )
    return Workbook("text", [(grid, True)])


def _usual_width(rows: list[list[Any]]) -> int:
    """The most common number of cells of the records with more than one (the header's and the data
    rows'; a title line has one)."""
    widths = Counter(len(r) for r in rows if len(r) > 1)
    return widths.most_common(1)[0][0] if widths else 1


def _swallowed(record: list[Any], width: int, delimiter: str) -> bool:
    """A record spanning lines that took in other records: an unclosed quote. It has more cells than the
    usual record, or its cells with line breaks hold a whole record's delimiters (the rest of its own line
    and the lines it ran into). A correctly quoted cell wrapped with Alt+Enter ("宝塔区\r\n社会福利\r\n中心")
    is neither."""
    if len(record) > width:
        return True
    inside = sum(cell.count(delimiter) for cell in record if isinstance(cell, str) and "\n" in cell)
    return inside >= max(2, width - 1)


def read_text_table(path: Path, raw: bytes) -> TextTable | Workbook:
    """A text export as a TextTable when its records are its lines (text_table.py), else as read_text's
    grid. Both give the same cells and the same undecodable-byte flags."""
    decoded = decode_text(path, raw)
    text = decoded.text.lstrip("\ufeff")
    plain_utf8 = decoded.encoding == "utf-8" and not decoded.bad and not raw.startswith(b"\xef\xbb\xbf")
    cells = split_lines(raw if plain_utf8 else text.encode("utf-8"), choose_delimiter(text))
    if cells is None:
        return read_text(path, raw, decoded)
    flags: dict[int, tuple[str, str]] = {}
    for line, flag in _undecodable_lines(raw, decoded):  # record i is line i + 1
        flags.setdefault(line - 1, flag)
    return TextTable(cells, flags)


def _undecodable_lines(raw: bytes, decoded: Decoded) -> list[tuple[int, tuple[str, str]]]:
    """(physical line, row flag) for each line with undecodable bytes or in another encoding."""
    other = "GBK" if decoded.encoding == "gb18030" else decoded.encoding.upper()
    return [
        (
            line,
            (
                "undecodable",
                f"第{line}行的编码（UTF-8）与文件其余部分（{other}）不同"
                if foreign
                else f"第{line}行（字节位置 {offset}）有无法识别的字节",
            ),
        )
        for line, (offset, foreign) in decoded.bad_lines(raw).items()
    ]


# -- HTML tables ("xls" exported by web systems) ---------------------------------------------------------------
def read_html(path: Path, raw: bytes) -> Workbook:
    import lxml.html

    decoded = decode_text(path, raw)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", decoded.text.lstrip("\ufeff"))
    try:
        doc = lxml.html.document_fromstring(text or "<html></html>")
    except Exception as exc:  # lxml raises ParserError / ValueError on empty or broken documents
        raise UnreadableFileError(path, f"网页表格无法解析（{type(exc).__name__}）", EXPECTED_ZH) from None
    sheets: list[tuple[Grid, bool]] = []
    for n, table in enumerate(doc.iter("table"), start=1):
        if table.xpath("ancestor::table"):
            continue  # nested layout tables: their cells are read as part of the outer table
        rows, merged = _html_rows(table)
        if rows:
            sheets.append((Grid(rows, 1, f"表格{n}", merged=merged), True))
    return Workbook("html", sheets)


def _html_rows(table: Any) -> tuple[list[list[Any]], set[tuple[int, int]]]:
    grid: list[list[Any]] = []
    pending: dict[tuple[int, int], bool] = {}  # cells covered by a rowspan from above
    regions: list[tuple[int, int, int, int]] = []  # rowspan regions, filled down at the end
    trs = [tr for tr in table.iter("tr") if tr.xpath("ancestor::table[1]")[0] is table]
    for r, tr in enumerate(trs):
        row: list[Any] = []
        col = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            while pending.pop((r, col), False):
                row.append(None)
                col += 1
            value = " ".join(cell.text_content().split()) or None
            span = _int_attr(cell, "colspan")
            down = _int_attr(cell, "rowspan")
            if down > 1:
                regions.append((r, col, r + down - 1, col + span - 1))
            for k in range(span):
                row.append(value if k == 0 else None)
                for d in range(1, down):
                    pending[(r + d, col + k)] = True
            col += span
        while pending.pop((r, col), False):
            row.append(None)
            col += 1
        grid.append(row)
    return grid, fill_merged_down(grid, regions)


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def _int_attr(el: Any, name: str) -> int:
    try:
        return max(1, min(int(el.get(name, "1")), 1000))
    except ValueError:
        return 1


# -- XML Spreadsheet 2003 ----------------------------------------------------------------------------------------
_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
_X = "{urn:schemas-microsoft-com:office:excel}"


def read_xml2003(path: Path, raw: bytes) -> Workbook:
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise UnreadableFileError(
            path, f"XML表格格式错误（第{exc.position[0]}行）", "完整的 XML 电子表格 2003 文件"
        ) from None
    sheets: list[tuple[Grid, bool]] = []
    for ws in root.iter(f"{_SS}Worksheet"):
        name = ws.get(f"{_SS}Name", "")
        visible = True
        for v in ws.iter(f"{_X}Visible"):
            visible = (v.text or "").strip() not in ("SheetHidden", "SheetVeryHidden")
        rows: list[list[Any]] = []
        below: dict[tuple[int, int], bool] = {}
        regions: list[tuple[int, int, int, int]] = []  # MergeDown regions, filled down at the end
        flags: dict[tuple[int, int], tuple[str, str]] = {}
        table = ws.find(f"{_SS}Table")
        if table is None:
            continue
        for row_el in table.iter(f"{_SS}Row"):
            idx = row_el.get(f"{_SS}Index")
            target = int(idx) - 1 if idx and idx.isdigit() else len(rows)
            while len(rows) < target:
                rows.append([])
            r = len(rows)
            row: list[Any] = []
            for cell in row_el.iter(f"{_SS}Cell"):
                cidx = cell.get(f"{_SS}Index")
                col = int(cidx) - 1 if cidx and cidx.isdigit() else len(row)
                while len(row) < col:
                    row.append(None)
                while below.pop((r, len(row)), False):
                    row.append(None)
                data = cell.find(f"{_SS}Data")
                value: Any = None
                if data is not None:
                    text = "".join(data.itertext())
                    kind = data.get(f"{_SS}Type", "String")
                    if kind == "Number":
                        try:
                            value = float(text)
                        except ValueError:
                            value = text
                    else:
                        value = text
                if value is None and cell.get(f"{_SS}Formula"):
                    flags[(r, len(row))] = ("formula_no_value", "公式单元格没有计算结果")
                across = min(_int(cell.get(f"{_SS}MergeAcross")), 1000)
                down = min(_int(cell.get(f"{_SS}MergeDown")), 1000)
                start = len(row)
                row.append(value)
                row.extend([None] * across)
                if down:
                    regions.append((r, start, r + down, start + across))
                for d in range(1, down + 1):
                    for k in range(start, start + across + 1):
                        below[(r + d, k)] = True
            rows.append(row)
        merged = fill_merged_down(rows, regions)
        sheets.append((Grid(rows, 1, name, cell_flags=flags, numeric_text=True, merged=merged), visible))
    return Workbook("xml2003", sheets)


# -- real Excel (calamine) ----------------------------------------------------------------------------------------
REEXPORT_ZH = "完整的 .xlsx 或 .xls 文件（重新从金民工程导出，或从原处重新拷贝）"

# Every way a damaged zip / xlsx / CFB container shows itself while its parts are read in Python.
_DAMAGED = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    KeyError,
    struct.error,
    ValueError,  # also UnicodeDecodeError (a member name), a negative seek in a broken directory
    OverflowError,
    RuntimeError,  # also NotImplementedError (an unknown compression method), an encrypted member
    ET.ParseError,  # expat: damaged XML
    OSError,
)


def damaged_file(path: Path, what: str) -> UnreadableFileError:
    return UnreadableFileError(path, f"文件已损坏（{what}），请重新导出或重新拷贝", REEXPORT_ZH)


def _damage_zh(exc: BaseException) -> str:
    """What is damaged, for the clerk, from the error type (never its text: it may hold a sheet name)."""
    text = str(exc).lower()
    if isinstance(exc, zlib.error | EOFError) or "deflate" in text or "crc" in text:
        return "压缩数据有误"
    if isinstance(exc, ET.ParseError) or type(exc).__name__ == "XmlError":
        return "表格内容不完整"
    if isinstance(exc, KeyError) or type(exc).__name__ == "WorksheetNotFound":
        return "缺少工作表或其组成部分"
    return "文件结构有误"


def _cfb_streams(data: bytes) -> set[str]:
    """Names of the well-known streams an OLE/CFB container holds: their names are UTF-16-LE in its
    directory entries (a cheap look, enough to tell an encrypted xlsx or a workbook from other files)."""
    known = ("EncryptedPackage", "EncryptionInfo", "Workbook", "Book", "WordDocument", "PowerPoint Document")
    return {n for n in known if (n + "\0").encode("utf-16-le") in data}


def _encrypted(path: Path) -> UnreadableFileError:
    return UnreadableFileError(
        path,
        "文件设有打开密码（已加密），无法读取",
        "没有密码的文件：请在Excel中打开，取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后保存，"
        "再放入着陆文件夹",
    )


def _cfb_truncated(data: bytes) -> bool:
    """An OLE/CFB container cut short: its header points at sectors (the allocation table's, the
    directory's) beyond the end of the file."""
    if len(data) < 512:
        return True
    try:
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        directory = struct.unpack_from("<I", data, 0x30)[0]
        fat = struct.unpack_from("<109I", data, 0x4C)
    except struct.error:
        return True
    size = 1 << min(shift, 16)
    used = [s for s in (directory, *fat) if s < 0xFFFFFFFA]
    return any((s + 2) * size > len(data) for s in used)


def _open_error(path: Path, data: bytes, kind: str, exc: Exception) -> UnreadableFileError:
    streams = _cfb_streams(data) if kind == "xls" else set()
    if type(exc).__name__ == "PasswordError" or "EncryptedPackage" in streams:
        return _encrypted(path)
    if kind == "xls" and _cfb_truncated(data):
        return damaged_file(path, "文件不完整，可能只拷贝了一部分")
    if kind == "xlsx" or streams & {"Workbook", "Book"}:  # it is a workbook: a damaged one
        return damaged_file(path, _damage_zh(exc))
    if streams:  # a Word or PowerPoint file named as a workbook
        return UnreadableFileError(path, "不是Excel文件（是Word等其他Office文件）", EXPECTED_ZH)
    return UnreadableFileError(path, "无法作为Excel文件打开（可能已损坏，或不是Excel文件）", REEXPORT_ZH)


def read_excel(path: Path, kind: str, data: bytes | None = None) -> Workbook:
    import python_calamine

    data = path.read_bytes() if data is None else data
    try:  # from the content, not the extension (an .xlsx saved as .xls)
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        metas = wb.sheets_metadata
    except Exception as exc:  # calamine raises its own error types
        raise _open_error(path, data, kind, exc) from None
    flagged_sheets = _xlsx_cells_without_value(path, data) if kind == "xlsx" else {}
    sheets: list[tuple[Grid, bool]] = []
    for i, meta in enumerate(metas):
        if "WorkSheet" not in str(meta.typ):
            continue
        try:
            sheet = wb.get_sheet_by_index(i)
            rows = [list(r) for r in sheet.to_python(skip_empty_area=False)]
            merged = sheet.merged_cell_ranges or []
        except Exception as exc:  # the sheet's name stays out: it may be a person's
            raise damaged_file(path, f"第{i + 1}个工作表无法读取：{_damage_zh(exc)}") from None
        filled = fill_merged_down(rows, [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in merged])
        grid = Grid(rows, 1, meta.name, numeric_text=True, merged=filled)
        for at, flag in flagged_sheets.get(meta.name, ()):
            grid.cell_flags[at] = flag
        sheets.append((grid, str(meta.visible).endswith(".Visible")))
    return Workbook(kind, sheets)


def fill_merged_down(rows: list[list[Any]], regions: list[tuple[int, int, int, int]]) -> set[tuple[int, int]]:
    """Give each row of a merged region (r0, c0, r1, c1; 0-based, inclusive) spanning rows the value its
    top row shows in that column, as the clerk sees it: a household's 户主身份证号码, 家庭人口 or 发放年月
    merged down over its members' rows. Only down, never across: a region one row high (a title, a group
    header over several columns, a 合计 label) stays as it is, since the rows' kinds are told by their
    cells (a repeated title has one). Cells that hold a value of their own are kept. Returns the (row, col)
    filled, for the reader to refuse a merge over what cannot be shared (a person's own ID or name)."""
    filled: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in regions:
        if r1 <= r0 or r0 >= len(rows):
            continue
        top = rows[r0]
        for c in range(c0, min(c1, len(top) - 1) + 1):
            value = top[c]
            if value is None or value == "":
                continue
            for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):
                row = rows[r]
                if len(row) <= c:
                    row.extend([None] * (c + 1 - len(row)))
                if row[c] is None or row[c] == "":
                    row[c] = value
                    filled.add((r, c))
    return filled


_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _xlsx_cells_without_value(
    path: Path, data: bytes
) -> dict[str, list[tuple[tuple[int, int], tuple[str, str]]]]:
    """{sheet name: [((row, col) 0-based, (reason code, detail))]} of the cells that show no value:
    formula cells without a cached value, and error values (#N/A, #DIV/0!, #REF!, #VALUE!: calamine
    reads them as empty, which would load an optional column's error as a blank). Reading every sheet
    also checks its compressed data: a damaged workbook is refused as damaged, naming what is."""
    out: dict[str, list[tuple[tuple[int, int], tuple[str, str]]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names:
                return out
            ns = {
                "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
            }
            wb = ET.fromstring(zf.read("xl/workbook.xml"))
            rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
            targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
            for sheet in wb.iter(f"{{{ns['m']}}}sheet"):
                rid = sheet.get(f"{{{ns['r']}}}id")
                target = targets.get(rid, "").lstrip("/")
                member = target if target.startswith("xl/") else f"xl/{target}"
                if member not in names:
                    continue
                xml = zf.read(member)
                if b"<f" not in xml and b":f" not in xml and b't="e"' not in xml:
                    continue
                cells = []
                for _, el in ET.iterparse(io.BytesIO(xml)):
                    if el.tag.endswith("}c"):
                        f = v = None
                        for child in el:
                            if child.tag.endswith("}f"):
                                f = child
                            elif child.tag.endswith("}v") or child.tag.endswith("}is"):
                                v = child
                        value = "".join(v.itertext()) if v is not None else ""
                        m = _REF.match(el.get("r", ""))
                        if m and el.get("t") == "e":  # an error value (calamine reads it as empty)
                            at = (int(m.group(2)) - 1, _col_index(m.group(1)))
                            cells.append((at, ("error_value", f"单元格显示错误值{value[:12]}")))
                        elif f is not None and not value and m:
                            at = (int(m.group(2)) - 1, _col_index(m.group(1)))
                            cells.append((at, ("formula_no_value", "公式单元格没有计算结果")))
                        el.clear()
                if cells:
                    out[sheet.get("name", "")] = cells
    except _DAMAGED as exc:
        raise damaged_file(path, _damage_zh(exc)) from None
    return out


# -- cell values to text --------------------------------------------------------------------------------------------
def _old_id_number(value: float) -> bool:
    """A whole number of 15 digits: an old 15-digit ID stored as a number, which Excel (15 significant
    digits) and a float hold exactly; an 18-digit one has lost its last digits."""
    return float(value).is_integer() and 1e14 <= value < 1e15


def cell_text(value: Any, as_id: bool = False) -> str | None:
    """A typed cell as the text a clerk sees. Numbers in an ID column are written in scientific form so
    ingestion quarantines them (an 18-digit ID stored as a number has lost its last digits); a 15-digit
    old ID stored as a number is exact and kept as its digits."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return f"{value:.15e}" if as_id and not _old_id_number(value) else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if as_id:
            return str(int(value)) if _old_id_number(value) else f"{value:.15e}"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.timedelta):  # an [h]:mm cell: hours:minutes:seconds, as Excel shows it
        seconds = round(value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def open_workbook(path: Path) -> Workbook:
    book = _open(path, read_text)
    assert isinstance(book, Workbook)
    return book


def open_export(path: Path) -> Workbook | TextTable:
    """As open_workbook, but a text export whose records are its lines comes as a TextTable."""
    return _open(path, read_text_table)


def _open(path: Path, text_reader: Callable[[Path, bytes], Workbook | TextTable]) -> Workbook | TextTable:
    with open(path, "rb") as fh:
        head = fh.read(8192)
    kind = sniff(head)
    if kind in ("xlsx", "xls"):
        data = path.read_bytes()
        if kind == "xlsx" and not _is_xlsx(path, data):
            raise UnreadableFileError(
                path, "文件是压缩包，但不是Excel工作簿（无法作为Excel文件打开）", EXPECTED_ZH
            )
        return read_excel(path, kind, data)
    if kind == "binary":
        raise UnreadableFileError(path, "不是表格文件（含二进制内容）", EXPECTED_ZH)
    raw = path.read_bytes()
    if kind == "text":
        raw = _unpadded(raw)
    if kind == "xml2003":
        return read_xml2003(path, raw)
    if kind == "html":
        return read_html(path, raw)
    if kind == "text" and path.suffix.lower() in (".xlsx", ".xls") and _looks_like_markup(raw[:4096]):
        raise UnreadableFileError(
            path, "扩展名是Excel，但内容不是Excel文件", "从金民工程重新导出的 .xlsx 或 .xls 文件"
        )
    return text_reader(path, raw)


def _looks_like_markup(head: bytes) -> bool:
    return head.lstrip().startswith(b"<")


def _is_xlsx(path: Path, data: bytes) -> bool:
    """A zip holding a workbook (xl/...). A zip whose directory cannot be read is a damaged file (a
    truncated copy or download), not some other zip: refused as damaged."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return any(n.startswith("xl/") for n in zf.namelist())
    except _DAMAGED:
        raise damaged_file(path, "压缩包不完整，可能只拷贝了一部分") from None
