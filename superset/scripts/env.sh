# Sourced by the Superset scripts: the project's paths plus Superset's own settings.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/env.sh"
export SUPERSET_VENV="${SUPERSET_VENV:-$REPO_ROOT/.superset-venv}"
export SUPERSET_CONFIG_PATH="$REPO_ROOT/superset/superset_config.py"
export SUPERSET_PORT="${SUPERSET_PORT:-8088}"
export SUPERSET_BIND="${SUPERSET_BIND:-127.0.0.1}"
export SUPERSET_URL="http://127.0.0.1:$SUPERSET_PORT"
export SUPERSET_ADMIN_USER="${SUPERSET_ADMIN_USER:-admin}"
export SUPERSET_HOME_DIR="${SUPERSET_HOME_DIR:-$MINZHENG_DATA_DIR/superset}"
export SUPERSET_RUN="${SUPERSET_RUN:-$MINZHENG_DATA_DIR/run}"
export MINZHENG_LOG_DIR="${MINZHENG_LOG_DIR:-$MINZHENG_DATA_DIR/logs}"
export SUPERSET_REDIS_DIR="$SUPERSET_RUN/superset-redis"
export SUPERSET_RATELIMIT_STORAGE_URI="redis+unix://$SUPERSET_REDIS_DIR/redis.sock"
export SCARF_ANALYTICS=false
export FLASK_APP=superset
export PYTHONPATH="$REPO_ROOT/superset${PYTHONPATH:+:$PYTHONPATH}"
SS="$SUPERSET_VENV/bin/superset"
