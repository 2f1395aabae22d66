"""Dagster's dbt build scopes itself to the months whose raw loads changed (dagster_project/assets/
dbt_window.py): the changed-month comparison on a real warehouse, and real Dagster runs of the dbt asset
(real dbt-duckdb) after loading one more month, checked against a full rebuild and a planted duplicate."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dagster import (
    AssetCheckKey,
    AssetKey,
    AssetSelection,
    DagsterInstance,
    ExecuteInProcessResult,
    materialize,
)
from dagster_dbt import DbtCliResource

from dagster_project.assets.dbt import dbt_models, dbt_project
from dagster_project.assets.dbt_window import (
    COMPARISONS,
    FINGERPRINT_TAG,
    DbtWindow,
    UnprovenChange,
    changed_months,
    guarded_asset_keys,
    load_manifest,
    plan_dbt_window,
    project_fingerprint,
    unchanged_nodes,
    uncovered_nodes,
    unsuccessful_builds,
)
from dagster_project.resources import WarehouseResource, dbt_executable
from dagster_project.settings import DBT_PROJECT_DIR, DBT_WINDOW_VARIABLES

from .conftest import COUNTIES, Warehouse, assert_ok, month, write_landing
from .test_incremental import FACTS, _snapshot

COUNTY = COUNTIES[0]


@pytest.fixture(scope="module")
def copy(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return warehouse.copy(tmp_path_factory.mktemp("dagster_window"))


def _changed_after(wh: Warehouse, *statements: str) -> tuple[dt.date, ...]:
    """changed_months after `statements`, run in a transaction that is rolled back."""
    with duckdb.connect(str(wh.db)) as con:
        con.execute("BEGIN")
        try:
            for sql in statements:
                con.execute(sql)
            return changed_months(con)
        finally:
            con.execute("ROLLBACK")


def _new_month(table: str, county: str, new: str, like: str) -> str:
    """A load of `county` for month `new` (rows of month `like`, a new load id), as ingestion writes one."""
    return f"""INSERT INTO raw.{table} SELECT * REPLACE (DATE '{new}-01' AS period, 'new-{new}' AS _load_id)
               FROM raw.{table} WHERE county_code = '{county}' AND period = DATE '{like}-01'"""


def test_the_built_warehouse_has_no_changed_month(copy: Warehouse) -> None:
    assert _changed_after(copy) == ()


def test_a_new_month_is_changed(copy: Warehouse) -> None:
    assert _changed_after(copy, _new_month("volunteer_service", COUNTY, "2024-07", "2024-06")) == (
        month("2024-07"),
    )


def test_a_corrected_old_month_and_a_new_month_give_a_window_over_both(copy: Warehouse) -> None:
    corrected = f"""UPDATE raw.assistance_roster SET _load_id = 'corrected-2023-06'
                    WHERE county_code = '{COUNTY}' AND period = DATE '2023-06-01'"""
    months = _changed_after(copy, corrected, _new_month("lottery_sales", COUNTY, "2024-07", "2024-06"))
    assert months == (month("2023-06"), month("2024-07"))
    window = DbtWindow(months)
    assert (window.first, window.last) == (month("2023-06"), month("2024-07"))
    assert "2023-06 至 2024-07" in window.log_line()


def test_a_withdrawn_county_month_is_changed(copy: Warehouse) -> None:
    withdrawn = f"DELETE FROM raw.lottery_sales WHERE county_code = '{COUNTY}' AND period = DATE '2024-05-01'"
    assert _changed_after(copy, withdrawn) == (month("2024-05"),)


def test_an_eldercare_reload_is_changed(copy: Warehouse) -> None:
    """No incremental fact reads eldercare, but its raw and staging tests are windowed."""
    reload = f"""UPDATE raw.eldercare_institutions SET _load_id = 'reloaded'
                 WHERE county_code = '{COUNTY}' AND period = DATE '2024-05-01'"""
    assert _changed_after(copy, reload) == (month("2024-05"),)


def test_a_fact_left_behind_by_an_interrupted_build_is_changed(copy: Warehouse) -> None:
    """Caseload not rebuilt after its payments were (a build stopped between them): the month differs."""
    stale = "DELETE FROM marts.fct_assistance_caseload WHERE month_start = DATE '2024-06-01'"
    assert _changed_after(copy, stale) == (month("2024-06"),)


@pytest.mark.parametrize("fact", [c.built for c in COMPARISONS])
def test_a_missing_fact_proves_nothing(copy: Warehouse, fact: str) -> None:
    with pytest.raises(UnprovenChange, match=fact):
        _changed_after(copy, f"DROP TABLE {fact} CASCADE")


def test_every_incremental_and_windowed_model_is_compared() -> None:
    manifest = load_manifest(str(dbt_project.manifest_path))
    assert uncovered_nodes(manifest) == []
    assert set(guarded_asset_keys()) <= set(dbt_models.keys)
    extra = {
        "resource_type": "model",
        "schema": "marts",
        "name": "fct_new_monthly",
        "config": {"materialized": "incremental", "meta": {}},
    }
    widened = {**manifest, "nodes": {**manifest["nodes"], "model.minzheng.fct_new_monthly": extra}}
    assert uncovered_nodes(widened) == ["fct_new_monthly"]


def test_spark_and_a_missing_warehouse_build_everything(tmp_path: Path) -> None:
    manifest = load_manifest(str(dbt_project.manifest_path))
    instance = DagsterInstance.ephemeral()
    missing = WarehouseResource(path=str(tmp_path / "none.duckdb"))
    spark = plan_dbt_window(engine="spark", warehouse=missing, manifest=manifest, instance=instance)
    first = plan_dbt_window(engine="duckdb", warehouse=missing, manifest=manifest, instance=instance)
    for window in (spark, first):
        assert window.first is None and "整个数据仓库" in window.log_line()


# ---- real Dagster runs of the dbt asset ---------------------------------------------------------------


@pytest.fixture
def dagster_env(copy: Warehouse, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """dbt on the copy; dagster-dbt's per-run target folders under the copy (not the repository's)."""
    monkeypatch.setenv("MINZHENG_WAREHOUSE_PATH", str(copy.db))
    monkeypatch.setenv("MINZHENG_DATA_DIR", str(copy.root))
    monkeypatch.delenv("MINZHENG_ENGINE", raising=False)
    for name in DBT_WINDOW_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    target = copy.root / "dagster_target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    yield target


def _materialize(
    copy: Warehouse, instance: DagsterInstance, selection: AssetSelection | None = None
) -> ExecuteInProcessResult:
    resources = {
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        "warehouse": WarehouseResource(path=str(copy.db)),
    }
    return materialize(
        [dbt_models], instance=instance, resources=resources, raise_on_error=False, selection=selection
    )


def _window_line(instance: DagsterInstance, result: ExecuteInProcessResult) -> str:
    lines = [e.user_message for e in instance.all_logs(result.run_id) if e.user_message.startswith("本次")]
    assert len(lines) == 1, lines
    return lines[0]


def _run_results(target: Path, result: ExecuteInProcessResult) -> tuple[Path, list[dict[str, Any]]]:
    """The run's dbt target folder and its run results."""
    (folder,) = target.glob(f"dbt_models-{result.run_id[:7]}-*")
    return folder, json.loads((folder / "run_results.json").read_text())["results"]


def _dbt_results(target: Path, result: ExecuteInProcessResult) -> tuple[Path, dict[str, Any]]:
    """The run's dbt target folder and node name -> run result."""
    folder, results = _run_results(target, result)
    return folder, {r["unique_id"].split(".")[2]: r for r in results}


def _unit_tests(target: Path, result: ExecuteInProcessResult) -> dict[str, str]:
    """The run's dbt unit tests and their statuses (_dbt_results keys by model name, which they share)."""
    _, results = _run_results(target, result)
    return {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}


def _compiled(folder: Path, test: str) -> str:
    (path,) = folder.glob(f"compiled/**/{test}.sql")
    return path.read_text()


def _fact_rows(wh: Warehouse) -> dict[str, list[tuple]]:
    """Every monthly incremental model's rows, without the id of the dbt run that wrote them."""
    facts = (*FACTS, "marts.fct_assistance_caseload")
    return {f: wh.rows(f"SELECT * EXCLUDE (_dbt_invocation_id) FROM {f} ORDER BY ALL") for f in facts}


UNIQUE_PAYMENT = "unique_fct_assistance_payment_payment_key"
UNIQUE_SERVICE = "unique_fct_volunteer_service_service_record_key"


def test_dagster_builds_and_tests_the_new_month_only(copy: Warehouse, dagster_env: Path) -> None:
    instance = DagsterInstance.ephemeral()

    # 1. No Dagster record of a build yet (the warehouse was built by the dbt CLI): the whole warehouse.
    first = _materialize(copy, instance)
    assert first.success
    assert "整个数据仓库" in _window_line(instance, first) and "无构建记录" in _window_line(instance, first)
    folder, results = _dbt_results(dagster_env, first)
    assert "month_start >=" not in _compiled(folder, UNIQUE_PAYMENT)

    # 2. One more month loaded through the real ingestion: dbt gets 2024-07 as its window.
    write_landing(copy.landing, seed=11, months=["2024-07"], counties=COUNTIES, corrections=0)
    copy.ingest(["2024-07"])
    before = _snapshot(copy)
    second = _materialize(copy, instance)
    assert second.success, [e.check_name for e in second.get_asset_check_evaluations() if not e.passed]
    assert "2024-07 至 2024-07" in _window_line(instance, second)
    folder, results = _dbt_results(dagster_env, second)
    scoped = _compiled(folder, UNIQUE_PAYMENT)
    assert "month_start >= cast('2024-07-01' as date)" in scoped
    assert "month_start <= cast('2024-07-01' as date)" in scoped
    assert results[UNIQUE_PAYMENT]["status"] == "pass"
    after = _snapshot(copy)
    for fact in FACTS:  # July added, every other month not even rewritten (same dbt run id)
        assert set(after[fact]) == set(before[fact]) | {month("2024-07")}, fact
        assert {m: v for m, v in after[fact].items() if m != month("2024-07")} == before[fact], fact

    # ... and the facts are exactly what a full rebuild computes.
    windowed = _fact_rows(copy)
    assert_ok(copy.dbt("run", "--select", "config.materialized:incremental", "--full-refresh"))
    assert _fact_rows(copy) == windowed

    # 3. Another month with a duplicated service record planted in its load: the scoped test fails the run.
    write_landing(copy.landing, seed=11, months=["2024-08"], counties=COUNTIES, corrections=0)
    copy.ingest(["2024-08"])
    with duckdb.connect(str(copy.db)) as con:
        con.execute(
            """INSERT INTO raw.volunteer_service SELECT * FROM raw.volunteer_service
               WHERE period = DATE '2024-08-01' LIMIT 1"""
        )
    third = _materialize(copy, instance)
    assert not third.success
    assert "2024-08 至 2024-08" in _window_line(instance, third)
    folder, results = _dbt_results(dagster_env, third)
    assert {name for name, r in results.items() if r["status"] in ("fail", "error")} == {UNIQUE_SERVICE}
    assert "month_start >= cast('2024-08-01' as date)" in _compiled(folder, UNIQUE_SERVICE)

    # 4. Nothing loaded since, but the last build failed: the next one tests every month again.
    assert unsuccessful_builds(instance, guarded_asset_keys())
    manifest = load_manifest(str(dbt_project.manifest_path))
    warehouse = WarehouseResource(path=str(copy.db))
    window = plan_dbt_window(engine="duckdb", warehouse=warehouse, manifest=manifest, instance=instance)
    assert window.first is None and "上次构建未全部成功" in window.log_line()


# ---- models and seeds that no changed input reaches are left out ----------------------------------------


def test_unchanged_nodes_are_the_reference_data_and_the_sources_without_new_loads() -> None:
    manifest = load_manifest(str(dbt_project.manifest_path))
    names = {uid.split(".")[-1] for uid in unchanged_nodes(manifest, {"raw.assistance_roster"})}
    assert {"ref_region", "ref_dibao_standard", "dim_region", "dim_date", "dim_assistance_program"} <= names
    assert {"fct_volunteer_service", "fct_lottery_sales", "int_eldercare__institution_months"} <= names
    # Downstream of the changed raw table (or of the plan uploads, which are never compared): always built.
    for built in ("stg_jinmin__assistance_roster", "fct_assistance_payment", "fct_assistance_caseload",
                  "mart_assistance_county_month", "mart_overview_county_month", "stg_plan__targets",
                  "mart_plan_progress"):  # fmt: skip
        assert built not in names, built
    everything = {c.source for c in COMPARISONS}
    assert not {uid for uid in unchanged_nodes(manifest, everything) if uid.startswith("model.")} & {
        f"model.minzheng.{c.built.split('.')[1]}" for c in COMPARISONS
    }


def test_the_project_fingerprint_follows_the_project_files_only(tmp_path: Path) -> None:
    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    before = project_fingerprint(project)
    assert before == project_fingerprint(DBT_PROJECT_DIR)
    (project / "target" / "dagster_run").mkdir(parents=True)  # what dbt and dagster-dbt write: ignored
    (project / "target" / "dagster_run" / "manifest.json").write_text("{}")
    (project / "logs").mkdir()
    (project / "logs" / "dbt.log").write_text("log")
    assert project_fingerprint(project) == before
    seed = project / "seeds" / "ref_dibao_standard.csv"
    seed.write_text(seed.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a seed edited
    assert project_fingerprint(project) != before


def _mart_rows(wh: Warehouse) -> dict[str, list[tuple]]:
    """Every mart's rows, without the id of the dbt run that wrote them."""
    columns: dict[str, set[str]] = {}
    for table, column in wh.rows(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'marts'"
    ):
        columns.setdefault(table, set()).add(column)
    return {
        table: wh.rows(
            f"SELECT * {'EXCLUDE (_dbt_invocation_id)' if '_dbt_invocation_id' in cols else ''} "
            f"FROM marts.{table} ORDER BY ALL"
        )
        for table, cols in sorted(columns.items())
    }


def test_a_month_of_one_source_leaves_the_rest_of_the_warehouse_as_built(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = warehouse.copy(tmp_path / "one_source")
    monkeypatch.setenv("MINZHENG_WAREHOUSE_PATH", str(own.db))
    monkeypatch.setenv("MINZHENG_DATA_DIR", str(own.root))
    monkeypatch.delenv("MINZHENG_ENGINE", raising=False)
    for name in DBT_WINDOW_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    target = own.root / "dagster_target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    instance = DagsterInstance.ephemeral()
    fingerprint = project_fingerprint(DBT_PROJECT_DIR)

    first = _materialize(own, instance)  # no record yet: everything, and the run records its project
    assert first.success and "整个数据仓库" in _window_line(instance, first)
    assert instance.get_run_by_id(first.run_id).tags[FINGERPRINT_TAG] == fingerprint
    unit_tests = _unit_tests(target, first)  # the first build of this project runs the dbt unit tests
    assert unit_tests and set(unit_tests.values()) == {"pass"}, unit_tests
    dims_before = own.rows("SELECT * FROM marts.dim_region ORDER BY ALL")

    # 2. Only 救助 files of one more month: the seeds, dimensions and the other sources' models are left out.
    write_landing(own.landing, seed=12, months=["2024-07"], counties=COUNTIES, corrections=0)
    own.ingest(["2024-07"], sources=["assistance"])
    second = _materialize(own, instance)
    assert second.success, [e.check_name for e in second.get_asset_check_evaluations() if not e.passed]
    line = _window_line(instance, second)
    assert "2024-07 至 2024-07" in line and "沿用上次成功构建的结果" in line
    _, results = _dbt_results(target, second)
    for left_out in ("ref_region", "dim_region", "dim_date", "fct_volunteer_service", "fct_lottery_sales"):
        assert left_out not in results, left_out
    assert _unit_tests(target, second) == {}  # passed on this very project in the first build
    assert not [name for name in results if name.startswith("not_null_dim_region")]
    for built in ("fct_assistance_payment", "fct_assistance_caseload", "mart_overview_county_month"):
        assert results[built]["status"] == "success", built
    materialized = {m.materialization.asset_key for m in second.get_asset_materialization_events()}
    names = {key.path[-1] for key in materialized}
    assert "fct_assistance_payment" in names and "dim_region" not in names
    # A test between a built model and a left-out one still runs (the new month's payments against
    # dim_region), and so does every check of every model built: a blocking check left unrun on a new
    # materialization would hold back all automation downstream of it.
    relationship = "relationships_fct_assistance_payment_county_code__county_code__ref_dim_region_"
    assert results[relationship]["status"] == "pass"
    evaluated = {AssetCheckKey(e.asset_key, e.check_name) for e in second.get_asset_check_evaluations()}
    expected = {spec.key for spec in dbt_models.check_specs if spec.asset_key in materialized}
    assert expected and expected <= evaluated, sorted(str(k) for k in expected - evaluated)
    assert own.rows("SELECT * FROM marts.dim_region ORDER BY ALL") == dims_before

    # ... and every mart is what a full rebuild of everything computes.
    scoped = _mart_rows(own)
    assert_ok(own.dbt("build", "--full-refresh"))
    assert _mart_rows(own) == scoped

    # 3. Another version of the dbt project built the left-out models last: they are built again.
    write_landing(own.landing, seed=12, months=["2024-08"], counties=COUNTIES, corrections=0)
    own.ingest(["2024-08"], sources=["assistance"])
    resource = WarehouseResource(path=str(own.db))
    manifest = load_manifest(str(dbt_project.manifest_path))
    same = plan_dbt_window(engine="duckdb", warehouse=resource, manifest=manifest, instance=instance,
                           fingerprint=fingerprint)  # fmt: skip
    other = plan_dbt_window(engine="duckdb", warehouse=resource, manifest=manifest, instance=instance,
                            fingerprint="another project")  # fmt: skip
    assert same.unchanged and same.dbt_args()[:3] == ["--indirect-selection", "cautious", "--exclude"]
    subset = plan_dbt_window(engine="duckdb", warehouse=resource, manifest=manifest, instance=instance)
    assert subset.months == same.months and subset.unchanged == ()  # no fingerprint: a run of a subset
    assert other.months == same.months and other.unchanged == () and other.dbt_args() == []
    assert "另一版本" in other.log_line()

    # 4. A run of a subset (what automation launches after a load: the models below the new rows) keeps
    # dagster-dbt's own selection: nothing left out, and the tests against the dimensions it does not
    # rebuild still run, so every selected check is evaluated.
    below = AssetSelection.assets(AssetKey(["staging", "stg_jinmin__assistance_roster"])).downstream()
    fourth = _materialize(own, instance, selection=below)
    assert fourth.success and "沿用" not in _window_line(instance, fourth)
    _, results = _dbt_results(target, fourth)
    assert results[relationship]["status"] == "pass" and "dim_region" not in results
    built = {m.materialization.asset_key for m in fourth.get_asset_materialization_events()}
    assert AssetKey(["marts", "fct_assistance_payment"]) in built and len(built) < len(dbt_models.keys)
    evaluated = {AssetCheckKey(e.asset_key, e.check_name) for e in fourth.get_asset_check_evaluations()}
    expected = {spec.key for spec in dbt_models.check_specs if spec.asset_key in built}
    assert expected <= evaluated, sorted(str(k) for k in expected - evaluated)
