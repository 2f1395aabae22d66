"""Read and transform a partition's files, in worker processes when there is enough to share.

Reading, cleaning and keyed hashing of one file do not touch the warehouse, so the files of a partition
can be prepared side by side while the calling process, the one DuckDB writer, writes them in order. Most
of the per-row work is single-threaded Python (the HMAC of every personal value) or runs in polars on its
own; two worker processes keep both cores busy. Workers fork from a fork server that imported only this
module (so no polars or DuckDB threads are forked; see worker_processes.py), one pool per partition.

MINZHENG_INGEST_WORKERS sets the number of workers (default: min(2, CPUs)); 0 or 1 prepares in-process.
Small partitions (less than PARALLEL_MIN_BYTES of files in all) are prepared in-process too: a worker's
start costs about a second.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..settings import Settings
from ..worker_processes import new_pool, submit, take_over
from .errors import UnreadableFileError
from .pseudonymise import Pseudonymiser
from .readers import read_export
from .spec import SOURCES
from .totals import TotalCheck, check_totals
from .transform import FileContext, transform

WORKERS_ENV = "MINZHENG_INGEST_WORKERS"  # Settings.ingest_workers
PARALLEL_MIN_BYTES = 4 << 20


@dataclass(frozen=True)
class FileJob:
    """One file to prepare (everything a worker process needs, picklable)."""

    source: str
    path: Path
    county_code: str
    period: dt.date
    township_prefixes: frozenset[str]


@dataclass(frozen=True)
class Prepared:
    loaded: pl.DataFrame  # typed rows with keyed hashes, no clear personal values
    quarantine: pl.DataFrame
    rows_read: int  # every row below the header: loaded + quarantined + skipped
    seconds: float  # reading, cleaning and hashing this file (in whichever process did it)
    skipped: dict[str, int] = field(default_factory=dict)  # recognised non-data rows by kind
    totals: list[TotalCheck] = field(default_factory=list)  # the export's own 合计 row against its rows
    notes: tuple[str, ...] = ()  # for the clerk: visible sheets not imported (readers.RawSheet.notes)

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())


def prepare(job: FileJob, hasher: Pseudonymiser) -> Prepared:
    """Read, clean and hash one file. Any failure becomes an UnreadableFileError with a clerk's message
    (a data problem never escapes as another exception: the other files of the partition go on)."""
    try:
        return _prepare(job, hasher)
    except UnreadableFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - the last net: a file must end with an audit row
        raise UnreadableFileError(
            job.path,
            f"读取或检查时出错（{type(exc).__name__}），整个文件未导入",
            "金民工程导出的表格文件；如问题持续请联系数据管理员",
        ) from None


def _prepare(job: FileJob, hasher: Pseudonymiser) -> Prepared:
    started = time.perf_counter()
    spec = SOURCES[job.source]
    sheet = read_export(job.path, spec)
    result = transform(
        sheet.frame,
        spec,
        FileContext(job.county_code, job.period, job.township_prefixes),
        hasher,
        sheet.flags,
    )
    return Prepared(
        result.loaded,
        result.quarantine,
        sheet.rows_read,
        time.perf_counter() - started,
        dict(sheet.skipped),
        check_totals(sheet, spec),
        sheet.notes,
    )


def workers() -> int:
    """Processes that prepare a partition's files (Settings.ingest_workers, read when the load starts)."""
    return Settings.from_env().ingest_workers


# -- worker processes ----------------------------------------------------------------------------------
_worker_hasher: Pseudonymiser | None = None


def _init_worker(key: bytes) -> None:
    global _worker_hasher
    _worker_hasher = Pseudonymiser(key)


@dataclass(frozen=True)
class HandedOver:
    """A file prepared in a worker whose loaded rows wait in an Arrow IPC file (`path`); `prepared` has an
    empty frame in their place. Pickling the rows through the pool's pipe cost the worker about 0.2 s and
    the writing process 0.1 s per 70 MB (a large county's payment roster); writing and memory-mapping an
    uncompressed IPC file costs 0.05 s and 0.02 s, and the writer reads the rows from the mapped pages."""

    prepared: Prepared
    path: Path


def _prepare_in_worker(job: FileJob, handover: Path) -> Prepared | HandedOver | UnreadableFileError:
    assert _worker_hasher is not None
    try:
        prepared = prepare(job, _worker_hasher)
    except UnreadableFileError as err:  # returned, not raised: the parent records it for the clerk
        return err
    path = handover / f"{uuid.uuid4().hex}.arrow"
    try:
        prepared.loaded.write_ipc(path, compression="uncompressed", compat_level=pl.CompatLevel.newest())
    except OSError:  # no room in the temporary folder: through the pipe, as before
        path.unlink(missing_ok=True)
        return prepared
    return HandedOver(dataclasses.replace(prepared, loaded=prepared.loaded.clear()), path)


def _taken_over(
    job: FileJob, outcome: Prepared | HandedOver | UnreadableFileError, hasher: Pseudonymiser
) -> Prepared | UnreadableFileError:
    """The worker's outcome with its rows read from the IPC file (memory-mapped: no copy), which is then
    removed (the mapping keeps the rows readable until they are freed). A file that cannot be read back
    (removed from the temporary folder meanwhile, or not whole) is prepared again in this process."""
    if not isinstance(outcome, HandedOver):
        return outcome
    import pyarrow as pa

    try:
        rows = pl.from_arrow(take_over(outcome.path))
    except (OSError, pa.ArrowInvalid):  # gone, or cut short: prepare the file again
        return next(_in_process([job], hasher))[1]
    assert isinstance(rows, pl.DataFrame)
    return dataclasses.replace(outcome.prepared, loaded=rows)


def _new_pool(key: bytes, n: int) -> ProcessPoolExecutor:
    return new_pool(n, _init_worker, (key,))


def _submit(pool: ProcessPoolExecutor, job: FileJob, handover: Path) -> Future:
    return submit(pool, _prepare_in_worker, job, handover)


def prepare_all(
    jobs: list[FileJob], hasher: Pseudonymiser
) -> Iterator[tuple[FileJob, Prepared | UnreadableFileError]]:
    """Each job with its outcome, as soon as it is ready. At most workers()+1 files are held at once.

    In worker processes the largest files are started first and each file is handed over when it is done,
    not in the order given: the caller writes the small files while a large one is still being prepared,
    and the partition does not end on a large file started last (each file is its own transaction, so the
    order of the writes changes nothing in the warehouse).

    The pool lives for one partition and is shut down when its files are done (or the caller stops):
    a worker left idle would keep the calling process from exiting where multiprocessing joins its
    children on exit (a Dagster step process is one)."""
    n = workers()
    sizes = {j.path: j.path.stat().st_size for j in jobs}
    if n <= 1 or len(jobs) < 2 or sum(sizes.values()) < PARALLEL_MIN_BYTES:
        yield from _in_process(jobs, hasher)
        return
    # The workers' IPC files (HandedOver); removed with any left (the caller stopped, a worker died).
    with tempfile.TemporaryDirectory(prefix="minzheng-ingest-") as folder:
        pool = _new_pool(hasher.key, n)
        try:
            queue = sorted(jobs, key=lambda j: -sizes[j.path])
            pending: dict[Future, FileJob] = {}
            while queue or pending:
                while queue and len(pending) <= n:
                    job = queue.pop(0)
                    pending[_submit(pool, job, Path(folder))] = job
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: -sizes[pending[f].path]):
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        # A worker died (killed, out of memory): finish this partition in-process.
                        yield from _in_process([*pending.values(), *queue], hasher)
                        return
                    job = pending.pop(future)
                    yield job, _taken_over(job, outcome, hasher)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _in_process(
    jobs: list[FileJob], hasher: Pseudonymiser
) -> Iterator[tuple[FileJob, Prepared | UnreadableFileError]]:
    for job in jobs:
        try:
            yield job, prepare(job, hasher)
        except UnreadableFileError as err:
            yield job, err
