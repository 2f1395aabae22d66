"""The README's speed table, generated from the committed results (benchmarks/results/<profile>-latest.*).

    python -m benchmarks.readme_table           # print the table
    python -m benchmarks.readme_table --write   # replace the block between the README's markers

Every cell comes from a result file: stage rows from the CSV, ratios from the report's Targets table and
its per-month comparison (the same numbers the report shows). tests/benchmarks/test_readme_table.py fails
when the README's table differs from what the committed results give, so it cannot drift from them.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parents[1] / "README.md"
START = "<!-- speed-table:start (python -m benchmarks.readme_table --write) -->"
END = "<!-- speed-table:end -->"

# The profiles shown, and which of their scenarios stand for them (the first one that has the value).
COLUMNS = {
    "prefecture": ("prefecture-year", "prefecture-month"),
    "province": ("province-year",),
}
FORMATS = (("xlsx", "xlsx"), ("csv-gbk", "CSV GBK"), ("csv-utf8", "CSV UTF-8"))


@dataclass
class Results:
    """One profile's latest run: its CSV rows, its Targets table and its report's date."""

    profile: str
    rows: list[dict[str, str]]
    targets: dict[str, str]
    whole_month: dict[str, str]  # scenario -> ours / limit on the whole landing month, by wall clock
    when: str
    cores: int | None = None  # the machine's, from the report's "Machine:" line

    @classmethod
    def load(cls, profile: str, results: Path = RESULTS) -> Results | None:
        md_path, csv_path = results / f"{profile}-latest.md", results / f"{profile}-latest.csv"
        if not (md_path.exists() and csv_path.exists()):
            return None
        with open(csv_path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        md = md_path.read_text("utf-8")
        targets, whole_month = {}, {}
        section = ""
        for line in md.splitlines():
            if line.startswith("### "):
                section = line
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if (
                section.startswith("### Targets")
                and len(cells) == 3
                and cells[0]
                and not cells[0].startswith("-")
            ):
                targets[cells[0]] = cells[1]
            if "the whole month (wall clock" in line:
                whole_month[cells[0]] = cells[-1]
        match = re.search(r"— (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC", md)
        cores = re.search(r"\*\*(\d+) cores\*\*", md)
        return cls(
            profile,
            rows,
            targets,
            whole_month,
            match.group(1) if match else "?",
            int(cores.group(1)) if cores else None,
        )

    def row(self, scenario: str, stage: str) -> dict[str, str] | None:
        return next(
            (
                r
                for r in self.rows
                if r["scenario"] == scenario
                and r["stage"] == stage
                and r["variant"] == "ours"
                and not r["format"]
            ),
            None,
        )


def _num(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None


def _secs(s: float) -> str:
    return f"{s / 60:.1f} min" if s >= 100 else f"{s:.0f} s"


def _first(res: Results, get: Callable[[str], str | None]) -> str:
    for scenario in COLUMNS[res.profile]:
        value = get(scenario)
        if value:
            return value
    return "(not run)"


def _ingest(res: Results, scenario: str) -> str | None:
    row = res.row(scenario, "ingest")
    if not row or not _num(row["seconds"]):
        return None
    months = _loaded_months(res, scenario)
    return (
        f"{_secs(float(row['seconds']))} for {months if months is not None else '?'} months, "
        f"{int(row['rows']):,} rows ({float(row['rows_per_s']):,.0f} rows/s)"
    )


def _dbt_full(res: Results, scenario: str) -> str | None:
    row = res.row(scenario, "dbt build (full)")
    if not row or not _num(row["seconds"]):
        return None
    return f"{_secs(float(row['seconds']))} (peak RSS {float(row['peak_rss_mb']):,.0f} MB)"


def _loaded_months(res: Results, scenario: str) -> int | None:
    """Months loaded before the main incremental month: the months of the scenario's ingest stage."""
    row = res.row(scenario, "ingest")
    match = re.match(r"(\d+) month", row["note"]) if row else None
    return int(match.group(1)) if match else None


def _month(res: Results, scenario: str) -> str | None:
    """One more month: ingest + raw checks + dbt, at every number of months already loaded."""
    main = _loaded_months(res, scenario)
    totals: dict[int | None, list[float]] = {}
    cpu: dict[int | None, float | None] = {}  # the three stages' CPU seconds, where all were measured
    for r in res.rows:
        prefix = r["stage"].split(":")[0]
        if (
            r["scenario"] != scenario
            or not prefix.startswith("incremental month")
            or r["stage"] != f"{prefix}: ingest"
        ):
            continue
        parts = [
            res.row(scenario, f"{prefix}: {stage}") for stage in ("ingest", "quality (raw)", "dbt build")
        ]
        if all(parts):
            match = re.search(r"\((\d+) loaded\)", prefix)
            point = int(match.group(1)) if match else main
            totals[point] = [float(p["seconds"]) for p in parts if p]
            cpus = [p.get("cpu_seconds") for p in parts if p]
            values = [_num(c) for c in cpus]
            cpu[point] = sum(v for v in values if v is not None) if None not in values else None
    if not totals:
        return None
    points = sorted(totals.items(), key=lambda kv: kv[0] or 0)
    at = main if main in totals else points[0][0]
    split = "ingest {:.1f} s, raw checks {:.1f} s, dbt {:.1f} s".format(*totals[at])
    if cpu.get(at) is not None and res.cores:  # the CPU time over the cores: the least the month can take
        split += f"; CPU {cpu[at]:.0f} s, at least {cpu[at] / res.cores:.0f} s on {res.cores} cores"
    shown = " / ".join(f"{sum(secs):.0f} s" for _, secs in points)
    loaded = " / ".join(str(n) if n is not None else "?" for n, _ in points)
    return f"**{shown}** with {loaded} months loaded (at {at}: {split})"


def _dashboard(res: Results, scenario: str) -> str | None:
    row = res.row(scenario, "dashboard queries")
    return f"p95 {float(row['p95_ms']):.0f} ms" if row and _num(row["p95_ms"]) else None


def _ratios(res: Results, scenario: str, name: str, formats: tuple[tuple[str, str], ...]) -> str | None:
    values = [res.targets.get(name.format(fmt=fmt, scenario=scenario)) for fmt, _ in formats]
    if not any(values):
        return None
    return " / ".join(v or "–" for v in values)


def _raw_read(res: Results, scenario: str) -> str | None:
    csv_formats = FORMATS[1:]
    by_format = _ratios(res, scenario, "ingest ≥ ½ raw-read limit ({fmt}, {scenario} landing)", csv_formats)
    if not by_format:
        return None
    month = res.whole_month.get(scenario)
    return by_format + (f"; whole month {month}" if month else "")


def _peak(res: Results, scenario: str) -> str | None:
    row = res.row(scenario, "ingest")
    return f"{float(row['peak_rss_mb']):,.0f} MB" if row and _num(row["peak_rss_mb"]) else None


def table(results_dir: Path = RESULTS) -> str:
    loaded = [r for p in COLUMNS if (r := Results.load(p, results_dir))]
    names = " / ".join(label for _, label in FORMATS)
    csv_names = " / ".join(label for _, label in FORMATS[1:])
    lines: list[tuple[str, Callable[[Results, str], str | None]]] = [
        ("ingest (read, clean, validate, HMAC, quarantine, load)", _ingest),
        ("dbt build, full (seeds, models, tests)", _dbt_full),
        ("one more month: ingest + raw checks + dbt", _month),
        ("dashboard queries (the SQL of all charts, new read-only connection each)", _dashboard),
        (
            f"ingest vs naive baseline, same file ({names})",
            lambda r, s: _ratios(r, s, "ingest ≥ 10× naive ({fmt}, {scenario} matrix)", FORMATS),
        ),
        (
            f"ingest vs vectorised pandas with one bulk insert, same file ({names})",
            lambda r, s: _ratios(
                r, s, "ingest ahead of pandas-vectorised ({fmt}, {scenario} matrix)", FORMATS
            ),
        ),
        (
            f"ingest vs a DuckDB-SQL-only pipeline, same file ({csv_names}; no xlsx reader)",
            lambda r, s: _ratios(r, s, "ingest ahead of duckdb-sql ({fmt}, {scenario} matrix)", FORMATS[1:]),
        ),
        (f"ingest vs raw read (DuckDB read_csv, decode included), {csv_names}", _raw_read),
        ("ingest peak RSS (process tree: loader, workers, fork server)", _peak),
    ]
    header = ["what"] + [f"{r.profile} ({', '.join(COLUMNS[r.profile])}; {r.when} UTC)" for r in loaded]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, get in lines:
        out.append(
            "| " + " | ".join([label] + [_first(r, lambda s, r=r, get=get: get(r, s)) for r in loaded]) + " |"
        )
    return "\n".join(out)


def replace_block(readme: str, block: str) -> str:
    start, end = readme.index(START), readme.index(END)
    return readme[: start + len(START)] + "\n" + block + "\n" + readme[end:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the table in README.md")
    args = parser.parse_args()
    block = table()
    if args.write:
        README.write_text(replace_block(README.read_text("utf-8"), block), "utf-8")
    else:
        print(block)


if __name__ == "__main__":
    main()
