#!/usr/bin/env bash
# Initialise (idempotent) and start Superset on $SUPERSET_BIND:$SUPERSET_PORT (127.0.0.1 unless a reverse
# proxy on the same machine needs otherwise, see deploy/) with the dashboards imported, and the Redis that
# keeps the login rate-limit counts for every gunicorn worker (Unix socket in a mode-700 directory).
# Logins: with SUPERSET_DEMO_PASSWORD set (make demo, only) every login has that password, reset at each
# start; otherwise each login gets a random password once, written to $SUPERSET_HOME_DIR/initial_passwords
# (mode 600) and never reset.
set -euo pipefail
source "$(dirname "$0")/env.sh"
umask 077
mkdir -p "$SUPERSET_RUN" "$MINZHENG_LOG_DIR" "$SUPERSET_HOME_DIR"
"$(dirname "$0")/stop.sh" >/dev/null 2>&1 || true
trap 'echo "Superset start failed; last lines of the logs:"; tail -n 20 "$MINZHENG_LOG_DIR/superset-init.log" "$MINZHENG_LOG_DIR/superset.log" 2>/dev/null' ERR

command -v redis-server >/dev/null || { echo "redis-server is missing (login rate limits): run scripts/system_packages.sh"; exit 1; }
mkdir -p "$SUPERSET_REDIS_DIR"; chmod 700 "$SUPERSET_REDIS_DIR"
redis-server --port 0 --unixsocket "$SUPERSET_REDIS_DIR/redis.sock" --unixsocketperm 700 --save "" \
  --appendonly no --daemonize yes --pidfile "$SUPERSET_RUN/redis.pid" --dir "$SUPERSET_REDIS_DIR" \
  --logfile "$MINZHENG_LOG_DIR/redis.log"
for _ in $(seq 1 50); do [ -S "$SUPERSET_REDIS_DIR/redis.sock" ] && break; sleep 0.1; done

"$SS" db upgrade >"$MINZHENG_LOG_DIR/superset-init.log" 2>&1
"$SS" init >>"$MINZHENG_LOG_DIR/superset-init.log" 2>&1

setsid "$SUPERSET_VENV/bin/gunicorn" --bind "$SUPERSET_BIND:$SUPERSET_PORT" --workers 2 --threads 4 --timeout 120 \
  --limit-request-line 0 --limit-request-field_size 0 "superset.app:create_app()" \
  >"$MINZHENG_LOG_DIR/superset.log" 2>&1 < /dev/null &
echo $! > "$SUPERSET_RUN/superset.pid"
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$SUPERSET_PORT/health" >/dev/null 2>&1 && break; sleep 1
done
curl -fsS "http://127.0.0.1:$SUPERSET_PORT/health" >/dev/null || { echo "Superset did not start; see $MINZHENG_LOG_DIR/superset.log"; exit 1; }

"$(dirname "$0")/import.sh"
if [ -n "${SUPERSET_DEMO_PASSWORD:-}" ]; then
  echo "Superset: http://127.0.0.1:$SUPERSET_PORT  (demo logins: admin, leader, c610602, ...; password: $SUPERSET_DEMO_PASSWORD)"
else
  echo "Superset: http://127.0.0.1:$SUPERSET_PORT  (passwords of new logins: $SUPERSET_HOME_DIR/initial_passwords)"
fi
