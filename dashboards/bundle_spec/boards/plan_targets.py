"""规划目标: the plan indicators' progress, the warning list, the county × indicator status board."""

from __future__ import annotations

from ..charts import Chart, county_bars
from ..conditions import COUNTY_LATEST, OURS, PREF_LATEST, Where
from ..datasets import PP
from ..formats import PCT_UNIT

TITLE = "规划目标"
ROWS: list[list[Chart]] = [
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
]
