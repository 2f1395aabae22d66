"""The serving copy of the marts that Superset reads. Its materialization tells a clerk whether the
dashboards are up to date: when it was published and the newest month of each dashboard's data."""

import datetime as dt
from zoneinfo import ZoneInfo

import duckdb
from dagster import AssetExecutionContext, AutomationCondition, MaterializeResult, MetadataValue, asset

from ..ingestion.region import county_codes
from ..lakehouse.engine import publish_from_spark
from ..resources import ServingResource, WarehouseResource
from ..serving.publish import publish
from ..settings import Settings
from .dbt import dbt_models
from .raw import WAREHOUSE_POOL

# mart -> the dashboard it feeds (Superset, in Chinese)
DASHBOARD_MARTS = {
    "mart_assistance_county_month": "社会救助",
    "mart_eldercare_county_month": "养老床位",
    "mart_volunteer_county_month": "志愿服务",
    "mart_lottery_county_month": "福利彩票",
    "mart_overview_county_month": "总览、县区对比",
}


def latest_months(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """{dashboard: newest month with data} from the marts just published."""
    out = {}
    for mart, dashboard in DASHBOARD_MARTS.items():
        try:
            row = con.execute(f"SELECT max(month_start) FROM marts.{mart}").fetchone()
        except duckdb.Error:
            continue
        if row and row[0]:
            out[dashboard] = f"{row[0].year}年{row[0].month}月"
    return out


@asset(
    key=["serving", "minzheng_duckdb"],
    group_name="publish",
    deps=[dbt_models],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    automation_condition=AutomationCondition.eager() & AutomationCondition.all_deps_blocking_checks_passed(),
    description="发布给 Superset 的只读数据库文件（仅含 marts，原子替换，看板始终读取最近一次合格的数据）。",
)
def serving_database(
    context: AssetExecutionContext, warehouse: WarehouseResource, serving: ServingResource
) -> MaterializeResult:
    if Settings.from_env().engine == "spark":  # the marts live on Spark: publish from their Parquet files
        result = publish_from_spark(serving.file, counties=county_codes())
        with duckdb.connect(str(result.path), read_only=True) as con:
            months = latest_months(con)
    else:
        with warehouse.connect() as con:
            result = publish(con, serving.file, county_codes())
            months = latest_months(con)
    published = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
    counties = result.county_files or {}
    context.log.info(
        f"published {len(result.tables)} tables to {result.path}, and {len(counties)} county files"
    )
    return MaterializeResult(
        metadata={
            "发布时间（北京时间）": MetadataValue.text(f"{published:%Y-%m-%d %H:%M:%S}"),
            "看板数据的最新月份": MetadataValue.md(
                "\n".join(f"- {board}：{month}" for board, month in months.items()) or "（无数据）"
            ),
            "path": MetadataValue.path(str(result.path)),
            "tables": MetadataValue.json(result.tables),
            "withheld_person_key_tables": MetadataValue.json(list(result.withheld)),
            "county_files": MetadataValue.json({code: str(path) for code, path in counties.items()}),
        }
    )
