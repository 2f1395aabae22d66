"""The expectation suites in expectations/ as Dagster asset checks.

Every expectation or SQL check of a suite is one asset check on the suite's asset, named as in the suite
file, with its severity: ERROR checks are `blocking=True`, so when one fails Dagster does not run the
downstream dbt models and the publish step in that run (the serving file keeps the last good data);
WARN checks only show in the UI. All raw suites run in one op (one GX import per process) that reads
the warehouse, so it takes the `warehouse` pool like every other step that opens the DuckDB file.

Scope: in a partitioned run the suites check the months of the run's partitions (month × county keys of
the monthly sources, day × county keys of the lottery, both "<county>|<date>": a day counts as its
month, since the lottery loads and is checked by county-month; a month is checked across all its
counties, since duplicates and coverage are month-wide), store the results in
quality.check_results and write the clerk reports. In a run without partitions (e.g. a warehouse build
that selects these checks) every loaded month is checked; results stored for data that has not changed
since are reused, so the check then reports the state of the whole table.

Wire into Definitions with `asset_checks=quality_checks`.
"""

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)
from dagster._core.errors import DagsterInvariantViolationError
from dagster_dbt.errors import DagsterDbtError

from ..automation.conditions import CHECK_AUTOMATION
from ..partitions import county_month_of
from ..quality.clerk_report import write_report
from ..quality.gx_runner import data_docs_index
from ..quality.paths import QualityPaths
from ..quality.region import RegionRef, default_region
from ..quality.results import ensure_results_schema, record, stored_run
from ..quality.runner import CheckOutcome, PendingRun, SuiteRun, attach_docs, read_batch, sample_markdown
from ..quality.runner import fingerprint as data_fingerprint
from ..quality.suites import CheckDef, Suite, load_suites
from ..quality.validation_pool import run_batches
from ..report_server import public_url
from ..resources import WarehouseResource

WAREHOUSE_POOL = "warehouse"  # the same pool as assets/raw.py: one process opens the warehouse at a time


def check_specs(suites: Sequence[Suite]) -> list[AssetCheckSpec]:
    return [
        AssetCheckSpec(
            name=check.name,
            asset=AssetKey(list(suite.asset_key)),
            description=check.description(),
            blocking=check.blocking,
            automation_condition=CHECK_AUTOMATION,
            metadata={
                "severity": check.severity,
                "suite": suite.name,
                "suite_file": suite.relative_path,
                "kind": check.kind,
            },
        )
        for suite in suites
        for check in suite.checks
    ]


def run_scope(context: AssetCheckExecutionContext) -> dict[dt.date, set[str]] | None:
    """{month: counties} of a partitioned run (monthly or month × county keys); None if unpartitioned."""
    try:
        keys = list(context.partition_keys)
    except (DagsterInvariantViolationError, ValueError):
        return None
    return months_of(keys)


def months_of(keys: Sequence[str]) -> dict[dt.date, set[str]] | None:
    """'610602|2024-06-01' (month × county), '610602|2024-06-15' (lottery day × county) or '2024-06-01'
    partition keys -> {month: counties}."""
    scope: dict[dt.date, set[str]] = {}
    for key in keys:
        try:
            county_code, month = county_month_of(key)
        except ValueError:
            continue  # not a raw partition key: nothing of it is in scope
        scope.setdefault(month, set()).update({county_code} if county_code else set())
    return dict(sorted(scope.items())) or None


def _months_in_table(con: duckdb.DuckDBPyConnection, suite: Suite) -> list[dt.date]:
    try:
        rows = con.execute(f"SELECT DISTINCT period FROM {suite.table} ORDER BY 1").fetchall()
    except duckdb.CatalogException:
        return []
    return [r[0] for r in rows]


@dataclass
class SuiteEvaluation:
    suite: Suite
    outcomes: dict[str, list[CheckOutcome]] = field(default_factory=dict)  # check -> one per month
    reports: dict[dt.date, Path] = field(default_factory=dict)
    reused: int = 0
    evaluated: list[dt.date | None] = field(default_factory=list)

    def add(self, outcomes: Sequence[CheckOutcome]) -> None:
        for o in outcomes:
            self.outcomes.setdefault(o.check, []).append(o)


def evaluate_suites(
    con: duckdb.DuckDBPyConnection,
    suites: Sequence[Suite],
    scope: dict[dt.date, set[str]] | None,
    region: RegionRef,
    paths: QualityPaths,
    run_id: str | None,
    seconds: dict[str, float] | None = None,
) -> list[SuiteEvaluation]:
    """Run (or reuse) each suite for the months in scope (the GX validations of many in worker processes:
    quality/validation_pool.py), build the Data Docs pages of all their new validations in one go (GX
    rebuilds the site's index on every build: once per op, not per suite), then record the results and
    write the clerk reports. `seconds`: each suite's time, its share of the one Data Docs build included
    (for the benchmark)."""
    label = (run_id or "adhoc")[:8]
    # suite -> month -> results stored for unchanged data, or a new run
    done: list[dict[dt.date | None, list[CheckOutcome] | SuiteRun]] = []
    tasks: list[tuple[int, dt.date | None]] = []
    for i, suite in enumerate(suites):
        started = time.perf_counter()
        runs, months = _stored_or_due(con, suite, scope, region)
        done.append(runs)
        tasks += [(i, month) for month in months]
        if seconds is not None:
            seconds[suite.name] = time.perf_counter() - started

    def read(task: tuple[int, dt.date | None]) -> PendingRun:
        i, month = task
        return read_batch(con, suites[i], month, region, label)

    validations = sum(bool(suites[i].gx_checks) for i, _ in tasks)
    for (i, month), run, took in run_batches(tasks, read, paths, validations):
        done[i][month] = run
        if seconds is not None:
            seconds[suites[i].name] += took
    started = time.perf_counter()
    new_runs = [r for runs in done for r in runs.values() if isinstance(r, SuiteRun)]
    attach_docs(paths, new_runs)
    if seconds is not None and new_runs:
        share = (time.perf_counter() - started) / len(new_runs)
        for suite, runs in zip(suites, done, strict=True):
            seconds[suite.name] += share * sum(isinstance(r, SuiteRun) for r in runs.values())
    evaluations = []
    for suite, runs in zip(suites, done, strict=True):
        started = time.perf_counter()
        evaluations.append(
            _record(con, suite, dict(sorted(runs.items(), key=_month_order)), region, paths, run_id)
        )
        if seconds is not None:
            seconds[suite.name] += time.perf_counter() - started
    return evaluations


def _month_order(item: tuple[dt.date | None, object]) -> dt.date:
    return item[0] or dt.date.min


def _stored_or_due(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    scope: dict[dt.date, set[str]] | None,
    region: RegionRef,
) -> tuple[dict[dt.date | None, list[CheckOutcome] | SuiteRun], list[dt.date | None]]:
    """The results stored for unchanged data (whole-table mode only) and the months to check anew."""
    if suite.period_column is None:  # a whole-table suite (marts)
        return {}, [None]
    months = list(scope) if scope is not None else _months_in_table(con, suite)
    stored: dict[dt.date | None, list[CheckOutcome] | SuiteRun] = {}
    due: list[dt.date | None] = []
    for month in months:
        if scope is None:  # whole-table mode: reuse results computed on unchanged data
            found = stored_run(con, suite, month, data_fingerprint(con, suite, month, region))
            if found is not None:
                stored[month] = found
                continue
        due.append(month)
    return stored, due


def _record(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    done: dict[dt.date | None, list[CheckOutcome] | SuiteRun],
    region: RegionRef,
    paths: QualityPaths,
    run_id: str | None,
) -> SuiteEvaluation:
    ev = SuiteEvaluation(suite)
    for month, result in done.items():
        if not isinstance(result, SuiteRun):
            ev.add(result)
            ev.reused += 1
            continue
        record(con, result, run_id)
        ev.add(result.outcomes)
        ev.evaluated.append(month)
        if suite.source and month is not None:
            ev.reports[month] = write_report(con, suite, month, region, paths, result.outcomes)
    return ev


def _month(p: dt.date | None) -> str:
    return f"{p.year}年{p.month}月" if p else "全表"


def check_result(
    suite: Suite, check: CheckDef, outcomes: list[CheckOutcome], ev: SuiteEvaluation, paths: QualityPaths
) -> AssetCheckResult:
    failing = [o for o in outcomes if not o.passed]
    passed = not failing
    months = [_month(o.period) for o in outcomes]
    if not outcomes:
        description = "没有可检查的数据（尚未导入任何月份）"
    elif passed:
        description = f"通过：{'、'.join(months[-6:])}{' 等' if len(months) > 6 else ''}"
    else:
        description = "；".join(f"{_month(o.period)} {o.message}" for o in failing[:6])
    first = failing[0] if failing else None
    metadata: dict[str, MetadataValue] = {
        "级别": MetadataValue.text(
            f"{'错误' if check.severity == 'ERROR' else '警告'}（{'阻断下游模型与看板' if check.blocking else '仅提示'}）"
        ),
        "检查的月份": MetadataValue.text("、".join(months) or "-"),
        "未通过的月份": MetadataValue.text("、".join(_month(o.period) for o in failing) or "-"),
        "问题数": MetadataValue.int(sum(o.unexpected_count for o in failing)),
        "检查方式": MetadataValue.text(check.label),
        "规则文件": MetadataValue.path(suite.relative_path),
        "数据文档（全部）": MetadataValue.url(public_url(data_docs_index(paths), data_dir=paths.data_dir)),
    }
    if check.kind == "gx" and check.expectation:
        metadata["期望（GX）"] = MetadataValue.json(
            {"type": check.expectation["type"], "kwargs": check.expectation["kwargs"]}
        )
    elif check.sql:
        metadata["sql"] = MetadataValue.md(f"```sql\n{check.sql.strip()}\n```")
    if first is not None:
        metadata["问题行"] = MetadataValue.md(
            f"{_month(first.period)}（{first.unexpected_count} 处，仅显示脱敏键）\n\n"
            + sample_markdown(first.sample)
        )
        metadata["问题行（JSON）"] = MetadataValue.json(json.loads(json.dumps(first.sample, default=str)))
        if first.docs_url:
            metadata["数据文档（本次检查）"] = MetadataValue.url(first.docs_url)
    for month, report in sorted(ev.reports.items())[-3:]:
        metadata[f"质量报告 {_month(month)}（下载）"] = MetadataValue.url(
            public_url(report, data_dir=paths.data_dir)
        )
    return AssetCheckResult(
        asset_key=AssetKey(list(suite.asset_key)),
        check_name=check.name,
        passed=passed,
        severity=AssetCheckSeverity.ERROR if check.severity == "ERROR" else AssetCheckSeverity.WARN,
        description=description,
        metadata=metadata,
    )


def build_quality_checks(
    suites: Sequence[Suite],
    name: str,
    description: str,
    region: Callable[[], RegionRef] = default_region,
    paths: Callable[[], QualityPaths] = QualityPaths.from_env,
) -> AssetChecksDefinition:
    """One op running `suites`, emitting one asset check per expectation / SQL check."""
    by_key = {AssetKey(list(s.asset_key)): s for s in suites}

    @multi_asset_check(
        name=name,
        specs=check_specs(suites),
        can_subset=True,
        pool=WAREHOUSE_POOL,
        description=description,
        compute_kind="great_expectations",
    )
    def _checks(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[AssetCheckResult]:
        selected = context.selected_asset_check_keys
        scope = run_scope(context)
        region_ref, quality_paths = region(), paths()
        with warehouse.connect() as con:
            ensure_results_schema(con)
            wanted = {
                suite.name: [
                    c for c in suite.checks if any(k.asset_key == key and k.name == c.name for k in selected)
                ]
                for key, suite in by_key.items()
            }
            run_suites = [suite for suite in by_key.values() if wanted[suite.name]]
            evaluations = evaluate_suites(
                con, run_suites, scope, region_ref, quality_paths, context.run.run_id
            )
            for suite, ev in zip(run_suites, evaluations, strict=True):
                context.log.info(
                    f"{suite.name}: months evaluated {[_month(m) for m in ev.evaluated]}, reused {ev.reused}"
                )
                for check in wanted[suite.name]:
                    yield check_result(suite, check, ev.outcomes.get(check.name, []), ev, quality_paths)

    return _checks


def mart_suites() -> list[Suite]:
    """The mart suites whose dbt model exists in the dbt project (a renamed mart is reported, not fatal).
    Without a dbt manifest (before `dbt parse`) the suites are taken as written: their keys are the
    dagster-dbt keys of the models, [marts, <model>]."""
    suites = load_suites(layer="mart")
    try:
        from .dbt import dbt_models
    except DagsterDbtError as exc:
        logging.getLogger(__name__).warning("dbt manifest not available (%s): mart suites not verified", exc)
        return suites
    keys = set(dbt_models.keys)
    missing = [s.name for s in suites if AssetKey(list(s.asset_key)) not in keys]
    if missing:
        logging.getLogger(__name__).warning("mart suites without a dbt model (skipped): %s", missing)
    return [s for s in suites if s.name not in missing]


raw_quality_checks = build_quality_checks(
    load_suites(layer="raw"),
    name="raw_quality_suites",
    description="原始表质量检查（expectations/raw/*.yml）：每月导入后运行；错误级别未通过时阻断下游模型与看板刷新。",
)

mart_quality_checks = build_quality_checks(
    mart_suites(),
    name="mart_quality_suites",
    description="指标表质量检查（expectations/marts/*.yml）：dbt 构建后运行；错误级别未通过时不发布看板数据库。",
)

quality_checks: list[AssetChecksDefinition] = [raw_quality_checks, mart_quality_checks]
