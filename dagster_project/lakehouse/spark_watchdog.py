"""A client command (dbt --target spark) on a private LocalSpark, with the server restarted when Hive's
function registry breaks inside it.

The Thrift server from the pip pyspark lacks Hive's LLAP jar (`hive-llap-common`). When two sessions close
at the same moment, Hive can decide to build a new metastore client in one of them, and building it loads
Hive's function registry, which fails on a missing LLAP class (`NoClassDefFoundError ... LlapSigner`). That
handler thread dies (its client reads `TSocket read 0 bytes`) and Hive's "registering functions" flag stays
set for good: every later session close that needs the registry waits for it forever, so a dbt thread
hangs and dbt never exits. A retry on the same JVM hangs as well; only a new JVM recovers.

So the command runs while the server's log is watched: when the failure shows there (before the command
starts, while it runs, or by the time it ends), the command is stopped, the server restarted on the same
folder (metastore and warehouse are kept) and the command run again from the start. A run that neither
ends nor breaks the registry within `timeout_seconds` is stopped and reported, not retried.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .local_spark import LocalSpark

BROKEN_REGISTRY = b"java.lang.NoClassDefFoundError: org/apache/hadoop/hive/llap/"


class SparkRunError(RuntimeError):
    """The command did not finish on the local Spark: it hung, or the server could not be restarted."""


@dataclass(frozen=True)
class WatchedRun:
    returncode: int
    stdout: str
    stderr: str
    restarts: int  # how many times the server was restarted because its function registry broke


class LogWatch:
    """Whether a marker has appeared in a growing log file; reads only what was appended since the last
    look, and starts over when the file is replaced (spark-daemon.sh rotates it at every server start)."""

    def __init__(self, marker: bytes = BROKEN_REGISTRY) -> None:
        self.marker = marker
        self._identity: tuple[str, int] | None = None
        self._offset = 0
        self._tail = b""
        self._seen = False

    def seen(self, path: Path | None) -> bool:
        if path is None:
            return False
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        identity = (str(path), stat.st_ino)
        if identity != self._identity or stat.st_size < self._offset:
            self._identity, self._offset, self._tail, self._seen = identity, 0, b"", False
        if self._seen:
            return True
        with path.open("rb") as f:
            f.seek(self._offset)
            chunk = f.read()
        self._offset += len(chunk)
        data = self._tail + chunk
        self._seen = self.marker in data
        self._tail = data[-len(self.marker) :]
        return self._seen


def _stop(proc: subprocess.Popen) -> None:
    """Stops the command and everything it started (it runs in its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run_on_local_spark(
    cmd: Sequence[str],
    env: Mapping[str, str],
    local: LocalSpark,
    base_env: Mapping[str, str],
    *,
    timeout_seconds: float = 900,
    max_restarts: int = 2,
    poll_seconds: float = 1.0,
    say: Callable[[str], None] = lambda _message: None,
) -> WatchedRun:
    """Runs `cmd` (with `env`) against `local`, restarting the server (with `base_env`, as it was started)
    and running `cmd` again whenever the server's function registry breaks, at most `max_restarts` times."""
    restarts = 0
    while True:
        watch = LogWatch()
        if not watch.seen(local.thrift_log()):
            done = _watch(cmd, env, local, watch, timeout_seconds, poll_seconds)
            if done is not None:
                return WatchedRun(done.returncode, done.stdout, done.stderr, restarts)
        if restarts >= max_restarts:
            raise SparkRunError(
                f"the Spark Thrift server's Hive function registry broke {restarts + 1} times "
                f"(missing LLAP jar of the pip pyspark; log: {local.thrift_log()})"
            )
        say(
            f"Hive's function registry broke in the Spark Thrift server ({local.thrift_log()}): restarting it"
        )
        restarted = local.restart(base_env)
        if restarted.returncode != 0:
            raise SparkRunError(f"scripts/spark.sh restart failed:\n{restarted.stdout}\n{restarted.stderr}")
        restarts += 1


def _watch(
    cmd: Sequence[str],
    env: Mapping[str, str],
    local: LocalSpark,
    watch: LogWatch,
    timeout_seconds: float,
    poll_seconds: float,
) -> subprocess.CompletedProcess[str] | None:
    """One run of `cmd`: its result when it ended on a sound server; None when the registry broke
    meanwhile."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(list(cmd), env=dict(env), stdout=out, stderr=err, start_new_session=True)
        deadline = time.monotonic() + timeout_seconds
        try:
            while True:
                try:
                    proc.wait(timeout=poll_seconds)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if watch.seen(local.thrift_log()):
                    _stop(proc)
                    return None
                if time.monotonic() > deadline:
                    _stop(proc)
                    out.seek(0)
                    raise SparkRunError(
                        f"{' '.join(cmd[:3])} ... did not finish on the local Spark within {timeout_seconds:.0f} s "
                        f"and the server's function registry did not break (log: {local.thrift_log()}); "
                        f"its output ends with:\n{out.read().decode(errors='replace')[-4000:]}"
                    )
        finally:
            if proc.poll() is None:
                _stop(proc)
        if watch.seen(local.thrift_log()):  # it broke in the last interval: the run may have lost a node
            return None
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(
            list(cmd),
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )
