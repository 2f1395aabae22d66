"""The raw assets materialize in a real Dagster instance, one partition per county-month file."""

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from dagster_project.assets.raw import raw_assets
from dagster_project.automation.requests import month_range_tags
from dagster_project.ingestion.region import region_lookup
from dagster_project.resources import (
    LandingResource,
    PseudonymiserResource,
    ServingResource,
    WarehouseResource,
)
from tests.ingestion.exports import clean_row, write_xlsx

JUNE = dt.date(2024, 6, 1)
ASSISTANCE = next(a for a in raw_assets if a.key == AssetKey(["raw", "assistance_roster"]))


def _row(seq: int, county: str) -> list[str]:
    row = clean_row(seq)
    row[8] = sorted(region_lookup().township_prefixes(county))[0] + "001"
    return row


@pytest.fixture
def resources(tmp_path: Path, monkeypatch) -> dict:
    monkeypatch.setenv("MINZHENG_HMAC_KEY", "pipeline-test-key-0123456789")
    return {
        "warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb")),
        "landing": LandingResource(path=str(tmp_path / "landing")),
        "serving": ServingResource(path=str(tmp_path / "serving.duckdb")),
        "pseudonymiser": PseudonymiserResource(key_file=str(tmp_path / "unused.key")),
    }


def _materialized_partitions(instance: DagsterInstance) -> set[str]:
    return set(instance.get_materialized_partitions(ASSISTANCE.key))


def test_month_run_materializes_each_county_partition(tmp_path: Path, resources: dict) -> None:
    landing = tmp_path / "landing" / "assistance" / "2024-06"
    write_xlsx(landing / "610602_宝塔区.xlsx", [_row(i, "610602") for i in range(1, 4)])
    write_xlsx(landing / "610631_黄龙县.xlsx", [_row(i, "610631") for i in range(1, 3)])
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [ASSISTANCE], instance=instance, resources=resources, tags=month_range_tags(JUNE, JUNE)
        )
        assert result.success
        assert _materialized_partitions(instance) == {"610602|2024-06-01", "610631|2024-06-01"}
    with duckdb.connect(resources["warehouse"].path, read_only=True) as con:
        assert con.execute(
            "SELECT county_code, count(*) FROM raw.assistance_roster GROUP BY 1 ORDER BY 1"
        ).fetchall() == [("610602", 3), ("610631", 2)]


def test_single_county_rerun_and_failed_file(tmp_path: Path, resources: dict) -> None:
    landing = tmp_path / "landing" / "assistance" / "2024-06"
    write_xlsx(landing / "610602_宝塔区.xlsx", [_row(1, "610602")])
    (landing / "610603_安塞区.xlsx").write_bytes(b"this is not a workbook")
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [ASSISTANCE],
            instance=instance,
            resources=resources,
            tags=month_range_tags(JUNE, JUNE),
            raise_on_error=False,
        )
        assert not result.success
        failure = result.get_step_failure_events()[0].step_failure_data.error.message
        assert "610603_安塞区.xlsx" in failure and "不是Excel文件" in failure
        assert _materialized_partitions(instance) == {"610602|2024-06-01"}  # the good file still counts
        # 'rerun 宝塔区 for June' is one partition key
        rerun = materialize(
            [ASSISTANCE], instance=instance, resources=resources, partition_key="610602|2024-06-01"
        )
        assert rerun.success


def test_failed_run_reaches_the_failure_notifier(tmp_path: Path, resources: dict, monkeypatch) -> None:
    import json

    from dagster import DagsterEventType, build_run_status_sensor_context

    from dagster_project.automation.notify import run_failure_notifier

    monkeypatch.setenv("MINZHENG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MINZHENG_ALERT_WEBHOOK", raising=False)
    landing = tmp_path / "landing" / "assistance" / "2024-06"
    landing.mkdir(parents=True)
    (landing / "610603_安塞区.csv").write_bytes("只有标题，没有表头\n".encode("gbk"))
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [ASSISTANCE],
            instance=instance,
            resources=resources,
            partition_key="610603|2024-06-01",
            raise_on_error=False,
        )
        assert not result.success
        failure_event = next(e for e in result.all_events if e.event_type == DagsterEventType.RUN_FAILURE)
        ctx = build_run_status_sensor_context(
            sensor_name="run_failure_notifier",
            dagster_event=failure_event,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
        ).for_run_failure()
        run_failure_notifier(ctx)
    logged = [
        json.loads(x) for x in (tmp_path / "data" / "logs" / "run_failures.jsonl").read_text().splitlines()
    ]
    assert logged[0]["run_id"] == result.run_id
    assert logged[0]["partition"] == "610603|2024-06-01"
    # what the clerk is told is the load's Chinese message (file, what is wrong, what it should be), not
    # Dagster's English 'Execution of run for "load_jinmin_exports" failed. Steps failed: [...]'
    message = logged[0]["message"]
    assert "610603_安塞区.csv" in message and "表头" in message and "应为" in message, message
    assert "Execution of run" not in message and "dagster._core" not in message, message
    assert logged[0]["county_month"] == "安塞区 2024年6月"


def _aged(path: Path, seconds: float = 60) -> None:
    import os
    import time

    t = time.time() - seconds
    os.utime(path, (t, t))


def _sensor_scans(instance: DagsterInstance, landing: Path, scans: int = 2) -> list:
    """What the landing sensor requests over `scans` ticks from a fresh cursor (a fresh deployment)."""
    from dagster import build_sensor_context

    from dagster_project.automation.landing_sensor import landing_sensor

    cursor, requested = None, []
    for _ in range(scans):
        ctx = build_sensor_context(
            instance=instance, cursor=cursor, resources={"landing": LandingResource(path=str(landing))}
        )
        result = landing_sensor(ctx)
        requested += result if isinstance(result, list) else []
        cursor = ctx.cursor
    return requested


def test_sensor_first_scan_knows_what_is_loaded_and_what_the_clerk_sees(
    tmp_path: Path, resources: dict
) -> None:
    from dagster_project.assets.load_metadata import (
        COUNTY_MONTH,
        LOADED,
        QUARANTINED,
        READ,
        REASONS,
        SHA256,
        SKIPPED,
        STATUS,
        STATUS_ZH,
    )
    from dagster_project.ingestion.landing import file_sha256

    folder = tmp_path / "landing" / "assistance" / "2024-06"
    good = write_xlsx(folder / "610602_宝塔区.xlsx", [_row(i, "610602") for i in range(1, 4)])
    bad = _row(4, "610631")
    bad[2] = "12345"  # 身份证号 too short: quarantined with its row number
    other = write_xlsx(folder / "610631_黄龙县.xlsx", [_row(1, "610631"), bad])
    for f in (good, other):
        _aged(f)
    with DagsterInstance.ephemeral() as instance:
        assert materialize(
            [ASSISTANCE], instance=instance, resources=resources, tags=month_range_tags(JUNE, JUNE)
        ).success
        by_partition = {
            r.asset_materialization.partition: r.asset_materialization.metadata
            for r in instance.fetch_materializations(ASSISTANCE.key, limit=10).records
        }
        meta = by_partition["610631|2024-06-01"]
        assert meta[COUNTY_MONTH].value == "黄龙县 2024年6月"
        assert (meta[LOADED].value, meta[QUARANTINED].value) == (1, 1)
        assert meta[READ].value == meta[LOADED].value + meta[QUARANTINED].value + meta[SKIPPED].value
        assert "身份证" in meta[REASONS].value and "第" in meta[REASONS].value
        assert meta[SHA256].value == file_sha256(other)

        # the sensor switched on over the loaded folder: nothing to do
        assert _sensor_scans(instance, tmp_path / "landing") == []

        # a corrected re-export of 黄龙县: only it is requested, never the superseded original
        fixed = write_xlsx(folder / "610631_黄龙县_更正1.xlsx", [_row(1, "610631"), _row(2, "610631")])
        _aged(fixed)
        requests = _sensor_scans(instance, tmp_path / "landing")
        assert [r.partition_key for r in requests] == ["610631|2024-06-01"]
        assert requests[0].tags["minzheng/county_month"] == "黄龙县 2024年6月"

        # once loaded (here a run of the partition), a fresh sensor again requests nothing
        assert materialize(
            [ASSISTANCE], instance=instance, resources=resources, partition_key="610631|2024-06-01"
        ).success
        assert _sensor_scans(instance, tmp_path / "landing") == []

        # a rerun over the unchanged 宝塔区 file: the counts shown are those of the load in the
        # warehouse (the audit), skipped rows (the file's 合计 row) included, not the reload's zeros
        first = by_partition["610602|2024-06-01"]
        assert first[SKIPPED].value >= 1
        assert materialize(
            [ASSISTANCE], instance=instance, resources=resources, partition_key="610602|2024-06-01"
        ).success
        again = instance.fetch_materializations(ASSISTANCE.key, limit=1).records[0].asset_materialization
        assert again.partition == "610602|2024-06-01"
        assert again.metadata[STATUS].value == STATUS_ZH["unchanged"]
        for label in (READ, LOADED, QUARANTINED, SKIPPED):
            assert again.metadata[label].value == first[label].value, label


def test_another_countys_unusable_file_does_not_fail_a_countys_load(tmp_path: Path, resources: dict) -> None:
    """On make demo, 甘泉县's 610627_甘泉县.docx in assistance/2026-01 failed the run of 延长县's _更正1 (one
    partition, 610621): the correction was loaded, but the run was red with 甘泉县's file as its error, its
    raw checks were skipped and the notifier reported 甘泉县's file again; so did every later load of any
    county of that month while the .docx stayed. A refused file fails only its own county's load (and
    a whole-month load); landing_folder_problems reports it once."""
    landing = tmp_path / "landing" / "assistance" / "2024-06"
    write_xlsx(landing / "610602_宝塔区.xlsx", [_row(1, "610602")])
    (landing / "610627_甘泉县.docx").write_bytes(b"PK\x03\x04 a Word document")
    with DagsterInstance.ephemeral() as instance:
        one = materialize(
            [ASSISTANCE],
            instance=instance,
            resources=resources,
            partition_key="610602|2024-06-01",
            raise_on_error=False,
        )
        assert one.success, [e.step_failure_data.error.message for e in one.get_step_failure_events()]
        assert _materialized_partitions(instance) == {"610602|2024-06-01"}
        own = materialize(
            [ASSISTANCE],
            instance=instance,
            resources=resources,
            partition_key="610627|2024-06-01",
            raise_on_error=False,
        )
        assert not own.success  # 甘泉县's own load still says what is wrong with its file
        message = own.get_step_failure_events()[0].step_failure_data.error.message
        assert "610627_甘泉县.docx" in message and ".docx" in message


def test_an_empty_file_is_reported_as_empty(tmp_path: Path, resources: dict) -> None:
    """On make demo an empty 610626_吴起县.csv (0 bytes) was reported as "在文件的前15行中找不到社会救助对象花名册
    的表头；应为：表头包含：序号、姓名、…": true, but it sent the clerk looking for a header in a file that has
    nothing in it. It is reported as empty, with what to do."""
    landing = tmp_path / "landing" / "assistance" / "2024-06"
    landing.mkdir(parents=True)
    (landing / "610626_吴起县.csv").write_bytes(b"")
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [ASSISTANCE],
            instance=instance,
            resources=resources,
            partition_key="610626|2024-06-01",
            raise_on_error=False,
        )
    assert not result.success
    message = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "610626_吴起县.csv" in message and "文件是空的" in message and "重新导出" in message, message


def test_a_run_a_restart_killed_is_noticed_in_chinese(tmp_path: Path, monkeypatch) -> None:
    """On make demo a daemon restart killed the automation's run; the notice said only Dagster's English
    'Execution of run for "__ASSET_JOB" failed. Execution was interrupted unexpectedly…'. It now says in
    Chinese what happened and that the run is retried (deploy/dagster.yaml run_retries)."""
    import json

    from dagster import build_run_status_sensor_context, job, op

    from dagster_project.automation.notify import run_failure_notifier

    monkeypatch.setenv("MINZHENG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MINZHENG_ALERT_WEBHOOK", raising=False)

    @op
    def build() -> None:
        pass

    @job
    def build_warehouse() -> None:
        build()

    with DagsterInstance.ephemeral() as instance:
        run = instance.create_run_for_job(build_warehouse)
        instance.add_run_tags(run.run_id, {"dagster/failure_reason": "UNEXPECTED_TERMINATION"})
        run = instance.get_run_by_id(run.run_id)
        event = instance.report_run_failed(run, "Execution was interrupted unexpectedly.")
        ctx = build_run_status_sensor_context(
            sensor_name="run_failure_notifier",
            dagster_event=event,
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(run.run_id),
        ).for_run_failure()
        run_failure_notifier(ctx)
    [notice] = [
        json.loads(x) for x in (tmp_path / "data" / "logs" / "run_failures.jsonl").read_text().splitlines()
    ]
    assert notice["message"].startswith("运行被意外中断"), notice
    assert "自动重试" in notice["message"]
