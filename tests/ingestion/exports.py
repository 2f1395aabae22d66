"""Hand-built Jinmin-style export files for ingestion tests (independent of the simulator)."""

from __future__ import annotations

import contextlib
import csv
import io
import math
from pathlib import Path

import xlsxwriter
import xlwt

from dagster_project.ingestion.normalize import gb11643_check_char

ASSISTANCE_HEADER = [
    "序号",
    "姓名",
    "身份证号码",
    "性别",
    "户主身份证号码",
    "家庭人口",
    "救助类别",
    "保障金额(元)",
    "行政区划代码",
    "发放年月",
    "残疾等级",
]
TITLE = ["宝塔区2024年6月城乡低保对象花名册", "单位：元"]
TOWNSHIP = "610602001"  # prefix used by the test region


def person_id(first17: str) -> str:
    return first17 + gb11643_check_char(first17)


def wrong_check(first17: str) -> str:
    good = gb11643_check_char(first17)
    return first17 + ("0" if good != "0" else "1")


def clean_row(seq: int, name: str = "张三", id17: str | None = None, amount: str = "800") -> list[str]:
    pid = person_id(id17 or f"610602{1940 + seq // 1000 % 60}01{seq % 28 + 1:02d}{seq % 1000:03d}")
    return [str(seq), name, pid, "男", pid, "1", "城市低保", amount, f"{TOWNSHIP}001", "2024-06", ""]


def totals_row(rows: list[list[str]]) -> list[str]:
    total = 0.0
    for r in rows:
        with contextlib.suppress(ValueError, IndexError, OverflowError):
            value = float(r[7])
            if math.isfinite(value) and abs(value) < 1e12:
                total += value
    return ["合计", "", "", "", "", "", "", f"{total:.2f}", "", "", ""]


def write_xlsx(
    path: Path,
    rows: list[list[str]],
    title: list[str] = TITLE,
    header: list[str] = ASSISTANCE_HEADER,
    start_row: int = 0,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("花名册")
    r = start_row
    for t in title:
        ws.write_string(r, 0, t)
        r += 1
    ws.write_row(r, 0, header)
    for row in [*rows, totals_row(rows)]:
        r += 1
        for j, v in enumerate(row):
            ws.write_string(r, j, v)
    wb.close()
    return path


def write_xls(path: Path, rows: list[list[str]], title: list[str] = TITLE, start_row: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    r = start_row
    for t in title:
        ws.write(r, 0, t)
        r += 1
    for j, h in enumerate(ASSISTANCE_HEADER):
        ws.write(r, j, h)
    for row in [*rows, totals_row(rows)]:
        r += 1
        for j, v in enumerate(row):
            ws.write(r, j, v)
    wb.save(str(path))
    return path


def write_csv(
    path: Path,
    rows: list[list[str]],
    encoding: str,
    title: list[str] = TITLE,
    header: list[str] = ASSISTANCE_HEADER,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for t in title:
        w.writerow([t])
    w.writerow(header)
    for row in [*rows, totals_row(rows)]:
        w.writerow(row)
    data = (
        buf.getvalue().encode("gbk")
        if encoding == "gbk"
        else b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")
    )
    path.write_bytes(data)
    return path
