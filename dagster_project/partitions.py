"""Partitions of the raw loads: one export file is one county's month, and the Dagster partitions say so.
The cadence of each source is declared in its contract (ingestion/spec.py, `SourceSpec.cadence`);
`partitions_for` turns it into the partitions definition, and `parse_key` is the one place that reads a
"<county>|<date>" key.

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
only needs {month: counties} can read either kind of key (`parse_key`, `group_by_month`).
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
from .ingestion.spec import SourceSpec

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


def partitions_for(spec: SourceSpec) -> MultiPartitionsDefinition:
    """day × county for a daily source (the lottery 销售日报), month × county for a monthly one."""
    return day_county if spec.daily else month_county


def parse_key(key: object) -> tuple[str | None, dt.date]:
    """A raw partition key -> (county code, date): '610602|2024-06-01' (month × county),
    '610602|2024-06-15' (day × county) or '2024-06-01' (a month alone: county None).
    Raises ValueError for anything else."""
    parts = str(key).split("|")
    if len(parts) == 1:
        return None, dt.date.fromisoformat(parts[0])
    if len(parts) != 2 or not (len(parts[0]) == 6 and parts[0].isascii() and parts[0].isdigit()):
        raise ValueError(f"not a '<county>|<date>' partition key: {key!r}")
    return parts[0], dt.date.fromisoformat(parts[1])


def county_month_of(key: object) -> tuple[str | None, dt.date]:
    """A raw partition key -> (county code, first day of its month)."""
    county_code, day = parse_key(key)
    return county_code, day.replace(day=1)


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
        county_code, month = county_month_of(key)
        if county_code is None:
            raise ValueError(f"not a '<county>|<date>' partition key: {key!r}")
        out[month].add(county_code)
    return dict(sorted(out.items()))


def days_by_month(partition_keys: list[str]) -> dict[dt.date, dict[str, set[dt.date]]]:
    """Day × county keys of a run -> {month: {county: {days requested}}}."""
    out: dict[dt.date, dict[str, set[dt.date]]] = defaultdict(lambda: defaultdict(set))
    for key in partition_keys:
        county_code, day = parse_key(key)
        if county_code is None:
            raise ValueError(f"not a '<county>|<day>' partition key: {key!r}")
        out[day.replace(day=1)][county_code].add(day)
    return {m: dict(by_county) for m, by_county in sorted(out.items())}
