"""A chart's form data (`params`): its filters, then what its kind of chart (viz) needs, then its `extra`."""

from __future__ import annotations

from collections.abc import Callable

from . import reference_lines
from .charts import COUNTY_AXIS, Chart, metric_ref
from .conditions import Where, condition
from .datasets import DS, LATEST
from .formats import DEC


def chart_filters(c: Chart, defaults: list[tuple[str, str]] | None = None) -> list[dict]:
    """The chart's adhoc filters: the latest month if pinned to it, its `where`, then `defaults`."""
    filters = []
    if c.latest_only:
        filters.append(
            condition(c.table, "is_latest_month", LATEST.format(table=c.table, dttm=DS[c.table].dttm))
        )
    where = Where(c.where) if isinstance(c.where, str) else c.where
    if where and where.sql:
        filters.append(
            {
                "clause": "WHERE",
                "expressionType": "SQL",
                "sqlExpression": where.sql,
                "subject": None,
                "operator": None,
                "comparator": None,
                "isExtra": False,
                "filterOptionName": "where",
            }
        )
    for name, expression in where.conditions if where else ():
        filters.append(condition(c.table, name, expression))
    for key, sql in defaults or []:
        filters.append(condition(c.table, f"default_{key}", sql))
    return filters


def _first_format(c: Chart, metrics: list[str]) -> str | None:
    """The d3 format of the chart's first metric, as its dataset declares it."""
    return next(x.d3format for x in DS[c.table].metrics if x.name == metrics[0])


def _big_number(c: Chart, metrics: list[str], filters: list[dict]) -> dict:
    return {"metric": metrics[0], "header_font_size": 0.4, "subheader_font_size": 0.15}


def _timeseries(c: Chart, metrics: list[str], filters: list[dict]) -> dict:
    """Line or bar chart over the months, or (x_axis a name column) a county comparison."""
    p = {
        "x_axis": c.x_axis or DS[c.table].dttm,
        "metrics": metrics,
        "groupby": c.groupby,
        "time_grain_sqla": "P1M" if (c.x_axis or DS[c.table].dttm) == DS[c.table].dttm else None,
        "order_desc": True,
        "show_legend": True,
        "rich_tooltip": True,
        "x_axis_sort_asc": True,
        "truncate_metric": True,
        "y_axis_format": _first_format(c, metrics) or "SMART_NUMBER",
    }
    if p["time_grain_sqla"]:  # months as 2025-06, not English month names
        p |= {"x_axis_time_format": "%Y-%m", "tooltipTimeFormat": "%Y-%m"}
    if c.x_axis in ("county_name_zh", "region_name_zh"):
        # a county comparison: every county named, sorted by the (first) value, highest first
        p |= {
            "xAxisLabelInterval": "0",
            "xAxisLabelRotation": 45,
            "x_axis_sort": metrics[0],
            "x_axis_sort_asc": False,
            "show_value": len(metrics) == 1,
        }
    return p


def _mixed(c: Chart, metrics: list[str], filters: list[dict]) -> dict:
    """County bars with reference lines (reference_lines.py); both queries share the same `filters`."""
    fmt = c.extra.get("y_axis_format") or _first_format(c, metrics)
    lines = [metric_ref(c.table, x) for x in c.lines]
    return reference_lines.mixed_params(c.x_axis or COUNTY_AXIS, metrics, lines, filters, fmt or DEC)


def _table(c: Chart, metrics: list[str], filters: list[dict]) -> dict:
    return {
        "query_mode": "aggregate",
        "groupby": c.groupby,
        "metrics": metrics,
        "all_columns": [],
        "order_desc": True,
        "server_page_length": 0,
        "page_length": 0,
        "include_search": False,
        "table_timestamp_format": "%Y-%m",
    }


def _heatmap(c: Chart, metrics: list[str], filters: list[dict]) -> dict:
    return {
        "x_axis": c.x_axis,
        "groupby": c.groupby[0],
        "metric": metrics[0],
        "normalize_across": "heatmap",
        "linear_color_scheme": "blue_white_yellow",
        "show_values": True,
        "sort_x_axis": "alpha_asc",
        "sort_y_axis": "alpha_asc",
        "value_bounds": [None, None],
        "y_axis_format": "d",
    }


def _pie(c: Chart, metrics: list[str], filters: list[dict]) -> dict:
    return {"groupby": c.groupby, "metric": metrics[0], "show_labels": True, "label_type": "key_percent"}


FormData = Callable[[Chart, list[str], list[dict]], dict]
BY_VIZ: dict[str, FormData] = {
    "big_number_total": _big_number,
    "echarts_timeseries_line": _timeseries,
    "echarts_timeseries_bar": _timeseries,
    "mixed_timeseries": _mixed,
    "table": _table,
    "heatmap_v2": _heatmap,
    "pie": _pie,
}


def chart_params(c: Chart, defaults: list[tuple[str, str]] | None = None) -> dict:
    """`defaults`: (filter key, SQL) of the dashboard's native filters that apply to the chart, each the
    rows to show while that filter has no value (see NativeFilter.fallback)."""
    metrics = [metric_ref(c.table, x) for x in c.metrics]
    filters = chart_filters(c, defaults)
    p: dict = {
        "viz_type": c.viz,
        "adhoc_filters": filters,
        "row_limit": 10000,
        "color_scheme": "supersetColors",
        "time_range": "No filter",
    }
    if c.viz in BY_VIZ:
        p |= BY_VIZ[c.viz](c, metrics, filters)
    p |= c.extra
    return p
