"""GX records the DuckDB fingerprint a frame of ours carries (quality/gx_fingerprint.py) instead of hashing
the frame with pandas, and its own fingerprint for any other frame; the outcomes are the same."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from dagster_project.quality.frames import arrow_fingerprint, load_frame
from dagster_project.quality.gx_fingerprint import FINGERPRINT_ATTR
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
"""
ROWS = """
SELECT * FROM (VALUES (1, 10::INTEGER, repeat('a', 64)), (2, 250, repeat('b', 64)), (3, 5, '11010119900101123X'))
    t(row_id, beds, person_key)
"""


def _batch_fingerprints(paths: QualityPaths) -> list[str]:
    found = []
    for path in sorted(paths.gx_validations.rglob("*.json")):
        markers = json.loads(path.read_text())["meta"]["batch_markers"]
        found.append(markers["pandas_data_fingerprint"])
    return found


def test_gx_records_the_duckdb_fingerprint(tmp_path: Path) -> None:
    suite_file = tmp_path / "probe" / "probe.yml"
    suite_file.parent.mkdir()
    suite_file.write_text(SUITE, encoding="utf-8")
    suite = load_suite(suite_file, shared={})
    con = duckdb.connect()
    ours = load_frame(con, ROWS, {})
    assert ours.attrs[FINGERPRINT_ATTR] == arrow_fingerprint(con.sql(ROWS).to_arrow_table())

    paths_ours, paths_gx = QualityPaths(tmp_path / "ours"), QualityPaths(tmp_path / "gx")
    run_ours = validate_frame(ours, suite, {}, paths_ours, "ours")
    plain = ours.copy()
    plain.attrs.clear()
    run_gx = validate_frame(plain, suite, {}, paths_gx, "gx")

    assert _batch_fingerprints(paths_ours) == [ours.attrs[FINGERPRINT_ATTR]]
    gx_own = _batch_fingerprints(paths_gx)
    assert len(gx_own) == 1 and gx_own[0] != ours.attrs[FINGERPRINT_ATTR]  # GX's pandas hash, as before

    def summary(run):
        return {k: (o.passed, o.unexpected_count, o.element_count, o.sample) for k, o in run.outcomes.items()}

    assert summary(run_ours) == summary(run_gx)
    assert not run_ours.outcomes["beds_in_range"].passed
    assert run_ours.outcomes["beds_in_range"].sample == [{"row_id": 2, "beds": 250}]
    assert run_ours.outcomes["person_key_is_hmac"].unexpected_count == 1


def test_a_changed_value_changes_the_fingerprint() -> None:
    con = duckdb.connect()
    a = arrow_fingerprint(con.sql(ROWS).to_arrow_table())
    b = arrow_fingerprint(con.sql(ROWS.replace("250", "251")).to_arrow_table())
    reordered = arrow_fingerprint(con.sql(f"SELECT * FROM ({ROWS}) ORDER BY row_id DESC").to_arrow_table())
    assert a != b and a == reordered
