"""Progress lines for long terminal runs (`make demo`, `make pipeline`): one line per unit of work with
rows/s and an ETA, and a periodic line while one long Dagster run (the warehouse build) is going.

The full logs go elsewhere (the Dagster event log, the demo's log file); the terminal gets only these.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
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


# What counts as one finished piece of a run: an asset materialized, a check evaluated.
_DONE_EVENTS = {
    DagsterEventType.ASSET_MATERIALIZATION,
    DagsterEventType.ASSET_CHECK_EVALUATION,
}


def phase_of(key_path: Sequence[str]) -> str:
    """The phase of the warehouse build an asset (or a check on it) belongs to, by its key's prefix."""
    head = key_path[0] if key_path else ""
    if head == "raw":
        return "raw checks"
    if head in ("serving", "plan"):
        return "publish"
    return "dbt"


PHASES = ("raw checks", "dbt", "publish")


class RunWatcher:
    """While a run executes in this process, print every `every` seconds how many of its assets and
    checks are done per phase (raw checks, dbt, publish), read from the instance's event log (the same
    events the UI shows). The ETA comes from the last successful run of the same job, when there is one:
    the phases differ too much in cost for a count to predict the time."""

    def __init__(
        self,
        instance: DagsterInstance,
        run_id: str,
        totals: dict[str, int],
        label: str,
        expected_seconds: float | None = None,
        every: float = 15.0,
        out: TextIO | None = None,
    ) -> None:
        self.instance = instance
        self.run_id = run_id
        self.totals = totals
        self.label = label
        self.expected = expected_seconds
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

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._start

    def done(self) -> dict[str, int]:
        counts = dict.fromkeys(self.totals, 0)
        try:
            records = self.instance.all_logs(self.run_id, of_type=_DONE_EVENTS)
        except Exception:  # noqa: BLE001 - the run is not stored yet; progress is best effort
            return counts
        for record in records:
            event = record.dagster_event
            key = event.asset_key if event is not None else None
            if (
                key is None
                and event is not None
                and event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
            ):
                key = event.event_specific_data.asset_key
            if key is not None:
                phase = phase_of(key.path)
                counts[phase] = counts.get(phase, 0) + 1
        return counts

    def line(self, done: dict[str, int], status: str | None = None) -> str:
        """The progress line; with `status` (the run has ended), the final line without an ETA."""
        elapsed = self.elapsed
        parts = ", ".join(f"{p} {done.get(p, 0)}/{n}" for p, n in self.totals.items() if n)
        if status is not None:
            return f"  {self.label}: {status}; {parts}; {duration(elapsed)}"
        eta = ""
        if self.expected:
            left = self.expected - elapsed
            eta = (
                f", ETA {duration(left)} (as long as the last build)"
                if left > 0
                else ", longer than the last build"
            )
        return f"  {self.label}: {parts}; {duration(elapsed)}{eta}"

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            print(self.line(self.done()), file=self.out, flush=True)
