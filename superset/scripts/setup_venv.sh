#!/usr/bin/env bash
# Create Superset's own virtual environment (.superset-venv) from superset/requirements.lock. Idempotent.
set -euo pipefail
source "$(dirname "$0")/env.sh"
VENV="${SUPERSET_VENV:-$REPO_ROOT/.superset-venv}"
LOCK="$REPO_ROOT/superset/requirements.lock"
STAMP="$VENV/.lock.sha256"
want=$(sha256sum "$LOCK" | cut -d' ' -f1)
if [ -x "$VENV/bin/superset" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.9"
PY="${SUPERSET_PYTHON:-$(command -v python3.11 || command -v python3)}"
uv venv --quiet --allow-existing --python "$PY" "$VENV"
VIRTUAL_ENV="$VENV" uv pip sync --quiet --python "$VENV/bin/python" "$LOCK"
echo "$want" > "$STAMP"
echo "Superset virtual environment ready: $VENV"
