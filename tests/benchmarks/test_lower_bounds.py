"""The lower-bound benchmark measures what it says: every line of the month's CSV files read in each
variant, the personal columns found by their headers and hashed (nothing in clear in the stored table)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from benchmarks import lower_bounds
from benchmarks.limit import RAM_DIR
from benchmarks.lower_bounds import VARIANTS, csv_files, measure, table
from minzheng_simulator import SimulationConfig, simulate


def test_lower_bounds_read_every_line_and_hash_the_personal_columns(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    simulate(
        SimulationConfig(
            out=landing, months=["2024-03"], scale=0.2, sources=("assistance",), seed=3, workers=1
        )
    )
    files = csv_files(landing, "assistance", "2024-03")
    assert files
    lines = 0
    for path in files:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig") if raw[:3] == b"\xef\xbb\xbf" else raw.decode("gb18030")
        lines += len(text.splitlines())

    bounds = measure(landing, "assistance", "2024-03", tmp_path)

    assert bounds.files == len(files) and bounds.lines == lines
    assert set(bounds.seconds) == set(VARIANTS) and all(s > 0 for s in bounds.seconds.values())
    assert set(bounds.hashed) == {"姓名", "身份证号码", "户主身份证号码"}
    assert len(bounds.hashed) == 3 * len(files)
    with duckdb.connect(str(bounds.stored), read_only=True) as con:
        cells = [str(v) for row in con.execute("SELECT * FROM t").fetchall() for v in row if v is not None]
    assert cells and not [c for c in cells if re.fullmatch(r"\d{17}[\dXx]", c)]  # no resident ID in clear
    assert "| read + HMAC + store |" in table("assistance", "2024-03", bounds)


def test_a_run_stopped_half_way_leaves_no_clear_copy_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    simulate(
        SimulationConfig(
            out=landing, months=["2024-03"], scale=0.1, sources=("assistance",), seed=4, workers=1
        )
    )
    work = tmp_path / "work"
    work.mkdir()
    copies_before = set(RAM_DIR.glob("*.csv"))
    connect = duckdb.connect
    stores = []

    def connect_then_stop(database: str = ":memory:", *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if str(database).endswith("lower_bound.duckdb"):
            stores.append(database)
            if len(stores) == 2:  # after "read + store" wrote the file's values in clear
                raise KeyboardInterrupt
        return connect(database, *args, **kwargs)

    monkeypatch.setattr(lower_bounds.duckdb, "connect", connect_then_stop)
    with pytest.raises(KeyboardInterrupt):
        lower_bounds.measure(landing, "assistance", "2024-03", work)
    assert len(stores) == 2
    assert list(work.iterdir()) == [] and set(RAM_DIR.glob("*.csv")) == copies_before
