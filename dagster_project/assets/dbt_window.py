"""The month window of Dagster's dbt build: the months whose raw loads changed since the facts were built.

dbt's monthly incremental models rebuild, without a window, the months whose set of (county_code, _load_id)
differs between their input and themselves (dbt/macros/incremental.sql, `monthly_rebuild_filter`); with a
window (MINZHENG_DBT_MIN_PERIOD / MINZHENG_DBT_MAX_PERIOD) they rebuild exactly its months, and the tests of
the relations that declare `meta.test_window_column` see only them (dbt/macros/test_scope.sql). Here the same
comparison is made before dbt starts, on a read-only connection, for every incremental model and for the
raw tables whose tests the window would scope. The window is given only when it is proven to hold every
changed month; otherwise (first build, a relation missing, nothing changed, an uncovered model, a previous
build that did not succeed, Spark) the whole warehouse is built and tested, as without this module.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetKey, DagsterInstance, DagsterRunStatus

from ..resources import WarehouseResource


@dataclass(frozen=True)
class LoadComparison:
    """A relation dbt builds month by month from `source`, keeping each row's county_code and _load_id."""

    built: str  # schema.name of the built relation (month column month_start)
    source: str  # schema.name of what it is built from
    source_month: str = "month_start"  # the source's month column


# The inputs monthly_rebuild_filter compares, per incremental model (dbt/models/**: `monthly_rebuild_filter`):
# the staging views are raw's rows renamed (period -> month_start), so raw is compared directly. The
# eldercare table has no incremental fact, but the tests of its raw table and staging view are scoped by
# the window: its raw loads are compared with int_eldercare__institution_months (rebuilt in full by every
# build, it holds the loads of the last build).
COMPARISONS: tuple[LoadComparison, ...] = (
    LoadComparison("marts.fct_assistance_payment", "raw.assistance_roster", "period"),
    LoadComparison("marts.fct_assistance_caseload", "marts.fct_assistance_payment"),
    LoadComparison("marts.fct_volunteer_service", "raw.volunteer_service", "period"),
    LoadComparison("intermediate.int_volunteer__roster_months", "raw.volunteer_roster", "period"),
    LoadComparison("marts.fct_lottery_sales", "raw.lottery_sales", "period"),
    LoadComparison("intermediate.int_lottery__outlet_months", "raw.lottery_sales", "period"),
    LoadComparison("intermediate.int_lottery__county_months", "marts.fct_lottery_sales"),
    LoadComparison("intermediate.int_eldercare__institution_months", "raw.eldercare_institutions", "period"),
)

# Views with windowed tests whose rows are exactly a compared raw table's (rename and cast only).
STAGING_VIEWS: dict[str, str] = {
    "stg_jinmin__assistance_roster": "raw.assistance_roster",
    "stg_jinmin__eldercare_institutions": "raw.eldercare_institutions",
    "stg_jinmin__volunteer_roster": "raw.volunteer_roster",
    "stg_jinmin__volunteer_service": "raw.volunteer_service",
    "stg_jinmin__lottery_sales": "raw.lottery_sales",
}


class UnprovenChange(Exception):
    """The changed months cannot be proven; the message (Chinese) says why."""


@dataclass(frozen=True)
class DbtWindow:
    """What the dbt build is given: the changed months (empty: no window, whole tables) and why."""

    months: tuple[dt.date, ...]
    reason: str = ""  # why there is no window (Chinese), empty with a window

    @property
    def first(self) -> dt.date | None:
        return self.months[0] if self.months else None

    @property
    def last(self) -> dt.date | None:
        return self.months[-1] if self.months else None

    def log_line(self) -> str:
        if self.first is None or self.last is None:
            return f"本次构建并检验整个数据仓库（全部月份）：{self.reason}"
        listed = "、".join(f"{m:%Y-%m}" for m in self.months)
        return (
            f"本次按新装载/更正/撤回的月份构建并检验：{self.first:%Y-%m} 至 {self.last:%Y-%m}"
            f"（有变动的月份：{listed}）；其余月份的数据未变，已由构建它们的运行检验"
        )


def guarded_asset_keys() -> list[AssetKey]:
    """The dbt assets whose tests a window scopes: their last build must have succeeded in full."""
    built = [AssetKey(c.built.split(".")) for c in COMPARISONS]
    return sorted({*built, *(AssetKey(["staging", name]) for name in STAGING_VIEWS)}, key=str)


@cache
def load_manifest(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _meta(node: Mapping[str, Any]) -> Mapping[str, Any]:
    return (node.get("config") or {}).get("meta") or node.get("meta") or {}


def uncovered_nodes(manifest: Mapping[str, Any]) -> list[str]:
    """Incremental models and relations with windowed tests (meta.test_window_column) whose months no
    comparison covers: a model added without a row in COMPARISONS must not be tested on a window."""
    built = {c.built for c in COMPARISONS}
    compared_inputs = {c.source for c in COMPARISONS}
    out: list[str] = []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        incremental = (node.get("config") or {}).get("materialized") == "incremental"
        if not (incremental or _meta(node).get("test_window_column")):
            continue
        relation = f"{node['schema']}.{node['name']}"
        if relation not in built and STAGING_VIEWS.get(node["name"]) not in compared_inputs:
            out.append(node["name"])
    for source in manifest.get("sources", {}).values():
        relation = f"{source['schema']}.{source.get('identifier') or source['name']}"
        if _meta(source).get("test_window_column") and relation not in compared_inputs:
            out.append(f"{source['source_name']}.{source['name']}")
    return sorted(out)


def _missing(con: duckdb.DuckDBPyConnection, relation: str, month_column: str) -> bool:
    schema, name = relation.split(".")
    columns = {
        c
        for (c,) in con.execute(
            "SELECT lower(column_name) FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchall()
    }
    return not {month_column, "county_code", "_load_id"} <= columns


def changed_months(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, ...]:
    """Months whose (county_code, _load_id) set differs between a built relation and its input, in either
    direction: a new or corrected (_更正N) load, or a county-month withdrawn. Raises UnprovenChange when a
    relation (or its load columns) is missing."""
    for c in COMPARISONS:
        for relation, month in ((c.built, "month_start"), (c.source, c.source_month)):
            if _missing(con, relation, month):
                raise UnprovenChange(f"{relation} 尚不存在或缺少装载批次列（首次构建或新模型）")
    months: set[dt.date] = set()
    for c in COMPARISONS:
        source = f"SELECT DISTINCT CAST({c.source_month} AS DATE), county_code, _load_id FROM {c.source}"
        built = f"SELECT DISTINCT CAST(month_start AS DATE), county_code, _load_id FROM {c.built}"
        rows = con.execute(
            f"""SELECT m FROM (({source}) EXCEPT ({built})) AS new_loads (m, c, l)
                UNION
                SELECT m FROM (({built}) EXCEPT ({source})) AS gone_loads (m, c, l)"""
        ).fetchall()
        months.update(m for (m,) in rows)
    return tuple(sorted(months))


def unsuccessful_builds(instance: DagsterInstance, keys: Iterable[AssetKey]) -> list[str]:
    """The guarded assets whose latest materialization is not from a run that succeeded (or that Dagster
    never materialized): their failed tests would otherwise not be rerun on their months."""
    out: list[str] = []
    statuses: dict[str, DagsterRunStatus | None] = {}
    for key in keys:
        event = instance.get_latest_materialization_event(key)
        if event is None:
            out.append(f"{key.to_user_string()}（无构建记录）")
            continue
        if event.run_id not in statuses:
            run = instance.get_run_by_id(event.run_id)
            statuses[event.run_id] = run.status if run is not None else None
        if statuses[event.run_id] != DagsterRunStatus.SUCCESS:
            out.append(f"{key.to_user_string()}（运行 {event.run_id[:8]} 未成功）")
    return out


def plan_dbt_window(
    *,
    engine: str,
    warehouse: WarehouseResource,
    manifest: Mapping[str, Any],
    instance: DagsterInstance,
) -> DbtWindow:
    """The window of this dbt build, or none (whole tables) whenever the changed months are not proven."""
    if engine != "duckdb":
        return DbtWindow((), f"{engine} 引擎不按月份缩小构建范围")
    uncovered = uncovered_nodes(manifest)
    if uncovered:
        return DbtWindow((), f"无法比对这些模型的装载批次：{'、'.join(uncovered)}")
    if not Path(warehouse.path).exists():
        return DbtWindow((), "数据仓库尚未建立（首次构建）")
    unsuccessful = unsuccessful_builds(instance, guarded_asset_keys())
    if unsuccessful:
        shown = "；".join(unsuccessful[:3]) + ("等" if len(unsuccessful) > 3 else "")
        return DbtWindow((), f"上次构建未全部成功或不在 Dagster 记录中，检验须覆盖全部月份（{shown}）")
    try:
        with warehouse.connect(read_only=True) as con:
            months = changed_months(con)
    except UnprovenChange as exc:
        return DbtWindow((), str(exc))
    except duckdb.Error as exc:
        return DbtWindow((), f"无法只读打开数据仓库比对装载批次（{type(exc).__name__}）")
    if not months:
        return DbtWindow((), "原始数据没有新装载、更正或撤回的月份（例如只有参考数据变化）")
    return DbtWindow(months)
