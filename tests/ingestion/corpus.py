"""Shapes real government systems export, built here by hand (not by the simulator), each with the counts
ingestion must give: (loaded, quarantined, skipped) and the reason codes of the quarantined rows."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from .exports import ASSISTANCE_HEADER, TITLE, clean_row, totals_row, write_csv, write_xlsx

NAMES = ["张伟", "王芳", "李娜"]


def rows3() -> list[list[str]]:
    return [clean_row(i, name=NAMES[i - 1]) for i in range(1, 4)]


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    build: Callable[[Path], None]
    loaded: int
    quarantined: int
    skipped: int
    reasons: frozenset[str] = frozenset()


def _html(path: Path) -> None:
    rows = rows3()
    cells = "".join(f"<th>{h}</th>" for h in ASSISTANCE_HEADER)
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in [*rows, totals_row(rows)])
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><body>'
        f'<table border="1"><tr><td colspan="11">{TITLE[0]}</td></tr><tr>{cells}</tr>{body}</table>'
        "</body></html>"
    )
    path.write_bytes(html.encode("gbk"))


def _xml2003(path: Path, id_as_number: bool = False) -> None:
    rows = rows3()

    def cell(v: str, j: int, i: int) -> str:
        if id_as_number and i == 0 and j == 2:
            return f'<Cell><Data ss:Type="Number">{float(v[:17]):.14E}</Data></Cell>'
        if v == "":
            return "<Cell/>"
        return f'<Cell><Data ss:Type="String">{v}</Data></Cell>'

    xml_rows = [f'<Row><Cell ss:MergeAcross="10"><Data ss:Type="String">{TITLE[0]}</Data></Cell></Row>']
    xml_rows.append("<Row>" + "".join(cell(h, -1, -1) for h in ASSISTANCE_HEADER) + "</Row>")
    for i, r in enumerate([*rows, totals_row(rows)]):
        xml_rows.append("<Row>" + "".join(cell(v, j, i) for j, v in enumerate(r)) + "</Row>")
    hidden_old = (
        '<Worksheet ss:Name="5月"><Table><Row><Cell><Data ss:Type="String">序号</Data></Cell>'
        '<Cell><Data ss:Type="String">姓名</Data></Cell></Row></Table>'
        '<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden</Visible>'
        "</WorksheetOptions></Worksheet>"
    )
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        f'{hidden_old}<Worksheet ss:Name="花名册"><Table>{"".join(xml_rows)}</Table></Worksheet></Workbook>'
    )
    path.write_bytes(doc.encode("utf-8"))


def _utf16_text(path: Path) -> None:
    rows = rows3()
    lines = [TITLE[0], "\t".join(ASSISTANCE_HEADER), *("\t".join(r) for r in [*rows, totals_row(rows)])]
    path.write_bytes("\r\n".join(lines).encode("utf-16"))


def _two_level_header(path: Path) -> None:
    rows = rows3()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("花名册")
    ws.write_string(0, 0, TITLE[0])
    for j, h in enumerate(ASSISTANCE_HEADER):
        if j < 3:
            ws.merge_range(1, j, 2, j, h)  # 序号 / 姓名 / 身份证号码 span both header rows
        else:
            ws.write_string(2, j, h)
    ws.merge_range(1, 3, 1, 6, "家庭情况")
    ws.merge_range(1, 7, 1, 10, "保障情况")
    for i, r in enumerate([*rows, totals_row(rows)], start=3):
        for j, v in enumerate(r):
            ws.write_string(i, j, v)
    wb.close()


def _csv_title_with_line_break(path: Path) -> None:
    rows = rows3()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["宝塔区2024年6月\n城乡低保对象花名册"])
    w.writerow(ASSISTANCE_HEADER)
    for r in [*rows, totals_row(rows)]:
        w.writerow(r)
    path.write_bytes(buf.getvalue().encode("gbk"))


def _hidden_first_sheet(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    old = wb.add_worksheet("5月")
    cur = wb.add_worksheet("6月")
    cur.activate()
    old.hide()
    for ws, rows in ((old, [clean_row(i, name="赵六") for i in range(10, 20)]), (cur, rows3())):
        ws.write_string(0, 0, TITLE[0])
        ws.write_row(1, 0, ASSISTANCE_HEADER)
        for i, r in enumerate([*rows, totals_row(rows)], start=2):
            for j, v in enumerate(r):
                ws.write_string(i, j, v)
    wb.close()


def _summaries_and_footers(path: Path) -> None:
    rows = rows3()
    blank = [""] * len(ASSISTANCE_HEADER)
    table = [
        rows[0],
        rows[1],
        ["本页小计", *blank[1:]],
        ["第 1 页，共 2 页", *blank[1:]],
        list(ASSISTANCE_HEADER),  # header repeated at the page break
        rows[2],
        blank,
        ["合　计", *totals_row(rows)[1:]],
        ["单位负责人：", *blank[1:]],
        ["审核人：", *blank[1:]],
        ["制表日期：2024年7月2日", *blank[1:]],
    ]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([TITLE[0]])
    w.writerow(ASSISTANCE_HEADER)
    for r in table:
        w.writerow(r)
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def _out_of_range(path: Path) -> None:
    rows = [clean_row(i, name=f"王{i}") for i in range(1, 6)]
    rows[0][7] = "1e15"
    rows[1][7] = "NaN"
    rows[2][7] = "Infinity"
    rows[3][5] = "30000000000"
    write_csv(path, rows, "utf-8-sig")


def _excel_numbers(path: Path) -> None:
    """An amount of 1e15 and a bed-like count of 3e10 stored as numbers, and an ID stored as a number."""
    rows = rows3()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("花名册")
    ws.write_string(0, 0, TITLE[0])
    ws.write_row(1, 0, ASSISTANCE_HEADER)
    for i, r in enumerate([*rows, totals_row(rows)], start=2):
        for j, v in enumerate(r):
            ws.write_string(i, j, v)
    ws.write_number(2, 2, float(rows[0][2][:17] + "0"))  # ID typed into a number cell
    ws.write_number(3, 7, 1e15)
    ws.write_number(4, 5, 3e10)
    wb.close()


def _formula_without_value(path: Path) -> None:
    rows = rows3()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("花名册")
    ws.write_string(0, 0, TITLE[0])
    ws.write_row(1, 0, ASSISTANCE_HEADER)
    for i, r in enumerate([*rows, totals_row(rows)], start=2):
        for j, v in enumerate(r):
            ws.write_string(i, j, v)
    ws.write_formula(3, 7, "=400*2")
    wb.close()
    # remove the cached value xlsxwriter writes, as a generator that never calculates would
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", parts[sheet])
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in parts.items():
            zf.writestr(n, data)


def _undecodable_byte(path: Path) -> None:
    rows = rows3()
    write_csv(path, rows, "gbk")
    data = path.read_bytes()
    cut = data.index("王芳".encode("gbk"))
    path.write_bytes(data[:cut] + b"\xff" + data[cut:])


def _shifted_row(path: Path) -> None:
    rows = rows3()
    rows[1] = ["", *rows[1][:-1]]  # a cell inserted before 序号: every value one column to the right
    write_csv(path, rows, "gbk")


def _formula_injection(path: Path) -> None:
    rows = rows3()
    rows[0][6] = '=HYPERLINK("http://x.invalid","点击")'
    write_csv(path, rows, "utf-8-sig")


CASES = [
    Case("html-as-xls", "610602_宝塔区.xls", _html, 3, 0, 1),
    Case("xml-2003-hidden-old-sheet", "610602_宝塔区.xls", _xml2003, 3, 0, 1),
    Case(
        "xml-2003-id-as-number",
        "610602_宝塔区.xls",
        lambda p: _xml2003(p, id_as_number=True),
        2,
        1,
        1,
        frozenset({"id_as_number"}),
    ),
    Case("utf16-unicode-text", "610602_宝塔区.txt", _utf16_text, 3, 0, 1),
    Case("xlsx-named-xls", "610602_宝塔区.xls", lambda p: write_xlsx(p, rows3()), 3, 0, 1),
    Case("two-level-header", "610602_宝塔区.xlsx", _two_level_header, 3, 0, 1),
    Case("csv-title-line-break", "610602_宝塔区.csv", _csv_title_with_line_break, 3, 0, 1),
    Case("hidden-first-sheet", "610602_宝塔区.xlsx", _hidden_first_sheet, 3, 0, 1),
    Case("summaries-footers-repeated-header", "610602_宝塔区.csv", _summaries_and_footers, 3, 0, 8),
    Case(
        "out-of-range-and-non-finite",
        "610602_宝塔区.csv",
        _out_of_range,
        1,
        4,
        1,
        frozenset({"value_too_large", "not_finite"}),
    ),
    Case(
        "excel-numbers",
        "610602_宝塔区.xlsx",
        _excel_numbers,
        0,
        3,
        1,
        frozenset({"id_as_number", "value_too_large"}),
    ),
    Case(
        "formula-without-value",
        "610602_宝塔区.xlsx",
        _formula_without_value,
        2,
        1,
        1,
        frozenset({"formula_no_value", "missing_required"}),
    ),
    Case("undecodable-byte", "610602_宝塔区.csv", _undecodable_byte, 2, 1, 1, frozenset({"undecodable"})),
    Case(
        "shifted-row",
        "610602_宝塔区.csv",
        _shifted_row,
        2,
        1,
        1,
        frozenset(
            {
                "unknown_category",
                "invalid_id",
                "not_a_number",
                "unknown_division",
                "bad_date",
                "value_too_large",
            }
        ),
    ),
    Case(
        "formula-text-in-cell",
        "610602_宝塔区.csv",
        _formula_injection,
        2,
        1,
        1,
        frozenset({"unknown_category"}),
    ),
]
