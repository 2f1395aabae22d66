"""Load one source × month from the landing folder into DuckDB (the unit a Dagster partition runs)."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .errors import PartitionLoadError, UnreadableFileError, valid_text
from .landing import ExportFile, discover, effective_files
from .prepare import FileJob, Prepared, prepare_all
from .pseudonymise import Pseudonymiser
from .spec import SourceSpec
from .totals import TotalCheck, totals_json, totals_summary_zh
from .warehouse import (
    FileLoad,
    ensure_schema,
    loaded_shas,
    one_checkpoint,
    quarantined_rows,
    record_audit,
    replace_county_month,
)


@dataclass(frozen=True)
class RegionLookup:
    """What ingestion needs to know about divisions (backed by dbt/seeds/ref_region.csv)."""

    resolve_county: Callable[[str], str | None]
    township_prefixes: Callable[[str], frozenset[str]]


@dataclass(frozen=True)
class FileResult:
    source_file: str
    county_code: str | None
    status: str  # loaded / unchanged / superseded / failed
    rows_read: int = 0  # loaded + quarantined + skipped
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None
    seconds: float = 0.0  # busy time for this file: read, clean and hash (maybe in a worker), then write
    rows_skipped: int = 0  # recognised non-data rows (合计/小计, footers, repeated headers, blank rows)
    skipped: dict[str, int] = field(default_factory=dict)  # by kind (readers.SKIP_KINDS_ZH)
    totals: list[TotalCheck] = field(default_factory=list)  # the export's 合计 row against its rows

    @property
    def totals_ok(self) -> bool | None:
        return all(t.ok for t in self.totals) if self.totals else None

    @property
    def totals_zh(self) -> str:
        return totals_summary_zh(self.totals)


@dataclass
class PartitionReport:
    source: str
    period: dt.date
    load_id: str
    files: list[FileResult] = field(default_factory=list)
    failures: list[UnreadableFileError] = field(default_factory=list)

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)

    @property
    def counties(self) -> list[str]:
        return sorted(
            {f.county_code for f in self.files if f.county_code and f.status in ("loaded", "unchanged")}
        )


def new_load_id(source: str, period: dt.date) -> str:
    return f"{source}-{period:%Y%m}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _file_load(
    spec: SourceSpec,
    f: ExportFile,
    sha: str,
    county: str,
    period: dt.date,
    prepared: Prepared,
    load_id: str,
    started: dt.datetime,
) -> FileLoad:
    n_quarantined = quarantined_rows(prepared.quarantine)
    if prepared.loaded.height + n_quarantined + prepared.rows_skipped != prepared.rows_read:
        raise UnreadableFileError(
            f.relative, "内部错误：读入行数与入库、隔离、跳过行数之和不符，整个文件未导入", "请联系数据管理员"
        )
    return FileLoad(
        spec=spec,
        county_code=county,
        period=period,
        source_file=f.relative,
        sha256=sha,
        load_id=load_id,
        loaded_at=started,
        rows=prepared.loaded,
        quarantine=prepared.quarantine,
        rows_read=prepared.rows_read,
        started_at=started,
        rows_skipped=prepared.rows_skipped,
        skipped_json=json.dumps(prepared.skipped, ensure_ascii=False) if prepared.skipped else None,
        totals_json=totals_json(prepared.totals),
        totals_ok=all(t.ok for t in prepared.totals) if prepared.totals else None,
        message="；".join(prepared.notes) or None,
    )


def _write_county(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    county: str,
    period: dt.date,
    parts: list[tuple[ExportFile, str, Prepared]],
    load_id: str,
    started: dt.datetime,
) -> list[FileResult]:
    """Replace a county-month with the rows of all its parts (files), in one transaction."""
    loads = [
        _file_load(spec, f, sha, county, period, prepared, load_id, started) for f, sha, prepared in parts
    ]
    t = time.perf_counter()
    try:
        replace_county_month(con, loads)
    except (duckdb.ConversionException, duckdb.ConstraintException, duckdb.InvalidInputException) as exc:
        names = "、".join(f.relative for f, _, _ in parts)
        raise UnreadableFileError(
            names,
            f"写入数据仓库时数值不符合列类型（{type(exc).__name__}），整个文件未导入",
            "请联系数据管理员",
        ) from None
    write_seconds = (time.perf_counter() - t) / len(parts)
    return [
        FileResult(
            f.relative,
            county,
            "loaded",
            prepared.rows_read,
            prepared.loaded.height,
            quarantined_rows(prepared.quarantine),
            load.message,
            prepared.seconds + write_seconds,
            prepared.rows_skipped,
            dict(prepared.skipped),
            list(prepared.totals),
        )
        for (f, _, prepared), load in zip(parts, loads, strict=True)
    ]


def load_partition(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    period: dt.date,
    landing_dir: Path,
    region: RegionLookup,
    hasher: Pseudonymiser,
    *,
    counties: set[str] | None = None,
    force: bool = False,
    raise_on_failure: bool = True,
) -> PartitionReport:
    """Load every county file of `spec.source` for `period` (a county-month may come in several files:
    its rows are the union of them, replaced together). Unreadable files fail the partition at the end
    (PartitionLoadError naming each file), after all readable files have been loaded."""
    ensure_schema(con)
    with one_checkpoint(con):
        report = _load_files(con, spec, period, landing_dir, region, hasher, counties, force)
    if report.failures and raise_on_failure:
        raise PartitionLoadError(report.failures, sum(r.status == "loaded" for r in report.files))
    return report


def _load_files(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    period: dt.date,
    landing_dir: Path,
    region: RegionLookup,
    hasher: Pseudonymiser,
    counties: set[str] | None,
    force: bool,
) -> PartitionReport:
    report = PartitionReport(spec.source, period, new_load_id(spec.source, period))
    files = discover(landing_dir, spec.source, period, region.resolve_county)
    chosen, superseded = effective_files(files)
    for f in files:
        if f.refused and (counties is None or f.county_code is None or f.county_code in counties):
            # (a refused file of another county fails that county's load, not this one's)
            _fail(
                con,
                report,
                f,
                f.county_code,
                UnreadableFileError(f.relative, f.refused, f.refused_expected),
            )
        elif f.county_code is None:
            err = UnreadableFileError(
                f.relative,
                "文件名中无法识别县（市、区）",
                "<6位区划代码>_<县区名称>.xlsx，例如 610602_宝塔区.xlsx",
            )
            _fail(con, report, f, None, err)
    for f in superseded:
        if (counties is None or f.county_code in counties) and not _superseded_before(
            con, spec.source, period, f
        ):
            record_audit(
                con,
                report.load_id,
                spec.source,
                f.relative,
                f.sha256,
                f.county_code,
                period,
                0,
                0,
                0,
                "superseded",
                f.superseded_zh,
                _now(),
            )
        if counties is None or f.county_code in counties:
            report.files.append(FileResult(f.relative, f.county_code, "superseded", message=f.superseded_zh))
    todo: dict[Path, tuple[ExportFile, str]] = {}
    for county, parts in sorted(chosen.items()):
        if counties is not None and county not in counties:
            continue
        if not region.township_prefixes(county):
            for f in parts:
                _fail(
                    con,
                    report,
                    f,
                    county,
                    UnreadableFileError(f.relative, f"区划代码 {county} 不是本地区的县（市、区）"),
                )
            continue
        shas = {f.path: f.sha256 for f in parts}
        if not force and loaded_shas(con, spec.source, county, period) == sorted(shas.values()):
            for f in parts:
                report.files.append(
                    FileResult(f.relative, county, "unchanged", message="与已导入文件内容相同，未重复导入")
                )
            continue
        for f in parts:
            todo[f.path] = (f, shas[f.path])
    jobs = [
        FileJob(
            spec.source, f.path, f.county_code or "", period, region.township_prefixes(f.county_code or "")
        )
        for f, _ in todo.values()
    ]
    # A county-month is written when all its parts are prepared (in any order, prepare.py): one transaction.
    waiting: dict[str, dict[Path, Prepared | UnreadableFileError]] = {}
    expected = {county: [f for f, _ in todo.values() if f.county_code == county] for county in chosen}
    started = _now()  # files are prepared ahead (prepare.py); each load starts when the previous ends
    for job, outcome in prepare_all(jobs, hasher):
        county = job.county_code
        ready = waiting.setdefault(county, {})
        ready[job.path] = outcome
        if len(ready) < len(expected[county]):
            continue
        del waiting[county]
        _write_or_fail(
            con,
            spec,
            report,
            county,
            period,
            [(f, todo[f.path][1], ready[f.path]) for f in expected[county]],
            started,
        )
        started = _now()
    # Files are written as they are ready (prepare_all): listed by county, as before.
    report.files.sort(key=lambda r: (r.county_code or "", r.source_file))
    return report


def _write_or_fail(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    report: PartitionReport,
    county: str,
    period: dt.date,
    parts: list[tuple[ExportFile, str, Prepared | UnreadableFileError]],
    started: dt.datetime,
) -> None:
    """Write a county-month's parts, or, when one of them cannot be loaded, none of them: the county-month
    keeps the rows of its last load (fully old or fully new, as with one file), and every other part gets
    a failure naming the file that stopped it."""
    bad = {
        f.path: _relative_error(f, outcome)
        for f, _, outcome in parts
        if isinstance(outcome, UnreadableFileError)
    }
    if not bad:
        ok = [(f, sha, outcome) for f, sha, outcome in parts if not isinstance(outcome, UnreadableFileError)]
        try:
            report.files.extend(_write_county(con, spec, county, period, ok, report.load_id, started))
            return
        except UnreadableFileError as err:
            bad = {f.path: _relative_error(f, err) for f, _, _ in parts}
    names = "、".join(f.relative for f, _, _ in parts if f.path in bad)
    for f, _, _ in parts:
        err = bad.get(f.path) or UnreadableFileError(
            f.relative,
            f"同县同月的另一个文件（{names}）无法导入，为保持该县区当月数据完整，本文件也未导入（保留上次导入的数据）",
            "先更正无法导入的文件，本文件无需改动",
        )
        _fail(con, report, f, county, err)


def _relative_error(f: ExportFile, err: UnreadableFileError) -> UnreadableFileError:
    """The error as the clerk reads it: naming the file by its landing-relative name, not the server's path."""
    if err.path == f.relative:
        return err
    return UnreadableFileError(f.relative, err.problem_zh, err.expected_zh)


def _superseded_before(con: duckdb.DuckDBPyConnection, source: str, period: dt.date, f: ExportFile) -> bool:
    """A superseded file is recorded once in the history, not again at every rerun."""
    row = con.execute(
        """SELECT count(*) FROM raw.load_audit_history WHERE source = ? AND period = ? AND source_file = ?
           AND status = 'superseded' AND source_sha256 IS NOT DISTINCT FROM ?""",
        [source, period, f.relative, f.sha256],
    ).fetchone()
    return bool(row and row[0])


def _fail(
    con: duckdb.DuckDBPyConnection,
    report: PartitionReport,
    f: ExportFile,
    county: str | None,
    err: UnreadableFileError,
) -> None:
    record_audit(  # (texts made valid there: any file name is recorded)
        con,
        report.load_id,
        report.source,
        f.relative,
        None if f.refused else f.sha256,
        county,
        report.period,
        0,
        0,
        0,
        "failed",
        str(err),
        _now(),
    )
    report.failures.append(err)
    report.files.append(FileResult(valid_text(f.relative), county, "failed", message=str(err)))
