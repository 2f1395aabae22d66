"""The statistics clerk's flow on a real Dagster deployment with the daemon running, as `make demo` leaves
it (scripts/dagster_ui.sh on a DAGSTER_HOME the pipeline was loaded into by dagster_project.orchestrate):

1. the landing sensor, the automation, the schedules and the failure notifier are on without anyone
   switching them on, and the sensor's first scans over the already-loaded folder request nothing;
2. a file dropped into the landing folder (a county that had not reported) reaches the serving file
   Superset reads, with no call other than the drop, and the clerk sees per-file counts, reasons and a
   report link that downloads over HTTP;
3. the asset page's "Materialize" of one partition (the implicit asset job with the asset, its checks
   and one partition, as the UI sends it) runs the blocking raw checks on what was loaded and also
   reaches the serving file.

A tiny simulated region (two counties, one month, scale 0.01) keeps it to a few minutes on 2 cores.
"""

from __future__ import annotations

import os
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import requests

from dagster_project.assets.load_metadata import (
    COUNTY_MONTH,
    LOADED,
    QUARANTINED,
    READ,
    REASONS,
    REPORT,
    SHA256,
    SKIPPED,
)
from tests.pipeline.live_dagster import LiveDagster, runs_summary, wait_for

pytestmark = pytest.mark.slow

MONTH = "2024-06"
COUNTIES = "610602,610603"  # 宝塔区, 安塞区 load first; 延长县 (610621) is dropped during the test
NEW_COUNTY = "610621"
SERVING_KEY = ["serving", "minzheng_duckdb"]
INSTIGATORS = (
    "landing_sensor",
    "plan_targets_sensor",
    "minzheng_automation",
    "run_failure_notifier",
    "monthly_exports_schedule",
    "lottery_daily_schedule",
)
TICK = 5  # MINZHENG_SENSOR_INTERVAL_SECONDS: the deployment's default is 30 s
PIPELINE_OUTPUT: dict[str, str] = {}  # what the fixture's pipeline run printed on the terminal


def _simulate(live: LiveDagster, out: Path, counties: str) -> None:
    live.python(
        "-m",
        "minzheng_simulator",
        "--months",
        MONTH,
        "--scale",
        "0.01",
        "--counties",
        counties,
        "--corrections",
        "0",
        "--workers",
        "1",
        "--out",
        str(out),
        "--quiet",
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDagster]:
    reuse = os.environ.get("MINZHENG_TEST_LIVE_DIR")  # developing: a folder this fixture loaded before
    data = Path(reuse) if reuse else tmp_path_factory.mktemp("clerk_flow")
    live = LiveDagster.environment(data, MINZHENG_SENSOR_INTERVAL_SECONDS=str(TICK))
    if not live.serving.exists():
        _simulate(live, live.landing, COUNTIES)
        log = data / "logs" / "pipeline.log"
        done = live.python(
            "-m", "dagster_project.orchestrate", "--start", MONTH, "--end", MONTH, "--log", str(log)
        )
        PIPELINE_OUTPUT.update(terminal=done.stdout + done.stderr, log=log.read_text(encoding="utf-8"))
    assert live.serving.exists()
    live.start()
    try:
        yield live
    finally:
        live.stop()


def test_pipeline_prints_progress_and_logs_the_rest_to_a_file(live: LiveDagster) -> None:
    """`make demo`'s terminal: one progress line per loaded month range (rows, rows/s) and the warehouse
    build's outcome; Dagster's log lines and dbt's node-by-node output are in the log file only."""
    if not PIPELINE_OUTPUT:
        pytest.skip("MINZHENG_TEST_LIVE_DIR reuses a loaded folder: the pipeline did not run here")
    terminal, log = PIPELINE_OUTPUT["terminal"], PIPELINE_OUTPUT["log"]
    lines = [line for line in terminal.splitlines() if line.strip()]
    assert lines[0].startswith(f"  [1/1] load {MONTH}  ok"), lines
    assert "rows/s" in lines[0] and int(lines[0].split()[4].replace(",", "")) > 0, lines[0]
    assert any(line.startswith("  warehouse build: ok") for line in lines), lines
    assert not any("of " in line and ("PASS" in line or "START" in line) for line in lines), lines
    assert "Done. PASS=" in log and " START " in log  # dbt's summary and node lines went to the file


def _published_after(live: LiveDagster, t: float) -> dict | None:
    mats = live.materializations(SERVING_KEY, limit=1)
    return mats[0] if mats and int(mats[0]["timestamp"]) / 1000 > t else None


def _recipients(serving: Path, county: str) -> int | None:
    with duckdb.connect(str(serving), read_only=True) as con:
        row = con.execute(
            "SELECT dibao_recipients FROM marts.mart_assistance_county_month "
            "WHERE county_code = ? AND month_start = ?",
            [county, f"{MONTH}-01"],
        ).fetchone()
    return row[0] if row else None


def _meta(materialization: dict) -> dict[str, object]:
    out = {}
    for e in materialization["metadataEntries"]:
        out[e["label"]] = next((e[k] for k in ("text", "intValue", "url", "mdStr") if k in e), None)
    return out


def test_first_scans_over_a_loaded_folder_request_nothing(live: LiveDagster) -> None:
    status = wait_for("instigators listed", lambda: live.instigator_status() or None, 120)
    assert {name: status.get(name) for name in INSTIGATORS} == dict.fromkeys(INSTIGATORS, "RUNNING")

    # tick 1 records the files, tick 2 finds them stable (older than STABLE_SECONDS) and hashes them.
    # A tick still in progress (STARTED) has not decided yet: only finished ticks are judged.
    def three_ticks() -> list[dict] | None:
        ticks = [t for t in live.sensor_ticks("landing_sensor") if t["status"] != "STARTED"]
        return ticks if len(ticks) >= 3 else None

    ticks = wait_for("three landing sensor ticks", three_ticks, 180)
    assert all(t["status"] in ("SKIPPED", "SUCCESS") and not t["runIds"] for t in ticks), ticks
    assert any("已经导入" in (t["skipReason"] or "") for t in ticks), [t["skipReason"] for t in ticks]
    assert not [r for r in live.runs() if r["tags"].get("minzheng/trigger") == "landing_sensor"]


def test_a_dropped_file_reaches_the_dashboards_with_nothing_else(live: LiveDagster, tmp_path: Path) -> None:
    assert not _recipients(live.serving, NEW_COUNTY)  # 延长县 has not reported yet
    extra = tmp_path / "extra"
    _simulate(live, extra, NEW_COUNTY)
    [exported] = list((extra / "assistance" / MONTH).iterdir())
    dropped_at = time.time()
    shutil.copy(exported, live.landing / "assistance" / MONTH / exported.name)  # the drop: nothing else

    published = wait_for(
        "serving file republished",
        lambda: _published_after(live, dropped_at),
        600,
        5,
        explain=lambda: runs_summary(live),
    )
    seconds = int(published["timestamp"]) / 1000 - dropped_at
    print(f"drop -> published: {seconds:.0f} s")
    assert _recipients(live.serving, NEW_COUNTY), "the new county's rows are on the dashboards"

    sensor_runs = [r for r in live.runs() if r["tags"].get("minzheng/trigger") == "landing_sensor"]
    assert len(sensor_runs) == 1, sensor_runs  # exactly the dropped file, nothing already loaded
    assert sensor_runs[0]["tags"]["minzheng/county_month"] == "延长县 2024年6月"
    assert sensor_runs[0]["tags"]["dagster/partition"] == f"{NEW_COUNTY}|{MONTH}-01"

    # what the clerk sees on the partition: counts, reasons with row numbers, the report over HTTP
    [mat] = [
        m
        for m in live.materializations(["raw", "assistance_roster"], limit=50)
        if m["partition"] == f"{NEW_COUNTY}|{MONTH}-01"
    ][:1]
    meta = _meta(mat)
    assert meta[COUNTY_MONTH] == "延长县 2024年6月"
    assert meta[READ] == meta[LOADED] + meta[QUARANTINED] + meta[SKIPPED] and meta[LOADED] > 0
    assert isinstance(meta[REASONS], str) and meta[REASONS]
    if meta[QUARANTINED]:
        assert "第" in meta[REASONS] and "行" in meta[REASONS]
    assert len(str(meta[SHA256])) == 64
    url = str(meta[REPORT])
    assert url.startswith(f"http://127.0.0.1:{live.reports_port}/reports/2024-06/"), url
    report = requests.get(url, timeout=30)
    assert report.status_code == 200 and report.content[:2] == b"PK"  # an xlsx workbook
    assert urllib.parse.unquote(url).endswith("assistance_质量报告.xlsx")
    # the report server answers for reports and Data Docs only
    base = f"http://127.0.0.1:{live.reports_port}"
    for path in ("/warehouse/minzheng.duckdb", "/landing/", "/reports/../warehouse/minzheng.duckdb"):
        assert requests.get(base + path, timeout=30).status_code == 404, path


def test_ui_materialize_of_one_partition_runs_the_checks_and_publishes(live: LiveDagster) -> None:
    asset = ["raw", "eldercare_institutions"]
    launched_at = time.time()
    run_id = live.materialize_partition_as_ui(asset, {"county": "610602", "month": f"{MONTH}-01"})

    def finished() -> dict | None:
        run = next((r for r in live.runs() if r["runId"] == run_id), None)
        return run if run and run["status"] in ("SUCCESS", "FAILURE", "CANCELED") else None

    run = wait_for("the UI run finishes", finished, 600, 5, explain=lambda: runs_summary(live))
    assert run["status"] == "SUCCESS", run
    evaluations = live.check_executions(run_id)
    assert {e["checkName"] for e in evaluations} == set(live.check_names(asset)), "checks ran, not skipped"
    # the blocking (ERROR) checks passed on the reloaded file; WARN checks may flag the tiny region
    # (11 of 13 counties never report in this test)
    assert all(e["success"] for e in evaluations if e["severity"] == "ERROR"), evaluations

    published = wait_for(
        "serving file republished",
        lambda: _published_after(live, launched_at),
        600,
        5,
        explain=lambda: runs_summary(live),
    )
    print(f"UI materialize -> published: {int(published['timestamp']) / 1000 - launched_at:.0f} s")
    # the sensor never reloads what the UI run loaded
    assert len([r for r in live.runs() if r["tags"].get("minzheng/trigger") == "landing_sensor"]) <= 1


def test_a_dropped_plan_target_template_reaches_the_dashboards_with_nothing_else(live: LiveDagster) -> None:
    """The quarterly 填报 flow: a template dropped in plan_targets/ is loaded by plan_targets_sensor and the
    plan marts are republished, with no click (the shipped target of 智慧社区 is 80; the upload says 95)."""
    from tests.targets.test_template import HEADER, YANAN_PLAN

    def target() -> float | None:
        with duckdb.connect(str(live.serving), read_only=True) as con:
            row = con.execute(
                "SELECT max(target_value) FROM marts.mart_plan_progress "
                "WHERE region_code = '610600' AND indicator_code = 'smart_communities'"
            ).fetchone()
        return row[0] if row else None

    assert target() == 80
    folder = live.landing / "plan_targets"
    folder.mkdir(exist_ok=True)
    body = f"610600,,smart_communities,,2020,14,2025,>=,95,,,{YANAN_PLAN},专栏3-1\n"
    dropped_at = time.time()
    (folder / "延安目标调整.csv").write_bytes((HEADER + body).encode("gbk"))

    def republished() -> dict | None:
        published = _published_after(live, dropped_at)
        return published if published and target() == 95 else None

    wait_for("plan target republished", republished, 600, 5, explain=lambda: runs_summary(live))
    runs = [r for r in live.runs() if r["tags"].get("minzheng/trigger") == "plan_targets_sensor"]
    assert len(runs) == 1 and runs[0]["tags"]["minzheng/template"] == "延安目标调整.csv", runs
