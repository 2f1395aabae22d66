"""Progress lines for long terminal runs (`make demo`, `make pipeline`): one line per unit of work with
rows/s and an ETA, and a periodic line while one long Dagster run (the warehouse build) is going.

The full logs go elsewhere (the Dagster event log, the demo's log file); the terminal gets only these.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from dagster import DagsterEventType, DagsterInstance


def duration(seconds: float) -> str:
    """'8 s', '2 min 05 s', '1 h 03 min'."""
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class Progress:
    """Counts units of work (e.g. months) done out of `total` and prints one line per unit."""

    def __init__(self, total: int, out: TextIO | None = None, clock: Callable[[], float] = time.monotonic):
        self.total = total
        self.done = 0
        self.rows = 0
        self.out = out or sys.stdout
        self._clock = clock
        self._start = clock()

    @property
    def elapsed(self) -> float:
        return self._clock() - self._start

    def eta(self) -> float | None:
        """Seconds left at the average pace so far; None before the first unit."""
        if self.done == 0:
            return None
        return self.elapsed / self.done * (self.total - self.done)

    def line(self, name: str, rows: int, status: str) -> str:
        elapsed = self.elapsed
        rate = f"{self.rows / elapsed:,.0f} rows/s" if elapsed > 0 else "–"
        eta = self.eta()
        left = "done" if self.done >= self.total else f"ETA {duration(eta)}" if eta is not None else ""
        width = len(str(self.total))
        return (
            f"  [{self.done:>{width}}/{self.total}] {name}  {status:<6} {rows:>10,} rows   "
            f"{duration(elapsed)} so far, {rate}, {left}"
        )

    def step(self, name: str, rows: int, status: str = "ok") -> None:
        self.done += 1
        self.rows += rows
        print(self.line(name, rows, status), file=self.out, flush=True)


# What counts as one finished piece of a run: an asset materialized, a check evaluated, a step failed.
_DONE_EVENTS = {
    DagsterEventType.ASSET_MATERIALIZATION,
    DagsterEventType.ASSET_CHECK_EVALUATION,
}


class RunWatcher:
    """While a run executes in this process, print every `every` seconds how many of its `total`
    assets and checks are done, read from the instance's event log (the same events the UI shows)."""

    def __init__(
        self,
        instance: DagsterInstance,
        run_id: str,
        total: int,
        label: str,
        every: float = 15.0,
        out: TextIO | None = None,
    ) -> None:
        self.instance = instance
        self.run_id = run_id
        self.total = max(total, 1)
        self.label = label
        self.every = every
        self.out = out or sys.stdout
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="run-watcher", daemon=True)
        self._start = time.monotonic()

    def __enter__(self) -> RunWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def done(self) -> int:
        try:
            records = self.instance.all_logs(self.run_id, of_type=_DONE_EVENTS)
        except Exception:  # noqa: BLE001 - the run is not stored yet; progress is best effort
            return 0
        return len(records)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._start

    def line(self, done: int) -> str:
        elapsed = self.elapsed
        share = min(done / self.total, 1.0)
        eta = f", ETA {duration(elapsed / share - elapsed)}" if 0 < share < 1 else ""
        return f"  {self.label}: {done}/{self.total} assets and checks done, {duration(elapsed)}{eta}"

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            print(self.line(self.done()), file=self.out, flush=True)
