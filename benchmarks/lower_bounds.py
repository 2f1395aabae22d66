"""What the raw-read limit leaves for the work ingestion must do: lower bounds, in DuckDB alone.

For one month's CSV files of one source, four variants in one process, file after file (GBK files are
decoded to UTF-8 first in every variant, as in the limit, limit.py):

* read: the limit, DuckDB's read_csv of VARCHAR cells into an in-memory table;
* read + HMAC: the same, with the source's personal columns (found by their headers) replaced by their
  HMAC-SHA256, computed by DuckDB as two native sha256 passes over the key-padded value;
* read + store: the same read, written to a DuckDB file and checkpointed (compressed to disk);
* read + HMAC + store: both.

None of them cleans, validates, quarantines or audits anything, so each is a bound on what any ingest
of these files can reach on this machine: if read + HMAC + store is below half the read, so is every
real ingest. Usage:

    python -m benchmarks.lower_bounds --landing <landing dir> --source assistance --month 2025-12
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.ingestion.spec import SOURCES

from .limit import RAM_DIR, read_csv_sql
from .peers import hmac_pads

KEY = b"lower-bound-benchmark-key-0123456789"
VARIANTS = ("read", "read + HMAC", "read + store", "read + HMAC + store")


def _utf8_copy(path: Path, personal: set[str]) -> tuple[Path, list[str]]:
    """The file as UTF-8 in RAM-backed storage, and its header line's cells (the first line naming a
    personal column; else the line with the most non-empty cells: title rows are padded to full width)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    fd, name = tempfile.mkstemp(suffix=".csv", dir=RAM_DIR)
    with os.fdopen(fd, "wb") as fh:
        fh.write(text.encode("utf-8"))
    lines = text[:20_000].splitlines()
    rows = [[cell.strip() for cell in line.split(",")] for line in lines[:10]]
    header = next((r for r in rows if personal & set(r)), max(rows, key=lambda r: sum(map(bool, r))))
    return Path(name), header


def _hmac(column: str) -> str:
    ipad, opad = hmac_pads(KEY)
    return f"sha256(unhex('{opad.hex()}') || unhex(sha256(unhex('{ipad.hex()}') || encode({column}))))"


def _remove(db: Path) -> None:
    for path in (db, Path(f"{db}.wal")):
        path.unlink(missing_ok=True)


@dataclass
class Bounds:
    files: int
    lines: int
    hashed: list[str]  # the personal headers hashed, over all files
    seconds: dict[str, float]
    stored: Path  # the DuckDB file of the last "read + HMAC + store" (table t)


def csv_files(landing: Path, source: str, month: str) -> list[Path]:
    """The month's comma-separated county files (not the UTF-16 'Unicode text' some systems name .csv)."""
    return [
        p
        for p in sorted((landing / source / month).glob("*.csv"))
        if p.name[:6].isdigit() and p.read_bytes()[:2] not in (b"\xff\xfe", b"\xfe\xff")
    ]


def measure(landing: Path, source: str, month: str, work: Path) -> Bounds:
    spec = SOURCES[source]
    personal = {c.header for c in spec.columns if c.personal} | {
        a for c in spec.columns if c.personal for a in c.aliases
    }
    files = csv_files(landing, source, month)
    seconds = dict.fromkeys(VARIANTS, 0.0)
    lines = 0
    hashed_headers: list[str] = []
    db = work / "lower_bound.duckdb"
    memory = duckdb.connect()
    try:
        for path in files:
            t = time.perf_counter()
            copy, header = _utf8_copy(path, personal)
            decode = time.perf_counter() - t
            try:
                hashed = [f"c{i}" for i, cell in enumerate(header) if cell in personal]
                hashed_headers += [cell for cell in header if cell in personal]
                select = (
                    "SELECT * REPLACE (" + ", ".join(f"{_hmac(c)} AS {c}" for c in hashed) + ")"
                    if hashed
                    else "SELECT *"
                )
                reader = read_csv_sql(len(header), f"'{copy}'")
                queries = {
                    "read": f"SELECT * FROM {reader}",
                    "read + HMAC": f"{select} FROM {reader}",
                    "read + store": f"SELECT * FROM {reader}",
                    "read + HMAC + store": f"{select} FROM {reader}",
                }
                for variant, query in queries.items():
                    seconds[variant] += decode
                    if variant.endswith("store"):
                        _remove(db)  # each store starts from an empty file; "read + store" held clear values
                        with duckdb.connect(str(db)) as con:
                            t = time.perf_counter()
                            con.execute(f"CREATE TABLE t AS {query}")
                            con.execute("CHECKPOINT")
                            seconds[variant] += time.perf_counter() - t
                    else:
                        t = time.perf_counter()
                        memory.execute(f"CREATE OR REPLACE TEMP TABLE t AS {query}")
                        seconds[variant] += time.perf_counter() - t
                row = memory.execute("SELECT count(*) FROM t").fetchone()
                lines += int(row[0]) if row else 0
            finally:
                copy.unlink(missing_ok=True)  # the decoded copy holds the file's personal values in clear
    except BaseException:
        _remove(db)  # a run that stops half-way may leave the clear "read + store" file behind
        raise
    return Bounds(len(files), lines, hashed_headers, seconds, db)


def table(source: str, month: str, bounds: Bounds) -> str:
    seconds, lines, read = bounds.seconds, bounds.lines, bounds.seconds["read"]
    hashed = "、".join(dict.fromkeys(bounds.hashed)) or "none"
    out = [
        f"{bounds.files} {source} CSV files of {month}, {lines:,} lines; personal columns hashed: {hashed}; "
        "the decode to UTF-8 (gb18030 for GBK files) is part of every variant",
        "",
        "| variant | seconds | rows/s | ratio to read |",
        "|---|---|---|---|",
    ]
    for variant, s in seconds.items():
        out.append(f"| {variant} | {s:.2f} | {lines / s:,.0f} | {read / s:.2f}× |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--source", default="assistance", choices=sorted(SOURCES))
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    bounds = measure(args.landing, args.source, args.month, args.work)
    if not bounds.files:
        raise SystemExit(f"no CSV files in {args.landing / args.source / args.month}")
    print(table(args.source, args.month, bounds))


if __name__ == "__main__":
    main()
