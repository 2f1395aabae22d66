"""Run one suite on one month of a table: GX expectations on the month's rows (pandas) plus the
suite's SQL checks on the warehouse. Independent of Dagster (assets/checks.py wraps it)."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from .gx_runner import SAMPLE_SIZE, GxRun, build_docs_pages, import_in_background, validate_frame
from .paths import QualityPaths
from .region import RegionRef
from .suites import CheckDef, Suite, sql_parameters

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass
class CheckOutcome:
    suite: str
    check: str
    severity: str
    kind: str
    period: dt.date | None
    passed: bool
    unexpected_count: int = 0
    element_count: int | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    docs_url: str | None = None

    @property
    def blocking_failure(self) -> bool:
        return not self.passed and self.severity == "ERROR"


@dataclass
class SuiteRun:
    suite: Suite
    period: dt.date | None
    outcomes: list[CheckOutcome]
    rows: int
    fingerprint: str
    docs_page: str | None = None
    gx: GxRun | None = None  # the GX validation (its Data Docs page may be built later: attach_docs)

    def outcome(self, check: str) -> CheckOutcome:
        return next(o for o in self.outcomes if o.check == check)

    @property
    def failed(self) -> list[CheckOutcome]:
        return [o for o in self.outcomes if not o.passed]


def month_end(period: dt.date) -> dt.date:
    nxt = dt.date(period.year + (period.month == 12), period.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def previous_month(period: dt.date) -> dt.date:
    return (period.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def runtime_parameters(suite: Suite, period: dt.date | None, region: RegionRef) -> dict[str, Any]:
    """Everything a suite may reference as $PARAMETER (GX) or $name (SQL); see expectations/README.md."""
    params: dict[str, Any] = {
        **suite.parameters,
        "region_counties": region.county_codes,
        "region_county_count": len(region.county_codes),
        "known_townships": sorted(region.townships),
        "source": suite.source or "",
    }
    if period is not None:
        params.update(
            period=period,
            previous_period=previous_month(period),
            period_start=period.isoformat(),
            period_end=month_end(period).isoformat(),
            period_month=f"{period:%Y-%m}",
            period_year=period.year,
        )
    return params


def _sql_args(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    return {name: params[name] for name in sql_parameters(sql)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _clean_sample(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{str(k): _jsonable(v) for k, v in row.items()} for row in rows]


def _message(check: CheckDef, passed: bool, count: int, total: int | None, error: str | None) -> str:
    if error:
        return f"检查无法执行：{error}"
    if passed:
        return f"通过（检查 {total} 行）" if total is not None else "通过"
    row_level = check.kind == "gx" and "distinct_values" not in (check.expectation or {}).get("type", "")
    unit = "行" if row_level else "项"
    return f"{count} {unit}不符合：{check.title_zh}"


def fingerprint(
    con: duckdb.DuckDBPyConnection, suite: Suite, period: dt.date | None, region: RegionRef
) -> str:
    """Identifies the data a stored result was computed on: loads of this and the previous month,
    the load audit of this month, the suite's rules and the region. A new load makes it stale."""
    parts = [suite.content_hash, ",".join(region.county_codes), str(len(region.townships))]
    if period is not None and suite.layer == "raw":
        row = con.execute(
            f"SELECT string_agg(DISTINCT _load_id, ',' ORDER BY _load_id) FROM {suite.table} "
            "WHERE period IN ($p, $q)",
            {"p": period, "q": previous_month(period)},
        ).fetchone()
        parts.append(str(row[0] if row else None))
        row = con.execute(
            "SELECT string_agg(load_id || ':' || source_file || ':' || status, ',' ORDER BY load_id, source_file) "
            "FROM raw.load_audit WHERE source = $s AND period = $p",
            {"s": suite.source, "p": period},
        ).fetchone()
        parts.append(str(row[0] if row else None))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def run_sql_check(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    check: CheckDef,
    params: dict[str, Any],
    period: dt.date | None,
) -> CheckOutcome:
    assert check.sql is not None
    try:
        cur = con.execute(check.sql, _sql_args(check.sql, params))
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
        error = None
    except duckdb.Error as exc:
        names, rows, error = [], [], str(exc).splitlines()[0]
    passed = error is None and not rows
    return CheckOutcome(
        suite=suite.name,
        check=check.name,
        severity=check.severity,
        kind="sql",
        period=period,
        passed=passed,
        unexpected_count=len(rows),
        sample=_clean_sample([dict(zip(names, r, strict=True)) for r in rows[:SAMPLE_SIZE]]),
        message=_message(check, passed, len(rows), None, error),
    )


@dataclass
class PendingRun:
    """A suite × month read from the warehouse and SQL-checked, its GX expectations still to run: on
    `rows` (Arrow) in this process or in a worker process (quality/validation_pool.py)."""

    suite: Suite
    period: dt.date | None
    parameters: dict[str, Any]
    run_name: str
    sql_outcomes: list[CheckOutcome]
    fingerprint: str  # of the loads the result was computed on (stored with the result)
    rows: pa.Table | None = None  # what the GX expectations run on; None without any


def read_batch(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    period: dt.date | None,
    region: RegionRef,
    run_label: str = "adhoc",
) -> PendingRun:
    """Everything of a suite × month that needs the warehouse: the SQL checks, the rows for GX and the
    fingerprint of the loads."""
    from .frames import read_rows

    params = runtime_parameters(suite, period, region)
    if suite.gx_checks:
        import_in_background()  # the SQL checks and the read of the rows below run while GX is imported
    pending = PendingRun(
        suite,
        period,
        params,
        f"{period:%Y-%m}_{run_label}" if period else run_label,
        [run_sql_check(con, suite, check, params, period) for check in suite.sql_checks],
        "",
    )
    if suite.gx_checks:
        pending.rows = read_rows(con, suite.query, _sql_args(suite.query, params))
    pending.fingerprint = fingerprint(con, suite, period, region)
    return pending


def validate_batch(pending: PendingRun, paths: QualityPaths) -> GxRun | None:
    """The GX validation of a read batch (no warehouse needed: runs in a worker process as well)."""
    if pending.rows is None:
        return None
    from .frames import frame_of

    df = frame_of(pending.rows)
    return validate_frame(df, pending.suite, pending.parameters, paths, pending.run_name)


def finish_run(pending: PendingRun, gx: GxRun | None) -> SuiteRun:
    """The suite × month's outcomes: GX's (each expectation the suite has; one GX did not return counts
    as failed) and the SQL checks'."""
    suite, period = pending.suite, pending.period
    rows = pending.rows.num_rows if pending.rows is not None else 0
    outcomes: list[CheckOutcome] = []
    for check in suite.gx_checks:
        o = gx.outcomes.get(check.name) if gx is not None else None
        if o is None:  # GX dropped it (or never ran): treat as failed so it cannot pass silently
            outcomes.append(
                CheckOutcome(
                    suite.name, check.name, check.severity, "gx", period, False, message="GX 未返回结果"
                )
            )
            continue
        count = o.unexpected_count or 0
        outcomes.append(
            CheckOutcome(
                suite=suite.name,
                check=check.name,
                severity=check.severity,
                kind="gx",
                period=period,
                passed=o.passed,
                unexpected_count=count if not o.error else 0,
                element_count=o.element_count,
                sample=_clean_sample(o.sample),
                message=_message(
                    check,
                    o.passed,
                    count,
                    o.element_count if o.element_count is not None else rows,
                    o.error,
                ),
            )
        )
    outcomes += pending.sql_outcomes
    return SuiteRun(suite, period, outcomes, rows, pending.fingerprint, gx=gx)


def run_suite(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    period: dt.date | None,
    region: RegionRef,
    paths: QualityPaths,
    run_label: str = "adhoc",
    build_docs: bool = True,
) -> SuiteRun:
    """Run one suite on one month in this process."""
    pending = read_batch(con, suite, period, region, run_label)
    run = finish_run(pending, validate_batch(pending, paths))
    if build_docs:
        attach_docs(paths, [run])
    return run


def attach_docs(paths: QualityPaths, runs: list[SuiteRun]) -> None:
    """Build the Data Docs pages of the runs' GX validations in one go (run_suite with build_docs=False
    leaves them unbuilt, so a check run over many months builds the site once), and link the outcomes GX
    returned to their column's section of the page."""
    pending = [r for r in runs if r.gx is not None and r.gx.docs_page is None]
    build_docs_pages(paths, [r.gx for r in pending if r.gx is not None])
    for r in pending:
        assert r.gx is not None
        r.docs_page = r.gx.docs_link(None)
        columns = {c.name: c.column for c in r.suite.gx_checks}
        for o in r.outcomes:
            if o.kind == "gx" and o.check in r.gx.outcomes:
                o.docs_url = r.gx.docs_link(columns[o.check])


def sample_markdown(sample: list[dict[str, Any]], limit: int = 10) -> str:
    """A small Markdown table of offending rows for the Dagster UI."""
    if not sample:
        return "（无）"
    cols = list(dict.fromkeys(k for row in sample[:limit] for k in row))
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in sample[:limit]:
        lines.append("| " + " | ".join(str(row.get(c, "")).replace("|", "/") for c in cols) + " |")
    if len(sample) > limit:
        lines.append(f"\n…共列出 {len(sample)} 行中的前 {limit} 行")
    return "\n".join(lines)


def sample_json(sample: list[dict[str, Any]]) -> str:
    return json.dumps(sample, ensure_ascii=False, default=str)
