"""The benchmark stages. Each runs in its own process (benchmarks.measure.run_stage -> benchmarks.stage),
takes JSON-able keyword arguments and returns a JSON-able dict with at least `seconds` (its own timing of
the work, imports excluded).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from .corpus import ExportInfo, effective_exports, month
from .measure import TreeRssSampler

if TYPE_CHECKING:
    from dagster_project.lakehouse.local_spark import LocalSpark

# A full build of the benchmark's warehouse on the local Spark that takes longer than this is stopped and
# reported as failed (the watchdog restarts the server, without counting against this, when Hive's
# function registry breaks in it).
SPARK_BUILD_TIMEOUT = 4 * 3600


def _warm_up() -> None:
    """Pay the one-off lazy imports (pyarrow, calamine) before the clock starts: they are start-up
    cost of a process, not cost per file, and would otherwise be charged to the first file timed."""
    import fastexcel  # noqa: F401
    import pyarrow  # noqa: F401

    pl.DataFrame({"a": ["x"]}).to_arrow()
    con = duckdb.connect()
    con.register("_w", pl.DataFrame({"a": [1]}).to_arrow())
    con.execute("SELECT * FROM _w").fetchall()
    con.close()


# --- simulate ---------------------------------------------------------------------------------------------


def _writer(warehouse: str) -> duckdb.DuckDBPyConnection:
    """The warehouse opened as the Dagster assets open it (WarehouseResource: DuckDB's buffer pool capped
    at Settings.loader_memory_limit); plain for code from before the cap (--compare-rev)."""
    try:
        from dagster_project.ingestion.warehouse import connect_warehouse
        from dagster_project.settings import Settings
    except ImportError:
        return duckdb.connect(warehouse)
    return connect_warehouse(Path(warehouse), memory_limit=Settings.from_env().loader_memory_limit)


def simulate(
    out: str, months: list[str], scale: float, sources: list[str], dirty_rate: float, seed: int, workers: int
) -> dict[str, Any]:
    from minzheng_simulator import SimulationConfig, simulate

    t = time.perf_counter()
    result = simulate(
        SimulationConfig(
            out=Path(out),
            months=months,
            scale=scale,
            sources=tuple(sources),
            dirty_rate=dirty_rate,
            seed=seed,
            workers=workers,
        )
    )
    seconds = time.perf_counter() - t
    written = sum((Path(out) / f.path).stat().st_size for f in result.files)
    rows = sum(f.data_rows for f in result.files)
    return {
        "seconds": seconds,
        "files": len(result.files),
        "rows": rows,
        "bytes": written,
        "rows_by_source": result.rows_by_source(),
        "formats": {
            fmt: sum(1 for f in result.files if f.format == fmt) for fmt in {f.format for f in result.files}
        },
    }


# --- ingest through the real code path --------------------------------------------------------------------


def ingest(
    landing: str, warehouse: str, sources: list[str], months: list[str], key: str, force: bool = False
) -> dict[str, Any]:
    """load_partition (dagster_project.ingestion.pipeline) per month × source into `warehouse`, as the
    Dagster raw asset runs a month (all counties in one call, so the files are prepared in the worker
    processes). Per-file times are the busy times load_partition reports (read, clean and hash in a worker,
    then write). Code from before per-file times existed (--compare-rev) is called once per county instead
    and timed from outside."""
    from dagster_project.ingestion.pipeline import FileResult, load_partition
    from dagster_project.ingestion.pseudonymise import Pseudonymiser
    from dagster_project.ingestion.region import region_lookup
    from dagster_project.ingestion.spec import SOURCES

    _warm_up()
    per_file_times = "seconds" in getattr(FileResult, "__dataclass_fields__", {})
    exports = {e.relative: e for e in effective_exports(Path(landing), sources, months)}
    region = region_lookup()
    hasher = Pseudonymiser(key.encode())
    files: list[dict[str, Any]] = []
    failures: list[str] = []
    started = time.perf_counter()
    month_seconds: dict[str, float] = defaultdict(float)  # wall time of each month's load_partition calls
    con = _writer(warehouse)
    for m in months:
        for source in sources:
            counties = sorted(
                {e.county_code for e in exports.values() if e.source == source and e.period == m[:7]}
            )
            calls = [set(counties)] if per_file_times else [{c} for c in counties]
            for call in calls:
                t = time.perf_counter()
                report = load_partition(
                    con,
                    SOURCES[source],
                    month(m),
                    Path(landing),
                    region,
                    hasher,
                    counties=call,
                    force=force,
                    raise_on_failure=False,
                )
                seconds = time.perf_counter() - t
                month_seconds[m[:7]] += seconds
                failures += [str(e) for e in report.failures]
                for f in report.files:
                    if f.status != "loaded":
                        continue
                    e = exports[f.source_file]
                    files.append(
                        {
                            "source": source,
                            "period": m[:7],
                            "county": f.county_code,
                            "format": e.format,
                            "bytes": e.bytes,
                            "rows": f.rows_read,
                            "loaded": f.rows_loaded,
                            "quarantined": f.rows_quarantined,
                            "seconds": f.seconds if per_file_times else seconds,
                        }
                    )
    t = time.perf_counter()
    con.close()  # the WAL is checkpointed into the file here: part of the load
    close_seconds = time.perf_counter() - t
    return {
        "started": started,  # when the timed work began (perf_counter): measure.py's CPU window
        "seconds": time.perf_counter() - started,
        "close_seconds": close_seconds,
        "month_seconds": dict(month_seconds),
        "files": files,
        "rows": sum(f["rows"] for f in files),
        "bytes": sum(f["bytes"] for f in files),
        "failures": failures,
    }


def ours_files(
    landings: dict[str, str], warehouse: str, source: str, period: str, key: str, repeats: int
) -> dict[str, Any]:
    """The matrix: load each format's single file `repeats` times (force), best and median time."""
    from dagster_project.ingestion.pipeline import load_partition
    from dagster_project.ingestion.pseudonymise import Pseudonymiser
    from dagster_project.ingestion.region import region_lookup
    from dagster_project.ingestion.spec import SOURCES

    _warm_up()
    region = region_lookup()
    hasher = Pseudonymiser(key.encode())
    con = _writer(warehouse)
    out: dict[str, Any] = {"formats": {}}
    started = time.perf_counter()
    for fmt, landing in landings.items():
        times, rows = [], 0
        for _ in range(repeats):
            t = time.perf_counter()
            report = load_partition(
                con,
                SOURCES[source],
                month(period),
                Path(landing),
                region,
                hasher,
                force=True,
                raise_on_failure=True,
            )
            times.append(time.perf_counter() - t)
            rows = report.total("rows_read")
        out["formats"][fmt] = {
            "best": min(times),
            "median": statistics.median(times),
            "rows": rows,
            "runs": times,
        }
    con.close()
    out["seconds"] = time.perf_counter() - started
    return out


# --- the naive baseline and the raw-read limit ------------------------------------------------------------


def naive(files: list[dict[str, Any]], warehouse: str, key: str, inserts: list[str]) -> dict[str, Any]:
    import io

    import openpyxl  # noqa: F401  (the import is start-up cost, as _warm_up does for ours)
    import pandas as pd

    from dagster_project.ingestion.region import region_lookup
    from dagster_project.ingestion.spec import SOURCES

    from . import naive as baseline

    pd.read_csv(io.StringIO("a\n1"))
    region = region_lookup()
    con = baseline.open_warehouse(Path(warehouse))
    started = time.perf_counter()
    out = []
    for f in files:
        e = ExportInfo(**f)
        timing = baseline.load_file(
            con,
            Path(e.path),
            SOURCES[e.source],
            e.county_code,
            month(e.period),
            region.township_prefixes(e.county_code),
            key.encode(),
            tuple(inserts),
        )
        out.append({**f, **timing.__dict__})
    con.close()
    return {"seconds": time.perf_counter() - started, "files": out}


def peers(files: list[dict[str, Any]], warehouse: str, key: str, repeats: int) -> dict[str, Any]:
    """The two stronger peers (benchmarks/peers.py) on the same files: best of `repeats` each.
    duckdb_sql reads CSV only; an xlsx file gets no duckdb-sql timing."""
    from dagster_project.ingestion.region import region_lookup
    from dagster_project.ingestion.spec import SOURCES

    from . import naive as baseline
    from . import peers as stronger

    _warm_up()
    region = region_lookup()
    con = baseline.open_warehouse(Path(warehouse))
    started = time.perf_counter()
    out = []
    for f in files:
        e = ExportInfo(**f)
        spec, period = SOURCES[e.source], month(e.period)
        towns = region.township_prefixes(e.county_code)
        timings: dict[str, Any] = {}
        for name, peer in (
            ("pandas_vectorised", stronger.pandas_vectorised),
            ("duckdb_sql", stronger.duckdb_sql),
        ):
            if name == "duckdb_sql" and not e.format.startswith("csv"):
                timings[name] = None
                continue
            runs = [
                peer(con, Path(e.path), spec, e.county_code, period, towns, key.encode())
                for _ in range(repeats)
            ]
            best = min(runs, key=lambda t: t.seconds)
            timings[name] = {**best.__dict__, "seconds": best.seconds}
        out.append({**f, **timings})
    con.close()
    return {"seconds": time.perf_counter() - started, "files": out}


def limit(files: list[dict[str, Any]], repeats: int) -> dict[str, Any]:
    from .limit import read_limit

    _warm_up()
    con = duckdb.connect()
    started = time.perf_counter()
    out = []
    for f in files:
        e = ExportInfo(**f)
        runs = [read_limit(Path(e.path), e.format, con) for _ in range(repeats)]
        best = min(runs, key=lambda r: r.seconds)
        out.append({**f, "seconds": best.seconds, "decode": best.decode, "lines": best.lines})
    con.close()
    return {"seconds": time.perf_counter() - started, "files": out}


def matrix(landing: str, out: str, source: str, period: str, max_rows: int) -> dict[str, Any]:
    """Build the format matrix from the largest CSV export of `source` in `period`."""
    from .matrix import build_matrix

    t = time.perf_counter()
    exports = [
        e
        for e in effective_exports(Path(landing), [source], [period])
        if e.format.startswith("csv") and e.data_rows
    ]
    if not exports:
        raise ValueError(f"no CSV export of {source} {period} in {landing}")
    export = max(exports, key=lambda e: e.bytes)
    shutil.rmtree(out, ignore_errors=True)
    landings = build_matrix(export, Path(out), max_rows)
    files = {
        fmt: [e.to_json() for e in effective_exports(Path(p), [source], [period])]
        for fmt, p in landings.items()
    }
    return {
        "seconds": time.perf_counter() - t,
        "from": export.relative,
        "landings": {k: str(v) for k, v in landings.items()},
        "files": files,
    }


# --- quality checks ---------------------------------------------------------------------------------------


def quality(
    warehouse: str, data_dir: str, months: list[str] | None, layer: str, sources: list[str] | None = None
) -> dict[str, Any]:
    """The expectation suites as the Dagster checks run them (assets.checks.evaluate_suites): GX on the month's rows,
    SQL checks, results recorded, clerk reports written. Raw suites per month; mart suites whole-table.
    `sources`: the raw suites of these sources only, as a Dagster run checks the raw assets it loaded."""
    from dagster_project.assets.checks import evaluate_suites
    from dagster_project.quality.paths import QualityPaths
    from dagster_project.quality.region import default_region
    from dagster_project.quality.results import ensure_results_schema
    from dagster_project.quality.suites import load_suites

    suites = [s for s in load_suites(layer=layer) if sources is None or s.source in sources]
    region = default_region()
    paths = QualityPaths(Path(data_dir))
    scope = {month(m): set() for m in months} if months else None
    con = _writer(warehouse)  # as the Dagster checks open it (WarehouseResource)
    ensure_results_schema(con)
    started = time.perf_counter()
    per_suite: dict[str, float] = {}
    failed = []
    for suite, ev in zip(
        suites, evaluate_suites(con, suites, scope, region, paths, "benchmark", per_suite), strict=True
    ):
        failed += [
            f"{suite.name}.{c}" for c, outs in ev.outcomes.items() if any(o.blocking_failure for o in outs)
        ]
    con.close()
    return {
        "started": started,
        "seconds": time.perf_counter() - started,
        "per_suite": per_suite,
        "blocking_failures": failed,
    }


# --- dbt --------------------------------------------------------------------------------------------------


def plan_month_build(warehouse: str, manifest_path: Path) -> tuple[dict[str, str], list[str], str]:
    """What Dagster's dbt asset gives a build (assets/dbt_window.py): the window of the months whose loads
    changed (environment) and the unchanged models and seeds to leave out (dbt arguments), planned on the
    warehouse as the asset plans it. The guards the asset takes from Dagster's records (the previous builds
    succeeded, with this dbt project) hold here by construction: the benchmark's earlier builds ran this
    project, and a failed one fails the benchmark's "every build succeeded" target."""
    from dagster_project.assets.dbt_window import DbtWindow, months_by_comparison, unchanged_nodes

    with duckdb.connect(warehouse, read_only=True) as con:
        by_comparison = months_by_comparison(con)
    months = tuple(sorted({m for changed in by_comparison.values() for m in changed}))
    if not months:
        return {}, [], "nothing changed: whole warehouse"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    unchanged = unchanged_nodes(manifest, {c.source for c, changed in by_comparison.items() if changed})
    nodes = manifest["nodes"]
    window = DbtWindow(months, unchanged=tuple("fqn:" + ".".join(nodes[u]["fqn"]) for u in unchanged))
    env = {
        "MINZHENG_DBT_MIN_PERIOD": f"{months[0]:%Y-%m-01}",
        "MINZHENG_DBT_MAX_PERIOD": f"{months[-1]:%Y-%m-01}",
    }
    return (
        env,
        window.dbt_args(),
        f"planned window {months[0]:%Y-%m}..{months[-1]:%Y-%m}, {len(unchanged)} unchanged models/seeds left out",
    )


def dbt(
    warehouse: str,
    args: list[str],
    vars: dict[str, str] | None,
    target: str,
    env: dict[str, str] | None = None,
    plan: bool = False,
    local_spark: LocalSpark | None = None,
) -> dict[str, Any]:
    """`plan`: the build is planned as Dagster plans it (plan_month_build), inside the timed section.
    `local_spark`: dbt runs through the watchdog that restarts that server when Hive's function registry
    breaks in it (dagster_project/lakehouse/spark_watchdog.py), and fails after SPARK_BUILD_TIMEOUT."""
    from dagster_project.settings import DBT_PROJECT_DIR

    if plan:  # imported with the code location before a Dagster run's dbt step starts (1.7-2 s: Dagster)
        import dagster_project.assets.dbt_window  # noqa: F401

    t = time.perf_counter()
    planned = ""
    if plan:
        window_env, exclude, planned = plan_month_build(warehouse, Path(target) / "target" / "manifest.json")
        env, args = {**(env or {}), **window_env}, [*args, *exclude]

    exe = Path(sys.executable).with_name("dbt")
    cli = [
        str(exe),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(Path(target) / "target"),
        "--log-path",
        str(Path(target) / "logs"),
    ]
    if vars:
        cli += ["--vars", json.dumps(vars)]
    env = {
        **os.environ,
        **(env or {}),
        "MINZHENG_WAREHOUSE_PATH": warehouse,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    restarts = 0
    if local_spark is None:
        proc = subprocess.run(cli, env=env, capture_output=True, text=True)
        returncode, output = proc.returncode, proc.stdout + proc.stderr
    else:
        from dagster_project.lakehouse.spark_watchdog import run_on_local_spark

        run = run_on_local_spark(cli, env, local_spark, os.environ, timeout_seconds=SPARK_BUILD_TIMEOUT)
        returncode, output, restarts = run.returncode, run.stdout + run.stderr, run.restarts
    seconds = time.perf_counter() - t
    results_path = Path(target) / "target" / "run_results.json"
    nodes: list[dict[str, Any]] = []
    statuses: dict[str, int] = {}
    elapsed = None
    if results_path.exists():
        results = json.loads(results_path.read_text())
        elapsed = results.get("elapsed_time")
        for r in results["results"]:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
            nodes.append(
                {"node": r["unique_id"], "seconds": r.get("execution_time") or 0.0, "status": r["status"]}
            )
    nodes.sort(key=lambda n: -n["seconds"])
    return {
        "started": t,
        "seconds": seconds,
        "ok": returncode == 0,
        "dbt_elapsed": elapsed,
        "statuses": statuses,
        "slowest": nodes[:12],
        "output_tail": output[-3000:] if returncode else "",
        "planned": planned,
        "server_restarts": restarts,
    }


# --- publish and the dashboard queries --------------------------------------------------------------------


def spark_dbt(warehouse: str, lake: str, target: str, spark_dir: str, port: int) -> dict[str, Any]:
    """The same dbt project on the local Spark Thrift server that the runner started (scripts/spark.sh):
    the warehouse's raw tables exported to the Parquet raw layer and registered as Spark tables (timed
    apart), then `dbt build --full-refresh --target spark`. The Spark JVM is not a child of this process:
    its RSS (with its children) is sampled here from the PID files of scripts/spark.sh (of the first server,
    when the watchdog had to restart it: `server_restarts`)."""
    from dagster_project.lakehouse.local_spark import LocalSpark
    from dagster_project.lakehouse.parquet_layer import export_raw
    from dagster_project.lakehouse.spark import register_raw_tables, spark_cursor

    t = time.perf_counter()
    with duckdb.connect(warehouse, read_only=True) as con:
        exported = export_raw(con, lake)
    export_seconds = time.perf_counter() - t
    t = time.perf_counter()
    local = LocalSpark(Path(spark_dir), int(port))
    endpoint = local.endpoint
    with spark_cursor(endpoint) as cursor:
        register_raw_tables(cursor, lake)
    register_seconds = time.perf_counter() - t

    jvms = [TreeRssSampler(int(p.read_text().strip())) for p in local.pid_dir.glob("*.pid")]
    for sampler in jvms:
        sampler.start()
    spark_env = endpoint.dbt_env()
    try:
        result = dbt(
            warehouse,
            ["build", "--full-refresh", "--target", "spark"],
            None,
            target,
            env=spark_env,
            local_spark=local,
        )
    finally:
        for sampler in jvms:
            sampler.stop()
    return {
        **result,
        "export_seconds": export_seconds,
        "exported_files": len(exported),
        "register_seconds": register_seconds,
        "jvm_peak_mb": sum(sampler.peak for sampler in jvms) / 2**20,
    }


def _percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def dashboards(warehouse: str, serving: str, repeats: int) -> dict[str, Any]:
    """Publish the marts (serving.publish), then run every chart's SQL `repeats` times on the serving file,
    read-only: each time on a new connection (Superset's NullPool does that) and on one open connection."""
    from dagster_project.ingestion.region import county_codes
    from dagster_project.serving.publish import publish

    from .dashboard_sql import chart_queries

    con = _writer(warehouse)
    t = time.perf_counter()
    published = publish(con, Path(serving), county_codes())  # as the pipeline does: and the county files
    publish_seconds = time.perf_counter() - t
    con.close()
    charts = []
    all_new, all_open = [], []
    errors = []
    for q in chart_queries():
        new_conn, open_conn, rows = [], [], 0
        try:
            for _ in range(repeats):
                t = time.perf_counter()
                c = duckdb.connect(serving, read_only=True)
                rows = len(c.execute(q.sql).fetchall())
                c.close()
                new_conn.append(time.perf_counter() - t)
            c = duckdb.connect(serving, read_only=True)
            c.execute(q.sql).fetchall()  # first run on this connection warms its catalog
            for _ in range(repeats):
                t = time.perf_counter()
                c.execute(q.sql).fetchall()
                open_conn.append(time.perf_counter() - t)
            c.close()
        except duckdb.Error as exc:
            errors.append(f"{q.chart}: {str(exc).splitlines()[0]}")
            continue
        all_new += new_conn
        all_open += open_conn
        charts.append(
            {
                "chart": q.chart,
                "table": q.table,
                "rows": rows,
                "p50_ms": _percentile(new_conn, 0.5) * 1000,
                "p95_ms": _percentile(new_conn, 0.95) * 1000,
                "open_p50_ms": _percentile(open_conn, 0.5) * 1000,
                "open_p95_ms": _percentile(open_conn, 0.95) * 1000,
            }
        )
    mart_rows = {k: v for k, v in published.tables.items() if ".mart_" in k}
    return {
        "seconds": publish_seconds,
        "publish_seconds": publish_seconds,
        "published_tables": len(published.tables),
        "county_files": len(published.county_files or {}),
        "serving_mb": Path(serving).stat().st_size / 2**20,
        "mart_rows": mart_rows,
        "queries": len(charts),
        "repeats": repeats,
        "p50_ms": _percentile(all_new, 0.5) * 1000,
        "p95_ms": _percentile(all_new, 0.95) * 1000,
        "open_p50_ms": _percentile(all_open, 0.5) * 1000,
        "open_p95_ms": _percentile(all_open, 0.95) * 1000,
        "charts": charts,
        "errors": errors,
    }


# --- one month through Dagster ----------------------------------------------------------------------------


def dagster_month(period: str, warehouse: str) -> dict[str, Any]:
    """The raw runs of one month (all sources, all counties) as the demo runs them: the monthly job and
    the lottery job (day × county partitions), execute_in_process on a persistent instance
    ($DAGSTER_HOME). Settings come from the environment the harness sets."""
    t0 = time.perf_counter()
    from dagster import DagsterInstance

    from dagster_project.definitions import defs
    from dagster_project.orchestrate import month_runs

    import_seconds = time.perf_counter() - t0
    instance = DagsterInstance.get()
    m = month(period)
    t = time.perf_counter()
    success = True
    for _label, job_name, tags in month_runs(m):
        result = defs.resolve_job_def(job_name).execute_in_process(
            tags=tags, instance=instance, raise_on_error=False
        )
        success = success and result.success
    seconds = time.perf_counter() - t
    with duckdb.connect(warehouse, read_only=True) as con:
        row = con.execute(
            "SELECT coalesce(sum(rows_read), 0) FROM raw.load_audit WHERE status = 'loaded' AND period = ?",
            [m],
        ).fetchone()
    return {
        "seconds": seconds,
        "import_seconds": import_seconds,
        "success": success,
        "rows": int(row[0]) if row else 0,
    }


STAGES: dict[str, Callable[..., dict[str, Any]]] = {
    "simulate": simulate,
    "ingest": ingest,
    "ours_files": ours_files,
    "naive": naive,
    "limit": limit,
    "peers": peers,
    "matrix": matrix,
    "quality": quality,
    "dbt": dbt,
    "spark_dbt": spark_dbt,
    "dashboards": dashboards,
    "dagster_month": dagster_month,
}
