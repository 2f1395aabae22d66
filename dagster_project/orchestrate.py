"""Run the pipeline through the persistent Dagster instance, as the demo and CI do.

    python -m dagster_project.orchestrate --start 2024-01 --end 2025-12

Each month (all counties) runs as two job runs recorded in $DAGSTER_HOME (visible in the UI): the four
monthly sources (load_jinmin_exports, the month × county range) and the lottery sales
(load_lottery_sales, every closed day of the month × county, grouped back into one load per
county-month); then the warehouse (dbt + checks + publish) is built once. Failed partitions are
reported, not hidden.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from dagster import DagsterInstance

from .automation.requests import lottery_month_tags, month_range_tags
from .definitions import defs
from .jobs import lottery_job, raw_monthly_job, warehouse_job

# The full event log is in the Dagster UI; the terminal gets warnings and errors only.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def month_keys(start: str, end: str) -> list[str]:
    y, m = map(int, start.split("-"))
    ey, em = map(int, end.split("-"))
    keys = []
    while (y, m) <= (ey, em):
        keys.append(dt.date(y, m, 1).isoformat())
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return keys


def month_runs(month: dt.date) -> list[tuple[str, str, dict[str, str]]]:
    """(label, job name, partition-range tags) of the raw runs that load `month` for all counties."""
    runs = [("raw load", raw_monthly_job.name, month_range_tags(month, month))]
    lottery = lottery_month_tags(month)
    if lottery is not None:  # a month with no closed day yet has no lottery partition to load
        runs.append(("lottery", lottery_job.name, lottery))
    return runs


def run(start: str, end: str, build_warehouse: bool = True) -> int:
    instance = DagsterInstance.get()
    failed: list[str] = []
    for key in month_keys(start, end):
        month = dt.date.fromisoformat(key)
        for label, job_name, tags in month_runs(month):
            result = defs.resolve_job_def(job_name).execute_in_process(
                tags=tags, instance=instance, raise_on_error=False, run_config=QUIET
            )
            status = "ok" if result.success else "FAILED (see the run in the Dagster UI)"
            print(f"  {label} {key[:7]}: {status}", flush=True)
            if not result.success and key[:7] not in failed:
                failed.append(key[:7])
    if build_warehouse:
        result = defs.resolve_job_def(warehouse_job.name).execute_in_process(
            instance=instance, raise_on_error=False, run_config=QUIET
        )
        print(f"  warehouse build (dbt + publish): {'ok' if result.success else 'FAILED'}", flush=True)
        if not result.success:
            return 2
    if failed:
        print(
            f"  months with rejected files: {', '.join(failed)} — see raw.load_audit / the run logs",
            flush=True,
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--start", required=True, help="first month, YYYY-MM")
    parser.add_argument("--end", required=True, help="last month, YYYY-MM")
    parser.add_argument("--no-warehouse", action="store_true", help="load raw partitions only")
    args = parser.parse_args(argv)
    return run(args.start, args.end, build_warehouse=not args.no_warehouse)


if __name__ == "__main__":
    sys.exit(main())
