"""DuckDB side of ingestion: raw table DDL and the all-or-nothing replacement of a county-month."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from .errors import valid_text
from .readers import SOURCE_ROW, SOURCE_SHEET
from .redact import redact_text
from .spec import SOURCES, SQL_TYPES, Kind, SourceSpec

LINEAGE_DDL = """
    county_code VARCHAR NOT NULL,
    period DATE NOT NULL,
    _source_file VARCHAR NOT NULL,
    _source_sha256 VARCHAR NOT NULL,
    _source_row INTEGER NOT NULL,
    _source_sheet VARCHAR,
    _load_id VARCHAR NOT NULL,
    _loaded_at TIMESTAMP NOT NULL"""

QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS raw.quarantine (
    load_id VARCHAR NOT NULL, source VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL, source_row INTEGER NOT NULL, county_code VARCHAR NOT NULL,
    period DATE NOT NULL, column_name VARCHAR NOT NULL, reason_code VARCHAR NOT NULL,
    reason VARCHAR NOT NULL, raw_value VARCHAR, record_json VARCHAR, source_sheet VARCHAR
)"""
# Lineage added after the first warehouses were created: (table, column, type), added where missing.
# The sheet of a row in a workbook of several sheets (null: the file's only sheet, or a text file).
_NEW_LINEAGE_COLUMNS = [
    *((f"raw.{spec.table}", "_source_sheet", "VARCHAR") for spec in SOURCES.values()),
    ("raw.quarantine", "source_sheet", "VARCHAR"),
]

_AUDIT_COLUMNS = """
    load_id VARCHAR NOT NULL, source VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
    source_sha256 VARCHAR, county_code VARCHAR, period DATE NOT NULL,
    rows_read INTEGER NOT NULL, rows_loaded INTEGER NOT NULL, rows_quarantined INTEGER NOT NULL,
    status VARCHAR NOT NULL, message VARCHAR, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
    rows_skipped INTEGER NOT NULL DEFAULT 0, skipped_json VARCHAR, totals_json VARCHAR, totals_ok BOOLEAN"""
# raw.load_audit: the current state, per source × month × county the rows of its latest load (one row per
# file whose rows are loaded: a county-month may come in several parts, all written by one load), or, for
# a county never loaded, the failures of its latest attempt; a file whose county is unknown is keyed by
# its name.
# raw.load_audit_history: every event (loaded / unchanged / superseded / failed), append-only.
AUDIT_DDL = f"CREATE TABLE IF NOT EXISTS raw.load_audit ({_AUDIT_COLUMNS}\n)"
AUDIT_HISTORY_DDL = f"CREATE TABLE IF NOT EXISTS raw.load_audit_history ({_AUDIT_COLUMNS}\n)"
_NEW_AUDIT_COLUMNS = {
    "rows_skipped": "INTEGER NOT NULL DEFAULT 0",
    "skipped_json": "VARCHAR",
    "totals_json": "VARCHAR",
    "totals_ok": "BOOLEAN",
}


def connect_warehouse(path: Path, *, read_only: bool = False, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """The warehouse file with DuckDB's buffer pool capped at `memory_limit` (Settings.loader_memory_limit):
    written blocks are evicted (and re-read from the file when needed) instead of piling up in memory."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only, config={"memory_limit": memory_limit})


def table_columns(spec: SourceSpec) -> list[tuple[str, str]]:
    cols = [(c.output_name, SQL_TYPES[c.kind]) for c in spec.columns]
    if any(c.name == "id_number" for c in spec.columns if c.kind is Kind.PERSON_ID):
        cols.append(("birth_year", "INTEGER"))
    return cols


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for spec in SOURCES.values():
        cols = ",\n    ".join(f"{n} {t}" for n, t in table_columns(spec))
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{spec.table} (\n    {cols},{LINEAGE_DDL}\n)")
    con.execute(QUARANTINE_DDL)
    con.execute(AUDIT_DDL)
    existing = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema='raw' AND table_name='load_audit'"
        ).fetchall()
    }
    for name, ddl in _NEW_AUDIT_COLUMNS.items():
        if name not in existing:
            con.execute(f"ALTER TABLE raw.load_audit ADD COLUMN {name} {ddl.replace(' NOT NULL', '')}")
    for table, column, sql_type in _NEW_LINEAGE_COLUMNS:
        con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {sql_type}")
    has_history = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema='raw' AND table_name='load_audit_history'"
    ).fetchone()
    con.execute(AUDIT_HISTORY_DDL)
    if has_history and has_history[0] == 0:
        _split_audit_history(con)


def _split_audit_history(con: duckdb.DuckDBPyConnection) -> None:
    """An audit table from before the history split: copy every event to the history, keep one current row."""
    con.execute("INSERT INTO raw.load_audit_history BY NAME SELECT * FROM raw.load_audit")
    con.execute(
        """DELETE FROM raw.load_audit WHERE rowid NOT IN (
               SELECT rowid FROM raw.load_audit WHERE status IN ('loaded', 'failed')
               QUALIFY row_number() OVER (
                   PARTITION BY source, period, coalesce(county_code, source_file)
                   ORDER BY status = 'loaded' DESC, finished_at DESC) = 1)"""
    )


# DuckDB checkpoints (writes the WAL into the database file) when the WAL passes checkpoint_threshold
# (16 MiB by default): during a partition load that happened at nearly every county's commit, and after
# the DELETE of a reload each checkpoint rewrote the table's row groups: 70% of a month's load time
# (benchmarks: a volunteer roster month, write 1.7 s of 3.0 s). A load appends its committed files to the
# WAL and checkpoints once at the end. Commits stay durable: DuckDB replays the WAL when it next opens.
BULK_CHECKPOINT_THRESHOLD = "4GB"


@contextlib.contextmanager
def one_checkpoint(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Defer DuckDB's automatic checkpoints to one CHECKPOINT when the block ends (then restore)."""
    row = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()
    previous = row[0] if row else "16MiB"
    con.execute(f"SET checkpoint_threshold = '{BULK_CHECKPOINT_THRESHOLD}'")
    try:
        yield
    finally:
        con.execute(f"SET checkpoint_threshold = '{previous}'")
        con.execute("CHECKPOINT")


@dataclass(frozen=True)
class FileLoad:
    """Everything written for one file in one transaction."""

    spec: SourceSpec
    county_code: str
    period: dt.date
    source_file: str
    sha256: str
    load_id: str
    loaded_at: dt.datetime
    rows: pl.DataFrame
    quarantine: pl.DataFrame
    rows_read: int
    started_at: dt.datetime
    rows_skipped: int = 0
    skipped_json: str | None = None
    totals_json: str | None = None
    totals_ok: bool | None = None
    message: str | None = None  # for the clerk, on a loaded file: e.g. sheets not imported


def quarantined_rows(quarantine: pl.DataFrame) -> int:
    """Distinct rows (sheet, row) among a file's quarantine rows (one per failed rule)."""
    keys = [c for c in (SOURCE_ROW, SOURCE_SHEET) if c in quarantine.columns]
    return quarantine.select(keys).n_unique() if quarantine.height else 0


def loaded_shas(con: duckdb.DuckDBPyConnection, source: str, county_code: str, period: dt.date) -> list[str]:
    """sha256 of each file whose rows are currently loaded for this county-month (its latest load), sorted."""
    rows = con.execute(
        """SELECT source_sha256 FROM raw.load_audit
           WHERE source = ? AND county_code = ? AND period = ? AND status = 'loaded'
           QUALIFY load_id = first_value(load_id) OVER (ORDER BY finished_at DESC)""",
        [source, county_code, period],
    ).fetchall()
    return sorted(r[0] for r in rows)


def replace_county_month(con: duckdb.DuckDBPyConnection, loads: FileLoad | Sequence[FileLoad]) -> None:
    """Swap a county-month's rows, quarantine and audit in one transaction: fully old or fully new. The
    new rows are those of every part (file) in `loads`, all of one county-month and one load; the audit
    gets one row per file."""
    parts = [loads] if isinstance(loads, FileLoad) else list(loads)
    first = parts[0]
    assert all(
        (p.spec, p.county_code, p.period, p.load_id)
        == (first.spec, first.county_code, first.period, first.load_id)
        for p in parts
    ), "the parts of one county-month load"
    spec = first.spec
    key = [first.county_code, first.period]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM raw.{spec.table} WHERE county_code = ? AND period = ?", key)
        con.execute(
            "DELETE FROM raw.quarantine WHERE source = ? AND county_code = ? AND period = ?",
            [spec.source, *key],
        )
        for load in parts:
            _insert_file(con, load)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _insert_file(con: duckdb.DuckDBPyConnection, load: FileLoad) -> None:
    """One file's rows, quarantine and audit (inside replace_county_month's transaction)."""
    spec = load.spec
    source_file = valid_text(load.source_file)
    rows = load.rows.rename({SOURCE_ROW: "_source_row"}).with_columns(
        county_code=pl.lit(load.county_code),
        period=pl.lit(load.period),
        _source_file=pl.lit(source_file),
        _source_sha256=pl.lit(load.sha256),
        _load_id=pl.lit(load.load_id),
        _loaded_at=pl.lit(load.loaded_at),
    )
    quarantine = load.quarantine.rename(
        {SOURCE_ROW: "source_row", SOURCE_SHEET: "source_sheet"}
    ).with_columns(
        load_id=pl.lit(load.load_id),
        source=pl.lit(spec.source),
        source_file=pl.lit(source_file),
        source_sha256=pl.lit(load.sha256),
        county_code=pl.lit(load.county_code),
        period=pl.lit(load.period),
    )
    n_quarantined = quarantined_rows(load.quarantine)
    try:
        con.register("_rows", _arrow(rows))
        con.execute(f"INSERT INTO raw.{spec.table} BY NAME SELECT * FROM _rows")
        con.register("_quarantine", _arrow(quarantine))
        con.execute("INSERT INTO raw.quarantine BY NAME SELECT * FROM _quarantine")
        record_audit(
            con,
            load.load_id,
            spec.source,
            source_file,
            load.sha256,
            load.county_code,
            load.period,
            load.rows_read,
            rows.height,
            n_quarantined,
            "loaded",
            load.message,
            load.started_at,
            rows_skipped=load.rows_skipped,
            skipped_json=load.skipped_json,
            totals_json=load.totals_json,
            totals_ok=load.totals_ok,
        )
    finally:
        con.unregister("_rows")
        con.unregister("_quarantine")


def record_audit(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    source: str,
    source_file: str,
    sha256: str | None,
    county_code: str | None,
    period: dt.date,
    rows_read: int,
    rows_loaded: int,
    rows_quarantined: int,
    status: str,
    message: str | None,
    started_at: dt.datetime,
    *,
    rows_skipped: int = 0,
    skipped_json: str | None = None,
    totals_json: str | None = None,
    totals_ok: bool | None = None,
) -> None:
    """Append the event to raw.load_audit_history and update the current rows in raw.load_audit: a loaded
    file replaces its county-month's rows of earlier loads (the other parts of the same load stay); a
    failure becomes current only where nothing is loaded (the rows of the last good load stay in the
    warehouse and in the current audit), replacing the failures of earlier attempts; unchanged and
    superseded files are history only. Every text is made valid (errors.valid_text): a file name that is
    not UTF-8 must not stop the audit."""
    values = {
        "load_id": load_id,
        "source": source,
        "source_file": source_file,
        "source_sha256": sha256,
        "county_code": county_code,
        "period": period,
        "rows_read": rows_read,
        "rows_loaded": rows_loaded,
        "rows_quarantined": rows_quarantined,
        "status": status,
        "message": redact_text(valid_text(message)) if message is not None else None,
        "started_at": started_at,
        "rows_skipped": rows_skipped,
        "skipped_json": skipped_json,
        "totals_json": totals_json,
        "totals_ok": totals_ok,
    }
    values = {k: valid_text(v) if isinstance(v, str) else v for k, v in values.items()}
    cols = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    args = list(values.values())
    insert = f"({cols}, finished_at) VALUES ({marks}, now()::TIMESTAMP)"
    con.execute(f"INSERT INTO raw.load_audit_history {insert}", args)
    key = "source = ? AND period = ? AND county_code IS NOT DISTINCT FROM ?"
    key_args: list = [source, period, county_code]
    if county_code is None:
        key += " AND source_file = ?"
        key_args.append(values["source_file"])
    if status == "failed":
        loaded = con.execute(
            f"SELECT count(*) FROM raw.load_audit WHERE {key} AND status = 'loaded'", key_args
        ).fetchone()
        if loaded and loaded[0]:
            return
    elif status != "loaded":
        return
    # Earlier loads' rows go (and a failed attempt's rows go once something is loaded); the other files of
    # this load stay: same load_id and, for a failure, the same status.
    con.execute(
        f"DELETE FROM raw.load_audit WHERE {key} AND (load_id <> ? OR status <> ?)",
        [*key_args, load_id, status],
    )
    con.execute(f"INSERT INTO raw.load_audit {insert}", args)


def _arrow(frame: pl.DataFrame) -> pa.Table:
    """Zero-copy Arrow view of a polars frame for DuckDB: the newest compat level keeps polars' string views
    (DuckDB reads them as they are) where the default converts every string column to large_string, a
    copy that cost more than the insert itself (1M rows: 0.2 s against 1.1 s)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())
