#!/usr/bin/env bash
# Install the pipeline's pinned environment (.venv) from uv.lock, and build the dbt manifest once.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
UV_VERSION=0.13.9
if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  python3 -m pip install --quiet "uv==$UV_VERSION"
fi
uv sync --frozen --all-groups
# dbt parse at import time slows every Dagster process: parse once here, load the manifest at import.
uv run dbt parse --project-dir dbt --profiles-dir dbt --quiet
