"""The dbt graph as Dagster assets (dagster-dbt). The manifest is built once by `make prepare`
(`dbt parse`), never at import time. Each build is given the months whose raw loads changed as its window
(assets/dbt_window.py), or none, when they cannot be proven: then it builds and tests whole tables."""

from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetCheckSpec, AssetExecutionContext, AssetSpec, AutomationCondition
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from ..automation.conditions import DBT_TEST_AUTOMATION, after_upstream
from ..lakehouse.engine import dbt_target_args, prepare_spark_build
from ..resources import WarehouseResource
from ..settings import DBT_PROJECT_DIR, Settings, dbt_window_env
from .dbt_window import (
    FINGERPRINT_TAG,
    load_manifest,
    plan_dbt_window,
    project_fingerprint,
    stale_relations,
    subset_test_exclusions,
)
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

    def get_asset_check_spec(
        self, asset_spec: AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> AssetCheckSpec | None:
        # A dbt test runs with its model (conditions.WITH_ITS_MODEL), also in a run that carries raw checks.
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        return spec._replace(automation_condition=DBT_TEST_AUTOMATION) if spec is not None else None

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
    manifest = load_manifest(str(dbt_project.manifest_path))
    window = plan_dbt_window(
        engine=settings.engine,
        warehouse=warehouse,
        manifest=manifest,
        instance=context.instance,
        fingerprint=fingerprint if every_node else None,  # unchanged models are left out of whole builds only
        asset_key=MinzhengTranslator().get_asset_key,
    )
    context.log.info(window.log_line())
    args = window.dbt_args()
    if not every_node:  # a part of the graph (the automation's run for one group of raw loads)
        args = _subset_args(context, warehouse, manifest)
    # The project this run builds with: a later build leaves a model out only if its last build was ours.
    context.instance.add_run_tags(context.run_id, {FINGERPRINT_TAG: fingerprint})
    with dbt_window_env(window.first, window.last):  # dbt's process is started inside cli()
        invocation = dbt.cli(["build", *dbt_target_args(settings), *args], context=context)
    yield from invocation.stream()


def _subset_args(
    context: AssetExecutionContext, warehouse: WarehouseResource, manifest: Mapping[str, Any]
) -> list[str]:
    """`--exclude` of the cross-model tests that would read models this partial build leaves out of date
    (dbt_window.subset_test_exclusions): without it, raw loads of several sources built in one automation
    run each failed every run but the last, and the chain stopped before the serving file."""
    key_of = MinzhengTranslator().get_asset_key
    wanted = set(context.selected_asset_keys)
    selected = {
        uid
        for uid, node in manifest.get("nodes", {}).items()
        if node.get("resource_type") in ("model", "seed", "snapshot") and key_of(node) in wanted
    }
    checks = {key.name for key in context.selected_asset_check_keys}
    left_out = subset_test_exclusions(manifest, selected, stale_relations(warehouse), checks)
    if not left_out:
        return []
    context.log.info(
        f"本次只构建部分模型；{len(left_out)} 项检验读取的模型尚未按新数据重建，留到重建它们的运行中检验："
        + "、".join(left_out[:5])
        + ("等" if len(left_out) > 5 else "")
    )
    return ["--exclude", " ".join(left_out)]
