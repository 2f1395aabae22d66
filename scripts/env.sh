# Sourced by the other scripts: one place for paths. Everything generated lives under $MINZHENG_DATA_DIR.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
export MINZHENG_DATA_DIR="${MINZHENG_DATA_DIR:-$REPO_ROOT/data}"
export MINZHENG_LANDING_DIR="${MINZHENG_LANDING_DIR:-$MINZHENG_DATA_DIR/landing}"
export MINZHENG_WAREHOUSE_PATH="${MINZHENG_WAREHOUSE_PATH:-$MINZHENG_DATA_DIR/warehouse/minzheng.duckdb}"
export MINZHENG_SERVING_PATH="${MINZHENG_SERVING_PATH:-$MINZHENG_DATA_DIR/serving/minzheng.duckdb}"
export MINZHENG_HMAC_KEY_FILE="${MINZHENG_HMAC_KEY_FILE:-$HOME/.config/minzheng/hmac.key}"
export DAGSTER_HOME="${DAGSTER_HOME:-$MINZHENG_DATA_DIR/dagster_home}"
export UV_LINK_MODE=copy
# (the Superset service user of deploy/ may not write here: only the pipeline's user creates these)
# The instance configuration is deploy/dagster.yaml: a DAGSTER_HOME made by an earlier version gets the
# current one (run retries, run monitoring...), the copy it had kept beside it as dagster.yaml.<time>.bak.
{ mkdir -p "$MINZHENG_DATA_DIR" "$DAGSTER_HOME" &&
  { cmp -s "$REPO_ROOT/deploy/dagster.yaml" "$DAGSTER_HOME/dagster.yaml" || {
      { [ ! -f "$DAGSTER_HOME/dagster.yaml" ] ||
        cp -p "$DAGSTER_HOME/dagster.yaml" "$DAGSTER_HOME/dagster.yaml.$(date +%Y%m%dT%H%M%S).bak"; } &&
      cp "$REPO_ROOT/deploy/dagster.yaml" "$DAGSTER_HOME/dagster.yaml"; }; }; } 2>/dev/null || true
