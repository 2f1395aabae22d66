"""Run requests that cover whole months (all counties) in one run, via a partition-key range."""

from __future__ import annotations

import datetime as dt

from dagster import AssetKey, RunRequest

from ..partitions import COUNTY, month_county, month_county_key


def month_range_tags(first: dt.date, last: dt.date, counties: list[str] | None = None) -> dict[str, str]:
    """Tags for one run covering [first, last] × counties (all counties of the region by default)."""
    all_codes = month_county.get_partitions_def_for_dimension(COUNTY).get_partition_keys()
    codes = [c for c in all_codes if counties is None or c in counties]
    return {
        "dagster/asset_partition_range_start": str(month_county_key(first, codes[0])),
        "dagster/asset_partition_range_end": str(month_county_key(last, codes[-1])),
    }


def months_request(
    first: dt.date, last: dt.date, asset_keys: list[AssetKey] | None = None, run_key: str | None = None
) -> RunRequest:
    return RunRequest(run_key=run_key, asset_selection=asset_keys, tags=month_range_tags(first, last))
