"""The dbt graph as Dagster assets (dagster-dbt). The manifest is built once by `make prepare`
(`dbt parse`), never at import time. Each build is given the months whose raw loads changed as its window
(assets/dbt_window.py), or none, when they cannot be proven: then it builds and tests whole tables."""

from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AutomationCondition
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from ..automation.conditions import after_upstream
from ..lakehouse.engine import dbt_target_args, prepare_spark_build
from ..resources import WarehouseResource
from ..settings import DBT_PROJECT_DIR, Settings, dbt_window_env
from .dbt_window import FINGERPRINT_TAG, load_manifest, plan_dbt_window, project_fingerprint
from .raw import WAREHOUSE_POOL

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

# dbt folder under models/ -> Dagster asset group (the same domain groups as the raw assets).
_GROUPS = {
    "assistance": "social_assistance",
    "eldercare": "eldercare",
    "volunteers": "volunteers",
    "lottery": "lottery",
    "plan": "plan_targets",
}


class MinzhengTranslator(DagsterDbtTranslator):
    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]) -> AutomationCondition | None:
        # Models refresh when their raw inputs change (the daemon evaluates this), not on a clock, and only
        # once the blocking (ERROR) quality checks of their inputs have passed. Not eager(): it never fires
        # below partitioned raw assets (see automation/conditions.py).
        return after_upstream()

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        for part in fqn[1:-1]:
            if part in _GROUPS:
                return _GROUPS[part]
        name = dbt_resource_props.get("name", "")
        for key, group in _GROUPS.items():  # staging/intermediate models are named after their source
            if key.rstrip("s") in name:
                return group
        return "warehouse_core"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=MinzhengTranslator(),
    pool=WAREHOUSE_POOL,
)
def dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    settings = Settings.from_env()
    if settings.engine == "spark":  # MINZHENG_ENGINE=spark: the Parquet layer and Spark's raw tables first
        prepared = prepare_spark_build(settings)
        context.log.info(
            f"Parquet 原始层已同步（{prepared.rewritten} 个县月文件），Spark 外部表：{prepared.tables}"
        )
    # Read-only, and closed before dbt starts: the step holds the warehouse pool, so nothing else writes.
    fingerprint = project_fingerprint(DBT_PROJECT_DIR)
    # A run of every dbt asset and check (not `context.assets_def`: in a subset run that is the subset).
    every_node = not context.is_subset
    window = plan_dbt_window(
        engine=settings.engine,
        warehouse=warehouse,
        manifest=load_manifest(str(dbt_project.manifest_path)),
        instance=context.instance,
        fingerprint=fingerprint if every_node else None,  # unchanged models are left out of whole builds only
        asset_key=MinzhengTranslator().get_asset_key,
    )
    context.log.info(window.log_line())
    # The project this run builds with: a later build leaves a model out only if its last build was ours.
    context.instance.add_run_tags(context.run_id, {FINGERPRINT_TAG: fingerprint})
    with dbt_window_env(window.first, window.last):  # dbt's process is started inside cli()
        invocation = dbt.cli(["build", *dbt_target_args(settings), *window.dbt_args()], context=context)
    yield from invocation.stream()
