"""Benchmarks of the pipeline (issue 8): `python -m benchmarks --profile quick|prefecture|province`.

Simulates Jinmin exports at a scale, then measures each stage in its own process (simulate, ingest per
format, quality checks, dbt full and incremental builds, publish and the dashboards' queries, one month
through Dagster) next to a naive pandas baseline and the raw-read limit, and writes
benchmarks/results/latest.md and latest.csv. See benchmarks/README.md.
"""
