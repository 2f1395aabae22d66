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
# Person-level tables stay in the warehouse: a table carrying a pseudonymous person key or another
# identifier of a person (the volunteer number of 志愿服务) is not published. The serving file is what
# Superset and analysts read; it holds counts and sums, never a row per person.
PERSON_KEY_COLUMNS = ("person_key", "household_key", "name_key", "volunteer_id")


@dataclass(frozen=True)
class PublishResult:
    path: Path
    tables: dict[str, int]  # schema.table -> rows
    withheld: tuple[str, ...] = ()  # tables with person keys, kept out of the serving file


def publish(warehouse: duckdb.DuckDBPyConnection, serving_path: Path) -> PublishResult:
    """Copy the published schemas from an open warehouse connection into a fresh serving file."""
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving_path.with_name(f".{serving_path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    tables: dict[str, int] = {}
    warehouse.execute(f"ATTACH '{tmp}' AS serving")
    try:
        schemas = ", ".join(repr(s) for s in PUBLISHED_SCHEMAS)
        keys = ", ".join(repr(c) for c in PERSON_KEY_COLUMNS)
        rows = warehouse.execute(
            "SELECT table_schema, table_name, bool_or(column_name IN (" + keys + ")) AS has_person_key "
            "FROM information_schema.columns WHERE table_catalog = current_database() "
            f"AND table_schema IN ({schemas}) GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
        withheld = tuple(f"{s}.{t}" for s, t, personal in rows if personal)
        rows = [(s, t) for s, t, personal in rows if not personal]
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
    return PublishResult(serving_path, tables, withheld)
