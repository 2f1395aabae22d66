"""Data quality: expectation suites (expectations/), their runner (GX on pandas + SQL checks),
stored results, and the clerk's per-load quality report. Dagster wiring lives in assets/checks.py."""
