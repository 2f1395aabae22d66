"""Partitions of the raw loads: calendar month × county (one export file each).

"Rerun 宝塔区 for June" is one partition (2024-06-01|610602); a month for all counties, or a range of
months, is one run (single-run backfill policy), so a backfill does not launch hundreds of runs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from dagster import (
    MonthlyPartitionsDefinition,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    StaticPartitionsDefinition,
)

from .ingestion.region import county_codes

PLAN_START = "2021-01-01"
MONTH = "month"
COUNTY = "county"

monthly = MonthlyPartitionsDefinition(start_date=PLAN_START)
county = StaticPartitionsDefinition(county_codes())
month_county = MultiPartitionsDefinition({MONTH: monthly, COUNTY: county})


def period_of(month_key: str) -> dt.date:
    """'2024-06-01' -> date(2024, 6, 1)."""
    return dt.date.fromisoformat(month_key)


def month_county_key(period: dt.date, county_code: str) -> MultiPartitionKey:
    return MultiPartitionKey({MONTH: period.isoformat(), COUNTY: county_code})


def group_by_month(partition_keys: list[str]) -> dict[dt.date, set[str]]:
    """Multi-partition keys of a run -> {month: {county codes}}."""
    out: dict[dt.date, set[str]] = defaultdict(set)
    for key in partition_keys:
        dims = month_county.get_partition_key_from_str(str(key)).keys_by_dimension
        out[period_of(dims[MONTH])].add(dims[COUNTY])
    return dict(sorted(out.items()))
