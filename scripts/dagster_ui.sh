#!/usr/bin/env bash
# Start/stop the Dagster webserver and daemon against the persistent $DAGSTER_HOME, by PID file.
# The UI has no login of its own (launching runs, wiping assets, deleting runs are one GraphQL call): it
# listens on 127.0.0.1 only. To reach it from the LAN, put it behind the reverse proxy of
# deploy/nginx/minzheng.conf (TLS + login) with DAGSTER_PATH_PREFIX=/dagster; never bind it to the LAN.
# It also starts the small read-only HTTP server for the clerk reports and Data Docs the UI links to
# (127.0.0.1:$MINZHENG_REPORTS_PORT, dagster_project/report_server.py).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
RUN_DIR="${MINZHENG_RUN_DIR:-$MINZHENG_DATA_DIR/run}"
LOG_DIR="${MINZHENG_LOG_DIR:-$MINZHENG_DATA_DIR/logs}"
mkdir -p "$RUN_DIR" "$LOG_DIR"
PORT="${DAGSTER_PORT:-3000}"
PREFIX_ARGS=(); [ -n "${DAGSTER_PATH_PREFIX:-}" ] && PREFIX_ARGS=(--path-prefix "$DAGSTER_PATH_PREFIX")
export MINZHENG_REPORTS_PORT="${MINZHENG_REPORTS_PORT:-8089}"
VENV_BIN="$REPO_ROOT/.venv/bin"
export PATH="$VENV_BIN:$PATH"

stop_one() {
  local pidfile="$RUN_DIR/$1.pid"
  if [ -f "$pidfile" ]; then
    local pid; pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  fi
}

case "${1:-start}" in
  start)
    stop_one dagster-webserver; stop_one dagster-daemon; stop_one report-server
    setsid "$VENV_BIN/python" -m dagster_project.report_server --port "$MINZHENG_REPORTS_PORT" \
      >"$LOG_DIR/report-server.log" 2>&1 < /dev/null &
    echo $! > "$RUN_DIR/report-server.pid"
    setsid "$VENV_BIN/dagster-webserver" -h 127.0.0.1 -p "$PORT" "${PREFIX_ARGS[@]}" -m dagster_project.definitions \
      >"$LOG_DIR/dagster-webserver.log" 2>&1 < /dev/null &
    echo $! > "$RUN_DIR/dagster-webserver.pid"
    setsid "$VENV_BIN/dagster-daemon" run -m dagster_project.definitions \
      >"$LOG_DIR/dagster-daemon.log" 2>&1 < /dev/null &
    echo $! > "$RUN_DIR/dagster-daemon.pid"
    for _ in $(seq 1 120); do
      curl -fsS "http://127.0.0.1:$PORT${DAGSTER_PATH_PREFIX:-}/server_info" >/dev/null 2>&1 && break; sleep 1
    done
    curl -fsS "http://127.0.0.1:$PORT${DAGSTER_PATH_PREFIX:-}/server_info" >/dev/null || { echo "Dagster UI did not start; see $LOG_DIR/dagster-webserver.log"; exit 1; }
    echo "Dagster UI: http://127.0.0.1:$PORT${DAGSTER_PATH_PREFIX:-}  (DAGSTER_HOME=$DAGSTER_HOME; this machine only)"
    echo "Quality reports: http://127.0.0.1:$MINZHENG_REPORTS_PORT/reports/"
    ;;
  stop)
    stop_one dagster-webserver; stop_one dagster-daemon; stop_one report-server; echo "Dagster stopped"
    ;;
  *) echo "usage: $0 start|stop"; exit 2 ;;
esac
