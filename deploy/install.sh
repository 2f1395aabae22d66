#!/usr/bin/env bash
# The documented deployment on a bureau server (run as root; `make deploy` = install + start).
#
#   deploy/install.sh install [superset|pipeline|all]   users, directories, code and venvs (idempotent)
#   deploy/install.sh start   [superset|pipeline|all]   start the services as their own users
#   deploy/install.sh stop    [superset|pipeline|all]
#
# Two unprivileged system users, no login shell:
#   minzheng     the pipeline and the Dagster UI: owns the warehouse (read-write) and the HMAC key
#   minzheng-bi  Superset: reads the serving copy (group minzheng-bi) and nothing else of the pipeline
# The HMAC key (/etc/minzheng/hmac.key, 600 minzheng) and the warehouse directory (700 minzheng) are not
# readable by minzheng-bi; Superset's own home (metadata DB, secret key, initial passwords) is 700
# minzheng-bi. Both services listen on 127.0.0.1 only: deploy/nginx/minzheng.conf puts them behind TLS
# (and a login for Dagster) on the LAN.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PREFIX="${MINZHENG_PREFIX:-/opt/minzheng}"
DATA="${MINZHENG_DATA_DIR:-/srv/minzheng}"
KEY_DIR="${MINZHENG_KEY_DIR:-/etc/minzheng}"
PIPELINE_USER="${MINZHENG_PIPELINE_USER:-minzheng}"
BI_USER="${MINZHENG_BI_USER:-minzheng-bi}"
PY="${MINZHENG_PYTHON:-$(command -v /usr/bin/python3.11 || command -v python3.11)}"
APP="$PREFIX/app"
[ "$(id -u)" = 0 ] || { echo "deploy/install.sh: run as root (it creates users and sets owners)"; exit 1; }

user_env() {  # the environment every service gets (no secrets in it)
  echo MINZHENG_DATA_DIR="$DATA" MINZHENG_LANDING_DIR="${MINZHENG_LANDING_DIR:-$DATA/landing}" \
    MINZHENG_WAREHOUSE_PATH="$DATA/warehouse/minzheng.duckdb" MINZHENG_SERVING_PATH="$DATA/serving/minzheng.duckdb" \
    MINZHENG_HMAC_KEY_FILE="$KEY_DIR/hmac.key" DAGSTER_HOME="$DATA/dagster_home" \
    SUPERSET_HOME_DIR="$DATA/superset" SUPERSET_HOME="$DATA/superset" SUPERSET_VENV="$PREFIX/superset-venv" \
    SUPERSET_PORT="${SUPERSET_PORT:-8088}" DAGSTER_PORT="${DAGSTER_PORT:-3000}" \
    MINZHENG_BEHIND_PROXY="${MINZHENG_BEHIND_PROXY:-0}" UV_CACHE_DIR="$PREFIX/uv-cache" HOME="$DATA"
}

as_user() {  # as_user USER command...: run with the service environment, umask 027
  local who="$1"; shift
  # shellcheck disable=SC2046
  runuser -u "$who" -- env -i PATH=/usr/local/bin:/usr/bin:/bin $(user_env) bash -c 'umask 027; exec "$@"' _ "$@"
}

install_users() {
  getent group "$BI_USER" >/dev/null || groupadd --system "$BI_USER"
  id -u "$PIPELINE_USER" >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir "$DATA" --shell /usr/sbin/nologin "$PIPELINE_USER"
  id -u "$BI_USER" >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir "$DATA" --shell /usr/sbin/nologin -g "$BI_USER" "$BI_USER"
  # the pipeline writes the serving copy into a directory of group minzheng-bi (setgid: the new file
  # inherits the group; the pipeline's umask 027 makes it 640)
  install -d -m 755 -o root -g root "$DATA"
  install -d -m 700 -o "$PIPELINE_USER" -g "$PIPELINE_USER" "$DATA/warehouse" "$DATA/dagster_home" "$DATA/quality"
  install -d -m 750 -o "$PIPELINE_USER" -g "$PIPELINE_USER" "$DATA/landing" "$DATA/reports"
  install -d -m 2750 -o "$PIPELINE_USER" -g "$BI_USER" "$DATA/serving"
  install -d -m 700 -o "$BI_USER" -g "$BI_USER" "$DATA/superset"
  install -d -m 755 -o root -g root "$DATA/run" "$DATA/logs"
  install -d -m 700 -o "$BI_USER" -g "$BI_USER" "$DATA/run/superset" "$DATA/logs/superset"
  install -d -m 700 -o "$PIPELINE_USER" -g "$PIPELINE_USER" "$DATA/run/pipeline" "$DATA/logs/pipeline"
  [ -f "$DATA/serving/minzheng.duckdb" ] && chgrp "$BI_USER" "$DATA/serving/minzheng.duckdb" && chmod 640 "$DATA/serving/minzheng.duckdb"
  # each county's own serving file (published beside it; Superset opens it for the county's logins)
  [ -d "$DATA/serving/county" ] && chgrp -R "$BI_USER" "$DATA/serving/county" && chmod 2750 "$DATA/serving/county" &&
    find "$DATA/serving/county" -type f -exec chmod 640 {} +
  install -d -m 700 -o "$PIPELINE_USER" -g "$PIPELINE_USER" "$KEY_DIR"
  if [ ! -f "$KEY_DIR/hmac.key" ]; then
    as_user "$PIPELINE_USER" "$PY" -c "import os,secrets; fd=os.open('$KEY_DIR/hmac.key', os.O_WRONLY|os.O_CREAT|os.O_EXCL, 0o600); os.write(fd, secrets.token_hex(32).encode())"
  fi
  chown "$PIPELINE_USER:$PIPELINE_USER" "$KEY_DIR/hmac.key"; chmod 600 "$KEY_DIR/hmac.key"
}

install_app() {  # the code, read-only for the services (owned by root)
  install -d -m 755 "$PREFIX" "$APP"
  install -d -m 755 -o root -g root "$PREFIX/uv-cache"
  tar -C "$REPO" --exclude=./.git --exclude=./data --exclude=./.venv --exclude=./.superset-venv \
    --exclude=./test-output --exclude='*/__pycache__' \
    --exclude='./dbt/target/dbt_models-*' --exclude=./dbt/logs -cf - . | tar -C "$APP" -xf -
  chown -R root:root "$APP"; chmod -R go-w,a+rX "$APP"
}

install_superset() {
  "$APP/scripts/system_packages.sh" server  # redis-server: the login rate limits
  SUPERSET_VENV="$PREFIX/superset-venv" SUPERSET_PYTHON="$PY" "$APP/superset/scripts/setup_venv.sh"
  chmod -R go-w,a+rX "$PREFIX/superset-venv"
}

install_pipeline() {
  (cd "$APP" && UV_PYTHON="$PY" UV_PROJECT_ENVIRONMENT="$APP/.venv" uv sync --frozen --no-dev --quiet)
  chmod -R go-w,a+rX "$APP/.venv"
}

start_superset() {
  as_user "$BI_USER" env SUPERSET_RUN="$DATA/run/superset" MINZHENG_LOG_DIR="$DATA/logs/superset" \
    "$APP/superset/scripts/start.sh"
}
stop_superset() { as_user "$BI_USER" env SUPERSET_RUN="$DATA/run/superset" "$APP/superset/scripts/stop.sh" || true; }
start_pipeline() { as_user "$PIPELINE_USER" env MINZHENG_RUN_DIR="$DATA/run/pipeline" "$APP/scripts/dagster_ui.sh" start; }
stop_pipeline() { as_user "$PIPELINE_USER" env MINZHENG_RUN_DIR="$DATA/run/pipeline" "$APP/scripts/dagster_ui.sh" stop || true; }

action="${1:-install}"; what="${2:-all}"
case "$action:$what" in
  install:superset) install_users; install_app; install_superset ;;
  install:pipeline) install_users; install_app; install_pipeline ;;
  install:all) install_users; install_app; install_superset; install_pipeline ;;
  start:superset) start_superset ;;
  start:pipeline) start_pipeline ;;
  start:all) start_pipeline; start_superset ;;
  stop:superset) stop_superset ;;
  stop:pipeline) stop_pipeline ;;
  stop:all) stop_superset; stop_pipeline ;;
  *) echo "usage: $0 install|start|stop [superset|pipeline|all]"; exit 2 ;;
esac
