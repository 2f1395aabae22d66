"""What a clerk reads on a raw partition in the Dagster UI, per loaded file: county and month in Chinese,
rows read / loaded / quarantined, the top rejection reasons with their row numbers, and a link (HTTP)
to the clerk report; plus the files' content hashes, which the landing sensor compares with the landing
folder so it never reloads a file that is already loaded (automation/landing_sensor.py). A county-month
may come in several files (parts): its materialization sums their counts and names all of them.

The warehouse is read here only inside the load's own connection (the single writer): `loaded_files`
is the one place that reads raw.load_audit, `top_reasons` the one that reads raw.quarantine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
from dagster import MetadataValue

from ..ingestion.pipeline import FileResult
from ..quality.region import default_region
from ..report_server import public_url

# Metadata labels (the UI shows them as written). SHA256 is read back by the landing sensor.
SHA256 = "文件内容SHA256"  # one per file of the county-month, comma-separated (loaded_sha256s)
FILE = "文件"
STATUS = "状态"
READ = "读入行数"
LOADED = "入库行数"
QUARANTINED = "隔离行数"
SKIPPED = "跳过行数（标题、合计等非数据行）"
TOTALS = "与文件合计行核对"
REASONS = "主要问题（原文件行号）"
REPORT = "质量报告（下载）"
MESSAGE = "说明"
COUNTY_MONTH = "县区与月份"

STATUS_ZH = {
    "loaded": "已导入",
    "unchanged": "内容未变，沿用上次导入",
    "superseded": "已被更正文件替代",
    "failed": "导入失败（整个文件未导入）",
}
TOP_REASONS = 5
ROWS_SHOWN = 12


def month_zh(period: dt.date) -> str:
    return f"{period.year}年{period.month}月"


def county_month_zh(county_code: str, period: dt.date) -> str:
    """'宝塔区 2025年12月'."""
    return f"{default_region().county_name(county_code)} {month_zh(period)}"


@dataclass(frozen=True)
class LoadedFile:
    """The audit of the files whose rows are loaded for one county-month (its latest load), summed."""

    county_code: str
    source_files: tuple[str, ...]
    sha256: str  # the files' hashes, sorted and comma-separated (one hash for a county-month of one file)
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_skipped: int

    @property
    def source_file(self) -> str:
        return "、".join(self.source_files)


def loaded_sha256s(value: str) -> set[str]:
    """The file hashes of a SHA256 metadata value."""
    return {v.strip() for v in value.split(",") if v.strip()}


def loaded_files(
    con: duckdb.DuckDBPyConnection, source: str, period: dt.date, counties: set[str]
) -> dict[str, LoadedFile]:
    """{county: the 'loaded' audit rows of its latest load, summed} for the county-months of one source
    and month."""
    if not counties:
        return {}
    rows = con.execute(
        """WITH cur AS (
               SELECT * FROM raw.load_audit
               WHERE source = ? AND period = ? AND status = 'loaded' AND list_contains(?, county_code)
               QUALIFY load_id = first_value(load_id) OVER (PARTITION BY county_code ORDER BY finished_at DESC))
           SELECT county_code, list(source_file ORDER BY source_file),
                  string_agg(source_sha256, ',' ORDER BY source_sha256), sum(rows_read)::INTEGER,
                  sum(rows_loaded)::INTEGER, sum(rows_quarantined)::INTEGER, sum(rows_skipped)::INTEGER
           FROM cur GROUP BY county_code""",
        [source, period, sorted(counties)],
    ).fetchall()
    return {r[0]: LoadedFile(r[0], tuple(r[1]), *r[2:]) for r in rows}


def _rows_text(rows: list[str]) -> str:
    """'第3、5行', or in a workbook of several sheets '工作表「宝塔镇」第3行、工作表「桥沟街道」第5行'."""
    more = f" 等{len(rows)}行" if len(rows) > ROWS_SHOWN else ""
    if all(r.isdigit() for r in rows):
        return f"第{'、'.join(rows[:ROWS_SHOWN])}行{more}"
    return "、".join(r if not r.isdigit() else f"第{r}行" for r in rows[:ROWS_SHOWN]) + more


def top_reasons(
    con: duckdb.DuckDBPyConnection,
    source: str,
    period: dt.date,
    county_code: str,
    source_files: str | tuple[str, ...],
) -> str:
    """Markdown list of the most frequent rejection reasons of a county-month's file(s), with row numbers
    (and the file, when there are several)."""
    files = [source_files] if isinstance(source_files, str) else list(source_files)
    rows = con.execute(
        """SELECT source_file, column_name, reason,
                  list(line ORDER BY source_sheet NULLS FIRST, source_row) AS rows_
           FROM (SELECT DISTINCT source_file, column_name, reason, source_sheet, source_row,
                        CASE WHEN source_sheet IS NULL THEN source_row::VARCHAR
                             ELSE '工作表「' || source_sheet || '」第' || source_row || '行' END AS line
                 FROM raw.quarantine
                 WHERE source = ? AND period = ? AND county_code = ? AND list_contains(?, source_file))
           GROUP BY source_file, column_name, reason ORDER BY len(rows_) DESC, column_name, source_file
           LIMIT ?""",
        [source, period, county_code, files, TOP_REASONS],
    ).fetchall()
    if not rows:
        return "无（全部行已入库）"
    where = (lambda file: f"{file.rsplit('/', 1)[-1]} ") if len(files) > 1 else (lambda file: "")
    return "\n".join(
        f"- 「{column}」{reason}：{where(file)}{_rows_text(list(lines))}"
        for file, column, reason, lines in rows
    )


def file_metadata(
    f: FileResult,
    period: dt.date,
    loaded: LoadedFile | None,
    reasons: str,
    report_url: str | None,
) -> dict[str, MetadataValue]:
    """Metadata of one partition materialization. For an 'unchanged' file the counts are those of the
    load that is in the warehouse (the audit), not the zeros of the skipped reload."""
    counts = loaded or f
    meta: dict[str, MetadataValue] = {
        COUNTY_MONTH: MetadataValue.text(county_month_zh(f.county_code or "", period)),
        FILE: MetadataValue.text(loaded.source_file if loaded is not None else f.source_file),
        STATUS: MetadataValue.text(STATUS_ZH.get(f.status, f.status)),
        READ: MetadataValue.int(counts.rows_read),
        LOADED: MetadataValue.int(counts.rows_loaded),
        QUARANTINED: MetadataValue.int(counts.rows_quarantined),
        SKIPPED: MetadataValue.int(counts.rows_skipped),  # recognised non-data rows (titles, 合计, notes)
        REASONS: MetadataValue.md(reasons),
    }
    if report_url:
        meta[REPORT] = MetadataValue.url(report_url)
    if f.status == "loaded" and f.totals_zh:
        meta[TOTALS] = MetadataValue.text(f.totals_zh)
    if f.message:
        meta[MESSAGE] = MetadataValue.text(f.message)
    if loaded is not None:
        meta[SHA256] = MetadataValue.text(loaded.sha256)
    return meta


def report_url(con: duckdb.DuckDBPyConnection, source: str, period: dt.date) -> str | None:
    """Write (replace) the clerk report of one source × month now, so the link works right after the
    load (the raw checks rewrite it with their results); its HTTP address, or None if it failed."""
    from ..quality.clerk_report import write_load_report

    try:
        return public_url(write_load_report(con, source, period))
    except (OSError, duckdb.Error, StopIteration) as exc:  # a report must never fail the load
        import logging

        logging.getLogger(__name__).warning("clerk report for %s %s not written: %s", source, period, exc)
        return None
