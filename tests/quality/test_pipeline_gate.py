"""The real pipeline (raw assets, dbt build, quality checks, publish) in real Dagster runs: a month
with an ERROR-level problem leaves the published marts exactly as they were after the last good month."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
from dagster import AssetSelection, DagsterInstance, materialize
from dagster_dbt import DbtCliResource

from dagster_project.automation.requests import lottery_month_tags, month_range_tags
from dagster_project.jobs import LOTTERY_RAW, MONTHLY_RAW
from dagster_project.resources import (
    LandingResource,
    PseudonymiserResource,
    ServingResource,
    WarehouseResource,
    dbt_executable,
)

from .conftest import JUNE, MAY
from .exports import COUNTIES, Month, write_month

pytestmark = pytest.mark.slow

RAW = AssetSelection.key_prefixes(["raw"])
WAREHOUSE = AssetSelection.all() - RAW.without_checks()


def _served(path: Path) -> tuple[str, dict[str, list[tuple]]]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        content = {t: con.execute(f'SELECT * FROM marts."{t}" ORDER BY ALL').fetchall() for t in tables}
    return hashlib.sha256(path.read_bytes()).hexdigest(), content


def test_error_month_keeps_published_marts(tmp_path: Path, monkeypatch) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("MINZHENG_HMAC_KEY", "pipeline-gate-key-0123456789")
    monkeypatch.setenv("MINZHENG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MINZHENG_WAREHOUSE_PATH", str(warehouse))  # dbt's profile reads it
    from dagster_project.assets.checks import quality_checks
    from dagster_project.assets.dbt import dbt_models, dbt_project
    from dagster_project.assets.raw import raw_assets
    from dagster_project.assets.serving import serving_database

    landing = tmp_path / "landing"
    write_month(landing, Month(MAY))
    write_month(landing, Month(JUNE, dirt={"hours_over_24"}))
    serving = tmp_path / "serving.duckdb"
    resources = {
        "warehouse": WarehouseResource(path=str(warehouse)),
        "landing": LandingResource(path=str(landing)),
        "serving": ServingResource(path=str(serving)),
        "pseudonymiser": PseudonymiserResource(key_file=str(tmp_path / "unused.key")),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    }
    assets = [*raw_assets, dbt_models, serving_database, *quality_checks]
    instance = DagsterInstance.ephemeral()

    def load(month) -> bool:
        """The month's two raw runs (monthly sources, lottery days), as the demo runner launches them."""
        runs = [
            (MONTHLY_RAW, month_range_tags(month, month, list(COUNTIES))),
            (LOTTERY_RAW, lottery_month_tags(month, counties=list(COUNTIES))),
        ]
        results = [
            materialize(
                assets, selection=sel, instance=instance, resources=resources, tags=tags, raise_on_error=False
            )
            for sel, tags in runs
        ]
        return all(r.success for r in results)

    def build():
        return materialize(
            assets, selection=WAREHOUSE, instance=instance, resources=resources, raise_on_error=False
        )

    assert load(MAY)
    first = build()
    blocking_failed = [e for e in first.get_asset_check_evaluations() if not e.passed and e.blocking]
    assert first.success, blocking_failed
    ran = {e.step_key for e in first.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert {"raw_quality_suites", "dbt_models", "mart_quality_suites", "serving__minzheng_duckdb"} <= ran
    mart_results = [e for e in first.get_asset_check_evaluations() if e.asset_key.path[0] == "marts"]
    assert any(e.check_name == "spending_reconciles_with_roster" and e.passed for e in mart_results)
    digest, marts = _served(serving)
    with duckdb.connect(str(serving), read_only=True) as con:
        months = con.execute("SELECT DISTINCT month_start FROM marts.mart_assistance_county_month").fetchall()
    assert months == [(MAY,)]  # May was published

    assert load(JUNE)
    blocked = build()
    assert not blocked.success
    failed = {
        (e.asset_key.to_user_string(), e.check_name)
        for e in blocked.get_asset_check_evaluations()
        if not e.passed and e.blocking
    }
    assert failed == {
        ("raw/volunteer_service", "hours_in_range"),
        ("raw/volunteer_service", "daily_hours_within_24"),
    }
    ran = {e.step_key for e in blocked.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert ran == set(), ran  # neither dbt nor the publish step ran
    assert _served(serving) == (digest, marts)
