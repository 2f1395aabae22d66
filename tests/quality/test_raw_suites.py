"""The raw suites on real loads (hand-built exports -> production ingestion -> DuckDB -> GX on pandas):
a clean month passes every check; each kind of dirt trips exactly the checks it should."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dagster_project.quality.runner import run_suite
from dagster_project.quality.suites import load_suites

from .conftest import JUNE, MAY, build_warehouse
from .exports import ERROR_DIRT, EXPECTED_FAILURES, REGION, person_id

RAW_SUITES = load_suites(layer="raw")


def _failures(con, paths, period) -> dict[tuple[str, str], object]:
    out = {}
    for suite in RAW_SUITES:
        run = run_suite(con, suite, period, REGION, paths, "test")
        assert run.rows > 0 or suite.gx_checks == []
        for o in run.failed:
            out[(suite.name, o.check)] = o
    return out


def test_clean_months_pass_every_check(clean_warehouse) -> None:
    con, paths = clean_warehouse
    for period in (MAY, JUNE):
        assert _failures(con, paths, period) == {}, period
    assert (paths.data_docs / "index.html").exists()


@pytest.fixture(scope="module")
def dirty_june(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("dirty")
    con, paths = build_warehouse(tmp, set(EXPECTED_FAILURES))
    yield con, paths, _failures(con, paths, JUNE)
    con.close()


def test_dirty_month_trips_exactly_the_expected_checks(dirty_june) -> None:
    _, _, failures = dirty_june
    expected = set().union(*EXPECTED_FAILURES.values())
    assert set(failures) == expected


def test_severity_of_the_tripped_checks(dirty_june) -> None:
    _, _, failures = dirty_june
    errors = {k for k, o in failures.items() if o.severity == "ERROR"}
    assert errors == set().union(*(EXPECTED_FAILURES[d] for d in ERROR_DIRT))


def test_samples_point_at_the_original_rows_with_pseudonymised_keys(dirty_june) -> None:
    _, _, failures = dirty_june
    nursing = failures[("raw_eldercare_institutions", "nursing_beds_within_beds")]
    assert nursing.unexpected_count == 1
    (row,) = nursing.sample
    # row 2 of the data (title row, header row, then data): spreadsheet row 4 of 安塞区's file
    assert row["_source_file"] == "eldercare/2024-06/610603_安塞区.csv" and int(row["_source_row"]) == 4
    assert row["nursing_beds"] > row["beds_total"]
    # the page is under the run's data folder: linked through the report server, not as a server path
    assert (
        nursing.docs_url
        and nursing.docs_url.startswith("http://127.0.0.1:")
        and "#section-" in nursing.docs_url
    )
    assert "/quality/data_docs/validations/raw_eldercare_institutions/" in nursing.docs_url

    dup = failures[("raw_assistance_roster", "no_duplicate_recipient_month_program")]
    assert sorted(int(r["_source_row"]) for r in dup.sample) == [4, 33]
    text = json.dumps([o.sample for o in failures.values()], ensure_ascii=False)
    assert person_id("610602", 1) not in text  # only HMAC keys, never the ID number
    assert len({r["person_key"] for r in dup.sample}) == 1 and len(dup.sample[0]["person_key"]) == 64


def test_collapse_and_coverage_name_the_county(dirty_june) -> None:
    _, _, failures = dirty_june
    collapse = failures[("raw_assistance_roster", "caseload_not_collapsing")]
    assert collapse.sample == [
        {"county_code": "610603", "previous_month": 30, "this_month": 10, "drop_share": 0.667}
    ]
    coverage = failures[("raw_lottery_sales", "every_county_present")]
    assert coverage.sample == [{"county_code": "610621"}]
