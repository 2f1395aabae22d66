"""Run many suite × month checks, their GX validations in worker processes when there are enough.

A check run over many months (the first warehouse build of a backfill, `make demo`'s 24 months: 120
validations) spent about half its time in Great Expectations' single-threaded Python, one validation after
the other. The warehouse stays with this process (DuckDB allows one writer; workers cannot open it): it
runs the SQL checks and reads each batch's rows as Arrow (read_batch), and hands the rows to a worker
in an Arrow IPC file the worker memory-maps (worker_processes.hand_over), which builds the pandas frame
and validates it (validate_batch). The validation results are written to
the shared GX store on disk by the worker; this process builds their Data Docs pages in one go
afterwards (runner.attach_docs), as in-process.

At most workers + 1 batches are held at once. A run of fewer than PARALLEL_MIN_VALIDATIONS GX
validations (one month: 5 suites) stays in-process: a worker's start (fork, GX import) costs 2-3 s of
CPU. If a worker dies (killed, out of memory), the batches not yet done are validated in-process.

MINZHENG_CHECK_WORKERS sets the number of workers (Settings.check_workers; default min(2, CPUs));
0 or 1 validates in-process.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..settings import Settings
from ..worker_processes import hand_over, new_pool, submit, take_over
from .gx_runner import GxRun, import_in_background
from .paths import QualityPaths
from .runner import PendingRun, SuiteRun, finish_run, validate_batch

PARALLEL_MIN_VALIDATIONS = 8

Task = TypeVar("Task")


def workers() -> int:
    return Settings.from_env().check_workers


def run_batches(
    tasks: Sequence[Task],
    read: Callable[[Task], PendingRun],
    paths: QualityPaths,
    validations: int,
) -> Iterator[tuple[Task, SuiteRun, float]]:
    """Each task with its SuiteRun (Data Docs pages not built yet) and the seconds it took (reading here,
    validating wherever it ran), as soon as it is done. `read` reads a task's batch from the warehouse;
    `validations` is how many of the tasks have GX expectations."""
    n = workers()
    if n <= 1 or validations < PARALLEL_MIN_VALIDATIONS:
        yield from _in_process([], list(tasks), read, paths)
        return
    yield from _in_workers(tasks, read, paths, n)


def _init_worker() -> None:
    import_in_background()  # while the first batch is read and handed over


@dataclass(frozen=True)
class _HandedOver:
    """A batch whose rows wait in an Arrow IPC file (`path`); `pending` has none in their place."""

    pending: PendingRun
    path: Path


def received(batch: PendingRun | _HandedOver) -> PendingRun:
    """In the worker: the batch with its rows (memory-mapped from the IPC file it was handed over in)."""
    if isinstance(batch, _HandedOver):
        return dataclasses.replace(batch.pending, rows=take_over(batch.path))
    return batch


def _validate_in_worker(batch: PendingRun | _HandedOver, paths: QualityPaths) -> tuple[GxRun | None, float]:
    started = time.perf_counter()
    return validate_batch(received(batch), paths), time.perf_counter() - started


def _handed_over(batch: PendingRun, folder: Path) -> PendingRun | _HandedOver:
    """What crosses to the worker: the batch with its rows in an IPC file, or whole (through the pipe)
    when the file cannot be written. This process keeps the rows, to validate them itself if the worker
    dies."""
    assert batch.rows is not None
    path = hand_over(batch.rows, folder)
    return batch if path is None else _HandedOver(dataclasses.replace(batch, rows=None), path)


def _in_workers(
    tasks: Sequence[Task], read: Callable[[Task], PendingRun], paths: QualityPaths, n: int
) -> Iterator[tuple[Task, SuiteRun, float]]:
    import_in_background()  # this process builds the Data Docs pages afterwards
    queue = list(tasks)
    # The batches' IPC files; removed with any left (the caller stopped, a worker died).
    folder = tempfile.TemporaryDirectory(prefix="minzheng-checks-")
    pool: ProcessPoolExecutor = new_pool(n, _init_worker)
    pending: dict[Future, tuple[Task, PendingRun, float]] = {}
    try:
        while queue or pending:
            while queue and len(pending) <= n:
                task = queue.pop(0)
                started = time.perf_counter()
                batch = read(task)
                seconds = time.perf_counter() - started
                if batch.rows is None:  # SQL checks only: nothing to validate
                    yield task, finish_run(batch, None), seconds
                    continue
                handed = _handed_over(batch, Path(folder.name))
                pending[submit(pool, _validate_in_worker, handed, paths)] = (task, batch, seconds)
            if not pending:
                continue
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                task, batch, seconds = pending.pop(future)
                try:
                    gx, worked = future.result()
                except BrokenProcessPool:  # a worker died: finish here
                    yield from _in_process([(task, batch, seconds), *pending.values()], queue, read, paths)
                    return
                yield task, finish_run(batch, gx), seconds + worked
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        folder.cleanup()


def _in_process(
    read_already: list[tuple[Task, PendingRun, float]],
    queue: list[Task],
    read: Callable[[Task], PendingRun],
    paths: QualityPaths,
) -> Iterator[tuple[Task, SuiteRun, float]]:
    """Validate in this process: the batches already read, then the tasks not started."""
    for task, batch, seconds in read_already:
        started = time.perf_counter()
        gx = validate_batch(batch, paths)
        yield task, finish_run(batch, gx), seconds + time.perf_counter() - started
    for task in queue:
        started = time.perf_counter()
        batch = read(task)
        gx = validate_batch(batch, paths)
        yield task, finish_run(batch, gx), time.perf_counter() - started
