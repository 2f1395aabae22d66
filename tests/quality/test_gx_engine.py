"""While GX validates a frame of ours (quality/gx_engine.py) it records the DuckDB fingerprint the frame
carries instead of hashing it with pandas, filters it once per row condition instead of once per
metric, and computes a column's metrics on that column alone; any other frame goes GX's own way. The
outcomes and samples are the same either way."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.quality.frames import arrow_fingerprint, frame_of, read_rows
from dagster_project.quality.gx_engine import fingerprint_of
from dagster_project.quality.gx_runner import validate_frame
from dagster_project.quality.paths import QualityPaths
from dagster_project.quality.suites import load_suite

SUITE = """
name: fingerprint_probe
title_zh: 指纹测试
layer: mart
asset_key: [marts, probe]
table: probe
period_column: null
query: SELECT 1
sample_columns: [row_id]
expectations:
  - type: expect_column_values_to_be_between
    kwargs: {column: beds, min_value: 0, max_value: 100}
    meta: {check: beds_in_range, severity: ERROR, title_zh: 床位数应在0至100之间}
  - type: expect_column_values_to_match_regex
    kwargs: {column: person_key, regex: "^[0-9a-f]{64}$"}
    meta: {check: person_key_is_hmac, severity: ERROR, title_zh: 脱敏键应为64位HMAC}
  - type: expect_column_values_to_be_between
    kwargs:
      column: beds
      max_value: 20
      row_condition: {type: comparison, column: {name: program}, operator: "!=", parameter: 临时救助}
    meta: {check: regular_beds, severity: WARN, title_zh: 非临时救助床位数不超过20}
  - type: expect_column_values_to_be_between
    kwargs:
      column: beds
      max_value: 6
      row_condition: {type: comparison, column: {name: program}, operator: "==", parameter: 临时救助}
    meta: {check: temporary_beds, severity: WARN, title_zh: 临时救助床位数不超过6}
"""
ROWS = """
SELECT * FROM (VALUES (1, 10::INTEGER, repeat('a', 64), '城市低保'), (2, 250, repeat('b', 64), '城市低保'),
                     (3, 5, '11010119900101123X', '临时救助'), (4, 8, repeat('c', 64), '临时救助'),
                     (5, 30, repeat('d', 64), NULL))
    t(row_id, beds, person_key, program)
"""


def _batch_fingerprints(paths: QualityPaths) -> list[str]:
    found = []
    for path in sorted(paths.gx_validations.rglob("*.json")):
        markers = json.loads(path.read_text())["meta"]["batch_markers"]
        found.append(markers["pandas_data_fingerprint"])
    return found


def test_gx_records_the_duckdb_fingerprint(tmp_path: Path, monkeypatch) -> None:
    suite_file = tmp_path / "probe" / "probe.yml"
    suite_file.parent.mkdir()
    suite_file.write_text(SUITE, encoding="utf-8")
    suite = load_suite(suite_file, shared={})
    con = duckdb.connect()
    ours = frame_of(read_rows(con, ROWS, {}))
    assert fingerprint_of(ours) == arrow_fingerprint(con.sql(ROWS).to_arrow_table())
    assert fingerprint_of(ours.head(2)) is None  # a frame derived from ours is hashed by GX

    paths_ours, paths_gx = QualityPaths(tmp_path / "ours"), QualityPaths(tmp_path / "gx")
    validate_frame(ours.head(1), suite, {}, paths_ours, "warm")  # imports GX, wraps its pandas engine
    queries: list[str] = []
    gx_query = pd.DataFrame.query

    def counting(self, expr, **kwargs):  # GX filters a frame by a row condition with DataFrame.query
        queries.append(expr)
        return gx_query(self, expr, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "query", counting)
    widths: list[int] = []  # columns of each frame GX selects rows of with a boolean mask
    gx_select = pd.DataFrame._getitem_bool_array

    def selecting(self, key):
        widths.append(self.shape[1])
        return gx_select(self, key)

    monkeypatch.setattr(pd.DataFrame, "_getitem_bool_array", selecting)
    for path in paths_ours.gx_validations.rglob("*.json"):
        path.unlink()
    run_ours = validate_frame(ours, suite, {}, paths_ours, "ours")
    ours_filtered, ours_widths = len(queries), widths[:]
    plain = ours.copy()
    plain.attrs.clear()
    widths.clear()
    run_gx = validate_frame(plain, suite, {}, paths_gx, "gx")
    assert ours_filtered == 2  # once per row condition
    assert len(queries) - ours_filtered >= 4  # GX's own path: once per metric
    # The column metrics drop NULLs from a one-column domain on our frame, from the whole frame on GX's.
    assert ours_widths.count(1) >= 4 and 1 not in widths, (ours_widths, widths)

    assert _batch_fingerprints(paths_ours) == [fingerprint_of(ours)]
    gx_own = _batch_fingerprints(paths_gx)
    assert len(gx_own) == 1 and gx_own[0] != fingerprint_of(ours)  # GX's pandas hash, as before

    def summary(run):
        return {k: (o.passed, o.unexpected_count, o.element_count, o.sample) for k, o in run.outcomes.items()}

    assert summary(run_ours) == summary(run_gx)
    assert not run_ours.outcomes["beds_in_range"].passed
    assert run_ours.outcomes["beds_in_range"].sample == [{"row_id": 2, "beds": 250}]
    assert run_ours.outcomes["person_key_is_hmac"].unexpected_count == 1
    # NULL program counts as "not 临时救助" (pandas query semantics), as in GX's own path
    regular, temporary = run_ours.outcomes["regular_beds"], run_ours.outcomes["temporary_beds"]
    assert (regular.element_count, regular.unexpected_count) == (3, 2)
    assert (temporary.element_count, temporary.unexpected_count) == (2, 1)


def test_a_changed_value_changes_the_fingerprint() -> None:
    con = duckdb.connect()
    a = arrow_fingerprint(con.sql(ROWS).to_arrow_table())
    b = arrow_fingerprint(con.sql(ROWS.replace("250", "251")).to_arrow_table())
    reordered = arrow_fingerprint(con.sql(f"SELECT * FROM ({ROWS}) ORDER BY row_id DESC").to_arrow_table())
    assert a != b and a == reordered
