"""The progress lines of `make demo` / orchestrate: counts, rows/s and the ETA at the pace so far."""

from __future__ import annotations

import io

from dagster_project.orchestrate import chunks, month_keys
from dagster_project.progress import Progress, duration


def test_eta_is_the_average_pace_times_what_is_left() -> None:
    now = [100.0]
    out = io.StringIO()
    p = Progress(4, out=out, clock=lambda: now[0])
    assert p.eta() is None
    now[0] = 110.0
    p.step("load 2024-01", 50_000)
    now[0] = 130.0
    p.step("load 2024-02", 70_000)
    assert p.eta() == 30.0  # 30 s for 2 of 4: 15 s each, 2 left
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("  [1/4] load 2024-01  ok") and "50,000 rows" in lines[0]
    assert "5,000 rows/s" in lines[0] and "ETA 30 s" in lines[0]
    assert "4,000 rows/s" in lines[1] and "ETA 30 s" in lines[1]  # 120,000 rows in 30 s
    now[0] = 150.0
    p.step("load 2024-03", 0, "FAILED")
    p.step("load 2024-04", 10)
    assert "FAILED" in out.getvalue().splitlines()[2]
    assert out.getvalue().splitlines()[3].endswith("done")


def test_duration_reads_as_a_person_would() -> None:
    assert duration(8.4) == "8 s"
    assert duration(125) == "2 min 05 s"
    assert duration(3 * 3600 + 180) == "3 h 03 min"


def test_months_are_grouped_into_runs() -> None:
    keys = month_keys("2024-11", "2025-04")
    assert keys[0] == "2024-11-01" and keys[-1] == "2025-04-01" and len(keys) == 6
    assert [len(c) for c in chunks(keys, 4)] == [4, 2]
    assert chunks(keys, 0) == [[k] for k in keys]


def test_warehouse_phases_follow_the_asset_keys() -> None:
    from dagster_project.progress import phase_of

    assert phase_of(["raw", "assistance_roster"]) == "raw checks"
    assert phase_of(["serving", "minzheng_duckdb"]) == "publish"
    assert phase_of(["plan", "warning_brief"]) == "publish"
    assert phase_of(["marts", "mart_plan_progress"]) == "dbt"
