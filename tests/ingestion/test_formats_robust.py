"""formats.py on the shapes that used to refuse a whole file or quarantine good rows: text in every
encoding with one bad line, multi-line CSV cells, encrypted and damaged workbooks, merged cells.

Every case is a real file read by read_export or loaded by load_partition into a real DuckDB."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
import xlwt

from dagster_project.ingestion.pipeline import load_partition
from dagster_project.ingestion.readers import SOURCE_SHEET, read_export
from dagster_project.ingestion.spec import ASSISTANCE, ELDERCARE

from .conftest import PERIOD
from .exports import ASSISTANCE_HEADER, TITLE, TOWNSHIP, clean_row, totals_row, write_xlsx
from .test_corpus import assert_no_personal_data

FOLDER = "assistance/2024-06"
FIXTURES = Path(__file__).parent / "fixtures"
NAMES = ["张伟", "王芳", "李娜", "刘洋"]


def _flags(sheet) -> list[tuple]:
    """(row, column, reason code, detail) of each problem found reading (the sheet left out)."""
    if sheet.flags is None:
        return []
    return sheet.flags.drop(SOURCE_SHEET).rows()


def _load(con, landing, region, hasher, spec=ASSISTANCE):
    report = load_partition(con, spec, PERIOD, landing, region, hasher, raise_on_failure=False)
    (f,) = report.files
    return f


def _audit(con) -> tuple[str, int, int, int, int]:
    return con.execute(
        "SELECT status, rows_read, rows_loaded, rows_quarantined, rows_skipped FROM raw.load_audit"
    ).fetchone()


# -- encodings ----------------------------------------------------------------------------------------------
def _lines(names: list[str], delimiter: str, title: list[str] = TITLE) -> list[str]:
    rows = [clean_row(i, name=n) for i, n in enumerate(names, start=1)]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for t in title:
        w.writerow([t])
    for r in [ASSISTANCE_HEADER, *rows, totals_row(rows)]:
        w.writerow(r)
    return buf.getvalue().splitlines(keepends=True)


# (file encoding, BOM written, how line 5 (the 2nd data row) is damaged: None = not at all)
ENCODINGS = {
    "gbk": ("gbk", b"", "ff-byte"),
    "gbk-with-a-utf8-line": ("gbk", b"", "utf-8"),
    "gb18030-with-a-utf8-line": ("gb18030", b"", "utf-8"),
    "utf8-with-a-gbk-line": ("utf-8", b"", "gbk"),
    "utf8-bom-with-a-gbk-line": ("utf-8", b"\xef\xbb\xbf", "gbk"),
    "utf16le-bom": ("utf-16-le", b"\xff\xfe", "lone-surrogate"),
    "utf16be-bom": ("utf-16-be", b"\xfe\xff", "lone-surrogate"),
    "utf16le-no-bom": ("utf-16-le", b"", "lone-surrogate"),
    "utf16be-no-bom": ("utf-16-be", b"", "lone-surrogate"),
}


def _encoded(case: str, damaged: bool, title: list[str] = TITLE) -> tuple[bytes, str]:
    encoding, bom, damage = ENCODINGS[case]
    names = [*NAMES]
    if encoding == "gb18030":
        names[0] = "𠮷祥"  # a character GBK lacks (4 bytes in GB18030)
    delimiter = "\t" if encoding.startswith("utf-16") else ","
    out = [bom]
    for n, line in enumerate(_lines(names, delimiter, title), start=1):
        if damaged and n == len(title) + 3:
            if damage == "ff-byte":
                data = line.encode(encoding)
                out.append(data[:4] + b"\xff" + data[4:])
            elif damage == "lone-surrogate":  # an unpaired high surrogate before the name
                unit = b"\x00\xd8" if encoding.endswith("le") else b"\xd8\x00"
                cut = line.index(names[1])
                out.append(line[:cut].encode(encoding) + unit + line[cut:].encode(encoding))
            else:
                out.append(line.encode(damage))
        else:
            out.append(line.encode(encoding))
    return b"".join(out), ".txt" if delimiter == "\t" else ".csv"


@pytest.mark.parametrize("damaged", [False, True], ids=["clean", "one-bad-line"])
@pytest.mark.parametrize("case", list(ENCODINGS))
def test_text_in_each_encoding_with_a_chinese_title_and_one_bad_line(
    case: str, damaged: bool, tmp_path: Path, con, landing, region, hasher
) -> None:
    """The title (Chinese from its first character) and the header are read in every encoding; a line in
    another encoding or with an undecodable byte quarantines that row only, naming its line."""
    data, suffix = _encoded(case, damaged)
    path = tmp_path / f"610602_宝塔区{suffix}"
    path.write_bytes(data)
    sheet = read_export(path, ASSISTANCE)
    assert sheet.title.startswith("宝塔区2024年6月城乡低保对象花名册")
    names = sheet.frame["name"].to_list()
    expected = ["𠮷祥" if "gb18030" in case else NAMES[0], *NAMES[1:]]
    assert [n for i, n in enumerate(names) if i != 1] == [n for i, n in enumerate(expected) if i != 1]
    flags = _flags(sheet)
    if damaged:
        assert [(row, code) for row, _, code, _ in flags] == [(5, "undecodable")]
        assert flags[0][3].startswith("第5行")
    else:
        assert names == expected and flags == []

    target = landing / FOLDER / path.name
    target.parent.mkdir(parents=True)
    target.write_bytes(data)
    f = _load(con, landing, region, hasher)
    assert _audit(con) == ("loaded", 5, 3 if damaged else 4, 1 if damaged else 0, 1), f.message
    reasons = con.execute("SELECT reason_code, reason FROM raw.quarantine").fetchall()
    assert ("undecodable" in {code for code, _ in reasons}) is damaged  # (and what the other bytes broke)
    assert all(reason.startswith("第5行") for _, reason in reasons)
    assert_no_personal_data(con, [f.message or "", *(r for _, r in reasons)])


@pytest.mark.parametrize("case", ["utf16le-no-bom", "utf16be-no-bom"])
def test_utf16_without_bom_whose_first_512_bytes_are_all_chinese(case: str, tmp_path: Path) -> None:
    title = ["宝塔区城乡低保对象花名册" + "（城市低保、农村低保、特困供养、临时救助）" * 12]
    data, _ = _encoded(case, False, title)
    assert b"\x00" not in data[:512]
    path = tmp_path / "610602_宝塔区.txt"
    path.write_bytes(data)
    assert read_export(path, ASSISTANCE).frame["name"].to_list() == NAMES


def test_gbk_file_with_a_few_chinese_characters_and_one_utf8_line(tmp_path: Path) -> None:
    """A small GBK file: the UTF-8 line must not win the file over because the GBK text is short."""
    rows = [clean_row(i, name="Li") for i in range(1, 4)]
    lines = _lines([], ",", ["花名册"])[:2]  # title, header
    body = [",".join(r) + "\r\n" for r in rows]
    body[1] = ",".join(clean_row(2, name="王小明")).replace("城市低保", "农村低保") + "\r\n"
    data = (
        "".join(lines).encode("gbk") + body[0].encode("gbk") + body[1].encode("utf-8") + body[2].encode("gbk")
    )
    path = tmp_path / "610602_宝塔区.csv"
    path.write_bytes(data)
    sheet = read_export(path, ASSISTANCE)
    assert sheet.header_row == 2
    assert [(r[0], r[2]) for r in _flags(sheet)] == [(4, "undecodable")]
    assert "UTF-8" in _flags(sheet)[0][3]


# -- CSV cells spanning lines ---------------------------------------------------------------------------------
ELDER_HEADER = [
    "序号",
    "机构名称",
    "统一社会信用代码",
    "机构类型",
    "床位总数",
    "护理型床位数",
    "在院人数",
    "乡镇代码",
]


def _elder_row(i: int, name: str) -> list[str]:
    return [str(i), name, f"52610602MJ00000{i}X", "公办养老院", "100", "60", "80", TOWNSHIP]


def _elder_csv(landing: Path, rows: list[list[str]], tail: str = "") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for r in [["宝塔区养老机构床位情况"], ELDER_HEADER, *rows]:
        w.writerow(r)
    path = landing / "eldercare/2024-06/610602_宝塔区.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes((buf.getvalue() + tail).encode("utf-8-sig"))
    return path


def test_quoted_cell_wrapped_with_alt_enter_is_loaded(con, landing, region, hasher) -> None:
    rows = [
        _elder_row(1, "宝塔区第一敬老院"),
        _elder_row(2, "宝塔区\r\n社会福利\r\n中心"),
        _elder_row(3, "枣园敬老院"),
    ]
    _elder_csv(landing, rows)
    f = _load(con, landing, region, hasher, ELDERCARE)
    assert _audit(con) == ("loaded", 3, 3, 0, 0), f.message
    names = con.execute(
        "SELECT institution_name FROM raw.eldercare_institutions ORDER BY _source_row"
    ).fetchall()
    assert names[0] == ("宝塔区第一敬老院",) and "社会福利" in names[1][0] and names[2] == ("枣园敬老院",)


def test_stray_quote_that_swallows_rows_is_still_flagged(con, landing, region, hasher) -> None:
    """`"二级` typed into 残疾等级: the csv module runs the next rows into that cell."""
    rows = [clean_row(i, name=n) for i, n in enumerate(NAMES, start=1)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for r in [*([t] for t in TITLE), ASSISTANCE_HEADER, *rows]:
        w.writerow(r)
    text = buf.getvalue().replace(",2024-06,\r\n2,", ',2024-06,"二级\r\n2,', 1)
    path = landing / FOLDER / "610602_宝塔区.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(text.encode("gbk"))
    f = _load(con, landing, region, hasher)
    status, read, loaded, quarantined, skipped = _audit(con)
    assert (status, loaded, quarantined) == ("loaded", 0, 1), f.message
    (reason,) = con.execute("SELECT reason FROM raw.quarantine WHERE reason_code = 'csv_quote'").fetchone()
    assert reason.startswith("第4行") and "第4至7行被引号合并为一行" in reason


@pytest.mark.parametrize("swallowed", [1, 2])
def test_unclosed_quote_swallowing_one_or_two_rows_is_flagged(swallowed: int, tmp_path: Path) -> None:
    """A record of two physical lines is flagged too when its second line is a whole record."""
    rows = [_elder_row(i, f"敬老院{i}") for i in range(1, 5)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for r in [["宝塔区养老机构床位情况"], ELDER_HEADER, *rows]:
        w.writerow(r)
    text = buf.getvalue().replace("2,敬老院2", '2,"敬老院2', 1)
    if swallowed == 1:  # the stray quote closes on the next row's quoted cell: both rows become one record
        text = text.replace("3,敬老院3", '3,"敬老院3"', 1)
    path = tmp_path / "610602_宝塔区.csv"
    path.write_bytes(text.encode("utf-8"))
    sheet = read_export(path, ELDERCARE)
    assert [(r[0], r[2]) for r in _flags(sheet)] == [(4, "csv_quote")]


# -- encrypted and damaged workbooks ----------------------------------------------------------------------------
def test_password_protected_xlsx_says_so(con, landing, region, hasher) -> None:
    """An xlsx with an open password is an OLE container holding EncryptionInfo and EncryptedPackage."""
    path = landing / FOLDER / "610602_宝塔区.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes((FIXTURES / "encrypted_open_password_1234.xlsx").read_bytes())
    f = _load(con, landing, region, hasher)
    assert f.status == "failed"
    assert "610602_宝塔区.xlsx" in f.message and "文件设有打开密码（已加密）" in f.message
    assert "取消密码" in f.message and "CalamineError" not in f.message
    assert _audit(con)[0] == "failed"


def _xlsx_bytes(tmp_path: Path) -> bytes:
    return write_xlsx(
        tmp_path / "good.xlsx", [clean_row(i, name=n) for i, n in enumerate(NAMES, 1)]
    ).read_bytes()


def _rezip(data: bytes, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = change(info.filename, src.read(info.filename))
            if member is not None:
                dst.writestr(info.filename, member)
    return out.getvalue()


def _corrupt_deflate(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    b = bytearray(data)
    off = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    for k in range(off, off + 20):
        b[k] ^= 0x55
    return bytes(b)


def _xls_bytes(tmp_path: Path) -> bytes:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for j, h in enumerate(ASSISTANCE_HEADER):
        ws.write(0, j, h)
    wb.save(str(tmp_path / "good.xls"))
    return (tmp_path / "good.xls").read_bytes()


DAMAGE = {
    "corrupt-deflate-in-sheet": lambda x, _: _corrupt_deflate(x),
    "truncated-zip": lambda x, _: x[: len(x) // 2],
    "sheet-member-missing": lambda x, _: _rezip(x, lambda n, d: None if n.endswith("sheet1.xml") else d),
    "sheet-xml-cut": lambda x, _: _rezip(x, lambda n, d: d[: len(d) // 2] if n.endswith("sheet1.xml") else d),
    "workbook-xml-cut": lambda x, _: _rezip(
        x, lambda n, d: d[: len(d) // 2] if n == "xl/workbook.xml" else d
    ),
    "rels-missing": lambda x, _: _rezip(x, lambda n, d: None if n == "xl/_rels/workbook.xml.rels" else d),
    "xls-truncated": lambda _, p: _xls_bytes(p)[:1200],
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_workbook_is_refused_as_damaged(
    damage: str, tmp_path: Path, con, landing, region, hasher
) -> None:
    path = landing / FOLDER / "610602_宝塔区.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(DAMAGE[damage](_xlsx_bytes(tmp_path), tmp_path))
    f = _load(con, landing, region, hasher)
    assert f.status == "failed" and "610602_宝塔区.xlsx" in f.message
    assert "损坏" in f.message and "重新" in f.message, f.message
    assert "不是Excel工作簿" not in f.message and "读取或检查时出错" not in f.message, f.message
    assert "Error" not in f.message and "error" not in f.message, f.message
    if damage == "xls-truncated":
        assert "文件不完整" in f.message
    assert _audit(con)[0] == "failed"
    assert_no_personal_data(con, [f.message])


def test_zip_that_is_not_a_workbook_says_so(tmp_path: Path, con, landing, region, hasher) -> None:
    path = landing / FOLDER / "610602_宝塔区.xlsx"
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    f = _load(con, landing, region, hasher)
    assert f.status == "failed" and "不是Excel工作簿" in f.message


# -- merged cells --------------------------------------------------------------------------------------------
HOUSEHOLD = [4, 5, 9]  # 户主身份证号码, 家庭人口, 发放年月: merged down over the household's members


def _household_rows() -> list[list[str]]:
    rows = [clean_row(i, name=n) for i, n in enumerate(NAMES[:3], start=1)]
    for r in rows:
        r[4], r[5] = rows[0][4], "3"
    return rows


def _merged_xlsx(path: Path) -> None:
    rows = _household_rows()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("花名册")
    ws.merge_range(0, 0, 0, 10, TITLE[0])  # a title merged across: stays one cell
    ws.write_row(1, 0, ASSISTANCE_HEADER)
    for i, r in enumerate(rows, start=2):
        for j, v in enumerate(r):
            if j not in HOUSEHOLD:
                ws.write_string(i, j, v)
    for j in HOUSEHOLD:
        ws.merge_range(2, j, 4, j, rows[0][j])
    ws.write_row(5, 0, totals_row(rows))
    wb.close()


def _merged_xls(path: Path) -> None:
    rows = _household_rows()
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("花名册")
    ws.write_merge(0, 0, 0, 10, TITLE[0])
    for j, h in enumerate(ASSISTANCE_HEADER):
        ws.write(1, j, h)
    for i, r in enumerate(rows, start=2):
        for j, v in enumerate(r):
            if j not in HOUSEHOLD:
                ws.write(i, j, v)
    for j in HOUSEHOLD:
        ws.write_merge(2, 4, j, j, rows[0][j])
    for j, v in enumerate(totals_row(rows)):
        ws.write(5, j, v)
    wb.save(str(path))


def _merged_html(path: Path) -> None:
    rows = _household_rows()
    trs = [
        f'<tr><td colspan="11">{TITLE[0]}</td></tr>',
        "<tr>" + "".join(f"<th>{h}</th>" for h in ASSISTANCE_HEADER) + "</tr>",
    ]
    for i, r in enumerate(rows):
        tds = [
            f'<td rowspan="3">{v}</td>' if j in HOUSEHOLD else f"<td>{v}</td>"
            for j, v in enumerate(r)
            if i == 0 or j not in HOUSEHOLD
        ]
        trs.append("<tr>" + "".join(tds) + "</tr>")
    trs.append("<tr>" + "".join(f"<td>{v}</td>" for v in totals_row(rows)) + "</tr>")
    html = f'<html><head><meta charset="utf-8"></head><body><table>{"".join(trs)}</table></body></html>'
    path.write_bytes(html.encode("utf-8"))


def _merged_xml2003(path: Path) -> None:
    rows = _household_rows()

    def cell(v: str, j: int, attrs: str = "") -> str:
        return f'<Cell ss:Index="{j + 1}"{attrs}><Data ss:Type="String">{v}</Data></Cell>' if v else ""

    xml = [f'<Row><Cell ss:MergeAcross="10"><Data ss:Type="String">{TITLE[0]}</Data></Cell></Row>']
    xml.append("<Row>" + "".join(cell(h, j) for j, h in enumerate(ASSISTANCE_HEADER)) + "</Row>")
    for i, r in enumerate(rows):
        cells = [
            cell(v, j, ' ss:MergeDown="2"' if j in HOUSEHOLD else "")
            for j, v in enumerate(r)
            if i == 0 or j not in HOUSEHOLD
        ]
        xml.append("<Row>" + "".join(cells) + "</Row>")
    xml.append("<Row>" + "".join(cell(v, j) for j, v in enumerate(totals_row(rows))) + "</Row>")
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        f'<Worksheet ss:Name="花名册"><Table>{"".join(xml)}</Table></Worksheet></Workbook>'
    )
    path.write_bytes(doc.encode("utf-8"))


MERGED = {
    "xlsx": ("610602_宝塔区.xlsx", _merged_xlsx),
    "xls": ("610602_宝塔区.xls", _merged_xls),
    "html-rowspan": ("610602_宝塔区.xls", _merged_html),
    "xml2003-mergedown": ("610602_宝塔区.xls", _merged_xml2003),
}


@pytest.mark.parametrize("shape", list(MERGED))
def test_cells_merged_down_over_a_household_are_filled(
    shape: str, tmp_path: Path, con, landing, region, hasher
) -> None:
    name, build = MERGED[shape]
    build(tmp_path / name)
    sheet = read_export(tmp_path / name, ASSISTANCE)
    assert sheet.header_row == 2 and sheet.title == TITLE[0]
    expected = _household_rows()
    assert sheet.frame["household_id"].to_list() == [expected[0][4]] * 3
    assert sheet.frame["household_size"].to_list() == ["3"] * 3
    assert sheet.frame["pay_month"].to_list() == ["2024-06"] * 3
    assert sheet.skipped == {"summary": 1}

    path = landing / FOLDER / name
    path.parent.mkdir(parents=True)
    build(path)
    f = _load(con, landing, region, hasher)
    assert _audit(con) == ("loaded", 4, 3, 0, 1), f.message
    households = con.execute("SELECT count(DISTINCT household_key) FROM raw.assistance_roster").fetchone()
    assert households == (1,)


def test_an_id_or_name_merged_over_two_people_is_quarantined_not_shared(con, landing, region, hasher) -> None:
    """A household's columns may be merged down; a person's own ID or name never: two rows under one merged
    身份证号码 would silently become one person. The rows below the merge's top are quarantined."""
    rows = _household_rows()
    path = landing / FOLDER / "610602_宝塔区.xlsx"
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("花名册")
    ws.write_row(0, 0, ASSISTANCE_HEADER)
    for i, r in enumerate(rows, start=1):
        for j, v in enumerate(r):
            if j not in (1, 2) or i == 1:
                ws.write_string(i, j, v)
    ws.merge_range(1, 2, 2, 2, rows[0][2])  # 身份证号码 over rows 2-3
    ws.merge_range(1, 1, 2, 1, rows[0][1])  # 姓名 over rows 2-3
    ws.write_string(3, 1, rows[2][1])
    ws.write_string(3, 2, rows[2][2])
    wb.close()

    f = _load(con, landing, region, hasher)

    assert _audit(con)[:4] == ("loaded", 3, 2, 1), f.message
    reasons = set(con.execute("SELECT source_row, column_name, reason_code FROM raw.quarantine").fetchall())
    assert {(3, "姓名", "merged_identity"), (3, "身份证号码", "merged_identity")} <= reasons
    assert {row for row, _, _ in reasons} == {3}
    assert con.execute("SELECT count(DISTINCT person_key) FROM raw.assistance_roster").fetchone() == (2,)
