#!/usr/bin/env bash
# The first README command: install, simulate 延安市 exports, load them through Dagster into DuckDB,
# build the marts, check them, publish, and bring up the Dagster UI and Superset with the dashboards.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
START="${START:-2024-01}"; END="${END:-2025-12}"; SCALE="${SCALE:-1.0}"

echo "==> 1/6 installing the pipeline environment (uv.lock)"
scripts/bootstrap.sh
uv run python -m dagster_project.ingestion.keys

if [ -z "$(find "$MINZHENG_LANDING_DIR" -type f \( -name '*.csv' -o -name '*.xls*' \) -print -quit 2>/dev/null)" ]; then
  echo "==> 2/6 simulating Jinmin exports for 延安市, $START..$END, scale $SCALE -> $MINZHENG_LANDING_DIR"
  uv run minzheng-simulate --start "$START" --end "$END" --scale "$SCALE" --out "$MINZHENG_LANDING_DIR"
  # the quarterly 指标填报 of counties and the bureau (plan indicators Jinmin does not hold)
  uv run python -m minzheng_simulator.plan_reports --start "$START" --end "$END" --out "$MINZHENG_LANDING_DIR"
else
  echo "==> 2/6 landing folder already has exports: $MINZHENG_LANDING_DIR (delete it to re-simulate)"
fi

echo "==> 3/6 loading exports and building the warehouse through Dagster ($DAGSTER_HOME)"
# staff uploads first (plan_targets/: targets and 指标填报), so the warehouse build below includes them
uv run dagster asset materialize -m dagster_project.definitions --select plan/target_templates
uv run python -m dagster_project.orchestrate --start "$START" --end "$END"

echo "==> 4/6 Superset (own virtual environment) with the dashboards"
# The demo only: every login shares one password, reset at each start (deploy/ gives each login its own).
export SUPERSET_DEMO_PASSWORD="${SUPERSET_DEMO_PASSWORD:-minzheng-demo}"
scripts/system_packages.sh server
superset/scripts/setup_venv.sh
superset/scripts/start.sh

echo "==> 5/6 Dagster UI (webserver + daemon) and the report server"
# The landing sensor, the automation sensor, both schedules and the failure notifier are RUNNING by
# default (default_status in code): from here a file dropped into the landing folder reaches the
# dashboards with no further action. The sensor's first scan finds everything above already loaded
# (by content hash) and requests nothing.
scripts/dagster_ui.sh start

echo "==> 6/6 summary"
uv run python -m dagster_project.summary
echo "Quality reports: http://127.0.0.1:${MINZHENG_REPORTS_PORT:-8089}/reports/   Guide for statistics staff: docs/操作指南_统计人员.md"
echo "Drop an export into $MINZHENG_LANDING_DIR/<source>/<YYYY-MM>/ and watch it reach the dashboards (a few minutes)."
