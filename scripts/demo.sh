#!/usr/bin/env bash
# The first README command: install, simulate 延安市 exports, load them through Dagster into DuckDB,
# build the marts, check them, publish, and bring up the Dagster UI and Superset with the dashboards.
# The terminal shows one line per stage (and per loaded month range: rows, rows/s, ETA); everything
# else (uv, dbt's node-by-node log, Dagster's log lines, Superset's start-up) goes to the log file.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
START="${START:-2024-01}"; END="${END:-2025-12}"; SCALE="${SCALE:-1.0}"
LOG_DIR="${MINZHENG_LOG_DIR:-$MINZHENG_DATA_DIR/logs}"
mkdir -p "$LOG_DIR"
LOG="$LOG_DIR/demo-$(date +%Y%m%dT%H%M%S).log"
# The demo only: every login shares one password, reset at each start (deploy/ gives each login its own).
export SUPERSET_DEMO_PASSWORD="${SUPERSET_DEMO_PASSWORD:-minzheng-demo}"
T0=$SECONDS
echo "make demo: full log in $LOG"

took() { local s=$((SECONDS - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
fail() { echo "    FAILED: $1. Last lines of $LOG:"; tail -n 30 "$LOG" | sed 's/^/    | /'; exit 1; }
# stage "N/7 title" command...: run with its output in the log, print how long it took
stage() {
  local title="$1"; shift
  local t=$SECONDS
  echo "==> $title"
  echo "==> $title" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || fail "$title"
  echo "    done in $(took $t)"
}

simulate() {
  uv run minzheng-simulate --start "$START" --end "$END" --scale "$SCALE" --out "$MINZHENG_LANDING_DIR"
  # the quarterly 指标填报 of counties and the bureau (plan indicators Jinmin does not hold)
  uv run python -m minzheng_simulator.plan_reports --start "$START" --end "$END" --out "$MINZHENG_LANDING_DIR"
}

stage "1/7 installing the pipeline environment (uv.lock)" scripts/bootstrap.sh
uv run python -m dagster_project.ingestion.keys 2>>"$LOG" | sed 's/^/    /'

# Superset (its own virtual environment, metadata database, server, dashboards) needs no warehouse data
# to start: it comes up in the background while the pipeline runs, and is waited for below.
( scripts/system_packages.sh server && superset/scripts/setup_venv.sh && superset/scripts/start.sh ) \
  >"$LOG_DIR/demo-superset.log" 2>&1 &
SUPERSET_PID=$!

if [ -z "$(find "$MINZHENG_LANDING_DIR" -type f \( -name '*.csv' -o -name '*.xls*' \) -print -quit 2>/dev/null)" ]; then
  stage "2/7 simulating Jinmin exports for 延安市, $START..$END, scale $SCALE -> $MINZHENG_LANDING_DIR" simulate
else
  echo "==> 2/7 landing folder already has exports: $MINZHENG_LANDING_DIR (delete it to re-simulate)"
fi

# staff uploads first (plan_targets/: targets and 指标填报), so the warehouse build below includes them
stage "3/7 loading plan targets and 指标填报 (plan/target_templates)" \
  uv run dagster asset materialize -m dagster_project.definitions --select plan/target_templates

t=$SECONDS
echo "==> 4/7 loading the exports through Dagster ($DAGSTER_HOME), then building the warehouse (checks, dbt, publish)"
echo "==> 4/7 pipeline" >>"$LOG"
uv run python -m dagster_project.orchestrate --start "$START" --end "$END" --months-per-run 3 --log "$LOG" \
  || fail "the pipeline"
echo "    done in $(took $t)"

t=$SECONDS
echo "==> 5/7 Superset (own virtual environment) with the dashboards"
wait "$SUPERSET_PID" || { cat "$LOG_DIR/demo-superset.log" >>"$LOG"; fail "Superset"; }
cat "$LOG_DIR/demo-superset.log" >>"$LOG"
echo "    ready (waited $(took $t))"

# The landing sensor, the automation sensor, both schedules and the failure notifier are RUNNING by
# default (default_status in code): from here a file dropped into the landing folder reaches the
# dashboards with no further action. The sensor's first scan finds everything above already loaded
# (by content hash) and requests nothing. (Started after the pipeline, so the sensor never races it.)
stage "6/7 Dagster UI (webserver + daemon) and the report server" scripts/dagster_ui.sh start

echo "==> 7/7 summary (make demo took $(took $T0))"
uv run python -m dagster_project.summary
echo "Quality reports: http://127.0.0.1:${MINZHENG_REPORTS_PORT:-8089}/reports/   Guide for statistics staff: docs/操作指南_统计人员.md"
echo "Drop an export into $MINZHENG_LANDING_DIR/<source>/<YYYY-MM>/ and watch it reach the dashboards (a few minutes)."
echo "Full log: $LOG"
