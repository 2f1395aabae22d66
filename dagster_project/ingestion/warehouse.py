"""DuckDB side of ingestion: raw table DDL and the all-or-nothing replacement of a county-month."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import polars as pl

from .readers import SOURCE_ROW
from .spec import SOURCES, SQL_TYPES, Kind, SourceSpec

LINEAGE_DDL = """
    county_code VARCHAR NOT NULL,
    period DATE NOT NULL,
    _source_file VARCHAR NOT NULL,
    _source_sha256 VARCHAR NOT NULL,
    _source_row INTEGER NOT NULL,
    _load_id VARCHAR NOT NULL,
    _loaded_at TIMESTAMP NOT NULL"""

QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS raw.quarantine (
    load_id VARCHAR NOT NULL, source VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL, source_row INTEGER NOT NULL, county_code VARCHAR NOT NULL,
    period DATE NOT NULL, column_name VARCHAR NOT NULL, reason_code VARCHAR NOT NULL,
    reason VARCHAR NOT NULL, raw_value VARCHAR, record_json VARCHAR
)"""

AUDIT_DDL = """
CREATE TABLE IF NOT EXISTS raw.load_audit (
    load_id VARCHAR NOT NULL, source VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
    source_sha256 VARCHAR, county_code VARCHAR, period DATE NOT NULL,
    rows_read INTEGER NOT NULL, rows_loaded INTEGER NOT NULL, rows_quarantined INTEGER NOT NULL,
    status VARCHAR NOT NULL, message VARCHAR, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL
)"""


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


def loaded_sha(con: duckdb.DuckDBPyConnection, source: str, county_code: str, period: dt.date) -> str | None:
    """sha256 of the file whose rows are currently loaded for this county-month, if any."""
    row = con.execute(
        """SELECT source_sha256 FROM raw.load_audit
           WHERE source = ? AND county_code = ? AND period = ? AND status = 'loaded'
           ORDER BY finished_at DESC LIMIT 1""",
        [source, county_code, period],
    ).fetchone()
    return row[0] if row else None


def replace_county_month(con: duckdb.DuckDBPyConnection, load: FileLoad) -> None:
    """Swap a county-month's rows, quarantine and audit in one transaction: fully old or fully new."""
    spec = load.spec
    rows = load.rows.rename({SOURCE_ROW: "_source_row"}).with_columns(
        county_code=pl.lit(load.county_code),
        period=pl.lit(load.period),
        _source_file=pl.lit(load.source_file),
        _source_sha256=pl.lit(load.sha256),
        _load_id=pl.lit(load.load_id),
        _loaded_at=pl.lit(load.loaded_at),
    )
    quarantine = load.quarantine.rename({SOURCE_ROW: "source_row"}).with_columns(
        load_id=pl.lit(load.load_id),
        source=pl.lit(spec.source),
        source_file=pl.lit(load.source_file),
        source_sha256=pl.lit(load.sha256),
        county_code=pl.lit(load.county_code),
        period=pl.lit(load.period),
    )
    n_quarantined = load.quarantine[SOURCE_ROW].n_unique()
    key = [load.county_code, load.period]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM raw.{spec.table} WHERE county_code = ? AND period = ?", key)
        con.register("_rows", rows.to_arrow())
        con.execute(f"INSERT INTO raw.{spec.table} BY NAME SELECT * FROM _rows")
        con.execute(
            "DELETE FROM raw.quarantine WHERE source = ? AND county_code = ? AND period = ?",
            [spec.source, *key],
        )
        con.register("_quarantine", quarantine.to_arrow())
        con.execute("INSERT INTO raw.quarantine BY NAME SELECT * FROM _quarantine")
        record_audit(
            con,
            load.load_id,
            spec.source,
            load.source_file,
            load.sha256,
            load.county_code,
            load.period,
            load.rows_read,
            rows.height,
            n_quarantined,
            "loaded",
            None,
            load.started_at,
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
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
) -> None:
    con.execute(
        "INSERT INTO raw.load_audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
        [
            load_id,
            source,
            source_file,
            sha256,
            county_code,
            period,
            rows_read,
            rows_loaded,
            rows_quarantined,
            status,
            message,
            started_at,
        ],
    )
