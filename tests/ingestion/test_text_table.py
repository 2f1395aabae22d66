"""The native split of text exports (text_table.py) gives exactly the csv module's cells, or declines.

A property test over texts built from the fragments that make CSV hard (quotes, doubled quotes, quoted
delimiters, CR/LF/CRLF, blank lines, NUL, full-width spaces); then every hand-built export shape read both
ways by read_export must give the same RawSheet, and the shapes that should take the fast path take it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from dagster_project.ingestion import formats
from dagster_project.ingestion.errors import UnreadableFileError
from dagster_project.ingestion.readers import RawSheet, read_export
from dagster_project.ingestion.spec import ASSISTANCE
from dagster_project.ingestion.text_table import TextTable, split_lines

from .corpus import CASES
from .exports import clean_row, write_csv

FRAGMENTS = [
    "a",
    "7",
    "宝塔",
    " ",
    "\u3000",
    ",",
    ",",
    "\t",
    '"',
    '""',
    '"x"',
    '"a,b"',
    'x"y',
    "\n",
    "\r\n",
    "\r",
    "\x00",
    "",
]


def _csv_cells(text: str, delimiter: str) -> list[list[str | None]] | None:
    """What formats.read_text makes of the text: the csv module's records, '' as None (None: an error)."""
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [[c if c != "" else None for c in record] for record in reader]
    except csv.Error:
        return None


def _padded(rows: list[list[str | None]], width: int) -> list[list[str | None]]:
    return [list(r) + [None] * (width - len(r)) for r in rows]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30), st.sampled_from([",", "\t"]))
def test_split_lines_is_the_csv_module_or_declines(fragments: list[str], delimiter: str) -> None:
    text = "".join(fragments)
    cells = split_lines(text.encode("utf-8"), delimiter)
    if cells is None:
        return
    expected = _csv_cells(text, delimiter)
    assert expected is not None, "the fast path accepted a text the csv module refuses"
    got = [list(r) for r in cells.rows()]
    width = max([len(r) for r in expected] + [cells.width])
    assert _padded(got, width) == _padded(expected, width)


def test_common_shapes_take_the_fast_path() -> None:
    """Plain lines, CRLF, blank lines, whole quoted cells (the simulator writes "" for an empty one)."""
    for text in ["a,b\r\n1,2\r\n", 'a,""\n\n"1",2\n3', "标题\r\n序号,姓名\r\n1,\r\n"]:
        assert split_lines(text.encode("utf-8"), ",") is not None, text
    for text in ['"a,b",c\n', 'a,"x""y"\n', '"a\nb",c\n', "a\rb\n", "a\x00\n"]:
        assert split_lines(text.encode("utf-8"), ",") is None, text


def test_a_long_line_far_down_widens_the_table() -> None:
    """The width is guessed from the first lines; a wider line beyond them must still be read whole."""
    lines = [
        "标题",
        "序号,姓名,金额",
        *[f"{i},张三,{i}.5" for i in range(1, 20_000)],
        "20000,李四,1,多,出,来",
    ]
    text = "\r\n".join(lines) + "\r\n"
    assert len(text.encode("utf-8")) > 1 << 16
    cells = split_lines(text.encode("utf-8"), ",")
    assert cells is not None and cells.width == 6
    expected = _csv_cells(text, ",")
    assert expected is not None
    assert _padded([list(r) for r in cells.rows()], 6) == _padded(expected, 6)


def _read(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> RawSheet | str:
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(formats, "split_lines", lambda data, delimiter: None)
        try:
            return read_export(path, ASSISTANCE)
        except UnreadableFileError as err:
            return str(err)


def _assert_same(a: RawSheet | str, b: RawSheet | str) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert_frame_equal(a.frame, b.frame)
    assert_frame_equal(a.flags, b.flags)
    for attr in ("header_row", "title", "dropped_rows", "skipped", "totals", "sheet", "cell_sums"):
        assert getattr(a, attr) == getattr(b, attr), attr


def test_empty_and_headerless_texts_same_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, data in [
        ("empty", b""),
        ("blank", b"\r\n\r\n"),
        ("no-header", "甲,乙\r\n1,2\r\n".encode("gbk")),
    ]:
        path = tmp_path / f"610602_{name}.csv"
        path.write_bytes(data)
        fast, slow = _read(path, True, monkeypatch), _read(path, False, monkeypatch)
        assert isinstance(fast, str), name
        _assert_same(fast, slow)


FAST_CASES = {
    "summaries-footers-repeated-header",
    "undecodable-byte",
    "shifted-row",
    "out-of-range-and-non-finite",
}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_read_export_same_either_way(case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / case.filename
    case.build(path)
    _assert_same(_read(path, True, monkeypatch), _read(path, False, monkeypatch))
    if case.name in FAST_CASES:
        assert isinstance(formats.open_export(path), TextTable), "expected the native split"


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_large_export_same_either_way(encoding: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [clean_row(i, amount=f"{600 + i % 300}.50") for i in range(1, 20_001)]
    for i in range(0, 20_000, 997):
        rows[i][6] = "城市低保 " if i % 2 else "农村低保\u3000"  # cells that need normalising
    rows[500] = ["本页小计", "", "", "", "", "", "", "1000", "", "", ""]
    rows[501] = []
    path = write_csv(tmp_path / "610602_宝塔区.csv", rows, encoding)
    with open(path, "ab") as fh:
        fh.write('制表人：张三,,,,,,,,,,""\r\n'.encode("gbk" if encoding == "gbk" else "utf-8"))
    assert isinstance(formats.open_export(path), TextTable)
    fast, slow = _read(path, True, monkeypatch), _read(path, False, monkeypatch)
    _assert_same(fast, slow)
    assert isinstance(fast, RawSheet) and fast.frame.height == 19_998
    assert fast.skipped == {"summary": 2, "blank": 1, "footer": 1}
