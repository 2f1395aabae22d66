"""Monthly incremental facts: reloading one month rebuilds that month only; a partition window rebuilds
exactly the window; and the dbt tests catch a fact that is out of step with raw."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from .conftest import COUNTIES, Warehouse, assert_ok, month, write_landing

# The monthly incremental models: the three big facts and the volunteer roster snapshots.
FACTS = (
    "marts.fct_assistance_payment",
    "marts.fct_volunteer_service",
    "marts.fct_lottery_sales",
    "intermediate.int_volunteer__roster_months",
    "intermediate.int_lottery__outlet_months",
    "intermediate.int_lottery__county_months",
)
RELOADED = "2024-05"
COUNTY = COUNTIES[1]


def _snapshot(wh: Warehouse) -> dict[str, dict[dt.date, tuple[int, int, str]]]:
    """fact -> month -> (rows, checksum of the rows without the dbt run id, the dbt run id(s))."""
    out: dict[str, dict[dt.date, tuple[int, int, str]]] = {}
    for fact in FACTS:
        columns = [
            c
            for (c,) in wh.rows(
                """SELECT column_name FROM information_schema.columns
                   WHERE table_schema = ? AND table_name = ? AND column_name != '_dbt_invocation_id'""",
                fact.split("."),
            )
        ]
        rows = wh.rows(
            f"""SELECT month_start, count(*), bit_xor(hash({", ".join(columns)})),
                       string_agg(DISTINCT _dbt_invocation_id, ',')
                FROM {fact} GROUP BY month_start"""
        )
        out[fact] = {m: (n, checksum, runs) for m, n, checksum, runs in rows}
    return out


@pytest.fixture(scope="module")
def copy(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return warehouse.copy(tmp_path_factory.mktemp("dbt_incremental"))


def _correct_one_county_month(wh: Warehouse, root: Path) -> None:
    """A corrected re-export (_更正9) of COUNTY for RELOADED, with different content (another seed)."""
    other = root / "other_landing"
    write_landing(other, seed=99, months=[RELOADED], counties=[COUNTY], corrections=0)
    for source_dir in (p for p in other.iterdir() if p.is_dir() and not p.name.startswith("_")):
        for f in (source_dir / RELOADED).iterdir():
            target = wh.landing / source_dir.name / RELOADED / f"{f.stem}_更正9{f.suffix}"
            shutil.copy2(f, target)
    wh.ingest([RELOADED], counties={COUNTY})


CASELOAD = "marts.fct_assistance_caseload"


def _caseload_runs(wh: Warehouse) -> dict[dt.date, str]:
    return dict(
        wh.rows(
            f"SELECT month_start, string_agg(DISTINCT _dbt_invocation_id, ',') FROM {CASELOAD} GROUP BY 1"
        )
    )


def _caseload_rows(wh: Warehouse) -> list[tuple]:
    return wh.rows(f"SELECT * EXCLUDE (_dbt_invocation_id) FROM {CASELOAD} ORDER BY ALL")


def test_reloading_one_month_leaves_the_other_months_unchanged(copy: Warehouse, tmp_path: Path) -> None:
    before = _snapshot(copy)
    caseload_before = _caseload_runs(copy)
    raw_before = copy.rows(
        "SELECT sum(amount) FROM raw.assistance_roster WHERE county_code = ? AND period = ?",
        [COUNTY, month(RELOADED)],
    )[0][0]
    _correct_one_county_month(copy, tmp_path)
    raw_after = copy.rows(
        "SELECT sum(amount) FROM raw.assistance_roster WHERE county_code = ? AND period = ?",
        [COUNTY, month(RELOADED)],
    )[0][0]
    assert raw_after != raw_before, "the correction must change the county-month"

    run = copy.dbt("build")  # no vars: dbt finds the month whose loads changed
    assert_ok(run)
    after = _snapshot(copy)
    reloaded = month(RELOADED)
    for fact in FACTS:
        assert after[fact].keys() == before[fact].keys()
        for m in before[fact]:
            if m == reloaded:
                assert after[fact][m][:2] != before[fact][m][:2], f"{fact} {m} not rebuilt"
                assert after[fact][m][2] != before[fact][m][2], f"{fact} {m} kept its old run id"
            else:  # same rows, same checksum, and not even rewritten (same dbt run id)
                assert after[fact][m] == before[fact][m], f"{fact} {m} changed"
    mart = copy.rows(
        """SELECT assistance_spending FROM marts.mart_assistance_county_month
           WHERE county_code = ? AND month_start = ?""",
        [COUNTY, reloaded],
    )[0][0]
    assert float(mart) == pytest.approx(float(raw_after), abs=0.005)
    statuses = run.statuses()
    assert statuses["assert_incremental_facts_match_raw_loads"] == "pass"
    assert statuses["assert_assistance_mart_reconciles_with_raw"] == "pass"
    # The caseload rebuilds the reloaded month and the month after it (its entries and exits look back),
    # nothing else; and incrementally it holds exactly what a full rebuild computes.
    caseload_after = _caseload_runs(copy)
    following = month("2024-06")
    for m, runs in caseload_before.items():
        if m in (reloaded, following):
            assert caseload_after[m] != runs, f"caseload {m} not rebuilt"
        else:
            assert caseload_after[m] == runs, f"caseload {m} rewritten"
    incremental = _caseload_rows(copy)
    assert_ok(copy.dbt("run", "--select", "fct_assistance_caseload", "--full-refresh"))
    assert _caseload_rows(copy) == incremental


def test_dbt_tests_catch_a_fact_out_of_step_with_raw(copy: Warehouse) -> None:
    """Raw changes behind dbt's back (no rebuild): the reconciliation and load tests must fail. The
    edit is undone afterwards, so the module's copy stays consistent."""
    key = [COUNTY, month("2024-06")]
    (load_id,) = copy.rows(
        "SELECT DISTINCT _load_id FROM raw.assistance_roster WHERE county_code = ? AND period = ?", key
    )[0]
    edit = "UPDATE raw.assistance_roster SET amount = amount + ?, _load_id = ? WHERE county_code = ? AND period = ?"
    with duckdb.connect(str(copy.db)) as con:
        con.execute(edit, [1, "manual-edit", *key])
    try:
        run = copy.dbt(
            "test",
            "--select",
            "assert_incremental_facts_match_raw_loads",
            "assert_assistance_mart_reconciles_with_raw",
        )
    finally:
        with duckdb.connect(str(copy.db)) as con:
            con.execute(edit, [-1, load_id, *key])
    assert run.returncode != 0
    assert run.statuses() == {
        "assert_incremental_facts_match_raw_loads": "fail",
        "assert_assistance_mart_reconciles_with_raw": "fail",
    }


def test_a_partition_window_rebuilds_exactly_its_months(copy: Warehouse) -> None:
    before = _snapshot(copy)
    window = "2023-06"
    assert_ok(
        copy.dbt(
            "run",
            "--select",
            *(f.split(".")[1] for f in FACTS),
            vars={"min_period": window, "max_period": window},
        )
    )
    after = _snapshot(copy)
    for fact in FACTS:
        for m in before[fact]:
            if m == month(window):
                assert after[fact][m][:2] == before[fact][m][:2], f"{fact} {m}: same raw, same rows"
                assert after[fact][m][2] != before[fact][m][2], f"{fact} {m} not rebuilt"
            else:
                assert after[fact][m] == before[fact][m], f"{fact} {m} touched outside the window"


def test_a_partition_window_tests_its_months_and_a_full_build_every_month(copy: Warehouse) -> None:
    """With min_period/max_period the generic tests of the incremental facts see the window's months
    (macros/test_scope.sql); without vars they see the whole table. A duplicated payment inside the
    window fails the windowed test; one outside it fails only the whole-table test."""
    months = [
        m for (m,) in copy.rows("SELECT DISTINCT month_start FROM marts.fct_assistance_payment ORDER BY 1")
    ]
    inside, outside = months[-1], months[0]
    window = {"min_period": inside.isoformat(), "max_period": inside.isoformat()}
    unique = "unique_fct_assistance_payment_payment_key"
    duplicate = """INSERT INTO marts.fct_assistance_payment
        SELECT * REPLACE ('duplicate-test' AS _dbt_invocation_id)
        FROM marts.fct_assistance_payment WHERE month_start = ? LIMIT 1"""
    undo = "DELETE FROM marts.fct_assistance_payment WHERE _dbt_invocation_id = 'duplicate-test'"

    def test_payments(at: dt.date, vars: dict[str, str] | None) -> dict[str, str]:
        with duckdb.connect(str(copy.db)) as con:
            con.execute(duplicate, [at])
        try:
            return copy.dbt("test", "--select", "fct_assistance_payment", vars=vars).statuses()
        finally:
            with duckdb.connect(str(copy.db)) as con:
                con.execute(undo)

    statuses = test_payments(inside, window)
    assert statuses[unique] == "fail"

    statuses = test_payments(outside, window)
    assert statuses[unique] == "pass", "a window build tests only its months"
    # ... and every other test passes: the raw side of the equal_sums reconciliation is restricted to the
    # same months (otherwise raw's other months would count as missing from the fact).
    assert all(s == "pass" for s in statuses.values()), statuses

    statuses = test_payments(outside, None)
    assert statuses[unique] == "fail", "without a window every month is tested"


def test_a_window_build_passes_while_raw_is_ahead_of_the_facts(warehouse: Warehouse, tmp_path: Path) -> None:
    """A backfill that loads many months first and builds them window by window afterwards: raw already
    holds months the facts have not been built for. A window build of an earlier month must pass every
    test (the months after the window are not this build's business), and the next window then builds
    and tests the later month."""
    wh = warehouse.copy(tmp_path)
    built, ahead = month("2024-05"), month("2024-06")
    with duckdb.connect(str(wh.db)) as con:  # 2024-06 loaded into raw, never built
        for fact in (*FACTS, CASELOAD):
            con.execute(f"DELETE FROM {fact} WHERE month_start = ?", [ahead])
    window = {"min_period": built.isoformat(), "max_period": built.isoformat()}
    run = wh.dbt("build", vars=window)
    assert_ok(run)
    assert wh.rows(f"SELECT count(*) FROM {CASELOAD} WHERE month_start = ?", [ahead]) == [(0,)]
    # The month after is built by its own window, and then everything reconciles on whole tables too.
    assert_ok(wh.dbt("build", vars={"min_period": ahead.isoformat(), "max_period": ahead.isoformat()}))
    assert wh.rows(f"SELECT count(*) > 0 FROM {CASELOAD} WHERE month_start = ?", [ahead]) == [(True,)]
    assert_ok(wh.dbt("test"))
