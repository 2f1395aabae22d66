"""Loading a month into DuckDB: idempotent, corrections replace, counts reconcile, nothing in clear."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dagster_project.ingestion.errors import PartitionLoadError
from dagster_project.ingestion.pipeline import load_partition
from dagster_project.ingestion.spec import ASSISTANCE

from .conftest import PERIOD
from .exports import clean_row, write_csv, write_xlsx, wrong_check

FOLDER = "assistance/2024-06"


def _snapshot(con) -> tuple:
    return (
        con.execute("SELECT * EXCLUDE (_loaded_at) FROM raw.assistance_roster ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM raw.quarantine ORDER BY ALL").fetchall(),
    )


def _load(con, landing, region, hasher, **kw):
    return load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher, **kw)


def test_loading_the_same_file_twice_changes_nothing(con, landing, region, hasher) -> None:
    rows = [clean_row(i) for i in range(1, 6)]
    rows[1][7] = "待核"
    write_xlsx(landing / FOLDER / "610602_宝塔区.xlsx", rows)
    first = _load(con, landing, region, hasher)
    before = _snapshot(con)
    second = _load(con, landing, region, hasher)
    assert _snapshot(con) == before
    assert [f.status for f in first.files] == ["loaded"]
    assert [f.status for f in second.files] == ["unchanged"]


def test_corrected_reexport_replaces_its_county_month_only(con, landing, region, hasher) -> None:
    write_xlsx(landing / FOLDER / "610602_宝塔区.xlsx", [clean_row(i) for i in range(1, 6)])
    write_csv(
        landing / FOLDER / "610603_安塞区.csv", [[*clean_row(1)[:8], "610603100001", "2024-06", ""]], "gbk"
    )
    _load(con, landing, region, hasher)
    ansai_before = con.execute(
        "SELECT * EXCLUDE (_loaded_at) FROM raw.assistance_roster WHERE county_code='610603'"
    ).fetchall()
    corrected = [clean_row(i, amount="900") for i in range(1, 4)]  # two rows removed, amounts corrected
    time.sleep(0.01)
    write_xlsx(landing / FOLDER / "610602_宝塔区_更正1.xlsx", corrected)
    report = _load(con, landing, region, hasher)
    assert {f.source_file.split("/")[-1]: f.status for f in report.files} == {
        "610602_宝塔区.xlsx": "superseded",
        "610602_宝塔区_更正1.xlsx": "loaded",
        "610603_安塞区.csv": "unchanged",
    }
    baota = con.execute(
        "SELECT count(*), sum(amount), any_value(_source_file) FROM raw.assistance_roster WHERE county_code='610602'"
    ).fetchone()
    assert baota == (3, 2700, "assistance/2024-06/610602_宝塔区_更正1.xlsx")
    assert (
        con.execute(
            "SELECT * EXCLUDE (_loaded_at) FROM raw.assistance_roster WHERE county_code='610603'"
        ).fetchall()
        == ansai_before
    )


def test_rows_read_equal_loaded_plus_quarantined_per_file(con, landing, region, hasher) -> None:
    rows = [clean_row(i) for i in range(1, 21)]
    rows[3][2] = wrong_check("61060219800101123")
    rows[4][7] = "-1"
    rows[5][6] = "其他"
    rows[6][7] = "abc"
    rows[6][9] = "2023-01"  # one row, two problems: counted once
    write_xlsx(landing / FOLDER / "610602_宝塔区.xlsx", rows)
    _load(con, landing, region, hasher)
    audit = con.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined, rows_skipped FROM raw.load_audit WHERE status='loaded'"
    ).fetchone()
    assert audit == (21, 16, 4, 1)  # the 合计 row is read and skipped
    loaded = con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone()[0]
    quarantined = con.execute("SELECT count(DISTINCT source_row) FROM raw.quarantine").fetchone()[0]
    assert loaded + quarantined + audit[3] == audit[0]
    assert con.execute("SELECT count(*) FROM raw.quarantine WHERE source_row = 10").fetchone()[0] == 2


def test_unreadable_file_fails_partition_but_others_load(con, landing, region, hasher) -> None:
    write_xlsx(landing / FOLDER / "610602_宝塔区.xlsx", [clean_row(1)])
    (landing / FOLDER / "610603_安塞区.xlsx").write_bytes(b"PK\x03\x04 truncated download")
    (landing / FOLDER / "~$610602_宝塔区.xlsx").write_bytes(b"office lock file")  # ignored
    with pytest.raises(PartitionLoadError) as err:
        _load(con, landing, region, hasher)
    assert "610603_安塞区.xlsx" in str(err.value) and "文件已损坏" in str(err.value)  # a truncated download
    assert (
        con.execute("SELECT count(*) FROM raw.assistance_roster WHERE county_code='610602'").fetchone()[0]
        == 1
    )
    statuses = dict(con.execute("SELECT source_file, status FROM raw.load_audit").fetchall())
    assert statuses == {
        "assistance/2024-06/610602_宝塔区.xlsx": "loaded",
        "assistance/2024-06/610603_安塞区.xlsx": "failed",
    }


def test_county_resolved_from_variant_file_name(con, landing, region, hasher) -> None:
    write_xlsx(landing / FOLDER / "延安市宝塔区.xlsx", [clean_row(1)])
    report = _load(con, landing, region, hasher)
    assert [(f.county_code, f.status) for f in report.files] == [("610602", "loaded")]


def test_no_clear_id_or_name_in_the_duckdb_file(tmp_path: Path, landing, region, hasher) -> None:
    import duckdb

    rows = [clean_row(i, name=f"测试姓名{i}") for i in range(1, 30)]
    rows[0][2] = wrong_check("61060219800101123")  # a quarantined ID must not leak either
    write_xlsx(landing / FOLDER / "610602_宝塔区.xlsx", rows)
    db = tmp_path / "clear.duckdb"
    with duckdb.connect(str(db)) as c:
        _load(c, landing, region, hasher)
        c.execute("CHECKPOINT")
    blob = db.read_bytes()
    assert os.path.getsize(db) > 0
    for r in rows:
        for value in (r[1], r[2]):
            assert value.encode("utf-8") not in blob, value
    # the keys are there instead
    assert hasher.digest(rows[1][2]).encode() in blob
