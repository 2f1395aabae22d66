"""The README's speed table is what the committed results give, and the generator adds up and picks the
cells it is meant to (checked on results written here)."""

from __future__ import annotations

import csv
from pathlib import Path

from benchmarks.readme_table import END, README, START, replace_block, table
from benchmarks.report import CSV_FIELDS


def test_the_readme_table_is_generated_from_the_committed_results() -> None:
    readme = README.read_text("utf-8")
    assert START in readme and END in readme
    assert replace_block(readme, table()) == readme, "run: python -m benchmarks.readme_table --write"


def _row(stage: str, seconds: float, **extra: str) -> dict[str, str]:
    row = dict.fromkeys(CSV_FIELDS, "")
    row.update(
        profile="province", scenario="province-year", stage=stage, variant="ours", seconds=str(seconds)
    )
    row.update(extra)
    return row


def _write_results(folder: Path, rows: list[dict[str, str]]) -> None:
    with open(folder / "province-latest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def test_the_month_cell_adds_the_three_stages_at_each_point(tmp_path: Path) -> None:
    rows = [
        _row("ingest", 120.0, rows="1000", rows_per_s="8.3", peak_rss_mb="1500", note="11 month(s); x"),
        _row("incremental month: ingest", 1.0),
        _row("incremental month: quality (raw)", 2.0),
        _row("incremental month: dbt build", 3.0),
        _row("incremental month (1 loaded): ingest", 2.0),
        _row("incremental month (1 loaded): quality (raw)", 3.0),
        _row("incremental month (1 loaded): dbt build", 4.0),
        _row("incremental month (1 loaded): ingest", 9.0, format="csv-gbk"),  # a by-format row: not summed
        _row("dashboard queries", 0.0, p95_ms="42.4"),
    ]
    _write_results(tmp_path, rows)
    (tmp_path / "province-latest.md").write_text(
        "## Profile `province` — 2030-01-02 03:04 UTC\n\n### Targets\n\n| target | measured | met |\n|---|---|---|\n"
        "| ingest ≥ 10× naive (csv-gbk, province-year matrix) | 12.5× | yes |\n",
        "utf-8",
    )
    out = table(tmp_path)
    assert "2030-01-02 03:04 UTC" in out and "prefecture" not in out  # no prefecture results here
    assert (
        "| **9 s / 6 s** with 1 / 11 months loaded (at 11: ingest 1.0 s, raw checks 2.0 s, dbt 3.0 s) |"
        in out
    )
    assert "2.0 min for 11 months, 1,000 rows (8 rows/s)" in out
    assert "| – / 12.5× / – |" in out and "| p95 42 ms |" in out and "| 1,500 MB |" in out
    assert "(not run)" in out  # the peers and the raw read were not in these results


def test_the_month_cell_gives_its_cpu_time_over_the_cores(tmp_path: Path) -> None:
    """Where all three stages of the month were measured with their CPU time, the cell adds it and divides
    it by the report's cores: the least the month could take on that machine. Results without CPU times
    (written before they were measured) keep the cell as it was."""
    rows = [
        _row("ingest", 120.0, rows="1000", rows_per_s="8.3", peak_rss_mb="1500", note="11 month(s); x"),
        _row("incremental month: ingest", 10.0, cpu_seconds="17.5"),
        _row("incremental month: quality (raw)", 10.0, cpu_seconds="12.0"),
        _row("incremental month: dbt build", 25.0, cpu_seconds="36.5"),
    ]
    _write_results(tmp_path, rows)
    md = "## Profile `province` — 2030-01-02 03:04 UTC\n\nMachine: AMD EPYC, **2 cores**, 23.5 GiB RAM.\n"
    (tmp_path / "province-latest.md").write_text(md, "utf-8")
    assert "ingest 10.0 s, raw checks 10.0 s, dbt 25.0 s; CPU 66 s, at least 33 s on 2 cores)" in table(
        tmp_path
    )

    rows[1]["cpu_seconds"] = ""  # one stage without its CPU time: no total
    _write_results(tmp_path, rows)
    out = table(tmp_path)
    assert "ingest 10.0 s, raw checks 10.0 s, dbt 25.0 s) |" in out and "CPU" not in out
