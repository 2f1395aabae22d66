"""Plan targets entered by statistics staff: filled templates dropped in <landing>/plan_targets/, loaded
into the warehouse registry (raw.plan_*_upload, one load per file; dagster_project/targets/store.py).
Nothing is written into the repository: the shipped seeds stay as they are."""

from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AutomationCondition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from ..ingestion.landing import PLAN_TARGETS_FOLDER, file_sha256, is_candidate
from ..resources import LandingResource, WarehouseResource
from ..targets import store
from ..targets.validate import TemplateValidationError, load_target_template
from .raw import WAREHOUSE_POOL

TEMPLATE_FOLDER = PLAN_TARGETS_FOLDER
TEMPLATE_SHA256 = "sha256"  # metadata: the content hash of every template in the registry after the run


def _uploader(context: AssetExecutionContext, path: Path) -> str:
    """Who loaded the file: the run's user tag if the launcher set one, else the file's owner account."""
    tags = context.run.tags
    user = tags.get("dagster/user") or tags.get("user")
    if user:
        return user
    try:
        return path.owner()
    except (KeyError, NotImplementedError, OSError):
        return f"run {context.run_id}"


@asset(
    key=["plan", "target_templates"],
    group_name="plan_targets",
    kinds={"excel", "duckdb"},
    pool=WAREHOUSE_POOL,
    # Materialized once on a new deployment (an empty folder is a valid, empty registry upload), so the
    # plan models below it are not held back; afterwards a dropped template is loaded by
    # plan_targets_sensor (automation/plan_targets_sensor.py), and staff may run it from the UI too.
    automation_condition=AutomationCondition.on_missing(),
    description=(
        "统计人员填写的规划目标模板（着陆文件夹 plan_targets/ 下的 xlsx/csv）：逐行校验（未知指标、错误比较符、"
        "未知地区），全部通过才作为一次导入写入数据仓库的目标登记表（raw.plan_target_upload 等，记录文件、时间和导入人）；"
        "已导入过的同一文件不再重复导入；有错误时整份文件不导入，并列出文件、行、列和原因。"
    ),
)
def plan_target_templates(
    context: AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource
) -> MaterializeResult:
    folder = landing.dir / TEMPLATE_FOLDER
    files = sorted(p for p in folder.glob("*") if is_candidate(p)) if folder.is_dir() else []
    loaded: dict[str, dict[str, object]] = {}
    unchanged: list[str] = []
    problems: list[str] = []
    seen: list[str] = []  # the sha256 of every file loaded now or before: what the sensor need not request
    with warehouse.connect() as con:
        store.ensure_tables(con)
        for path in files:
            sha256 = file_sha256(path)
            if store.is_loaded(con, sha256):
                unchanged.append(path.name)
                seen.append(sha256)
                continue
            who = _uploader(context, path)
            try:
                result = load_target_template(path, con=con, loaded_by=who, log=context.log.info)
            except TemplateValidationError as exc:
                problems.append(str(exc))
                store.record_rejection(
                    con, source_file=path.name, sha256=sha256, loaded_by=who, message=str(exc)
                )
                continue
            loaded[path.name] = {"rows": result.rows_loaded, "sha256": sha256, "load_id": result.load_id}
            seen.append(sha256)
    if problems:
        raise Failure(description="\n\n".join(problems), metadata={"loaded": MetadataValue.json(loaded)})
    return MaterializeResult(
        metadata={
            "files": MetadataValue.int(len(files)),
            "loaded": MetadataValue.json(loaded),
            "unchanged": MetadataValue.json(unchanged),
            TEMPLATE_SHA256: MetadataValue.json(sorted(seen)),
        }
    )
