"""Raw ingestion assets: one monthly-partitioned asset per Jinmin source table."""

from __future__ import annotations

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from ..ingestion.errors import PartitionLoadError
from ..ingestion.pipeline import PartitionReport, load_partition
from ..ingestion.region import region_lookup
from ..ingestion.spec import SOURCES, SourceSpec
from ..partitions import monthly, period_of
from ..resources import LandingResource, PseudonymiserResource, WarehouseResource

WAREHOUSE_POOL = "warehouse"


def _files_markdown(report: PartitionReport) -> str:
    lines = ["| 文件 | 县区 | 状态 | 读入 | 入库 | 隔离 | 说明 |", "|---|---|---|---|---|---|---|"]
    for f in report.files:
        lines.append(
            f"| {f.source_file} | {f.county_code or ''} | {f.status} | {f.rows_read} | {f.rows_loaded} "
            f"| {f.rows_quarantined} | {(f.message or '').replace('|', '/')} |"
        )
    return "\n".join(lines)


def _metadata(report: PartitionReport) -> dict[str, MetadataValue]:
    return {
        "rows_read": MetadataValue.int(report.total("rows_read")),
        "rows_loaded": MetadataValue.int(report.total("rows_loaded")),
        "rows_quarantined": MetadataValue.int(report.total("rows_quarantined")),
        "files_failed": MetadataValue.int(len(report.failures)),
        "counties": MetadataValue.int(len(report.counties)),
        "load_id": MetadataValue.text(report.load_id),
        "files": MetadataValue.md(_files_markdown(report)),
    }


def build_raw_asset(spec: SourceSpec) -> AssetsDefinition:
    @asset(
        name=spec.table,
        key_prefix=["raw"],
        group_name=spec.group,
        partitions_def=monthly,
        pool=WAREHOUSE_POOL,
        kinds={"polars", "duckdb"},
        description=f"{spec.title_zh}（金民工程导出，{spec.source}）：按月、按县区导入，个人身份信息经HMAC脱敏。",
        metadata={"source": spec.source, "landing_subfolder": spec.source},
    )
    def _raw(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        landing: LandingResource,
        pseudonymiser: PseudonymiserResource,
    ) -> MaterializeResult:
        period = period_of(context.partition_key)
        with warehouse.connect() as con:
            try:
                report = load_partition(
                    con,
                    spec,
                    period,
                    landing.dir,
                    region_lookup(),
                    pseudonymiser.hasher(),
                    raise_on_failure=False,
                )
            except PartitionLoadError as exc:  # pragma: no cover - raise_on_failure=False
                raise Failure(str(exc)) from exc
        if report.failures:
            raise Failure(
                description=str(
                    PartitionLoadError(report.failures, sum(f.status == "loaded" for f in report.files))
                ),
                metadata=_metadata(report),
            )
        if not report.files:
            context.log.warning(f"{spec.source} {period:%Y-%m}: 着陆文件夹中没有文件")
        return MaterializeResult(metadata=_metadata(report))

    return _raw


raw_assets: list[AssetsDefinition] = [build_raw_asset(spec) for spec in SOURCES.values()]
