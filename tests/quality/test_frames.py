"""The frame GX validates (quality/frames.py, read through Arrow) holds the same values as DuckDB's
`.df()` gave, with dtypes GX computes on vectorised; and GX's outcomes on it are the same."""

from __future__ import annotations

import datetime as dt
import decimal

import duckdb
import pandas as pd
import pytest

from dagster_project.quality.frames import frame_of, read_rows

QUERY = """
SELECT * FROM (VALUES
    (1::INTEGER, 7::INTEGER, true, true, 1.25::DECIMAL(10, 2), 10::HUGEINT, DATE '2024-06-02',
     TIMESTAMP '2024-06-03 10:30:00', 'a', 2.5::DOUBLE, 3::SMALLINT, 5::BIGINT),
    (2, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 4, 6),
    (3, 9, true, false, 3.50, 12, DATE '2024-06-30', TIMESTAMP '2024-06-30 23:59:59', '县', -1.0, 5, 7)
) t(i, i_null, b, b_null, d, h, day, ts, s, f, small, big)
"""


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _as_before(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """What the frame reader gave before: `.df()`, then dates for DATE / TIMESTAMP columns."""
    import numpy as np

    df = con.execute(QUERY).df()
    for name in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[name]):
            df[name] = pd.Series(np.where(df[name].notna(), df[name].dt.date, None), dtype=object)
    return df


def _values(column: pd.Series) -> list[object]:
    return [None if pd.isna(v) else v for v in column.astype(object)]


def test_same_values_as_duckdb_df(con) -> None:
    before, after = _as_before(con), frame_of(read_rows(con, QUERY, {}))
    assert list(after.columns) == list(before.columns)
    for name in before.columns:
        assert _values(after[name]) == _values(before[name]), name
        assert [type(v) for v in _values(after[name])] == [type(v) for v in _values(before[name])], name


def test_dtypes_gx_compares_vectorised(con) -> None:
    df = frame_of(read_rows(con, QUERY, {}))
    assert df["i"].dtype == "int64" and df["small"].dtype == "int64"  # int32 / int16 went through Python
    assert str(df["i_null"].dtype) == "Int64"  # NULLs kept; samples still print as integers
    assert str(df["b_null"].dtype) == "boolean"
    assert df["d"].dtype == "float64" and df["h"].dtype == "float64"
    assert df["s"].dtype == "str"
    assert df["day"].tolist() == [dt.date(2024, 6, 2), None, dt.date(2024, 6, 30)]
    assert df["ts"].tolist() == [dt.date(2024, 6, 3), None, dt.date(2024, 6, 30)]
    assert not any(isinstance(v, decimal.Decimal) for v in df["d"])


def test_pending_result_on_the_connection(con) -> None:
    """A result read with fetchone() leaves the connection busy; the read still works."""
    con.execute("SELECT * FROM range(10)").fetchone()
    assert len(frame_of(read_rows(con, "SELECT $n::INTEGER AS n", {"n": 4}))) == 1


def test_empty_month(con) -> None:
    df = frame_of(read_rows(con, QUERY + " WHERE false", {}))
    assert len(df) == 0 and list(df.columns)[:2] == ["i", "i_null"]
