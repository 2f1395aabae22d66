"""Write one export: title rows, header, data rows, 合计 row, optional footer; xlsx, xls or CSV.

Row layout (1-based, as in Excel): title rows 1..T, header T+1, data T+2.., then 合计, then footer.
Excel cells of numeric columns are numbers when the text is a plain number (as Jinmin exports them);
anything else (dirt such as "待核" or full-width digits) stays text. IDs and codes are always text.
An Excel serial date (dirt) is written as a number. CSV is written as Excel saves it: every row padded
to the header width, CRLF line ends, GBK (gb18030 codec) or UTF-8 with BOM.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import xlsxwriter
import xlwt

from .contract import SourceContract

FIXED_CREATED = dt.datetime(2020, 1, 1)  # workbook metadata timestamp: byte-identical reruns
_PLAIN_NUMBER = r"^-?\d+(\.\d+)?$"
_SERIAL = r"^\d{5}$"


@dataclass(frozen=True)
class Layout:
    titles: tuple[str, ...]
    footer: tuple[str, ...]
    spaced_total: bool = False  # "合　计" as many systems print it
    container: str | None = None  # html_table / xml_2003 / unicode_text: how some systems "export to Excel"

    @property
    def total_label(self) -> str:
        return "合　计" if self.spaced_total else "合计"

    @property
    def header_row(self) -> int:
        return len(self.titles) + 1

    @property
    def first_data_row(self) -> int:
        return len(self.titles) + 2


def totals_row(frame: pl.DataFrame, contract: SourceContract, label: str = "合计") -> list[str]:
    """合计 in the first column and the sum of each summed column (text cells ignored, like SUM())."""
    row = [""] * len(contract.headers)
    row[0] = label
    for c in contract.sums:
        total = frame.select(pl.col(c).str.strip_chars().cast(pl.Float64, strict=False).sum()).item()
        decimals = 1 if c == "服务时长(小时)" else (2 if "元" in c else 0)
        row[contract.headers.index(c)] = f"{(total or 0):.{decimals}f}"
    return row


def _typed_columns(frame: pl.DataFrame, contract: SourceContract) -> list[list]:
    """Column values for Excel: float where a numeric column holds a plain number, else the text."""
    out = []
    for c in contract.headers:
        s = frame[c]
        numeric_col = c in contract.numbers
        serial_col = c in contract.date_columns
        if numeric_col or serial_col:
            pattern = _PLAIN_NUMBER if numeric_col else _SERIAL
            mask = s.str.contains(pattern).fill_null(False).to_list()
            nums = s.cast(pl.Float64, strict=False).to_list()
            out.append([n if m else t for m, n, t in zip(mask, nums, s.to_list(), strict=True)])
        else:
            out.append(s.to_list())
    return out


def write_xlsx(path: Path, frame: pl.DataFrame, contract: SourceContract, layout: Layout, sheet: str) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": FIXED_CREATED, "author": "金民工程"})
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True, "align": "center"})
    width = len(contract.headers)
    r = 0
    for i, title in enumerate(layout.titles):
        if i == 0 and width > 1:
            ws.merge_range(r, 0, r, width - 1, title, bold)
        else:
            ws.write_string(r, 0, title)
        r += 1
    ws.write_row(r, 0, contract.headers)
    r += 1
    # the typed writers directly: skips write()'s type dispatch (values are already str or float)
    write_string, write_number = ws.write_string, ws.write_number
    for row in zip(*_typed_columns(frame, contract), strict=True):
        for c, v in enumerate(row):
            if v.__class__ is str:
                if v:
                    write_string(r, c, v)
            elif v is not None:
                write_number(r, c, v)
        r += 1
    for c, v in enumerate(totals_row(frame, contract, layout.total_label)):
        if v:
            ws.write(r, c, float(v) if c else v)
    r += 1
    for line in layout.footer:
        ws.write_string(r, 0, line)
        r += 1
    wb.close()


def write_xls(path: Path, frame: pl.DataFrame, contract: SourceContract, layout: Layout, sheet: str) -> None:
    if frame.height + len(layout.titles) + 3 + len(layout.footer) > 65_536:
        raise ValueError(f"{path.name}: too many rows for .xls")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    width = len(contract.headers)
    r = 0
    for i, title in enumerate(layout.titles):
        if i == 0 and width > 1:
            ws.write_merge(r, r, 0, width - 1, title)
        else:
            ws.write(r, 0, title)
        r += 1
    for c, h in enumerate(contract.headers):
        ws.write(r, c, h)
    r += 1
    for row in zip(*_typed_columns(frame, contract), strict=True):
        w = ws.row(r)
        for c, v in enumerate(row):
            if v is not None and v != "":
                w.write(c, v)
        r += 1
    for c, v in enumerate(totals_row(frame, contract, layout.total_label)):
        if v:
            ws.write(r, c, float(v) if c else v)
    r += 1
    for line in layout.footer:
        ws.write(r, 0, line)
        r += 1
    wb.save(str(path))


def csv_text(frame: pl.DataFrame, contract: SourceContract, layout: Layout) -> str:
    width = len(contract.headers)
    pad = "," * (width - 1)
    buf = io.StringIO()
    for title in layout.titles:
        buf.write(title + pad + "\r\n")
    buf.write(",".join(contract.headers) + "\r\n")
    if frame.height:
        buf.write(
            frame.select(contract.headers).write_csv(
                include_header=False, line_terminator="\r\n", quote_style="necessary"
            )
        )
    buf.write(",".join(totals_row(frame, contract, layout.total_label)) + "\r\n")
    for line in layout.footer:
        buf.write(line + pad + "\r\n")
    return buf.getvalue()


def write_csv(
    path: Path, frame: pl.DataFrame, contract: SourceContract, layout: Layout, encoding: str
) -> None:
    text = csv_text(frame, contract, layout)
    data = text.encode("gb18030") if encoding == "gbk" else b"\xef\xbb\xbf" + text.encode("utf-8")
    path.write_bytes(data)


def _all_rows(frame: pl.DataFrame, contract: SourceContract, layout: Layout) -> list[list[str]]:
    width = len(contract.headers)
    rows: list[list[str]] = [[t] + [""] * (width - 1) for t in layout.titles]
    rows.append(list(contract.headers))
    rows += [["" if v is None else str(v) for v in r] for r in frame.select(contract.headers).rows()]
    rows.append(totals_row(frame, contract, layout.total_label))
    rows += [[line] + [""] * (width - 1) for line in layout.footer]
    return rows


def write_html_table(path: Path, frame: pl.DataFrame, contract: SourceContract, layout: Layout) -> None:
    """The "export to Excel" of many web systems: an HTML table saved with an .xls name (GBK)."""
    out = io.StringIO()
    out.write(
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><body><table>'
    )
    for r in _all_rows(frame, contract, layout):
        out.write("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r) + "</tr>\n")
    out.write("</table></body></html>")
    path.write_bytes(out.getvalue().encode("gb18030"))


def write_xml_2003(path: Path, frame: pl.DataFrame, contract: SourceContract, layout: Layout) -> None:
    """XML Spreadsheet 2003 (SpreadsheetML), every cell a string, saved with an .xls name."""
    out = io.StringIO()
    out.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="Sheet1"><Table>\n'
    )
    for r in _all_rows(frame, contract, layout):
        cells = "".join(
            f'<Cell><Data ss:Type="String">{html.escape(v)}</Data></Cell>' if v else "<Cell/>" for v in r
        )
        out.write(f"<Row>{cells}</Row>\n")
    out.write("</Table></Worksheet></Workbook>\n")
    path.write_bytes(out.getvalue().encode("utf-8"))


def write_unicode_text(path: Path, frame: pl.DataFrame, contract: SourceContract, layout: Layout) -> None:
    """Excel's "Unicode text": UTF-16 with BOM, tab-separated."""
    text = "\r\n".join("\t".join(r) for r in _all_rows(frame, contract, layout)) + "\r\n"
    path.write_bytes(text.encode("utf-16"))


def write_export(
    path: Path, fmt: str, frame: pl.DataFrame, contract: SourceContract, layout: Layout, sheet: str
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("~$" + path.name)  # Office lock-file style name: ignored by ingestion while written
    if layout.container == "html_table":
        write_html_table(tmp, frame, contract, layout)
    elif layout.container == "xml_2003":
        write_xml_2003(tmp, frame, contract, layout)
    elif layout.container == "unicode_text":
        write_unicode_text(tmp, frame, contract, layout)
    elif fmt == "xlsx":
        write_xlsx(tmp, frame, contract, layout, sheet)
    elif fmt == "xls":
        write_xls(tmp, frame, contract, layout, sheet)
    elif fmt == "csv-gbk":
        write_csv(tmp, frame, contract, layout, "gbk")
    elif fmt == "csv-utf8-bom":
        write_csv(tmp, frame, contract, layout, "utf-8-sig")
    else:
        raise ValueError(fmt)
    tmp.replace(path)
