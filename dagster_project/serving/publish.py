"""Publish the marts to a read-only serving DuckDB file by atomic swap, and one file per county.

Superset reads the serving files only. Each is rebuilt next to the live file, checkpointed and closed,
then `os.replace`d onto it: open readers keep the old version, new connections see the new one, and
the pipeline never waits for (or blocks) a dashboard.

The county files (county_scope.py) hold only what that county's logins may read; Superset opens a
county login's own file, so row-level security is not the only thing between a county and the others.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .county_scope import COUNTY_DIR, checked_code, clause_template, county_clause, county_file

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
    county_files: dict[str, Path] | None = None  # county code -> its serving file


def publish(
    warehouse: duckdb.DuckDBPyConnection, serving_path: Path, counties: Iterable[str] = ()
) -> PublishResult:
    """Copy the published schemas from an open warehouse connection into a fresh serving file, and the
    rows each of `counties` may read into its own file (county_scope.county_file)."""
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    codes = sorted({checked_code(c) for c in counties})
    schemas = ", ".join(repr(s) for s in PUBLISHED_SCHEMAS)
    keys = ", ".join(repr(c) for c in PERSON_KEY_COLUMNS)
    rows = warehouse.execute(
        "SELECT table_schema, table_name, bool_or(column_name IN (" + keys + ")) AS has_person_key, "
        "list(column_name) AS columns "
        "FROM information_schema.columns WHERE table_catalog = current_database() "
        f"AND table_schema IN ({schemas}) GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    withheld = tuple(f"{s}.{t}" for s, t, personal, _ in rows if personal)
    published = [(s, t, set(columns)) for s, t, personal, columns in rows if not personal]

    tmp = _tmp(serving_path)
    tables = _write(warehouse, tmp, [(s, t, "TRUE") for s, t, _ in published])
    county_tmps: dict[str, Path] = {}
    for code in codes:
        scoped = [
            (s, t, county_clause(template, code))
            for s, t, columns in published
            if (template := clause_template(t, columns)) is not None
        ]
        county_tmps[code] = _tmp(county_file(serving_path, code))
        _write(warehouse, county_tmps[code], scoped)
    # counties first: a county's file is never newer than the prefecture's by more than this loop
    files = {}
    for code, path in county_tmps.items():
        files[code] = county_file(serving_path, code)
        os.replace(path, files[code])
    _remove_stale_counties(serving_path, set(codes))
    os.replace(tmp, serving_path)
    return PublishResult(serving_path, tables, withheld, files)


def _tmp(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    return tmp


def _write(
    warehouse: duckdb.DuckDBPyConnection, path: Path, tables: list[tuple[str, str, str]]
) -> dict[str, int]:
    """A new DuckDB file at `path` holding `SELECT * FROM schema.table WHERE clause` of each table."""
    counts: dict[str, int] = {}
    warehouse.execute(f"ATTACH '{path}' AS serving")
    try:
        for schema in PUBLISHED_SCHEMAS:
            warehouse.execute(f"CREATE SCHEMA IF NOT EXISTS serving.{schema}")
        for schema, table, clause in tables:
            warehouse.execute(
                f'CREATE TABLE serving.{schema}."{table}" AS SELECT * FROM {schema}."{table}" WHERE {clause}'
            )
            count = warehouse.execute(f'SELECT count(*) FROM serving.{schema}."{table}"').fetchone()
            counts[f"{schema}.{table}"] = int(count[0]) if count else 0
        warehouse.execute("CHECKPOINT serving")
    finally:
        warehouse.execute("DETACH serving")
    return counts


def _remove_stale_counties(serving_path: Path, codes: set[str]) -> None:
    """A county no longer configured keeps no file (nor a temporary file of a crashed run)."""
    for path in (serving_path.parent / COUNTY_DIR).glob("*.duckdb"):
        if path.stem not in codes:
            path.unlink(missing_ok=True)
