"""Dirt: every kind is injected and logged, and ingestion's verdict agrees with the log row by row."""

from __future__ import annotations

import datetime as dt

from dagster_project.ingestion.landing import parse_name
from dagster_project.ingestion.pseudonymise import Pseudonymiser
from dagster_project.ingestion.readers import read_export
from dagster_project.ingestion.region import region_lookup
from dagster_project.ingestion.spec import SOURCES
from dagster_project.ingestion.transform import FileContext, transform
from minzheng_simulator import SimulationResult
from minzheng_simulator.dirt import KINDS


def test_every_dirt_kind_is_logged(dirty_run: SimulationResult) -> None:
    assert {d.kind for d in dirty_run.dirt} == set(KINDS)
    for d in dirty_run.dirt:
        if d.kind in ("county_name_variant", "corrected_reexport", "export_shape"):
            assert d.row is None
        else:
            f = next(f for f in dirty_run.files if f.path == d.file)
            assert f.first_data_row <= d.row < f.total_row


def test_clean_run_has_no_dirt(clean_run: SimulationResult) -> None:
    assert {d.kind for d in clean_run.dirt} == {"corrected_reexport"}
    assert not any(f.name_variant for f in clean_run.files)
    assert all(f.expected_quarantined == 0 for f in clean_run.files)


def _ingest(result: SimulationResult) -> dict[str, tuple[set[tuple[int, str]], int, int]]:
    """Per file: (row, reason_code) pairs ingestion quarantines, rows loaded, header row."""
    hasher = Pseudonymiser(b"simulator-test-key-0123456789")
    region = region_lookup()
    out = {}
    for f in result.files:
        path = result.landing_dir / f.path
        county, correction = parse_name(path.stem, region.resolve_county)
        assert (county, correction) == (f.county_code, f.correction), f.path
        sheet = read_export(path, SOURCES[f.source])
        ctx = FileContext(county, dt.date.fromisoformat(f.period + "-01"), region.township_prefixes(county))
        res = transform(sheet.frame, SOURCES[f.source], ctx, hasher)
        pairs = set(
            zip(res.quarantine["_source_row"].to_list(), res.quarantine["reason_code"].to_list(), strict=True)
        )
        out[f.path] = (pairs, res.loaded.height, sheet.header_row)
    return out


def test_ingestion_agrees_with_the_dirt_log(dirty_run: SimulationResult) -> None:
    verdicts = _ingest(dirty_run)
    for f in dirty_run.files:
        pairs, loaded, header_row = verdicts[f.path]
        expected = {(d.row, d.reason_code) for d in dirty_run.dirt if d.file == f.path and d.reason_code}
        assert pairs == expected, f.path
        assert loaded == f.expected_loaded and header_row == f.header_row, f.path


def test_clean_run_loads_every_row(clean_run: SimulationResult) -> None:
    for path, (pairs, loaded, _) in _ingest(clean_run).items():
        f = next(f for f in clean_run.files if f.path == path)
        assert not pairs and loaded == f.data_rows, path
