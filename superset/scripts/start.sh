#!/usr/bin/env bash
# Initialise (idempotent) and start Superset on 127.0.0.1:$SUPERSET_PORT with the dashboards imported.
set -euo pipefail
source "$(dirname "$0")/env.sh"
mkdir -p "$SUPERSET_RUN" "$MINZHENG_DATA_DIR/logs"
"$(dirname "$0")/stop.sh" >/dev/null 2>&1 || true
trap 'echo "Superset start failed; last lines of the logs:"; tail -n 20 "$MINZHENG_DATA_DIR/logs/superset-init.log" "$MINZHENG_DATA_DIR/logs/superset.log" 2>/dev/null' ERR

"$SS" db upgrade >"$MINZHENG_DATA_DIR/logs/superset-init.log" 2>&1
"$SS" fab create-admin --username "$SUPERSET_ADMIN_USER" --firstname 数据 --lastname 管理员 \
  --email admin@minzheng.local --password "$SUPERSET_ADMIN_PASSWORD" >>"$MINZHENG_DATA_DIR/logs/superset-init.log" 2>&1 || true
"$SS" init >>"$MINZHENG_DATA_DIR/logs/superset-init.log" 2>&1

setsid "$SUPERSET_VENV/bin/gunicorn" --bind "127.0.0.1:$SUPERSET_PORT" --workers 2 --threads 4 --timeout 120 \
  --limit-request-line 0 --limit-request-field_size 0 "superset.app:create_app()" \
  >"$MINZHENG_DATA_DIR/logs/superset.log" 2>&1 < /dev/null &
echo $! > "$SUPERSET_RUN/superset.pid"
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$SUPERSET_PORT/health" >/dev/null 2>&1 && break; sleep 1
done
curl -fsS "http://127.0.0.1:$SUPERSET_PORT/health" >/dev/null || { echo "Superset did not start; see $MINZHENG_DATA_DIR/logs/superset.log"; exit 1; }

"$(dirname "$0")/import.sh"
echo "Superset: http://127.0.0.1:$SUPERSET_PORT  (login: $SUPERSET_ADMIN_USER / $SUPERSET_ADMIN_PASSWORD)"
