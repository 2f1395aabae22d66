"""A dirty month from the simulator (tiny scale, two counties): the raw suites trip exactly the checks
the ground truth predicts, and the clerk report names every quarantined row of every file.

The simulator's dirt is ingestion-level (bad IDs, blank cells, ... -> quarantined), so on the loaded
rows the suites only flag files with too many quarantined rows (at this dirty rate some files pass 10%,
some do not: the manifest says which) and counties with nothing loaded; on top
of it two corrected re-exports (built from the simulator's clean frames) carry dirt that only the suites
catch: 护理型床位 > 床位总数 in 宝塔区 and a 30-hour service record in 黄龙县."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from dagster_project.ingestion.transform import REASONS_ZH
from dagster_project.quality.clerk_report import row_ranges, write_report
from dagster_project.quality.paths import QualityPaths
from dagster_project.quality.region import RegionRef, default_region
from dagster_project.quality.runner import run_suite
from dagster_project.quality.suites import load_suites
from minzheng_simulator import SimulationConfig, frames_for_month, simulate
from minzheng_simulator.contract import CONTRACTS
from minzheng_simulator.writers import Layout, write_export

from .conftest import JUNE, MAY, load_months

COUNTIES = ("610602", "610631")
SUITES = {s.source: s for s in load_suites(layer="raw")}
MAX_SHARE = 0.10  # expectations/shared.yml max_quarantine_share


def _correction(config: SimulationConfig, result, source: str, county: str, edit) -> str:
    """Write a corrected re-export of a simulated county-month with `edit` applied to its clean rows."""
    frame = edit(frames_for_month(config, JUNE, source)[county])
    done = [
        f.correction
        for f in result.files
        if f.source == source and f.county_code == county and f.period == "2024-06"
    ]
    name = next(f.county_name for f in result.files if f.county_code == county)
    rel = f"{source}/2024-06/{county}_{name}_更正{max(done) + 1}.csv"
    write_export(
        config.out / rel, "csv-utf8-bom", frame, CONTRACTS[source], Layout((f"{name}更正",), ()), "Sheet1"
    )
    return rel


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("sim")
    config = SimulationConfig(
        out=tmp / "landing",
        start="2024-05",
        end="2024-06",
        scale=0.01,
        dirty_rate=0.12,
        counties=COUNTIES,
        corrections=1,
        workers=1,
    )
    result = simulate(config)
    nursing = _correction(
        config,
        result,
        "eldercare",
        "610602",
        lambda f: f.with_columns(
            pl.when(pl.int_range(pl.len()) == 0)
            .then((pl.col("床位总数").cast(pl.Int64) + 5).cast(pl.String))
            .otherwise(pl.col("护理型床位数"))
            .alias("护理型床位数")
        ),
    )
    hours = _correction(
        config,
        result,
        "volunteer_service",
        "610631",
        lambda f: f.with_columns(
            pl.when(pl.int_range(pl.len()) == 0)
            .then(pl.lit("30"))
            .otherwise(pl.col("服务时长(小时)"))
            .alias("服务时长(小时)")
        ),
    )
    con = duckdb.connect(str(tmp / "warehouse.duckdb"))
    load_months(con, config.out, [MAY, JUNE])
    full = default_region()
    region = RegionRef(
        {c: full.counties[c] for c in COUNTIES}, frozenset(t for t in full.townships if t[:6] in COUNTIES)
    )
    paths = QualityPaths(tmp)
    runs = {s: run_suite(con, suite, JUNE, region, paths, "sim") for s, suite in SUITES.items()}
    reports = {s: write_report(con, SUITES[s], JUNE, region, paths, runs[s].outcomes) for s in SUITES}
    yield result, {nursing, hours}, runs, reports
    con.close()


def _june_files(result, replaced: set[str]):
    """Effective June files after our corrections (a corrected re-export supersedes the simulated one)."""
    mine = {(r.split("/")[0], r.split("/")[2][:6]) for r in replaced}
    return [
        f for f in result.effective_files() if f.period == "2024-06" and (f.source, f.county_code) not in mine
    ]


def test_simulated_dirty_month_trips_exactly_the_expected_checks(simulated) -> None:
    result, replaced, runs, _ = simulated
    expected = {
        ("eldercare", "nursing_beds_within_beds"),
        ("volunteer_service", "hours_in_range"),
        ("volunteer_service", "daily_hours_within_24"),
    }
    loaded_counties: dict[str, set[str]] = {}
    for f in _june_files(result, replaced):
        if f.data_rows and f.expected_quarantined / f.data_rows > MAX_SHARE:
            expected.add((f.source, "quarantine_rate_acceptable"))
        if f.expected_loaded:
            loaded_counties.setdefault(f.source, set()).add(f.county_code)
    for r in replaced:
        loaded_counties.setdefault(r.split("/")[0], set()).add(r.split("/")[2][:6])
    for source in SUITES:
        if loaded_counties.get(source, set()) != set(COUNTIES):
            expected.add((source, "every_county_present"))
    actual = {(source, o.check) for source, run in runs.items() for o in run.failed}
    assert actual == expected, (actual, expected)


def test_clerk_report_names_every_quarantined_row_of_every_file(simulated) -> None:
    result, replaced, _, reports = simulated
    dirt_rows: dict[str, dict[int, set[str]]] = {}
    for d in result.dirt:
        if d.reason_code and d.row:
            dirt_rows.setdefault(d.file, {}).setdefault(d.row, set()).add(d.reason_code)
    labels = {k: v.split("（")[0] for k, v in REASONS_ZH.items()}
    checked = 0
    for f in _june_files(result, replaced):
        wb = openpyxl.load_workbook(reports[f.source], read_only=True)
        summary = list(wb["文件汇总"].iter_rows(values_only=True))
        header = summary[3]
        row = dict(zip(header, next(r for r in summary if r[2] == f.path), strict=True))
        expected_rows = dirt_rows.get(f.path, {})
        assert (row["读入行数"], row["入库行数"], row["隔离行数"], row["跳过行数"]) == (
            f.data_rows + 1 + f.footer_rows,  # the 合计 row and the footer are read and skipped
            f.expected_loaded,
            f.expected_quarantined,
            1 + f.footer_rows,
        )
        assert (row["被隔离行的行号（原文件）"] or "") == row_ranges(expected_rows)
        detail: dict[int, set[str]] = {}
        for r in list(wb["隔离明细"].iter_rows(values_only=True))[1:]:
            if r[1] == f.path:
                detail.setdefault(r[2], set()).add(r[4])
        assert set(detail) == set(expected_rows)
        for line, codes in expected_rows.items():
            assert {labels[c] for c in codes} <= detail[line], (f.path, line)
        checked += bool(expected_rows)
    assert checked >= 3  # the month has dirt in several files
    for rel in replaced:  # our corrected re-exports are clean for ingestion: nothing quarantined
        wb = openpyxl.load_workbook(reports[rel.split("/")[0]], read_only=True)
        row = next(r for r in wb["文件汇总"].iter_rows(values_only=True) if r[2] == rel)
        assert row[3] == "已导入" and row[6] == 0
