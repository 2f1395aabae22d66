from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingestion.pipeline import load_partition
from dagster_project.ingestion.pseudonymise import Pseudonymiser
from dagster_project.ingestion.spec import SOURCES
from dagster_project.quality.paths import QualityPaths

from .exports import Month, region_lookup, write_month

MAY = dt.date(2024, 5, 1)
JUNE = dt.date(2024, 6, 1)
TEST_KEY = b"quality-test-key-0123456789abcdef"


def load_months(con: duckdb.DuckDBPyConnection, landing: Path, months: list[dt.date]) -> None:
    """Real ingestion of the landing folder (the production loader and region lookup)."""
    hasher = Pseudonymiser(TEST_KEY)
    for period in months:
        for spec in SOURCES.values():
            load_partition(con, spec, period, landing, region_lookup(), hasher)


def build_warehouse(tmp: Path, june_dirt: set[str]) -> tuple[duckdb.DuckDBPyConnection, QualityPaths]:
    landing = tmp / "landing"
    write_month(landing, Month(MAY))
    write_month(landing, Month(JUNE, dirt=june_dirt))
    con = duckdb.connect(str(tmp / "warehouse.duckdb"))
    load_months(con, landing, [MAY, JUNE])
    return con, QualityPaths(tmp)


@pytest.fixture
def clean_warehouse(tmp_path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, QualityPaths]]:
    con, paths = build_warehouse(tmp_path, set())
    yield con, paths
    con.close()
