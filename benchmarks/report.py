"""Write the results: a Markdown report and a CSV of every row, with the machine at the top."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from .runner import Row, ScenarioResult

CSV_FIELDS = [
    "profile", "scenario", "scale", "stage", "variant", "format", "files", "rows", "mbytes", "seconds",
    "rows_per_s", "mb_per_s", "peak_rss_mb", "p50_ms", "p95_ms", "load_avg", "note", "cpu_seconds",
]  # fmt: skip


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = int(line.split()[1]) / 2**20
    except OSError:
        pass
    versions = {}
    for pkg in ("duckdb", "polars", "fastexcel", "dbt-core", "dbt-duckdb", "dagster", "pandas", "openpyxl"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[pkg] = metadata.version(pkg)
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "nproc": len(os.sched_getaffinity(0)),
        "mem_gib": mem_gib,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": versions,
        "commit": commit,
    }


def _n(v: float | int | None, digits: int = 0) -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and digits:
        return f"{v:,.{digits}f}"
    return f"{v:,.0f}"


def _s(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{v:.2f}" if v < 10 else f"{v:,.1f}"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    r = a / b
    return f"{r:,.1f}×" if r >= 1 else f"{r:.2f}×"


def _rate(rows: float, seconds: float | None) -> float | None:
    return rows / seconds if rows and seconds else None


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def stage_table(rows: list[Row]) -> list[str]:
    body = []
    for r in rows:
        body.append(
            [
                r.scenario,
                r.stage,
                r.variant,
                r.format or "",
                _n(r.files),
                _n(r.rows),
                _n(r.mbytes, 1) if r.mbytes is not None else "–",
                _s(r.seconds),
                _s(r.cpu_seconds),
                _n(r.rows_per_s),
                _n(r.mb_per_s, 1) if r.mb_per_s is not None else "–",
                _n(r.peak_rss_mb),
                (f"p50 {r.p50_ms:.1f} / p95 {r.p95_ms:.1f} ms" if r.p95_ms is not None else "")
                + (("; " if r.p95_ms is not None and r.note else "") + r.note),
            ]
        )
    header = ["scenario", "stage", "variant", "format", "files", "rows", "MB", "seconds", "CPU s", "rows/s",
              "MB/s", "peak RSS MB", "note"]  # fmt: skip
    return _table(header, body)


def comparison_table(results: list[ScenarioResult]) -> list[str]:
    body = []
    for res in results:
        for c in res.details.get("comparisons", []):
            ours = _rate(c["rows"], c["ours"])
            naive = _rate(c["rows"], c.get("naive"))
            bulk = _rate(c["rows"], c.get("naive_bulk"))
            vec = _rate(c["rows"], c.get("pandas_vectorised"))
            sql = _rate(c["rows"], c.get("duckdb_sql"))
            limit = _rate(c["rows"], c["limit"])
            body.append(
                [
                    res.scenario.name,
                    c["corpus"],
                    c["format"],
                    _n(c["rows"]),
                    f"{c['mb']:.1f}",
                    _n(ours),
                    _n(naive),
                    _n(bulk),
                    _n(vec),
                    _n(sql),
                    _n(limit),
                    _ratio(ours, naive),
                    _ratio(ours, bulk),
                    _ratio(ours, vec),
                    _ratio(ours, sql),
                    _ratio(ours, limit),
                ]
            )
    header = ["scenario", "files", "format", "rows", "MB", "ours rows/s", "naive rows/s", "naive-bulk rows/s",
              "pandas-vectorised rows/s", "duckdb-sql rows/s", "limit rows/s", "ours / naive",
              "ours / naive-bulk", "ours / pandas-vectorised", "ours / duckdb-sql", "ours / limit"]  # fmt: skip
    return _table(header, body) if body else []


def before_after_table(results: list[ScenarioResult]) -> list[str]:
    body = []
    for res in results:
        before = [r for r in res.rows if r.stage.startswith("ingest, code at ")]
        now = {
            (r.stage.endswith("by format"), r.format): r
            for r in res.rows
            if r.stage.startswith("ingest, code now")
        }
        for b in before:
            n = now.get((b.stage.endswith("by format"), b.format))
            if n is None:
                continue
            body.append(
                [
                    res.scenario.name,
                    b.format or "all files",
                    _n(b.rows),
                    _n(b.rows_per_s),
                    _n(n.rows_per_s),
                    _ratio(n.rows_per_s, b.rows_per_s),
                    _n(b.peak_rss_mb) if not b.format else "",
                    _n(n.peak_rss_mb) if not n.format else "",
                ]
            )
    if not body:
        return []
    rev = next(r.stage for res in results for r in res.rows if r.stage.startswith("ingest, code at "))
    rev = rev.removeprefix("ingest, code at ").removesuffix(" by format")
    header = ["scenario", "format", "rows", f"rows/s at {rev}", "rows/s now", "speed-up", "peak RSS before MB",
              "peak RSS now MB"]  # fmt: skip
    return _table(header, body)


def _find(res: ScenarioResult, stage: str, variant: str = "ours") -> Row | None:
    return next((r for r in res.rows if r.stage == stage and r.variant == variant and not r.format), None)


SCALING_STAGES = (
    "simulate",
    "ingest",
    "quality checks (raw, one month)",
    "dbt build (full)",
    "dbt build (full) on Spark",
    "incremental month: ingest",
    "incremental month: dbt build",
    "dashboard queries",
)


def scaling_table(results: list[ScenarioResult]) -> list[str]:
    series = [r for r in results if r.scenario.scaling]
    if len(series) < 2:
        return []
    header = (
        ["stage"]
        + [f"{r.scenario.scaling} s" for r in series]
        + [f"{r.scenario.scaling} rows/s" for r in series]
    )
    header += [f"{r.scenario.scaling} peak RSS MB" for r in series]
    body = []
    for stage in SCALING_STAGES:
        found = [_find(r, stage) for r in series]
        if not any(found):
            continue
        if stage == "dashboard queries":
            secs = [f"p95 {f.p95_ms:.0f} ms" if f and f.p95_ms is not None else "–" for f in found]
        else:
            secs = [_s(f.seconds) if f else "–" for f in found]
        rates = [_n(f.rows_per_s) if f else "–" for f in found]
        rss = [_n(f.peak_rss_mb) if f else "–" for f in found]
        body.append([stage, *secs, *rates, *rss])
    return _table(header, body)


def incremental_points(res: ScenarioResult) -> list[tuple[int, str]]:
    """(months already loaded, stage prefix) of every incremental month measured, ascending: the main one
    ("incremental month: …") and those of Scenario.loaded_points ("incremental month (N loaded): …")."""
    points = {int(n): prefix for n, prefix in res.details.get("incremental_points", {}).items()}
    points[len(res.scenario.months)] = "incremental month"
    return sorted(points.items())


def incremental_table(results: list[ScenarioResult], cores: int) -> list[str]:
    """`cores`: the machine's; the month's CPU time over them is the least its wall time can be."""
    body = []
    for res in results:
        for loaded, prefix in incremental_points(res):
            ing = _find(res, f"{prefix}: ingest")
            if ing is None:
                continue
            q = _find(res, f"{prefix}: quality (raw)")
            d = _find(res, f"{prefix}: dbt build")
            total = sum(x.seconds or 0 for x in (ing, q, d) if x)
            cpus = [x.cpu_seconds for x in (ing, q, d) if x]
            cpu = sum(c for c in cpus if c is not None) if cpus and None not in cpus else None
            body.append(
                [
                    res.scenario.name,
                    f"{res.scenario.scale:g}",
                    str(loaded),
                    _n(ing.rows),
                    _s(ing.seconds),
                    _s(q.seconds) if q else "–",
                    _s(d.seconds) if d else "–",
                    _dbt_split(d),
                    _s(total),
                    " / ".join(_s(x.cpu_seconds) for x in (ing, q, d) if x),
                    _s(cpu),
                    _s(cpu / cores) if cpu is not None else "–",
                    _n(max(x.peak_rss_mb or 0 for x in (ing, q, d) if x)),
                ]
            )
    header = ["scenario", "scale", "months already loaded", "rows", "ingest s", "quality s", "dbt s",
              "dbt plan + start-up + parse / nodes s", "total s", "CPU s: ingest / quality / dbt",
              "total CPU s", f"total CPU s ÷ {cores} cores", "peak RSS MB"]  # fmt: skip
    return _table(header, body) if body else []


def _also_after(res: ScenarioResult) -> str:
    others = [str(n) for n in res.scenario.incremental_points if n != len(res.scenario.months)]
    return f"; the incremental month also after {' and '.join(others)} loaded" if others else ""


def _dbt_split(row: Row | None) -> str:
    """'start-up + parse 8s, nodes 27s' in a dbt row's note -> '8 / 27'."""
    m = re.search(r"start-up \+ parse ([\d.]+)s, nodes ([\d.]+)s", row.note) if row else None
    return f"{m.group(1)} / {m.group(2)}" if m else "–"


def dashboard_section(results: list[ScenarioResult]) -> list[str]:
    out: list[str] = []
    for res in results:
        d = res.details.get("dashboards")
        if not d:
            continue
        marts = ", ".join(f"{k.split('.')[-1]} {v:,}" for k, v in sorted(d["mart_rows"].items()))
        out.append(
            f"**{res.scenario.name}**: {d['queries']} chart queries × {d['repeats']} runs, each on a new read-only "
            f"connection to the serving file: p50 {d['p50_ms']:.1f} ms, p95 {d['p95_ms']:.1f} ms "
            f"(open connection: p50 {d['open_p50_ms']:.1f} ms, p95 {d['open_p95_ms']:.1f} ms). Mart rows: {marts}."
        )
        out.append("")
        slow = sorted(d["charts"], key=lambda c: -c["p95_ms"])[:5]
        out += _table(
            ["slowest charts", "table", "rows", "p50 ms", "p95 ms"],
            [
                [c["chart"], c["table"], _n(c["rows"]), f"{c['p50_ms']:.1f}", f"{c['p95_ms']:.1f}"]
                for c in slow
            ],
        )
        if d["errors"]:
            out += ["", "Queries that failed: " + "; ".join(d["errors"])]
        out.append("")
    return out


def dbt_section(results: list[ScenarioResult]) -> list[str]:
    out: list[str] = []
    for res in results:
        slow = res.details.get("dbt_slowest", {})
        full = slow.get("dbt build (full)")
        if not full:
            continue
        out.append(
            f"- **{res.scenario.name}**, full build, slowest nodes: "
            + ", ".join(f"`{n['node'].split('.')[-1]}` {n['seconds']:.1f}s" for n in full[:6])
        )
    return out


def targets(results: list[ScenarioResult]) -> list[str]:
    body = []
    comps = [(res, c) for res in results for c in res.details.get("comparisons", [])]
    for res, c in comps:
        if c.get("naive"):
            r = c["naive"] / c["ours"]
            body.append(
                [
                    f"ingest ≥ 10× naive ({c['format']}, {res.scenario.name} matrix)",
                    f"{r:,.1f}×",
                    "yes" if r >= 10 else "no",
                ]
            )
    for res, c in comps:
        for peer in ("pandas_vectorised", "duckdb_sql"):
            if c.get(peer):
                r = c[peer] / c["ours"]
                body.append(
                    [
                        f"ingest ahead of {peer.replace('_', '-')} ({c['format']}, {res.scenario.name} matrix)",
                        f"{r:,.2f}×",
                        "yes" if r >= 1 else "no",
                    ]
                )
    for res, c in comps:
        if c["format"].startswith("csv") and not c.get("by_source"):
            r = c["limit"] / c["ours"]
            where = "matrix" if c.get("naive") else "landing"
            body.append(
                [
                    f"ingest ≥ ½ raw-read limit ({c['format']}, {res.scenario.name} {where})",
                    f"{r:.2f}×",
                    "yes" if r >= 0.5 else "no",
                ]
            )
    for res in results:
        duck, spark = _find(res, "dbt build (full)"), _find(res, "dbt build (full) on Spark")
        if duck and spark and duck.seconds and spark.seconds:
            body.append(
                [
                    f"{res.scenario.name}: full dbt build, Spark (local) / DuckDB",
                    f"{spark.seconds / duck.seconds:.1f}× the time ({_s(spark.seconds)} vs {_s(duck.seconds)}), "
                    f"peak {_n(spark.peak_rss_mb)} vs {_n(duck.peak_rss_mb)} MB",
                    "measured (no target)",
                ]
            )
    for res in results:
        full = _find(res, "dbt build (full)")
        ing = _find(res, "ingest")
        if full and ing and res.scenario.name in ("province-year", "prefecture-year"):
            total = (full.seconds or 0) + (ing.seconds or 0)
            body.append(
                [
                    f"{res.scenario.name}: ingest + full dbt build in minutes",
                    f"{total / 60:.1f} min (ingest {ing.seconds / 60:.1f}, dbt {full.seconds / 60:.1f})",
                    "yes" if total < 3600 else "no",
                ]
            )
        inc = [
            x
            for x in (
                _find(res, "incremental month: ingest"),
                _find(res, "incremental month: quality (raw)"),
                _find(res, "incremental month: dbt build"),
            )
            if x
        ]
        if inc and res.scenario.name in ("province-year", "prefecture-year", "prefecture-month"):
            total = sum(x.seconds or 0 for x in inc)
            body.append(
                [
                    f"{res.scenario.name}: incremental month in seconds",
                    f"{total:.0f} s",
                    "yes" if total < 120 else "no",
                ]
            )
        if res.scenario.name == "province-year":
            body += _issue17_targets(res)
        q = _find(res, "dashboard queries")
        if q and q.p95_ms is not None:
            body.append(
                [
                    f"{res.scenario.name}: dashboard p95 < 300 ms",
                    f"{q.p95_ms:.0f} ms",
                    "yes" if q.p95_ms < 300 else "no",
                ]
            )
    series = [r for r in results if r.scenario.scaling]
    if len(series) >= 2:
        rss = [(_find(r, "ingest").peak_rss_mb or 0) for r in series if _find(r, "ingest")]
        body.append(
            [
                "ingest peak RSS across " + "/".join(r.scenario.scaling or "" for r in series),
                " / ".join(f"{x:,.0f} MB" for x in rss),
                "bounded by the largest file, not the month",
            ]
        )
    failed = [
        f"{res.scenario.name}: {row.stage}"
        for res in results
        for row in res.rows
        if row.variant == "failed" or "FAILED" in row.note
    ]
    if any(res.rows for res in results):  # a time measured on a failed build or check is no result
        body.append(
            [
                "every build, check and run in this benchmark succeeded",
                "failed: " + "; ".join(failed) if failed else "all succeeded",
                "no" if failed else "yes",
            ]
        )
    return _table(["target (issue 8; issue 17 where it says so)", "measured", "met"], body) if body else []


def _issue17_targets(res: ScenarioResult) -> list[list[str]]:
    """Issue 17: one more province month (ingest + raw checks + dbt) in 30 s, flat in the months already
    loaded; province ingest peak RSS at most 2 GB."""
    totals = {}
    for loaded, prefix in incremental_points(res):
        parts = [_find(res, f"{prefix}: {stage}") for stage in ("ingest", "quality (raw)", "dbt build")]
        if all(parts):
            totals[loaded] = sum(x.seconds or 0 for x in parts if x)
    rows = []
    if totals:
        shown = " / ".join(f"{s:.0f} s" for s in totals.values())
        where = "/".join(str(n) for n in totals)
        rows.append(
            [
                f"issue 17: one more month ≤ 30 s ({where} months loaded)",
                shown,
                "yes" if max(totals.values()) <= 30 else "no",
            ]
        )
        if len(totals) >= 2:
            spread = max(totals.values()) / max(min(totals.values()), 1e-9)
            rows.append(
                [
                    f"issue 17: flat in the months loaded (slowest / fastest of {where} ≤ 1.25)",
                    f"{spread:.2f}",
                    "yes" if spread <= 1.25 else "no",
                ]
            )
    ing = _find(res, "ingest")
    if ing and ing.peak_rss_mb:
        rows.append(
            [
                "issue 17: ingest peak RSS ≤ 2 GB (process tree)",
                f"{ing.peak_rss_mb:,.0f} MB",
                "yes" if ing.peak_rss_mb <= 2048 else "no",
            ]
        )
    return rows


def markdown(profile: str, command: str, results: list[ScenarioResult], meta: dict[str, Any]) -> str:
    m = meta["machine"]
    rows = [r for res in results for r in res.rows]
    loads = [r.load_avg for r in rows if r.load_avg is not None]
    lines = [
        f"## Profile `{profile}` — {meta['finished']}",
        "",
        f"Command: `{command}` (commit {m['commit'] or '?'}).",
        "",
        f"Machine: {m['cpu']}, **{m['nproc']} cores**, {m['mem_gib']:.1f} GiB RAM, {m['os']}, Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + ".",
        "",
        f"Load average (1 min): {meta['load_start']:.1f} at the start, {min(loads, default=0):.1f}–{max(loads, default=0):.1f} "
        "at the end of the stages. The cores were shared with other work running at the same time, so every "
        "time here is an upper bound for an idle machine of this size.",
        "",
        "### What was run",
        "",
    ]
    lines += _table(
        ["scenario", "scale", "months", "sources", "simulated rows", "stands for"],
        [
            [
                res.scenario.name,
                f"{res.scenario.scale:g}",
                f"{res.scenario.all_months[0]}..{res.scenario.all_months[-1]} ({len(res.scenario.months)} + "
                f"{1 if res.scenario.incremental else 0} incremental" + _also_after(res) + ")",
                ", ".join(res.scenario.sources),
                _n(sum(res.details.get("simulated_rows_by_source", {}).values())),
                res.scenario.description,
            ]
            for res in results
        ],
    )
    lines += ["", "### Stages", ""]
    lines += stage_table(rows)
    comp = comparison_table(results)
    if comp:
        lines += [
            "",
            "### Ingest: ours vs the naive baseline vs the raw-read limit, on the same files",
            "",
            "ours = `load_partition` (read, header detection, cleaning, validation, HMAC, quarantine, DuckDB "
            "insert, audit); naive = benchmarks/naive.py (pandas + openpyxl / GBK codec, iterrows loop, stdlib "
            "HMAC, executemany), naive-bulk = the same loop with one bulk insert; limit = DuckDB read_csv "
            "(GBK: decode to UTF-8 first, included) / calamine raw read for xlsx, no cleaning.",
            "",
        ]
        lines += comp
    ba = before_after_table(results)
    if ba:
        lines += ["", "### Before / after the ingestion optimisation (same files, same run)", ""] + ba
    scal = scaling_table(results)
    if scal:
        lines += ["", "### How cost grows: 1×, 4×, 16× the volume of a month", ""] + scal
    inc = incremental_table(results, m["nproc"])
    if inc:
        lines += [
            "",
            "### An incremental month vs the months already loaded",
            "",
            "CPU s: user + system time of each stage's processes (the stage's process, its worker processes "
            "and dbt) over the stage's timed work. Divided by the cores, it is the least wall time the month "
            "could take on this machine if its stages kept every core busy.",
            "",
        ] + inc
    dash = dashboard_section(results)
    if dash:
        lines += [
            "",
            "### Dashboard queries (the SQL of the Superset charts in dashboards/bundle)",
            "",
        ] + dash
    dbt = dbt_section(results)
    if dbt:
        lines += ["", "### dbt: where a full build spends its time", ""] + dbt
    tg = targets(results)
    if tg:
        lines += ["", "### Targets", ""] + tg
    return "\n".join(lines) + "\n"


def write(
    results_dir: Path, profile: str, command: str, results: list[ScenarioResult], meta: dict[str, Any]
) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    md = markdown(profile, command, results, meta)
    rows = [r.to_csv() for res in results for r in res.rows]
    for name in (f"{profile}-latest", f"{stamp}-{profile}"):
        (results_dir / f"{name}.md").write_text(md, "utf-8")
        with open(results_dir / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
            w.writeheader()
            for row in rows:
                w.writerow({k: row.get(k) for k in CSV_FIELDS})
    combine_latest(results_dir, meta["machine"])
    return results_dir / "latest.md"


PROFILE_ORDER = ("province", "prefecture", "quick")


def combine_latest(results_dir: Path, m: dict[str, Any]) -> None:
    """latest.md / latest.csv: the latest run of each profile (province first), under one machine header."""
    parts = [p for p in PROFILE_ORDER if (results_dir / f"{p}-latest.md").exists()]
    if "quick" in parts and len(parts) > 1:
        parts.remove("quick")  # the smoke profile only stands in when nothing else was run
    header = [
        "# Benchmark results",
        "",
        f"Machine: {m['cpu']}, {m['nproc']} cores (nproc), {m['mem_gib']:.1f} GiB RAM. "
        "Written by `python -m benchmarks` (see benchmarks/README.md); each profile section says when it ran, "
        "the load average and exactly what it ran.",
        "",
    ]
    body = [(results_dir / f"{p}-latest.md").read_text("utf-8") for p in parts]
    (results_dir / "latest.md").write_text("\n".join(header) + "\n".join(body), "utf-8")
    with open(results_dir / "latest.csv", "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(CSV_FIELDS)
        for p in parts:
            with open(results_dir / f"{p}-latest.csv", encoding="utf-8") as fh:
                r = csv.reader(fh)
                next(r, None)
                w.writerows(r)
