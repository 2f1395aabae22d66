"""Per-county profiles: population, townships with weights, the county's share of each programme,
and how its clerk exports files (format, title rows, footer). All derived from the seed."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np

from dagster_project.reference import region

from . import params
from .contract import SOURCES


def stream(seed: int, *keys: str | int) -> np.random.Generator:
    """An independent random stream for (seed, keys): the same keys give the same numbers in any
    process and whatever else was generated before."""
    spawn = tuple(k if isinstance(k, int) else zlib.crc32(k.encode("utf-8")) for k in keys)
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=spawn))


FORMATS = ("xlsx", "xls", "csv-gbk", "csv-utf8-bom")
FORMAT_WEIGHTS = (0.45, 0.15, 0.25, 0.15)
# Files expected to be longer than this are exported as CSV whatever the county's habit (Excel
# exports of long rosters are slow for the clerk and for this simulator: xlsxwriter writes ~80k
# cells/s). xls is in any case limited to 65,536 rows.
EXCEL_MAX_ROWS = 5_000


@dataclass(frozen=True)
class FileStyle:
    format: str  # xlsx | xls | csv-gbk | csv-utf8-bom (before the size rule)
    title_rows: int  # 1 or 2
    title_style: int
    footer: bool  # a 制表人/制表时间 row below the 合计 row


@dataclass(frozen=True)
class CountyProfile:
    code: str  # 6 digits
    name: str
    short_name: str
    is_district: bool
    residents_2020: int
    share_60plus: float
    township_codes: tuple[str, ...]  # 12 digits
    township_names: tuple[str, ...]
    township_types: tuple[str, ...]  # 街道 / 镇 / 乡
    township_weights: tuple[float, ...]  # population weights, sum 1
    urban_share: float  # share of residents living in 街道
    shares: dict[str, float]  # programme -> county share of the prefecture total
    styles: dict[str, FileStyle]  # source -> export habit

    @property
    def id_prefix_history(self) -> tuple[tuple[int, str], ...]:
        """(first birth year, region code) for ID numbers: people born before a county was renamed
        carry the former code (子长县 610623 until 2019, 安塞县 610624 until 2016)."""
        former = {"610681": (2019, "610623"), "610603": (2016, "610624")}
        if self.code in former:
            year, old = former[self.code]
            return ((0, old), (year, self.code))
        return ((0, self.code),)


@cache
def profiles(prefecture_code: str, seed: int) -> tuple[CountyProfile, ...]:
    counties = region.counties(prefecture_code)
    if not counties:
        raise ValueError(f"{prefecture_code} is not a prefecture in dbt/seeds/ref_region.csv")
    draft = []
    for c in counties:
        rng = stream(seed, "profile", c.code6)
        towns = region.townships(c.code6)
        if not towns:
            raise ValueError(f"county {c.code6} has no townships in the reference data")
        is_district = c.name_zh.endswith("区")
        base = {"街道": 3.0 * (1.3 if is_district else 1.0), "镇": 1.0, "乡": 0.5}
        w = np.array([base[t.township_type or "镇"] for t in towns]) * rng.lognormal(0, 0.35, len(towns))
        w = w / w.sum()
        urban = float(sum(wi for wi, t in zip(w, towns, strict=True) if t.township_type == "街道"))
        pop = region.population(c.code6, 2020)
        share60 = pop.residents_60plus / pop.residents
        rural = 1 - urban
        # County-specific coverage: rural counties have more 低保 and 特困 per resident; the jitter
        # makes the ratios differ between otherwise similar counties.
        need = {
            "dibao": pop.residents * (0.6 + 1.0 * rural) * rng.lognormal(0, 0.18),
            "tekun": pop.residents * share60 * (0.5 + 1.0 * rural) * rng.lognormal(0, 0.2),
            "temporary": pop.residents * rng.lognormal(0, 0.3),
            "beds": pop.residents * (share60 / 0.15) * rng.lognormal(0, 0.2),
            "volunteers": pop.residents * (0.8 + 0.6 * urban) * rng.lognormal(0, 0.2),
            "outlets": pop.residents**0.9 * (0.8 + 0.5 * urban) * rng.lognormal(0, 0.15),
        }
        styles = {}
        for source in SOURCES:
            srng = stream(seed, "style", c.code6, source)
            styles[source] = FileStyle(
                format=FORMATS[int(srng.choice(len(FORMATS), p=FORMAT_WEIGHTS))],
                title_rows=int(srng.choice([1, 2], p=[0.3, 0.7])),
                title_style=int(srng.integers(0, 3)),
                footer=bool(srng.random() < 0.3),
            )
        draft.append((c, towns, w, urban, pop.residents, share60, is_district, need, styles))
    # A balanced spread of formats: every format is used by some county for every source when there
    # are at least four counties (so small runs exercise all readers).
    for s_i, source in enumerate(SOURCES):
        order = stream(seed, "formats", source).permutation(len(draft))
        for k, idx in enumerate(order[: len(FORMATS)]):
            d = draft[idx]
            st = d[8][source]
            d[8][source] = FileStyle(
                FORMATS[(k + s_i) % len(FORMATS)], st.title_rows, st.title_style, st.footer
            )
    totals = {k: sum(d[7][k] for d in draft) for k in draft[0][7]}
    out = []
    for c, towns, w, urban, residents, share60, is_district, need, styles in draft:
        out.append(
            CountyProfile(
                code=c.code6,
                name=c.name_zh,
                short_name=c.short_name_zh,
                is_district=is_district,
                residents_2020=residents,
                share_60plus=share60,
                township_codes=tuple(t.code for t in towns),
                township_names=tuple(t.name_zh for t in towns),
                township_types=tuple(t.township_type or "镇" for t in towns),
                township_weights=tuple(float(x) for x in w),
                urban_share=urban,
                shares={k: v / totals[k] for k, v in need.items()},
                styles=styles,
            )
        )
    return tuple(out)


def profile(prefecture_code: str, seed: int, county_code: str) -> CountyProfile:
    return next(p for p in profiles(prefecture_code, seed) if p.code == county_code)


def yearly(trend: float, t: int) -> float:
    """Growth factor of a yearly trend at month index t relative to the base month (Dec 2020)."""
    return float((1 + trend) ** ((t - params.BASE_T) / 12))
