"""A chart's YAML: its form data and the stored query context that reports and the API replay."""

from __future__ import annotations

import json

from . import reference_lines
from .chart_params import chart_params
from .charts import Chart
from .datasets import DS
from .uuids import uid


def query_context(c: Chart, params: dict) -> dict:
    """The query objects Superset stores with the chart (one per query; two for a mixed chart)."""
    metrics = [params["metric"]] if "metric" in params else params.get("metrics", [])
    cols: list = []
    if c.viz.startswith("echarts_timeseries"):
        x = params["x_axis"]
        cols.append(
            {
                "columnType": "BASE_AXIS",
                "sqlExpression": x,
                "label": x,
                "expressionType": "SQL",
                **({"timeGrain": "P1M"} if x == DS[c.table].dttm else {}),
            }
        )
        cols += params["groupby"]
    elif c.viz == "heatmap_v2":
        cols = [params["x_axis"], params["groupby"]]
    elif c.viz in ("table", "pie"):
        cols = list(params["groupby"])
    filters = [
        {"expressionType": "SQL", "sqlExpression": f["sqlExpression"], "clause": "WHERE"}
        for f in params["adhoc_filters"]
        if f["expressionType"] == "SQL"
    ]
    simple = [
        {"col": f["subject"], "op": f["operator"]}
        for f in params["adhoc_filters"]
        if f["expressionType"] == "SIMPLE"
    ]
    query = {
        "columns": cols,
        "metrics": metrics,
        "orderby": [[metrics[0], not params.get("order_desc", True)]] if metrics else [],
        "row_limit": params["row_limit"],
        "filters": simple,
        "extras": {"having": "", "where": ""},
        "time_range": "No filter",
        "applied_time_extras": {},
        "annotation_layers": [],
        "series_limit": 0,
        "order_desc": True,
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
    }
    if filters:
        query["extras"]["where"] = " AND ".join(f"({f['sqlExpression']})" for f in filters)
    queries = reference_lines.mixed_queries(params, query) if c.viz == "mixed_timeseries" else [query]
    return {
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "queries": queries,
        "form_data": params,
        "result_format": "json",
        "result_type": "full",
    }


def chart_yaml(c: Chart, defaults: list[tuple[str, str]] | None = None) -> dict:
    """charts/<uuid>_<viz>.yaml; `defaults` as in chart_params."""
    params = chart_params(c, defaults)
    return {
        "slice_name": c.name,
        "description": None,
        "certified_by": None,
        "certification_details": None,
        "viz_type": c.viz,
        "params": params,
        "query_context": json.dumps(query_context(c, params), ensure_ascii=False),
        "cache_timeout": None,
        "uuid": c.uuid,
        "version": "1.0.0",
        "dataset_uuid": uid("dataset", c.table),
    }
