"""The Spark side of the scale-out engine: connection settings, external raw tables over the shared
Parquet layer, and the marts read back into DuckDB for the serving file.

Spark is reached through its Thrift (HiveServer2) JDBC server, the same endpoint `dbt --target spark`
uses (dbt/profiles.yml). scripts/spark.sh starts a local one; on a cluster it is the Spark Thrift server
of the deployment (docs/SCALE_OUT.md).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from ..settings import Settings
from .parquet_layer import RAW_TABLES, arrow_schema

RAW_DATABASE = "raw"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class SparkEndpoint:
    host: str
    port: int
    user: str

    @classmethod
    def from_env(cls) -> SparkEndpoint:
        """The variables dbt/profiles.yml reads for its spark target (through the one Settings object)."""
        s = Settings.from_env()
        return cls(host=s.spark_host, port=s.spark_port, user=s.spark_user)

    def dbt_env(self) -> dict[str, str]:
        """What dbt/profiles.yml's spark target reads to reach this endpoint (for a dbt subprocess)."""
        return {
            "MINZHENG_SPARK_HOST": self.host,
            "MINZHENG_SPARK_PORT": str(self.port),
            "MINZHENG_SPARK_USER": self.user,
        }


@contextmanager
def spark_cursor(endpoint: SparkEndpoint | None = None) -> Iterator:
    """A DB-API cursor on the Spark Thrift server (PyHive, installed with dbt-spark[PyHive])."""
    from pyhive import hive

    endpoint = endpoint or SparkEndpoint.from_env()
    conn = hive.connect(host=endpoint.host, port=endpoint.port, username=endpoint.user)
    try:
        cursor = conn.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
    finally:
        conn.close()


def spark_type(t: pa.DataType) -> str:
    """The Spark SQL type of a column of the Parquet layer."""
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "STRING"
    if pa.types.is_int8(t) or pa.types.is_int16(t) or pa.types.is_int32(t):
        return "INT"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_float32(t):
        return "FLOAT"
    if pa.types.is_float64(t):
        return "DOUBLE"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        # DuckDB writes TIMESTAMP (no time zone) as a Parquet timestamp not adjusted to UTC.
        return "TIMESTAMP" if t.tz else "TIMESTAMP_NTZ"
    raise TypeError(f"no Spark type for Parquet column type {t}")


def _location(root: str, table: str) -> str:
    base = root if "://" in root else "file://" + os.path.abspath(root)
    return f"{base.rstrip('/')}/{table}"


def raw_table_ddl(table: str, root: str, database: str = RAW_DATABASE) -> str:
    """CREATE TABLE of an external, partitioned Spark table over raw/<table>/ of the layer."""
    schema = arrow_schema(table, root)
    columns = ",\n  ".join(f"`{f.name}` {spark_type(f.type)}" for f in schema)
    location = _location(root, table).replace("'", "\\'")
    return (
        f"CREATE TABLE {database}.{table} (\n  {columns}\n) USING parquet\n"
        f"PARTITIONED BY (period, county_code)\nLOCATION '{location}'"
    )


def register_raw_tables(cursor, root: str, database: str = RAW_DATABASE) -> list[str]:
    """(Re)create the external raw tables on Spark and pick up every county-month folder of the layer.

    Dropping an external table leaves its files alone; recreating it follows schema changes of the layer.
    Run before each dbt build on Spark (new county-months are new partition folders)."""
    if not _IDENTIFIER.match(database):
        raise ValueError(f"bad Spark database name {database!r}")
    cursor.execute(f"CREATE DATABASE IF NOT EXISTS {database}")
    registered = []
    for table in RAW_TABLES:
        try:
            ddl = raw_table_ddl(table, root, database)
        except FileNotFoundError:
            continue
        cursor.execute(f"DROP TABLE IF EXISTS {database}.{table}")
        cursor.execute(ddl)
        cursor.execute(f"MSCK REPAIR TABLE {database}.{table} SYNC PARTITIONS")
        registered.append(table)
    return registered


def table_locations(cursor, database: str) -> dict[str, str]:
    """{table: storage location} of the tables (not views) of a Spark database."""
    cursor.execute(f"SHOW TABLES IN {database}")
    names = [row[1] for row in cursor.fetchall() if not row[2]]
    locations = {}
    for name in names:
        cursor.execute(f"DESCRIBE TABLE EXTENDED {database}.`{name}`")
        info = {str(r[0]).strip(): str(r[1]).strip() for r in cursor.fetchall() if r[0]}
        if info.get("Type", "").upper() == "VIEW" or "Location" not in info:
            continue
        locations[name] = info["Location"]
    return locations


def attach_spark_marts(
    con: duckdb.DuckDBPyConnection, locations: dict[str, str], schema: str = "marts"
) -> list[str]:
    """Views <schema>.<table> in a DuckDB connection over the Parquet files of Spark's mart tables.

    With them the unchanged serving publish (dagster_project/serving/publish.py) copies Spark's marts into
    the serving file Superset reads, exactly as it copies DuckDB's."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    made = []
    for table, location in sorted(locations.items()):
        path = location.removeprefix("file:")
        if path.startswith("//"):
            path = path[2:]
        if path.startswith(("s3a://", "s3n://")):  # Hadoop's names for S3; DuckDB's httpfs reads s3://
            path = "s3://" + path.split("://", 1)[1]
        glob = f"{path.rstrip('/')}/**/*.parquet".replace("'", "''")
        con.execute(
            f'CREATE OR REPLACE VIEW {schema}."{table}" AS '
            f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true, union_by_name = true)"
        )
        made.append(table)
    return made
