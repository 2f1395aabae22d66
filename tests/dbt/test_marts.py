"""The marts on simulated, ingested data, checked against raw.* and the seeds with independent code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dagster_project.settings import SEEDS_DIR

from .conftest import COUNTIES, Warehouse

SEEDS = SEEDS_DIR
DOMAIN_MARTS = (
    "mart_assistance_county_month",
    "mart_eldercare_county_month",
    "mart_volunteer_county_month",
    "mart_lottery_county_month",
)


def test_schemas_are_exactly_the_layer_names(warehouse: Warehouse) -> None:
    schemas = {r[0] for r in warehouse.rows("SELECT DISTINCT table_schema FROM information_schema.tables")}
    assert {"raw", "seeds", "staging", "intermediate", "marts"} <= schemas
    assert not [s for s in schemas if s.startswith("main_")]


def test_spending_sales_and_hours_reconcile_with_raw(warehouse: Warehouse) -> None:
    checks = {
        ("raw.assistance_roster", "amount"): ("mart_assistance_county_month", "assistance_spending"),
        ("raw.lottery_sales", "sales_amount"): ("mart_lottery_county_month", "sales_amount"),
        ("raw.volunteer_service", "hours"): ("mart_volunteer_county_month", "service_hours"),
    }
    for (raw, value), (mart, column) in checks.items():
        raw_totals = {
            (c, m): float(v)
            for c, m, v in warehouse.rows(f"SELECT county_code, period, sum({value}) FROM {raw} GROUP BY ALL")
        }
        mart_totals = {
            (c, m): float(v)
            for c, m, v in warehouse.rows(
                f"SELECT county_code, month_start, {column} FROM marts.{mart} WHERE {column} IS NOT NULL"
            )
        }
        assert len(raw_totals) == len(COUNTIES) * 3, raw
        assert mart_totals.keys() == raw_totals.keys(), mart
        for key, total in raw_totals.items():
            assert mart_totals[key] == pytest.approx(total, abs=0.005), (mart, key)


def _as_of(frame: pd.DataFrame, key: str, year: int, value: str) -> float:
    """The seed value of the latest year <= `year` (the earliest year if none), as the warehouse does."""
    rows = frame[frame[frame.columns[0]] == key].sort_values("year")
    earlier = rows[rows["year"] <= year]
    return float((earlier.iloc[-1] if len(earlier) else rows.iloc[0])[value])


def test_coverage_is_computed_from_population(warehouse: Warehouse) -> None:
    population = pd.read_csv(SEEDS / "ref_region_population.csv", dtype={"division_code": str})
    urban_share = pd.read_csv(SEEDS / "ref_urban_population_share.csv", dtype={"county_code": str})
    recipients = warehouse.df(
        """SELECT county_code, period AS month_start, program, count(DISTINCT person_key) AS n
           FROM raw.assistance_roster GROUP BY ALL"""
    )
    mart = warehouse.df("SELECT * FROM marts.mart_assistance_county_month WHERE is_reported")
    assert len(mart) == len(COUNTIES) * 3
    for row in mart.itertuples():
        year = row.month_start.year
        residents = _as_of(population, row.county_code + "000000", year, "resident_population")
        urban = round(residents * _as_of(urban_share, row.county_code, year, "urban_population_share"))
        rural = residents - urban
        n = recipients[
            (recipients.county_code == row.county_code) & (recipients.month_start == row.month_start)
        ]
        urban_n = int(n[n.program == "城市低保"].n.sum())
        rural_n = int(n[n.program == "农村低保"].n.sum())
        assert row.resident_population == residents
        assert row.urban_dibao_coverage_per_100 == pytest.approx(100 * urban_n / urban)
        assert row.rural_dibao_coverage_per_100 == pytest.approx(100 * rural_n / rural)
        assert row.dibao_coverage_per_100 == pytest.approx(100 * (urban_n + rural_n) / residents)
        elderly = _as_of(population, row.county_code + "000000", year, "population_60plus")
        assert row.population_60plus == elderly
    beds = warehouse.df(
        """SELECT e.county_code, e.month_start, e.beds_per_1000_elderly, e.total_beds, e.population_60plus
           FROM marts.mart_eldercare_county_month e WHERE e.is_reported"""
    )
    assert len(beds) == len(COUNTIES) * 3
    assert list(beds.beds_per_1000_elderly) == pytest.approx(
        list(1000 * beds.total_beds / beds.population_60plus)
    )


@pytest.mark.parametrize("mart", [*DOMAIN_MARTS, "mart_overview_county_month"])
def test_ranks_match_an_independent_ranking(warehouse: Warehouse, mart: str) -> None:
    frame = warehouse.df(f"SELECT * FROM marts.{mart}")
    rank_columns = [c for c in frame.columns if c.startswith("rank_")]
    assert rank_columns
    for rank in rank_columns:
        indicator = rank.removeprefix("rank_")
        expected = frame.groupby(["prefecture_code", "month_start"])[indicator].rank(
            method="min", ascending=False
        )
        actual = frame[rank].astype("float")
        both_null = expected.isna() & actual.isna()
        assert (both_null | (expected == actual)).all(), f"{mart}.{rank}"
        assert actual.notna().sum() > 0, f"{mart}.{rank} ranks nothing"


def test_county_indicator_mart_unpivots_the_overview_and_ranks_in_each_direction(
    warehouse: Warehouse,
) -> None:
    """mart_county_indicator_month: one row per overview county-month and seed indicator, the value is the
    overview's column × display_scale, and the rank follows the indicator's direction (1 = best)."""
    seed = pd.read_csv(SEEDS / "ref_county_indicator.csv")
    wide = warehouse.df("SELECT * FROM marts.mart_overview_county_month")
    long = warehouse.df("SELECT * FROM marts.mart_county_indicator_month")
    assert len(long) == len(wide) * len(seed)
    assert set(long.domain_zh) == {"社会救助", "养老服务", "志愿服务", "福利彩票"}
    assert seed.direction.eq("lower").any() and seed.direction.eq("higher").any()
    assert not seed.set_index("indicator_code").is_ranked["dibao_standard_ratio_urban_rural"]
    for ind in seed.itertuples():
        rows = long[long.indicator_code == ind.indicator_code].merge(
            wide[["county_code", "month_start", "prefecture_code", ind.source_column]],
            on=["county_code", "month_start", "prefecture_code"],
        )
        assert len(rows) == len(wide), ind.indicator_code
        assert (rows.indicator_name_zh == ind.indicator_name_zh).all()
        assert (rows.unit == ind.unit).all() and (rows.direction == ind.direction).all()
        expected_value = rows[ind.source_column].astype("float") * ind.display_scale
        assert (
            (expected_value.isna() & rows.value.isna()) | (expected_value - rows.value).abs().lt(1e-9)
        ).all()
        actual = rows.county_rank.astype("float")
        if not ind.is_ranked:  # set prefecture-wide: shown, never ranked
            assert actual.isna().all() and (rows.counties_ranked == 0).all(), ind.indicator_code
            assert rows.value.notna().any(), ind.indicator_code
            continue
        expected = rows.groupby(["prefecture_code", "month_start"])["value"].rank(
            method="min", ascending=ind.direction == "lower"
        )
        assert ((expected.isna() & actual.isna()) | (expected == actual)).all(), ind.indicator_code
        assert actual.notna().sum() > 0, ind.indicator_code
        ranked = rows.groupby(["prefecture_code", "month_start"])["value"].transform("count")
        assert (rows.counties_ranked == ranked).all(), ind.indicator_code
    # counties that sent nothing keep their rows, without value or rank
    silent = long[~long.county_code.isin(COUNTIES)]
    assert len(silent) and silent.value.isna().all() and silent.county_rank.isna().all()


def test_county_indicator_mart_carries_the_reference_lines_and_a_rank_ordered_label(
    warehouse: Warehouse,
) -> None:
    """The county bars' reference lines: prefecture_value is the prefecture mart's own value (× display
    scale) on every county row, target_value the county's final numeric plan target in the same unit; and
    county_axis_label_zh (①宝塔区 …) sorts as text in rank order, an unranked county after the ranked."""
    seed = pd.read_csv(SEEDS / "ref_county_indicator.csv")
    long = warehouse.df("SELECT * FROM marts.mart_county_indicator_month")
    prefecture = warehouse.df("SELECT * FROM marts.mart_overview_prefecture_month")
    for ind in seed.itertuples():
        rows = long[long.indicator_code == ind.indicator_code].merge(
            prefecture[["prefecture_code", "month_start", ind.source_column]],
            on=["prefecture_code", "month_start"],
            how="left",
        )
        expected = rows[ind.source_column].astype("float") * ind.display_scale
        assert (
            (expected.isna() & rows.prefecture_value.isna())
            | (expected - rows.prefecture_value).abs().lt(1e-9)
        ).all(), ind.indicator_code
        assert rows.prefecture_value.notna().any(), ind.indicator_code
    # 延安市's plan: 养老机构护理型床位占比 ≥55 (%), inherited by every county; no target for the others
    targets = long.dropna(subset=["target_value"])
    assert set(targets.indicator_code) == {"nursing_bed_share"}
    assert (targets.target_value == 55).all() and (targets.target_operator == ">=").all()
    assert len(targets) == len(long[long.indicator_code == "nursing_bed_share"])
    for _, group in long.groupby(["prefecture_code", "month_start", "indicator_code"]):
        by_label = group.sort_values("county_axis_label_zh")
        ranks = by_label.county_rank.astype("float")
        ranked = ranks.dropna()
        assert ranked.is_monotonic_increasing and ranks.iloc[: len(ranked)].notna().all()
        assert all(
            label.endswith(name)
            for label, name in zip(group.county_axis_label_zh, group.county_name_zh, strict=True)
        )
    first = long[long.county_rank == 1].county_axis_label_zh
    assert first.str.startswith("①").all()


@pytest.mark.parametrize("mart", DOMAIN_MARTS)
def test_counties_without_files_are_null_not_zero(warehouse: Warehouse, mart: str) -> None:
    frame = warehouse.df(f"SELECT * FROM marts.{mart}")
    assert frame.county_code.nunique() == 13  # every county of 延安市, reporting or not
    silent = frame[~frame.county_code.isin(COUNTIES)]
    assert len(silent) == (13 - len(COUNTIES)) * 3 and not silent.is_reported.any()
    measures = [
        c
        for c in frame.columns
        if c
        not in (
            "county_code",
            "county_name_zh",
            "prefecture_code",
            "prefecture_name_zh",
            "month_start",
            "year",
            "month_label_zh",
            "is_reported",
            "is_service_reported",
            "resident_population",
            "population_60plus",
            "urban_population",
            "rural_population",
        )
        and not c.endswith("_last_year")
    ]
    assert silent[measures].isna().all().all()
    reported = frame[frame.county_code.isin(COUNTIES)]
    assert reported.is_reported.all()


def test_year_on_year_growth_against_the_same_month_last_year(warehouse: Warehouse) -> None:
    raw = {
        (c, m.isoformat()[:7]): float(v)
        for c, m, v in warehouse.rows(
            "SELECT county_code, period, sum(sales_amount) FROM raw.lottery_sales GROUP BY ALL"
        )
    }
    mart = warehouse.df(
        "SELECT county_code, month_start, sales_yoy_growth FROM marts.mart_lottery_county_month"
    )
    for row in mart.itertuples():
        key = row.month_start.strftime("%Y-%m")
        if row.county_code in COUNTIES and key == "2024-06":
            expected = raw[(row.county_code, "2024-06")] / raw[(row.county_code, "2023-06")] - 1
            assert row.sales_yoy_growth == pytest.approx(expected)
        else:  # 2024-05 has no 2023-05 loaded; 2023-06 no 2022-06; silent counties nothing
            assert np.isnan(row.sales_yoy_growth)


def test_entries_and_exits_against_the_previous_month(warehouse: Warehouse) -> None:
    raw = warehouse.df(
        """SELECT DISTINCT county_code, strftime(period, '%Y-%m') AS m, person_key
           FROM raw.assistance_roster WHERE program IN ('城市低保', '农村低保')"""
    )
    mart = warehouse.df(
        """SELECT county_code, strftime(month_start, '%Y-%m') AS m, dibao_entries, dibao_exits
           FROM marts.mart_assistance_county_month WHERE is_reported"""
    ).set_index(["county_code", "m"])
    for county in COUNTIES:
        may = set(raw[(raw.county_code == county) & (raw.m == "2024-05")].person_key)
        june = set(raw[(raw.county_code == county) & (raw.m == "2024-06")].person_key)
        assert mart.loc[(county, "2024-06"), "dibao_entries"] == len(june - may)
        assert mart.loc[(county, "2024-06"), "dibao_exits"] == len(may - june)
        assert pd.isna(mart.loc[(county, "2024-05"), "dibao_entries"])  # 2024-04 was not loaded
    assert mart.loc[[(c, "2024-06") for c in COUNTIES], "dibao_entries"].sum() > 0


def test_prefecture_rollup_recomputes_ratios_from_sums(warehouse: Warehouse) -> None:
    counties = warehouse.df("SELECT * FROM marts.mart_assistance_county_month WHERE is_reported")
    prefecture = warehouse.df("SELECT * FROM marts.mart_overview_prefecture_month").set_index("month_start")
    for m, group in counties.groupby("month_start"):
        row = prefecture.loc[m]
        assert row.counties_reported_assistance == len(COUNTIES)
        assert row.counties_total == 13
        assert row.tekun_institutional_share == pytest.approx(
            group.tekun_institutional_recipients.sum() / group.tekun_recipients.sum()
        )
        assert row.dibao_coverage_per_100 == pytest.approx(
            100 * group.dibao_recipients.sum() / group.resident_population.sum()
        )
        # the population of the 8 silent counties is not in the denominator
        assert row.resident_population > group.resident_population.sum()


def test_publish_status_says_how_many_counties_reported_the_as_of_month(warehouse: Warehouse) -> None:
    """5 of the 13 counties send files: the 数据说明 line a leader reads says so, from the domain marts."""
    (status,) = warehouse.df("SELECT * FROM marts.mart_publish_status").itertuples()
    as_of = pd.Timestamp(status.as_of_month)
    reported: dict[str, int] = {}
    for mart in DOMAIN_MARTS:
        frame = warehouse.df(f"SELECT county_code, month_start, is_reported FROM marts.{mart}")
        latest = frame[(pd.to_datetime(frame.month_start) == as_of) & frame.is_reported]
        for code in latest.county_code:
            reported[code] = reported.get(code, 0) + 1
    complete = sum(n == len(DOMAIN_MARTS) for n in reported.values())
    assert set(reported) == set(COUNTIES)
    assert (status.counties_total, status.counties_reported, status.counties_complete) == (13, 5, complete)
    assert (
        status.reporting_label_zh.startswith(f"{complete}/13个县区") and "未报送" in status.reporting_label_zh
    )


def test_institution_history_is_type_2(warehouse: Warehouse) -> None:
    versions = warehouse.df("SELECT * FROM marts.dim_institution")
    capacity = warehouse.df("SELECT * FROM marts.fct_eldercare_capacity")
    assert capacity.institution_key.isin(versions.institution_key).all()
    assert versions.groupby("credit_code").is_current.sum().eq(1).all()
    # every change of capacity, type or star rating between reported months opens a version
    tracked = ["beds_total", "nursing_beds", "dementia_beds", "institution_type_code"]
    joined = capacity.merge(
        versions[["institution_key", *tracked]], on="institution_key", suffixes=("", "_v")
    )
    for column in tracked:
        assert (joined[column] == joined[f"{column}_v"]).all(), column
    changed = capacity.groupby("credit_code")[["beds_total", "nursing_beds"]].nunique().max(axis=1) > 1
    assert (versions.groupby("credit_code").size()[changed[changed].index] > 1).all()
