"""The shared raw layer: raw.* of the DuckDB warehouse, one Parquet file per county-month.

Layout (Hive partitioning, read by Spark external tables and by DuckDB's read_parquet):

    <root>/<table>/period=YYYY-MM-DD/county_code=NNNNNN/part-0.parquet

The partition columns live in the path only. A county-month is written to a hidden temporary file next to
its final name and moved onto it: on a local or HDFS file system the rename is atomic, on an object store
the object appears whole; a reader sees the old or the new load, never half of one and never both. A
county-month that ingestion emptied is written as a file with no rows, so it replaces the old load too.

`<root>` is a local folder by default (`$MINZHENG_DATA_DIR/lake/raw`) or any URI pyarrow opens
(`s3://bucket/minzheng/raw`, `hdfs://namenode/minzheng/raw`), set by MINZHENG_RAW_PARQUET_URI.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ..settings import Settings

PARTITION_COLUMNS = ("period", "county_code")
LOADS_KEY = b"minzheng.loads"
FILE_NAME = "part-0.parquet"
# <root>/<table>/_schema.parquet: the table's data columns and no rows, so a source that has no county-month
# yet (never loaded) still becomes an (empty) Spark table. Spark and the read_parquet glob skip the file.
SCHEMA_FILE = "_schema.parquet"
# Every table of schema raw that is cut by county-month: the five source tables, quarantine and the audit.
RAW_TABLES = (
    "assistance_roster",
    "eldercare_institutions",
    "volunteer_roster",
    "volunteer_service",
    "lottery_sales",
    "quarantine",
    "load_audit",
)


def raw_root(data_dir: Path | None = None) -> str:
    """The layer's root: MINZHENG_RAW_PARQUET_URI, else <data dir>/lake/raw (a local folder)."""
    settings = Settings.from_env()
    if settings.raw_parquet_uri:
        return settings.raw_parquet_uri.rstrip("/")
    base = data_dir or settings.data_dir
    return str((Path(base) / "lake" / "raw").resolve())


def _filesystem(root: str) -> tuple[pafs.FileSystem, str]:
    if "://" in root:
        return pafs.FileSystem.from_uri(root)
    return pafs.LocalFileSystem(), str(Path(root).resolve())


def partition_dir(root_path: str, table: str, period: dt.date, county_code: str) -> str:
    return f"{root_path}/{table}/period={period.isoformat()}/county_code={county_code}"


@dataclass(frozen=True)
class ExportResult:
    table: str
    period: dt.date
    county_code: str
    rows: int
    path: str


def export_county_month(
    con: duckdb.DuckDBPyConnection, table: str, period: dt.date, county_code: str, root: str
) -> ExportResult:
    """Write raw.<table>'s rows of one county-month to the layer, replacing the previous file atomically."""
    if table not in RAW_TABLES:
        raise ValueError(f"raw.{table} is not part of the Parquet layer (expected one of {RAW_TABLES})")
    data = con.sql(
        f"SELECT * EXCLUDE (period, county_code) FROM raw.{table} WHERE period = $period AND county_code = $county",
        params={"period": period, "county": county_code},
    ).to_arrow_table()
    # The loads a file holds, in its footer: sync_raw_layer rewrites only county-months that changed.
    data = data.replace_schema_metadata({LOADS_KEY: _loads_of(con, table, period, county_code)})
    fs, root_path = _filesystem(root)
    final = _write_atomically(fs, partition_dir(root_path, table, period, county_code), FILE_NAME, data)
    return ExportResult(table, period, county_code, data.num_rows, final)


def _write_atomically(fs: pafs.FileSystem, folder: str, name: str, data: pa.Table) -> str:
    """Write <folder>/<name> through a hidden temporary file in the same folder, then move it into place."""
    fs.create_dir(folder, recursive=True)
    final = f"{folder}/{name}"
    temporary = f"{folder}/.{name}.tmp-{os.getpid()}"
    pq.write_table(data, temporary, filesystem=fs, compression="zstd")
    fs.move(temporary, final)
    return final


def write_schema_file(con: duckdb.DuckDBPyConnection, table: str, root: str) -> str:
    """Write <root>/<table>/_schema.parquet (raw.<table>'s data columns, no rows), replaced atomically."""
    if table not in RAW_TABLES:
        raise ValueError(f"raw.{table} is not part of the Parquet layer (expected one of {RAW_TABLES})")
    empty = con.sql(f"SELECT * EXCLUDE (period, county_code) FROM raw.{table} LIMIT 0").to_arrow_table()
    fs, root_path = _filesystem(root)
    return _write_atomically(fs, f"{root_path}/{table}", SCHEMA_FILE, empty)


def _loads_of(con: duckdb.DuckDBPyConnection, table: str, period: dt.date, county_code: str) -> str:
    """A fingerprint of the loads behind a county-month of raw.<table>: ids and row count."""
    load_column = "_load_id" if table not in ("quarantine", "load_audit") else "load_id"
    row = con.execute(
        f"SELECT string_agg(DISTINCT {load_column}, ',' ORDER BY {load_column}), count(*) FROM raw.{table} "
        "WHERE period = ? AND county_code = ?",
        [period, county_code],
    ).fetchall()[0]
    return f"{row[0] or ''}#{row[1]}"


def _loads_in_layer(fs: pafs.FileSystem, path: str) -> str | None:
    if fs.get_file_info(path).type != pafs.FileType.File:
        return None
    metadata = pq.read_schema(path, filesystem=fs).metadata or {}
    value = metadata.get(LOADS_KEY)
    return value.decode() if value else None


def sync_raw_layer(
    con: duckdb.DuckDBPyConnection, root: str, periods: Iterable[dt.date] | None = None
) -> list[ExportResult]:
    """Bring the layer up to date with raw.*: rewrite each county-month whose loads differ from the
    ones recorded in its file (new, corrected or re-loaded), leave the others alone."""
    fs, root_path = _filesystem(root)
    loaded = {
        t
        for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall()
    }
    results = []
    for table in RAW_TABLES:
        if table not in loaded:
            continue
        write_schema_file(con, table, root)
        for period, county in county_months(con, table, periods):
            final = f"{partition_dir(root_path, table, period, county)}/{FILE_NAME}"
            if _loads_in_layer(fs, final) != _loads_of(con, table, period, county):
                results.append(export_county_month(con, table, period, county, root))
    return results


def county_months(
    con: duckdb.DuckDBPyConnection, table: str, periods: Iterable[dt.date] | None = None
) -> list[tuple[dt.date, str]]:
    """The (period, county_code) pairs present in raw.<table>, optionally only of some periods."""
    sql = f"SELECT DISTINCT period, county_code FROM raw.{table} WHERE county_code IS NOT NULL"
    params: list = []
    if periods is not None:
        sql += " AND list_contains(?, period)"
        params.append(sorted(set(periods)))
    return [(p, c) for p, c in con.execute(sql + " ORDER BY 1, 2", params).fetchall()]


def export_raw(
    con: duckdb.DuckDBPyConnection,
    root: str,
    *,
    periods: Iterable[dt.date] | None = None,
    county_codes: Iterable[str] | None = None,
) -> list[ExportResult]:
    """Export every county-month of every raw table (or those of some periods / counties) to the layer.

    County-months that were loaded before and are gone from raw now (none: ingestion replaces, it never
    drops a county-month) would be left as they are."""
    wanted = set(county_codes) if county_codes is not None else None
    loaded = {
        t
        for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall()
    }
    results = []
    for table in RAW_TABLES:
        if table not in loaded:
            continue
        write_schema_file(con, table, root)
        for period, county in county_months(con, table, periods):
            if wanted is None or county in wanted:
                results.append(export_county_month(con, table, period, county, root))
    return results


def _data_files(fs: pafs.FileSystem, root_path: str, table: str) -> list[str]:
    """The county-month files of a table in the layer (not its schema file)."""
    if fs.get_file_info(f"{root_path}/{table}").type != pafs.FileType.Directory:
        return []
    return [
        info.path
        for info in fs.get_file_info(pafs.FileSelector(f"{root_path}/{table}", recursive=True))
        if info.type == pafs.FileType.File and info.base_name == FILE_NAME
    ]


def arrow_schema(table: str, root: str) -> pa.Schema:
    """The table's schema in the layer: the data columns of one of its files, then the partition columns."""
    fs, root_path = _filesystem(root)
    files = _data_files(fs, root_path, table)
    if not files:  # no county-month yet: the columns from the table's schema file
        files = [f"{root_path}/{table}/{SCHEMA_FILE}"]
        if fs.get_file_info(files[0]).type != pafs.FileType.File:
            raise FileNotFoundError(f"no Parquet files of raw.{table} under {root_path}/{table}")
    schema = pq.read_schema(files[0], filesystem=fs)
    return schema.append(pa.field("period", pa.date32())).append(pa.field("county_code", pa.string()))


def _duckdb_path(root: str) -> str:
    """The layer's root as DuckDB's read_parquet wants it: the URI itself, or an absolute local path."""
    return root if "://" in root else str(Path(root).resolve())


def duckdb_scan(table: str, root: str) -> str:
    """A DuckDB expression reading the table from the layer, partition columns typed as in raw.*."""
    glob = f"{_duckdb_path(root)}/{table}/*/*/*.parquet".replace("'", "''")
    return (
        f"read_parquet('{glob}', hive_partitioning = true, "
        "hive_types = {'period': DATE, 'county_code': VARCHAR}, union_by_name = true)"
    )


def create_duckdb_views(con: duckdb.DuckDBPyConnection, root: str, schema: str = "raw_lake") -> list[str]:
    """Views <schema>.<table> over the layer, so DuckDB reads the very files Spark reads."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    fs, root_path = _filesystem(root)
    made = []
    for table in RAW_TABLES:
        if fs.get_file_info(f"{root_path}/{table}").type != pafs.FileType.Directory:
            continue
        if _data_files(fs, root_path, table):
            scan = f"SELECT * FROM {duckdb_scan(table, root)}"
        else:  # no county-month yet: an empty view with the columns of the schema file
            schema_file = f"{_duckdb_path(root)}/{table}/{SCHEMA_FILE}".replace("'", "''")
            scan = (
                "SELECT *, CAST(NULL AS DATE) AS period, CAST(NULL AS VARCHAR) AS county_code "
                f"FROM read_parquet('{schema_file}')"
            )
        con.execute(f"CREATE OR REPLACE VIEW {schema}.{table} AS {scan}")
        made.append(table)
    return made
