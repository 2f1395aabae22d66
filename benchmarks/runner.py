"""Run the stages of each scenario of a profile, each in its own process, and collect result rows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .corpus import effective_exports
from .measure import StageFailed, StageRun, run_stage
from .profiles import Scenario

BENCH_KEY = "benchmark-pseudonymisation-key-not-a-secret"


@dataclass
class Row:
    profile: str
    scenario: str
    scale: float
    stage: str
    variant: str = "ours"  # ours / naive / naive-bulk / pandas-vectorised / duckdb-sql / limit / dagster
    format: str = ""
    files: int | None = None
    rows: int | None = None
    mbytes: float | None = None
    seconds: float | None = None
    cpu_seconds: float | None = None  # user + system of the stage's process tree over `seconds`
    peak_rss_mb: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    load_avg: float | None = None
    note: str = ""

    @property
    def rows_per_s(self) -> float | None:
        return self.rows / self.seconds if self.rows and self.seconds else None

    @property
    def mb_per_s(self) -> float | None:
        return self.mbytes / self.seconds if self.mbytes and self.seconds else None

    def to_csv(self) -> dict[str, Any]:
        d = asdict(self)
        d["rows_per_s"] = self.rows_per_s
        d["mb_per_s"] = self.mb_per_s
        return d


@dataclass
class ScenarioResult:
    scenario: Scenario
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def _comparison(corpus: str, fmt: str, agg: dict[str, float], **extra: Any) -> dict[str, Any]:
    """One row of the ours-vs-limit table from summed files/rows/bytes/ours/limit/decode."""
    return {
        "corpus": corpus,
        "format": fmt,
        "files": int(agg["files"]),
        "rows": int(agg["rows"]),
        "mb": agg["bytes"] / 2**20,
        "ours": agg["ours"],
        "limit": agg["limit"],
        "decode": agg["decode"],
        **extra,
    }


def _mb(n: int | None) -> float | None:
    return n / 2**20 if n is not None else None


class ScenarioRunner:
    def __init__(
        self,
        profile: str,
        scenario: Scenario,
        work: Path,
        reuse: bool,
        log: Any,
        compare_rev: str | None = None,
    ) -> None:
        self.compare_rev = compare_rev
        self.profile = profile
        self.s = scenario
        self.root = work / scenario.name
        self.landing = self.root / "landing"
        self.reuse = reuse
        self.log = log
        self.result = ScenarioResult(scenario)

    # -- helpers ---------------------------------------------------------------------------------------
    def stage(
        self, stage: str, label: str, env: dict[str, str] | None = None, code: Path | None = None, **args: Any
    ) -> StageRun:
        self.log(f"  [{self.s.name}] {label} ...")
        try:
            run = run_stage(stage, args, self.root, label, env=env, code=code)
        except StageFailed as exc:
            self.log(f"  [{self.s.name}] {label}: FAILED\n{exc}")
            self.add(None, label, variant="failed", note=str(exc).splitlines()[0])
            raise
        self.log(
            f"  [{self.s.name}] {label}: {run.seconds:.1f}s (process {run.wall_seconds:.1f}s), "
            f"peak RSS {run.peak_rss_mb:.0f} MB, load {run.load_after:.1f}"
        )
        return run

    def add(self, run: StageRun | None, stage: str, **kw: Any) -> Row:
        row = Row(self.profile, self.s.name, self.s.scale, stage, **kw)
        if run is not None:
            row.peak_rss_mb = row.peak_rss_mb if row.peak_rss_mb is not None else run.peak_rss_mb
            row.load_avg = run.load_after
            if row.seconds is None:  # the row is the stage's own timing: its CPU time goes with it
                row.seconds = run.seconds
                row.cpu_seconds = run.cpu_seconds
        self.result.rows.append(row)
        return row

    # -- stages ----------------------------------------------------------------------------------------
    def simulate(self) -> None:
        record = self.root / "simulate.json"
        config = {
            "out": str(self.landing),
            "months": self.s.all_months,
            "scale": self.s.scale,
            "sources": list(self.s.sources),
            "dirty_rate": 0.002,
            "seed": 20241231,
            "workers": 2,
        }
        if self.reuse and record.exists() and json.loads(record.read_text())["config"] == config:
            prev = json.loads(record.read_text())
            self.log(f"  [{self.s.name}] simulate: reusing {self.landing} (timing of the run that wrote it)")
            note = "reused landing; timing from the run that wrote it"
        else:
            shutil.rmtree(self.landing, ignore_errors=True)
            run = self.stage("simulate", "simulate", **config)
            prev = {
                "config": config,
                "result": run.result,
                "peak_rss_mb": run.peak_rss_mb,
                "load": run.load_after,
            }
            record.write_text(json.dumps(prev, ensure_ascii=False))
            note = ""
        r = prev["result"]
        self.result.details["simulated_rows_by_source"] = r["rows_by_source"]
        self.add(
            None,
            "simulate",
            files=r["files"],
            rows=r["rows"],
            mbytes=_mb(r["bytes"]),
            seconds=r["seconds"],
            peak_rss_mb=prev["peak_rss_mb"],
            load_avg=prev["load"],
            note=(note + f"; {len(self.s.all_months)} months").strip("; "),
        )

    def ingest(
        self, months: list[str], warehouse: Path, stage_name: str, code: Path | None = None
    ) -> dict[str, Any]:
        run = self.stage(
            "ingest",
            stage_name,
            code=code,
            landing=str(self.landing),
            warehouse=str(warehouse),
            sources=list(self.s.sources),
            months=months,
            key=BENCH_KEY,
        )
        r = run.result
        failures = r.get("failures") or []
        self.add(
            run,
            stage_name,
            files=len(r["files"]),
            rows=r["rows"],
            mbytes=_mb(r["bytes"]),
            note=f"{len(months)} month(s); load_partition per month × source (as a Dagster run of a month: "
            f"files prepared in worker processes); WAL checkpoint {r['close_seconds']:.1f}s"
            + (f"; {len(failures)} failed files" if failures else ""),
        )
        by_format: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for f in r["files"]:
            by_format[f["format"]].append(f)
        for fmt, fs in sorted(by_format.items()):
            self.add(
                run,
                f"{stage_name} by format",
                format=fmt,
                files=len(fs),
                rows=sum(f["rows"] for f in fs),
                mbytes=_mb(sum(f["bytes"] for f in fs)),
                seconds=sum(f["seconds"] for f in fs),
                note="sum of per-file busy times (read, clean, hash: in a worker; then write)",
            )
        return r

    def quality(
        self,
        warehouse: Path,
        months: list[str] | None,
        layer: str,
        stage_name: str,
        data_dir: Path | None = None,
    ) -> None:
        run = self.stage(
            "quality",
            stage_name,
            warehouse=str(warehouse),
            data_dir=str(data_dir or self.root / "data"),
            months=months,
            layer=layer,
            sources=list(self.s.sources) if layer == "raw" else None,
        )
        failed = run.result["blocking_failures"]
        slowest = (
            max(run.result["per_suite"].items(), key=lambda kv: kv[1]) if run.result["per_suite"] else None
        )
        self.add(
            run,
            stage_name,
            note=(f"{len(months)} month(s); " if months else "whole tables; ")
            + (f"slowest suite {slowest[0]} {slowest[1]:.1f}s" if slowest else "")
            + (f"; ERROR checks failed: {', '.join(failed[:4])}" if failed else ""),
        )

    def dbt(
        self,
        warehouse: Path,
        stage_name: str,
        args: list[str],
        vars: dict[str, str] | None,
        rows: int | None,
        target: Path | None = None,
        window: tuple[str, str] | None = None,
        plan: bool = False,
    ) -> StageRun:
        """`window` (first, last month 'YYYY-MM'): the partition window, passed as MINZHENG_DBT_MIN_PERIOD /
        MINZHENG_DBT_MAX_PERIOD (macros/incremental.sql) rather than --vars, as a monthly run passes it: new
        --vars make dbt re-parse the whole project, a changed environment variable only the files using it.
        `plan`: window and left-out models planned on the warehouse as Dagster's dbt asset plans them."""
        env = (
            {"MINZHENG_DBT_MIN_PERIOD": f"{window[0]}-01", "MINZHENG_DBT_MAX_PERIOD": f"{window[1]}-01"}
            if window
            else None
        )
        run = self.stage(
            "dbt",
            stage_name,
            env=env,
            warehouse=str(warehouse),
            args=args,
            vars=vars,
            target=str(target or self.root / "dbt"),
            plan=plan,
        )
        r = run.result
        slow = ", ".join(f"{n['node'].split('.')[-1]} {n['seconds']:.1f}s" for n in r["slowest"][:3])
        self.result.details.setdefault("dbt_slowest", {})[stage_name] = r["slowest"]
        status = "ok" if r["ok"] else "FAILED: " + r["output_tail"][-300:].replace("\n", " ")
        if r.get("dbt_elapsed"):
            status += (
                f"; {'plan + ' if plan else ''}start-up + parse {r['seconds'] - r['dbt_elapsed']:.1f}s, "
                f"nodes {r['dbt_elapsed']:.1f}s"
            )
        status += " (" + ", ".join(f"{v} {k}" for k, v in sorted(r["statuses"].items())) + ")"
        self.add(
            run,
            stage_name,
            rows=rows,
            note=f"{' '.join(args)} {json.dumps(vars) if vars else ''}"
            + (f"window {window[0]}..{window[1]} (env)" if window else "")
            + (r.get("planned") or "")
            + f"; {status}; slowest: {slow}",
        )
        return run

    def spark(self, warehouse: Path, rows: int | None) -> None:
        """The full dbt build again on a local Spark started for it (scripts/spark.sh), then stopped."""
        from dagster_project.lakehouse.local_spark import LocalSpark, free_port

        local = LocalSpark(self.root / "spark", free_port())
        shutil.rmtree(local.spark_dir, ignore_errors=True)
        self.log(f"  [{self.s.name}] starting Spark (scripts/spark.sh) ...")
        t = time.perf_counter()
        started = local.start(os.environ)
        start_seconds = time.perf_counter() - t
        if started.returncode != 0:
            self.add(None, "dbt build (full) on Spark", variant="failed", note=started.stderr[-300:])
            return
        try:
            run = self.stage(
                "spark_dbt",
                "dbt build (full) on Spark",
                warehouse=str(warehouse),
                lake=str(self.root / "lake" / "raw"),
                target=str(self.root / "dbt_spark"),
                spark_dir=str(local.spark_dir),
                port=local.port,
            )
        finally:
            local.stop(os.environ)
        r = run.result
        status = "ok" if r["ok"] else "FAILED: " + r["output_tail"][-300:].replace("\n", " ")
        status += " (" + ", ".join(f"{v} {k}" for k, v in sorted(r["statuses"].items())) + ")"
        if r["server_restarts"]:
            status += f"; Spark restarted {r['server_restarts']}x (Hive function registry broke)"
        self.result.details.setdefault("dbt_slowest", {})["dbt build (full) on Spark"] = r["slowest"]
        self.add(
            run,
            "dbt build (full) on Spark",
            rows=rows,
            seconds=r["seconds"],
            peak_rss_mb=run.peak_rss_mb + r["jvm_peak_mb"],
            note=f"build --full-refresh --target spark; {status}; peak RSS = dbt {run.peak_rss_mb:.0f} MB + "
            f"Spark JVM {r['jvm_peak_mb']:.0f} MB; not counted: Thrift server start {start_seconds:.0f}s, "
            f"raw layer export {r['export_seconds']:.1f}s ({r['exported_files']} Parquet files), "
            f"table registration {r['register_seconds']:.1f}s",
        )

    def dashboards(self, warehouse: Path) -> None:
        run = self.stage(
            "dashboards",
            "dashboards",
            warehouse=str(warehouse),
            serving=str(self.root / "serving.duckdb"),
            repeats=20,
        )
        r = run.result
        self.result.details["dashboards"] = r
        mart_rows = sum(r["mart_rows"].values())
        self.add(
            run,
            "publish serving file",
            rows=mart_rows,
            seconds=r["publish_seconds"],
            mbytes=r["serving_mb"],
            note=f"{r['published_tables']} tables copied, atomic swap; and {r.get('county_files', 0)} county files",
        )
        self.add(
            run,
            "dashboard queries",
            files=r["queries"],
            rows=mart_rows,
            seconds=None,
            p50_ms=r["p50_ms"],
            p95_ms=r["p95_ms"],
            note=f"{r['queries']} chart queries × {r['repeats']}, new read-only connection each (Superset NullPool); "
            f"on an open connection p50 {r['open_p50_ms']:.1f} / p95 {r['open_p95_ms']:.1f} ms"
            + (f"; {len(r['errors'])} queries failed" if r["errors"] else ""),
        )
        self.result.rows[-1].seconds = None

    def dagster(self) -> None:
        root = self.root / "dagster"
        shutil.rmtree(root, ignore_errors=True)
        home = root / "dagster_home"
        home.mkdir(parents=True)
        repo = Path(__file__).resolve().parent.parent
        shutil.copy(repo / "deploy" / "dagster.yaml", home / "dagster.yaml")
        warehouse = root / "warehouse.duckdb"
        env = {
            "MINZHENG_DATA_DIR": str(root / "data"),
            "MINZHENG_LANDING_DIR": str(self.landing),
            "MINZHENG_WAREHOUSE_PATH": str(warehouse),
            "MINZHENG_SERVING_PATH": str(root / "serving.duckdb"),
            "MINZHENG_HMAC_KEY": BENCH_KEY,
            "DAGSTER_HOME": str(home),
        }
        period = self.s.months[0]
        if not (repo / "dbt" / "target" / "manifest.json").exists():
            self.log(
                f"  [{self.s.name}] dagster month: skipped, dbt/target/manifest.json missing (make prepare)"
            )
            self.add(
                None,
                "ingest one month via Dagster",
                variant="dagster",
                note="skipped: dbt/target/manifest.json is missing; run `make prepare` (dbt parse) first",
            )
            return
        run = self.stage("dagster_month", "dagster month", env=env, period=period, warehouse=str(warehouse))
        r = run.result
        self.result.details["dagster"] = r
        self.add(
            run,
            "ingest one month via Dagster",
            variant="dagster",
            rows=r["rows"],
            note=f"{period}, the monthly and the lottery raw job (execute_in_process, all counties), as the demo runs a month; "
            f"importing definitions {r['import_seconds']:.1f}s (not included)"
            + ("" if r["success"] else "; run FAILED"),
        )

    def limit_on_landing(self, ingest_files: list[dict[str, Any]]) -> None:
        period = self.s.months[0]
        exports = [e.to_json() for e in effective_exports(self.landing, list(self.s.sources), [period])]
        run = self.stage("limit", "limit (landing)", files=exports, repeats=3)
        ours = {(f["source"], f["county"]): f for f in ingest_files if f["period"] == period}
        by_format: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        by_source: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))  # CSV GBK only
        for f in run.result["files"]:
            o = ours.get((f["source"], f["county_code"]))
            if o is None:
                continue
            for agg in (
                by_format[f["format"]],
                *([by_source[f["source"]]] if f["format"] == "csv-gbk" else []),
            ):
                agg["files"] += 1
                agg["rows"] += o["rows"]
                agg["bytes"] += f["bytes"]
                agg["limit"] += f["seconds"]
                agg["decode"] += f["decode"]
                agg["ours"] += o["seconds"]
        comparisons = self.result.details.setdefault("comparisons", [])
        for source, agg in sorted(by_source.items()):
            comparisons.append(
                _comparison(f"landing {period}, {source} (its CSV GBK files)", "csv-gbk", agg, by_source=True)
            )
        month_wall = (self.result.details.get("ingest_month_seconds") or {}).get(period)
        if month_wall:
            total = {
                k: sum(a[k] for a in by_format.values())
                for k in ("files", "rows", "bytes", "limit", "decode")
            }
            corpus = f"landing {period}, the whole month (wall clock: ours with its worker processes, limit file after file)"
            comparisons.append(_comparison(corpus, "all", {**total, "ours": month_wall}))
        for fmt, agg in sorted(by_format.items()):
            self.add(
                run,
                "raw read limit (landing)",
                variant="limit",
                format=fmt,
                files=int(agg["files"]),
                rows=int(agg["rows"]),
                mbytes=_mb(int(agg["bytes"])),
                seconds=agg["limit"],
                note=f"{period}; best of 3"
                + (f"; GBK decode {agg['decode']:.2f}s of it" if agg["decode"] else ""),
            )
            comparisons.append(_comparison(f"landing {period} (all files, mixed sizes)", fmt, agg))

    def format_matrix(self) -> None:
        period = self.s.months[0]
        run = self.stage(
            "matrix",
            "format matrix",
            landing=str(self.landing),
            out=str(self.root / "matrix"),
            source="assistance",
            period=period,
            max_rows=self.s.matrix_rows,
        )
        m = run.result
        files = {fmt: fs[0] for fmt, fs in m["files"].items()}
        ours = self.stage(
            "ours_files",
            "ours (matrix)",
            landings=m["landings"],
            warehouse=str(self.root / "matrix_ours.duckdb"),
            source="assistance",
            period=period,
            key=BENCH_KEY,
            repeats=3,
        )
        lim = self.stage("limit", "limit (matrix)", files=list(files.values()), repeats=3)
        nav = self.stage(
            "naive",
            "naive (matrix)",
            files=list(files.values()),
            warehouse=str(self.root / "matrix_naive.duckdb"),
            key=BENCH_KEY,
            inserts=["executemany", "bulk"],
        )
        peer = self.stage(
            "peers",
            "stronger peers (matrix)",
            files=list(files.values()),
            warehouse=str(self.root / "matrix_peers.duckdb"),
            key=BENCH_KEY,
            repeats=3,
        )
        lim_by = {f["format"]: f for f in lim.result["files"]}
        nav_by = {f["format"]: f for f in nav.result["files"]}
        peer_by = {f["format"]: f for f in peer.result["files"]}
        comparisons = self.result.details.setdefault("comparisons", [])
        note = f"same {m['from']} (first {self.s.matrix_rows:,} rows) in each format"
        for fmt, f in files.items():
            o = ours.result["formats"][fmt]
            rows, mb = o["rows"], f["bytes"] / 2**20
            n = nav_by[fmt]
            naive_em = n["read"] + n["loop"] + (n["insert_executemany"] or 0)
            naive_bulk = n["read"] + n["loop"] + (n["insert_bulk"] or 0)
            self.add(
                ours,
                "ingest (format matrix)",
                format=fmt,
                files=1,
                rows=rows,
                mbytes=mb,
                seconds=o["best"],
                note=note + "; best of 3",
            )
            self.add(
                nav,
                "ingest (format matrix)",
                variant="naive",
                format=fmt,
                files=1,
                rows=rows,
                mbytes=mb,
                seconds=naive_em,
                note=f"pandas read {n['read']:.1f}s + row loop {n['loop']:.1f}s + executemany {n['insert_executemany']:.1f}s",
            )
            self.add(
                nav,
                "ingest (format matrix)",
                variant="naive-bulk",
                format=fmt,
                files=1,
                rows=rows,
                mbytes=mb,
                seconds=naive_bulk,
                note=f"same, but one bulk INSERT of the cleaned rows ({n['insert_bulk']:.2f}s)",
            )
            peer_seconds: dict[str, float | None] = {}
            for name, variant, what in (
                ("pandas_vectorised", "pandas-vectorised", "column-wise pandas, one bulk INSERT"),
                ("duckdb_sql", "duckdb-sql", "read_csv + SQL casts/regex/sha256 HMAC, INSERT … SELECT"),
            ):
                t = peer_by[fmt][name]
                peer_seconds[name] = t["seconds"] if t else None
                if t:
                    self.add(
                        peer,
                        "ingest (format matrix)",
                        variant=variant,
                        format=fmt,
                        files=1,
                        rows=rows,
                        mbytes=mb,
                        seconds=t["seconds"],
                        note=f"{what}; best of 3: read {t['read']:.2f}s + clean {t['clean']:.2f}s + "
                        f"insert {t['insert']:.2f}s",
                    )
            lf = lim_by[fmt]
            self.add(
                lim,
                "ingest (format matrix)",
                variant="limit",
                format=fmt,
                files=1,
                rows=rows,
                mbytes=mb,
                seconds=lf["seconds"],
                note="best of 3" + (f"; GBK decode {lf['decode']:.3f}s of it" if lf["decode"] else ""),
            )
            comparisons.append(
                {
                    "corpus": note,
                    "format": fmt,
                    "files": 1,
                    "rows": rows,
                    "mb": mb,
                    "ours": o["best"],
                    "naive": naive_em,
                    "naive_bulk": naive_bulk,
                    "pandas_vectorised": peer_seconds["pandas_vectorised"],
                    "duckdb_sql": peer_seconds["duckdb_sql"],
                    "limit": lf["seconds"],
                    "decode": lf["decode"],
                }
            )

    def compare_code(self) -> None:
        """The first month again, with dagster_project as it was at `compare_rev` (before/after)."""
        rev = self.compare_rev
        assert rev
        code = self.root / f"code-{rev}"
        shutil.rmtree(code, ignore_errors=True)
        code.mkdir(parents=True)
        repo = Path(__file__).resolve().parent.parent
        archive = subprocess.run(
            ["git", "archive", rev, "dagster_project", "dbt/seeds"], cwd=repo, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
        before, now = self.root / "warehouse-compare.duckdb", self.root / "warehouse-compare-now.duckdb"
        for p in (before, now):
            p.unlink(missing_ok=True)
            p.with_suffix(".duckdb.wal").unlink(missing_ok=True)
        self.ingest([self.s.months[0]], before, f"ingest, code at {rev}", code=code)
        self.ingest([self.s.months[0]], now, "ingest, code now")
        for row in self.result.rows:
            if row.stage.startswith(f"ingest, code at {rev}"):
                row.variant = f"at {rev}"

    # -- the incremental month, and the same with other numbers of months already loaded -------------------
    def incremental_month(
        self,
        warehouse: Path,
        period: str,
        prefix: str,
        target: Path | None = None,
        data_dir: Path | None = None,
    ) -> None:
        """One more month as a monthly run does it: ingest, the raw quality checks of the month, then the
        dbt build as Dagster's dbt asset plans it (the window of the changed months, the unchanged models and
        seeds left out; the planning is timed with the build). `prefix` names its three stages."""
        s = self.s
        inc = self.ingest([period], warehouse, f"{prefix}: ingest")
        if s.quality:
            self.optional(self.quality, warehouse, [period], "raw", f"{prefix}: quality (raw)", data_dir)
        if s.dbt:
            self.optional(
                self.dbt,
                warehouse,
                f"{prefix}: dbt build",
                ["build"],
                None,
                inc["rows"],
                target,
                None,
                True,
            )

    def point_prefix(self, loaded: int) -> str:
        prefix = f"incremental month ({loaded} loaded)"
        self.result.details.setdefault("incremental_points", {})[str(loaded)] = prefix
        return prefix

    def early_point(self, loaded: int) -> None:
        """The incremental month with fewer months loaded than the main warehouse holds: a warehouse of its
        own with the first `loaded` months (ingested and fully built, not reported as the main stages),
        then the next month as the incremental one. Deleted afterwards."""
        s = self.s
        tag = f"{loaded}m"
        warehouse = self.root / f"warehouse-{tag}.duckdb"
        for p in (warehouse, warehouse.with_suffix(".duckdb.wal")):
            p.unlink(missing_ok=True)
        data_dir = self.root / f"data-{tag}"
        shutil.rmtree(data_dir, ignore_errors=True)
        months = s.all_months[:loaded]
        self.ingest(months, warehouse, f"ingest (first {loaded} month(s), for the incremental point)")
        if s.dbt:
            self.dbt(warehouse, f"dbt build (full, {loaded} month(s))", ["build", "--full-refresh"], None, None,
                     self.root / f"dbt-{tag}")  # fmt: skip
        self.incremental_month(
            warehouse, s.all_months[loaded], self.point_prefix(loaded), self.root / f"dbt-{tag}", data_dir
        )
        for p in (warehouse, warehouse.with_suffix(".duckdb.wal")):
            p.unlink(missing_ok=True)

    def later_point(self, loaded: int) -> None:
        """The incremental month with more months loaded: the main warehouse (after its own incremental
        month) gets the months up to `loaded` (ingested, then built in partition windows), then the
        next month as the incremental one."""
        s = self.s
        warehouse = self.root / "warehouse.duckdb"
        months = s.all_months[len(s.months) + 1 : loaded]
        if months:
            label = f"{months[0]}..{months[-1]}, up to {loaded} loaded"
            self.ingest(months, warehouse, f"ingest ({label})")
            # Built in windows of at most 3 months: fct_assistance_caseload's self-join over an 11-month
            # window of a province ran out of DuckDB's 4 GB memory_limit (profiles.yml), 6 months came close.
            for i in range(0, len(months) if s.dbt else 0, 3):
                chunk = months[i : i + 3]
                self.dbt(warehouse, f"dbt build ({chunk[0]}..{chunk[-1]}, up to {loaded} loaded)", ["build"],
                         None, None, None, (chunk[0], chunk[-1]))  # fmt: skip
        self.incremental_month(warehouse, s.all_months[loaded], self.point_prefix(loaded))

    def optional(self, fn: Any, *args: Any) -> Any:
        """Run an optional part; a failure is recorded as a row and the run goes on."""
        try:
            return fn(*args)
        except StageFailed:
            return None

    # -- the scenario ----------------------------------------------------------------------------------
    def run(self) -> ScenarioResult:
        s = self.s
        self.root.mkdir(parents=True, exist_ok=True)
        self.simulate()
        warehouse = self.root / "warehouse.duckdb"
        for p in (warehouse, warehouse.with_suffix(".duckdb.wal")):
            p.unlink(missing_ok=True)
        shutil.rmtree(self.root / "data", ignore_errors=True)
        for n in (n for n in s.incremental_points if n < len(s.months)):
            self.optional(self.early_point, n)
        ingest = self.ingest(list(s.months), warehouse, "ingest")
        self.result.details["ingest_month_seconds"] = ingest.get("month_seconds") or {}
        full_rows = ingest["rows"]
        if s.quality:
            self.optional(self.quality, warehouse, [s.months[-1]], "raw", "quality checks (raw, one month)")
        if s.dbt:
            self.optional(
                self.dbt, warehouse, "dbt build (full)", ["build", "--full-refresh"], None, full_rows
            )
            if s.spark:
                self.optional(self.spark, warehouse, full_rows)
            if s.quality:
                self.optional(self.quality, warehouse, None, "mart", "quality checks (marts)")
            if s.dashboards:
                self.optional(self.dashboards, warehouse)
        if s.incremental:
            self.incremental_month(warehouse, s.incremental, "incremental month")
            for n in (n for n in s.incremental_points if n > len(s.months)):
                self.optional(self.later_point, n)
        if s.dagster:
            self.optional(self.dagster)
            direct = (ingest.get("month_seconds") or {}).get(s.months[0][:7]) or sum(
                f["seconds"] for f in ingest["files"] if f["period"] == s.months[0]
            )
            self.result.details["dagster_direct_seconds"] = direct
        if self.compare_rev and s.matrix_rows:
            self.optional(self.compare_code)
        if s.limit:
            self.optional(self.limit_on_landing, ingest["files"])
        if s.matrix_rows:
            self.optional(self.format_matrix)
        self.result.details["landing_mb"] = (
            sum(p.stat().st_size for p in self.landing.rglob("*") if p.is_file()) / 2**20
        )
        if warehouse.exists():
            self.result.details["warehouse_mb"] = warehouse.stat().st_size / 2**20
        return self.result


def clean(work: Path) -> None:
    """Delete the bulky artefacts (landing folders, DuckDB files) of a finished run, keep stage logs."""
    for p in work.glob("*/landing"):
        shutil.rmtree(p, ignore_errors=True)
    for p in work.glob("*/matrix"):
        shutil.rmtree(p, ignore_errors=True)
    for p in [*work.glob("*/*.duckdb"), *work.glob("*/*.duckdb.wal"), *work.glob("*/dagster/*.duckdb")]:
        p.unlink(missing_ok=True)
