"""County bars with reference lines: Superset's mixed chart (viz `mixed_timeseries`) on a categorical x-axis.

Query A draws the counties' values as bars; query B draws, from the same rows, per-row columns that are the
same for every county (the prefecture's value, the plan target) as lines across the bars: a reference
line that follows the month filter, unlike a fixed annotation. Both queries take the chart's filters.

The mixed chart has no x-axis sort: Superset pivots each query on the x-axis, which orders the
categories by text. The x-axis is therefore a label that sorts in the wanted order
(mart_county_indicator_month.county_axis_label_zh: ①宝塔区 … the best first).
"""

from __future__ import annotations

# the line series of query B: dataset metrics (mart_county_indicator_month), named in the legend
LINE_METRICS = ("prefecture_value", "target_value")
LINE_LABELS = {"prefecture_value": "全市平均", "target_value": "规划目标"}


def mixed_params(x_axis: str, bars: list[str], lines: list[str], filters: list[dict], y_format: str) -> dict:
    """Form data of a mixed chart: bars of `bars`, lines of `lines`, both on the primary y-axis and under
    the same `filters`; every category named (no skipped labels)."""
    query = {"groupby": [], "limit": None, "order_desc": True, "row_limit": 10000, "truncate_metric": True}
    return {
        "x_axis": x_axis,
        "time_grain_sqla": None,
        "metrics": bars,
        "adhoc_filters": filters,
        **query,
        "metrics_b": lines,
        "adhoc_filters_b": filters,
        **{f"{k}_b": v for k, v in query.items()},
        "seriesType": "bar",
        "seriesTypeB": "line",
        "show_value": True,
        "show_valueB": False,
        "markerEnabled": False,
        "markerEnabledB": True,  # one county (a county login): a line of one point is only its marker
        "markerSize": 6,
        "markerSizeB": 5,
        "yAxisIndex": 0,
        "yAxisIndexB": 0,
        "stack": False,
        "stackB": False,
        "area": False,
        "areaB": False,
        "show_legend": True,
        "legendType": "scroll",
        "legendOrientation": "top",
        "rich_tooltip": True,
        "show_query_identifiers": False,
        "zoomable": False,
        "truncateYAxis": False,
        "y_axis_format": y_format,
        "y_axis_format_secondary": y_format,
        "xAxisLabelRotation": 45,
        "xAxisLabelInterval": 0,
    }


def mixed_queries(params: dict, base_query: dict) -> list[dict]:
    """The two query objects of the chart's stored query context (what reports and the API replay)."""
    out = []
    for suffix in ("", "_b"):
        metrics = params[f"metrics{suffix}"]
        out.append(
            base_query
            | {
                "columns": [
                    {
                        "columnType": "BASE_AXIS",
                        "sqlExpression": params["x_axis"],
                        "label": params["x_axis"],
                        "expressionType": "SQL",
                    }
                ],
                "metrics": metrics,
                "orderby": [[metrics[0], False]],
            }
        )
    return out
