"""Run the pipeline through the persistent Dagster instance, as the demo and CI do.

    python -m dagster_project.orchestrate --start 2024-01 --end 2025-12 [--months-per-run 3] [--log FILE]

The months are loaded in runs of `--months-per-run` months (all counties) each: the four monthly
sources (load_jinmin_exports, the month × county range) and the lottery sales (load_lottery_sales,
every closed day of those months × county, grouped back into one load per county-month); then the
warehouse (dbt + checks + publish) is built once. Every run is recorded in $DAGSTER_HOME (visible in the
UI); failed partitions are reported, not hidden.

The terminal gets one progress line per run (rows, rows/s, ETA) and, during the warehouse build, a line
every 15 s; with --log everything else (Dagster's log lines, dbt's node-by-node output, warnings) goes
to that file instead of the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from dagster import DagsterInstance, DagsterRunStatus, ExecuteInProcessResult, RunsFilter

from .assets.load_metadata import FILE, READ
from .automation.requests import lottery_month_tags, month_range_tags
from .jobs import lottery_job, raw_monthly_job, warehouse_job
from .progress import PHASES, Progress, RunWatcher, phase_of

# The full event log is in the Dagster UI; the console logger prints warnings and errors only.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def month_keys(start: str, end: str) -> list[str]:
    y, m = map(int, start.split("-"))
    ey, em = map(int, end.split("-"))
    keys = []
    while (y, m) <= (ey, em):
        keys.append(dt.date(y, m, 1).isoformat())
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return keys


def month_runs(month: dt.date, last: dt.date | None = None) -> list[tuple[str, str, dict[str, str]]]:
    """(label, job name, partition-range tags) of the raw runs that load the months [month, last]
    (just `month` by default) for all counties."""
    last = last or month
    runs = [("raw load", raw_monthly_job.name, month_range_tags(month, last))]
    lottery = lottery_month_tags(month, last)
    if lottery is not None:  # no closed day yet in those months: no lottery partition to load
        runs.append(("lottery", lottery_job.name, lottery))
    return runs


def chunks(keys: list[str], size: int) -> list[list[str]]:
    size = max(size, 1)
    return [keys[i : i + size] for i in range(0, len(keys), size)]


def rows_read(result: ExecuteInProcessResult) -> int:
    """Rows read from the files a run loaded (a lottery file materializes one partition per day: each
    file is counted once)."""
    files: dict[str, int] = {}
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        if FILE in meta and READ in meta:
            files[f"{event.asset_key.to_user_string()}/{meta[FILE].value}"] = int(meta[READ].value or 0)
    return sum(files.values())


def _label(first: str, last: str) -> str:
    return first[:7] if first == last else f"{first[:7]}..{last[:7]}"


def _defs():
    """The Definitions, imported once the terminal is set up (importing them prints library warnings)."""
    from .definitions import defs

    return defs


def load_months(instance: DagsterInstance, keys: list[str], months_per_run: int, out: TextIO) -> list[str]:
    """Run the raw loads; return the labels of the month ranges with a failed run."""
    failed: list[str] = []
    groups = chunks(keys, months_per_run)
    progress = Progress(len(groups), out=out)
    for group in groups:
        first, last = dt.date.fromisoformat(group[0]), dt.date.fromisoformat(group[-1])
        label = _label(group[0], group[-1])
        rows, ok = 0, True
        for _kind, job_name, tags in month_runs(first, last):
            result = (
                _defs()
                .resolve_job_def(job_name)
                .execute_in_process(tags=tags, instance=instance, raise_on_error=False, run_config=QUIET)
            )
            rows += rows_read(result)
            ok = ok and result.success
        if not ok:
            failed.append(label)
        progress.step(f"load {label}", rows, "ok" if ok else "FAILED")
    return failed


def phase_totals(job) -> dict[str, int]:
    """How many assets and checks each phase of a job has (progress.PHASES)."""
    totals = dict.fromkeys(PHASES, 0)
    layer = job.asset_layer
    for key in layer.selected_asset_keys:
        totals[phase_of(key.path)] += 1
    for check in layer.asset_graph.asset_check_keys:
        totals[phase_of(check.asset_key.path)] += 1
    return totals


def last_duration(instance: DagsterInstance, job_name: str) -> float | None:
    """Seconds the last successful run of the job took, if there is one."""
    records = instance.get_run_records(
        RunsFilter(job_name=job_name, statuses=[DagsterRunStatus.SUCCESS]), limit=1
    )
    if not records or records[0].start_time is None or records[0].end_time is None:
        return None
    return records[0].end_time - records[0].start_time


def build_warehouse(instance: DagsterInstance, out: TextIO) -> bool:
    job = _defs().resolve_job_def(warehouse_job.name)
    run_id = str(uuid.uuid4())
    expected = last_duration(instance, warehouse_job.name)
    label = "warehouse build"
    with RunWatcher(instance, run_id, phase_totals(job), label, expected, out=out) as watcher:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=QUIET, run_id=run_id
        )
        status = "ok" if result.success else "FAILED (see the run in the Dagster UI)"
        print(watcher.line(watcher.done(), status), file=out, flush=True)
    return result.success


@contextlib.contextmanager
def terminal(log: Path | None) -> Iterator[TextIO]:
    """A stream to the terminal; with `log`, file descriptors 1 and 2 (this process and the workers it
    starts) write to the log file until the block ends."""
    if log is None:
        yield sys.stdout
        return
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    with open(log, "a", encoding="utf-8") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        term = os.fdopen(os.dup(saved_out), "w", buffering=1, encoding="utf-8")
        try:
            yield term
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            term.close()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)


def run(
    start: str,
    end: str,
    build: bool = True,
    months_per_run: int = 1,
    log: Path | None = None,
) -> int:
    instance = DagsterInstance.get()
    keys = month_keys(start, end)
    with terminal(log) as out:
        failed = load_months(instance, keys, months_per_run, out)
        ok = build_warehouse(instance, out) if build else True
        if failed:
            print(
                f"  months with rejected files: {', '.join(failed)} — see raw.load_audit / the run logs",
                file=out,
                flush=True,
            )
    return 0 if ok else 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--start", required=True, help="first month, YYYY-MM")
    parser.add_argument("--end", required=True, help="last month, YYYY-MM")
    parser.add_argument("--no-warehouse", action="store_true", help="load raw partitions only")
    parser.add_argument(
        "--months-per-run", type=int, default=1, help="months per Dagster run (default 1: one run per month)"
    )
    parser.add_argument(
        "--log", type=Path, help="write library output (Dagster, dbt) to this file, not the terminal"
    )
    args = parser.parse_args(argv)
    return run(args.start, args.end, not args.no_warehouse, args.months_per_run, args.log)


if __name__ == "__main__":
    sys.exit(main())
