"""Smoke test of the benchmark harness (not a timed test): the quick profile runs end to end at a tiny
scale, measures ours / naive / the two stronger peers / limit on the
same files, and writes its Markdown table and CSV."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from dagster_project.settings import REPO_ROOT

FORMATS = {"xlsx", "csv-gbk", "csv-utf8"}


def test_quick_profile_writes_its_table(tmp_path: Path) -> None:
    out = tmp_path / "results"
    cmd = [
        sys.executable, "-m", "benchmarks", "--profile", "quick", "--skip", "quality,dbt,dagster",
        "--work", str(tmp_path / "work"), "--out", str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]

    rows = list(csv.DictReader((out / "latest.csv").open(encoding="utf-8")))
    assert not [r for r in rows if r["variant"] == "failed"], [
        r["note"] for r in rows if r["variant"] == "failed"
    ]
    simulated = next(r for r in rows if r["stage"] == "simulate")
    ingest = next(r for r in rows if r["stage"] == "ingest" and r["variant"] == "ours")
    incremental = next(r for r in rows if r["stage"] == "incremental month: ingest")
    # The two months simulated are the month loaded plus the incremental month (corrections aside).
    assert 0 < int(ingest["rows"]) < int(simulated["rows"])
    assert int(ingest["rows"]) + int(incremental["rows"]) <= int(simulated["rows"])
    assert float(ingest["rows_per_s"]) > 0 and float(ingest["peak_rss_mb"]) > 50

    matrix = [r for r in rows if r["stage"] == "ingest (format matrix)"]
    assert {(r["variant"], r["format"]) for r in matrix} == {
        (v, f) for v in ("ours", "naive", "naive-bulk", "pandas-vectorised", "limit") for f in FORMATS
    } | {("duckdb-sql", f) for f in FORMATS if f.startswith("csv")}  # the SQL-only peer reads CSV only
    assert len({r["rows"] for r in matrix}) == 1  # the same export in every format and variant
    assert all(float(r["seconds"]) > 0 for r in matrix)

    md = (out / "latest.md").read_text("utf-8")
    assert "cores" in md and "Load average" in md
    assert "| every build, check and run in this benchmark succeeded | all succeeded | yes |" in md
    assert "ours / naive" in md and "ours / limit" in md
    assert "ours / pandas-vectorised" in md and "ours / duckdb-sql" in md
    assert (out / "quick-latest.md").read_text("utf-8") in md
