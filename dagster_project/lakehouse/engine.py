"""What the Dagster assets do differently when MINZHENG_ENGINE=spark (docs/SCALE_OUT.md).

Before dbt: bring the shared Parquet layer up to date from raw.* and (re)register Spark's external raw
tables over it. dbt: `--target spark`. Publishing: the serving DuckDB file is built from Spark's mart
tables (their Parquet files), with the same publish() as on DuckDB, so Superset does not change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..serving.publish import PublishResult, publish
from ..settings import Settings
from .parquet_layer import raw_root, sync_raw_layer
from .spark import SparkEndpoint, attach_spark_marts, register_raw_tables, spark_cursor, table_locations


@dataclass(frozen=True)
class SparkPreparation:
    root: str
    rewritten: int  # county-month files written to the layer
    tables: list[str]  # external raw tables registered on Spark


def dbt_target_args(settings: Settings) -> list[str]:
    """Extra dbt CLI arguments for the configured engine."""
    return ["--target", "spark"] if settings.engine == "spark" else []


def prepare_spark_build(settings: Settings, endpoint: SparkEndpoint | None = None) -> SparkPreparation:
    root = raw_root(settings.data_dir)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        written = sync_raw_layer(con, root)
    with spark_cursor(endpoint) as cursor:
        tables = register_raw_tables(cursor, root)
    return SparkPreparation(root, len(written), tables)


def publish_from_spark(
    serving_path: Path, endpoint: SparkEndpoint | None = None, counties: Iterable[str] = ()
) -> PublishResult:
    """The serving files from Spark's marts: DuckDB views over their Parquet files, then publish()."""
    with spark_cursor(endpoint) as cursor:
        locations = table_locations(cursor, "marts")
    if not locations:
        raise RuntimeError("Spark has no tables in database marts: run dbt build --target spark first")
    con = duckdb.connect()
    try:
        attach_spark_marts(con, locations, schema="marts")
        return publish(con, serving_path, counties)
    finally:
        con.close()
