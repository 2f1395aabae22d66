"""Partitions of the raw loads: calendar months from the start of the 14th Five-Year Plan."""

from __future__ import annotations

import datetime as dt

from dagster import MonthlyPartitionsDefinition

PLAN_START = "2021-01-01"

monthly = MonthlyPartitionsDefinition(start_date=PLAN_START)


def period_of(partition_key: str) -> dt.date:
    """'2024-06-01' -> date(2024, 6, 1)."""
    return dt.date.fromisoformat(partition_key)
