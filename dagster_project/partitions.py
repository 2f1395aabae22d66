"""Partitions of the raw loads: one export file is one county's month, and the Dagster partitions say so.

- assistance, eldercare, volunteer_roster, volunteer_service: calendar month × county
  (`month_county`, keys like "610602|2024-06-01"): one partition is one export file.
- lottery: day × county (`day_county`, keys like "610602|2024-06-15"). The 销售日报 export is a
  month-to-date file per county (landing/lottery/<YYYY-MM>/<county>_<name>.<ext>, rows carry 销售日期),
  so the unit that is loaded and replaced atomically stays the county-month (one DuckDB transaction,
  one audit row, quarantine reconciled per file). Loading any day partition (D, county C) loads the
  latest export of month(D) for C, and the asset reports a materialization for exactly the day
  partitions whose sales are in the warehouse after the load (so the UI shows which days have
  arrived). Days are in Asia/Shanghai: a day partition exists once that day has ended there
  (end_offset 0), so at 07:00 the newest partition is yesterday.

"Rerun 宝塔区 for June" is one partition (610602|2024-06-01 of a monthly source), "rerun 宝塔区 for
15 June" is one lottery partition (610602|2024-06-15); a month for all counties, or a range of months
or days, is one run (single-run backfill policy; the keys are grouped by month, one load per
county-month), so a backfill does not launch hundreds of runs.

Both multi-partition keys put the county first ("county" sorts before "day" and "month"), so code that
only needs {month: counties} can read either kind of key (`group_by_month`, assets/checks.months_of).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from dagster import (
    DailyPartitionsDefinition,
    MonthlyPartitionsDefinition,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    StaticPartitionsDefinition,
)

from .ingestion.region import county_codes

PLAN_START = "2021-01-01"
MONTH = "month"
DAY = "day"
COUNTY = "county"
TIMEZONE = "Asia/Shanghai"  # the bureau's clock: schedules and the lottery day partitions

monthly = MonthlyPartitionsDefinition(start_date=PLAN_START)
daily = DailyPartitionsDefinition(start_date=PLAN_START, timezone=TIMEZONE)
county = StaticPartitionsDefinition(county_codes())
month_county = MultiPartitionsDefinition({MONTH: monthly, COUNTY: county})
day_county = MultiPartitionsDefinition({DAY: daily, COUNTY: county})


def period_of(month_key: str) -> dt.date:
    """'2024-06-01' -> date(2024, 6, 1)."""
    return dt.date.fromisoformat(month_key)


def month_county_key(period: dt.date, county_code: str) -> MultiPartitionKey:
    return MultiPartitionKey({MONTH: period.isoformat(), COUNTY: county_code})


def day_county_key(day: dt.date, county_code: str) -> MultiPartitionKey:
    return MultiPartitionKey({DAY: day.isoformat(), COUNTY: county_code})


def all_counties() -> list[str]:
    """County codes in partition order."""
    return list(county.get_partition_keys())


def month_end(period: dt.date) -> dt.date:
    nxt = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def last_closed_day(now: dt.datetime | None = None) -> dt.date:
    """The newest lottery day partition at `now`: yesterday in Asia/Shanghai (a naive `now` is taken as
    Asia/Shanghai time, as schedules evaluate in TIMEZONE)."""
    tz = ZoneInfo(TIMEZONE)
    now = now or dt.datetime.now(tz)
    local = now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)
    return local.date() - dt.timedelta(days=1)


def group_by_month(partition_keys: list[str]) -> dict[dt.date, set[str]]:
    """Partition keys of a run (month × county or day × county, "<county>|<date>") -> {month: {counties}}."""
    out: dict[dt.date, set[str]] = defaultdict(set)
    for key in partition_keys:
        county_code, date = str(key).split("|")
        out[dt.date.fromisoformat(date).replace(day=1)].add(county_code)
    return dict(sorted(out.items()))


def days_by_month(partition_keys: list[str]) -> dict[dt.date, dict[str, set[dt.date]]]:
    """Day × county keys of a run -> {month: {county: {days requested}}}."""
    out: dict[dt.date, dict[str, set[dt.date]]] = defaultdict(lambda: defaultdict(set))
    for key in partition_keys:
        dims = day_county.get_partition_key_from_str(str(key)).keys_by_dimension
        day = dt.date.fromisoformat(dims[DAY])
        out[day.replace(day=1)][dims[COUNTY]].add(day)
    return {m: dict(by_county) for m, by_county in sorted(out.items())}
