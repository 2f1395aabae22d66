"""The dbt project on real data: the simulator writes Jinmin exports for a few counties and months, the
real ingestion loads them into raw.*, and dbt builds the warehouse. dbt runs as its own process, as
Dagster runs it (and so that no DuckDB handle outlives the run), with target and log folders under the
test's temporary directory so the repository's manifest is untouched.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.ingestion.pipeline import load_partition
from dagster_project.ingestion.pseudonymise import Pseudonymiser
from dagster_project.ingestion.region import region_lookup
from dagster_project.ingestion.spec import SOURCES
from dagster_project.settings import DBT_PROJECT_DIR
from minzheng_simulator import SimulationConfig, simulate

# Two urban districts, the smallest county, the renamed 子长市, 吴起县: the other 8 counties of 延安市 send
# nothing, so the marts must show them as not reported (NULL, not 0). 2023-06 gives a year-on-year base,
# 2024-05 -> 2024-06 gives entries and exits.
COUNTIES = ("610602", "610603", "610631", "610681", "610626")
MONTHS = ("2023-06", "2024-05", "2024-06")
SCALE = 0.02
HMAC_KEY = b"dbt-tests-pseudonymisation-key-01"


def month(text: str) -> dt.date:
    return dt.date.fromisoformat(text + "-01")


@dataclass
class Warehouse:
    root: Path
    landing: Path
    db: Path

    def dbt(self, *args: str, vars: dict[str, str] | None = None) -> DbtRun:
        """Run a dbt command against this warehouse file (MINZHENG_WAREHOUSE_PATH, as Dagster sets it)."""
        cli = [
            str(DBT),
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(self.root / "target"),
            "--log-path",
            str(self.root / "logs"),
        ]
        if vars:
            cli += ["--vars", json.dumps(vars)]
        env = {
            **os.environ,
            "MINZHENG_WAREHOUSE_PATH": str(self.db),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        proc = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=900)
        return DbtRun(
            cli, proc.returncode, proc.stdout + proc.stderr, self.root / "target" / "run_results.json"
        )

    def ingest(
        self, months: Iterable[str], counties: set[str] | None = None, sources: Iterable[str] | None = None
    ) -> None:
        with duckdb.connect(str(self.db)) as con:
            for m in months:
                for spec in (SOURCES[s] for s in (sources or SOURCES)):
                    load_partition(
                        con,
                        spec,
                        month(m),
                        self.landing,
                        region_lookup(),
                        Pseudonymiser(HMAC_KEY),
                        counties=counties,
                        raise_on_failure=False,
                    )

    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(sql, params or []).df()

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def copy(self, root: Path) -> Warehouse:
        """An independent copy (landing folder and DuckDB file) for tests that change data."""
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.landing, root / "landing")
        shutil.copy2(self.db, root / self.db.name)
        return Warehouse(root, root / "landing", root / self.db.name)


DBT = Path(sys.executable).with_name("dbt")


@dataclass(frozen=True)
class DbtRun:
    cli: list[str]
    returncode: int
    output: str
    run_results: Path

    def statuses(self) -> dict[str, str]:
        """node name -> status (success, pass, fail, error, warn, skipped) from run_results.json."""
        results = json.loads(self.run_results.read_text())["results"]
        return {r["unique_id"].split(".")[2]: r["status"] for r in results}

    def elapsed(self) -> float:
        return float(json.loads(self.run_results.read_text())["elapsed_time"])


def assert_ok(run: DbtRun) -> None:
    assert run.returncode == 0, f"{' '.join(run.cli[:2])} failed:\n{run.output[-4000:]}"


def write_landing(
    landing: Path, seed: int, months: Iterable[str], counties: Iterable[str], corrections: int
) -> None:
    simulate(
        SimulationConfig(
            out=landing,
            months=list(months),
            scale=SCALE,
            dirty_rate=0.01,
            seed=seed,
            corrections=corrections,
            counties=tuple(counties),
            workers=1,
        )
    )


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """Simulated exports -> real ingestion -> `dbt build` (seeds, models and every dbt test)."""
    root = tmp_path_factory.mktemp("dbt_warehouse")
    wh = Warehouse(root, root / "landing", root / "minzheng.duckdb")
    write_landing(wh.landing, seed=11, months=MONTHS, counties=COUNTIES, corrections=1)
    wh.ingest(MONTHS)
    assert_ok(wh.dbt("build"))
    yield wh
