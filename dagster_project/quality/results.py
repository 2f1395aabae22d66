"""Check results kept in the warehouse (schema `quality`): the history of every evaluation, the
latest result per suite × check × month (reused when the data has not changed), and what blocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from .runner import CheckOutcome, SuiteRun, sample_json

RESULTS_DDL = """
CREATE TABLE IF NOT EXISTS quality.check_results (
    evaluated_at TIMESTAMP NOT NULL,
    dagster_run_id VARCHAR,
    suite VARCHAR NOT NULL,
    layer VARCHAR NOT NULL,
    source VARCHAR,
    asset_key VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    period DATE,
    fingerprint VARCHAR NOT NULL,
    passed BOOLEAN NOT NULL,
    unexpected_count BIGINT NOT NULL,
    element_count BIGINT,
    message VARCHAR NOT NULL,
    sample_json VARCHAR,
    docs_url VARCHAR
)"""


def ensure_results_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    con.execute(RESULTS_DDL)


def has_results(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'quality' AND table_name = 'check_results'"
    ).fetchone()
    return bool(row and row[0])


def record(con: duckdb.DuckDBPyConnection, run: SuiteRun, dagster_run_id: str | None = None) -> None:
    ensure_results_schema(con)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    s = run.suite
    rows = [
        (
            now,
            dagster_run_id,
            s.name,
            s.layer,
            s.source,
            "/".join(s.asset_key),
            o.check,
            o.severity,
            o.kind,
            run.period,
            run.fingerprint,
            o.passed,
            o.unexpected_count,
            o.element_count,
            o.message,
            sample_json(o.sample),
            o.docs_url,
        )
        for o in run.outcomes
    ]
    con.executemany(f"INSERT INTO quality.check_results VALUES ({', '.join('?' * 17)})", rows)


@dataclass(frozen=True)
class StoredResult:
    check: str
    severity: str
    period: dt.date | None
    fingerprint: str
    passed: bool
    unexpected_count: int
    message: str
    sample_json: str | None
    docs_url: str | None
    evaluated_at: dt.datetime


def latest(
    con: duckdb.DuckDBPyConnection, suite: str, period: dt.date | None = None
) -> dict[tuple[str, dt.date | None], StoredResult]:
    """The latest stored result per (check, month) of a suite; one month if `period` is given."""
    ensure_results_schema(con)
    where = "suite = $suite" + (" AND period = $period" if period is not None else "")
    args: dict[str, Any] = {"suite": suite}
    if period is not None:
        args["period"] = period
    rows = con.execute(
        f"""SELECT check_name, severity, period, fingerprint, passed, unexpected_count, message, sample_json,
                   docs_url, evaluated_at
            FROM quality.check_results WHERE {where}
            QUALIFY row_number() OVER (PARTITION BY check_name, period ORDER BY evaluated_at DESC) = 1""",
        args,
    ).fetchall()
    return {(r[0], r[2]): StoredResult(*r) for r in rows}


def stored_run(
    con: duckdb.DuckDBPyConnection, suite: Any, period: dt.date | None, fp: str
) -> list[CheckOutcome] | None:
    """The stored outcomes of `suite` for a month if all were computed on data with this
    fingerprint; None if any is missing or stale."""
    import json

    stored = latest(con, suite.name, period)
    out = []
    for check in suite.checks:
        r = stored.get((check.name, period))
        if r is None or r.fingerprint != fp:
            return None
        out.append(
            CheckOutcome(
                suite=suite.name,
                check=check.name,
                severity=check.severity,
                kind=check.kind,
                period=period,
                passed=r.passed,
                unexpected_count=r.unexpected_count,
                sample=json.loads(r.sample_json or "[]"),
                message=r.message,
                docs_url=r.docs_url,
            )
        )
    return out


def blocking_failures(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, dt.date | None, str]]:
    """(suite, check, month, message) of every ERROR check whose latest result for a month failed."""
    ensure_results_schema(con)
    return con.execute(
        """SELECT suite, check_name, period, message FROM quality.check_results
           QUALIFY row_number() OVER (PARTITION BY suite, check_name, period ORDER BY evaluated_at DESC) = 1
               AND severity = 'ERROR' AND NOT passed
           ORDER BY period, suite, check_name"""
    ).fetchall()
