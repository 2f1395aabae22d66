"""Run one benchmark stage in its own process and measure it: wall time, peak RSS and CPU time of the
process tree.

The stage itself (benchmarks/stage.py in the child) times its own work with perf_counter and writes a JSON
result; this side samples the RSS of the child and all its descendants (dbt, the simulator's and the
ingest's worker processes) every SAMPLE_SECONDS and also takes the child's own ru_maxrss, so short peaks
between two samples are not lost for the child itself.

CPU time: the same samples add up the user + system time of every process of the tree (each process
counted once, at the last value seen, so a process that ended still counts). A stage that reports when its
timed work started (`started`, a perf_counter value: CLOCK_MONOTONIC, the same clock in every process)
gets the tree's CPU time over exactly that window, imports and start-up left out as in its `seconds`. What
a process spends after the last sample before it exits (under SAMPLE_SECONDS) is not counted.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

SAMPLE_SECONDS = 0.05
REPO_ROOT = Path(__file__).resolve().parent.parent


class StageFailed(RuntimeError):
    pass


@dataclass
class StageRun:
    stage: str
    result: dict[str, Any]
    wall_seconds: float  # the subprocess, start-up and imports included
    peak_rss_mb: (
        float  # peak RSS of the process tree (sampled) or of the child (ru_maxrss), whichever is larger
    )
    load_before: float
    load_after: float
    log: Path
    cpu_seconds: float | None = None  # user + system of the tree over the stage's timed work, if it says when
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """The stage's own timing of its work (imports and start-up excluded)."""
        return float(self.result.get("seconds", self.wall_seconds))


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return []


class TreeRssSampler(threading.Thread):
    """Peak RSS and the CPU time of a process and all its descendants, sampled every SAMPLE_SECONDS until
    stop()."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.peak = 0
        self.cpu: list[tuple[float, float]] = []  # (perf_counter, CPU seconds of the tree so far)
        self._cpu_by_process: dict[tuple[int, float], float] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self._sample()
            self._stop_event.wait(SAMPLE_SECONDS)
        self._sample()

    def _sample(self) -> None:
        rss = 0
        for p in _tree(self.proc):
            with contextlib.suppress(psutil.Error):
                rss += p.memory_info().rss
                times = p.cpu_times()  # the process's own; children_* would count a reaped child twice
                self._cpu_by_process[(p.pid, p.create_time())] = times.user + times.system
        self.peak = max(self.peak, rss)
        self.cpu.append((time.perf_counter(), sum(self._cpu_by_process.values())))

    def cpu_between(self, start: float, end: float) -> float | None:
        """CPU seconds the tree used between two perf_counter instants (linear between samples)."""
        if len(self.cpu) < 2 or not self.cpu[0][0] <= start <= end <= self.cpu[-1][0] + SAMPLE_SECONDS:
            return None
        return max(0.0, self._cpu_at(end) - self._cpu_at(start))

    def _cpu_at(self, t: float) -> float:
        for (t0, c0), (t1, c1) in itertools.pairwise(self.cpu):
            if t0 <= t <= t1:
                return c0 + (c1 - c0) * (t - t0) / (t1 - t0) if t1 > t0 else c1
        return self.cpu[-1][1]

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_stage(
    stage: str,
    args: dict[str, Any],
    workdir: Path,
    label: str,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    code: Path | None = None,
) -> StageRun:
    """Run benchmarks.stage `stage` with `args` in a fresh Python process; raise StageFailed on error.
    `code`: a folder holding another version of dagster_project (e.g. an older commit) to import instead."""
    stage_dir = workdir / "_stages"
    stage_dir.mkdir(parents=True, exist_ok=True)
    stem = stage_dir / label
    args_path, out_path, log_path = (
        stem.with_suffix(".args.json"),
        stem.with_suffix(".out.json"),
        stem.with_suffix(".log"),
    )
    args_path.write_text(json.dumps(args, ensure_ascii=False, default=str), "utf-8")
    out_path.unlink(missing_ok=True)
    child_env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
    cwd = REPO_ROOT
    if code is not None:  # run outside the repo so its dagster_project is not first on sys.path
        child_env["PYTHONPATH"] = os.pathsep.join([str(code), str(REPO_ROOT)])
        cwd = code
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.stage", stage, str(args_path), str(out_path)],
            cwd=cwd,
            env=child_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        sampler = TreeRssSampler(proc.pid)
        sampler.start()
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise StageFailed(f"{label}: timed out after {timeout}s (log: {log_path})") from None
        finally:
            sampler.stop()
    wall = time.perf_counter() - started
    if returncode != 0 or not out_path.exists():
        tail = log_path.read_text("utf-8", "replace")[-3000:]
        raise StageFailed(f"{label}: stage {stage} exited with {returncode}; log {log_path}:\n{tail}")
    result = json.loads(out_path.read_text("utf-8"))
    child_peak = max(int(result.get("_maxrss_kb", 0)), int(result.get("_children_maxrss_kb", 0))) * 1024
    cpu = None
    if isinstance(result.get("started"), int | float) and isinstance(result.get("seconds"), int | float):
        cpu = sampler.cpu_between(result["started"], result["started"] + result["seconds"])
    return StageRun(
        stage=stage,
        result=result,
        wall_seconds=wall,
        peak_rss_mb=max(sampler.peak, child_peak) / 2**20,
        load_before=load_before,
        load_after=os.getloadavg()[0],
        log=log_path,
        cpu_seconds=cpu,
    )
