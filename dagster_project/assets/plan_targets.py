"""Plan targets entered by statistics staff: filled templates dropped in <landing>/plan_targets/."""

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from ..ingestion.landing import file_sha256, is_candidate
from ..resources import LandingResource
from ..targets.validate import TemplateValidationError, load_target_template

TEMPLATE_FOLDER = "plan_targets"


@asset(
    key=["plan", "target_templates"],
    group_name="plan_targets",
    kinds={"excel"},
    description=(
        "统计人员填写的规划目标模板（着陆文件夹 plan_targets/ 下的 xlsx/csv）：逐行校验（未知指标、错误比较符、"
        "未知地区），全部通过才写入目标登记表；有错误时整份文件不导入，并列出文件、行、列和原因。"
    ),
)
def plan_target_templates(context: AssetExecutionContext, landing: LandingResource) -> MaterializeResult:
    folder = landing.dir / TEMPLATE_FOLDER
    files = sorted(p for p in folder.glob("*") if is_candidate(p)) if folder.is_dir() else []
    loaded, problems = {}, []
    for path in files:
        try:
            result = load_target_template(path, log=context.log.info)
        except TemplateValidationError as exc:
            problems.append(str(exc))
            continue
        loaded[path.name] = {"rows": result.rows_loaded, "sha256": file_sha256(path)}
    if problems:
        raise Failure(description="\n\n".join(problems), metadata={"loaded": MetadataValue.json(loaded)})
    return MaterializeResult(
        metadata={"files": MetadataValue.int(len(files)), "loaded": MetadataValue.json(loaded)}
    )
