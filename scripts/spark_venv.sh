#!/usr/bin/env bash
# The Spark server's own environment (.spark-venv): the pinned pyspark (uv dependency group `spark-server`,
# versions from uv.lock), kept out of the pipeline's .venv where its mere presence breaks Great Expectations
# in Dagster's step workers (see pyproject.toml). Idempotent; prints the environment's python.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
VENV="${MINZHENG_SPARK_VENV:-$REPO_ROOT/.spark-venv}"
if ! "$VENV/bin/python" -c 'import pyspark' >/dev/null 2>&1; then
  uv venv --quiet --allow-existing --python "$(uv python find 3.11 2>/dev/null || command -v python3)" "$VENV" >&2
  uv export --frozen --only-group spark-server --no-emit-project --quiet \
    | uv pip install --quiet --python "$VENV/bin/python" -r /dev/stdin >&2
fi
echo "$VENV/bin/python"
