"""Row conditions of the charts. A chart's `where` is plain SQL on its dataset's own columns and/or named
calculated boolean columns that must be true; the calculated columns are defined by the bundle, in the
dataset (dataset_yaml.py), so users can neither see nor change their SQL."""

from __future__ import annotations

from dataclasses import dataclass

# Calculated boolean columns of each dataset: {table: {column: expression}}, filled while the charts are
# generated (files.generate() builds the charts before the datasets).
CONDITIONS: dict[str, dict[str, str]] = {}


def condition(table: str, name: str, expression: str) -> dict:
    """A chart filter `<name> IS TRUE` on a calculated column of the chart's dataset."""
    known = CONDITIONS.setdefault(table, {}).setdefault(name, expression)
    assert known == expression, (table, name, "one name, two expressions")
    return {
        "clause": "WHERE",
        "expressionType": "SIMPLE",
        "subject": name,
        "operator": "IS TRUE",
        "operatorId": "IS_TRUE",
        "comparator": None,
        "isExtra": False,
        "filterOptionName": f"condition_{name}",
    }


@dataclass(frozen=True)
class Where:
    """A chart's row condition: plain SQL on the dataset's own columns, and calculated boolean columns
    (name, expression) that must be true."""

    sql: str | None
    conditions: tuple[tuple[str, str], ...] = ()


# Plan marts also hold other plans' reported values (泰安): show the prefectures this warehouse loads.
# A condition that needs a subquery is a calculated column of the dataset (defined here, by the bundle),
# never ad-hoc SQL of a chart: Superset refuses sub-queries in ad-hoc SQL (ALLOW_ADHOC_SUBQUERY off), so
# a logged-in user cannot use one to read around row-level security.
OURS = (
    "is_our_prefecture",
    "prefecture_code IN (SELECT prefecture_code FROM marts.mart_overview_prefecture_month)",
)
SC_OURS = (
    "is_our_prefecture",
    "region_code IN (SELECT prefecture_code FROM marts.mart_overview_prefecture_month)",
)
PREF_LATEST = Where("region_level = 'prefecture' AND is_latest_period", (OURS,))
COUNTY_LATEST = Where("region_level = 'county' AND is_latest_period", (OURS,))
SC_PREF = Where("region_level = 'prefecture'", (SC_OURS,))
