"""Property-based: whatever the cells or the bytes, a load never raises, every file ends with exactly one
audit event, rows read = loaded + quarantined + skipped, and no generated ID or phone is stored in clear."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.ingestion.pipeline import RegionLookup, load_partition
from dagster_project.ingestion.pseudonymise import Pseudonymiser
from dagster_project.ingestion.redact import contains_personal, redact_text, redact_value
from dagster_project.ingestion.spec import ASSISTANCE

from .conftest import TEST_KEY
from .exports import TOWNSHIP, clean_row, write_csv, write_xlsx

PERIOD = dt.date(2024, 6, 1)
REGION = RegionLookup(
    resolve_county={"宝塔区": "610602"}.get,
    township_prefixes=lambda c: frozenset({TOWNSHIP}) if c == "610602" else frozenset(),
)
HASHER = Pseudonymiser(TEST_KEY)

cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "NaN",
            "Infinity",
            "-inf",
            "1e15",
            "3e10",
            "1e400",
            "=1+1",
            "合　计",
            "小计",
            "审核人：",
            "",
            " ",
            "\u3000",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.from_regex(r"\A[0-9]{17}[0-9X]\Z"),
)


def _load(landing: Path) -> tuple[list, list]:
    with tempfile.TemporaryDirectory() as d, duckdb.connect(str(Path(d) / "w.duckdb")) as con:
        report = load_partition(con, ASSISTANCE, PERIOD, landing, REGION, HASHER, raise_on_failure=False)
        audit = con.execute(
            "SELECT rows_read, rows_loaded, rows_quarantined, rows_skipped, status, message "
            "FROM raw.load_audit_history"
        ).fetchall()
        loaded = con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone()[0]
        quarantined = con.execute("SELECT count(DISTINCT source_row) FROM raw.quarantine").fetchone()[0]
        values = con.execute("SELECT raw_value, record_json, reason FROM raw.quarantine").fetchall()
    assert len(audit) == 1 and len(report.files) == 1
    read, ok, bad, skipped, status, message = audit[0]
    if status == "loaded":
        assert read == ok + bad + skipped and (ok, bad) == (loaded, quarantined)
    else:
        assert status == "failed" and message
    return audit, values


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell, min_size=0, max_size=13), min_size=0, max_size=6), st.booleans())
def test_random_cells_never_crash_and_reconcile(rows: list[list[str]], as_xlsx: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        landing = Path(d) / "landing"
        folder = landing / "assistance" / "2024-06"
        data = [clean_row(1), *rows, clean_row(2)]
        if as_xlsx:
            write_xlsx(folder / "610602_宝塔区.xlsx", data)
        else:
            clean = [[c.replace("\x00", "") for c in r] for r in data]
            write_csv(folder / "610602_宝塔区.csv", clean, "utf-8-sig")
        _, values = _load(landing)
        for raw_value, record_json, reason in values:
            for text in (raw_value, record_json, reason):
                assert text is None or not contains_personal(text), text


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=4000), st.sampled_from([".xlsx", ".xls", ".csv", ".txt", ".xml"]))
def test_random_bytes_never_crash(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        landing = Path(d) / "landing"
        folder = landing / "assistance" / "2024-06"
        folder.mkdir(parents=True)
        (folder / f"610602_宝塔区{suffix}").write_bytes(data)
        _load(landing)


@given(st.from_regex(r"\A[1-9][0-9]{16}[0-9X]\Z"), st.from_regex(r"\A1[3-9][0-9]{9}\Z"), st.text(max_size=10))
def test_redaction_masks_ids_and_phones_in_any_text(pid: str, phone: str, noise: str) -> None:
    text = f"{noise}第3行 {pid} 电话{phone}，{noise}"
    out = redact_text(text) or ""
    assert pid not in out and phone not in out


def test_redaction_keeps_what_clerks_need() -> None:
    for keep in ("待核", "800.00", "2024-06", "610602001001", "城市低保", "a" * 64):
        assert redact_value(keep) == keep
    assert redact_value("张三") != "张三"
