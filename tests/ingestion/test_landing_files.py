"""Which landing files are loaded, and under what name: file names that are not UTF-8, and a county-month
delivered as several files (parts), corrected part by part. Real loads into a real DuckDB file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingestion.errors import PartitionLoadError
from dagster_project.ingestion.pipeline import load_partition
from dagster_project.ingestion.redact import MASK_LABEL
from dagster_project.ingestion.spec import ASSISTANCE

from .conftest import PERIOD
from .exports import clean_row, write_csv, write_xlsx

FOLDER = "assistance/2024-06"
BAOTA_GBK = "610602_宝塔区.xlsx".encode("gbk")  # a Windows zip's name, unpacked on Linux as raw bytes


def _load(con, landing, region, hasher, **kw):
    return load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher, **kw)


def _ansai_rows(n: int) -> list[list[str]]:
    return [[*clean_row(500 + i)[:8], "610603100001", "2024-06", ""] for i in range(n)]


def _program(rows: list[list[str]], program: str) -> list[list[str]]:
    for r in rows:
        r[6] = program
    return rows


def _bytes_path(folder: Path, name: bytes) -> bytes:
    return os.fsencode(folder) + b"/" + name


def _audit(con, table: str = "raw.load_audit") -> list[tuple]:
    return con.execute(
        f"""SELECT source_file, county_code, status, rows_read, rows_loaded, rows_quarantined, rows_skipped
            FROM {table} ORDER BY source_file, finished_at"""
    ).fetchall()


def _reconciles(con) -> None:
    """Per file of the current audit: read = loaded + quarantined + skipped, and the warehouse agrees."""
    rows = con.execute(
        """SELECT a.source_file, a.rows_read, a.rows_loaded, a.rows_quarantined, a.rows_skipped,
                  (SELECT count(*) FROM raw.assistance_roster r
                   WHERE r._source_file = a.source_file AND r._load_id = a.load_id),
                  (SELECT count(DISTINCT source_row) FROM raw.quarantine q
                   WHERE q.source_file = a.source_file AND q.load_id = a.load_id)
           FROM raw.load_audit a WHERE status = 'loaded'"""
    ).fetchall()
    assert rows
    for name, read, loaded, quarantined, skipped, in_table, in_quarantine in rows:
        assert read == loaded + quarantined + skipped, name
        assert (in_table, in_quarantine) == (loaded, quarantined), name
    total = con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone()[0]
    assert total == sum(r[2] for r in rows)


# -- file names that are not UTF-8 -----------------------------------------------------------------------


def test_gbk_named_file_is_loaded_under_its_decoded_name_next_to_another_county(
    con, landing, region, hasher
) -> None:
    folder = landing / FOLDER
    write_xlsx(folder / "tmp.xlsx", [clean_row(i) for i in range(1, 4)])
    os.rename(os.fsencode(folder / "tmp.xlsx"), _bytes_path(folder, BAOTA_GBK))
    write_xlsx(folder / "610603_安塞区.xlsx", _ansai_rows(2))
    assert any("\udcb1" in p.name for p in folder.iterdir())  # Python sees surrogate escapes

    report = _load(con, landing, region, hasher)

    assert [(f.source_file, f.status) for f in report.files] == [
        ("assistance/2024-06/610602_宝塔区.xlsx", "loaded"),
        ("assistance/2024-06/610603_安塞区.xlsx", "loaded"),
    ]
    assert con.execute(
        "SELECT county_code, _source_file, count(*) FROM raw.assistance_roster GROUP BY ALL ORDER BY ALL"
    ).fetchall() == [
        ("610602", "assistance/2024-06/610602_宝塔区.xlsx", 3),
        ("610603", "assistance/2024-06/610603_安塞区.xlsx", 2),
    ]
    _reconciles(con)
    # the same bytes give the same name at the next run: nothing is reloaded
    again = _load(con, landing, region, hasher)
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]
    # a correction of the GBK-named file, itself GBK-named, supersedes it by its decoded base name
    write_xlsx(folder / "tmp.xlsx", [clean_row(i) for i in range(1, 6)])
    os.rename(os.fsencode(folder / "tmp.xlsx"), _bytes_path(folder, "610602_宝塔区_更正1.xlsx".encode("gbk")))
    third = _load(con, landing, region, hasher)
    assert {(f.source_file, f.status) for f in third.files if f.county_code == "610602"} == {
        ("assistance/2024-06/610602_宝塔区.xlsx", "superseded"),
        ("assistance/2024-06/610602_宝塔区_更正1.xlsx", "loaded"),
    }
    assert con.execute(
        "SELECT count(*) FROM raw.assistance_roster WHERE county_code = '610602'"
    ).fetchone() == (5,)


def test_unreadable_gbk_named_file_fails_with_an_audit_row_and_the_partition_goes_on(
    con, landing, region, hasher
) -> None:
    folder = landing / FOLDER
    folder.mkdir(parents=True)
    with open(_bytes_path(folder, BAOTA_GBK), "wb") as fh:
        fh.write(b"PK\x03\x04 truncated download")
    # a name that is not GB18030 either (replacement characters), with a county code
    with open(_bytes_path(folder, b"610603_\xff\xfe.csv"), "wb") as fh:
        fh.write(b"\x00\x01 not a table")
    write_xlsx(folder / "610602_宝塔区_农村低保.xlsx", [clean_row(1)])

    with pytest.raises(PartitionLoadError) as err:
        _load(con, landing, region, hasher)

    text = str(err.value)
    text.encode("utf-8")  # printable, storable: no surrogates
    assert "assistance/2024-06/610602_宝塔区.xlsx" in text and str(landing) not in text
    audit = {(name, status) for name, _, status, *_ in _audit(con, "raw.load_audit_history")}
    assert ("assistance/2024-06/610602_宝塔区.xlsx", "failed") in audit
    # replacement characters are no known word: masked like any name that might be personal
    assert (f"assistance/2024-06/610603_{MASK_LABEL}.csv", "failed") in audit
    # 宝塔区's other part is not loaded while its first part cannot be: the county-month stays whole
    assert ("assistance/2024-06/610602_宝塔区_农村低保.xlsx", "failed") in audit
    assert con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone() == (0,)


def test_prepare_failures_name_the_landing_relative_file(con, landing, region, hasher) -> None:
    write_xlsx(landing / FOLDER / "610603_安塞区.xlsx", _ansai_rows(1))
    (landing / FOLDER / "610602_宝塔区.csv").write_bytes("名单\r\n张三,李四\r\n".encode("gbk"))  # no header
    report = _load(con, landing, region, hasher, raise_on_failure=False)
    (failure,) = report.failures
    assert failure.path == "assistance/2024-06/610602_宝塔区.csv"
    message = con.execute("SELECT message FROM raw.load_audit WHERE status = 'failed'").fetchone()[0]
    assert message.startswith("文件 assistance/2024-06/610602_宝塔区.csv：")
    for text in (message, str(failure), *(f.message or "" for f in report.files)):
        assert str(landing) not in text and str(landing.parent) not in text


# -- a county-month in several files ---------------------------------------------------------------------


def test_one_file_per_program_loads_every_part(con, landing, region, hasher) -> None:
    urban = [clean_row(i) for i in range(1, 4)]
    rural = _program([clean_row(i) for i in range(10, 14)], "农村低保")
    rural[0][2] = rural[0][2][:-1] + ("0" if rural[0][2][-1] != "0" else "1")  # a quarantined row
    write_xlsx(landing / FOLDER / "610602_宝塔区_城市低保.xlsx", urban)
    write_xlsx(landing / FOLDER / "610602_宝塔区_农村低保.xlsx", rural)
    write_xlsx(landing / FOLDER / "610603_安塞区.xlsx", _ansai_rows(2))

    report = _load(con, landing, region, hasher)

    assert [
        (f.source_file.rsplit("/")[-1], f.status, f.rows_loaded, f.rows_quarantined) for f in report.files
    ] == [
        ("610602_宝塔区_农村低保.xlsx", "loaded", 3, 1),
        ("610602_宝塔区_城市低保.xlsx", "loaded", 3, 0),
        ("610603_安塞区.xlsx", "loaded", 2, 0),
    ]
    assert report.counties == ["610602", "610603"]
    # one current audit row per file; both parts written by one load (one transaction)
    current = _audit(con)
    assert [(r[0].rsplit("/")[-1], r[2]) for r in current] == [
        ("610602_宝塔区_农村低保.xlsx", "loaded"),
        ("610602_宝塔区_城市低保.xlsx", "loaded"),
        ("610603_安塞区.xlsx", "loaded"),
    ]
    assert con.execute(
        "SELECT count(DISTINCT _load_id) FROM raw.assistance_roster WHERE county_code = '610602'"
    ).fetchone() == (1,)
    assert con.execute(
        "SELECT program, count(*) FROM raw.assistance_roster WHERE county_code = '610602' GROUP BY 1 ORDER BY 1"
    ).fetchall() == [("农村低保", 3), ("城市低保", 3)]
    _reconciles(con)
    assert [f.status for f in _load(con, landing, region, hasher).files] == ["unchanged"] * 3


def test_exports_named_by_date_or_time_are_versions_the_newest_loaded(con, landing, region, hasher) -> None:
    """A month-to-date export taken each day (…_0615, …_0616) or re-exported with a time stamp: versions of
    one export, not parts; numbered parts (…_1, …_2) stay parts."""
    folder = landing / FOLDER
    write_csv(folder / "610602_宝塔区_0615.csv", [clean_row(i) for i in range(1, 3)], "gbk")
    os.utime(folder / "610602_宝塔区_0615.csv", (1_700_000_000, 1_700_000_000))
    write_csv(folder / "610602_宝塔区_0616.csv", [clean_row(i) for i in range(1, 4)], "gbk")
    write_xlsx(folder / "610603_安塞区_20240630093000.xlsx", _ansai_rows(1))
    os.utime(folder / "610603_安塞区_20240630093000.xlsx", (1_700_000_000, 1_700_000_000))
    write_xlsx(folder / "610603_安塞区_20240701101500.xlsx", _ansai_rows(2))

    report = _load(con, landing, region, hasher)

    status = {f.source_file.rsplit("/")[-1]: (f.status, f.rows_loaded) for f in report.files}
    assert status["610602_宝塔区_0616.csv"] == ("loaded", 3)
    assert status["610603_安塞区_20240701101500.xlsx"] == ("loaded", 2)
    assert (
        status["610602_宝塔区_0615.csv"][0] == status["610603_安塞区_20240630093000.xlsx"][0] == "superseded"
    )
    assert con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone() == (5,)
    _reconciles(con)

    shutil.rmtree(folder)
    write_csv(folder / "610602_宝塔区_1.csv", [clean_row(i) for i in range(1, 3)], "gbk")
    write_csv(folder / "610602_宝塔区_2.csv", [clean_row(i) for i in range(10, 13)], "gbk")
    assert [(f.status, f.rows_loaded) for f in _load(con, landing, region, hasher).files] == [
        ("loaded", 2),
        ("loaded", 3),
    ]


def test_correction_replaces_only_the_part_with_its_base_name(con, landing, region, hasher) -> None:
    write_xlsx(landing / FOLDER / "610602_宝塔区_城市低保.xlsx", [clean_row(i) for i in range(1, 4)])
    write_xlsx(
        landing / FOLDER / "610602_宝塔区_农村低保.xlsx",
        _program([clean_row(i) for i in range(10, 14)], "农村低保"),
    )
    _load(con, landing, region, hasher)
    first_load = con.execute("SELECT DISTINCT _load_id FROM raw.assistance_roster").fetchall()
    write_xlsx(
        landing / FOLDER / "610602_宝塔区_农村低保_更正1.xlsx",
        _program([clean_row(i) for i in range(10, 12)], "农村低保"),
    )

    report = _load(con, landing, region, hasher)

    assert {(f.source_file.rsplit("/")[-1], f.status) for f in report.files} == {
        ("610602_宝塔区_农村低保.xlsx", "superseded"),
        ("610602_宝塔区_农村低保_更正1.xlsx", "loaded"),
        ("610602_宝塔区_城市低保.xlsx", "loaded"),  # reloaded with its county-month, not dropped
    }
    assert con.execute(
        "SELECT _source_file, count(*) FROM raw.assistance_roster GROUP BY 1 ORDER BY 1"
    ).fetchall() == [
        ("assistance/2024-06/610602_宝塔区_农村低保_更正1.xlsx", 2),
        ("assistance/2024-06/610602_宝塔区_城市低保.xlsx", 3),
    ]
    assert con.execute("SELECT DISTINCT _load_id FROM raw.assistance_roster").fetchall() != first_load
    assert {r[0].rsplit("/")[-1] for r in _audit(con)} == {
        "610602_宝塔区_农村低保_更正1.xlsx",
        "610602_宝塔区_城市低保.xlsx",
    }
    _reconciles(con)
    # a part taken out of the folder: the county-month is reloaded without it
    (landing / FOLDER / "610602_宝塔区_城市低保.xlsx").unlink()
    _load(con, landing, region, hasher)
    assert con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone() == (2,)
    assert [r[0].rsplit("/")[-1] for r in _audit(con)] == ["610602_宝塔区_农村低保_更正1.xlsx"]
    _reconciles(con)


def test_a_part_that_cannot_be_loaded_keeps_the_county_month_whole(con, landing, region, hasher) -> None:
    urban = landing / FOLDER / "610602_宝塔区_城市低保.xlsx"
    write_xlsx(urban, [clean_row(i) for i in range(1, 4)])
    write_xlsx(
        landing / FOLDER / "610602_宝塔区_农村低保.xlsx",
        _program([clean_row(i) for i in range(10, 14)], "农村低保"),
    )
    write_xlsx(landing / FOLDER / "610603_安塞区.xlsx", _ansai_rows(2))
    _load(con, landing, region, hasher)
    before = con.execute("SELECT * FROM raw.assistance_roster ORDER BY ALL").fetchall()
    urban.write_bytes(b"PK\x03\x04 truncated download")  # a re-copy gone wrong
    write_xlsx(landing / FOLDER / "610602_宝塔区_农村低保.xlsx", [])  # changed too

    report = _load(con, landing, region, hasher, raise_on_failure=False)

    by_name = {f.source_file.rsplit("/")[-1]: f for f in report.files}
    assert by_name["610602_宝塔区_城市低保.xlsx"].status == "failed"
    assert "文件已损坏" in (by_name["610602_宝塔区_城市低保.xlsx"].message or "")
    other = by_name["610602_宝塔区_农村低保.xlsx"]
    assert other.status == "failed" and "610602_宝塔区_城市低保.xlsx" in (other.message or "")
    assert by_name["610603_安塞区.xlsx"].status == "unchanged"
    assert con.execute("SELECT * FROM raw.assistance_roster ORDER BY ALL").fetchall() == before
    assert {r[2] for r in _audit(con)} == {"loaded"}  # the current audit is still the last good load
    _reconciles(con)


def test_same_person_in_two_parts_fails_the_blocking_check_naming_both_files(tmp_path: Path, hasher) -> None:
    from dagster_project.quality.clerk_report import _where
    from dagster_project.quality.paths import QualityPaths
    from dagster_project.quality.runner import run_suite
    from dagster_project.quality.suites import load_suites
    from tests.quality.exports import REGION, region_lookup

    landing = tmp_path / "landing"
    rows = [clean_row(i) for i in range(1, 4)]
    write_xlsx(landing / FOLDER / "610602_宝塔区.xlsx", rows)
    write_xlsx(landing / FOLDER / "延安市宝塔区.xlsx", [rows[1], clean_row(7)])  # the county named two ways
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        report = load_partition(con, ASSISTANCE, PERIOD, landing, region_lookup(), hasher)
        assert [(f.county_code, f.status) for f in report.files] == [("610602", "loaded")] * 2
        (suite,) = [s for s in load_suites(layer="raw") if s.source == "assistance"]
        run = run_suite(con, suite, PERIOD, REGION, QualityPaths(tmp_path), "test", build_docs=False)
    failed = {o.check: o for o in run.failed}
    assert failed["no_duplicate_recipient_month_program"].severity == "ERROR"
    assert "load_reconciled" not in failed
    sample = failed["no_duplicate_recipient_month_program"].sample
    assert sorted((r["_source_file"].rsplit("/")[-1], int(r["_source_row"])) for r in sample) == [
        ("610602_宝塔区.xlsx", 5),
        ("延安市宝塔区.xlsx", 4),
    ]
    where = _where(sample, REGION)
    assert "610602_宝塔区.xlsx 第5行" in where and "延安市宝塔区.xlsx 第4行" in where


def test_sensor_requests_every_part_of_a_county_month(tmp_path: Path) -> None:
    from dagster_project.automation.landing_sensor import scan

    landing = tmp_path / "landing"
    write_xlsx(landing / FOLDER / "610602_宝塔区_城市低保.xlsx", [clean_row(1)])
    write_xlsx(landing / FOLDER / "610602_宝塔区_农村低保.xlsx", _program([clean_row(2)], "农村低保"))
    write_csv(landing / FOLDER / "610602_宝塔区_农村低保(1).csv", _program([clean_row(2)], "农村低保"), "gbk")
    # a third part of its own (a byte-identical copy of another part is that part put in twice: superseded)
    write_xlsx(landing / FOLDER / "tmp.xlsx", [clean_row(3)])
    os.rename(os.fsencode(landing / FOLDER / "tmp.xlsx"), _bytes_path(landing / FOLDER, BAOTA_GBK))
    now = os.path.getmtime(landing / FOLDER / "610602_宝塔区_城市低保.xlsx") + 60
    _, cursor = scan(landing, {}, now)
    changed, cursor = scan(landing, cursor, now)
    assert sorted(f.relative for f in changed) == [
        "assistance/2024-06/610602_宝塔区.xlsx",  # the GBK name, decoded: the same name the load records
        "assistance/2024-06/610602_宝塔区_农村低保(1).csv",  # the correction, not the original it replaces
        "assistance/2024-06/610602_宝塔区_城市低保.xlsx",
    ]
    for key in cursor:
        key.encode("utf-8")


def test_files_whose_masked_names_coincide_keep_their_own_records(con, landing, region, hasher) -> None:
    """A person's name in a file name is masked (redact.redact_file_name); two such parts of a county-month
    must not collapse into one record."""
    write_xlsx(landing / FOLDER / "610602_宝塔区_张伟.xlsx", [clean_row(i) for i in range(1, 3)])
    write_xlsx(landing / FOLDER / "610602_宝塔区_王芳.xlsx", [clean_row(i) for i in range(10, 13)])

    report = _load(con, landing, region, hasher)

    names = [f.source_file for f in report.files]
    assert len(set(names)) == 2 and all(MASK_LABEL in n for n in names), names
    assert not any("张伟" in n or "王芳" in n for n in names)
    assert sorted(f.rows_loaded for f in report.files) == [2, 3]
    _reconciles(con)


def test_numbers_that_are_no_date_tell_parts_apart(con, landing, region, hasher) -> None:
    """One file per township (named by its code) or per batch number: parts, all loaded; only a date or
    time stamp makes versions."""
    folder = landing / FOLDER
    write_csv(folder / "610602_宝塔区_610602001.csv", [clean_row(i) for i in range(1, 3)], "gbk")
    write_csv(folder / "610602_宝塔区_610602002.csv", [clean_row(i) for i in range(10, 13)], "gbk")
    write_csv(folder / "610603_安塞区_批次1234567.csv", _ansai_rows(1), "gbk")
    write_csv(folder / "610603_安塞区_批次7654321.csv", _ansai_rows(3)[1:], "gbk")

    report = _load(con, landing, region, hasher)

    assert sorted((f.status, f.rows_loaded) for f in report.files) == [
        ("loaded", 1),
        ("loaded", 2),
        ("loaded", 2),
        ("loaded", 3),
    ]
    _reconciles(con)


def test_the_latest_stamp_wins_whatever_the_copy_times_and_corrections(con, landing, region, hasher) -> None:
    """Daily exports of one county: the 16th's wins over the 15th's even when the 15th's file is newer on
    disk or has been corrected (a correction replaces its own day's export, not a later day's)."""
    folder = landing / FOLDER
    write_csv(folder / "610602_宝塔区_0616.csv", [clean_row(i) for i in range(1, 5)], "gbk")
    os.utime(folder / "610602_宝塔区_0616.csv", (1_700_000_000, 1_700_000_000))  # copied first
    write_csv(folder / "610602_宝塔区_0615.csv", [clean_row(i) for i in range(1, 3)], "gbk")
    write_csv(folder / "610602_宝塔区_0615_更正1.csv", [clean_row(i) for i in range(1, 4)], "gbk")

    report = _load(con, landing, region, hasher)

    status = {f.source_file.rsplit("/")[-1]: (f.status, f.rows_loaded) for f in report.files}
    assert status["610602_宝塔区_0616.csv"] == ("loaded", 4)
    assert {status[n][0] for n in ("610602_宝塔区_0615.csv", "610602_宝塔区_0615_更正1.csv")} == {
        "superseded"
    }
