"""The early-warning brief (规划目标预警简报): one Excel workbook a leader can forward, read from the
published marts (marts.mart_plan_warning, marts.mart_publish_status, marts.dim_region); the same pages as
a PDF in warning_brief_pdf.py (both from `brief_pages`).

One sheet for the prefecture, then one per county in official code order, each on one printed page
(landscape, fit to width): the as-of month and the time of the last load at the top, the indicators that
are behind pace or projected to miss their 2025 target with binding (约束性) ones first, their target,
actual value, status and projection, and the method of the projection; a county with nothing to report
says so. Text is Chinese; nothing personal is in these marts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import xlsxwriter

COLUMNS = (
    ("序号", 6),
    ("指标", 34),
    ("属性", 8),
    ("目标", 12),
    ("实际", 12),
    ("进度状态", 10),
    ("按趋势至规划期末", 16),
    ("预警原因", 24),
)
SOURCE_NOTE = (
    "说明：进度滞后指目标完成程度落后于时间进度5个百分点以上；趋势预测按最近4次报告的线性趋势外推至规划期末"
    "（2025年12月），报告不足2次的指标不外推。"
)


@dataclass(frozen=True)
class BriefResult:
    path: Path
    as_of_label: str
    sheets: dict[str, int]  # sheet (region name) -> warnings listed


@dataclass(frozen=True)
class Page:
    region_name: str
    warnings: list[dict]  # rows of mart_plan_warning, binding first

    @property
    def summary(self) -> str:
        binding = sum(1 for w in self.warnings if w["is_binding"])
        if not self.warnings:
            return "本期无预警指标：已报送的规划指标均符合进度，且按趋势预计可达标。"
        return f"本期预警指标 {len(self.warnings)} 项，其中约束性指标 {binding} 项（红色）。"

    def cells(self) -> list[tuple]:
        """The table rows under COLUMNS."""
        return [
            (
                i,
                w["indicator_name_zh"],
                w["attribute_zh"],
                w["target_label_zh"],
                w["actual_label_zh"],
                w["status_zh"],
                w["projected_label_zh"],
                w["warning_reason_zh"],
            )
            for i, w in enumerate(self.warnings, start=1)
        ]


@dataclass(frozen=True)
class Brief:
    status: dict  # the row of mart_publish_status: as-of month and label, load time, source
    pages: list[Page]  # the prefecture, then its counties in official code order

    @property
    def stem(self) -> str:
        return f"规划目标预警简报_{self.status['as_of_month']:%Y%m}"

    @property
    def as_of_line(self) -> str:
        return (
            f"数据截至：{self.status['as_of_label_zh']}    数据更新时间：{self.status['loaded_at_label_zh']}"
        )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def brief_pages(con: duckdb.DuckDBPyConnection) -> Brief:
    """The brief's pages for the (first) prefecture the warehouse reports."""
    status = _rows(con, "SELECT * FROM marts.mart_publish_status ORDER BY prefecture_code LIMIT 1")
    if not status:
        raise ValueError("marts.mart_publish_status 为空：尚无已入库的数据，无法生成预警简报")
    s = status[0]
    regions = [
        {"code": s["prefecture_code"], "name": s["prefecture_name_zh"]},
        *(
            {"code": r["county_code"], "name": r["county_name_zh"]}
            for r in _rows(
                con,
                "SELECT DISTINCT county_code, county_name_zh FROM marts.dim_region "
                "WHERE prefecture_code = ? AND county_code IS NOT NULL ORDER BY county_code",
                [s["prefecture_code"]],
            )
        ),
    ]
    warnings = _rows(
        con,
        "SELECT * FROM marts.mart_plan_warning WHERE prefecture_code = ? "
        "ORDER BY region_code, warning_order, indicator_name_zh",
        [s["prefecture_code"]],
    )
    pages = [Page(r["name"], [w for w in warnings if w["region_code"] == r["code"]]) for r in regions]
    return Brief(s, pages)


def write_warning_brief(con: duckdb.DuckDBPyConnection, out_dir: Path) -> BriefResult:
    """Write <out_dir>/规划目标预警简报_<YYYYMM>.xlsx for the (first) prefecture the warehouse reports."""
    brief = brief_pages(con)
    s = brief.status
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{brief.stem}.xlsx"
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp))
    title = book.add_format({"bold": True, "font_size": 16})
    sub = book.add_format({"font_size": 10, "font_color": "#555555"})
    head = book.add_format({"bold": True, "bg_color": "#DDE3EA", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    binding = book.add_format({"border": 1, "text_wrap": True, "valign": "top", "font_color": "#B00020"})
    sheets: dict[str, int] = {}
    for page in brief.pages:
        ws = book.add_worksheet(page.region_name[:31])
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 1)
        ws.write(0, 0, f"{page.region_name}规划目标预警简报", title)
        ws.write(1, 0, brief.as_of_line, sub)
        ws.write(2, 0, page.summary)
        for col, (name, width) in enumerate(COLUMNS):
            ws.set_column(col, col, width)
            ws.write(4, col, name, head)
        for i, (w, values) in enumerate(zip(page.warnings, page.cells(), strict=True), start=1):
            fmt = binding if w["is_binding"] else cell
            for col, value in enumerate(values):
                ws.write(4 + i, col, value, fmt)
        end = 5 + len(page.warnings) + 1
        ws.write(end, 0, SOURCE_NOTE, sub)
        ws.write(end + 1, 0, f"数据来源：{s['data_source_zh']}", sub)
        sheets[page.region_name] = len(page.warnings)
    book.close()
    tmp.replace(path)  # a reader never sees a half-written brief
    return BriefResult(path, s["as_of_label_zh"], sheets)
