"""One real build of the plan models for the whole module.

A copy of the dbt project (models, macros, seeds, tests) in a temporary folder, so test-only indicators can
be added to the indicator seed without touching the repository; the edge-case targets and values of
edge_cases.py are loaded into the test warehouse's registry (raw.plan_*_upload) through the real template
loader, as the Dagster asset loads staff uploads. The simulator writes
eldercare bed reports (at the real size of 延安: some 1,600 facilities a month, still quick) for 12 of its
13 counties (黄陵县 sends nothing) for December 2020 (the base month) and June 2024, the real ingestion
loads them, and dbt builds every seed and model (`dbt build` without tests: the other models' tests are
tests/dbt's business), then runs the tests of the plan seeds and models — in its own process, as Dagster
runs it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.ingestion.pipeline import load_partition
from dagster_project.ingestion.pseudonymise import Pseudonymiser
from dagster_project.ingestion.region import region_lookup
from dagster_project.ingestion.spec import SOURCES
from dagster_project.ingestion.warehouse import ensure_schema
from dagster_project.settings import DBT_PROJECT_DIR
from dagster_project.targets import load_target_template
from minzheng_simulator import SimulationConfig, simulate

from .edge_cases import EXTRA_INDICATORS, write_edge_case_templates

DBT = Path(sys.executable).with_name("dbt")
YANAN = "610600"
SILENT_COUNTY = "610632"  # 黄陵县 sends no file
YANAN_COUNTIES = (
    "610602",
    "610603",
    "610621",
    "610622",
    "610625",
    "610626",
    "610627",
    "610628",
    "610629",
    "610630",
    "610631",
    "610632",
    "610681",
)
MONTHS = ("2020-12", "2024-06")
PLAN_SELECTION = (
    "ref_plan_document ref_plan_indicator ref_plan_target ref_plan_target_breakdown ref_plan_reported_value "
    "stg_plan__targets stg_plan__reported_values stg_plan__documents int_plan__targets_resolved "
    "fct_eldercare_subdistrict_coverage path:models/marts/plan"
)


@dataclass
class PlanWarehouse:
    root: Path
    project: Path
    db: Path
    timings: dict[str, float] = field(default_factory=dict)

    def dbt(self, *args: str) -> subprocess.CompletedProcess[str]:
        cli = [str(DBT), *args, "--project-dir", str(self.project), "--profiles-dir", str(self.project)]
        env = {
            **os.environ,
            "MINZHENG_WAREHOUSE_PATH": str(self.db),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        return subprocess.run(cli, env=env, capture_output=True, text=True, timeout=900)

    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(sql, params or []).df()

    def progress(self, region: str, indicator: str, period: str) -> dict:
        rows = self.df(
            "select * from marts.mart_plan_progress where region_code = ? and indicator_code = ? and period = ?",
            [region, indicator, dt.date.fromisoformat(period)],
        )
        assert len(rows) == 1, f"{region} {indicator} {period}: {len(rows)} rows"
        return rows.iloc[0].to_dict()


def copy_project(dest: Path) -> Path:
    shutil.copytree(
        DBT_PROJECT_DIR,
        dest,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "*.duckdb", ".user.yml"),
    )
    return dest


def ok(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, (
        f"{' '.join(proc.args[:2])} failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-2000:]}"
    )


@pytest.fixture(scope="session")
def plan_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlanWarehouse]:
    root = tmp_path_factory.mktemp("plan_targets")
    wh = PlanWarehouse(root, copy_project(root / "dbt"), root / "warehouse.duckdb")
    seeds = wh.project / "seeds"

    start = time.perf_counter()
    with (seeds / "ref_plan_indicator.csv").open("a", encoding="utf-8", newline="") as fh:
        fh.write(EXTRA_INDICATORS)
    with duckdb.connect(str(wh.db)) as con:  # the warehouse registry, as the Dagster asset loads it
        for template in write_edge_case_templates(root / "templates"):
            load_target_template(template, con=con, seeds_dir=seeds, loaded_by="tests")
    wh.timings["fixture templates"] = time.perf_counter() - start

    start = time.perf_counter()
    landing = root / "landing"
    counties = tuple(c for c in YANAN_COUNTIES if c != SILENT_COUNTY)
    simulate(
        SimulationConfig(
            out=landing,
            months=list(MONTHS),
            scale=1.0,
            dirty_rate=0.0,
            seed=5,
            corrections=0,
            sources=("eldercare",),
            counties=counties,
            workers=1,
        )
    )
    with duckdb.connect(str(wh.db)) as con:
        ensure_schema(con)
        for m in MONTHS:
            load_partition(
                con,
                SOURCES["eldercare"],
                dt.date.fromisoformat(m + "-01"),
                landing,
                region_lookup(),
                Pseudonymiser(b"plan-targets-test-key-0123456789"),
                raise_on_failure=True,
            )
    wh.timings["simulate + ingest"] = time.perf_counter() - start

    for step, args in (
        ("dbt build (seeds, models)", ("build", "--exclude-resource-type", "test")),
        ("dbt test (plan)", ("test", "--select", *PLAN_SELECTION.split())),
    ):
        start = time.perf_counter()
        ok(wh.dbt(*args))
        wh.timings[step] = time.perf_counter() - start
    (root / "timings.json").write_text(json.dumps(wh.timings, indent=2))
    print("plan_warehouse timings:", json.dumps(wh.timings))
    yield wh
