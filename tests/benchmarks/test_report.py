"""The benchmark report's targets table says when a build or check of the run failed: a time measured
on a failed dbt build (which stops early, skipping its downstream nodes) is no result."""

from __future__ import annotations

from benchmarks.profiles import Scenario
from benchmarks.report import targets
from benchmarks.runner import Row, ScenarioResult

SCENARIO = Scenario("province-year", 10, ("2024-01",), "2024-02", ("assistance",), "test")


def _result(*rows: Row) -> ScenarioResult:
    return ScenarioResult(SCENARIO, list(rows))


def _row(stage: str, note: str = "ok", variant: str = "ours") -> Row:
    return Row("province", "province-year", 10, stage, variant=variant, seconds=20.0, note=note)


def test_a_failed_dbt_build_is_a_missed_target() -> None:
    ok = targets([_result(_row("dbt build (full)", "build --full-refresh ; ok; start-up + parse 4s"))])
    assert "| every build, check and run in this benchmark succeeded | all succeeded | yes |" in ok

    failed = targets(
        [
            _result(
                _row("dbt build (full)", "ok"),
                _row("dbt build (2025-01..2025-03, up to 23 loaded)", "window; FAILED: Done. ERROR=2"),
                _row("dbt build (full) on Spark", "Thrift server did not start", variant="failed"),
            )
        ]
    )
    line = next(x for x in failed if "every build, check and run" in x)
    assert line.endswith("| no |")
    assert "province-year: dbt build (2025-01..2025-03, up to 23 loaded)" in line
    assert "province-year: dbt build (full) on Spark" in line
    assert "province-year: dbt build (full);" not in line
