"""The stronger peers apply the same rules as the naive baseline: same rows read, loaded and quarantined on
the same simulated (dirty) CSV exports, GBK and UTF-8."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import naive, peers
from benchmarks.corpus import detect_format, month
from dagster_project.ingestion.region import region_lookup
from dagster_project.ingestion.spec import SOURCES
from minzheng_simulator import SimulationConfig, simulate

KEY = b"0123456789abcdef" * 4


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    simulate(
        SimulationConfig(
            out=out,
            months=["2024-03"],
            scale=0.3,
            sources=("assistance",),
            dirty_rate=0.05,
            seed=7,
            workers=1,
        )
    )
    return out


def _csv_files(landing: Path) -> list[Path]:
    files = []
    for p in sorted((landing / "assistance" / "2024-03").glob("*.csv")):
        if p.name[:6].isdigit() and p.read_bytes()[:2] != b"\xff\xfe" and detect_format(p).startswith("csv"):
            files.append(p)
    return files


def test_peers_load_and_quarantine_what_the_baseline_does(landing: Path, tmp_path: Path) -> None:
    region = region_lookup()
    con = naive.open_warehouse(tmp_path / "w.duckdb")
    files = _csv_files(landing)
    assert {detect_format(p) for p in files} == {"csv-gbk", "csv-utf8"}
    for path in files:
        county, spec, period = path.name[:6], SOURCES["assistance"], month("2024-03")
        towns = region.township_prefixes(county)
        base = naive.load_file(con, path, spec, county, period, towns, KEY, ("bulk",))
        expected = (base.rows_read, base.rows_loaded, base.rows_quarantined)
        assert base.rows_quarantined > 0
        for peer in (peers.pandas_vectorised, peers.duckdb_sql):
            t = peer(con, path, spec, county, period, towns, KEY)
            assert (t.rows_read, t.rows_loaded, t.rows_quarantined) == expected, (peer.__name__, path.name)
            keys = con.execute(
                f"SELECT count(*), count(DISTINCT person_key) FROM raw.{spec.table} WHERE county_code = ?",
                [county],
            ).fetchone()
            assert keys and keys[0] == base.rows_loaded
