"""The early-warning brief as a PDF a leader can forward: the same pages as the Excel brief
(warning_brief.brief_pages), one A4 landscape page per region: the prefecture, then its counties in
official code order, each with the as-of month and load time, the warnings (binding ones first, in red),
the projection method and the source.

Chinese text uses reportlab's built-in CID font STSong-Light (Adobe's Simplified Chinese font, which every
PDF reader supplies), so nothing depends on the fonts installed on the machine that writes the brief. A
page whose table would not fit is shrunk to fit, never continued on a second page.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepInFrame, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .warning_brief import COLUMNS, SOURCE_NOTE, BriefResult, brief_pages

FONT = "STSong-Light"
RED = colors.HexColor("#B00020")
MARGIN = 12 * mm


def _styles() -> dict[str, ParagraphStyle]:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22),
        "sub": ParagraphStyle("sub", parent=base, textColor=colors.HexColor("#555555")),
        "body": ParagraphStyle("body", parent=base, fontSize=10, leading=14),
        "cell": base,
        "binding": ParagraphStyle("binding", parent=base, textColor=RED),
        "head": ParagraphStyle("head", parent=base, fontSize=9),
    }


def _escape(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_warning_brief_pdf(con: duckdb.DuckDBPyConnection, out_dir: Path) -> BriefResult:
    """Write <out_dir>/规划目标预警简报_<YYYYMM>.pdf beside the Excel brief."""
    brief = brief_pages(con)
    st = _styles()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{brief.stem}.pdf"
    tmp = path.with_suffix(".tmp.pdf")
    size = landscape(A4)
    width, height = size[0] - 2 * MARGIN, size[1] - 2 * MARGIN
    total = sum(w for _, w in COLUMNS)
    col_widths = [width * w / total for _, w in COLUMNS]
    story: list = []
    for n, page in enumerate(brief.pages):
        rows = [[Paragraph(name, st["head"]) for name, _ in COLUMNS]]
        for w, values in zip(page.warnings, page.cells(), strict=True):
            style = st["binding"] if w["is_binding"] else st["cell"]
            rows.append([Paragraph(_escape(v), style) for v in values])
        table = Table(rows, colWidths=col_widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE3EA")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        content = [
            Paragraph(f"{_escape(page.region_name)}规划目标预警简报", st["title"]),
            Paragraph(_escape(brief.as_of_line), st["sub"]),
            Spacer(1, 3 * mm),
            Paragraph(_escape(page.summary), st["body"]),
            Spacer(1, 3 * mm),
            *([table] if page.warnings else []),
            Spacer(1, 3 * mm),
            Paragraph(_escape(SOURCE_NOTE), st["sub"]),
            Paragraph(_escape(f"数据来源：{brief.status['data_source_zh']}"), st["sub"]),
        ]
        # one page per region, whatever the number of warnings
        story.append(KeepInFrame(width, height - 2 * mm, content, mode="shrink"))
        if n < len(brief.pages) - 1:
            story.append(PageBreak())
    doc = SimpleDocTemplate(
        str(tmp),
        pagesize=size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{brief.status['prefecture_name_zh']}规划目标预警简报（{brief.status['as_of_label_zh']}）",
        author="民政数据仓库",
    )
    doc.build(story)
    tmp.replace(path)  # a reader never sees a half-written brief
    return BriefResult(
        path, brief.status["as_of_label_zh"], {p.region_name: len(p.warnings) for p in brief.pages}
    )
