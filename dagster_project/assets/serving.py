"""The serving copy of the marts that Superset reads."""

from dagster import AssetExecutionContext, AutomationCondition, MaterializeResult, MetadataValue, asset

from ..resources import ServingResource, WarehouseResource
from ..serving.publish import publish
from .dbt import dbt_models
from .raw import WAREHOUSE_POOL


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
    with warehouse.connect() as con:
        result = publish(con, serving.file)
    context.log.info(f"published {len(result.tables)} tables to {result.path}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(result.path)),
            "tables": MetadataValue.json(result.tables),
            "withheld_person_key_tables": MetadataValue.json(list(result.withheld)),
        }
    )
