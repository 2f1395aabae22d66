"""The per-load quality report a clerk can act on, as an Excel workbook next to the landing folder:

    <data_dir>/reports/<YYYY-MM>/<source>_质量报告.xlsx

Sheets: 文件汇总 (per file: rows read / loaded / quarantined, top reasons, the quarantined row numbers
in the original file), 隔离明细 (every rejected row × rule), 质量检查 (the suite's checks for the month,
with the offending rows' file and row number) and 说明. Built from raw.load_audit, raw.quarantine and
quality.check_results. Personal values appear only as pseudonymised keys.

    python -m dagster_project.quality.clerk_report --month 2024-06 [--source assistance]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ..ingestion.redact import redact_text, redact_value
from ..report_server import public_url
from .paths import QualityPaths
from .region import RegionRef
from .results import has_results
from .runner import CheckOutcome
from .suites import Suite

STATUS_ZH = {
    "loaded": "已导入",
    "unchanged": "内容未变，沿用上次导入",
    "superseded": "已被更正文件替代",
    "failed": "导入失败（整个文件未导入）",
}
SEVERITY_ZH = {"ERROR": "错误（阻断看板更新）", "WARN": "警告（需核实）"}
KIND_ZH = {"gx": "GX期望", "sql": "SQL检查"}
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
TOP_REASONS = 3


@dataclass(frozen=True)
class FileRow:
    county_code: str | None
    source_file: str
    status: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    message: str | None
    finished_at: dt.datetime | None
    top_reasons: str
    quarantined_rows: str
    rows_skipped: int = 0
    skipped_zh: str = ""  # '合计、小计行 1行；空行 2行'
    totals_zh: str = ""  # the export's own 合计 row against its rows
    totals_ok: bool | None = None


def row_ranges(rows: Iterable[int]) -> str:
    """[3, 4, 5, 9, 12, 13] -> '3-5, 9, 12-13' (row numbers as the clerk sees them in Excel)."""
    out: list[str] = []
    ordered = sorted(set(rows))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(out)


def sheet_row_ranges(rows: Iterable[tuple[str | None, int]]) -> str:
    """Rows (sheet, row) of one file: '3-5, 9' for a file of one sheet, '「宝塔镇」3-5；「桥沟街道」2' for a
    workbook of several sheets (raw.quarantine.source_sheet, null for the file's only sheet)."""
    by_sheet: dict[str | None, list[int]] = {}
    for sheet, row in rows:
        by_sheet.setdefault(sheet, []).append(row)
    parts = [row_ranges(by_sheet.pop(None))] if None in by_sheet else []
    parts += [
        f"「{sheet}」{row_ranges(r)}" for sheet, r in sorted(by_sheet.items(), key=lambda kv: str(kv[0]))
    ]
    return "；".join(parts)


def _reason_labels() -> dict[str, str]:
    from ..ingestion.transform import REASONS_ZH

    return {k: v.split("（")[0] for k, v in REASONS_ZH.items()}


def _audit_table(con: duckdb.DuckDBPyConnection) -> str:
    """Every load event (the history) where the warehouse has one; older warehouses kept them in one table."""
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
        "AND table_name = 'load_audit_history'"
    ).fetchone()
    return "raw.load_audit_history" if row and row[0] else "raw.load_audit"


def _audit_extra(con: duckdb.DuckDBPyConnection, table: str) -> str:
    cols = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ?",
            [table.split(".")[1]],
        ).fetchall()
    }
    if {"rows_skipped", "skipped_json", "totals_json", "totals_ok"} <= cols:
        return "l.rows_skipped, l.skipped_json, l.totals_json, l.totals_ok"
    return "0, NULL, NULL, NULL"


def _skipped_zh(skipped_json: str | None) -> str:
    from ..ingestion.readers import SKIP_KINDS_ZH

    if not skipped_json:
        return ""
    kinds = json.loads(skipped_json)
    return "；".join(
        f"{SKIP_KINDS_ZH.get(k, k)} {n}行" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])
    )


def _totals_zh(totals_json: str | None, status: str) -> str:
    from ..ingestion.totals import TotalCheck, totals_summary_zh

    if status == "failed":
        return ""
    checks = [TotalCheck(**c) for c in json.loads(totals_json)] if totals_json else []
    return totals_summary_zh(checks)


def file_rows(con: duckdb.DuckDBPyConnection, source: str, period: dt.date) -> list[FileRow]:
    """One row per file of the month, as of its latest audit entry (an unchanged file shows the counts of
    its last load)."""
    table = _audit_table(con)
    audits = con.execute(
        f"""WITH latest AS (
               SELECT * FROM {table} WHERE source = $s AND period = $p
               QUALIFY row_number() OVER (PARTITION BY source_file ORDER BY finished_at DESC) = 1),
           last_loaded AS (
               SELECT * FROM {table} WHERE source = $s AND period = $p AND status = 'loaded'
               QUALIFY row_number() OVER (PARTITION BY source_file, source_sha256 ORDER BY finished_at DESC) = 1)
           SELECT l.county_code, l.source_file, l.status,
                  coalesce(CASE WHEN l.status = 'unchanged' THEN ll.rows_read END, l.rows_read),
                  coalesce(CASE WHEN l.status = 'unchanged' THEN ll.rows_loaded END, l.rows_loaded),
                  coalesce(CASE WHEN l.status = 'unchanged' THEN ll.rows_quarantined END, l.rows_quarantined),
                  l.message, l.finished_at, {_audit_extra(con, table)}
           FROM latest l
           LEFT JOIN last_loaded ll ON ll.source_file = l.source_file AND ll.source_sha256 = l.source_sha256
           ORDER BY l.county_code NULLS LAST, l.source_file""",
        {"s": source, "p": period},
    ).fetchall()
    quarantine = con.execute(
        """SELECT source_file, reason_code, source_sheet, source_row FROM raw.quarantine
           WHERE source = $s AND period = $p""",
        {"s": source, "p": period},
    ).fetchall()
    labels = _reason_labels()
    by_file: dict[str, dict[str, set[tuple[str | None, int]]]] = {}  # rows are (sheet, row)
    for source_file, code, sheet, row in quarantine:
        by_file.setdefault(source_file, {}).setdefault(code, set()).add((sheet, int(row)))
    out = []
    for (
        county,
        source_file,
        status,
        read,
        loaded,
        quarantined,
        message,
        finished,
        skipped,
        skipped_json,
        totals,
        totals_ok,
    ) in audits:
        reasons = by_file.get(source_file, {}) if status in ("loaded", "unchanged") else {}
        ranked = sorted(reasons.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        top = "；".join(f"{labels.get(code, code)} {len(rows)}行" for code, rows in ranked[:TOP_REASONS])
        if len(ranked) > TOP_REASONS:
            top += f"；另有{len(ranked) - TOP_REASONS}类问题"
        all_rows = set().union(*reasons.values()) if reasons else set()
        out.append(
            FileRow(
                county,
                source_file,
                status,
                read,
                loaded,
                quarantined,
                redact_text(message),
                finished,
                top,
                sheet_row_ranges(all_rows),
                skipped or 0,
                _skipped_zh(skipped_json),
                _totals_zh(totals, status),
                totals_ok,
            )
        )
    return out


def _shown_value(value: str | None) -> str:
    if value is None:
        return ""
    return "（已脱敏）" if _HEX64.match(value) else (redact_value(value) or "")


def quarantine_rows(con: duckdb.DuckDBPyConnection, source: str, period: dt.date) -> list[tuple[Any, ...]]:
    rows = con.execute(
        """SELECT county_code, source_file, source_row, column_name, reason_code, reason, raw_value
           FROM raw.quarantine WHERE source = $s AND period = $p
           ORDER BY county_code, source_file, source_sheet NULLS FIRST, source_row, column_name""",
        {"s": source, "p": period},
    ).fetchall()
    labels = _reason_labels()
    return [
        (c, f, r, col, labels.get(code, code), redact_text(reason), _shown_value(v))
        for c, f, r, col, code, reason, v in rows
    ]


def _stored_outcomes(con: duckdb.DuckDBPyConnection, suite: Suite, period: dt.date) -> list[CheckOutcome]:
    if not has_results(con):
        return []
    rows = con.execute(
        """SELECT check_name, severity, kind, passed, unexpected_count, message, sample_json, docs_url
           FROM quality.check_results WHERE suite = $suite AND period = $p
           QUALIFY row_number() OVER (PARTITION BY check_name ORDER BY evaluated_at DESC) = 1""",
        {"suite": suite.name, "p": period},
    ).fetchall()
    return [
        CheckOutcome(
            suite.name, name, sev, kind, period, passed, count, None, json.loads(sample or "[]"), msg, url
        )
        for name, sev, kind, passed, count, msg, sample, url in rows
    ]


def _where(sample: list[dict[str, Any]], region: RegionRef) -> str:
    """'宝塔区 610602_宝塔区.csv 第3、17行; 安塞区' from a check's sample rows."""
    parts: dict[str, list[str]] = {}
    for row in sample:
        file = row.get("_source_file") or row.get("source_file")
        county = row.get("county_code")
        key = f"{region.county_name(county)} {Path(file).name}" if file else region.county_name(county)
        line = row.get("_source_row") or row.get("first_source_row")
        sheet = row.get("_source_sheet")  # in a workbook of several sheets
        parts.setdefault(key.strip(), [])
        if line is not None:
            parts[key.strip()].append(f"「{sheet}」{line}" if isinstance(sheet, str) and sheet else str(line))
    return "；".join(f"{k} 第{'、'.join(v)}行" if v else k for k, v in parts.items())


def write_report(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    period: dt.date,
    region: RegionRef,
    paths: QualityPaths,
    outcomes: Sequence[CheckOutcome] | None = None,
) -> Path:
    """Write (replace) the clerk report of one source × month; returns its path."""
    import xlsxwriter

    assert suite.source, "clerk reports are per landing source (raw suites)"
    files = file_rows(con, suite.source, period)
    quarantined = quarantine_rows(con, suite.source, period)
    checks = list(outcomes) if outcomes is not None else _stored_outcomes(con, suite, period)
    order = {c.name: i for i, c in enumerate(suite.checks)}
    checks.sort(key=lambda o: (o.passed, o.severity != "ERROR", order.get(o.check, 999)))
    target = paths.clerk_report(suite.source, period)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.xlsx")
    # Text from the data is written as text: never a formula (a cell "=HYPERLINK(...)"), URL or number.
    wb = xlsxwriter.Workbook(
        str(tmp), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    num = wb.add_format({"border": 1, "valign": "top", "num_format": "#,##0"})
    pct = wb.add_format({"border": 1, "valign": "top", "num_format": "0.0%"})
    bad = wb.add_format({"border": 1, "text_wrap": True, "valign": "top", "bg_color": "#F8CBAD"})
    warn = wb.add_format({"border": 1, "text_wrap": True, "valign": "top", "bg_color": "#FFF2CC"})
    total_fmt = wb.add_format({"bold": True, "border": 1, "num_format": "#,##0"})
    heading = f"{suite.title_zh} {period.year}年{period.month}月 数据质量报告"

    ws = wb.add_worksheet("文件汇总")
    ws.write(0, 0, heading, title)
    ws.write(
        1,
        0,
        f"生成时间：{dt.datetime.now():%Y-%m-%d %H:%M}　来源文件夹：landing/{suite.source}/{period:%Y-%m}/",
    )
    cols = [
        "县（市、区）代码",
        "县（市、区）",
        "文件",
        "状态",
        "读入行数",
        "入库行数",
        "隔离行数",
        "隔离率",
        "主要问题",
        "被隔离行的行号（原文件）",
        "说明",
        "导入时间",
        "跳过行数",
        "跳过的行（非数据行）",
        "与文件合计行核对",
    ]
    widths = [10, 10, 34, 16, 9, 9, 9, 8, 40, 30, 40, 17, 9, 30, 40]
    for j, (c, w) in enumerate(zip(cols, widths, strict=True)):
        ws.write(3, j, c, head)
        ws.set_column(j, j, w)
    r = 4
    for f in files:
        row_fmt = bad if f.status == "failed" else cell
        ws.write(r, 0, f.county_code or "", row_fmt)
        ws.write(r, 1, region.county_name(f.county_code) if f.county_code else "无法识别", row_fmt)
        ws.write(r, 2, f.source_file, row_fmt)
        ws.write(r, 3, STATUS_ZH.get(f.status, f.status), row_fmt)
        ws.write_number(r, 4, f.rows_read, num)
        ws.write_number(r, 5, f.rows_loaded, num)
        ws.write_number(r, 6, f.rows_quarantined, num)
        ws.write_number(r, 7, f.rows_quarantined / f.rows_read if f.rows_read else 0, pct)
        ws.write(r, 8, f.top_reasons, warn if f.top_reasons else cell)
        ws.write(r, 9, f.quarantined_rows, cell)
        ws.write(r, 10, f.message or "", row_fmt)
        ws.write(r, 11, f"{f.finished_at:%Y-%m-%d %H:%M}" if f.finished_at else "", cell)
        ws.write_number(r, 12, f.rows_skipped, num)
        ws.write_string(r, 13, f.skipped_zh, cell)
        ws.write_string(r, 14, f.totals_zh, warn if f.totals_ok is False else cell)
        r += 1
    counted = [f for f in files if f.status in ("loaded", "unchanged")]
    ws.write(r, 3, "合计", total_fmt)
    for j, attr in ((4, "rows_read"), (5, "rows_loaded"), (6, "rows_quarantined"), (12, "rows_skipped")):
        ws.write_number(r, j, sum(getattr(f, attr) for f in counted), total_fmt)
    missing = [c for c in region.county_codes if c not in {f.county_code for f in counted}]
    if missing:
        names = "、".join(region.county_name(c) for c in missing)
        ws.write(r + 2, 0, f"本月尚未导入的县（市、区）：{names}", warn)
    ws.freeze_panes(4, 0)

    ws = wb.add_worksheet("隔离明细")
    cols = ["县（市、区）代码", "文件", "原文件行号", "列", "问题", "说明", "原始值"]
    widths = [10, 34, 10, 16, 18, 60, 20]
    for j, (c, w) in enumerate(zip(cols, widths, strict=True)):
        ws.write(0, j, c, head)
        ws.set_column(j, j, w)
    for i, row in enumerate(quarantined, start=1):
        for j, v in enumerate(row):
            ws.write(i, j, v if v is not None else "", cell)
    ws.autofilter(0, 0, max(len(quarantined), 1), len(cols) - 1)
    ws.freeze_panes(1, 0)

    ws = wb.add_worksheet("质量检查")
    cols = [
        "检查项",
        "级别",
        "结果",
        "问题数",
        "涉及的县区、文件与行号（前20条）",
        "处理建议",
        "检查方式",
        "检查代码",
        "数据文档",
    ]
    widths = [40, 18, 8, 8, 50, 40, 10, 30, 20]
    for j, (c, w) in enumerate(zip(cols, widths, strict=True)):
        ws.write(0, j, c, head)
        ws.set_column(j, j, w)
    if not checks:
        ws.write(1, 0, "本月尚未运行数据质量检查（构建数据仓库时自动运行）", warn)
    for i, o in enumerate(checks, start=1):
        check = suite.check(o.check) if o.check in order else None
        fmt = cell if o.passed else (bad if o.severity == "ERROR" else warn)
        ws.write(i, 0, check.title_zh if check else o.check, fmt)
        ws.write(i, 1, SEVERITY_ZH.get(o.severity, o.severity), fmt)
        ws.write(i, 2, "通过" if o.passed else "未通过", fmt)
        ws.write_number(i, 3, o.unexpected_count, num)
        ws.write(i, 4, "" if o.passed else (_where(o.sample, region) or o.message), cell)
        ws.write(i, 5, "" if o.passed else (check.fix_zh if check else ""), cell)
        ws.write(i, 6, KIND_ZH.get(o.kind, o.kind), cell)
        ws.write(i, 7, o.check, cell)
        if o.docs_url:
            ws.write_url(i, 8, o.docs_url, string="打开")
        else:
            ws.write(i, 8, "", cell)
    ws.freeze_panes(1, 0)

    ws = wb.add_worksheet("说明")
    ws.set_column(0, 0, 110)
    notes = [
        heading,
        "",
        "文件汇总：每个导出文件一行。读入行数 = 入库行数 + 隔离行数 + 跳过行数（跳过的是合计、小计、制表人等表尾、分页处重复的表头和空行，"
        "不是数据）。“与文件合计行核对”比较文件自带的合计行与各明细行之和，不一致时请核对文件是否被截断或改动。被隔离的行没有进入数据库，请按“被隔离行的行号”",
        "在原文件中找到这些行（行号与 Excel 左侧行号一致），更正后重新导出，文件名加“_更正1”（再次更正为“_更正2”）放回同一文件夹。",
        "隔离明细：每个被隔离的行、每条不符合的规则一行；身份证号、姓名等个人信息只显示为“已脱敏”。",
        "质量检查：对已入库数据的检查。“错误”级别未通过时，领导看板暂停更新、继续显示上一次合格的数据，直到问题更正；",
        "“警告”级别只提示，请核实（例如金额异常偏高、县区人数骤降、县区未报送）。",
        f"数据文档（Great Expectations Data Docs，浏览器打开）：{public_url(paths.data_docs / 'index.html', data_dir=paths.data_dir)}",
    ]
    for i, line in enumerate(notes):
        ws.write(i, 0, line, title if i == 0 else None)
    wb.close()
    os.replace(tmp, target)
    return target


def write_load_report(
    con: duckdb.DuckDBPyConnection,
    source: str,
    period: dt.date,
    paths: QualityPaths | None = None,
    region: RegionRef | None = None,
) -> Path:
    """The report of one source × month right after a load (checks as last stored, if any)."""
    from .region import default_region
    from .suites import load_suites

    suite = next(s for s in load_suites(layer="raw") if s.source == source)
    return write_report(con, suite, period, region or default_region(), paths or QualityPaths.from_env())


def main(argv: list[str] | None = None) -> int:
    from ..settings import Settings
    from .region import default_region
    from .suites import load_suites

    parser = argparse.ArgumentParser(description="Write the clerk quality reports of a month.")
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--source", help="one landing source (default: all)")
    args = parser.parse_args(argv)
    period = dt.date.fromisoformat(f"{args.month}-01")
    settings = Settings.from_env()
    paths = QualityPaths(settings.data_dir)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        for suite in load_suites(layer="raw"):
            if args.source in (None, suite.source):
                print(write_report(con, suite, period, default_region(), paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
