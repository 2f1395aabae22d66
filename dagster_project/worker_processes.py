"""Worker processes for CPU-bound work the process that holds the warehouse hands out: the files of a
partition to prepare (ingestion/prepare.py) and the validations of a check run (quality/validation_pool.py).
Large Arrow tables cross between them in uncompressed IPC files that the receiver memory-maps
(hand_over / take_over), not through the pool's pipe.

Workers fork from one fork server per process, started here with the same settings whichever pool is
first: it imported only the ingest module (so no polars or DuckDB threads are forked, and the caller's
__main__, a Dagster CLI or the demo runner, is not re-imported), with the workers' allocator options in
its environment. Every worker ends itself when the process that started it is gone.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .settings import polars_allocator_for_children

if TYPE_CHECKING:
    import pyarrow as pa

# What the fork server imports before it forks the first worker: the ingest's module (its workers need
# polars and the transforms). Validation workers import Great Expectations themselves.
FORKSERVER_PRELOAD = ["dagster_project.ingestion.prepare"]

# polars allocates through its bundled jemalloc and keeps freed pages a while (by default dirty 0.5 s, then
# "muzzy" 1 s: pages given back with MADV_FREE, which still count in the process's RSS until the kernel needs
# them). The fork server starts with these options appended to polars' setting:
# - dirty 5 s: a worker reuses the pages it freed after one file for the next. Handing them back at once
#   (decay 0, before) made every file fault fresh pages in again, and where the kernel zeroes fresh pages
#   slowly (a virtual machine whose host reclaims free guest memory, as on the 2-core machine) a province
#   month's ingest took 12.1-12.3 s instead of 10.3-10.4 s (three interleaved rounds), for a process-tree
#   peak of about 1.37 GB instead of 1.18 GB;
# - muzzy 0: what is given back leaves the RSS at once instead of lingering as MADV_FREE pages.
WORKER_JEMALLOC_CONF = "dirty_decay_ms:5000,muzzy_decay_ms:0"


def new_pool(n: int, initializer: Callable[..., None], initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    """A pool of `n` workers forked from this process's fork server. Each runs `initializer(*initargs)`
    and ends when this process is gone."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(FORKSERVER_PRELOAD)
    _start_fork_server()
    return ProcessPoolExecutor(
        max_workers=n,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(os.getpid(), initializer, initargs),
    )


def submit(pool: ProcessPoolExecutor, fn: Callable[..., Any], *args: Any) -> Future:
    with main_module_hidden():  # a worker process is started inside submit() when none is idle
        return pool.submit(fn, *args)


def _init_worker(parent_pid: int, initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    threading.Thread(target=exit_with, args=(parent_pid,), daemon=True).start()
    initializer(*initargs)


def exit_with(parent_pid: int) -> None:
    """End this worker when the process that started it is gone (killed mid-way: SIGKILL, OOM). The
    workers hold both ends of their task pipe and the fork server's liveness pipe, so nothing else would
    end them."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # the pid was reused by another user's process: ours is gone
            os._exit(1)


def _start_fork_server() -> None:
    """Start this process's fork server (once; later pools reuse it) with the workers' allocator options
    in its environment, without changing the environment of anything else this process starts."""
    from multiprocessing import forkserver

    with polars_allocator_for_children(WORKER_JEMALLOC_CONF), main_module_hidden():
        forkserver.ensure_running()


@contextlib.contextmanager
def main_module_hidden() -> Iterator[None]:
    """multiprocessing re-imports the caller's __main__ in every new worker (to find what it pickled
    there); the workers need only the modules of their task, and a script without a __main__ guard would
    start over."""
    main = sys.modules["__main__"]
    saved = {k: main.__dict__[k] for k in ("__spec__", "__file__") if k in main.__dict__}
    main.__dict__["__spec__"] = None
    main.__dict__.pop("__file__", None)
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def hand_over(table: pa.Table, folder: Path) -> Path | None:
    """Write `table` to a new uncompressed Arrow IPC file in `folder` for another process to take over, or
    None when there is no room (then send it through the pipe). Pickling the rows through the pool's pipe
    copies them twice here (with the GIL held) and once more in the receiver; the IPC file is written in
    one copy and memory-mapped by the receiver: about 0.06 s against 0.15 s here for 120 MB of rows."""
    import pyarrow as pa

    path = folder / f"{uuid.uuid4().hex}.arrow"
    try:
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    except OSError:
        path.unlink(missing_ok=True)
        return None
    return path


def take_over(path: Path) -> pa.Table:
    """The table of a handed-over IPC file, memory-mapped (no copy); the file is removed (the mapping keeps
    the rows readable until they are freed). OSError or pyarrow.ArrowInvalid if it is gone or not whole."""
    import pyarrow as pa

    try:
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).read_all()
    finally:
        path.unlink(missing_ok=True)
