"""Schedules, the landing sensor and failure notification, evaluated against a real Dagster instance."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import threading
import time
from pathlib import Path

from dagster import DagsterInstance, build_schedule_context, build_sensor_context

from dagster_project.automation.landing_sensor import STABLE_SECONDS, landing_sensor, scan
from dagster_project.automation.notify import FailureNotice, LogFileNotifier, WebhookNotifier
from dagster_project.automation.schedules import lottery_daily_schedule, monthly_exports_schedule
from dagster_project.resources import LandingResource
from tests.ingestion.exports import clean_row, write_xlsx


def _age(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_monthly_schedule_requests_previous_month_for_all_counties() -> None:
    with DagsterInstance.ephemeral() as instance:
        ctx = build_schedule_context(
            instance=instance, scheduled_execution_time=dt.datetime(2025, 7, 10, 6, 0)
        )
        req = monthly_exports_schedule(ctx)
    assert req.tags["dagster/asset_partition_range_start"] == "610602|2025-06-01"
    assert req.tags["dagster/asset_partition_range_end"] == "610681|2025-06-01"
    assert {k.path[1] for k in req.asset_selection} == {
        "assistance_roster",
        "eldercare_institutions",
        "volunteer_roster",
        "volunteer_service",
    }


def test_lottery_schedule_loads_yesterday_each_morning() -> None:
    """Day partitions: yesterday × all counties (more in test_lottery_days.py)."""
    with DagsterInstance.ephemeral() as instance:
        first = lottery_daily_schedule(
            build_schedule_context(instance=instance, scheduled_execution_time=dt.datetime(2025, 7, 1, 7))
        )
        mid = lottery_daily_schedule(
            build_schedule_context(instance=instance, scheduled_execution_time=dt.datetime(2025, 7, 15, 7))
        )
    assert first.tags["dagster/asset_partition_range_start"] == "610602|2025-06-30"  # 1 July: June closes
    assert mid.tags["dagster/asset_partition_range_start"] == "610602|2025-07-14"
    assert mid.tags["dagster/asset_partition_range_end"] == "610681|2025-07-14"
    assert [k.path[1] for k in mid.asset_selection] == ["lottery_sales"]


def test_sensor_waits_for_stable_files_and_keys_on_content(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "assistance" / "2024-06"
    f = write_xlsx(folder / "610602_宝塔区.xlsx", [clean_row(1)])
    (folder / "610603_安塞区.xlsx.part").write_bytes(b"half-copied")  # temp name: never picked up
    (folder / "~$610602_宝塔区.xlsx").write_bytes(b"lock")
    now = time.time()
    changed, cursor = scan(landing, {}, now)
    assert changed == []  # first sight: not yet known to be stable
    changed, cursor = scan(landing, cursor, now + 1)
    assert changed == []  # stable size, but younger than STABLE_SECONDS
    _age(f, STABLE_SECONDS + 5)
    changed, cursor = scan(landing, cursor, time.time())
    assert changed == []  # mtime changed since last look: treated as still being written
    changed, cursor = scan(landing, cursor, time.time())
    assert [(c.source, c.period, c.county_code) for c in changed] == [
        ("assistance", dt.date(2024, 6, 1), "610602")
    ]
    assert scan(landing, cursor, time.time())[0] == []  # same content: nothing to do
    # touched but identical content: no new run
    _age(f, STABLE_SECONDS + 2)
    _, cursor = scan(landing, cursor, time.time())
    assert scan(landing, cursor, time.time())[0] == []
    # a re-export with different content: a new run for exactly that partition
    write_xlsx(f, [clean_row(1), clean_row(2)])
    _age(f, STABLE_SECONDS + 1)
    _, cursor = scan(landing, cursor, time.time())
    assert [c.county_code for c in scan(landing, cursor, time.time())[0]] == ["610602"]


def test_sensor_evaluation_emits_one_run_per_changed_partition(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    f = write_xlsx(landing / "eldercare" / "2025-03" / "610631_黄龙县.xlsx", [clean_row(1)])
    _age(f, STABLE_SECONDS + 5)
    with DagsterInstance.ephemeral() as instance:
        ctx = build_sensor_context(
            instance=instance, resources={"landing": LandingResource(path=str(landing))}
        )
        landing_sensor(ctx)  # first look
        ctx2 = build_sensor_context(
            instance=instance, cursor=ctx.cursor, resources={"landing": LandingResource(path=str(landing))}
        )
        result = landing_sensor(ctx2)
    requests = list(result) if isinstance(result, list) else []
    assert len(requests) == 1
    assert requests[0].partition_key == "610631|2025-03-01"
    assert [k.path for k in requests[0].asset_selection] == [["raw", "eldercare_institutions"]]


def test_failure_notifiers_log_file_and_webhook(tmp_path: Path) -> None:
    received: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        notice = FailureNotice(
            "run-1", "load_jinmin_exports", "文件无法导入", "610602|2024-06-01", "2024-07-10T06:00:00"
        )
        LogFileNotifier(tmp_path / "logs" / "failures.jsonl").send(notice)
        WebhookNotifier(f"http://127.0.0.1:{server.server_port}/hook").send(notice)
    finally:
        server.shutdown()
    logged = json.loads((tmp_path / "logs" / "failures.jsonl").read_text().splitlines()[0])
    assert logged["run_id"] == "run-1" and logged["message"] == "文件无法导入"
    assert received[0]["partition"] == "610602|2024-06-01" and "数据导入失败" in received[0]["text"]
