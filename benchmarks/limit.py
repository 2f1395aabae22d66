"""The physical limit: read the same files into memory as a table, with no cleaning at all.

CSV UTF-8: DuckDB's read_csv into an in-memory table (every cell VARCHAR, no sniffing, all lines).
CSV GBK: DuckDB reads only UTF-8, so the file is first decoded (gb18030) and re-encoded to UTF-8 in a
RAM-backed temp file; the decode is timed separately and is part of this format's limit.
xlsx / xls: calamine (fastexcel) loads the sheet as strings into an Arrow-backed frame.
The shapes some systems write instead of a workbook (simulator export_shape): an "xls" that is an HTML
table (lxml parses it, rows counted), XML Spreadsheet 2003 (ElementTree parses it, rows counted),
UTF-16 "Unicode text" (decoded, split into tab-separated cells).
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import duckdb
import fastexcel
import lxml.html

RAM_DIR = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())


@dataclass
class LimitTiming:
    seconds: float  # total, decode included
    decode: float  # GBK -> UTF-8 (0 for other formats)
    lines: int  # every line/row read, title, header and 合计 included


def _width(first_line: str) -> int:
    return first_line.count(",") + 1  # exports pad every line to the header width


def read_csv_sql(width: int, path: str = "?") -> str:
    """DuckDB's read_csv of every line as `width` VARCHAR cells c0.., no sniffing (`path`: a parameter
    marker, or a quoted literal)."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    return (
        f"read_csv({path}, columns = {columns}, header = false, delim = ',', quote = '\"', escape = '\"', "
        "auto_detect = false, null_padding = true, strict_mode = false)"
    )


def duckdb_csv(con: duckdb.DuckDBPyConnection, path: Path, width: int) -> int:
    con.execute(f"CREATE OR REPLACE TEMP TABLE _limit AS SELECT * FROM {read_csv_sql(width)}", [str(path)])
    row = con.execute("SELECT count(*) FROM _limit").fetchone()
    return int(row[0]) if row else 0


XML_ROW = "{urn:schemas-microsoft-com:office:spreadsheet}Row"


def _container_limit(path: Path, fmt: str) -> LimitTiming:
    t = time.perf_counter()
    if fmt == "html":
        lines = len(lxml.html.fromstring(path.read_bytes()).xpath("//tr"))
    elif fmt == "xml2003":
        lines = sum(1 for _ in ET.parse(path).getroot().iter(XML_ROW))
    else:  # text-utf16
        lines = len([line.split("\t") for line in path.read_bytes().decode("utf-16").splitlines()])
    return LimitTiming(time.perf_counter() - t, 0.0, lines)


def read_limit(path: Path, fmt: str, con: duckdb.DuckDBPyConnection) -> LimitTiming:
    if fmt in ("html", "xml2003", "text-utf16"):
        return _container_limit(path, fmt)
    if fmt in ("xlsx", "xls"):
        t = time.perf_counter()
        frame = fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, dtypes="string").to_arrow()
        return LimitTiming(time.perf_counter() - t, 0.0, frame.num_rows)
    if fmt == "csv-gbk":
        t = time.perf_counter()
        text = path.read_bytes().decode("gb18030")
        fd, tmp_name = tempfile.mkstemp(suffix=".csv", dir=RAM_DIR)
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
        decode = time.perf_counter() - t
        try:
            lines = duckdb_csv(con, Path(tmp_name), _width(text[: text.find("\n")]))
        finally:
            os.unlink(tmp_name)
        return LimitTiming(time.perf_counter() - t, decode, lines)
    t = time.perf_counter()
    with open(path, encoding="utf-8-sig") as fh:
        first = fh.readline()
    lines = duckdb_csv(con, path, _width(first))
    return LimitTiming(time.perf_counter() - t, 0.0, lines)
