"""The lower-bound benchmark measures what it says: every line of the month's CSV files read in each
variant, the personal columns found by their headers and hashed (nothing in clear in the stored table)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

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
