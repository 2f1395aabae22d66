"""Raw ingestion assets: one asset per Jinmin source table, partitioned by month × county."""

from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetMaterialization,
    AssetsDefinition,
    BackfillPolicy,
    Backoff,
    Failure,
    MetadataValue,
    RetryPolicy,
    asset,
)

from ..ingestion.errors import PartitionLoadError, UnreadableFileError
from ..ingestion.pipeline import FileResult, load_partition
from ..ingestion.region import region_lookup
from ..ingestion.spec import SOURCES, SourceSpec
from ..partitions import group_by_month, month_county, month_county_key
from ..resources import LandingResource, PseudonymiserResource, WarehouseResource

WAREHOUSE_POOL = "warehouse"
# Transient errors (a file still being copied, a lock held by another process) are retried with backoff;
# a file that is wrong stays wrong, and fails with a clerk-readable message.
RAW_RETRY = RetryPolicy(max_retries=2, delay=5, backoff=Backoff.EXPONENTIAL)


def _file_metadata(f: FileResult) -> dict[str, MetadataValue]:
    return {
        "source_file": MetadataValue.text(f.source_file),
        "status": MetadataValue.text(f.status),
        "rows_read": MetadataValue.int(f.rows_read),
        "rows_loaded": MetadataValue.int(f.rows_loaded),
        "rows_quarantined": MetadataValue.int(f.rows_quarantined),
        "message": MetadataValue.text(f.message or ""),
    }


def build_raw_asset(spec: SourceSpec) -> AssetsDefinition:
    @asset(
        name=spec.table,
        key_prefix=["raw"],
        group_name=spec.group,
        partitions_def=month_county,
        backfill_policy=BackfillPolicy.single_run(),
        output_required=False,  # materializations are reported per loaded county-month below
        retry_policy=RAW_RETRY,
        pool=WAREHOUSE_POOL,
        kinds={"polars", "duckdb"},
        description=f"{spec.title_zh}（金民工程导出，着陆文件夹 {spec.source}/）：按月、按县区导入，身份证号与姓名经HMAC脱敏。",
        metadata={"landing_subfolder": spec.source},
    )
    def _raw(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        landing: LandingResource,
        pseudonymiser: PseudonymiserResource,
    ) -> Iterator[AssetMaterialization]:
        hasher = pseudonymiser.hasher()
        region = region_lookup()
        failures: list[UnreadableFileError] = []
        loaded = 0
        for period, counties in group_by_month(context.partition_keys).items():
            with warehouse.connect() as con:
                report = load_partition(
                    con, spec, period, landing.dir, region, hasher, counties=counties, raise_on_failure=False
                )
            failures += report.failures
            seen = set()
            for f in report.files:
                if f.status in ("loaded", "unchanged") and f.county_code:
                    seen.add(f.county_code)
                    loaded += f.status == "loaded"
                    yield AssetMaterialization(
                        asset_key=context.asset_key,
                        partition=month_county_key(period, f.county_code),
                        metadata=_file_metadata(f),
                    )
            for missing in sorted(
                counties - seen - {f.county_code for f in report.files if f.status == "failed"}
            ):
                context.log.warning(f"{spec.source} {period:%Y-%m} {missing}：着陆文件夹中没有该县区的文件")
        if failures:
            raise Failure(description=str(PartitionLoadError(failures, loaded)), allow_retries=False)

    return _raw


raw_assets: list[AssetsDefinition] = [build_raw_asset(spec) for spec in SOURCES.values()]
