"""Run requests that cover whole months or day ranges (all counties) in one run, via a partition-key range.

A range of multi-partition keys is the rectangle of the per-dimension ranges (Dagster's
MultiPartitionsDefinition.get_partition_keys_in_range), so [first|county A, last|county B] is every
month (or day) from first to last × every county from A to B in partition order.
"""

from __future__ import annotations

import datetime as dt

from dagster import AssetKey, RunRequest

from ..partitions import all_counties, day_county_key, last_closed_day, month_county_key, month_end

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def _codes(counties: list[str] | None) -> list[str]:
    codes = [c for c in all_counties() if counties is None or c in counties]
    if not codes:
        raise ValueError(f"no county of the region in {counties}")
    return codes


def month_range_tags(first: dt.date, last: dt.date, counties: list[str] | None = None) -> dict[str, str]:
    """Tags for one run of a monthly source covering [first, last] × counties (all counties by default)."""
    codes = _codes(counties)
    return {
        RANGE_START: str(month_county_key(first, codes[0])),
        RANGE_END: str(month_county_key(last, codes[-1])),
    }


def day_range_tags(first: dt.date, last: dt.date, counties: list[str] | None = None) -> dict[str, str]:
    """Tags for one lottery run covering the days [first, last] × counties (all counties by default)."""
    codes = _codes(counties)
    return {
        RANGE_START: str(day_county_key(first, codes[0])),
        RANGE_END: str(day_county_key(last, codes[-1])),
    }


def lottery_month_tags(
    first_month: dt.date,
    last_month: dt.date | None = None,
    counties: list[str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, str] | None:
    """Tags for one lottery run over every closed day of [first_month, last_month] (the month to date for
    the current month); None when none of those days has closed yet."""
    start = first_month.replace(day=1)
    end = min(month_end(last_month or first_month), last_closed_day(now))
    return day_range_tags(start, end, counties) if end >= start else None


def months_request(
    first: dt.date, last: dt.date, asset_keys: list[AssetKey] | None = None, run_key: str | None = None
) -> RunRequest:
    return RunRequest(run_key=run_key, asset_selection=asset_keys, tags=month_range_tags(first, last))
