"""What a clerk drops that the pipeline cannot use, and partial dbt builds, on real Dagster machinery:

1. the landing sensor, evaluated against a real instance, reports every entry of the landing folder no
   load would read (a file in the landing folder itself or in a source folder, an unknown source folder,
   a month folder named 2024-6 or 202406, a month before the partitions or in the future) or that its
   load refuses (.zip, .ods, .pdf, a sub-folder, a name without a county of the region) as one run of
   landing_folder_problems, which fails with one actionable line per entry and no personal data; once,
   not on every tick. A file whose partition does not exist never fails the tick (it used to fail every
   tick, so no other file was loaded), and a monthly file of the current month waits for the month end;
2. after a new month of every source, the runs the automation builds carry each dbt model's blocking
   tests (they were left out of a run that also carried raw checks, and nothing below ever ran); a dbt
   build of part of the graph leaves out the tests that read models it does not rebuild: the
   assistance models alone build and pass (they failed on the lottery and volunteer facts not rebuilt
   yet, and the chain stopped before the serving file), and a whole build afterwards runs and passes
   every test;
3. the shipped instance configuration fails a run a daemon restart left STARTING (it held the
   warehouse pool: every later load queued behind it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, build_sensor_context, evaluate_automation_conditions
from dagster._core.definitions.automation_tick_evaluation_context import build_run_requests

from dagster_project.automation.landing_sensor import PROBLEMS, STABLE_SECONDS, landing_sensor
from dagster_project.definitions import defs
from dagster_project.jobs import warehouse_job
from dagster_project.resources import LandingResource
from dagster_project.settings import REPO_ROOT
from tests.ingestion.exports import clean_row, write_xlsx
from tests.pipeline.test_automation_chain import JUNE, MAY, Chain
from tests.quality.exports import Month, write_month


def _age(path: Path, seconds: float = STABLE_SECONDS + 5) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


def _ticks(instance: DagsterInstance, landing: Path, cursor: str | None, n: int = 2):
    """`n` sensor evaluations from `cursor`: the run requests of each and the last cursor."""
    out = []
    for _ in range(n):
        ctx = build_sensor_context(
            instance=instance, cursor=cursor, resources={"landing": LandingResource(path=str(landing))}
        )
        result = landing_sensor(ctx)  # raises if the tick fails (e.g. an unknown partition key)
        out.append(result if isinstance(result, list) else [])
        cursor = ctx.cursor
    return out, cursor


def test_every_file_the_loads_cannot_use_is_reported_once_and_never_fails_the_tick(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    today = dt.date.today()
    good = write_xlsx(landing / "eldercare" / "2024-06" / "610602_宝塔区.xlsx", [clean_row(1)])
    bad: dict[str, str] = {}  # the entry as the message shows it -> a word its line must contain
    xlsx = good.read_bytes()

    def put(relative: str, shown: str, word: str, data: bytes = xlsx) -> None:
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        bad[shown] = word

    future = f"{today.year + 1}-01"
    put("610603_安塞区.xlsx", "610603_安塞区.xlsx", "着陆文件夹下")  # the landing folder itself
    put("社会救助/2024-06/610603_安塞区.xlsx", "社会救助", "来源文件夹")
    put("assistance/610603_安塞区.xlsx", "assistance/610603_安塞区.xlsx", "月份文件夹")
    put("assistance/2024-6/610603_安塞区.xlsx", "assistance/2024-6", "2024-06")
    put("eldercare/202406/610603_安塞区.xlsx", "eldercare/202406", "2024-06")
    put("eldercare/2020-12/610603_安塞区.xlsx", "eldercare/2020-12", "起始月份")  # before the partitions
    put(f"eldercare/{future}/610603_安塞区.xlsx", f"eldercare/{future}", "将来")
    put(f"lottery/{future}/610603_安塞区.xlsx", f"lottery/{future}", "将来")
    put("eldercare/2024-06/610603_安塞区.zip", "eldercare/2024-06/610603_安塞区.zip", "解压", b"PK\x03\x04")
    put("eldercare/2024-06/610603_安塞区.ods", "eldercare/2024-06/610603_安塞区.ods", ".ods")
    put("volunteer_roster/2024-06/说明.pdf", "volunteer_roster/2024-06/说明.pdf", ".pdf", b"%PDF-1.4")
    put("eldercare/2024-06/旧版/610603_安塞区.xlsx", "eldercare/2024-06/旧版", "文件夹")
    put("eldercare/2024-06/养老机构汇总.xlsx", "eldercare/2024-06/养老机构汇总.xlsx", "区划代码")
    put("eldercare/2024-06/110101_东城区.xlsx", "eldercare/2024-06/110101_", "110101")  # another region
    # a person's name and phone in a file name: reported, never shown
    put("eldercare/2024-06/张三_13912345678.xlsx", "eldercare/2024-06/［名称已隐藏", "区划代码")
    current = write_xlsx(landing / "eldercare" / f"{today:%Y-%m}" / "610621_延长县.xlsx", [clean_row(1)])
    for path in landing.rglob("*"):
        _age(path)

    with DagsterInstance.ephemeral() as instance:
        (first, second), cursor = _ticks(instance, landing, None)
        requested = first + second  # (a file is loaded once seen stable on two ticks)
        raw = [r for r in requested if r.job_name != "landing_folder_problems"]
        assert [r.partition_key for r in raw] == ["610602|2024-06-01"]  # the good file only
        [problem_run] = [r for r in requested if r.job_name == "landing_folder_problems"]
        assert problem_run.tags["minzheng/trigger"] == "landing_sensor"

        # the run the daemon launches fails, with one line per entry: where, what, what it should be
        result = defs.resolve_job_def("landing_folder_problems").execute_in_process(
            run_config=problem_run.run_config, instance=instance, raise_on_error=False
        )
        assert not result.success
        [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        message = failure.step_failure_data.error.message
        lines = [ln[4:] for ln in message.splitlines() if ln.startswith("  - ")]
        assert len(lines) == len(bad), message
        for shown, word in bad.items():
            line = next((ln for ln in lines if ln.startswith(shown)), None)
            assert line is not None and "应为" in line and word in line, (shown, word, line)
        assert "张三" not in message and "13912345678" not in message
        assert not [ln for ln in lines if f"/{today:%Y-%m}" in ln]  # the current month waits: not a problem

        # reported once: the next ticks request nothing new while nothing changes
        again, cursor = _ticks(instance, landing, cursor)
        assert again == [[], []], again
        assert len(json.loads(cursor)[PROBLEMS]) == len(bad)

        # the clerk fixes one (renames the month folder): the load picks it up; nothing is reported again
        shutil.move(landing / "assistance" / "2024-6", landing / "assistance" / "2024-07")
        _age(landing / "assistance" / "2024-07" / "610603_安塞区.xlsx")
        (_, fixed), cursor = _ticks(instance, landing, cursor)
        assert [r.partition_key for r in fixed] == ["610603|2024-07-01"], fixed
        assert [k.path for k in fixed[0].asset_selection] == [["raw", "assistance_roster"]]
        assert current.exists()


def test_the_plan_targets_folder_make_demo_writes_is_not_a_problem_of_the_landing_folder(
    tmp_path: Path,
) -> None:
    """`make demo` writes the quarterly 指标填报 into <landing>/plan_targets/ (loaded by plan/target_templates):
    the sensor's first tick on the demo reported it as "不是报表来源文件夹", its name masked as personal
    (［名称已隐藏（可能含个人信息）］_［名称已隐藏…］), a red failed run before the clerk dropped anything."""
    from minzheng_simulator.plan_reports import write_plan_reports

    landing = tmp_path / "landing"
    write_xlsx(landing / "eldercare" / "2024-06" / "610602_宝塔区.xlsx", [clean_row(1)])
    assert write_plan_reports(landing, "2024-01", "2024-06")
    (landing / "plan_targets" / "说明.docx").write_bytes(b"PK\x03\x04")  # whatever staff keep beside them
    for path in landing.rglob("*"):
        _age(path)
    with DagsterInstance.ephemeral() as instance:
        (first, second), cursor = _ticks(instance, landing, None)
    requested = first + second
    assert [r.job_name for r in requested] == ["load_jinmin_exports"], [r.tags for r in requested]
    assert json.loads(cursor)[PROBLEMS] == {}


@pytest.mark.slow
def test_a_partial_dbt_build_leaves_out_the_tests_of_models_it_does_not_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = Chain(tmp_path, monkeypatch)
    write_month(chain.landing, Month(MAY))
    chain.load(MAY)
    built = chain.defs.resolve_job_def(warehouse_job.name).execute_in_process(
        instance=chain.instance, raise_on_error=False
    )
    assert built.success
    assert chain.tick() == set(), "everything was just built: nothing to request"  # the daemon's cursor

    # a new month of every source
    write_month(chain.landing, Month(JUNE))
    chain.load(JUNE)

    # the runs the daemon builds from the tick: each dbt model with its blocking tests, also in a run
    # that carries the raw checks requested in the same tick (they ran without them: the chain stopped)
    result = evaluate_automation_conditions(defs=chain.defs, instance=chain.instance, cursor=chain.cursor)
    graph = chain.defs.resolve_asset_graph()
    runs = build_run_requests(
        [r.true_subset for r in result.results if r.true_subset.size],
        graph,
        run_tags=None,
        emit_backfills=False,
    )
    models = [k for run in runs for k in run.asset_selection or [] if k.path[0] not in ("raw", "serving")]
    assert AssetKey(["staging", "stg_jinmin__volunteer_service"]) in models
    assert any(k.asset_key.path[0] == "raw" for run in runs for k in run.asset_check_keys or [])
    for run in runs:
        selected = set(run.asset_check_keys) if run.asset_check_keys is not None else None
        for key in run.asset_selection or []:
            blocking = {k for k in graph.get_check_keys_for_assets({key}) if graph.get(k).blocking}
            assert selected is None or blocking <= selected, (key, sorted(blocking - selected)[:3])

    # the automation's first run builds the assistance models only
    assistance = [
        AssetKey(["staging", "stg_jinmin__assistance_roster"]),
        AssetKey(["marts", "fct_assistance_payment"]),
    ]
    partial = chain.defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=chain.instance, asset_selection=assistance, raise_on_error=False
    )
    failed = [e.step_failure_data.error.message[:800] for e in partial.all_events if e.is_step_failure]
    assert partial.success, failed
    logged = [
        e.message
        for e in chain.instance.all_logs(partial.run_id)
        if e.message and "留到重建它们的运行中检验" in e.message
    ]
    assert logged and "assert_incremental_facts_match_raw_loads" in logged[0], logged

    # everything built: every test runs and passes (nothing was hidden)
    whole = chain.defs.resolve_job_def(warehouse_job.name).execute_in_process(
        instance=chain.instance, raise_on_error=False
    )
    assert whole.success, [
        e.step_failure_data.error.message[:800] for e in whole.all_events if e.is_step_failure
    ]
    assert not [
        e.message for e in chain.instance.all_logs(whole.run_id) if e.message and "留到重建" in e.message
    ]


def test_the_shipped_instance_fails_a_run_that_never_started(tmp_path: Path) -> None:
    """deploy/dagster.yaml (copied into DAGSTER_HOME by scripts/env.sh): a run left STARTING by a daemon
    restart is failed by the run monitor instead of holding the warehouse pool and the automation for ever."""
    shutil.copy(REPO_ROOT / "deploy" / "dagster.yaml", tmp_path / "dagster.yaml")
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.run_monitoring_enabled
        assert 0 < instance.run_monitoring_start_timeout_seconds <= 300
        assert instance.run_monitoring_max_resume_run_attempts == 0  # DefaultRunLauncher cannot resume


def test_the_shipped_instance_retries_a_run_a_restart_killed_but_not_a_failed_step(tmp_path: Path) -> None:
    """On make demo, `scripts/dagster_ui.sh stop` + `start` while the automation's dbt run was building killed
    it (UNEXPECTED_TERMINATION); the automation had handled that update and requested nothing again, so
    吴起县's loaded file never reached the marts or the serving file until another drop. With the shipped
    deploy/dagster.yaml the daemon retries such a run once; a run that failed in a step (an unreadable
    file, a failed check: for the clerk to correct) is not retried."""
    from dagster import Failure, job, op
    from dagster._core.events import RunFailureReason
    from dagster._core.storage.dagster_run import DagsterRunStatus
    from dagster._core.storage.tags import RUN_FAILURE_REASON_TAG, WILL_RETRY_TAG
    from dagster._daemon.auto_run_reexecution.auto_run_reexecution import should_retry

    from dagster_project.definitions import defs as definitions

    shutil.copy(REPO_ROOT / "deploy" / "dagster.yaml", tmp_path / "dagster.yaml")

    @op
    def refuse() -> None:
        raise Failure("1 个文件无法导入")

    @job
    def a_load() -> None:
        refuse()

    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.run_retries_enabled and instance.run_retries_max_retries >= 1
        failed_step = a_load.execute_in_process(instance=instance, raise_on_error=False)
        assert not failed_step.success
        assert not should_retry(instance.get_run_by_id(failed_step.run_id), instance)

        # a run of the automation's job killed mid-build, as the daemon finds it after the restart
        killed = instance.create_run_for_job(definitions.resolve_job_def("load_jinmin_exports"))
        reason = {RUN_FAILURE_REASON_TAG: RunFailureReason.UNEXPECTED_TERMINATION.value}
        instance.add_run_tags(killed.run_id, reason)
        instance.report_run_failed(instance.get_run_by_id(killed.run_id), "Execution was interrupted.")
        killed = instance.get_run_by_id(killed.run_id)
        assert killed.status == DagsterRunStatus.FAILURE
        assert should_retry(killed, instance)
        assert instance.get_run_by_id(killed.run_id).tags[WILL_RETRY_TAG] == "true"


def test_a_dagster_home_of_an_earlier_version_gets_the_shipped_instance_config(tmp_path: Path) -> None:
    """scripts/env.sh copied deploy/dagster.yaml into DAGSTER_HOME only when it was missing: the data folder
    of an earlier `make demo` (or a deployment) kept its old copy, without run_retries, so a run killed by a
    restart still stopped the chain there. The shipped configuration now replaces an older copy, which is
    kept beside it."""
    import subprocess

    home = tmp_path / "dagster_home"
    home.mkdir()
    old = "telemetry:\n  enabled: false\n"
    (home / "dagster.yaml").write_text(old)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MINZHENG_DATA_DIR": str(tmp_path / "data")}
    env["DAGSTER_HOME"] = str(home)
    for _ in range(2):  # (the second time: nothing changes, no second backup)
        subprocess.run(["bash", "-c", "source scripts/env.sh"], cwd=REPO_ROOT, env=env, check=True)
    shipped = (REPO_ROOT / "deploy" / "dagster.yaml").read_text()
    assert (home / "dagster.yaml").read_text() == shipped
    [backup] = home.glob("dagster.yaml.*.bak")
    assert backup.read_text() == old
