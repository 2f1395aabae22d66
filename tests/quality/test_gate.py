"""ERROR checks gate publishing, in real Dagster runs on a real warehouse file.

The flow is the demo's: raw runs load a month (the monthly sources' month x county partitions, and the
lottery's day x county partitions of that month), then a warehouse run builds what is downstream. The warehouse run selects the raw checks too (the selection
`AssetSelection.all() - RAW.without_checks()`): they evaluate the loaded months (reusing results for
unchanged data) and, being blocking, stop the models and the publish step when an ERROR check fails,
so the serving file keeps the last good data. WARN checks show up but do not stop anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, AssetSelection, DagsterInstance, asset, materialize

from dagster_project.assets.checks import build_quality_checks
from dagster_project.assets.raw import raw_assets
from dagster_project.automation.requests import lottery_month_tags, month_range_tags
from dagster_project.jobs import LOTTERY_RAW, MONTHLY_RAW
from dagster_project.quality.paths import QualityPaths
from dagster_project.quality.suites import load_suites
from dagster_project.resources import (
    LandingResource,
    PseudonymiserResource,
    ServingResource,
    WarehouseResource,
)
from dagster_project.serving.publish import publish

from .conftest import JUNE, MAY
from .exports import COUNTIES, REGION, Month, eldercare, write_month

RAW = AssetSelection.key_prefixes(["raw"])
WAREHOUSE = AssetSelection.all() - RAW.without_checks()
STANDIN = AssetKey(["marts", "standin_eldercare_county_month"])


@asset(key=STANDIN, deps=[a.key for a in raw_assets])
def standin_mart(warehouse: WarehouseResource) -> None:
    """Stand-in for the dbt models (test_pipeline_gate.py runs the real ones): a county-month mart."""
    with warehouse.connect() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            "CREATE OR REPLACE TABLE marts.standin_eldercare_county_month AS "
            "SELECT county_code, period, sum(beds_total) AS beds, sum(nursing_beds) AS nursing_beds "
            "FROM raw.eldercare_institutions GROUP BY ALL ORDER BY ALL"
        )


@asset(key=["serving", "minzheng_duckdb"], deps=[standin_mart])
def serving_file(warehouse: WarehouseResource, serving: ServingResource) -> None:
    with warehouse.connect() as con:
        publish(con, serving.file)


@dataclass
class Loaded:
    results: list

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)


class Pipeline:
    def __init__(self, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("MINZHENG_HMAC_KEY", "gate-test-key-0123456789")
        self.tmp = tmp
        self.landing = tmp / "landing"
        self.serving = tmp / "serving.duckdb"
        self.resources = {
            "warehouse": WarehouseResource(path=str(tmp / "warehouse.duckdb")),
            "landing": LandingResource(path=str(self.landing)),
            "serving": ServingResource(path=str(self.serving)),
            "pseudonymiser": PseudonymiserResource(key_file=str(tmp / "unused.key")),
        }
        checks = build_quality_checks(
            load_suites(layer="raw"),
            "raw_quality_suites",
            "test",
            region=lambda: REGION,
            paths=lambda: QualityPaths(tmp),
        )
        self.assets = [*raw_assets, checks, standin_mart, serving_file]
        self.instance = DagsterInstance.ephemeral()

    def load(self, month: dt.date) -> Loaded:
        """The month's two raw runs, as the demo runner launches them (one job per partitions definition)."""
        runs = [
            (MONTHLY_RAW, month_range_tags(month, month, list(COUNTIES))),
            (LOTTERY_RAW, lottery_month_tags(month, counties=list(COUNTIES))),
        ]
        return Loaded(
            [
                materialize(
                    self.assets,
                    selection=selection,
                    instance=self.instance,
                    resources=self.resources,
                    tags=tags,
                    raise_on_error=False,
                )
                for selection, tags in runs
            ]
        )

    def build(self):
        return materialize(
            self.assets,
            selection=WAREHOUSE,
            instance=self.instance,
            resources=self.resources,
            raise_on_error=False,
        )

    def served(self) -> tuple[str, list[tuple]]:
        digest = hashlib.sha256(self.serving.read_bytes()).hexdigest()
        with duckdb.connect(str(self.serving), read_only=True) as con:
            rows = con.execute("SELECT * FROM marts.standin_eldercare_county_month ORDER BY ALL").fetchall()
        return digest, rows


def _evaluations(result) -> dict[str, object]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _ran(result) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}


def test_error_check_blocks_publish_and_the_last_good_month_stays(tmp_path: Path, monkeypatch) -> None:
    p = Pipeline(tmp_path, monkeypatch)
    write_month(p.landing, Month(MAY))
    write_month(p.landing, Month(JUNE, dirt={"nursing_over_beds"}))

    assert p.load(MAY).success
    first = p.build()
    assert first.success and {"marts__standin_eldercare_county_month", "serving__minzheng_duckdb"} <= _ran(
        first
    )
    good_digest, good_rows = p.served()
    assert {r[1] for r in good_rows} == {MAY}

    assert p.load(JUNE).success  # the load itself is fine: 安塞区 nursing beds > beds passes ingestion
    blocked = p.build()
    assert not blocked.success
    failed = {n: e for n, e in _evaluations(blocked).items() if not e.passed}
    assert set(failed) == {"nursing_beds_within_beds"}
    check = failed["nursing_beds_within_beds"]
    assert check.severity.value == "ERROR" and check.blocking
    assert check.description.startswith("2024年6月 1 行不符合")
    assert "610603_安塞区.csv" in check.metadata["问题行"].value
    assert check.metadata["数据文档（本次检查）"].value.startswith("http://127.0.0.1:")  # report_server
    report_url = check.metadata["质量报告 2024年6月（下载）"].value
    assert report_url.startswith("http://127.0.0.1:") and report_url.endswith(
        "/reports/2024-06/eldercare_%E8%B4%A8%E9%87%8F%E6%8A%A5%E5%91%8A.xlsx"
    )
    assert not ({"marts__standin_eldercare_county_month", "serving__minzheng_duckdb"} & _ran(blocked))
    assert p.served() == (good_digest, good_rows)  # leaders still see May, nothing built on the bad June

    # the clerk fixes the file and drops the corrected re-export; the next build publishes June
    fixed = tmp_path / "fixed"
    eldercare(fixed, Month(JUNE))
    shutil.copy(
        fixed / "eldercare/2024-06/610603_安塞区.csv", p.landing / "eldercare/2024-06/610603_安塞区_更正1.csv"
    )
    assert p.load(JUNE).success
    released = p.build()
    assert released.success and all(e.passed for e in _evaluations(released).values())
    assert {r[1] for r in p.served()[1]} == {MAY, JUNE}


def test_warn_check_shows_but_does_not_block(tmp_path: Path, monkeypatch) -> None:
    p = Pipeline(tmp_path, monkeypatch)
    write_month(p.landing, Month(MAY))
    write_month(p.landing, Month(JUNE, dirt={"sales_outlier"}))
    assert p.load(MAY).success and p.build().success
    assert p.load(JUNE).success
    result = p.build()
    assert result.success
    failed = {n: e for n, e in _evaluations(result).items() if not e.passed}
    assert set(failed) == {"sales_plausible"} and failed["sales_plausible"].severity.value == "WARN"
    assert {r[1] for r in p.served()[1]} == {MAY, JUNE}
    # May's results were reused (unchanged data): only June was evaluated in the second build
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        evaluated = con.execute(
            "SELECT period, count(DISTINCT dagster_run_id) FROM quality.check_results "
            "WHERE suite = 'raw_lottery_sales' GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert evaluated == [(MAY, 1), (JUNE, 1)]
