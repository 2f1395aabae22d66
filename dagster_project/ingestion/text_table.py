"""Delimited text whose records are its lines, split into cells in native code, not row by row.

In most CSV exports every physical line is one record, and a quote, where there is one, encloses a whole
cell (`"…"`, often an empty `""`). Then splitting each line at the delimiter and unwrapping the quoted
cells is exactly what the stdlib csv reader does, and polars' CSV reader (without quote handling, run in
parallel) does it about 10x faster than the csv module plus building columns from Python lists. Any
other text (a quoted delimiter, a record spanning lines, a doubled quote, a NUL byte, a lone carriage
return) needs the csv module's rules: `split_lines` returns None and the caller reads it with
formats.read_text, which gives the same cells on every text the fast path accepts (tests/ingestion).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import polars as pl

HEAD_BYTES = 1 << 16


def cell_column(pos: int) -> str:
    return f"c{pos}"


@dataclass(frozen=True)
class TextTable:
    """Cells of a delimited text, one row per record (record i is physical line i + 1): String columns
    c0..c<width-1>, an empty cell as null (as formats.read_text gives None), a short line padded with
    nulls. `row_flags` (record index -> (code, detail)) marks records with undecodable bytes."""

    cells: pl.DataFrame
    row_flags: dict[int, tuple[str, str]]

    def head(self, n: int) -> list[list[str | None]]:
        return [list(r) for r in self.cells.head(n).rows()]


_DELIMITERS = ("\t", ",", ";", "|")  # in order of preference on a tie


def choose_delimiter(text: str) -> str:
    """The delimiter of a text export: of tab, comma, semicolon and pipe, the one that splits the most of
    the first lines into the same number of cells (the header's and the data rows'; a title line holds
    none). A comma in an amount (1,234.50) or a semicolon in a note varies from line to line, the real
    delimiter does not. A text with none of them is comma-separated (one cell per line)."""
    head_lines = [ln for ln in text[:65536].splitlines()[:30] if ln.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        counts = Counter(ln.count(delimiter) for ln in head_lines)
        counts.pop(0, None)
        if not counts:
            continue
        cells, lines = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if (lines, cells) > best_score:
            best, best_score = delimiter, (lines, cells)
    return best


def split_lines(data: bytes, delimiter: str) -> pl.DataFrame | None:
    """The cells of UTF-8 `data` (see TextTable.cells), or None when its records may not be its lines
    split at the delimiter: a NUL byte (an error for the csv module), a carriage return outside a CRLF
    line end (a line break for it), or a quote anywhere but around a whole cell (`"…"` holding no quote,
    delimiter or line break; see _quotes_wrap_whole_cells). A quoted cell is its inner text, as the csv
    module reads it (and polars' reader, given only such quotes).

    polars' CSV reader splits the lines (in parallel), into as many columns as the longest line has
    cells; blank lines stay as rows of nulls, so row i is line i + 1."""
    if b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if not data:
        return pl.DataFrame({cell_column(0): pl.Series([], dtype=pl.String)})
    quoted = b'"' in data
    if quoted and not _quotes_wrap_whole_cells(data, delimiter):
        return None
    try:  # as wide as the widest of the first lines (the header): a longer line later is an error
        cells = _read_cells(data, delimiter, _widest_line(data[:HEAD_BYTES], delimiter), quoted)
    except pl.exceptions.ComputeError:
        cells = _read_cells(data, delimiter, _widest_line(data, delimiter), quoted)
    if cells.height != lines:
        return None
    return cells


def _read_cells(data: bytes, delimiter: str, width: int, quoted: bool) -> pl.DataFrame:
    return pl.read_csv(
        data,
        has_header=False,
        separator=delimiter,
        quote_char='"' if quoted else None,
        schema={cell_column(i): pl.String for i in range(width)},
        missing_columns="insert",
        null_values=[""],  # an empty cell, quoted ("") or not, is None as in formats.read_text
        raise_if_empty=False,
    )


def _quotes_wrap_whole_cells(data: bytes, delimiter: str) -> bool:
    """Every quote pairs up with the next one around a whole cell: the opening one at the start of a cell
    (line start or after a delimiter), the closing one at its end (before a delimiter, a line end or the
    end of the text), with no delimiter, line break or other quote between them. Counted over the bytes
    (UTF-8 never holds an ASCII byte inside a multi-byte character)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(raw == ord('"'))
    if quotes.size % 2:
        return False
    opens, closes = quotes[0::2], quotes[1::2]
    sep, cr, lf = ord(delimiter), ord("\r"), ord("\n")
    before, after = raw[np.maximum(opens - 1, 0)], raw[np.minimum(closes + 1, raw.size - 1)]
    opens_ok = (opens == 0) | (before == sep) | (before == lf)
    closes_ok = (closes == raw.size - 1) | (after == sep) | (after == cr) | (after == lf)
    if not (opens_ok.all() and closes_ok.all()):
        return False
    breaks = np.flatnonzero((raw == sep) | (raw == cr) | (raw == lf))
    return bool((np.searchsorted(breaks, closes) == np.searchsorted(breaks, opens)).all())


def _widest_line(data: bytes, delimiter: str) -> int:
    """The most cells on one line: delimiters per line counted over the bytes (UTF-8 never holds an
    ASCII byte inside a multi-byte character)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    line_ends = np.flatnonzero(raw == ord("\n"))
    delimiters = np.flatnonzero(raw == ord(delimiter))
    if delimiters.size == 0:
        return 1
    return int(np.bincount(np.searchsorted(line_ends, delimiters)).max()) + 1
