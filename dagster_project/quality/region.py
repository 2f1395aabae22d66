"""The region the suites check against: county codes and names, and known township codes.

Backed by the same reference data as ingestion and dbt's dim_region (dbt/seeds/ref_region.csv via
dagster_project.reference); tests pass a small RegionRef of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class RegionRef:
    counties: dict[str, str]  # 6-digit county code -> name
    townships: frozenset[str]  # 9-digit township (乡镇/街道) codes of those counties

    def county_name(self, code: str | None) -> str:
        return self.counties.get(code or "", code or "")

    @property
    def county_codes(self) -> list[str]:
        return sorted(self.counties)


def _county_name(ref: object, code: str) -> str:
    for attr in ("county_name", "name_of", "division_name"):
        fn = getattr(ref, attr, None)
        if callable(fn):
            try:
                name = fn(code)
            except (KeyError, ValueError):
                continue
            if name:
                return str(name)
    return code


@cache
def default_region() -> RegionRef:
    """The configured prefecture (MINZHENG_PREFECTURE, default 延安市) from the reference data."""
    from ..ingestion.region import county_codes
    from ..reference import region as ref

    counties = {code: _county_name(ref, code) for code in county_codes()}
    townships = frozenset(t[:9] for code in counties for t in ref.township_codes(code))
    return RegionRef(counties=counties, townships=townships)
