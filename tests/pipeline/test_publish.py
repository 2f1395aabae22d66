"""Publishing the marts: an atomic swap that readers survive, and no person keys in the serving file."""

from pathlib import Path

import duckdb
import pytest

from dagster_project.serving.publish import publish


def _warehouse(path: Path, value: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute("CREATE OR REPLACE TABLE marts.mart_x AS SELECT '610602' AS county_code, ? AS v", [value])
    con.execute(
        "CREATE OR REPLACE TABLE marts.fct_payment AS SELECT repeat('a', 64) AS person_key, 1 AS amount"
    )
    con.execute(  # one row per service record of a volunteer: person-level, without a person key
        "CREATE OR REPLACE TABLE marts.fct_service AS SELECT 'V001' AS volunteer_id, 2.5 AS service_hours"
    )
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE OR REPLACE TABLE raw.secret AS SELECT 1 AS x")
    return con


def test_publish_swaps_atomically_and_withholds_person_keys(tmp_path: Path) -> None:
    serving = tmp_path / "serving" / "minzheng.duckdb"
    with _warehouse(tmp_path / "w.duckdb", 1) as con:
        result = publish(con, serving)
    assert result.tables == {"marts.mart_x": 1}
    assert result.withheld == ("marts.fct_payment", "marts.fct_service")
    reader = duckdb.connect(str(serving), read_only=True)  # a dashboard holding the old file open
    with _warehouse(tmp_path / "w.duckdb", 2) as con:
        publish(con, serving)
    assert reader.execute("SELECT v FROM marts.mart_x").fetchone() == (1,)  # old version, no error
    reader.close()
    with duckdb.connect(str(serving), read_only=True) as fresh:
        assert fresh.execute("SELECT v FROM marts.mart_x").fetchone() == (2,)
        tables = {
            r[0]
            for r in fresh.execute(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables"
            ).fetchall()
        }
        columns = {
            r[0] for r in fresh.execute("SELECT column_name FROM information_schema.columns").fetchall()
        }
    assert tables == {"marts.mart_x"}
    assert "person_key" not in columns and "volunteer_id" not in columns
    assert not list(serving.parent.glob(".*.tmp"))


def test_each_county_file_holds_only_what_its_county_may_read(tmp_path: Path) -> None:
    """The second layer under row-level security: a county's own file has its own rows, the prefecture's
    and other plans' rows of the plan marts, the prefecture-wide tables, and nothing else."""
    serving = tmp_path / "serving" / "minzheng.duckdb"
    stale = serving.parent / "county" / "610699.duckdb"  # a county no longer configured
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.mart_county AS SELECT * FROM (VALUES ('610602', 1), ('610603', 2), (NULL, 3)) "
            "t(county_code, v)"
        )
        con.execute(
            "CREATE TABLE marts.mart_plan AS SELECT * FROM (VALUES ('610600', 'prefecture', 10), "
            "('610602', 'county', 11), ('610603', 'county', 12), ('610000', 'province', 13)) "
            "t(region_code, region_level, v)"
        )
        con.execute("CREATE TABLE marts.mart_overview_prefecture_month AS SELECT 42 AS households")
        con.execute("CREATE TABLE marts.mart_data_dictionary AS SELECT 'x' AS column_name")
        con.execute("CREATE TABLE marts.fct_person AS SELECT '610602' AS county_code, 'k' AS person_key")
        result = publish(con, serving, ["610603", "610602"])
    assert result.county_files == {c: serving.parent / "county" / f"{c}.duckdb" for c in ("610602", "610603")}
    assert not stale.exists()
    assert not list(serving.parent.rglob("*.tmp"))
    with duckdb.connect(str(serving), read_only=True) as full:
        assert full.execute("SELECT count(*) FROM marts.mart_county").fetchone() == (3,)
    for code, other in (("610602", "610603"), ("610603", "610602")):
        with duckdb.connect(str(result.county_files[code]), read_only=True) as con:
            tables = {
                r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
            }
            assert tables == {"mart_county", "mart_plan", "mart_overview_prefecture_month"}
            assert con.execute("SELECT list(county_code) FROM marts.mart_county").fetchone() == ([code],)
            plan = {r[0] for r in con.execute("SELECT region_code FROM marts.mart_plan").fetchall()}
            assert plan == {"610600", "610000", code} and other not in plan
            assert con.execute("SELECT households FROM marts.mart_overview_prefecture_month").fetchone() == (
                42,
            )


def test_a_county_code_that_is_not_a_division_code_is_refused(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.mart_county AS SELECT '610602' AS county_code")
        with pytest.raises(ValueError, match="not a county division code"):
            publish(con, tmp_path / "serving" / "minzheng.duckdb", ["610602' OR '1'='1"])
