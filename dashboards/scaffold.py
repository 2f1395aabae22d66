"""One-shot generator of NEW Superset assets from the compact spec below; it never changes the bundle's
existing files.

dashboards/bundle/ is the single source of the dashboards: it is what gets imported, it is edited
directly (YAML) or in the Superset UI and written back with `make superset-export`, and
dashboards/validate_bundle.py is the gate before import and commit. This tool only writes files that do
not exist yet (a new chart, dataset or dashboard described in the spec), and refuses to overwrite any
file of the bundle, so it can never undo an edit made there:

    uv run python dashboards/scaffold.py                 # writes the missing files into dashboards/bundle/
    uv run python dashboards/scaffold.py --out /tmp/b    # the whole spec into an empty folder, to compare

A new chart on an existing dashboard: describe it here, run the tool (it writes the chart's file), then
place it on the dashboard in the UI and export, or add it to the dashboard's `position` by hand.
UUIDs are derived from names (uuid5), so a generated file has the same UUID on every machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

try:  # run as a script (uv run python dashboards/scaffold.py) or imported as dashboards.scaffold
    from dashboards import reference_lines
except ImportError:  # pragma: no cover
    import reference_lines  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
BUNDLE = HERE / "bundle"
NS = uuid.UUID("6b0e2f4e-8f1d-4e57-9a57-6d696e7a6865")
DB_NAME = "民政数据仓库"
SCHEMA = "marts"
# Placeholder: import_bundle.py substitutes the serving file path of the machine it runs on.
SERVING_URI = "duckdb:///SERVING_PATH"


def uid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NS, f"{kind}:{name}"))


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    expression: str
    d3format: str | None = None


@dataclass(frozen=True)
class Dataset:
    table: str
    label: str
    columns: dict[str, str]  # column -> Chinese label
    metrics: list[Metric]
    county_grain: bool = True  # has county_code: row-level security applies
    dttm: str = "month_start"


def m(name: str, label: str, expr: str, fmt: str | None = None) -> Metric:
    return Metric(name, label, expr, fmt)


PCT = ".1%"
NUM = ",.0f"
DEC = ",.2f"
YUAN_YI = ",.2f"  # shown in 亿元 via the expression

OVERVIEW_LABELS = {
    "nursing_bed_share_label_zh": "护理型床位占比",
    "nursing_bed_share_rank_label_zh": "护理型床位占比排名",
}
COMMON = {
    "county_code": "区划代码",
    "county_name_zh": "县（市、区）",
    "prefecture_name_zh": "市",
    "month_start": "月份",
    "month_label_zh": "统计月份",
    "year": "年度",
}

DATASETS = [
    Dataset(
        "mart_overview_county_month",
        "县区综合指标（月）",
        COMMON | OVERVIEW_LABELS,
        [
            m("dibao_recipients", "低保人数", "SUM(dibao_recipients)", NUM),
            m("dibao_coverage_per_100", "低保覆盖率（每百人）", "MAX(dibao_coverage_per_100)", DEC),
            m("beds_per_1000_elderly", "每千名老年人养老床位（张）", "MAX(beds_per_1000_elderly)", ".1f"),
            m("nursing_bed_share", "护理型床位占比", "MAX(nursing_bed_share)", PCT),
            m(
                "registered_volunteers_per_10k",
                "每万人注册志愿者（人）",
                "MAX(registered_volunteers_per_10k)",
                NUM,
            ),
            m("sales_per_capita", "人均福彩销售额（元）", "MAX(sales_per_capita)", DEC),
            m("sales_amount_wan", "福彩销售额（万元）", "SUM(sales_amount) / 1e4", ",.1f"),
            m("welfare_fund_wan", "公益金（万元）", "SUM(welfare_fund_amount) / 1e4", ",.1f"),
            m("rank_dibao_coverage", "低保覆盖率排名", "MAX(rank_dibao_coverage_per_100)", "d"),
            m("rank_beds", "千人床位排名", "MAX(rank_beds_per_1000_elderly)", "d"),
            m("rank_nursing", "护理型床位占比排名", "MAX(rank_nursing_bed_share)", "d"),
            m("rank_volunteers", "万人志愿者排名", "MAX(rank_registered_volunteers_per_10k)", "d"),
            m("rank_sales", "人均销售额排名", "MAX(rank_sales_per_capita)", "d"),
        ],
    ),
    Dataset(
        "mart_overview_prefecture_month",
        "全市综合指标（月）",
        {k: v for k, v in COMMON.items() if k not in ("county_code", "county_name_zh")},
        [
            m("dibao_recipients", "低保人数（人）", "SUM(dibao_recipients)", NUM),
            m("total_beds", "养老床位（张）", "SUM(total_beds)", NUM),
            m("nursing_bed_share", "护理型床位占比", "MAX(nursing_bed_share)", PCT),
            m("registered_volunteers", "注册志愿者（人）", "SUM(registered_volunteers)", NUM),
            m("sales_amount_wan", "福彩销售额（万元）", "SUM(sales_amount) / 1e4", ",.1f"),
            m("welfare_fund_wan", "公益金（万元）", "SUM(welfare_fund_amount) / 1e4", ",.1f"),
            m("sales_yoy_growth", "福彩销售同比", "MAX(sales_yoy_growth)", "+.1%"),
            m("dibao_standard_ratio", "城乡低保标准之比", "MAX(dibao_standard_ratio_urban_rural)", ".2f"),
        ],
        county_grain=False,
    ),
    Dataset(
        "mart_assistance_county_month",
        "社会救助（县区×月）",
        COMMON,
        [
            m("dibao_recipients", "低保人数", "SUM(dibao_recipients)", NUM),
            m("urban_dibao_recipients", "城市低保人数", "SUM(urban_dibao_recipients)", NUM),
            m("rural_dibao_recipients", "农村低保人数", "SUM(rural_dibao_recipients)", NUM),
            m("tekun_recipients", "特困人员", "SUM(tekun_recipients)", NUM),
            m("temporary_assistance_cases", "临时救助（人次）", "SUM(temporary_assistance_cases)", NUM),
            m("assistance_spending_wan", "救助支出（万元）", "SUM(assistance_spending) / 1e4", ",.1f"),
            m("dibao_coverage_per_100", "低保覆盖率（每百人）", "MAX(dibao_coverage_per_100)", DEC),
            m("dibao_standard_ratio", "城乡低保标准比", "MAX(dibao_standard_ratio_urban_rural)", ".2f"),
            m("tekun_institutional_share", "特困集中供养比例", "MAX(tekun_institutional_share)", PCT),
        ],
    ),
    Dataset(
        "mart_eldercare_county_month",
        "养老床位（县区×月）",
        COMMON,
        [
            m("total_beds", "养老床位（张）", "SUM(total_beds)", NUM),
            m("institution_nursing_beds", "护理型床位（张）", "SUM(institution_nursing_beds)", NUM),
            m("beds_per_1000_elderly", "每千名老年人养老床位（张）", "MAX(beds_per_1000_elderly)", ".1f"),
            m("nursing_bed_share", "护理型床位占比", "MAX(nursing_bed_share)", PCT),
            m("occupancy_rate", "床位使用率", "MAX(occupancy_rate)", PCT),
        ],
    ),
    Dataset(
        "mart_volunteer_county_month",
        "志愿服务（县区×月）",
        COMMON,
        [
            m("registered_volunteers", "注册志愿者（人）", "SUM(registered_volunteers)", NUM),
            m("new_registrations", "新注册（人）", "SUM(new_registrations)", NUM),
            m("service_hours_wan", "服务时长（万小时）", "SUM(service_hours) / 1e4", ",.2f"),
            m(
                "registered_volunteers_per_10k",
                "每万人注册志愿者（人）",
                "MAX(registered_volunteers_per_10k)",
                NUM,
            ),
            m(
                "volunteers_with_hours_share",
                "有服务记录的志愿者占比",
                "MAX(volunteers_with_hours_share)",
                PCT,
            ),
            m("hours_per_volunteer", "人均服务时长（小时）", "MAX(hours_per_volunteer)", ".2f"),
        ],
    ),
    Dataset(
        "mart_lottery_county_month",
        "福利彩票（县区×月）",
        COMMON,
        [
            m("sales_amount_wan", "销售额（万元）", "SUM(sales_amount) / 1e4", ",.1f"),
            m("welfare_fund_wan", "公益金（万元）", "SUM(welfare_fund_amount) / 1e4", ",.1f"),
            m("sales_per_capita", "人均销售额（元）", "MAX(sales_per_capita)", DEC),
            m("sales_per_outlet_wan", "网点平均销售额（万元）", "MAX(sales_per_outlet) / 1e4", ",.2f"),
            m("sales_yoy_growth", "销售额同比", "MAX(sales_yoy_growth)", "+.1%"),
        ],
    ),
]
PLAN_COLUMNS = {
    "region_code": "区划代码",
    "region_name_zh": "地区",
    "region_level": "层级",
    "prefecture_name_zh": "市",
    "indicator_code": "指标代码",
    "indicator_name_zh": "指标",
    "domain_zh": "领域",
    "unit": "单位",
    "attribute_zh": "属性",
    "status_zh": "进度状态",
    "operator": "目标比较",
    "operator_zh": "目标要求",
    "attribute_label_zh": "属性",
    "target_label_zh": "2025年目标",
    "actual_label_zh": "实际",
    "target_text": "目标（文字）",
    "period": "月份",
    "period_label_zh": "统计月份",
    "is_latest_period": "是否最新月",
    "is_binding": "约束性",
}
DATASETS += [
    Dataset(
        "mart_plan_progress",
        "规划目标进度（地区×指标×月）",
        PLAN_COLUMNS,
        [
            m("actual_value", "实际值", "MAX(actual_value)", ",.2f"),
            m("target_value", "2025年目标", "MAX(target_value)", ",.2f"),
            m("baseline_value", "2020年基期值", "MAX(baseline_value)", ",.2f"),
            m("completion_ratio", "目标完成程度", "MAX(completion_ratio)", PCT),
            m("expected_pace", "应达进度（时间进度）", "MAX(expected_pace)", PCT),
            m("status_order", "状态序号（1=滞后）", "MAX(status_order)", "d"),
            m(
                "status_colour",
                "进度状态（1=滞后，3=符合进度，4=超前，5=已完成）",
                "MAX(CASE WHEN status_code = 'no_data' THEN NULL ELSE status_order END)",
                "d",
            ),
            m(
                "binding_behind",
                "滞后的约束性指标数",
                "SUM(CASE WHEN is_binding_behind THEN 1 ELSE 0 END)",
                "d",
            ),
            m("behind", "滞后指标数", "SUM(CASE WHEN status_code = 'behind' THEN 1 ELSE 0 END)", "d"),
        ],
        county_grain=False,
        dttm="period",
    ),
    Dataset(
        "mart_plan_scorecard",
        "规划目标计分板（地区×月）",
        {
            "region_code": "区划代码",
            "region_name_zh": "地区",
            "region_level": "层级",
            "period": "月份",
            "period_label_zh": "统计月份",
        },
        [
            m("indicators_met", "已完成", "SUM(indicators_met)", "d"),
            m("indicators_on_track", "进度超前或符合进度", "SUM(indicators_ahead + indicators_on_pace)", "d"),
            m("indicators_behind", "进度滞后", "SUM(indicators_behind)", "d"),
            m("indicators_no_data", "无数据", "SUM(indicators_no_data)", "d"),
            m("binding_indicators_behind", "滞后的约束性指标", "SUM(binding_indicators_behind)", "d"),
        ],
        county_grain=False,
        dttm="period",
    ),
]
DATASETS.append(
    Dataset(
        "mart_county_indicator_month",
        "县区指标对比（县区×月×指标）",
        COMMON
        | {
            "domain": "领域代码",
            "domain_zh": "领域",
            "indicator_code": "指标代码",
            "indicator_name_zh": "指标",
            "indicator_label_zh": "领域·指标",
            "unit": "单位",
            "direction_zh": "指标方向",
            "is_ranked": "是否排名",
            "county_axis_label_zh": "县（市、区）（按排名）",
        },
        [
            m("county_rank", "县区排名（1=最好）", "MAX(county_rank)", "d"),
            m("value", "县区值", "MAX(value)", DEC),
            # the reference lines of the county bars (reference_lines.py): the same on every county's row
            m(
                "prefecture_value",
                reference_lines.LINE_LABELS["prefecture_value"],
                "MAX(prefecture_value)",
                DEC,
            ),
            m("target_value", reference_lines.LINE_LABELS["target_value"], "MAX(target_value)", DEC),
            m("counties_ranked", "参与排名县区数", "MAX(counties_ranked)", "d"),
            m("indicator_order", "指标排序", "MIN(indicator_sort_order)", "d"),
        ],
    )
)
DATASETS.append(
    Dataset(
        "mart_plan_warning",
        "规划目标预警（地区×指标）",
        {
            "region_code": "区划代码",
            "region_name_zh": "地区",
            "region_level": "层级",
            "prefecture_code": "地级区划代码",
            "period": "月份",
            "period_label_zh": "统计月份",
            "indicator_name_zh": "指标",
            "attribute_zh": "属性",
            "operator_zh": "目标要求",
            "target_label_zh": "目标",
            "actual_label_zh": "实际",
            "status_zh": "进度状态",
            "projected_label_zh": "按趋势至规划期末",
            "projection_method_zh": "预测方法",
            "warning_reason_zh": "预警原因",
        },
        [
            m("warning_order", "预警顺序（约束性在前）", "MIN(warning_order)", "d"),
            # the 预警地区 filter lists the prefecture first, then its counties in code order
            m("region_sort", "区划代码（排序用）", "MIN(region_code)", None),
        ],
        county_grain=False,
        dttm="period",
    )
)
DATASETS.append(
    Dataset(
        "mart_publish_status",
        "数据发布说明（市）",
        {
            "prefecture_code": "地级区划代码",
            "prefecture_name_zh": "市",
            "as_of_month": "数据截至月份",
            "as_of_label_zh": "数据截至",
            "loaded_at_label_zh": "数据更新时间",
            "data_source_zh": "数据来源",
        },
        [m("months_loaded", "已入库月份数", "MAX(months_loaded)", "d")],
        county_grain=False,
        dttm="as_of_month",
    )
)
DS = {d.table: d for d in DATASETS}
# Every monthly dataset gets this metric: the month filter sorts its options by it (latest first), since
# labels such as 2025年9月 / 2025年12月 do not sort as text.
MONTH_SORT = Metric("month_sort", "月份（排序用）", "MAX(month_start)", None)
# ...and every county dataset this one: the county filter lists counties in official code order.
COUNTY_SORT = Metric("county_sort", "区划代码（排序用）", "MIN(county_code)", None)
LATEST = "{dttm} = (SELECT max({dttm}) FROM marts.{table})"


@dataclass
class Chart:
    name: str
    viz: str
    table: str
    metrics: list[str]
    groupby: list[str] = field(default_factory=list)
    x_axis: str | None = None
    latest_only: bool = False
    extra: dict = field(default_factory=dict)
    where: Where | str | None = None
    width: int = 6
    height: int = 50
    key: str | None = None  # the name the UUID derives from, if the chart was renamed
    lines: list[str] = field(default_factory=list)  # mixed_timeseries: metrics drawn as reference lines

    @property
    def uuid(self) -> str:
        return uid("chart", self.key or self.name)


def _metric_ref(table: str, name: str) -> str:
    assert any(x.name == name for x in DS[table].metrics), (table, name)
    return name


# Calculated boolean columns of each dataset: {table: {column: expression}}, filled while the charts are
# generated (main() writes the charts before the datasets).
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


def chart_params(c: Chart, defaults: list[tuple[str, str]] | None = None) -> dict:
    """`defaults`: (filter key, SQL) of the dashboard's native filters that apply to the chart, each the
    rows to show while that filter has no value (see NativeFilter.fallback)."""
    metrics = [_metric_ref(c.table, x) for x in c.metrics]
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
    p: dict = {
        "viz_type": c.viz,
        "adhoc_filters": filters,
        "row_limit": 10000,
        "color_scheme": "supersetColors",
        "time_range": "No filter",
    }
    if c.viz == "big_number_total":
        p |= {"metric": metrics[0], "header_font_size": 0.4, "subheader_font_size": 0.15}
    elif c.viz in ("echarts_timeseries_line", "echarts_timeseries_bar"):
        p |= {
            "x_axis": c.x_axis or DS[c.table].dttm,
            "metrics": metrics,
            "groupby": c.groupby,
            "time_grain_sqla": "P1M" if (c.x_axis or DS[c.table].dttm) == DS[c.table].dttm else None,
            "order_desc": True,
            "show_legend": True,
            "rich_tooltip": True,
            "x_axis_sort_asc": True,
            "truncate_metric": True,
            "y_axis_format": next(x.d3format for x in DS[c.table].metrics if x.name == metrics[0])
            or "SMART_NUMBER",
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
    elif c.viz == "mixed_timeseries":
        fmt = c.extra.get("y_axis_format") or next(
            x.d3format for x in DS[c.table].metrics if x.name == metrics[0]
        )
        lines = [_metric_ref(c.table, x) for x in c.lines]
        p |= reference_lines.mixed_params(c.x_axis or COUNTY_AXIS, metrics, lines, filters, fmt or DEC)
    elif c.viz == "table":
        p |= {
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
    elif c.viz == "heatmap_v2":
        p |= {
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
    elif c.viz == "pie":
        p |= {"groupby": c.groupby, "metric": metrics[0], "show_labels": True, "label_type": "key_percent"}
    p |= c.extra
    return p


def query_context(c: Chart, params: dict) -> dict:
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


# ---------------------------------------------------------------- dashboards
OV, AS, EL, VO, LO, PR, PP, SC, CI = (
    "mart_overview_county_month",
    "mart_assistance_county_month",
    "mart_eldercare_county_month",
    "mart_volunteer_county_month",
    "mart_lottery_county_month",
    "mart_overview_prefecture_month",
    "mart_plan_progress",
    "mart_plan_scorecard",
    "mart_county_indicator_month",
)
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


@dataclass(frozen=True)
class Where:
    """A chart's row condition: plain SQL on the dataset's own columns, and calculated boolean columns
    (name, expression) that must be true."""

    sql: str | None
    conditions: tuple[tuple[str, str], ...] = ()

    def __add__(self, more: str) -> Where:
        more = more.strip().removeprefix("AND ").strip()
        return Where(f"{self.sql} AND {more}" if self.sql else more, self.conditions)


COUNTY_AXIS = "county_axis_label_zh"  # ①宝塔区 …: sorts best first (reference_lines.py)
PCT_UNIT = ",.1f"  # a share already in % (mart_county_indicator_month's display unit)


def county_bars(
    name: str, indicator: str, y_format: str, *, latest_only: bool = False, key: str | None = None, **kw
) -> Chart:
    """Every county's value of one comparison indicator as bars, best first, with the prefecture's value
    (全市平均) and, where the plan sets one, the 2025 target (规划目标) as reference lines. The month is the
    dashboard's 统计月份 filter (default: the latest), unless `latest_only`."""
    return Chart(
        name,
        "mixed_timeseries",
        CI,
        ["value"],
        x_axis=COUNTY_AXIS,
        lines=list(reference_lines.LINE_METRICS),
        latest_only=latest_only,
        where=f"indicator_code = '{indicator}'",
        key=key or name,
        extra={"y_axis_format": y_format},
        **kw,
    )


PREF_LATEST = Where("region_level = 'prefecture' AND is_latest_period", (OURS,))
COUNTY_LATEST = Where("region_level = 'county' AND is_latest_period", (OURS,))
SC_PREF = Where("region_level = 'prefecture'", (SC_OURS,))

DASHBOARDS: dict[str, tuple[str, list[list[Chart]]]] = {
    "overview": (
        "总览",
        [
            [
                Chart(
                    "全市低保人数（人）",
                    "big_number_total",
                    PR,
                    ["dibao_recipients"],
                    key="全市低保人数（万人）",
                    latest_only=True,
                    width=3,
                    height=25,
                ),
                Chart(
                    "全市养老床位（张）",
                    "big_number_total",
                    PR,
                    ["total_beds"],
                    latest_only=True,
                    width=3,
                    height=25,
                ),
                Chart(
                    "全市注册志愿者（人）",
                    "big_number_total",
                    PR,
                    ["registered_volunteers"],
                    key="全市注册志愿者（万人）",
                    latest_only=True,
                    width=3,
                    height=25,
                ),
                Chart(
                    "本月福彩销售额（万元）",
                    "big_number_total",
                    PR,
                    ["sales_amount_wan"],
                    key="本月福彩销售额（亿元）",
                    latest_only=True,
                    width=3,
                    height=25,
                ),
            ],
            [
                Chart(
                    "全市护理型床位占比",
                    "big_number_total",
                    PR,
                    ["nursing_bed_share"],
                    latest_only=True,
                    width=4,
                    height=25,
                ),
                Chart(
                    "本月公益金（万元）",
                    "big_number_total",
                    PR,
                    ["welfare_fund_wan"],
                    latest_only=True,
                    width=4,
                    height=25,
                ),
                Chart(
                    "福彩销售额同比",
                    "big_number_total",
                    PR,
                    ["sales_yoy_growth"],
                    latest_only=True,
                    width=4,
                    height=25,
                ),
            ],
            [
                Chart(
                    "全市低保人数与志愿者趋势",
                    "echarts_timeseries_line",
                    PR,
                    ["dibao_recipients", "registered_volunteers"],
                    width=6,
                ),
                Chart(
                    "全市福彩销售额与公益金（万元，按月）",
                    "echarts_timeseries_bar",
                    PR,
                    ["sales_amount_wan", "welfare_fund_wan"],
                    key="全市福彩销售额与公益金（按月）",
                    width=6,
                ),
            ],
            [
                Chart(
                    "规划指标：已完成",
                    "big_number_total",
                    SC,
                    ["indicators_met"],
                    latest_only=True,
                    where=SC_PREF,
                    width=3,
                    height=25,
                ),
                Chart(
                    "规划指标：进度超前或符合进度",
                    "big_number_total",
                    SC,
                    ["indicators_on_track"],
                    latest_only=True,
                    where=SC_PREF,
                    width=3,
                    height=25,
                ),
                Chart(
                    "规划指标：进度滞后",
                    "big_number_total",
                    SC,
                    ["indicators_behind"],
                    latest_only=True,
                    where=SC_PREF,
                    width=3,
                    height=25,
                ),
                Chart(
                    "滞后的约束性指标",
                    "big_number_total",
                    SC,
                    ["binding_indicators_behind"],
                    latest_only=True,
                    where=SC_PREF,
                    width=3,
                    height=25,
                ),
            ],
            [
                Chart(
                    "各县区主要指标（最新月）",
                    "table",
                    OV,
                    [
                        "dibao_coverage_per_100",
                        "beds_per_1000_elderly",
                        "registered_volunteers_per_10k",
                        "sales_per_capita",
                    ],
                    # a text column: says why a share is missing (黄龙县: 无养老机构) instead of N/A
                    groupby=["county_name_zh", "nursing_bed_share_label_zh"],
                    latest_only=True,
                    width=12,
                    height=84,  # all 13 counties without scrolling
                )
            ],
        ],
    ),
    "county_comparison": (
        "县区对比",
        [
            [
                county_bars("低保覆盖率（每百人）县区排名", "dibao_coverage_per_100", DEC),
                county_bars("每千名老年人养老床位县区排名", "beds_per_1000_elderly", ".1f"),
            ],
            [
                county_bars(
                    "护理型床位占比（%）县区排名",
                    "nursing_bed_share",
                    PCT_UNIT,
                    key="护理型床位占比县区排名",
                ),
                county_bars("每万人注册志愿者县区排名", "registered_volunteers_per_10k", NUM),
            ],
            [
                Chart(
                    "县区×指标排名热力表（1=最好，按指标方向）",
                    "heatmap_v2",
                    CI,
                    ["county_rank"],
                    x_axis="county_name_zh",
                    groupby=["indicator_label_zh"],
                    where="is_ranked",  # an indicator set prefecture-wide is not ranked
                    width=12,
                    height=90,
                    extra={
                        "linear_color_scheme": "schemeYlOrRd",
                        "sort_x_axis": "alpha_asc",
                        "sort_y_axis": "alpha_desc",
                        "left_margin": 200,
                        "bottom_margin": 40,
                        "xscale_interval": 1,
                        "yscale_interval": 1,
                        "show_percentage": False,
                        "legend_type": "continuous",
                    },
                )
            ],
            [
                Chart(
                    "所选指标各县区对比",
                    "mixed_timeseries",
                    CI,
                    ["value"],
                    x_axis=COUNTY_AXIS,
                    lines=list(reference_lines.LINE_METRICS),
                    width=12,
                    extra={"y_axis_format": ",.2f"},
                )
            ],
            [
                Chart(
                    "县区×指标排名（1=最好）",
                    "table",
                    OV,
                    ["rank_dibao_coverage", "rank_beds", "rank_volunteers", "rank_sales"],
                    groupby=["county_name_zh", "nursing_bed_share_rank_label_zh"],
                    width=12,
                    height=84,
                    # rank 1 (best) at the top
                    extra={
                        "conditional_formatting": [],
                        "color_pn": False,
                        "show_cell_bars": True,
                        "order_desc": False,
                        "timeseries_limit_metric": "rank_dibao_coverage",  # the table's sort (排序依据)
                    },
                )
            ],
        ],
    ),
    "plan_targets": (
        "规划目标",
        [
            [
                Chart(
                    "全市规划指标进度（最新）",
                    "table",
                    PP,
                    ["status_order"],
                    # text columns: a missing figure says why (本期无数据, 规划未注明), never N/A
                    groupby=[
                        "indicator_name_zh",
                        "attribute_label_zh",
                        "operator_zh",
                        "target_label_zh",
                        "actual_label_zh",
                        "status_zh",
                    ],
                    where=PREF_LATEST,
                    width=12,
                    height=150,  # every plan indicator (about 35) without scrolling
                    # 滞后 (1) first: a table sorts by its 排序依据 metric, not by order_desc alone
                    extra={"order_desc": False, "timeseries_limit_metric": "status_order"},
                )
            ],
            [
                Chart(
                    "预警：进度滞后或按趋势预计未达标的指标（约束性在前）",
                    "table",
                    "mart_plan_warning",
                    ["warning_order"],
                    groupby=[
                        "region_name_zh",
                        "indicator_name_zh",
                        "attribute_zh",
                        "target_label_zh",
                        "actual_label_zh",
                        "status_zh",
                        "projected_label_zh",
                        "warning_reason_zh",
                    ],
                    where=Where(None, (OURS,)),
                    width=12,
                    height=120,  # one region's list (the 预警地区 filter) without scrolling
                    extra={"order_desc": False, "timeseries_limit_metric": "warning_order"},
                )
            ],
            [
                Chart(
                    "县区×指标进度状态（红=滞后，黄=符合进度，绿=已完成，空白=无数据）",
                    "heatmap_v2",
                    PP,
                    ["status_colour"],
                    # counties across, indicators down: every indicator name readable in full
                    x_axis="region_name_zh",
                    groupby=["indicator_name_zh"],
                    where=COUNTY_LATEST,
                    width=12,
                    height=100,
                    key="县区×指标进度状态（1=滞后，5=已完成）",
                    # colour carries the meaning: red behind, green met; no data is no colour at all
                    extra={
                        "linear_color_scheme": "schemeRdYlGn",
                        "show_values": False,
                        "xscale_interval": 1,
                        "yscale_interval": 1,
                        "left_margin": 300,
                        "bottom_margin": 40,
                        "value_bounds": [1, 5],
                    },
                )
            ],
            [
                # the target as a line, not a second bar
                county_bars(
                    "各县区护理型床位占比（%）：实际、全市与目标",
                    "nursing_bed_share",
                    PCT_UNIT,
                    key="各县区护理型床位占比：实际与目标",
                    latest_only=True,  # the plan dashboard reports the latest period only
                ),
                Chart(
                    "滞后指标与滞后的约束性指标（按县区）",
                    "echarts_timeseries_bar",
                    PP,
                    ["behind", "binding_behind"],
                    x_axis="region_name_zh",
                    where=COUNTY_LATEST,
                ),
            ],
        ],
    ),
    "assistance": (
        "社会救助",
        [
            [
                Chart(
                    "低保人数趋势（城乡）",
                    "echarts_timeseries_line",
                    AS,
                    ["urban_dibao_recipients", "rural_dibao_recipients"],
                    width=6,
                ),
                Chart(
                    "特困与临时救助趋势",
                    "echarts_timeseries_line",
                    AS,
                    ["tekun_recipients", "temporary_assistance_cases"],
                    width=6,
                ),
            ],
            [
                county_bars("低保覆盖率（每百人）", "dibao_coverage_per_100", DEC),
                Chart(  # set prefecture-wide: the same in every county, so one figure, not a ranking
                    "城乡低保标准之比（全市统一标准）",
                    "big_number_total",
                    PR,
                    ["dibao_standard_ratio"],
                    latest_only=True,
                    key="城乡低保标准比",
                ),
            ],
            [
                Chart(
                    "救助支出（万元，按县区）",
                    "echarts_timeseries_bar",
                    AS,
                    ["assistance_spending_wan"],
                    x_axis="county_name_zh",
                ),
                county_bars(
                    "特困集中供养比例（%）", "tekun_institutional_share", PCT_UNIT, key="特困集中供养比例"
                ),
            ],
        ],
    ),
    "eldercare": (
        "养老床位",
        [
            [
                county_bars("每千名老年人养老床位（张）", "beds_per_1000_elderly", ".1f"),
                county_bars("护理型床位占比（%）", "nursing_bed_share", PCT_UNIT, key="护理型床位占比"),
            ],
            [
                Chart(
                    "养老床位与护理型床位趋势",
                    "echarts_timeseries_line",
                    EL,
                    ["total_beds", "institution_nursing_beds"],
                    width=6,
                ),
                county_bars("床位使用率（%）", "occupancy_rate", PCT_UNIT, key="床位使用率"),
            ],
        ],
    ),
    "volunteers": (
        "志愿服务",
        [
            [
                Chart("注册志愿者趋势", "echarts_timeseries_line", VO, ["registered_volunteers"], width=6),
                Chart("每月新注册与服务时长", "echarts_timeseries_bar", VO, ["new_registrations"], width=6),
            ],
            [
                county_bars(
                    "有服务记录的志愿者占比（%）",
                    "volunteers_with_hours_share",
                    PCT_UNIT,
                    key="有服务记录的志愿者占比",
                ),
                county_bars("人均服务时长（小时）", "hours_per_volunteer", ".2f"),
            ],
        ],
    ),
    "lottery": (
        "福利彩票",
        [
            [
                Chart(
                    "福彩销售额与公益金（万元）",
                    "echarts_timeseries_bar",
                    LO,
                    ["sales_amount_wan", "welfare_fund_wan"],
                    width=12,
                )
            ],
            [
                county_bars("人均销售额（元）", "sales_per_capita", DEC),
                county_bars("销售额同比（%）", "sales_yoy_growth", "+,.1f", key="销售额同比"),
            ],
            [
                county_bars("网点平均销售额（万元）", "sales_per_outlet", DEC),
                Chart(
                    "公益金（万元，按县区）",
                    "echarts_timeseries_bar",
                    LO,
                    ["welfare_fund_wan"],
                    x_axis="county_name_zh",
                ),
            ],
        ],
    ),
}


# The first row of every dashboard: the month it reports, the time of the last successful load, the source.
PUBLISH_STATUS = Chart(
    "数据说明",
    "table",
    "mart_publish_status",
    [],
    groupby=["as_of_label_zh", "loaded_at_label_zh", "data_source_zh"],
    width=12,
    height=22,
)
DASHBOARDS = {slug: (title, [[PUBLISH_STATUS], *rows]) for slug, (title, rows) in DASHBOARDS.items()}


def database_yaml() -> dict:
    return {
        "database_name": DB_NAME,
        "sqlalchemy_uri": SERVING_URI,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_file_upload": False,
        "extra": {
            # Read-only, and no file, network or other database from SQL: external access off, the
            # configuration locked (SQL cannot SET it back), no extension installed or loaded at query
            # time (json, icu and parquet are built into the duckdb wheel).
            "engine_params": {
                "connect_args": {
                    "read_only": True,
                    "config": {
                        "enable_external_access": False,
                        "autoinstall_known_extensions": False,
                        "autoload_known_extensions": False,
                        "allow_community_extensions": False,
                        "lock_configuration": True,
                    },
                }
            },
            "allows_virtual_table_explore": True,
            "metadata_params": {},
            "schemas_allowed_for_file_upload": [],
        },
        "uuid": uid("database", DB_NAME),
        "version": "1.0.0",
    }


def dataset_yaml(d: Dataset) -> dict:
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
        "database_uuid": uid("database", DB_NAME),
    }


@dataclass(frozen=True)
class NativeFilter:
    """A select filter of a dashboard. Its options come from `table`.`column`; it applies to the charts of
    the dashboard whose dataset has `column` (only those named in `charts`, if given). A filter on the month
    label leaves out the charts pinned to the latest month and the trends over months."""

    key: str
    name: str
    table: str
    column: str
    description: str = ""
    multi: bool = False
    first_item: bool = False  # default to the first option; a value is then required
    sort_metric: str | None = None
    sort_asc: bool = True
    parent: str | None = None  # key of the filter whose value narrows this one's options
    charts: tuple[str, ...] = ()
    # Rows a chart shows while the filter has no value ({table}: the chart's table). Superset 6.1 shows a
    # "first item" default in the filter bar but queries the charts without it until 应用过滤器 is
    # clicked, so the charts apply the same default themselves (Jinja filter_values, evaluated per query).
    fallback: str | None = None

    def default_sql(self, c: Chart) -> str:
        assert self.fallback
        return (
            f"{{% if filter_values('{self.column}') %}}1 = 1"
            f"{{% else %}}({self.fallback.replace('{table}', c.table)}){{% endif %}}"
        )


MONTH_COLUMN = "month_label_zh"
COUNTY_COLUMN = "county_name_zh"
EXTRA_FILTERS: dict[str, list[NativeFilter]] = {
    "county_comparison": [
        NativeFilter(
            "domain",
            "领域",
            CI,
            "domain_zh",
            "社会救助、养老服务、志愿服务、福利彩票；不选为全部领域",
            multi=True,
            sort_metric="indicator_order",
            # not the ranked bars of one fixed indicator each (same dataset)
            charts=("县区×指标排名热力表（1=最好，按指标方向）", "所选指标各县区对比"),
        ),
        NativeFilter(
            "indicator",
            "指标",
            CI,
            "indicator_name_zh",
            "“所选指标各县区对比”显示的指标（可选范围随领域变化）",
            first_item=True,
            sort_metric="indicator_order",
            parent="domain",
            charts=("所选指标各县区对比",),
            # the first indicator (of the chosen domains), as the filter bar shows it
            fallback="indicator_sort_order = (SELECT min(indicator_sort_order) FROM marts.{table}"
            " WHERE {% if filter_values('domain_zh') %}domain_zh IN {{ filter_values('domain_zh') | where_in }}"
            "{% else %}1 = 1{% endif %})",
        ),
    ],
    "plan_targets": [
        NativeFilter(
            "region",
            "预警地区",
            "mart_plan_warning",
            "region_name_zh",
            "预警清单显示的地区（默认全市）；各县区逐页清单见预警简报（Excel、PDF）",
            first_item=True,
            sort_metric="region_sort",
            charts=("预警：进度滞后或按趋势预计未达标的指标（约束性在前）",),
            fallback="region_level = 'prefecture'",
        ),
    ],
}


def filter_id(slug: str, key: str) -> str:
    return f"NATIVE_FILTER-{uid('filter', f'{slug}:{key}')[:8]}"


def _is_trend(c: Chart) -> bool:
    return c.viz.startswith("echarts_timeseries") and (c.x_axis or DS[c.table].dttm) == DS[c.table].dttm


def in_scope(f: NativeFilter, c: Chart) -> bool:
    if f.column not in DS[c.table].columns or (f.charts and c.name not in f.charts):
        return False
    return not (f.column == MONTH_COLUMN and (c.latest_only or _is_trend(c)))


def dashboard_filters(slug: str, charts: list[Chart]) -> list[NativeFilter]:
    """The month filter (on every dashboard with a chart it applies to), then the dashboard's own."""
    tables = sorted(
        {c.table for c in charts if DS[c.table].county_grain and not c.latest_only and not _is_trend(c)}
    )
    found = []
    if tables:
        found.append(
            NativeFilter(
                "month",
                "统计月份",
                tables[0],
                MONTH_COLUMN,
                "默认显示最近一个月",
                first_item=True,
                sort_metric=MONTH_SORT.name,
                sort_asc=False,
                fallback=LATEST.format(table="{table}", dttm="month_start"),
            )
        )
    county_tables = sorted({c.table for c in charts if COUNTY_COLUMN in DS[c.table].columns})
    if county_tables:
        found.append(
            NativeFilter(
                "county",
                "县（市、区）",
                county_tables[0],
                COUNTY_COLUMN,
                "不选为全部县区（县区账号只看本县区）",
                multi=True,
                sort_metric=COUNTY_SORT.name,
            )
        )
    found += EXTRA_FILTERS.get(slug, [])
    return [f for f in found if any(in_scope(f, c) for c in charts)]


def _native_filters(slug: str, charts: list[Chart], chart_ids: dict[str, int]) -> list[dict]:
    """Native filters reference datasets by UUID and leave out (by the position's chart ids, which the
    importer maps to the new ids) the charts they do not apply to."""
    out = []
    for f in dashboard_filters(slug, charts):
        out.append(
            {
                "id": filter_id(slug, f.key),
                "name": f.name,
                "filterType": "filter_select",
                "targets": [{"datasetUuid": uid("dataset", f.table), "column": {"name": f.column}}],
                "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
                "controlValues": {
                    "enableEmptyFilter": f.first_item,
                    "defaultToFirstItem": f.first_item,
                    "multiSelect": f.multi,
                    "searchAllOptions": False,
                    "inverseSelection": False,
                    "sortAscending": f.sort_asc,
                    **({"sortMetric": f.sort_metric} if f.sort_metric else {}),
                },
                **({"sortMetric": f.sort_metric} if f.sort_metric else {}),
                "cascadeParentIds": [filter_id(slug, f.parent)] if f.parent else [],
                "scope": {
                    "rootPath": ["ROOT_ID"],
                    "excluded": [chart_ids[c.name] for c in charts if not in_scope(f, c)],
                },
                "type": "NATIVE_FILTER",
                "description": f.description,
            }
        )
    return out


def dashboard_yaml(slug: str, title: str, rows: list[list[Chart]]) -> dict:
    position: dict = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": title}},
    }
    # Chart ids of this bundle, local to the dashboard: the importer maps them to the server's ids.
    chart_ids = {c.name: i for i, c in enumerate((c for r in rows for c in r), start=1)}
    for i, row in enumerate(rows):
        row_id = f"ROW-{slug}-{i}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for c in row:
            cid = f"CHART-{c.uuid[:10]}"
            position[row_id]["children"].append(cid)
            position[cid] = {
                "type": "CHART",
                "id": cid,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "width": c.width,
                    "height": c.height,
                    "chartId": chart_ids[c.name],
                    "uuid": c.uuid,
                    "sliceName": c.name,
                },
            }
    charts = [c for r in rows for c in r]
    return {
        "dashboard_title": title,
        "description": None,
        "css": "",
        "slug": slug,
        "certified_by": None,
        "certification_details": None,
        "published": True,
        "uuid": uid("dashboard", slug),
        "position": position,
        "metadata": {
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": False,
            "native_filter_configuration": _native_filters(slug, charts, chart_ids),
            "shared_label_colors": [],
            "color_scheme_domain": [],
        },
        "version": "1.0.0",
    }


def chart_yaml(c: Chart, defaults: list[tuple[str, str]] | None = None) -> dict:
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


def generate() -> dict[Path, dict]:
    """Every file of the spec, by path relative to the bundle folder."""
    files: dict[Path, dict] = {
        Path("metadata.yaml"): {
            "version": "1.0.0",
            "type": "assets",
            "timestamp": "2026-01-01T00:00:00+00:00",
        },
        Path("databases") / "minzheng_warehouse.yaml": database_yaml(),
    }
    for slug, (title, rows) in DASHBOARDS.items():
        files[Path("dashboards") / f"{slug}.yaml"] = dashboard_yaml(slug, title, rows)
        charts = [c for r in rows for c in r]
        filters = dashboard_filters(slug, charts)
        for c in charts:
            defaults = [(f.key, f.default_sql(c)) for f in filters if f.fallback and in_scope(f, c)]
            files[Path("charts") / f"{c.uuid[:8]}_{c.viz}.yaml"] = chart_yaml(c, defaults)
    for d in DATASETS:  # after the charts: they register the calculated columns (CONDITIONS)
        files[Path("datasets") / "minzheng_warehouse" / f"{d.table}.yaml"] = dataset_yaml(d)
    return files


def _text(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write_new(out: Path, files: dict[Path, dict]) -> tuple[list[Path], list[Path]]:
    """Write the spec's files that are missing under `out`; return (written, left alone). An existing file
    is never overwritten, whatever its content."""
    written, kept = [], []
    for rel, data in files.items():
        path = out / rel
        if path.exists():
            kept.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as fh:  # "x": fails rather than overwrite
            fh.write(_text(data))
        written.append(rel)
    return written, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BUNDLE, help="folder to write into (default: the bundle)")
    args = parser.parse_args(argv)
    files = generate()
    written, kept = write_new(args.out, files)
    for rel in written:
        print(f"written: {rel}")
    changed = [rel for rel in kept if (args.out / rel).read_text(encoding="utf-8") != _text(files[rel])]
    if changed:
        print(
            f"{len(changed)} existing file(s) differ from the spec and were left as they are "
            "(the bundle is the source: edit the YAML or export from the UI):",
            file=sys.stderr,
        )
        for rel in changed:
            print(f"  {rel}", file=sys.stderr)
    print(f"{len(written)} file(s) written, {len(kept)} existing file(s) left unchanged in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
