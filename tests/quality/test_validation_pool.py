"""A check run over several months validates in worker processes (quality/validation_pool.py) and gives
exactly what validating in the checking process gives: the same outcomes, samples and stored results, a
Data Docs page for every validation, the same clerk reports; a dying worker loses nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_project.assets.checks import evaluate_suites
from dagster_project.quality import validation_pool
from dagster_project.quality.paths import QualityPaths
from dagster_project.quality.suites import load_suites

from .conftest import JUNE, MAY, build_warehouse
from .exports import REGION

SUITES = load_suites(layer="raw")
DIRT = {"amount_outlier", "duplicate_recipient", "nursing_over_beds", "hours_over_24", "sales_outlier"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """Two loaded months (May clean, June dirty): 10 suite × month validations."""
    tmp = tmp_path_factory.mktemp("pool")
    con, _ = build_warehouse(tmp, DIRT)
    con.close()
    return tmp / "warehouse.duckdb"


def _evaluate(warehouse: Path, tmp: Path, workers: str, monkeypatch) -> tuple[list, QualityPaths, list]:
    """The raw suites over every loaded month (scope None, as a warehouse build runs them) on a copy of
    the warehouse: (outcomes, paths, stored results)."""
    tmp.mkdir()
    db = tmp / "warehouse.duckdb"
    shutil.copy(warehouse, db)
    monkeypatch.setenv("MINZHENG_CHECK_WORKERS", workers)
    paths = QualityPaths(tmp)
    with duckdb.connect(str(db)) as con:
        evaluations = evaluate_suites(con, SUITES, None, REGION, paths, "run-pool")
        stored = con.execute(
            "SELECT * EXCLUDE (evaluated_at, docs_url) FROM quality.check_results ORDER BY ALL"
        ).fetchall()
        unlinked = con.execute(
            "SELECT count(*) FROM quality.check_results WHERE kind = 'gx' AND docs_url IS NULL"
        ).fetchone()
    assert unlinked == (0,), "a GX result without its Data Docs link"
    outcomes = sorted(
        (o.suite, o.check, o.period, o.passed, o.unexpected_count, o.element_count, repr(o.sample), o.message)
        for ev in evaluations
        for found in ev.outcomes.values()
        for o in found
    )
    return outcomes, paths, stored


def _pages(paths: QualityPaths) -> list[Path]:
    return sorted((paths.data_docs / "validations").rglob("*.html"))


def test_workers_give_the_same_outcomes_pages_and_reports(
    warehouse: Path, tmp_path: Path, monkeypatch
) -> None:
    pools: list[int] = []
    real_new_pool = validation_pool.new_pool
    monkeypatch.setattr(
        validation_pool, "new_pool", lambda n, init: pools.append(n) or real_new_pool(n, init)
    )
    handed: list[Path] = []  # the batches' rows cross in Arrow IPC files, which the workers remove
    real_hand_over = validation_pool.hand_over
    monkeypatch.setattr(
        validation_pool,
        "hand_over",
        lambda rows, folder: handed.append(real_hand_over(rows, folder)) or handed[-1],
    )
    serial = _evaluate(warehouse, tmp_path / "serial", "1", monkeypatch)
    assert pools == [], "one worker configured: validated in-process"
    parallel = _evaluate(warehouse, tmp_path / "parallel", "2", monkeypatch)
    assert pools == [2], "the 10 validations did not go to worker processes"
    assert len(handed) == 2 * len(SUITES) and all(handed), "the rows did not cross in IPC files"
    assert not any(p.exists() for p in handed), "an IPC file was left behind"

    (outcomes, serial_paths, stored), (p_outcomes, p_paths, p_stored) = serial, parallel
    failed = {(o[0], o[1], o[2]) for o in outcomes if not o[3]}
    assert {s for s, _, m in failed if m == JUNE} >= {"raw_assistance_roster", "raw_eldercare_institutions"}
    assert not {c for c in failed if c[2] == MAY}, "May is clean"
    assert p_outcomes == outcomes
    assert p_stored == stored and len(stored) == len(outcomes)
    # every validation has its page, written by a worker's GX store and built by this process
    assert len(_pages(p_paths)) == len(_pages(serial_paths)) == 2 * len(SUITES)
    assert len(list(p_paths.gx_validations.rglob("*.json"))) == 2 * len(SUITES)
    reports = sorted(p.relative_to(p_paths.reports) for p in p_paths.reports.rglob("*.xlsx"))
    assert reports and reports == sorted(
        p.relative_to(serial_paths.reports) for p in serial_paths.reports.rglob("*.xlsx")
    )


def _dying_in_worker(batch, paths):
    """A validation whose worker dies (killed, out of memory) on the June assistance batch (runs in the
    worker: imported there by name)."""
    pending = validation_pool.received(batch)
    if pending.suite.name == "raw_assistance_roster" and pending.period == JUNE:
        os._exit(1)
    return validation_pool.validate_batch(pending, paths), 0.0


def test_a_worker_that_dies_loses_no_validation(warehouse: Path, tmp_path: Path, monkeypatch) -> None:
    serial = _evaluate(warehouse, tmp_path / "serial", "1", monkeypatch)
    monkeypatch.setattr(validation_pool, "_validate_in_worker", _dying_in_worker)
    taken_back: list[int] = []  # batches read and handed out, then validated here after the worker died
    real_in_process = validation_pool._in_process

    def in_process(read_already, queue, read, paths):
        taken_back.append(len(read_already))
        return real_in_process(read_already, queue, read, paths)

    monkeypatch.setattr(validation_pool, "_in_process", in_process)
    broken = _evaluate(warehouse, tmp_path / "broken", "2", monkeypatch)
    assert taken_back and taken_back[0] >= 1, "the worker's death was not noticed"
    assert broken[0] == serial[0]
    assert broken[2] == serial[2]
