"""Jobs the statistics staff launch from the UI (and the schedules, sensor and demo runner use).

A Dagster job holds assets of one partitions definition, so the raw loads are two jobs: the four
monthly sources (month × county) and the lottery sales (day × county, see partitions.py).
"""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

from .ingestion.spec import SOURCES, Cadence, sources_with

RAW = AssetSelection.key_prefixes(["raw"])
# The cadence is declared per source in its contract (ingestion/spec.py).
MONTHLY_SOURCES = sources_with(Cadence.MONTHLY)
DAILY_SOURCES = sources_with(Cadence.DAILY)
MONTHLY_RAW = AssetSelection.assets(*[["raw", SOURCES[s].table] for s in MONTHLY_SOURCES])
LOTTERY_RAW = AssetSelection.assets(*[["raw", SOURCES[s].table] for s in DAILY_SOURCES])

raw_monthly_job = define_asset_job(
    name="load_jinmin_exports",
    # The raw quality checks run at the start of the warehouse build (below), on the months loaded.
    selection=MONTHLY_RAW.without_checks(),
    description="导入金民工程月度导出文件：救助、养老、志愿者（按月 × 县区分区；可选择一个县区、一个月或一段时间）",
)

lottery_job = define_asset_job(
    name="load_lottery_sales",
    selection=LOTTERY_RAW.without_checks(),
    description=(
        "导入福利彩票销售日报（按日 × 县区分区；导入某日即导入该县区当月最新的累计文件，"
        "文件中有销售记录的日期都显示为已导入）"
    ),
)

raw_jobs = [raw_monthly_job, lottery_job]


def raw_job_for(source: str):
    return lottery_job if SOURCES[source].daily else raw_monthly_job


warehouse_job = define_asset_job(
    name="build_warehouse",
    # Everything downstream of raw, plus the raw assets' quality checks: an ERROR check blocks dbt and the
    # publish step, so the serving file keeps the last good data.
    # Plan-target templates are loaded on their own (plan/target_templates), then this job rebuilds.
    selection=AssetSelection.all()
    - RAW.without_checks()
    - AssetSelection.assets(["plan", "target_templates"]),
    description="重建数据仓库（dbt 模型、检查与发布）",
)

plan_targets_job = define_asset_job(
    name="load_plan_targets",
    selection=AssetSelection.assets(["plan", "target_templates"]),
    description="校验并导入着陆文件夹 plan_targets/ 中的规划目标/填报模板（放入文件后自动运行，也可手动启动）",
)
