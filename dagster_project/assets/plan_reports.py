"""The leaders' early-warning brief, generated from the published marts after each publish."""

from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AutomationCondition, MaterializeResult, MetadataValue, asset

from ..briefs.warning_brief import write_warning_brief
from ..briefs.warning_brief_pdf import write_warning_brief_pdf
from ..resources import ServingResource
from .serving import serving_database


def reports_dir(serving_file: Path) -> Path:
    """<data>/reports, beside the serving folder (<data>/serving/minzheng.duckdb)."""
    return serving_file.parent.parent / "reports"


@asset(
    key=["plan", "warning_brief"],
    group_name="publish",
    deps=[serving_database],
    kinds={"excel", "pdf"},
    automation_condition=AutomationCondition.eager(),
    description=(
        "规划目标预警简报（Excel 和 PDF，可直接转发）：全市一页、各县区各一页，列出进度滞后或按趋势预计未达标的指标，"
        "约束性指标在前，注明数据截至月份、更新时间和预测方法；写入数据目录 reports/。"
    ),
)
def warning_brief(context: AssetExecutionContext, serving: ServingResource) -> MaterializeResult:
    with duckdb.connect(str(serving.file), read_only=True) as con:
        result = write_warning_brief(con, reports_dir(serving.file))
        pdf = write_warning_brief_pdf(con, reports_dir(serving.file))
    context.log.info(f"预警简报已生成：{result.path}、{pdf.path}")
    return MaterializeResult(
        metadata={
            "文件": MetadataValue.path(str(result.path)),
            "PDF": MetadataValue.path(str(pdf.path)),
            "数据截至": result.as_of_label,
            "各页预警指标数": MetadataValue.json(result.sheets),
        }
    )
