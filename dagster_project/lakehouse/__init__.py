"""The shared raw layer and the Spark engine (docs/SCALE_OUT.md).

parquet_layer: every loaded county-month of raw.* as Parquet under raw/<table>/period=…/county_code=…/,
read by DuckDB (views) and by Spark (external tables). spark: the Spark side (external raw tables, reading
marts back for the serving file). local_spark: a private local Spark Thrift server (scripts/spark.sh) for
the benchmark and the tests.
"""
