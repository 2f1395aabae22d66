"""The hand-built corpus of real-world export shapes: exact counts per file, one audit row each, nothing
lost, no personal data in clear anywhere in the warehouse or the messages."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingestion.pipeline import load_partition
from dagster_project.ingestion.redact import contains_personal
from dagster_project.ingestion.spec import ASSISTANCE

from .conftest import PERIOD
from .corpus import CASES, NAMES, Case
from .exports import clean_row, write_xlsx

FOLDER = "assistance/2024-06"


def _text_values(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(table, column, value) of every VARCHAR value in the raw schema."""
    out = []
    cols = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND data_type = 'VARCHAR'"
    ).fetchall()
    for table, column in cols:
        for (v,) in con.execute(
            f'SELECT DISTINCT "{column}" FROM raw."{table}" WHERE "{column}" IS NOT NULL'
        ).fetchall():
            out.append((table, column, v))
    return out


def assert_no_personal_data(con: duckdb.DuckDBPyConnection, messages: list[str]) -> None:
    for table, column, value in _text_values(con):
        if column in ("source_file", "_source_file"):
            continue
        assert not contains_personal(value), (table, column, value)
        for name in NAMES:
            assert name not in value, (table, column)
    for m in messages:
        assert not contains_personal(m), m


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_file_counts(case: Case, con, landing, region, hasher) -> None:
    path = landing / FOLDER / case.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    case.build(path)
    report = load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher, raise_on_failure=False)
    assert [f.status for f in report.files] == ["loaded"], [f.message for f in report.files]
    audit = con.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined, rows_skipped FROM raw.load_audit"
    ).fetchall()
    assert audit == [
        (case.loaded + case.quarantined + case.skipped, case.loaded, case.quarantined, case.skipped)
    ]
    assert con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone()[0] == case.loaded
    codes = {r[0] for r in con.execute("SELECT DISTINCT reason_code FROM raw.quarantine").fetchall()}
    assert codes <= case.reasons | {"duplicate_row"} and (codes or not case.reasons), codes
    if case.reasons:
        assert codes & case.reasons
    reasons = [r[0] for r in con.execute("SELECT reason FROM raw.quarantine").fetchall()]
    assert all(r.startswith("第") for r in reasons)
    assert_no_personal_data(con, [f.message or "" for f in report.files] + reasons)


def test_undecodable_byte_names_line_and_offset(con, landing, region, hasher) -> None:
    case = next(c for c in CASES if c.name == "undecodable-byte")
    case.build(landing / FOLDER / case.filename)
    load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher)
    (reason,) = con.execute("SELECT reason FROM raw.quarantine").fetchone()
    assert "第5行" in reason and "字节位置" in reason


def test_bad_files_each_get_one_audit_row_and_never_stop_the_others(
    tmp_path: Path, con, landing, region, hasher
) -> None:
    folder = landing / FOLDER
    write_xlsx(folder / "610603_安塞区.xlsx", [[*clean_row(1)[:8], "610603100001", "2024-06", ""]])
    (folder / "610602_宝塔区.xls").write_bytes(os.urandom(3000))
    outside = tmp_path / "secret.csv"
    outside.write_text("身份证号码\n610602198001011234\n")
    (folder / "延安市宝塔区_更正1.csv").symlink_to(outside)
    report = load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher, raise_on_failure=False)
    statuses = {f.source_file.split("/")[-1]: f.status for f in report.files}
    assert statuses["610603_安塞区.xlsx"] == "loaded"
    assert statuses["延安市宝塔区_更正1.csv"] == "failed"
    assert statuses["610602_宝塔区.xls"] == "failed"
    history = con.execute("SELECT source_file, status, message FROM raw.load_audit_history").fetchall()
    assert len(history) == 3
    link = next(m for f, s, m in history if f.endswith("_更正1.csv"))
    assert "着陆文件夹以外" in link
    assert con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone()[0] == 1
    assert_no_personal_data(con, [f.message or "" for f in report.files])


def test_audit_keeps_one_current_row_per_county_month(con, landing, region, hasher) -> None:
    import time

    folder = landing / FOLDER
    write_xlsx(folder / "610602_宝塔区.xlsx", [clean_row(i) for i in range(1, 4)])
    load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher)
    time.sleep(0.01)
    write_xlsx(folder / "610602_宝塔区_更正1.xlsx", [clean_row(i) for i in range(1, 3)])
    for _ in range(3):
        load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher)
    current = con.execute("SELECT source_file, status, rows_loaded FROM raw.load_audit").fetchall()
    assert current == [("assistance/2024-06/610602_宝塔区_更正1.xlsx", "loaded", 2)]
    history = con.execute(
        "SELECT status, count(*) FROM raw.load_audit_history GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert dict(history) == {"loaded": 2, "superseded": 1}  # reruns add nothing: the file is unchanged


def test_totals_row_is_checked_against_the_rows(con, landing, region, hasher) -> None:
    rows = [clean_row(i) for i in range(1, 4)]
    write_xlsx(landing / FOLDER / "610602_宝塔区.xlsx", rows)
    report = load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher)
    assert report.files[0].totals_ok is True
    path = landing / FOLDER / "610603_安塞区.xlsx"
    edited = [[*clean_row(i)[:8], "610603100001", "2024-06", ""] for i in range(1, 4)]
    write_xlsx(path, edited)
    # a hand edit after export: one amount changed, the 合计 row not
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb.active["H4"] = "900"
    wb.save(path)
    report = load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher)
    f = next(f for f in report.files if f.county_code == "610603")
    assert f.totals_ok is False and "保障金额(元)" in f.totals_zh
    assert con.execute("SELECT totals_ok FROM raw.load_audit WHERE county_code = '610603'").fetchone() == (
        False,
    )


def test_totals_check_is_a_quality_warning(con, landing, region, hasher) -> None:
    """The suite check `totals_row_matches` (WARN) names the file and column whose 合计 row disagrees."""
    import openpyxl

    from dagster_project.quality.runner import run_sql_check
    from dagster_project.quality.suites import load_suites

    path = landing / FOLDER / "610602_宝塔区.xlsx"
    write_xlsx(path, [clean_row(i) for i in range(1, 4)])
    wb = openpyxl.load_workbook(path)
    wb.active["H4"] = "900"
    wb.save(path)
    load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher)
    suite = next(s for s in load_suites(layer="raw") if s.source == "assistance")
    check = suite.check("totals_row_matches")
    assert check.severity == "WARN"
    outcome = run_sql_check(con, suite, check, {"source": "assistance", "period": PERIOD}, PERIOD)
    assert not outcome.passed and outcome.unexpected_count == 1, outcome.message
    assert outcome.sample[0]["column_name"] == "保障金额(元)"
    assert outcome.sample[0]["source_file"].endswith("610602_宝塔区.xlsx")
