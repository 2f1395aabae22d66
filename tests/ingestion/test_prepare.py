"""Files prepared in worker processes load exactly as when prepared in-process, failures included."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from dagster_project import worker_processes
from dagster_project.ingestion import prepare
from dagster_project.ingestion.pipeline import load_partition
from dagster_project.ingestion.pseudonymise import Pseudonymiser
from dagster_project.ingestion.region import region_lookup
from dagster_project.ingestion.spec import SOURCES
from dagster_project.settings import JEMALLOC_CONF_ENV
from minzheng_simulator import SimulationConfig, simulate

from .conftest import TEST_KEY

MONTH = dt.date(2024, 6, 1)


def _simulate(landing: Path) -> None:
    simulate(
        SimulationConfig(
            out=landing,
            months=["2024-06"],
            scale=0.05,
            dirty_rate=0.01,
            seed=5,
            workers=1,
            sources=("assistance",),
        )
    )


def _load(db: Path, landing: Path) -> tuple[list, list, list, list[str]]:
    with duckdb.connect(str(db)) as con:
        report = load_partition(
            con,
            SOURCES["assistance"],
            MONTH,
            landing,
            region_lookup(),
            Pseudonymiser(TEST_KEY),
            raise_on_failure=False,
        )
        rows = con.execute(
            "SELECT * EXCLUDE (_load_id, _loaded_at) FROM raw.assistance_roster ORDER BY ALL"
        ).fetchall()
        quarantine = con.execute("SELECT * EXCLUDE (load_id) FROM raw.quarantine ORDER BY ALL").fetchall()
        audit = con.execute(
            """SELECT source_file, county_code, rows_read, rows_loaded, rows_quarantined, status, message,
                      rows_skipped FROM raw.load_audit ORDER BY ALL"""
        ).fetchall()
    return rows, quarantine, audit, [str(e) for e in report.failures]


def test_worker_processes_load_the_same_rows_quarantine_and_audit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    _simulate(landing)
    folder = landing / "assistance" / "2024-06"
    (folder / "610631_黄龙县.xlsx").unlink(missing_ok=True)
    for old in folder.glob("610631_黄龙县*"):
        old.unlink()
    (folder / "610631_黄龙县.xlsx").write_bytes(b"not a spreadsheet at all")  # fails in the worker

    monkeypatch.setenv(prepare.WORKERS_ENV, "1")
    serial = _load(tmp_path / "serial.duckdb", landing)

    monkeypatch.setenv(prepare.WORKERS_ENV, "2")
    monkeypatch.setattr(prepare, "PARALLEL_MIN_BYTES", 0)
    used: list[int] = []
    real_new_pool = prepare._new_pool
    monkeypatch.setattr(prepare, "_new_pool", lambda key, n: used.append(n) or real_new_pool(key, n))
    parallel = _load(tmp_path / "parallel.duckdb", landing)

    assert used == [2], "the partition was not prepared in worker processes"
    rows, quarantine, audit, failures = parallel
    assert len(rows) > 1_000 and quarantine, "the simulated month should have rows and some dirt"
    assert parallel == serial
    assert len(failures) == 1 and "610631_黄龙县.xlsx" in failures[0] and "Excel" in failures[0]
    assert sum(a[2] for a in audit) == sum(
        a[3] + a[4] + a[7] for a in audit
    )  # read = loaded + quar. + skipped


def test_unreadable_file_error_survives_pickling() -> None:
    import pickle

    from dagster_project.ingestion.errors import UnreadableFileError

    err = pickle.loads(pickle.dumps(UnreadableFileError("a/b.xlsx", "缺少必需列：姓名", "表头包含：姓名")))
    assert (err.path, err.problem_zh, err.expected_zh) == ("a/b.xlsx", "缺少必需列：姓名", "表头包含：姓名")
    assert str(err) == "文件 a/b.xlsx：缺少必需列：姓名；应为：表头包含：姓名"


def _load_with_workers(db: str, landing: str) -> None:
    """Runs in a multiprocessing child, as a Dagster step does."""
    import os

    os.environ[prepare.WORKERS_ENV] = "2"
    prepare.PARALLEL_MIN_BYTES = 0
    rows = _load(Path(db), Path(landing))[0]
    assert rows


def test_a_multiprocessing_child_that_used_workers_exits(tmp_path: Path) -> None:
    """multiprocessing joins a child's own children when it exits: a pool left running would hang the
    Dagster step process after STEP_SUCCESS (seen with `dagster job execute`)."""
    import multiprocessing

    landing = tmp_path / "landing"
    _simulate(landing)
    child = multiprocessing.get_context("spawn").Process(
        target=_load_with_workers, args=(str(tmp_path / "child.duckdb"), str(landing))
    )
    child.start()
    child.join(timeout=120)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive, "the process that loaded with worker processes did not exit"
    assert child.exitcode == 0


def _start_workers_and_wait(pid_file: str) -> None:
    """In a child process: start a pool, report its worker pids, then wait to be killed."""
    import os
    import time

    pool = prepare._new_pool(b"k" * 32, 2)
    with worker_processes.main_module_hidden():
        pids = {pool.submit(os.getpid).result() for _ in range(8)}
    Path(pid_file).write_text(" ".join(map(str, sorted(pids))))
    time.sleep(600)


def test_workers_end_when_the_loading_process_is_killed(tmp_path: Path) -> None:
    """A load killed mid-way (SIGKILL, as in tests/pipeline/test_atomic_load.py) leaves no worker behind."""
    import multiprocessing
    import time

    import psutil

    pid_file = tmp_path / "pids"
    child = multiprocessing.get_context("spawn").Process(
        target=_start_workers_and_wait, args=(str(pid_file),)
    )
    child.start()
    deadline = time.time() + 60
    while not pid_file.exists() and time.time() < deadline:
        time.sleep(0.2)
    workers = [int(p) for p in pid_file.read_text().split()]
    assert workers and all(psutil.pid_exists(p) for p in workers)
    child.kill()
    child.join()

    def alive(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.time() + 15
    while any(alive(p) for p in workers) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in workers), "worker processes outlived the killed loader"


def _worker_allocator_setting(out_file: str, preset: str | None) -> None:
    """In a fresh child process (its own fork server): the workers' allocator setting and the caller's."""
    import json
    import os

    if preset is not None:  # as if set before the process started: polars appends it to its own on import
        os.environ[JEMALLOC_CONF_ENV] += "," + preset
    pool = prepare._new_pool(b"k" * 32, 1)
    try:
        with worker_processes.main_module_hidden():
            worker = pool.submit(os.getenv, JEMALLOC_CONF_ENV).result()
    finally:
        pool.shutdown()
    caller = os.environ.get(JEMALLOC_CONF_ENV)
    Path(out_file).write_text(json.dumps({"worker": worker, "caller": caller}))


def test_workers_allocator_setting_leaves_the_callers_environment_alone(tmp_path: Path) -> None:
    """polars' jemalloc in the workers keeps freed pages for the next file, then returns them without a
    MADV_FREE stage (WORKER_JEMALLOC_CONF): the workers' setting ends with ours, after polars' own
    defaults and an operator's setting; the loading process's environment, which dbt and everything else it
    starts inherit, is left as it was."""
    import json
    import multiprocessing

    out = tmp_path / "env.json"
    child = multiprocessing.get_context("spawn").Process(
        target=_worker_allocator_setting, args=(str(out), "narenas:2")
    )
    child.start()
    child.join(timeout=120)
    assert child.exitcode == 0
    seen = json.loads(out.read_text())

    def effective(conf: str) -> dict[str, str]:  # jemalloc takes the last value of each option
        return dict(option.split(":", 1) for option in conf.split(","))

    assert effective(seen["worker"]) == {"dirty_decay_ms": "5000", "muzzy_decay_ms": "0", "narenas": "2"}
    assert effective(seen["caller"])["narenas"] == "2"
    assert not seen["caller"].endswith(worker_processes.WORKER_JEMALLOC_CONF), (
        "the caller's environment changed"
    )


def _job(path: Path) -> prepare.FileJob:
    """A simulated assistance export of MONTH as load_partition hands it to prepare_all."""
    county = path.name[:6]
    return prepare.FileJob("assistance", path, county, MONTH, region_lookup().township_prefixes(county))


def test_workers_start_the_largest_files_first_and_hand_each_over_when_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The largest file goes to a worker first (a partition does not end on a large file started last),
    and every file comes back exactly once, whatever order they finish in."""
    landing = tmp_path / "landing"
    _simulate(landing)
    paths = sorted((landing / "assistance" / "2024-06").iterdir())
    jobs = [_job(p) for p in paths]
    monkeypatch.setenv(prepare.WORKERS_ENV, "2")
    monkeypatch.setattr(prepare, "PARALLEL_MIN_BYTES", 0)
    submitted: list[Path] = []
    real_submit = prepare._submit
    monkeypatch.setattr(
        prepare,
        "_submit",
        lambda pool, job, handover: submitted.append(job.path) or real_submit(pool, job, handover),
    )

    handed = [job.path for job, outcome in prepare.prepare_all(jobs, Pseudonymiser(TEST_KEY))]

    sizes = [p.stat().st_size for p in submitted]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]
    assert sorted(handed) == paths


@pytest.mark.parametrize("handed_over", [None, b"ARROW1\x00\x00 cut short"], ids=["gone", "cut-short"])
def test_rows_handed_over_in_a_file_that_cannot_be_read_back_are_prepared_again(
    tmp_path: Path, handed_over: bytes | None
) -> None:
    """A worker hands its rows over in an Arrow IPC file; if that file cannot be read back (removed from
    the temporary folder meanwhile, or not whole), the file is prepared again in the writing process, not
    lost, and the IPC file is removed."""
    landing = tmp_path / "landing"
    _simulate(landing)
    path = next(p for p in sorted((landing / "assistance" / "2024-06").iterdir()) if p.suffix == ".csv")
    job = _job(path)
    hasher = Pseudonymiser(TEST_KEY)
    expected = prepare.prepare(job, hasher)
    ipc = tmp_path / "rows.arrow"
    if handed_over is not None:
        ipc.write_bytes(handed_over)
    unreadable = prepare.HandedOver(
        prepare.dataclasses.replace(expected, loaded=expected.loaded.clear()), ipc
    )

    outcome = prepare._taken_over(job, unreadable, hasher)

    assert isinstance(outcome, prepare.Prepared) and expected.loaded.height > 100
    assert outcome.loaded.equals(expected.loaded) and outcome.quarantine.equals(expected.quarantine)
    assert not ipc.exists()
