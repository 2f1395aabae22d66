"""The harness's CPU time of a stage's process tree (benchmarks/measure.py): a process that keeps itself and
a child of its own busy for a known CPU time, inside a window it reports, is measured at that CPU time
over that window, the child's included and the idle time before and after the window left out."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from benchmarks.measure import TreeRssSampler

BUSY = 0.6  # CPU seconds each of the two processes spends inside the window

STAGE = textwrap.dedent(
    f"""
    import json, multiprocessing, time

    def spin(seconds):
        end = time.process_time() + seconds
        while time.process_time() < end:
            pass

    if __name__ == "__main__":
        time.sleep(0.5)  # idle before the window: start-up, imports
        started = time.perf_counter()
        child = multiprocessing.get_context("fork").Process(target=spin, args=({BUSY},))
        child.start()
        spin({BUSY})
        child.join()
        seconds = time.perf_counter() - started
        spin(0.5)  # busy after the window: not the stage's work
        print(json.dumps({{"started": started, "seconds": seconds}}))
    """
)


def test_cpu_time_of_the_tree_over_the_stage_window() -> None:
    proc = subprocess.Popen([sys.executable, "-c", STAGE], stdout=subprocess.PIPE, text=True)
    sampler = TreeRssSampler(proc.pid)
    sampler.start()
    out, _ = proc.communicate(timeout=120)
    sampler.stop()
    window = json.loads(out)

    cpu = sampler.cpu_between(window["started"], window["started"] + window["seconds"])
    # Two processes busy BUSY seconds each (the child forked, so no interpreter start-up in it);
    # what a process spends after the last sample before it exits (under SAMPLE_SECONDS) is not seen.
    assert cpu is not None and 2 * BUSY - 0.15 <= cpu <= 2 * BUSY + 0.3, cpu
    assert sampler.peak > 5 * 2**20
    # Outside the window's span the measure is refused rather than guessed.
    assert sampler.cpu_between(window["started"] - 3600, window["started"]) is None
