"""Raw ingestion assets: one asset per Jinmin source table.

The four monthly sources are partitioned by month × county: one partition is one county-month, its
export file or the files it came in (parts, e.g. one per program: ingestion/landing.py), reported as one
materialization. Lottery sales are partitioned by day × county (see partitions.py): a run groups its day
partitions by month, loads the latest month-to-date export of each requested county-month (the same unit
of replacement as the monthly sources: one DuckDB transaction per county-month, one audit row per file,
quarantine reconciled per file), and then reports a materialization for exactly the day partitions whose sales are in the
warehouse for that county-month, whether or not they were requested: the load rewrote all of them.
Requested days without sales in the file are named in a warning, not materialized; days of the file
that have not closed yet (today's partial sales in a same-day export) are loaded but only reported by
the first load after the day has ended (e.g. the next morning's schedule).
"""

import datetime as dt
from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetMaterialization,
    AssetsDefinition,
    BackfillPolicy,
    Backoff,
    Failure,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)

from ..ingestion.errors import PartitionLoadError, UnreadableFileError
from ..ingestion.pipeline import FileResult, load_partition
from ..ingestion.region import region_lookup
from ..ingestion.spec import SOURCES, SourceSpec
from ..partitions import (
    day_county_key,
    days_by_month,
    group_by_month,
    last_closed_day,
    month_county_key,
    parse_key,
    partitions_for,
)
from ..resources import LandingResource, PseudonymiserResource, WarehouseResource
from .load_metadata import STATUS_ZH, county_month_zh, file_metadata, loaded_files, report_url, top_reasons

WAREHOUSE_POOL = "warehouse"
# Transient errors (a file still being copied, a lock held by another process) are retried with backoff;
# a file that is wrong stays wrong, and fails with a clerk-readable message.
RAW_RETRY = RetryPolicy(max_retries=2, delay=5, backoff=Backoff.EXPONENTIAL)


def _single_partition(keys: list[str]) -> str | None:
    """The run's partition key when the run is exactly one partition (the asset page's Materialize of
    one partition, a sensor run for one file), else None."""
    return str(keys[0]) if len(keys) == 1 else None


def _materialization(
    context: AssetExecutionContext, single: str | None, partition: str, metadata: dict[str, MetadataValue]
) -> AssetMaterialization | MaterializeResult:
    """The run's own partition (`single`, when the run is one partition) is reported as the step's
    result, so the asset checks selected in the same run (the UI's Materialize includes them) run on
    what was loaded instead of being skipped; any other partition the load touched as a plain
    materialization event."""
    if partition == single:
        return MaterializeResult(metadata=metadata)
    return AssetMaterialization(asset_key=context.asset_key, partition=partition, metadata=metadata)


def _file_details(
    con, spec: SourceSpec, period: dt.date, files: list[FileResult]
) -> dict[str, dict[str, MetadataValue]]:
    """{county: metadata} for the loaded or unchanged files of one source × month, read in the load's
    own connection (the only writer), with the clerk report written for that month. A county-month of
    several files gets one entry: the audit sums its files (load_metadata.loaded_files)."""
    ok = [f for f in files if f.status in ("loaded", "unchanged") and f.county_code]
    if not ok:
        return {}
    audits = loaded_files(con, spec.source, period, {f.county_code for f in ok if f.county_code})
    url = report_url(con, spec.source, period)
    out = {}
    for f in ok:
        county = f.county_code or ""
        audit = audits.get(county)
        reasons = top_reasons(
            con, spec.source, period, county, audit.source_files if audit else f.source_file
        )
        out[county] = file_metadata(f, period, audit, reasons, url)
    return out


def _by_county(files: list[FileResult]) -> dict[str, FileResult]:
    """The loaded or unchanged files of a load, one per county-month (its parts are loaded, or unchanged,
    together: any one stands for the county-month; the metadata names all of them)."""
    return {f.county_code: f for f in files if f.status in ("loaded", "unchanged") and f.county_code}


def _days_present(
    con, spec: SourceSpec, period: dt.date, counties: set[str]
) -> dict[str, dict[dt.date, tuple[int, float]]]:
    """{county: {sale_date: (rows, sales)}} in the warehouse for the county-months just loaded: after
    load_partition each of them holds exactly the rows of its effective export files."""
    if not counties:
        return {}
    rows = con.execute(
        f"SELECT county_code, sale_date, count(*), sum(sales_amount)::DOUBLE FROM raw.{spec.table} "
        "WHERE period = ? AND list_contains(?, county_code) GROUP BY ALL ORDER BY ALL",
        [period, sorted(counties)],
    ).fetchall()
    out: dict[str, dict[dt.date, tuple[int, float]]] = {}
    for county_code, day, n, amount in rows:
        out.setdefault(county_code, {})[day] = (n, amount or 0.0)
    return out


def _load_months(
    context: AssetExecutionContext,
    spec: SourceSpec,
    warehouse: WarehouseResource,
    landing: LandingResource,
    pseudonymiser: PseudonymiserResource,
) -> Iterator[AssetMaterialization | MaterializeResult]:
    """A monthly source: one materialization per county-month file loaded (or already loaded)."""
    hasher = pseudonymiser.hasher()
    region = region_lookup()
    failures: list[UnreadableFileError] = []
    loaded = 0
    # context.partition_keys expands the run's range anew on every access (about 10 ms for a lottery
    # quarter of 1,170 day × county keys): read once per run, not once per materialization.
    keys = context.partition_keys
    single = _single_partition(keys)
    for period, counties in group_by_month(keys).items():
        with warehouse.connect() as con:
            report = load_partition(
                con, spec, period, landing.dir, region, hasher, counties=counties, raise_on_failure=False
            )
            details = _file_details(con, spec, period, report.files)
        failures += report.failures
        seen = set()
        for f in report.files:
            if f.status in ("loaded", "unchanged") and f.county_code:
                loaded += f.status == "loaded"
                context.log.info(
                    f"{county_month_zh(f.county_code, period)} {spec.title_zh}：{f.source_file} "
                    f"{STATUS_ZH.get(f.status, f.status)}"
                )
        for county_code in sorted(_by_county(report.files)):
            seen.add(county_code)
            yield _materialization(
                context, single, str(month_county_key(period, county_code)), details[county_code]
            )
        for missing in sorted(
            counties - seen - {f.county_code for f in report.files if f.status == "failed"}
        ):
            context.log.warning(
                f"{spec.title_zh} {county_month_zh(missing, period)}：着陆文件夹中没有该县区的文件"
            )
    if failures:
        raise Failure(description=str(PartitionLoadError(failures, loaded)), allow_retries=False)


def _load_days(
    context: AssetExecutionContext,
    spec: SourceSpec,
    warehouse: WarehouseResource,
    landing: LandingResource,
    pseudonymiser: PseudonymiserResource,
) -> Iterator[AssetMaterialization | MaterializeResult]:
    """Lottery: load the month-to-date file of each requested county-month, then materialize the day
    partitions whose sales it holds (see the module docstring)."""
    hasher = pseudonymiser.hasher()
    region = region_lookup()
    newest = last_closed_day()
    failures: list[UnreadableFileError] = []
    loaded = 0
    materialized_before: set[str] | None = None
    keys = context.partition_keys  # once per run (see _load_months)
    single = _single_partition(keys)
    for period, requested in days_by_month(keys).items():
        counties = set(requested)
        with warehouse.connect() as con:
            report = load_partition(
                con, spec, period, landing.dir, region, hasher, counties=counties, raise_on_failure=False
            )
            ok = _by_county(report.files)
            present = _days_present(con, spec, period, set(ok))
            details = _file_details(con, spec, period, report.files)
        failures += report.failures
        for county_code, f in sorted(ok.items()):
            loaded += f.status == "loaded"
            days = present.get(county_code, {})
            for day, (n, amount) in sorted(days.items()):
                if day > newest:
                    context.log.info(
                        f"{spec.title_zh} {county_month_zh(county_code, period)}{day.day}日：该日尚未结束，次日导入时再登记"
                    )
                    continue
                yield _materialization(
                    context,
                    single,
                    str(day_county_key(day, county_code)),
                    {
                        **details[county_code],
                        "销售日期": MetadataValue.text(f"{day.year}年{day.month}月{day.day}日"),
                        "当日行数": MetadataValue.int(n),
                        "当日销售额（元）": MetadataValue.float(float(amount)),
                    },
                )
            absent = sorted(requested[county_code] - set(days))
            if absent:
                context.log.warning(
                    f"{spec.title_zh} {county_month_zh(county_code, period)} {f.source_file}：文件中没有以下日期的销售记录："
                    + "、".join(f"{d:%m-%d}" for d in absent)
                )
            if f.status == "loaded":  # a re-export that dropped a day: say so, Dagster keeps the old event
                if materialized_before is None:
                    materialized_before = set(context.instance.get_materialized_partitions(context.asset_key))
                gone = sorted(
                    d
                    for c, d in map(parse_key, materialized_before)
                    if c == county_code and d.replace(day=1) == period and d not in days
                )
                if gone:
                    context.log.warning(
                        f"{spec.title_zh} {county_month_zh(county_code, period)}：新导入的文件 {f.source_file} 不再包含以下日期（此前已导入，"
                        "现已从数据仓库中替换掉）：" + "、".join(f"{d:%m-%d}" for d in gone)
                    )
        for missing in sorted(
            counties - set(ok) - {f.county_code for f in report.files if f.status == "failed"}
        ):
            context.log.warning(
                f"{spec.title_zh} {county_month_zh(missing, period)}：着陆文件夹中没有该县区的文件"
            )
    if failures:
        raise Failure(description=str(PartitionLoadError(failures, loaded)), allow_retries=False)


def build_raw_asset(spec: SourceSpec) -> AssetsDefinition:
    daily = spec.daily
    load = _load_days if daily else _load_months

    @asset(
        name=spec.table,
        key_prefix=["raw"],
        group_name=spec.group,
        partitions_def=partitions_for(spec),
        # A range of months or days (a UI or CLI backfill) is one run, loaded county-month by county-month.
        backfill_policy=BackfillPolicy.single_run(),
        output_required=False,  # materializations are reported per loaded county-month (or day) below
        retry_policy=RAW_RETRY,
        pool=WAREHOUSE_POOL,
        kinds={"polars", "duckdb"},
        description=(
            f"{spec.title_zh}（金民工程导出，着陆文件夹 {spec.source}/）："
            + (
                "按日、按县区分区；导入某日即导入该县区当月最新的累计文件，文件中有销售记录的日期都登记为已导入。"
                if daily
                else "按月、按县区导入。"
            )
            + "身份证号与姓名经HMAC脱敏。"
        ),
        metadata={"landing_subfolder": spec.source},
    )
    def _raw(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        landing: LandingResource,
        pseudonymiser: PseudonymiserResource,
    ) -> Iterator[AssetMaterialization | MaterializeResult]:
        yield from load(context, spec, warehouse, landing, pseudonymiser)

    return _raw


raw_assets: list[AssetsDefinition] = [build_raw_asset(spec) for spec in SOURCES.values()]
