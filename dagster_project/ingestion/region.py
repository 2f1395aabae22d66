"""The division lookups ingestion needs, for the configured prefecture (Settings.prefecture, default 延安市)."""

from __future__ import annotations

from functools import cache

from ..reference import region as ref
from ..settings import DEFAULT_PREFECTURE, process_settings
from .pipeline import RegionLookup

__all__ = ["DEFAULT_PREFECTURE", "county_codes", "prefecture_code", "region_lookup"]


def prefecture_code() -> str:
    return process_settings().prefecture


def county_codes() -> list[str]:
    """6-digit codes of the county-level divisions of the configured prefecture."""
    return ref.county_codes(prefecture_code())


@cache
def _township_prefixes(county_code: str) -> frozenset[str]:
    return frozenset(code[:9] for code in ref.township_codes(county_code))


@cache
def region_lookup() -> RegionLookup:
    allowed = set(county_codes())

    def resolve(text: str) -> str | None:
        code = ref.resolve_county(text)
        return code if code in allowed else None

    def prefixes(county_code: str) -> frozenset[str]:
        return _township_prefixes(county_code) if county_code in allowed else frozenset()

    return RegionLookup(resolve_county=resolve, township_prefixes=prefixes)
