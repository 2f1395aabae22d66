"""The same warehouse on DuckDB and on Apache Spark: one simulated month goes through the real ingestion
into DuckDB's raw.* and the shared Parquet layer; `dbt build` runs on DuckDB and, with the external raw
tables over the same Parquet files, `dbt build --target spark` on a real local Spark. Every model and test
must pass on both, and every mart must hold the same rows: exactly for keys, counts, money and labels, to
1e-9 relative for ratios (floating-point sums may be added in another order)."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.ingestion.pipeline import load_partition
from dagster_project.ingestion.pseudonymise import Pseudonymiser
from dagster_project.ingestion.region import region_lookup
from dagster_project.ingestion.spec import SOURCES
from dagster_project.lakehouse.engine import publish_from_spark
from dagster_project.lakehouse.local_spark import LocalSpark
from dagster_project.lakehouse.parquet_layer import RAW_TABLES, create_duckdb_views, export_raw
from dagster_project.lakehouse.spark import (
    SparkEndpoint,
    attach_spark_marts,
    register_raw_tables,
    spark_cursor,
    table_locations,
)
from dagster_project.lakehouse.spark_watchdog import run_on_local_spark
from dagster_project.serving.publish import publish
from dagster_project.settings import DBT_PROJECT_DIR
from minzheng_simulator import SimulationConfig, simulate

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

MONTH = dt.date(2024, 6, 1)
# An urban district, the smallest county and the renamed 子长市: every domain, quarantined rows included.
COUNTIES = ("610602", "610631", "610681")
DBT = Path(sys.executable).with_name("dbt")


@dataclass
class Builds:
    root: Path
    duckdb_path: Path
    lake: str
    spark: SparkEndpoint
    duckdb_results: dict[str, str]
    spark_results: dict[str, str]


RUN_SPECIFIC = ["_dbt_invocation_id"]
# A dbt build of one month takes about 2 minutes on Spark here; one that takes 15 is hung (and is reported).
BUILD_TIMEOUT_SECONDS = 900


def _dbt(
    root: Path, name: str, env: dict[str, str], *args: str, local: LocalSpark | None = None
) -> dict[str, str]:
    """`dbt <args>`; on Spark through the watchdog, which restarts the server and runs the build again
    when Hive's function registry breaks in it (dagster_project/lakehouse/spark_watchdog.py)."""
    target = root / f"target_{name}"
    paths = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    paths += ["--target-path", str(target), "--log-path", str(root / f"logs_{name}")]
    run_env = {**os.environ, **env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [str(DBT), *args, *paths]
    if local is None:
        proc = subprocess.run(cmd, env=run_env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS)
        returncode, stdout = proc.returncode, proc.stdout
    else:
        run = run_on_local_spark(cmd, run_env, local, os.environ, timeout_seconds=BUILD_TIMEOUT_SECONDS)
        returncode, stdout = run.returncode, run.stdout
    results = json.loads((target / "run_results.json").read_text())["results"]
    statuses = {r["unique_id"]: r["status"] for r in results}
    bad = {k: v for k, v in statuses.items() if v in ("error", "fail", "skipped")}
    assert returncode == 0 and not bad, f"dbt {' '.join(args)} on {name}: {bad}\n{stdout[-6000:]}"
    return statuses


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, local_spark: LocalSpark) -> Builds:
    spark = local_spark.endpoint
    root = tmp_path_factory.mktemp("same_numbers")
    landing = root / "landing"
    simulate(
        SimulationConfig(
            out=landing,
            months=[MONTH],
            scale=0.02,
            dirty_rate=0.01,
            seed=15,
            corrections=0,
            counties=COUNTIES,
            workers=1,
        )
    )
    db = root / "minzheng.duckdb"
    lake = str(root / "lake" / "raw")
    with duckdb.connect(str(db)) as con:
        for spec in SOURCES.values():
            load_partition(
                con, spec, MONTH, landing, region_lookup(), Pseudonymiser(b"spark-parity-key-0123456789abcd")
            )
        export_raw(con, lake)
    with spark_cursor(spark) as cursor:
        assert set(register_raw_tables(cursor, lake)) == set(RAW_TABLES)
    duckdb_results = _dbt(root, "duckdb", {"MINZHENG_WAREHOUSE_PATH": str(db)}, "build")
    spark_env = spark.dbt_env()
    spark_results = _dbt(root, "spark", spark_env, "build", "--target", "spark", local=local_spark)
    return Builds(root, db, lake, spark, duckdb_results, spark_results)


def test_raw_layer_holds_every_raw_row_of_duckdb(builds: Builds) -> None:
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{builds.duckdb_path}' AS wh (READ_ONLY)")
        con.execute("USE wh")
        create_duckdb_views(con, builds.lake, schema="memory.lake")
        for table in RAW_TABLES:
            columns = [r[0] for r in con.execute(f"DESCRIBE raw.{table}").fetchall()]
            select = ", ".join(columns)
            diff = con.execute(
                f"SELECT count(*) FROM ((SELECT {select} FROM raw.{table} EXCEPT ALL SELECT {select} FROM memory.lake.{table}) "
                f"UNION ALL (SELECT {select} FROM memory.lake.{table} EXCEPT ALL SELECT {select} FROM raw.{table}))"
            ).fetchall()[0]
            assert diff == (0,), f"raw.{table}: {diff[0]} rows differ between DuckDB and the Parquet layer"
    with spark_cursor(builds.spark) as cursor:
        for table in ("assistance_roster", "quarantine", "load_audit"):
            cursor.execute(f"SELECT county_code, count(*) FROM raw.{table} GROUP BY county_code")
            on_spark = dict(cursor.fetchall())
            with duckdb.connect(str(builds.duckdb_path), read_only=True) as con:
                on_duckdb = dict(
                    con.execute(f"SELECT county_code, count(*) FROM raw.{table} GROUP BY 1").fetchall()
                )
            assert on_spark == on_duckdb and on_duckdb, table


def test_every_model_and_test_passes_on_both(builds: Builds) -> None:
    assert set(builds.spark_results) == set(builds.duckdb_results)
    models = [k for k in builds.spark_results if k.startswith("model.")]
    tests = [k for k in builds.spark_results if k.startswith("test.")]
    assert len(models) > 30 and len(tests) > 100
    assert {k: v for k, v in builds.spark_results.items() if v not in ("success", "pass", "warn")} == {}


def _mart_frames(builds: Builds) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    with spark_cursor(builds.spark) as cursor:
        locations = table_locations(cursor, "marts")
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{builds.duckdb_path}' AS wh (READ_ONLY)")
        on_duckdb = {
            t
            for (t,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'wh' AND schema_name = 'marts'"
            ).fetchall()
        }
        assert on_duckdb == set(locations), "the marts on Spark are not the marts on DuckDB"
        attach_spark_marts(con, locations, schema="spark_marts")
        frames = {}
        for table in sorted(on_duckdb):
            columns = [r[0] for r in con.execute(f"DESCRIBE wh.marts.{table}").fetchall()]
            select = ", ".join(f'"{c}"' for c in columns)
            frames[table] = (
                con.execute(f"SELECT {select} FROM wh.marts.{table}").df(),
                con.execute(f"SELECT {select} FROM spark_marts.{table}").df(),
            )
        return frames
    finally:
        con.close()


def _is_float(series: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(series.dtype)


def _canonical(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, Decimal):
        return value
    if hasattr(value, "item"):
        return value.item()
    return value


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows in the order of their non-floating columns (keys, counts, money, labels), compared as text."""
    order = df.astype({c: str for c in keys}).sort_values(keys, kind="stable").index
    return df.loc[order].reset_index(drop=True)


def test_every_mart_holds_the_same_rows(builds: Builds) -> None:
    frames = _mart_frames(builds)
    assert {
        "mart_assistance_county_month",
        "mart_overview_prefecture_month",
        "fct_assistance_payment",
    } <= set(frames)
    problems = []
    for table, (duck, spark) in frames.items():
        if len(duck) != len(spark):
            problems.append(f"{table}: {len(duck)} rows on DuckDB, {len(spark)} on Spark")
            continue
        # the id of the dbt run that built a row differs by design between the two builds
        duck, spark = (
            duck.drop(columns=RUN_SPECIFIC, errors="ignore"),
            spark.drop(columns=RUN_SPECIFIC, errors="ignore"),
        )
        keys = [c for c in duck.columns if not _is_float(duck[c])]
        duck, spark = _sorted(duck, keys), _sorted(spark, keys)
        for column in duck.columns:
            for i, (a, b) in enumerate(zip(duck[column], spark[column], strict=True)):
                a, b = _canonical(a), _canonical(b)
                if isinstance(a, float) or isinstance(b, float):
                    same = (a is None and b is None) or (
                        a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
                    )
                else:
                    same = a == b
                if not same:
                    problems.append(f"{table}.{column} row {i}: DuckDB {a!r} != Spark {b!r}")
                    break
    assert not problems, "\n".join(problems[:40])
    # Something to compare: money and counts were built on both.
    duck, _ = frames["mart_assistance_county_month"]
    assert duck["is_reported"].sum() == len(COUNTIES)


def test_serving_file_published_from_spark_equals_the_one_from_duckdb(builds: Builds) -> None:
    """MINZHENG_ENGINE=spark publishes Superset's serving file from Spark's marts: same tables, same rows,
    and the tables with person keys are withheld as on DuckDB."""
    from_spark = publish_from_spark(builds.root / "serving_spark.duckdb", builds.spark)
    with duckdb.connect(str(builds.duckdb_path)) as con:
        from_duckdb = publish(con, builds.root / "serving_duckdb.duckdb")
    assert from_spark.tables == from_duckdb.tables
    assert sorted(from_spark.withheld) == sorted(from_duckdb.withheld) and from_duckdb.withheld
    with duckdb.connect(str(from_spark.path), read_only=True) as con:
        schemas = {r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
        money = con.execute(
            "SELECT sum(assistance_spending) FROM marts.mart_assistance_county_month"
        ).fetchall()
    with duckdb.connect(str(from_duckdb.path), read_only=True) as con:
        expected = con.execute(
            "SELECT sum(assistance_spending) FROM marts.mart_assistance_county_month"
        ).fetchall()
    assert schemas == {"marts"} and money == expected and expected[0][0] > 0
