"""The SQL the Superset dashboards send, rendered from the bundle in dashboards/bundle/ (charts and datasets).

Each chart's stored query_context is what the dashboard posts to /api/v1/chart/data; Superset compiles it
against the dataset (physical table, saved metrics) into one SELECT. This renders the same statement the
way Superset's DuckDB engine spec does: saved metric expressions, `DATE_TRUNC('month', col)` for the P1M
time grain, the adhoc WHERE clauses, GROUP BY the dimensions, ORDER BY the first metric, LIMIT row_limit,
and the Jinja templating Superset applies (ENABLE_TEMPLATE_PROCESSING) as on a dashboard's first load with
no native filter applied: filter_values() and get_filters() empty, url_param() None. Falls back to representative queries on the mart_* tables when there is no bundle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

BUNDLE = Path(__file__).resolve().parent.parent / "dashboards" / "bundle"
TIME_GRAINS = {
    "P1D": "DATE_TRUNC('day', {col})",
    "P1W": "DATE_TRUNC('week', {col})",
    "P1M": "DATE_TRUNC('month', {col})",
    "P3M": "DATE_TRUNC('quarter', {col})",
    "P1Y": "DATE_TRUNC('year', {col})",
}
FALLBACK = {
    "assistance latest month by county": """SELECT county_name_zh AS county_name_zh,
        MAX(dibao_coverage_per_100) AS dibao_coverage_per_100 FROM marts.mart_assistance_county_month
        WHERE (month_start = (SELECT max(month_start) FROM marts.mart_assistance_county_month))
        GROUP BY county_name_zh ORDER BY dibao_coverage_per_100 DESC LIMIT 10000""",
    "overview trend": """SELECT DATE_TRUNC('month', month_start) AS month_start,
        SUM(dibao_recipients) AS dibao_recipients FROM marts.mart_overview_county_month
        GROUP BY DATE_TRUNC('month', month_start) ORDER BY dibao_recipients DESC LIMIT 10000""",
}


@dataclass(frozen=True)
class ChartQuery:
    chart: str  # slice name (Chinese, as on the dashboard)
    viz_type: str
    table: str
    sql: str


def _q(label: str) -> str:
    return '"' + label.replace('"', '""') + '"'


def _metric(metric: Any, saved: dict[str, str]) -> tuple[str, str]:
    if isinstance(metric, str):
        return saved.get(metric) or metric, metric
    if metric.get("expressionType") == "SQL":
        return metric["sqlExpression"], metric.get("label") or metric["sqlExpression"]
    column = metric["column"]["column_name"]
    return f"{metric['aggregate']}({column})", metric.get("label") or f"{metric['aggregate']}({column})"


def _filter(f: dict[str, Any], calculated: dict[str, str] | None = None) -> str | None:
    col, op, val = f.get("col"), f.get("op"), f.get("val")
    if not isinstance(col, str) or op in (None, "TEMPORAL_RANGE"):
        return None
    col = f"({calculated[col]})" if calculated and col in calculated else col  # a calculated column
    if op in ("IS TRUE", "IS FALSE"):
        return f"{col} {op}"
    quote = lambda v: str(v) if isinstance(v, int | float) else "'" + str(v).replace("'", "''") + "'"  # noqa: E731
    if op in ("IN", "NOT IN"):
        return f"{col} {op} ({', '.join(quote(v) for v in val)})"
    if op in ("IS NULL", "IS NOT NULL"):
        return f"{col} {op}"
    return f"{col} {op} {quote(val)}"


_JINJA = jinja2.Environment(undefined=jinja2.StrictUndefined)
_SUPERSET_MACROS = {
    "filter_values": lambda *args, **kwargs: [],
    "get_filters": lambda *args, **kwargs: [],
    "url_param": lambda *args, **kwargs: kwargs.get("default"),
}


def _template(sql: str) -> str:
    return _JINJA.from_string(sql).render(**_SUPERSET_MACROS) if "{" in sql else sql


def render(query: dict[str, Any], dataset: dict[str, Any]) -> str:
    return _template(_render(query, dataset))


def _render(query: dict[str, Any], dataset: dict[str, Any]) -> str:
    table = f"{dataset['schema']}.{dataset['table_name']}"
    if dataset.get("sql"):  # a virtual dataset: Superset selects from its SQL as a subquery
        table = f"({dataset['sql'].strip().rstrip(';')}) AS virtual_table"
    saved = {m["metric_name"]: m["expression"] for m in dataset.get("metrics") or [] if m.get("expression")}
    select: list[str] = []
    group: list[str] = []
    for c in query.get("columns") or []:
        if isinstance(c, str):
            expr, label = c, c
        else:
            expr, label = c["sqlExpression"], c.get("label") or c["sqlExpression"]
            if c.get("timeGrain") in TIME_GRAINS:
                expr = TIME_GRAINS[c["timeGrain"]].format(col=expr)
        select.append(f"{expr} AS {_q(label)}")
        group.append(expr)
    metrics = [_metric(m, saved) for m in query.get("metrics") or []]
    select += [f"{expr} AS {_q(label)}" for expr, label in metrics]
    calculated = {
        c["column_name"]: c["expression"] for c in dataset.get("columns") or [] if c.get("expression")
    }
    where = [w for w in (_filter(f, calculated) for f in query.get("filters") or []) if w]
    extra_where = (query.get("extras") or {}).get("where")
    if extra_where:
        where.append(extra_where)
    sql = f"SELECT {', '.join(select) or '*'} \nFROM {table}"
    if where:
        sql += "\nWHERE " + " AND ".join(where)
    if metrics and group:
        sql += "\nGROUP BY " + ", ".join(group)
    having = (query.get("extras") or {}).get("having")
    if having:
        sql += f"\nHAVING {having}"
    order = []
    for item, ascending in query.get("orderby") or []:
        expr = _metric(item, saved)[0] if metrics else str(item)
        order.append(f"{expr} {'ASC' if ascending else 'DESC'}")
    if order:
        sql += "\nORDER BY " + ", ".join(order)
    if query.get("row_limit"):
        sql += f"\nLIMIT {int(query['row_limit'])}"
    return sql


def chart_queries(bundle: Path = BUNDLE) -> list[ChartQuery]:
    """Every query of every chart in the bundle; the fallback queries if the bundle is missing."""
    charts = sorted((bundle / "charts").glob("*.yaml")) if bundle.is_dir() else []
    if not charts:
        return [ChartQuery(name, "fallback", "marts", sql) for name, sql in FALLBACK.items()]
    datasets = {}
    for path in (bundle / "datasets").rglob("*.yaml"):
        d = yaml.safe_load(path.read_text("utf-8"))
        datasets[d["uuid"]] = d
    out: list[ChartQuery] = []
    for path in charts:
        chart = yaml.safe_load(path.read_text("utf-8"))
        dataset = datasets.get(chart.get("dataset_uuid"))
        if dataset is None or not chart.get("query_context"):
            continue
        for query in json.loads(chart["query_context"]).get("queries", []):
            out.append(
                ChartQuery(
                    chart["slice_name"],
                    chart.get("viz_type", ""),
                    f"{dataset['schema']}.{dataset['table_name']}",
                    render(query, dataset),
                )
            )
    return out
