#!/usr/bin/env bash
# Install the pipeline's pinned environment (.venv) from uv.lock, and build the dbt manifest once.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
UV_VERSION=0.13.9
if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  python3 -m pip install --quiet "uv==$UV_VERSION"
fi
# every group but the Spark server's jars, which live in their own environment (scripts/spark_venv.sh).
# Byte-compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on the benchmark machine) nothing
# caches the compiled modules, and every process that runs checks compiled Great Expectations again
# (its import took 5.3 s instead of 2.3 s).
uv sync --frozen --all-groups --no-group spark-server --compile-bytecode
# dbt parse at import time slows every Dagster process: parse once here, load the manifest at import.
# An absolute project dir: seed paths in the (partial) parse are resolved against it, whatever the cwd
# of the process that later runs dbt (dagster-dbt runs it inside dbt/).
uv run dbt parse --project-dir "$REPO_ROOT/dbt" --profiles-dir "$REPO_ROOT/dbt" --quiet
