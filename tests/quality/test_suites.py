"""The suite files: one per raw table, well-formed, every parameter they use is supplied (no GX import)."""

from __future__ import annotations

import datetime as dt

import pytest

from dagster_project.assets.checks import WAREHOUSE_POOL, check_specs, raw_quality_checks
from dagster_project.ingestion.spec import SOURCES
from dagster_project.quality.gx_runner import expectation_parameter_names
from dagster_project.quality.runner import runtime_parameters
from dagster_project.quality.suites import SuiteError, load_suite, load_suites, sql_parameters

from .exports import REGION

RAW_SUITES = load_suites(layer="raw")


def test_one_suite_per_raw_table() -> None:
    by_table = {s.table: s for s in RAW_SUITES}
    assert set(by_table) == {f"raw.{spec.table}" for spec in SOURCES.values()}
    for spec in SOURCES.values():
        suite = by_table[f"raw.{spec.table}"]
        assert suite.asset_key == ("raw", spec.table)
        assert suite.source == spec.source


@pytest.mark.parametrize("suite", RAW_SUITES, ids=lambda s: s.name)
def test_every_parameter_is_supplied(suite) -> None:
    params = runtime_parameters(suite, dt.date(2024, 6, 1), REGION)
    assert expectation_parameter_names(suite) <= params.keys()
    for text in [suite.query, *(c.sql for c in suite.sql_checks)]:
        assert set(sql_parameters(text or "")) <= params.keys()
        assert "{" not in (text or "").replace("{}", ""), "unfilled placeholder"


@pytest.mark.parametrize("suite", RAW_SUITES, ids=lambda s: s.name)
def test_statistician_checks_present(suite) -> None:
    names = {c.name for c in suite.checks}
    # every raw suite reconciles its load, flags collapsing counts and a county missing from the month
    assert {"load_reconciled", "every_county_present", "quarantine_rate_acceptable"} <= names
    assert any(n.endswith("_not_collapsing") for n in names)
    assert suite.check("load_reconciled").severity == "ERROR"
    assert suite.check("every_county_present").severity == "WARN"


def test_named_rules_and_their_severity() -> None:
    sev = {(s.name, c.name): c.severity for s in RAW_SUITES for c in s.checks}
    assert sev[("raw_assistance_roster", "person_key_is_hmac")] == "ERROR"
    assert sev[("raw_assistance_roster", "division_code_known")] == "ERROR"
    assert sev[("raw_assistance_roster", "no_duplicate_recipient_month_program")] == "ERROR"
    assert sev[("raw_assistance_roster", "amount_plausible")] == "WARN"
    assert sev[("raw_assistance_roster", "caseload_not_collapsing")] == "WARN"
    assert sev[("raw_eldercare_institutions", "nursing_beds_within_beds")] == "ERROR"
    assert sev[("raw_eldercare_institutions", "residents_within_beds")] == "ERROR"
    assert sev[("raw_volunteer_service", "hours_in_range")] == "ERROR"
    assert sev[("raw_volunteer_service", "service_date_in_period")] == "ERROR"


def test_dagster_specs_block_exactly_the_error_checks() -> None:
    specs = check_specs(RAW_SUITES)
    assert len(specs) == sum(len(s.checks) for s in RAW_SUITES)
    for spec in specs:
        assert spec.blocking == (spec.metadata["severity"] == "ERROR"), spec.name
    assert {k.name for k in raw_quality_checks.check_keys} == {c.name for s in RAW_SUITES for c in s.checks}
    assert raw_quality_checks.op.pool == WAREHOUSE_POOL


def test_pool_matches_raw_assets() -> None:
    from dagster_project.assets.raw import WAREHOUSE_POOL as RAW_POOL

    assert WAREHOUSE_POOL == RAW_POOL


def test_bad_suite_files_are_rejected(tmp_path) -> None:
    good = (RAW_SUITES[0].path).read_text(encoding="utf-8")
    bad = tmp_path / "raw" / "x.yml"
    bad.parent.mkdir()
    bad.write_text(good.replace("severity: ERROR", "severity: FATAL", 1), encoding="utf-8")
    with pytest.raises(SuiteError, match="FATAL"):
        load_suite(bad, {})


def test_partition_keys_to_months() -> None:
    from dagster_project.assets.checks import months_of

    keys = ["610602|2024-06-01", "610603|2024-06-01", "610602|2024-05-01"]
    assert months_of(keys) == {dt.date(2024, 5, 1): {"610602"}, dt.date(2024, 6, 1): {"610602", "610603"}}
    assert months_of(["2024-06-01"]) == {dt.date(2024, 6, 1): set()}
    # lottery day × county keys: a day is checked as its month
    days = ["610602|2024-06-15", "610602|2024-06-30", "610603|2024-07-01"]
    assert months_of(days) == {dt.date(2024, 6, 1): {"610602"}, dt.date(2024, 7, 1): {"610603"}}
    assert months_of([]) is None


def test_mart_suites_target_dbt_models() -> None:
    from dagster_dbt import get_asset_key_for_model

    from dagster_project.assets.checks import mart_quality_checks, mart_suites
    from dagster_project.assets.dbt import dbt_models

    suites = load_suites(layer="mart")
    assert [s.name for s in mart_suites()] == [s.name for s in suites]  # none skipped
    for suite in suites:
        assert get_asset_key_for_model([dbt_models], suite.dbt_model).path == list(suite.asset_key)
    assert {k.asset_key.path[1] for k in mart_quality_checks.check_keys} == {s.dbt_model for s in suites}
