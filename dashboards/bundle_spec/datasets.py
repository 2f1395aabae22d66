"""The datasets of the bundle: one per mart of schema marts, with its columns' and metrics' Chinese labels.

A dataset's metrics are what its charts may show (charts name them, chart_params checks each name here).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import reference_lines
from .formats import DEC, NUM, PCT


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
    ),
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
    ),
    Dataset(
        "mart_publish_status",
        "数据发布说明（市）",
        {
            "prefecture_code": "地级区划代码",
            "prefecture_name_zh": "市",
            "as_of_month": "数据截至月份",
            "as_of_label_zh": "数据截至",
            "reporting_label_zh": "报送情况",
            "loaded_at_label_zh": "数据更新时间",
            "data_source_zh": "数据来源",
        },
        [m("months_loaded", "已入库月份数", "MAX(months_loaded)", "d")],
        county_grain=False,
        dttm="as_of_month",
    ),
]
DS = {d.table: d for d in DATASETS}
# Every monthly dataset gets this metric: the month filter sorts its options by it (latest first), since
# labels such as 2025年9月 / 2025年12月 do not sort as text.
MONTH_SORT = Metric("month_sort", "月份（排序用）", "MAX(month_start)", None)
# ...and every county dataset this one: the county filter lists counties in official code order.
COUNTY_SORT = Metric("county_sort", "区划代码（排序用）", "MIN(county_code)", None)
LATEST = "{dttm} = (SELECT max({dttm}) FROM marts.{table})"

# The marts the dashboards' charts read, by short name.
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
