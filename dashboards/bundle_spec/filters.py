"""The native filters of a dashboard (统计月份, 县（市、区）, and each dashboard's own) and which charts each
applies to."""

from __future__ import annotations

from dataclasses import dataclass

from .charts import Chart
from .datasets import CI, COUNTY_SORT, DS, LATEST, MONTH_SORT
from .uuids import uid


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
    """The id of a native filter: stable, from the dashboard and the filter's key."""
    return f"NATIVE_FILTER-{uid('filter', f'{slug}:{key}')[:8]}"


def _is_trend(c: Chart) -> bool:
    return c.viz.startswith("echarts_timeseries") and (c.x_axis or DS[c.table].dttm) == DS[c.table].dttm


def in_scope(f: NativeFilter, c: Chart) -> bool:
    """Whether the filter applies to the chart."""
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


def native_filters(slug: str, charts: list[Chart], chart_ids: dict[str, int]) -> list[dict]:
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
