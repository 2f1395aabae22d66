"""The demo region: each county of 延安市 against the 延安市 plan's targets, measured from the warehouse
(simulated eldercare reports of December 2020 and June 2024 for 12 counties; 黄陵县 sends nothing)."""

from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest

from .conftest import SILENT_COUNTY, YANAN, YANAN_COUNTIES

JUNE_2024 = dt.date(2024, 6, 1)


def seed_rows(plan_warehouse, name: str) -> list[dict[str, str]]:
    with (plan_warehouse.project / "seeds" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def registry_targets(plan_warehouse, basis: str) -> list[dict[str, str]]:
    """Targets in force (shipped seeds with the uploads merged over them), as dbt's staging model has them."""
    return plan_warehouse.df(
        "select region_code, indicator_code from staging.stg_plan__targets where target_basis = ?", [basis]
    ).to_dict("records")


@pytest.fixture(scope="module")
def june(plan_warehouse):
    return plan_warehouse.df(
        "select * from marts.mart_plan_progress where prefecture_code = ? and period = ?", [YANAN, JUNE_2024]
    )


def test_every_county_has_every_inherited_and_broken_down_target(plan_warehouse, june):
    inherits = {
        r["indicator_code"]
        for r in seed_rows(plan_warehouse, "ref_plan_indicator.csv")
        if r["county_inherits"] == "true"
    }
    city_targets = {
        r["indicator_code"] for r in registry_targets(plan_warehouse, "plan") if r["region_code"] == YANAN
    }
    broken_down = {
        r["indicator_code"]
        for r in registry_targets(plan_warehouse, "breakdown")
        if r["region_code"] in YANAN_COUNTIES
    }
    expected = (city_targets & inherits) | broken_down
    assert {
        "nursing_bed_share",
        "day_care_center_coverage",
        "regional_eldercare_center_township_coverage",
    } <= expected
    counties = june[june["region_level"] == "county"]
    assert set(counties["region_code"]) == set(YANAN_COUNTIES)
    for county, rows in counties.groupby("region_code"):
        assert set(rows["indicator_code"]) == expected, county
    # the city's own count targets stay with the city
    assert "social_work_professionals" not in set(counties["indicator_code"])
    city = june[june["region_level"] == "prefecture"]
    assert set(city["indicator_code"]) == city_targets
    assert city.set_index("indicator_code").loc["social_work_professionals", "target_value"] == 2500
    nursing = counties[counties["indicator_code"] == "county_nursing_care_homes"]
    assert set(nursing["target_basis"]) == {"breakdown"} and set(nursing["target_value"]) == {1}


def test_nursing_bed_share_comes_from_the_eldercare_mart(plan_warehouse, june):
    mart = plan_warehouse.df(
        "select county_code, nursing_bed_share from marts.mart_eldercare_county_month where month_start = ?",
        [JUNE_2024],
    ).set_index("county_code")["nursing_bed_share"]
    rows = june[(june["indicator_code"] == "nursing_bed_share") & (june["region_level"] == "county")]
    rows = rows.set_index("region_code")
    assert set(rows.index) == set(YANAN_COUNTIES)
    silent = rows.loc[SILENT_COUNTY]
    assert silent["status_code"] == "no_data" and silent["status_zh"] == "无数据"
    measured = mart.dropna()
    assert len(measured) >= 10 and SILENT_COUNTY not in measured.index
    for county, row in rows.iterrows():
        assert row["target_value"] == 55 and row["operator"] == ">=" and row["target_basis"] == "inherited"
        assert row["is_binding"]  # a national binding indicator; 延安's plan states no attribute
        if county not in measured.index:  # no report, or no 养老机构 beds (share undefined)
            assert row["status_code"] == "no_data", county
            continue
        assert row["actual_source"] == "mart"
        assert row["actual_value"] == pytest.approx(measured[county] * 100)
        assert bool(row["is_met"]) == (row["actual_value"] >= 55)
        assert row["status_code"] in {"met", "ahead", "on_pace", "behind"}


def test_county_baseline_is_its_own_december_2020(plan_warehouse, june):
    base = plan_warehouse.df(
        "select county_code, nursing_bed_share * 100 as share from marts.mart_eldercare_county_month "
        "where month_start = '2020-12-01' and nursing_bed_share is not null"
    ).set_index("county_code")["share"]
    assert len(base) >= 6
    rows = june[(june["indicator_code"] == "nursing_bed_share") & june["region_code"].isin(base.index)]
    for _, row in rows.iterrows():
        assert row["baseline_basis"] == "observed_base_month"
        assert row["baseline_value"] == pytest.approx(base[row["region_code"]])
        assert row["expected_pace"] == pytest.approx(42 / 60)


def test_prefecture_value_is_recomputed_from_summed_beds(plan_warehouse, june):
    sums = plan_warehouse.df(
        "select sum(institution_nursing_beds) as nursing, sum(institution_beds) as beds, "
        "avg(nursing_bed_share) as mean_of_ratios, count(nursing_bed_share) as counties "
        "from marts.mart_eldercare_county_month where month_start = ? and is_reported",
        [JUNE_2024],
    ).iloc[0]
    city = june[
        (june["indicator_code"] == "nursing_bed_share") & (june["region_level"] == "prefecture")
    ].iloc[0]
    assert city["actual_source"] == "rollup"
    assert city["numerator"] == sums["nursing"] and city["denominator"] == sums["beds"]
    assert city["actual_value"] == pytest.approx(sums["nursing"] / sums["beds"] * 100)
    assert city["actual_value"] != pytest.approx(sums["mean_of_ratios"] * 100)  # never an average of ratios
    overview = plan_warehouse.df(
        "select nursing_bed_share from marts.mart_overview_prefecture_month where prefecture_code = ? "
        "and month_start = ?",
        [YANAN, JUNE_2024],
    ).iloc[0, 0]
    assert city["actual_value"] == pytest.approx(overview * 100)
    assert city["counties_with_data"] == sums["counties"] and city["counties_total"] == 13


def test_counties_are_ranked_within_the_city(june):
    rows = june[(june["indicator_code"] == "nursing_bed_share") & (june["region_level"] == "county")]
    ranked = rows[rows["rank_by_value"].notna()].sort_values("rank_by_value")
    with_data = int((rows["status_code"] != "no_data").sum())
    assert len(ranked) == with_data >= 10 and set(ranked["counties_ranked"]) == {with_data}
    assert ranked["actual_value"].is_monotonic_decreasing
    assert ranked["rank_by_value"].iloc[0] == 1
    assert pd.isna(rows.set_index("region_code").loc[SILENT_COUNTY, "rank_by_value"])


def test_scorecard_adds_up(plan_warehouse):
    card = plan_warehouse.df(
        "select * from marts.mart_plan_scorecard where prefecture_code = ? and period = ?", [YANAN, JUNE_2024]
    )
    assert set(card["region_code"]) == {YANAN, *YANAN_COUNTIES}
    parts = card[
        [
            "indicators_met",
            "indicators_ahead",
            "indicators_on_pace",
            "indicators_behind",
            "indicators_no_data",
        ]
    ]
    assert (parts.sum(axis=1) == card["indicators_total"]).all()
    silent = card.set_index("region_code").loc[SILENT_COUNTY]
    assert silent["indicators_no_data"] == silent["indicators_total"]
    counties = card[card["region_level"] == "county"]
    assert counties["rank_most_behind"].notna().all() and counties["rank_most_behind"].min() == 1
