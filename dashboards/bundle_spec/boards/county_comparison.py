"""县区对比: the counties side by side, ranked bars with reference lines, the rank heat table and table."""

from __future__ import annotations

from .. import reference_lines
from ..charts import COUNTY_AXIS, Chart, county_bars
from ..datasets import CI, OV
from ..formats import DEC, NUM, PCT_UNIT

TITLE = "县区对比"
ROWS: list[list[Chart]] = [
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
]
