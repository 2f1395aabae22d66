"""总览: the prefecture's headline figures and trends, the plan scoreboard and the counties' main indicators."""

from __future__ import annotations

from ..charts import Chart, headline
from ..conditions import SC_PREF
from ..datasets import OV, PR, SC

TITLE = "总览"
ROWS: list[list[Chart]] = [
    [
        headline("全市低保人数（人）", PR, "dibao_recipients", width=3, key="全市低保人数（万人）"),
        headline("全市养老床位（张）", PR, "total_beds", width=3),
        headline("全市注册志愿者（人）", PR, "registered_volunteers", width=3, key="全市注册志愿者（万人）"),
        headline("本月福彩销售额（万元）", PR, "sales_amount_wan", width=3, key="本月福彩销售额（亿元）"),
    ],
    [
        headline("全市护理型床位占比", PR, "nursing_bed_share", width=4),
        headline("本月公益金（万元）", PR, "welfare_fund_wan", width=4),
        headline("福彩销售额同比", PR, "sales_yoy_growth", width=4),
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
    [  # the plan scoreboard of the prefecture
        headline("规划指标：已完成", SC, "indicators_met", width=3, where=SC_PREF),
        headline("规划指标：进度超前或符合进度", SC, "indicators_on_track", width=3, where=SC_PREF),
        headline("规划指标：进度滞后", SC, "indicators_behind", width=3, where=SC_PREF),
        headline("滞后的约束性指标", SC, "binding_indicators_behind", width=3, where=SC_PREF),
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
]
