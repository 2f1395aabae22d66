"""The rows a suite's GX expectations run on, read from DuckDB as Arrow and handed to pandas.

The frame holds the same values, with the same kinds of columns, as DuckDB's `.df()` gave (the reader
used before), so the expectations see the same data and return the same outcomes and samples; it is
only built faster, and typed so that GX's pandas code takes its vectorised paths:

- strings stay Arrow-backed (pandas' default `str` dtype, as `.df()` also ends up with) without the
  round trip through a million Python objects `.df()` makes (one chunk per column: to_frame);
- integer columns without NULLs become int64: GX compares int64 and float64 columns vectorised, but
  any other integer dtype (DuckDB's INTEGER is int32) one value at a time in Python (about 1 s per
  million values). Integer columns with NULLs become nullable Int64 (`.df()`: Int32 / Int64), so their
  samples still print as integers;
- BOOLEAN columns with NULLs become nullable booleans, as with `.df()`;
- DATE and TIMESTAMP columns become Python dates (None for NULL), as before: GX parses ISO-date bounds
  ('2024-06-30') into dates, which pandas Timestamps refuse to compare with;
- DECIMAL (and HUGEINT, which reaches Arrow as a decimal) columns become float64, as with `.df()`.

Any other column type is converted by Arrow's defaults (no suite reads one).

The frame carries a fingerprint of its rows, computed by DuckDB on the Arrow table (`attrs`, see
quality/gx_engine.py): GX records it for the batch instead of hashing every value with pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import pyarrow as pa


def _dates(values: pa.ChunkedArray) -> pd.Series:
    import numpy as np
    import pandas as pd

    column = values.to_pandas()
    if not pd.api.types.is_datetime64_any_dtype(column):  # DATE: already Python dates / None
        return pd.Series(column, dtype=object)
    return pd.Series(np.where(column.notna(), column.dt.date, None), dtype=object)


def _gx_type(values: pa.ChunkedArray) -> pa.DataType:
    """The Arrow type a column is cast to before it goes to pandas."""
    import pyarrow as pa

    kind = values.type
    if pa.types.is_integer(kind) and not values.null_count:
        return pa.int64()
    if pa.types.is_decimal(kind):
        return pa.float64()
    if pa.types.is_string(kind):  # pandas' `str` dtype stores large_string (see _one_chunk)
        return pa.large_string()
    return kind


def _is_text(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)


def _fixed_up(values: pa.ChunkedArray) -> pd.Series | None:
    """The column as `.df()` typed it where Arrow's own conversion to pandas differs; None elsewhere."""
    import pandas as pd
    import pyarrow as pa

    kind = values.type
    if pa.types.is_integer(kind) and values.null_count:  # Arrow: float64
        return values.to_pandas(types_mapper={kind: pd.Int64Dtype()}.get)
    if pa.types.is_boolean(kind) and values.null_count:  # Arrow: object
        return values.to_pandas(types_mapper={kind: pd.BooleanDtype()}.get)
    if pa.types.is_timestamp(kind):  # Arrow: datetime64
        return _dates(values)
    return None


def _one_chunk(values: pa.ChunkedArray) -> pa.Array:
    """A text column as one array. STRING is made large_string first: that cast only widens the offsets
    (the characters are shared), and pandas' `str` dtype keeps large_string, so the characters are copied
    once here and pandas wraps the result as it is; combined as `string`, pandas copied them a second
    time to convert (about 0.5 s for the 7 text columns of a province month of the payment roster)."""
    import pyarrow as pa

    if pa.types.is_string(values.type):
        values = values.cast(pa.large_string())
    return values.combine_chunks()


def to_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table (a suite's rows) as the pandas frame GX validates. One conversion of the whole
    table, then the few columns Arrow types otherwise.

    Each string column is made one chunk first: pandas keeps Arrow's chunks, and pyarrow concatenates a
    chunked column on every selection of rows (GX selects the unexpected rows of every expectation,
    mostly none: 0.2-0.5 s each on a province month instead of nothing). Numeric columns become one
    numpy array in to_pandas() anyway."""
    import pyarrow as pa

    schema = pa.schema(
        [pa.field(n, _gx_type(c)) for n, c in zip(table.column_names, table.columns, strict=True)]
    )
    columns = [_one_chunk(c) if _is_text(c.type) else c for c in table.columns]
    df = pa.table(columns, names=table.column_names).cast(schema).to_pandas()
    for name, values in zip(table.column_names, table.columns, strict=True):
        column = _fixed_up(values)
        if column is not None:
            df[name] = column.to_numpy() if column.dtype == object else column.array
    return df


def arrow_fingerprint(table: pa.Table) -> str:
    """md5 of the row count and the sum and xor of DuckDB's hash of every row (all columns): the same
    rows give the same fingerprint whatever their order, and any changed value changes it."""
    import hashlib

    import duckdb

    names = ", ".join('"' + name.replace('"', '""') + '"' for name in table.column_names)
    with duckdb.connect() as mem:
        mem.register("month_rows", table)
        row = mem.execute(
            f"SELECT count(*), sum(hash({names})::HUGEINT), bit_xor(hash({names})) FROM month_rows"
            if names
            else "SELECT count(*), NULL, NULL FROM month_rows"
        ).fetchone()
    return hashlib.md5(repr((table.schema.names, row)).encode(), usedforsecurity=False).hexdigest()


def read_rows(con: duckdb.DuckDBPyConnection, query: str, args: dict[str, Any]) -> pa.Table:
    """Run a suite's query: its rows as Arrow. A relation's Arrow output is read without the extra copy a
    DB-API result's makes; it needs the connection free of a pending execute() result (one read with
    fetchone(), say), so that one is run to its end first."""
    con.complete()
    return con.sql(query, params=args).to_arrow_table()


def frame_of(table: pa.Table) -> pd.DataFrame:
    """The frame GX validates, carrying the fingerprint of its rows (made in whichever process validates:
    a worker's, when the checking process hands the rows out)."""
    from .gx_engine import mark

    df = to_frame(table)
    mark(df, arrow_fingerprint(table))
    return df
