"""A dataset's YAML: its columns and metrics with their Chinese labels, the sort metrics of the filters, and
the calculated boolean columns its charts' conditions registered (charts.CONDITIONS)."""

from __future__ import annotations

from .conditions import CONDITIONS
from .database import DATABASE_UUID, SCHEMA
from .datasets import COUNTY_SORT, MONTH_SORT, Dataset
from .uuids import uid


def dataset_yaml(d: Dataset) -> dict:
    """datasets/minzheng_warehouse/<table>.yaml. Call it after the charts' YAML (see CONDITIONS)."""
    return {
        "table_name": d.table,
        "main_dttm_col": d.dttm,
        "description": d.label,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "schema": SCHEMA,
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": uid("dataset", d.table),
        "metrics": [
            {
                "metric_name": x.name,
                "verbose_name": x.label,
                "metric_type": None,
                "expression": x.expression,
                "description": None,
                "d3format": x.d3format,
                "currency": None,
                "extra": {},
                "warning_text": None,
            }
            for x in d.metrics
            + ([MONTH_SORT] if d.dttm == "month_start" else [])
            + ([COUNTY_SORT] if "county_code" in d.columns else [])
        ],
        "columns": [
            {
                "column_name": c,
                "verbose_name": label,
                "is_dttm": c == d.dttm,
                "is_active": True,
                "type": "DATE" if c == d.dttm else "VARCHAR",
                "advanced_data_type": None,
                "groupby": True,
                "filterable": True,
                "expression": None,
                "description": None,
                "python_date_format": None,
                "extra": {},
            }
            for c, label in d.columns.items()
        ]
        + [
            {
                "column_name": name,
                "verbose_name": None,
                "is_dttm": False,
                "is_active": True,
                "type": "BOOLEAN",
                "advanced_data_type": None,
                "groupby": False,
                "filterable": True,
                "expression": expression,
                "description": "图表条件（由看板定义，用户不可改）",
                "python_date_format": None,
                "extra": {},
            }
            for name, expression in sorted(CONDITIONS.get(d.table, {}).items())
        ],
        "version": "1.0.0",
        "database_uuid": DATABASE_UUID,
    }
