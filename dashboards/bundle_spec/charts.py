"""A chart of the spec (`Chart`) and the builders of the kinds that recur on the dashboards: the headline
figures of the latest month and the ranked county bars with their reference lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import reference_lines
from .conditions import Where
from .datasets import CI, DS
from .uuids import uid

COUNTY_AXIS = "county_axis_label_zh"  # ①宝塔区 …: sorts best first (reference_lines.py)


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


Board = tuple[str, list[list[Chart]]]  # a dashboard: its title and its rows of charts (each at most 12 wide)


def metric_ref(table: str, name: str) -> str:
    """`name`, checked to be a metric of the dataset of `table`."""
    assert any(x.name == name for x in DS[table].metrics), (table, name)
    return name


def headline(
    name: str,
    table: str,
    metric: str,
    *,
    width: int,
    height: int = 25,
    key: str | None = None,
    where: Where | None = None,
) -> Chart:
    """One figure (a big number) of the latest month."""
    return Chart(
        name,
        "big_number_total",
        table,
        [metric],
        latest_only=True,
        where=where,
        width=width,
        height=height,
        key=key,
    )


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


# The first row of every dashboard: the month it reports, the time of the last successful load, the source.
PUBLISH_STATUS = Chart(
    "数据说明",
    "table",
    "mart_publish_status",
    [],
    groupby=["as_of_label_zh", "reporting_label_zh", "loaded_at_label_zh", "data_source_zh"],
    width=12,
    height=22,
)
