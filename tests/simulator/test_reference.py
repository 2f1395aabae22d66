"""The division reference (dbt/seeds/ref_region*.csv) and its lookups."""

from __future__ import annotations

import csv

import pytest

from dagster_project.reference import region

YANAN_COUNTIES = {
    "610602": "宝塔区",
    "610603": "安塞区",
    "610621": "延长县",
    "610622": "延川县",
    "610625": "志丹县",
    "610626": "吴起县",
    "610627": "甘泉县",
    "610628": "富县",
    "610629": "洛川县",
    "610630": "宜川县",
    "610631": "黄龙县",
    "610632": "黄陵县",
    "610681": "子长市",
}


def test_yanan_counties_are_the_official_thirteen() -> None:
    assert {d.code6: d.name_zh for d in region.counties("610600")} == YANAN_COUNTIES
    assert region.division("610681").short_name_zh == "子长"
    assert region.division("610628").short_name_zh == "富县"  # one-character stem keeps its suffix


def test_taian_has_six_counties() -> None:
    assert region.county_codes("370900") == ["370902", "370911", "370921", "370923", "370982", "370983"]


def test_rows_are_consistent() -> None:
    with open(region.REGION_CSV, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    codes = {r["division_code"] for r in rows}
    assert len(codes) == len(rows)
    for r in rows:
        code = r["division_code"]
        assert len(code) == 12 and code.isdigit()
        if r["parent_code"]:
            assert r["parent_code"] in codes
        level = r["division_level"]
        if level == "township":
            assert code[:6] == r["county_code"] and code.endswith("000") and code[6:9] != "000"
            assert r["township_type"] in ("街道", "镇", "乡") and r["name_zh"].endswith(r["township_type"])
            assert r["urban_rural"] == ("urban" if r["township_type"] == "街道" else "rural")
        elif level == "county":
            assert code.endswith("000000") and r["county_code"] == code[:6]
            assert r["urban_rural"] == ("urban" if r["name_zh"].endswith("区") else "rural")
        else:
            assert r["county_code"] == "" and r["urban_rural"] == ""
    townships = [
        r for r in rows if r["division_level"] == "township" and r["prefecture_code"] == "610600000000"
    ]
    assert 100 <= len(townships) <= 130  # 延安: about 114 乡镇 and 街道
    assert {r["county_code"] for r in townships} == set(YANAN_COUNTIES)


@pytest.mark.parametrize(
    "text",
    [
        "宝塔区",
        "宝塔",
        "延安市宝塔区",
        "延安宝塔区",
        "陕西省延安市宝塔区",
        "610602",
        "610602000000",
        " 宝塔区 ",
        "宝塔区2024年6月社会救助对象花名册",
        "延安市宝塔区_更正1",
    ],
)
def test_resolve_county_variants(text: str) -> None:
    assert region.resolve_county(text) == "610602"


def test_resolve_county_other_cases() -> None:
    assert region.resolve_county("子长县") == "610681"  # former name
    assert region.resolve_county("610623") == "610681"  # former code
    assert region.resolve_county("富县") == "610628"
    assert region.resolve_county("延长") == "610621" and region.resolve_county("延川县") == "610622"
    assert region.resolve_county("泰安市泰山区") == "370902"
    for unknown in ("延安市", "Baota", "", None, "610699", "宝塔区和安塞区"):
        assert region.resolve_county(unknown) is None


def test_township_codes_per_county() -> None:
    codes = region.township_codes("610602")
    assert "610602001000" in codes and "610602111000" in codes  # 宝塔山街道, 临镇
    assert all(c.startswith("610602") for c in codes)
    assert region.valid_township_codes()["610631"] == frozenset(region.township_codes("610631"))


def test_population_2020_census_and_trend() -> None:
    pref = region.population("610600", 2020)
    assert (pref.residents, pref.residents_60plus, pref.is_estimate) == (2282581, 355435, False)
    counties = [region.population(c, 2020) for c in YANAN_COUNTIES]
    assert abs(sum(p.residents_60plus for p in counties) - 355435) < 50  # counties add up to the prefecture
    assert region.population("610681", 2020).residents_60plus == 35847
    later = region.population("610600", 2025)
    assert (
        later.is_estimate
        and later.residents_60plus / later.residents > pref.residents_60plus / pref.residents
    )
    with open(region.POPULATION_CSV, encoding="utf-8") as fh:
        years = {int(r["year"]) for r in csv.DictReader(fh)}
    assert years == set(range(2020, 2026))


def test_every_file_name_variant_the_simulator_writes_resolves() -> None:
    from minzheng_simulator.engine import _variant_names
    from minzheng_simulator.profile import profiles

    for p in profiles("610600", 1):
        for name in _variant_names(p, "610600"):
            assert region.resolve_county(name) == p.code, name
            assert region.resolve_county(name + "_更正1") == p.code, name
