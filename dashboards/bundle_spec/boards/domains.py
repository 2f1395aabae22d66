"""The four domain dashboards: 社会救助, 养老床位, 志愿服务, 福利彩票."""

from __future__ import annotations

from ..charts import Board, Chart, county_bars, headline
from ..datasets import AS, EL, LO, PR, VO
from ..formats import DEC, PCT_UNIT

BOARDS: dict[str, Board] = {
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
                # set prefecture-wide: the same in every county, so one figure, not a ranking
                headline(
                    "城乡低保标准之比（全市统一标准）",
                    PR,
                    "dibao_standard_ratio",
                    width=6,
                    height=50,
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
