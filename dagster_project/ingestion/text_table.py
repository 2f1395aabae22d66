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


def choose_delimiter(text: str) -> str:
    """Tab when the first lines hold more tabs than commas (tab-separated "Unicode text"), else comma."""
    head_lines = text[:65536].splitlines()[:30]
    tabs = sum(ln.count("\t") for ln in head_lines)
    commas = sum(ln.count(",") for ln in head_lines)
    return "\t" if tabs > commas else ","


def split_lines(data: bytes, delimiter: str) -> pl.DataFrame | None:
    """The cells of UTF-8 `data` (see TextTable.cells), or None when its records may not be its lines
    split at the delimiter: a NUL byte (an error for the csv module), a carriage return outside a CRLF
    line end (a line break for it), or a quote anywhere but around a whole cell (`"…"` holding no quote,
    so no doubled quote; a quoted delimiter or line break leaves a piece that is not whole, so it is
    caught too). A whole quoted cell is its inner text, as the csv module reads it.

    polars' CSV reader splits the lines (in parallel, no quote handling), into as many columns as the
    longest line has cells; blank lines stay as rows of nulls, so row i is line i + 1."""
    if b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if not data:
        return pl.DataFrame({cell_column(0): pl.Series([], dtype=pl.String)})
    try:  # as wide as the widest of the first lines (the header): a longer line later is an error
        cells = _read_cells(data, delimiter, _widest_line(data[:HEAD_BYTES], delimiter))
    except pl.exceptions.ComputeError:
        cells = _read_cells(data, delimiter, _widest_line(data, delimiter))
    if cells.height != lines:
        return None
    if b'"' in data:
        cells = _unquoted(cells)
    return cells


def _read_cells(data: bytes, delimiter: str, width: int) -> pl.DataFrame:
    return pl.read_csv(
        data,
        has_header=False,
        separator=delimiter,
        quote_char=None,
        schema={cell_column(i): pl.String for i in range(width)},
        missing_columns="insert",
        raise_if_empty=False,
    )


def _unquoted(cells: pl.DataFrame) -> pl.DataFrame | None:
    """Whole quoted cells as their inner text (an empty one as null), or None if a quote is anywhere
    else. Literal string operations only: a regex over every cell costs more than the split."""
    has_quote = [c for c in cells.columns if cells[c].str.contains('"', literal=True).any()]
    if not has_quote:
        return cells
    q = pl.col(has_quote)
    inner = q.str.slice(1).str.strip_suffix('"')
    whole = q.str.starts_with('"') & q.str.ends_with('"') & (q.str.len_bytes() >= 2)
    stray = q.str.contains('"', literal=True) & ~(whole & ~inner.str.contains('"', literal=True))
    if cells.select(pl.any_horizontal(stray).any()).item():
        return None
    return cells.with_columns(pl.when(whole).then(pl.when(inner != "").then(inner)).otherwise(q).name.keep())


def _widest_line(data: bytes, delimiter: str) -> int:
    """The most cells on one line: delimiters per line counted over the bytes (UTF-8 never holds an
    ASCII byte inside a multi-byte character)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    line_ends = np.flatnonzero(raw == ord("\n"))
    delimiters = np.flatnonzero(raw == ord(delimiter))
    if delimiters.size == 0:
        return 1
    return int(np.bincount(np.searchsorted(line_ends, delimiters)).max()) + 1
