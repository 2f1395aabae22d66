"""The shared raw layer on its own (no Spark needed): layout, atomic replacement of a county-month,
incremental sync by load, and DuckDB reading the files back exactly as raw.*."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from dagster_project.lakehouse.engine import dbt_target_args
from dagster_project.lakehouse.parquet_layer import (
    create_duckdb_views,
    export_county_month,
    raw_root,
    sync_raw_layer,
)
from dagster_project.lakehouse.spark import raw_table_ddl
from dagster_project.settings import Settings, engine_from_env

JUNE, JULY = dt.date(2024, 6, 1), dt.date(2024, 7, 1)


def _raw(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA raw")
    con.execute(
        "CREATE TABLE raw.assistance_roster (person_key VARCHAR, amount DECIMAL(14,2), county_code VARCHAR, "
        "period DATE, _load_id VARCHAR, _loaded_at TIMESTAMP)"
    )
    con.execute(
        "INSERT INTO raw.assistance_roster VALUES "
        "('k1', 512.50, '610602', '2024-06-01', 'L1', now()::TIMESTAMP), "
        "('k2', 300.00, '610602', '2024-06-01', 'L1', now()::TIMESTAMP), "
        "('k3', 812.25, '610631', '2024-06-01', 'L2', now()::TIMESTAMP), "
        "('k1', 512.50, '610602', '2024-07-01', 'L3', now()::TIMESTAMP)"
    )


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    _raw(c)
    yield c
    c.close()


def test_layout_is_hive_partitioned_by_period_and_county(con, tmp_path: Path) -> None:
    root = str(tmp_path / "raw")
    written = sync_raw_layer(con, root)
    files = sorted(p.relative_to(root).as_posix() for p in Path(root).rglob("part-*.parquet"))
    assert (Path(root) / "assistance_roster" / "_schema.parquet").is_file()  # columns, no rows
    assert files == [
        "assistance_roster/period=2024-06-01/county_code=610602/part-0.parquet",
        "assistance_roster/period=2024-06-01/county_code=610631/part-0.parquet",
        "assistance_roster/period=2024-07-01/county_code=610602/part-0.parquet",
    ]
    assert sum(r.rows for r in written) == 4
    # partition columns live in the path only
    names = pq.read_schema(Path(root) / files[0]).names
    assert "period" not in names and "county_code" not in names and "amount" in names


def test_duckdb_reads_the_layer_back_exactly(con, tmp_path: Path) -> None:
    root = str(tmp_path / "raw")
    sync_raw_layer(con, root)
    assert create_duckdb_views(con, root) == ["assistance_roster"]
    cols = "person_key, amount, county_code, period, _load_id, _loaded_at"
    diff = con.execute(
        f"SELECT count(*) FROM ((SELECT {cols} FROM raw.assistance_roster EXCEPT ALL "
        f"SELECT {cols} FROM raw_lake.assistance_roster) UNION ALL (SELECT {cols} FROM raw_lake.assistance_roster "
        f"EXCEPT ALL SELECT {cols} FROM raw.assistance_roster))"
    ).fetchone()
    assert diff == (0,)
    types = dict(
        con.execute("SELECT column_name, column_type FROM (DESCRIBE raw_lake.assistance_roster)").fetchall()
    )
    assert (
        types["county_code"] == "VARCHAR" and types["period"] == "DATE" and types["amount"] == "DECIMAL(14,2)"
    )


def test_sync_rewrites_only_changed_county_months_and_replaces_atomically(con, tmp_path: Path) -> None:
    root = str(tmp_path / "raw")
    assert len(sync_raw_layer(con, root)) == 3
    assert sync_raw_layer(con, root) == []  # nothing changed
    # a corrected re-export of 610602 / June replaces that county-month (one load, other rows)
    con.execute("DELETE FROM raw.assistance_roster WHERE county_code = '610602' AND period = '2024-06-01'")
    con.execute(
        "INSERT INTO raw.assistance_roster VALUES ('k9', 100.00, '610602', '2024-06-01', 'L4', now()::TIMESTAMP)"
    )
    again = sync_raw_layer(con, root)
    assert [(r.period, r.county_code, r.rows) for r in again] == [(JUNE, "610602", 1)]
    create_duckdb_views(con, root)
    assert con.execute(
        "SELECT list(person_key ORDER BY person_key) FROM raw_lake.assistance_roster "
        "WHERE county_code = '610602' AND period = '2024-06-01'"
    ).fetchone() == (["k9"],)
    # no temporary file is left next to the data
    assert not [p for p in Path(root).rglob("*") if p.name.startswith(".")]


def test_an_emptied_county_month_becomes_an_empty_file(con, tmp_path: Path) -> None:
    root = str(tmp_path / "raw")
    sync_raw_layer(con, root)
    con.execute("DELETE FROM raw.assistance_roster WHERE county_code = '610631'")
    result = export_county_month(con, "assistance_roster", JUNE, "610631", root)
    assert result.rows == 0
    create_duckdb_views(con, root)
    assert con.execute(
        "SELECT count(*) FROM raw_lake.assistance_roster WHERE county_code = '610631'"
    ).fetchone() == (0,)


def test_spark_ddl_declares_the_partitions_and_types(con, tmp_path: Path) -> None:
    root = str(tmp_path / "raw")
    sync_raw_layer(con, root)
    ddl = raw_table_ddl("assistance_roster", root)
    assert "`amount` DECIMAL(14,2)" in ddl and "`_loaded_at` TIMESTAMP_NTZ" in ddl
    assert "`period` DATE" in ddl and "`county_code` STRING" in ddl
    assert (
        "PARTITIONED BY (period, county_code)" in ddl and f"LOCATION 'file://{root}/assistance_roster'" in ddl
    )


def test_a_source_never_loaded_still_gets_its_table(con, tmp_path: Path) -> None:
    """raw.lottery_sales exists but has no county-month yet: the layer holds its schema file (no rows,
    skipped by the partition glob), so Spark gets an empty table and dbt's models and tests on it run."""
    con.execute(
        "CREATE TABLE raw.lottery_sales (game_code VARCHAR, sales_amount DECIMAL(14,2), county_code VARCHAR, "
        "period DATE, _load_id VARCHAR, _loaded_at TIMESTAMP)"
    )
    root = str(tmp_path / "raw")
    sync_raw_layer(con, root)
    assert not list((tmp_path / "raw" / "lottery_sales").glob("period=*"))
    ddl = raw_table_ddl("lottery_sales", root)
    assert "`sales_amount` DECIMAL(14,2)" in ddl and "`period` DATE" in ddl
    assert "PARTITIONED BY (period, county_code)" in ddl
    # the schema file never shows up as data; the empty table reads as an empty view
    create_duckdb_views(con, root)
    assert con.execute("SELECT count(*) FROM raw_lake.assistance_roster").fetchone() == (4,)
    assert con.execute("SELECT count(*), count(sales_amount) FROM raw_lake.lottery_sales").fetchone() == (
        0,
        0,
    )


def test_root_and_engine_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MINZHENG_RAW_PARQUET_URI", raising=False)
    assert raw_root(tmp_path) == str(tmp_path / "lake" / "raw")
    monkeypatch.setenv("MINZHENG_RAW_PARQUET_URI", "s3://bucket/minzheng/raw/")
    assert raw_root(tmp_path) == "s3://bucket/minzheng/raw"
    monkeypatch.setenv("MINZHENG_ENGINE", "Spark")
    assert engine_from_env() == "spark"
    assert dbt_target_args(Settings.from_env()) == ["--target", "spark"]
    monkeypatch.setenv("MINZHENG_ENGINE", "oracle")
    with pytest.raises(ValueError, match="MINZHENG_ENGINE must be one of duckdb, spark"):
        Settings.from_env()
    monkeypatch.delenv("MINZHENG_ENGINE")
    assert dbt_target_args(Settings.from_env()) == []
