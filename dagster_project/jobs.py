"""Jobs the statistics staff launch from the UI (and the demo runner uses)."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

from .partitions import monthly

RAW = AssetSelection.key_prefixes(["raw"])

raw_monthly_job = define_asset_job(
    name="load_jinmin_exports",
    selection=RAW,
    partitions_def=monthly,
    description="导入当月全部金民工程导出文件（五类来源表）",
)

warehouse_job = define_asset_job(
    name="build_warehouse",
    selection=AssetSelection.all() - RAW,
    description="重建数据仓库（dbt 模型与检查）",
)
