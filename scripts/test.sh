#!/usr/bin/env bash
# The second README command: install everything (pipeline venv, Superset venv, Chromium) and run all tests.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
scripts/bootstrap.sh
scripts/system_packages.sh
superset/scripts/setup_venv.sh
uv run ruff check .
uv run pytest --durations=30 "$@"
