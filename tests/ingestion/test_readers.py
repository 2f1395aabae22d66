from __future__ import annotations

from pathlib import Path

import pytest

from dagster_project.ingestion.errors import UnreadableFileError
from dagster_project.ingestion.readers import read_export
from dagster_project.ingestion.spec import ASSISTANCE

from .exports import ASSISTANCE_HEADER, clean_row, write_csv, write_xls, write_xlsx

ROWS = [clean_row(1), clean_row(2, name="李四"), clean_row(3, name="王五")]


@pytest.mark.parametrize(
    "writer",
    [
        lambda p: write_xlsx(p / "a.xlsx", ROWS),
        lambda p: write_xls(p / "a.xls", ROWS),
        lambda p: write_csv(p / "a.csv", ROWS, "gbk"),
        lambda p: write_csv(p / "a.csv", ROWS, "utf-8-sig"),
    ],
    ids=["xlsx", "xls", "csv-gbk", "csv-utf8-bom"],
)
def test_header_found_below_title_rows_and_totals_dropped(tmp_path: Path, writer) -> None:
    sheet = read_export(writer(tmp_path), ASSISTANCE)
    assert sheet.header_row == 3  # two title rows, then the header (1-based, as in Excel)
    assert "宝塔区2024年6月城乡低保对象花名册" in sheet.title
    assert sheet.frame["name"].to_list() == ["张三", "李四", "王五"]  # 合计 row dropped
    assert sheet.frame["_source_row"].to_list() == [4, 5, 6]
    assert sheet.dropped_rows == 1
    assert sheet.frame["id_number"].str.len_chars().to_list() == [18, 18, 18]


def test_row_numbers_count_leading_blank_rows(tmp_path: Path) -> None:
    """calamine starts at the first used row; the clerk's row numbers must still match Excel."""
    for path in (
        write_xlsx(tmp_path / "b.xlsx", ROWS, start_row=2),
        write_xls(tmp_path / "b.xls", ROWS, start_row=2),
    ):
        sheet = read_export(path, ASSISTANCE)
        assert sheet.header_row == 5, path.suffix
        assert sheet.frame["_source_row"].to_list() == [6, 7, 8], path.suffix


def test_header_variants_full_width_parentheses_and_aliases(tmp_path: Path) -> None:
    header = [{"身份证号码": "公民身份号码"}.get(h, h).replace("(元)", "（元）") for h in ASSISTANCE_HEADER]
    sheet = read_export(write_xlsx(tmp_path / "c.xlsx", ROWS, header=header), ASSISTANCE)
    assert sheet.frame["amount"].to_list() == ["800", "800", "800"]
    assert sheet.frame["id_number"].null_count() == 0


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    header = [h if h != "救助类别" else "备注" for h in ASSISTANCE_HEADER]
    path = write_csv(tmp_path / "610602_宝塔区.csv", ROWS, "gbk", header=header)
    with pytest.raises(UnreadableFileError) as err:
        read_export(path, ASSISTANCE)
    assert "610602_宝塔区.csv" in str(err.value)
    assert "缺少必需列：救助类别" in str(err.value)


def test_not_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "610602_宝塔区.xlsx"
    path.write_bytes(b"<html>session expired</html>")  # a web page without a table
    with pytest.raises(UnreadableFileError, match="文件中没有表格"):
        read_export(path, ASSISTANCE)


def test_no_recognisable_header(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "x.xlsx", ROWS, header=["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"]
    )
    with pytest.raises(UnreadableFileError, match="找不到社会救助对象花名册的表头"):
        read_export(path, ASSISTANCE)


def test_csv_in_each_encoding_reads_the_same_rows(tmp_path: Path) -> None:
    """UTF-8 (with or without BOM) goes to polars as it is, GBK is decoded first; a file whose head is
    UTF-8 but whose body is GBK (pasted together from two tools) is rejected with the clerk's message."""
    _HEAD_BYTES = 1 << 16  # formats.decode_text judges the encoding on the first 64 KiB

    rows = [clean_row(i, name=f"王{i}") for i in range(1, 4001)]  # > 256 KiB: the body outlives the head
    frames = {}
    for enc in ("gbk", "utf-8-sig"):
        frames[enc] = read_export(write_csv(tmp_path / f"{enc}.csv", rows, enc), ASSISTANCE).frame
    utf8 = (tmp_path / "utf-8-sig.csv").read_bytes()[3:]
    (tmp_path / "no-bom.csv").write_bytes(utf8)
    frames["utf-8"] = read_export(tmp_path / "no-bom.csv", ASSISTANCE).frame
    assert len(utf8) > _HEAD_BYTES
    cut = utf8.index(b"\r\n", _HEAD_BYTES) + 2
    (tmp_path / "mixed.csv").write_bytes(utf8[:cut] + utf8[cut:].decode("utf-8").encode("gbk"))
    with pytest.raises(UnreadableFileError, match=r"mixed.csv：文本编码无法识别：第\d+行（字节位置 \d+）"):
        read_export(tmp_path / "mixed.csv", ASSISTANCE)
    assert frames["gbk"].height == 4000
    for enc, frame in frames.items():
        assert frame.equals(frames["gbk"]), enc
