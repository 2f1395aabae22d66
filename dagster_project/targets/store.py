"""Staff uploads of the plan-target registry, kept in the warehouse like any other input.

Every accepted template is one load: its rows go to raw.plan_target_upload (prefecture and county targets,
`target_basis` plan / breakdown), raw.plan_reported_value_upload and raw.plan_document_upload (source
documents the template named for the first time), all with the load's `_load_id`; raw.plan_upload_audit
says which file (name, sha256), when, who and what it changed. A rejected file is recorded there too
(status `rejected`, with the problems), and writes no rows. Values are stored as the validated strings
(exactly what a seed CSV would hold); dbt's stg_plan__* models cast them and merge them over the shipped
seeds (dbt/seeds/ref_plan_*.csv) by key, the latest load winning.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import duckdb

from . import registry
from .registry import RegistryRows, Row

SCHEMA = "raw"
TARGET_TABLE = f"{SCHEMA}.plan_target_upload"
REPORTED_TABLE = f"{SCHEMA}.plan_reported_value_upload"
DOCUMENT_TABLE = f"{SCHEMA}.plan_document_upload"
AUDIT_TABLE = f"{SCHEMA}.plan_upload_audit"

COUNT_COLUMNS = (
    "targets_added",
    "targets_updated",
    "breakdown_added",
    "breakdown_updated",
    "reported_added",
    "reported_updated",
    "documents_added",
)


def _columns(names: Sequence[str]) -> str:
    return ", ".join(f"{n} VARCHAR" for n in names)


DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"CREATE TABLE IF NOT EXISTS {TARGET_TABLE} ({_columns(registry.TARGET_COLUMNS)}, "
    "target_basis VARCHAR NOT NULL, _load_id VARCHAR NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {REPORTED_TABLE} ({_columns(registry.REPORTED_COLUMNS)}, _load_id VARCHAR NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {DOCUMENT_TABLE} ({_columns(registry.DOCUMENT_COLUMNS)}, _load_id VARCHAR NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (load_id VARCHAR PRIMARY KEY, load_seq INTEGER NOT NULL, "
    "source_file VARCHAR NOT NULL, source_sha256 VARCHAR NOT NULL, loaded_at TIMESTAMP NOT NULL, "
    "loaded_by VARCHAR, status VARCHAR NOT NULL, "
    + ", ".join(f"{c} INTEGER" for c in COUNT_COLUMNS)
    + ", message VARCHAR)",
)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def _select(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], where: str = "") -> list[Row]:
    sql = (
        f"SELECT {', '.join('u.' + c for c in columns)} FROM {table} AS u "
        f"JOIN {AUDIT_TABLE} AS a ON a.load_id = u._load_id WHERE a.status = 'loaded' {where} "
        "ORDER BY a.load_seq, u.rowid"
    )
    return [{c: (v or "") for c, v in zip(columns, row, strict=True)} for row in con.execute(sql).fetchall()]


def uploaded_rows(con: duckdb.DuckDBPyConnection) -> RegistryRows:
    """Every uploaded row, in load order (merge them over the shipped rows with registry.current_rows)."""
    ensure_tables(con)
    return RegistryRows(
        targets=_select(con, TARGET_TABLE, registry.TARGET_COLUMNS, "AND u.target_basis = 'plan'"),
        breakdown=_select(con, TARGET_TABLE, registry.TARGET_COLUMNS, "AND u.target_basis = 'breakdown'"),
        reported=_select(con, REPORTED_TABLE, registry.REPORTED_COLUMNS),
        documents=_select(con, DOCUMENT_TABLE, registry.DOCUMENT_COLUMNS),
    )


def is_loaded(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    """True if a file with this content was already loaded (an unchanged file is not loaded twice)."""
    ensure_tables(con)
    found = con.execute(
        f"SELECT 1 FROM {AUDIT_TABLE} WHERE source_sha256 = ? AND status = 'loaded' LIMIT 1", [sha256]
    ).fetchone()
    return found is not None


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: list[list[object]]
) -> None:
    if rows:
        con.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", rows
        )


def record_load(
    con: duckdb.DuckDBPyConnection,
    *,
    source_file: str,
    sha256: str,
    loaded_by: str,
    targets: list[Row],
    breakdown: list[Row],
    reported: list[Row],
    documents: list[Row],
    counts: dict[str, int],
    status: str = "loaded",
    message: str | None = None,
) -> str:
    """Write one load (its rows and its audit row) in one transaction; returns the load id."""
    ensure_tables(con)
    load_id = uuid.uuid4().hex
    con.execute("BEGIN TRANSACTION")
    try:
        seq = con.execute(f"SELECT coalesce(max(load_seq), 0) + 1 FROM {AUDIT_TABLE}").fetchone()[0]
        target_columns = [*registry.TARGET_COLUMNS, "target_basis", "_load_id"]
        _insert(
            con,
            TARGET_TABLE,
            target_columns,
            [
                [r.get(c) or None for c in registry.TARGET_COLUMNS] + [basis, load_id]
                for basis, rows in (("plan", targets), ("breakdown", breakdown))
                for r in rows
            ],
        )
        _insert(
            con,
            REPORTED_TABLE,
            [*registry.REPORTED_COLUMNS, "_load_id"],
            [[r.get(c) or None for c in registry.REPORTED_COLUMNS] + [load_id] for r in reported],
        )
        _insert(
            con,
            DOCUMENT_TABLE,
            [*registry.DOCUMENT_COLUMNS, "_load_id"],
            [[r.get(c) or None for c in registry.DOCUMENT_COLUMNS] + [load_id] for r in documents],
        )
        con.execute(
            f"INSERT INTO {AUDIT_TABLE} (load_id, load_seq, source_file, source_sha256, loaded_at, loaded_by, "
            f"status, {', '.join(COUNT_COLUMNS)}, message) VALUES ({', '.join('?' for _ in range(8 + len(COUNT_COLUMNS)))})",
            [
                load_id,
                seq,
                source_file,
                sha256,
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                loaded_by,
                status,
                *(counts.get(c, 0) for c in COUNT_COLUMNS),
                message,
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return load_id


def record_rejection(
    con: duckdb.DuckDBPyConnection, *, source_file: str, sha256: str, loaded_by: str, message: str
) -> str:
    """An audit row for a rejected file (no registry rows)."""
    return record_load(
        con,
        source_file=source_file,
        sha256=sha256,
        loaded_by=loaded_by,
        targets=[],
        breakdown=[],
        reported=[],
        documents=[],
        counts={},
        status="rejected",
        message=message,
    )
