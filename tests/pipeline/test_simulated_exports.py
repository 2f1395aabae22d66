"""Ingestion against the simulator's ground truth: every injected fault is quarantined with the reason
the simulator expects, every other row is loaded, and no clear ID or name reaches DuckDB."""

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingestion.pipeline import load_partition
from dagster_project.ingestion.pseudonymise import Pseudonymiser
from dagster_project.ingestion.readers import read_export
from dagster_project.ingestion.region import region_lookup
from dagster_project.ingestion.spec import SOURCES
from minzheng_simulator import SimulationConfig, simulate

COUNTIES = ("610602", "610631", "610681", "610626")  # urban district, smallest county, renamed 子长, 吴起


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("sim")
    landing = root / "landing"
    simulate(
        SimulationConfig(
            out=landing,
            months=["2024-06", "2024-07"],
            scale=0.01,
            dirty_rate=0.04,
            seed=7,
            corrections=2,
            counties=COUNTIES,
            workers=1,
        )
    )
    manifest = json.loads((landing / "_simulator" / "manifest.json").read_text())
    db = root / "w.duckdb"
    hasher = Pseudonymiser(b"simulated-exports-test-key")
    with duckdb.connect(str(db)) as con:
        for period in sorted({f["period"] for f in manifest["files"]}):
            for spec in SOURCES.values():
                load_partition(
                    con,
                    spec,
                    dt.date.fromisoformat(period + "-01"),
                    landing,
                    region_lookup(),
                    hasher,
                    raise_on_failure=False,
                )
        con.execute("CHECKPOINT")
    return landing, db, manifest


def test_per_file_counts_match_the_simulator_and_reconcile(loaded) -> None:
    _, db, manifest = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        audit = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT source_file, rows_read - rows_skipped, rows_loaded, rows_quarantined, status "
                "FROM raw.load_audit_history QUALIFY row_number() OVER (PARTITION BY source_file "
                "ORDER BY finished_at DESC) = 1"
            ).fetchall()
        }
    assert len(manifest["files"]) >= 40
    for f in manifest["files"]:
        read, ok, bad, status = audit[f["path"]]
        if f["superseded"]:
            assert status == "superseded", f["path"]
            continue
        assert status == "loaded", f["path"]
        assert (ok, bad) == (f["expected_loaded"], f["expected_quarantined"]), f["path"]
        assert read == ok + bad == f["data_rows"], f["path"]


def test_every_injected_fault_is_quarantined_with_its_reason(loaded) -> None:
    _, db, manifest = loaded
    superseded = {f["path"] for f in manifest["files"] if f["superseded"]}
    expected = {
        (d["file"], d["row"], d["reason_code"])
        for d in manifest["dirt"]
        if d["reason_code"] and d["file"] not in superseded
    }
    kinds = {d["kind"] for d in manifest["dirt"]}
    assert {
        "invalid_id",
        "missing_required",
        "negative_value",
        "not_a_number",
        "bad_date",
        "date_outside_period",
        "unknown_division",
        "unknown_category",
        "duplicate_row",
        "full_width_digits",
        "date_format",
    } <= kinds
    with duckdb.connect(str(db), read_only=True) as con:
        got = set(con.execute("SELECT source_file, source_row, reason_code FROM raw.quarantine").fetchall())
    assert got == expected


def test_normalised_dirt_is_loaded(loaded) -> None:
    """Full-width digits and other date formats are cleaned, not quarantined."""
    _, db, manifest = loaded
    cleaned = [d for d in manifest["dirt"] if d["kind"] in ("full_width_digits", "date_format")]
    assert cleaned
    with duckdb.connect(str(db), read_only=True) as con:
        quarantined = set(con.execute("SELECT source_file, source_row FROM raw.quarantine").fetchall())
    tables = {s.source: s.table for s in SOURCES.values()}
    with duckdb.connect(str(db), read_only=True) as con:
        for d in cleaned:
            if (d["file"], d["row"]) in quarantined:
                continue  # the same row also carries an unrecoverable fault
            n = con.execute(
                f"SELECT count(*) FROM raw.{tables[d['file'].split('/')[0]]} "
                "WHERE _source_file = ? AND _source_row = ?",
                [d["file"], d["row"]],
            ).fetchone()[0]
            assert n == 1, d


def test_no_clear_id_or_name_in_the_warehouse_file(loaded) -> None:
    landing, db, manifest = loaded
    blob = db.read_bytes()
    checked = 0
    for f in manifest["files"]:
        if f["source"] not in ("assistance", "volunteer_roster"):
            continue
        frame = read_export(landing / f["path"], SOURCES[f["source"]]).frame
        for col in ("id_number", "name"):
            for value in frame[col].drop_nulls().head(25).to_list():
                if len(value) >= 2:
                    assert value.encode("utf-8") not in blob, (f["path"], col)
                    checked += 1
    assert checked > 200
