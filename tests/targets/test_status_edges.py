"""The status rules of mart_plan_progress at their edges (the cases and their arithmetic: edge_cases.py):
exactly at target ('>=', '>', '<', '=', ratio<=), lower-is-better indicators, ratio targets written 1.3:1,
qualitative targets, the on-pace band's borders, missing data, after the target year, milestones, binding
indicators behind, and county targets from the 分解 table against inherited ones."""

from __future__ import annotations

import pandas as pd
import pytest

from .edge_cases import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.region}-{c.indicator}-{c.period}")
def test_status(plan_warehouse, case: Case):
    row = plan_warehouse.progress(case.region, case.indicator, case.period)
    assert row["status_code"] == case.status, f"{case.why}: got {row['status_zh']} {row}"
    if case.met is None:
        assert pd.isna(row["is_met"])
    else:
        assert bool(row["is_met"]) is case.met, case.why
    if case.completion is not None:
        assert row["completion_ratio"] == pytest.approx(case.completion), case.why
    if case.pace is not None:
        assert row["expected_pace"] == pytest.approx(case.pace), case.why


def test_binding_indicator_behind_is_flagged(plan_warehouse):
    behind = plan_warehouse.progress("370902", "tekun_disabled_centralized_care_rate", "2023-06-01")
    assert behind["attribute_zh"] == "约束性" and behind["is_binding_behind"]
    not_binding = plan_warehouse.progress("370923", "social_work_professionals", "2023-06-01")
    assert not_binding["status_code"] == "behind" and not not_binding["is_binding_behind"]


def test_county_targets_replace_inherited_ones(plan_warehouse):
    own = plan_warehouse.progress("370902", "dibao_standard_ratio_urban_rural", "2023-06-01")
    assert (
        own["target_basis"] == "breakdown"
        and own["baseline_value"] == 1.5
        and own["baseline_basis"] == "plan"
    )
    inherited = plan_warehouse.progress("370923", "dibao_standard_ratio_urban_rural", "2023-06-01")
    assert inherited["target_basis"] == "inherited" and inherited["inherited_from_region_code"] == "370900"
    assert (
        inherited["target_value"] == 1.3
        and inherited["operator"] == "ratio<="
        and inherited["status_code"] == "no_data"
    )
    # additive counts are not inherited: a city-wide total is no county target
    counties = plan_warehouse.df(
        "select distinct region_code from marts.mart_plan_progress where indicator_code = 'lottery_outlets' "
        "and prefecture_code = '370900'"
    )
    assert counties["region_code"].tolist() == ["370900"]


def test_milestone_of_the_year_is_shown(plan_warehouse):
    row = plan_warehouse.progress("610600", "provincial_charity_model_communities", "2023-12-01")
    assert row["milestone_year"] == 2023 and row["milestone_value"] == 15
    assert row["target_year"] == 2025 and row["target_value"] == 25 and row["actual_value"] == 15


def test_counties_are_ranked_by_value_and_by_progress(plan_warehouse):
    ranks = plan_warehouse.df(
        "select region_code, rank_by_value, rank_by_progress, counties_ranked from marts.mart_plan_progress "
        "where indicator_code = 'social_work_professionals' and period = '2023-06-01' and region_level = 'county' "
        "order by region_code"
    )
    # 55, 56, 45, 44 of 100: higher is better
    assert ranks.set_index("region_code")["rank_by_value"].to_dict() == {
        "370902": 2,
        "370911": 1,
        "370921": 3,
        "370923": 4,
    }
    assert ranks["rank_by_progress"].tolist() == ranks["rank_by_value"].tolist()
    assert set(ranks["counties_ranked"]) == {4}
    lower = plan_warehouse.df(
        "select region_code, rank_by_value from marts.mart_plan_progress where indicator_code = "
        "'dibao_standard_ratio_urban_rural' and period = '2023-06-01' and rank_by_value is not null order by 1"
    )
    # lower is better: 1.2 (370921) before 1.4 (370902) before 1.6 (370911)
    assert lower.set_index("region_code")["rank_by_value"].to_dict() == {
        "370902": 2,
        "370911": 3,
        "370921": 1,
    }
