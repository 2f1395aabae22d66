#!/usr/bin/env bash
# Stop the Superset server and its Redis started by start.sh (by PID file).
set -euo pipefail
source "$(dirname "$0")/env.sh"
for name in superset redis; do
  pidfile="$SUPERSET_RUN/$name.pid"
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  fi
done
echo "Superset stopped"
