"""Publishing the marts: an atomic swap that readers survive, and no person keys in the serving file."""

from pathlib import Path

import duckdb

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
