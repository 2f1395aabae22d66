#!/usr/bin/env bash
# (Re-)import dashboards/bundle into the running Superset (overwrite by UUID), roles, RLS and demo users.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$SUPERSET_VENV/bin/python" "$REPO_ROOT/dashboards/import_bundle.py" admin import users
