"""A load killed at any moment leaves its county-month fully old or fully new (one transaction)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from dagster_project.ingestion.landing import file_sha256
from tests.ingestion.exports import clean_row, write_csv

LOADER = textwrap.dedent(
    """
    import datetime as dt, sys
    from pathlib import Path
    import duckdb
    from dagster_project.ingestion.pipeline import RegionLookup, load_partition
    from dagster_project.ingestion.pseudonymise import Pseudonymiser
    from dagster_project.ingestion.spec import ASSISTANCE
    region = RegionLookup(resolve_county=lambda s: None, township_prefixes=lambda c: frozenset({"610602001"}))
    con = duckdb.connect(sys.argv[1])
    load_partition(con, ASSISTANCE, dt.date(2024, 6, 1), Path(sys.argv[2]), region, Pseudonymiser(b"k" * 32))
    con.close()
    print("DONE", flush=True)
    """
)


def _rows(n: int, amount: str) -> list[list[str]]:
    return [clean_row(i, amount=amount) for i in range(1, n + 1)]


def _state(db: Path) -> tuple[set[str], int]:
    with duckdb.connect(str(db), read_only=True) as con:
        shas = {
            r[0] for r in con.execute("SELECT DISTINCT _source_sha256 FROM raw.assistance_roster").fetchall()
        }
        n = con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone()[0]
    return shas, n


def test_killed_load_leaves_partition_fully_old_or_fully_new(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "assistance" / "2024-06"
    old_file = write_csv(folder / "610602_宝塔区.csv", _rows(2_000, "800"), "utf-8-sig")
    old_sha = file_sha256(old_file)
    db = tmp_path / "w.duckdb"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    subprocess.run(
        [sys.executable, "-c", LOADER, str(db), str(landing)], check=True, env=env, capture_output=True
    )
    assert _state(db) == ({old_sha}, 2_000)

    new_file = write_csv(folder / "610602_宝塔区_更正1.csv", _rows(60_000, "900"), "gbk")
    new_sha = file_sha256(new_file)
    outcomes = []
    for delay in (0.3, 0.8, 1.3, 1.8, 2.5, 3.5, 5.0, 60.0):
        proc = subprocess.Popen(
            [sys.executable, "-c", LOADER, str(db), str(landing)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        shas, n = _state(db)
        assert (shas, n) in (({old_sha}, 2_000), ({new_sha}, 60_000)), (delay, shas, n)
        outcomes.append("new" if shas == {new_sha} else "old")
        if outcomes[-1] == "new":
            break
        time.sleep(0.1)
    assert outcomes[0] == "old", "the first kill should land before the commit"
    assert outcomes[-1] == "new", "an unkilled load must complete"
