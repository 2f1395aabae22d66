"""Publish the marts to a read-only serving DuckDB file by atomic swap.

Superset reads the serving file only. It is rebuilt next to the live file, checkpointed and closed,
then `os.replace`d onto it: open readers keep the old version, new connections see the new one, and
the pipeline never waits for (or blocks) a dashboard.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts",)


@dataclass(frozen=True)
class PublishResult:
    path: Path
    tables: dict[str, int]  # schema.table -> rows


def publish(warehouse: duckdb.DuckDBPyConnection, serving_path: Path) -> PublishResult:
    """Copy the published schemas from an open warehouse connection into a fresh serving file."""
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving_path.with_name(f".{serving_path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    tables: dict[str, int] = {}
    warehouse.execute(f"ATTACH '{tmp}' AS serving")
    try:
        rows = warehouse.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() AND table_schema IN "
            f"({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) ORDER BY 1, 2"
        ).fetchall()
        for schema in PUBLISHED_SCHEMAS:
            warehouse.execute(f"CREATE SCHEMA IF NOT EXISTS serving.{schema}")
        for schema, table in rows:
            warehouse.execute(f'CREATE TABLE serving.{schema}."{table}" AS SELECT * FROM {schema}."{table}"')
            count = warehouse.execute(f'SELECT count(*) FROM serving.{schema}."{table}"').fetchone()
            tables[f"{schema}.{table}"] = int(count[0]) if count else 0
        warehouse.execute("CHECKPOINT serving")
    finally:
        warehouse.execute("DETACH serving")
    os.replace(tmp, serving_path)
    return PublishResult(serving_path, tables)
