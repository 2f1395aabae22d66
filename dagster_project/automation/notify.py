"""Run-failure notification through pluggable notifiers: a log file, and a webhook if configured."""

import datetime as dt
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from dagster import DefaultSensorStatus, RunFailureSensorContext, run_failure_sensor

from ..settings import Settings

WEBHOOK_ENV = "MINZHENG_ALERT_WEBHOOK"  # Settings.alert_webhook


@dataclass(frozen=True)
class FailureNotice:
    run_id: str
    job_name: str
    message: str
    partition: str | None
    failed_at: str

    def as_dict(self) -> dict[str, str | None]:
        return self.__dict__.copy()


class Notifier(Protocol):
    def send(self, notice: FailureNotice) -> None: ...


@dataclass(frozen=True)
class LogFileNotifier:
    path: Path

    def send(self, notice: FailureNotice) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(notice.as_dict(), ensure_ascii=False) + "\n")


@dataclass(frozen=True)
class WebhookNotifier:
    url: str
    timeout: float = 10.0

    def send(self, notice: FailureNotice) -> None:
        body = json.dumps(
            {
                "text": f"数据导入失败：{notice.job_name} {notice.partition or ''}\n{notice.message}",
                **notice.as_dict(),
            },
            ensure_ascii=False,
        ).encode("utf-8")
        req = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=self.timeout):
            pass


def configured_notifiers(settings: Settings | None = None) -> list[Notifier]:
    s = settings or Settings.from_env()
    notifiers: list[Notifier] = [LogFileNotifier(s.data_dir / "logs" / "run_failures.jsonl")]
    if url := s.alert_webhook:
        notifiers.append(WebhookNotifier(url))
    return notifiers


def notice_from(context: RunFailureSensorContext) -> FailureNotice:
    run = context.dagster_run
    tags = run.tags or {}
    partition = tags.get("dagster/partition") or (
        f"{tags['dagster/asset_partition_range_start']}…{tags['dagster/asset_partition_range_end']}"
        if "dagster/asset_partition_range_start" in tags
        else None
    )
    return FailureNotice(
        run_id=run.run_id,
        job_name=run.job_name,
        message=context.failure_event.message or "",
        partition=partition,
        failed_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


@run_failure_sensor(
    description="运行失败时写入日志文件，并在配置了 MINZHENG_ALERT_WEBHOOK 时推送通知",
    default_status=DefaultSensorStatus.RUNNING,
)
def run_failure_notifier(context: RunFailureSensorContext) -> None:
    notice = notice_from(context)
    for notifier in configured_notifiers():
        try:
            notifier.send(notice)
        except OSError as exc:  # a dead webhook must not hide the failure in the log
            context.log.warning(f"notifier {type(notifier).__name__} failed: {exc}")
