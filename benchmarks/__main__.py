"""python -m benchmarks --profile quick|prefecture|province|spark [--months N] [--reuse] [--out DIR]"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import sys
import time
from pathlib import Path

from . import profiles
from .report import machine, write
from .runner import ScenarioRunner, clean

HERE = Path(__file__).resolve().parent


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--profile", choices=sorted(profiles.PROFILES), default="quick")
    p.add_argument(
        "--months",
        type=int,
        help="prefecture-year: months in the year (default 12, min 2); province-year: months simulated "
        "(default 24: the incremental month measured with 1, 11 and 23 months loaded)",
    )
    p.add_argument(
        "--scale",
        type=float,
        help="override every scenario's scale (e.g. a small province run to test the harness)",
    )
    p.add_argument("--scenarios", help="comma-separated subset of the profile's scenarios")
    p.add_argument(
        "--work", type=Path, default=HERE / "work", help="scratch folder (default benchmarks/work)"
    )
    p.add_argument(
        "--out", type=Path, default=HERE / "results", help="results folder (default benchmarks/results)"
    )
    p.add_argument("--reuse", action="store_true", help="reuse landing folders simulated by an earlier run")
    p.add_argument("--clean", action="store_true", help="delete landing folders and DuckDB files afterwards")
    p.add_argument(
        "--compare-rev",
        help="also ingest the first month with dagster_project as at this git revision (before/after)",
    )
    p.add_argument(
        "--skip",
        default="",
        help="comma-separated: quality,dbt,dashboards,dagster,limit,matrix,spark (for smoke runs)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.months is not None and args.months < 2:
        print("--months must be at least 2 (one loaded month and one incremental month)", file=sys.stderr)
        return 2
    scenarios = profiles.scenarios(args.profile, args.months, args.scale)
    if args.scenarios:
        wanted = set(args.scenarios.split(","))
        scenarios = [s for s in scenarios if s.name in wanted]
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    from dataclasses import replace

    scenarios = [
        replace(
            s,
            quality=s.quality and "quality" not in skip,
            dbt=s.dbt and "dbt" not in skip,
            dashboards=s.dashboards and "dashboards" not in skip and "dbt" not in skip,
            dagster=s.dagster and "dagster" not in skip,
            limit=s.limit and "limit" not in skip,
            matrix_rows=0 if "matrix" in skip else s.matrix_rows,
            spark=s.spark and "spark" not in skip and "dbt" not in skip,
        )
        for s in scenarios
    ]
    command = "python -m benchmarks " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    work = args.work / args.profile
    work.mkdir(parents=True, exist_ok=True)
    meta = {"machine": machine(), "load_start": os.getloadavg()[0]}

    def log(msg: str) -> None:
        print(f"{dt.datetime.now():%H:%M:%S} {msg}", flush=True)

    log(
        f"profile {args.profile}: {', '.join(s.name for s in scenarios)}; work {work}; load {meta['load_start']:.1f}"
    )
    started = time.perf_counter()
    results = []
    for s in scenarios:
        log(
            f"scenario {s.name}: scale {s.scale:g}, months {s.all_months[0]}..{s.all_months[-1]}, {', '.join(s.sources)}"
        )
        results.append(ScenarioRunner(args.profile, s, work, args.reuse, log, args.compare_rev).run())
    meta["finished"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta["elapsed"] = time.perf_counter() - started
    path = write(args.out, args.profile, command, results, meta)
    if args.clean:
        clean(work)
    log(
        f"done in {meta['elapsed'] / 60:.1f} min; results: {path} ({args.out / (args.profile + '-latest.csv')})"
    )
    print(path.read_text("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
