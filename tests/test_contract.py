"""The export contract (ingestion/spec.py) drives partitions, jobs, the simulator and the raw quality
suites; the "<county>|<date>" partition key is read in one place (partitions.parse_key)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dagster_project.assets.raw import raw_assets
from dagster_project.ingestion.spec import SOURCES, Cadence
from dagster_project.jobs import DAILY_SOURCES, MONTHLY_SOURCES, raw_job_for
from dagster_project.partitions import day_county, group_by_month, month_county, parse_key
from dagster_project.quality.suites import SuiteError, load_suite, load_suites
from minzheng_simulator.contract import CONTRACTS


def test_cadence_decides_partitions_and_job() -> None:
    assert set(DAILY_SOURCES) | set(MONTHLY_SOURCES) == set(SOURCES)
    assert SOURCES["lottery"].cadence is Cadence.DAILY
    by_table = {a.key.path[-1]: a for a in raw_assets}
    for name, spec in SOURCES.items():
        expected = day_county if spec.cadence is Cadence.DAILY else month_county
        assert by_table[spec.table].partitions_def == expected, name
        assert raw_job_for(name).name == ("load_lottery_sales" if spec.daily else "load_jinmin_exports")


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        ("610602|2024-06-01", ("610602", dt.date(2024, 6, 1))),
        ("610603|2024-06-15", ("610603", dt.date(2024, 6, 15))),
        ("2024-06-01", (None, dt.date(2024, 6, 1))),
    ],
)
def test_parse_key(key: str, parsed: tuple) -> None:
    assert parse_key(key) == parsed


@pytest.mark.parametrize("key", ["2024-06-01|610602", "610602|2024-13-01", "6106|2024-06-01", "a|b|c", ""])
def test_parse_key_refuses_other_text(key: str) -> None:
    with pytest.raises(ValueError):
        parse_key(key)


def test_group_by_month_needs_a_county() -> None:
    assert group_by_month(["610602|2024-06-03", "610603|2024-06-30"]) == {
        dt.date(2024, 6, 1): {"610602", "610603"}
    }
    with pytest.raises(ValueError):
        group_by_month(["2024-06-01"])


def test_simulator_writes_the_contract_headers() -> None:
    for name, spec in SOURCES.items():
        contract = CONTRACTS[name]
        assert contract.headers == tuple(c.header for c in spec.columns)
        assert set(contract.personal) == {c.header for c in spec.columns if c.personal}
        assert set(contract.required) == {c.header for c in spec.columns if c.required}


def test_raw_suites_agree_with_the_contract(tmp_path: Path) -> None:
    tables = {s.table for s in load_suites(layer="raw")}
    assert tables == {f"raw.{spec.table}" for spec in SOURCES.values()}
    suite = tmp_path / "raw" / "x.yml"
    suite.parent.mkdir()
    suite.write_text(
        "name: raw_x\nlayer: raw\nsource: lottery\ntable: raw.assistance_roster\nquery: SELECT 1\n",
        encoding="utf-8",
    )
    with pytest.raises(SuiteError, match="disagrees with the lottery contract"):
        load_suite(suite, {})
    suite.write_text("name: raw_x\nlayer: raw\nsource: lottery\nquery: SELECT 1\n", encoding="utf-8")
    loaded = load_suite(suite, {})
    assert (loaded.table, loaded.title_zh) == ("raw.lottery_sales", SOURCES["lottery"].title_zh)
