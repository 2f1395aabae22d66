"""Run-failure notification through pluggable notifiers: a log file, and a webhook if configured."""

import datetime as dt
import json
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from dagster import DefaultSensorStatus, RunFailureSensorContext, run_failure_sensor

from ..assets.load_metadata import county_month_zh
from ..partitions import county_month_of
from ..settings import Settings

WEBHOOK_ENV = "MINZHENG_ALERT_WEBHOOK"  # Settings.alert_webhook


@dataclass(frozen=True)
class FailureNotice:
    run_id: str
    job_name: str
    message: str
    partition: str | None
    failed_at: str
    source: str | None = None  # 社会救助对象花名册 … (the run's minzheng/source tag)
    county_month: str | None = None  # 宝塔区 2025年12月、… (the run's tag, or its one partition)

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
                "text": "数据导入失败："
                + " ".join(x for x in (notice.source, notice.county_month or notice.partition) if x)
                + f"（{notice.job_name}）\n{notice.message}",
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


# How Dagster prefixes the message of a step that raised dagster.Failure (the Chinese text is the rest).
_FAILURE_CLASS = re.compile(r"^dagster\._core\.definitions\.events\.Failure: ")


# Runs that failed outside their steps, as the run's dagster/failure_reason tag names them (Dagster's own
# message is English): what happened and what happens next, for the clerk and the administrator.
REASONS_ZH = {
    "UNEXPECTED_TERMINATION": "运行被意外中断（服务重启或进程被终止），系统会自动重试一次；重试也失败时请联系管理员。",
    "START_TIMEOUT": "运行长时间未能启动（常见于服务重启），已判定为失败，系统会自动重试一次；重试也失败时请联系管理员。",
    "RUN_WORKER_RESTART": "运行进程意外退出，系统会自动重试一次；重试也失败时请联系管理员。",
}


def failure_message(context: RunFailureSensorContext) -> str:
    """What went wrong, as the steps said it: the Chinese lines of a failed load (which file, what is
    wrong, what it should be) or of landing_folder_problems. The run failure's own message is Dagster's
    English 'Execution of run for "…" failed. Steps failed: […]', which told the clerk nothing; it is
    kept only for a run that failed outside its steps (e.g. it never started)."""
    texts = []
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error if event.step_failure_data else None
        if error is not None and _FAILURE_CLASS.match(error.message or ""):  # (a crash: a class name only)
            texts.append(_FAILURE_CLASS.sub("", error.message.strip()))
    if texts:
        return "\n".join(dict.fromkeys(texts))
    reason = (context.dagster_run.tags or {}).get("dagster/failure_reason", "")
    english = context.failure_event.message or ""
    return f"{REASONS_ZH[reason]}（{english}）" if reason in REASONS_ZH else english


def _county_month(tags: dict[str, str], partition: str | None) -> str | None:
    if shown := tags.get("minzheng/county_month"):
        return shown
    if partition and "…" not in partition:
        try:
            county, month = county_month_of(partition)
        except (ValueError, IndexError):
            return None
        return county_month_zh(county, month) if county else None
    return None


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
        message=failure_message(context),
        partition=partition,
        failed_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        source=tags.get("minzheng/source"),
        county_month=_county_month(tags, partition),
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
