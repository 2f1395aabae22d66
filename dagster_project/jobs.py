"""Jobs the statistics staff launch from the UI (and the schedules, sensor and demo runner use)."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

RAW = AssetSelection.key_prefixes(["raw"])

raw_monthly_job = define_asset_job(
    name="load_jinmin_exports",
    # The raw quality checks run at the start of the warehouse build (below), on the months loaded.
    selection=RAW.without_checks(),
    description="导入金民工程导出文件（按月 × 县区分区；可选择一个县区、一个月或一段时间）",
)

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
