"""The declarative automation chain, end to end on a real Dagster instance: after real raw loads (the
project's jobs on real export files), evaluating the project's automation conditions requests the raw
quality checks, the dbt models downstream of what changed and the serving file; nothing when nothing
changed; and nothing below a raw asset whose blocking (ERROR) check failed, until a corrected export
passes.

The instance starts from a real warehouse build (the build_warehouse job: dbt, its tests, the quality
checks, publish), so the dbt models and their dbt-test checks have real results, as after `make demo`.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from dagster import AssetSelection, DagsterInstance, Definitions, evaluate_automation_conditions, materialize

from dagster_project.assets.checks import raw_quality_checks
from dagster_project.assets.raw import raw_assets
from dagster_project.automation.requests import lottery_month_tags, month_range_tags
from dagster_project.definitions import defs
from dagster_project.jobs import lottery_job, raw_monthly_job, warehouse_job
from dagster_project.resources import (
    LandingResource,
    PseudonymiserResource,
    ServingResource,
    WarehouseResource,
)
from tests.quality.exports import COUNTIES, Month, eldercare, write_month

pytestmark = pytest.mark.slow

MAY, JUNE, JULY = dt.date(2024, 5, 1), dt.date(2024, 6, 1), dt.date(2024, 7, 1)
SOURCES = (
    "assistance_roster",
    "eldercare_institutions",
    "volunteer_roster",
    "volunteer_service",
    "lottery_sales",
)
SERVING = "serving/minzheng_duckdb"


class Chain:
    """The project's Definitions (assets, checks, jobs, automation conditions) on test resources."""

    def __init__(self, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        warehouse = tmp / "warehouse.duckdb"
        monkeypatch.setenv("MINZHENG_HMAC_KEY", "automation-chain-key-0123456789")
        monkeypatch.setenv("MINZHENG_DATA_DIR", str(tmp))  # quality reports and data docs
        monkeypatch.setenv("MINZHENG_WAREHOUSE_PATH", str(warehouse))  # dbt's profile reads it
        self.landing = tmp / "landing"
        self.resources = {
            "warehouse": WarehouseResource(path=str(warehouse)),
            "landing": LandingResource(path=str(self.landing)),
            "serving": ServingResource(path=str(tmp / "serving.duckdb")),
            "pseudonymiser": PseudonymiserResource(key_file=str(tmp / "unused.key")),
        }
        self.defs = Definitions(
            assets=defs.assets,
            asset_checks=defs.asset_checks,
            jobs=defs.jobs,
            schedules=defs.schedules,
            sensors=defs.sensors,
            resources={**defs.resources, **self.resources},
        )
        self.instance = DagsterInstance.ephemeral()
        self.cursor = None

    def load(self, month: dt.date) -> None:
        """The month's raw runs, through the project's two raw jobs."""
        for job, tags in (
            (raw_monthly_job, month_range_tags(month, month, list(COUNTIES))),
            (lottery_job, lottery_month_tags(month, counties=list(COUNTIES))),
        ):
            result = self.defs.resolve_job_def(job.name).execute_in_process(instance=self.instance, tags=tags)
            assert result.success

    def run_raw_checks(self) -> dict[str, bool]:
        result = materialize(
            [*raw_assets, raw_quality_checks],
            selection=AssetSelection.checks_for_assets(*[a.key for a in raw_assets]),
            instance=self.instance,
            resources=self.resources,
            raise_on_error=False,
        )
        return {
            f"{e.asset_key.path[1]}:{e.check_name}": e.passed for e in result.get_asset_check_evaluations()
        }

    def tick(self) -> set[str]:
        """One evaluation of every automation condition, as the daemon's tick; the requested keys."""
        result = evaluate_automation_conditions(defs=self.defs, instance=self.instance, cursor=self.cursor)
        self.cursor = result.cursor
        return {r.key.to_user_string() for r in result.results if r.true_subset.size}


def _models(requested: set[str]) -> set[str]:
    return {k for k in requested if ":" not in k and not k.startswith(("raw/", "serving/"))}


def _raw_checks(requested: set[str], source: str) -> set[str]:
    return {k for k in requested if k.startswith(f"raw/{source}:")}


def test_raw_loads_drive_checks_models_and_publish(tmp_path: Path, monkeypatch) -> None:
    chain = Chain(tmp_path, monkeypatch)
    write_month(chain.landing, Month(MAY))
    chain.load(MAY)
    built = chain.defs.resolve_job_def(warehouse_job.name).execute_in_process(
        instance=chain.instance, raise_on_error=False
    )
    assert built.success, [e for e in built.get_asset_check_evaluations() if not e.passed and e.blocking]
    assert chain.tick() == set(), "everything was just built: nothing to request"
    assert chain.tick() == set()

    # a new month lands: the checks of every raw asset, the models downstream and the publish step
    write_month(chain.landing, Month(JUNE))
    chain.load(JUNE)
    requested = chain.tick()
    for source in SOURCES:
        assert _raw_checks(requested, source), source
        assert f"staging/stg_jinmin__{source}" in requested
    assert {"marts/mart_assistance_county_month", "marts/mart_lottery_county_month"} <= requested
    assert "marts/mart_overview_county_month" in requested
    assert SERVING in requested
    assert chain.tick() == set(), "requested once: not again while nothing changes"
    # the daemon runs what it requested (here only the raw checks: a check left without a result on its
    # asset's latest materialization is requested again, see automation/conditions.NOT_EVALUATED)
    chain.run_raw_checks()
    assert not {k for k in chain.tick() if k.startswith("raw/")}

    # one lottery day rerun (宝塔区, 15 June): only what reads the lottery follows
    rerun = chain.defs.resolve_job_def(lottery_job.name).execute_in_process(
        instance=chain.instance, partition_key="610602|2024-06-15"
    )
    assert rerun.success
    requested = chain.tick()
    assert "staging/stg_jinmin__lottery_sales" in requested and _raw_checks(requested, "lottery_sales")
    assert "staging/stg_jinmin__assistance_roster" not in requested
    assert not _raw_checks(requested, "assistance_roster")


def test_failed_blocking_check_holds_back_the_models_below_it(tmp_path: Path, monkeypatch) -> None:
    chain = Chain(tmp_path, monkeypatch)
    write_month(chain.landing, Month(MAY))
    chain.load(MAY)
    built = chain.defs.resolve_job_def(warehouse_job.name).execute_in_process(
        instance=chain.instance, raise_on_error=False
    )
    assert built.success
    chain.tick()

    # July: 安塞区 reports more nursing beds than beds (an ERROR check); the checks run before the tick
    write_month(chain.landing, Month(JULY, dirt={"nursing_over_beds"}))
    chain.load(JULY)
    checks = chain.run_raw_checks()
    assert checks["eldercare_institutions:nursing_beds_within_beds"] is False
    requested = chain.tick()
    eldercare_models = {k for k in _models(requested) if "eldercare" in k}
    assert eldercare_models == set(), eldercare_models  # held back: the marts keep the last good month
    assert "staging/stg_jinmin__lottery_sales" in requested  # the other sources go on
    assert not _raw_checks(requested, "eldercare_institutions")  # already evaluated on this data
    assert "staging/stg_jinmin__eldercare_institutions" not in chain.tick()

    # the clerk drops the corrected export; once its checks pass, the eldercare models follow
    fixed = tmp_path / "fixed"
    eldercare(fixed, Month(JULY))
    shutil.copy(
        fixed / "eldercare/2024-07/610603_安塞区.csv",
        chain.landing / "eldercare/2024-07/610603_安塞区_更正1.csv",
    )
    chain.load(JULY)
    assert chain.run_raw_checks()["eldercare_institutions:nursing_beds_within_beds"] is True
    requested = chain.tick()
    assert "staging/stg_jinmin__eldercare_institutions" in requested
    assert "marts/mart_eldercare_county_month" in requested
