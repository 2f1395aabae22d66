"""Division reference data (dbt/seeds/ref_region*.csv): lookups shared by the simulator and ingestion.

The CSVs are the single source of division codes (docs/ARCHITECTURE.md); they are generated once by
build_region_csv.py from an official table and committed. Paths resolve relative to the repository
(settings.SEEDS_DIR), so this works from any working directory.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache

from ..settings import SEEDS_DIR

REGION_CSV = SEEDS_DIR / "ref_region.csv"
POPULATION_CSV = SEEDS_DIR / "ref_region_population.csv"

# Former names and codes still seen in exports and ID numbers (撤县设市 / 撤县设区).
FORMER_COUNTIES: dict[str, str] = {
    "子长县": "610681",  # 子长县 610623 became 子长市 610681 in 2019
    "610623": "610681",
    "安塞县": "610603",  # 安塞县 610624 became 安塞区 610603 in 2016
    "610624": "610603",
}


@dataclass(frozen=True)
class Division:
    code: str  # 12 digits
    level: str  # province | prefecture | county | township
    name_zh: str
    short_name_zh: str
    parent_code: str | None
    province_code: str
    prefecture_code: str | None
    county_code: str | None  # 6 digits, None above county level
    township_type: str | None  # 街道 | 镇 | 乡
    urban_rural: str | None  # urban | rural, None above county level

    @property
    def code6(self) -> str:
        return self.code[:6]

    @property
    def code9(self) -> str:
        return self.code[:9]


@dataclass(frozen=True)
class Population:
    code: str
    year: int
    residents: int
    residents_60plus: int
    source: str
    is_estimate: bool


def _blank(value: str) -> str | None:
    return value or None


@cache
def divisions() -> tuple[Division, ...]:
    with open(REGION_CSV, encoding="utf-8", newline="") as fh:
        return tuple(
            Division(
                code=r["division_code"],
                level=r["division_level"],
                name_zh=r["name_zh"],
                short_name_zh=r["short_name_zh"],
                parent_code=_blank(r["parent_code"]),
                province_code=r["province_code"],
                prefecture_code=_blank(r["prefecture_code"]),
                county_code=_blank(r["county_code"]),
                township_type=_blank(r["township_type"]),
                urban_rural=_blank(r["urban_rural"]),
            )
            for r in csv.DictReader(fh)
        )


@cache
def _by_code() -> dict[str, Division]:
    return {d.code: d for d in divisions()}


def _code12(code: str) -> str:
    code = code.strip()
    return code + "0" * (12 - len(code)) if code.isdigit() and len(code) in (2, 4, 6, 9) else code


def division(code: str) -> Division:
    """A division by its 2/4/6/9/12-digit code (KeyError if unknown)."""
    return _by_code()[_code12(code)]


def prefecture(code: str) -> Division:
    d = division(code)
    if d.level != "prefecture":
        raise KeyError(f"{code} is a {d.level}, not a prefecture")
    return d


def counties(prefecture_code: str) -> list[Division]:
    """County-level divisions of a prefecture, ordered by code."""
    pcode = _code12(prefecture_code)
    return [d for d in divisions() if d.level == "county" and d.parent_code == pcode]


def county_codes(prefecture_code: str) -> list[str]:
    """6-digit codes of the county-level divisions of a prefecture."""
    return [d.code6 for d in counties(prefecture_code)]


def county(code: str) -> Division:
    d = division(FORMER_COUNTIES.get(code, code))
    if d.level != "county":
        raise KeyError(f"{code} is a {d.level}, not a county")
    return d


def townships(county_code: str) -> list[Division]:
    """Townships (街道/镇/乡) of a county, ordered by code."""
    ccode = _code12(FORMER_COUNTIES.get(county_code, county_code))
    return [d for d in divisions() if d.level == "township" and d.parent_code == ccode]


def township_codes(county_code: str) -> list[str]:
    """The valid 12-digit township codes of a county."""
    return [d.code for d in townships(county_code)]


@cache
def valid_township_codes() -> dict[str, frozenset[str]]:
    """6-digit county code -> its valid 12-digit township codes (every county in the reference)."""
    out: dict[str, set[str]] = {}
    for d in divisions():
        if d.level == "township" and d.county_code:
            out.setdefault(d.county_code, set()).add(d.code)
    return {k: frozenset(v) for k, v in out.items()}


# --- county names in the forms clerks write them ----------------------------------------------------


def _normalise(text: str) -> str:
    """NFKC (full-width → half-width), no whitespace, no separators between name parts."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "_-·.()（）【】[]")


@cache
def _name_index() -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(full county name -> code, short county name -> code, prefix names to strip)."""
    full: dict[str, str] = {}
    short: dict[str, str] = {}
    prefixes: set[str] = set()
    for d in divisions():
        if d.level == "county":
            full[d.name_zh] = d.code6
            short.setdefault(d.short_name_zh, d.code6)
        elif d.level in ("province", "prefecture"):
            prefixes.update({d.name_zh, d.short_name_zh})
    for name, code in FORMER_COUNTIES.items():
        if not name.isdigit():
            full[name] = code
            short.setdefault(name[:-1], code)
    return full, short, sorted(prefixes, key=len, reverse=True)


def resolve_county(text: str | None) -> str | None:
    """The 6-digit county code named by `text`, or None.

    Accepts a code (610602 or 610602000000, also a former code such as 610623), the full name (宝塔区),
    the short name (宝塔), and either with a province/prefecture prefix in full or short form
    (陕西省延安市宝塔区, 延安市宝塔区, 延安宝塔区), also inside a longer text such as a file name or a
    title ("宝塔区2024年6月低保花名册") as long as exactly one county is named.
    """
    if not text:
        return None
    s = _normalise(text)
    if not s:
        return None
    digits = s[:12] if s[:12].isdigit() else s[:6]
    if digits.isdigit() and len(digits) in (6, 12):
        code6 = FORMER_COUNTIES.get(digits[:6], digits[:6])
        d = _by_code().get(code6 + "000000")
        return code6 if d is not None and d.level == "county" else None
    full, short, prefixes = _name_index()
    rest = s
    stripped = True
    while stripped:  # strip leading province/prefecture names: 陕西省延安市宝塔区 -> 宝塔区
        stripped = False
        for p in prefixes:
            if rest.startswith(p) and len(rest) > len(p):
                rest = rest[len(p) :]
                stripped = True
                break
    if rest in full:
        return full[rest]
    if rest in short:
        return short[rest]
    for table in (full, short):  # a county named inside a longer text; must be unambiguous
        hits = {code for name, code in table.items() if name in s}
        if len(hits) == 1:
            return hits.pop()
        if len(hits) > 1:
            return None
    return None


def county_name(code: str) -> str:
    return county(code).name_zh


# --- population ------------------------------------------------------------------------------------


@cache
def population_table() -> tuple[Population, ...]:
    with open(POPULATION_CSV, encoding="utf-8", newline="") as fh:
        return tuple(
            Population(
                code=r["division_code"],
                year=int(r["year"]),
                residents=int(r["resident_population"]),
                residents_60plus=int(r["population_60plus"]),
                source=r["source"],
                is_estimate=r["is_estimate"] == "true",
            )
            for r in csv.DictReader(fh)
        )


def population(code: str, year: int) -> Population:
    """Residents of a division in a year; years outside the table use the nearest year."""
    c = _code12(FORMER_COUNTIES.get(code, code))
    rows = [p for p in population_table() if p.code == c]
    if not rows:
        raise KeyError(f"no population for {code}")
    return min(rows, key=lambda p: abs(p.year - year))
