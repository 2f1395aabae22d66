"""Clock-driven loads. Downstream dbt models, checks and publishing follow by declarative automation
(AutomationCondition.eager on the dbt and serving assets), not by a fixed clock."""

import datetime as dt

from dagster import AssetKey, RunRequest, ScheduleEvaluationContext, schedule

from ..ingestion.spec import SOURCES
from ..jobs import raw_monthly_job
from .requests import month_range_tags

TIMEZONE = "Asia/Shanghai"
MONTHLY_SOURCES = ("assistance", "eldercare", "volunteer_roster", "volunteer_service")


def previous_month(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def monthly_request(run_day: dt.date) -> RunRequest:
    month = previous_month(run_day)
    return RunRequest(
        run_key=f"monthly-{month:%Y-%m}",
        asset_selection=[AssetKey(["raw", SOURCES[s].table]) for s in MONTHLY_SOURCES],
        tags={**month_range_tags(month, month), "minzheng/trigger": "monthly_schedule"},
    )


def lottery_request(run_day: dt.date) -> RunRequest:
    """Each morning: the month-to-date of yesterday's month (the daily 销售日报 re-export)."""
    month = (run_day - dt.timedelta(days=1)).replace(day=1)
    return RunRequest(
        run_key=f"lottery-{run_day:%Y-%m-%d}",
        asset_selection=[AssetKey(["raw", SOURCES["lottery"].table])],
        tags={**month_range_tags(month, month), "minzheng/trigger": "lottery_daily_schedule"},
    )


@schedule(
    job=raw_monthly_job,
    cron_schedule="0 6 10 * *",
    execution_timezone=TIMEZONE,
    description="每月10日6时：导入上月的救助、养老、志愿者导出文件（全部县区）",
)
def monthly_exports_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    return monthly_request(context.scheduled_execution_time.date())


@schedule(
    job=raw_monthly_job,
    cron_schedule="0 7 * * *",
    execution_timezone=TIMEZONE,
    description="每天7时：导入福利彩票销售日报（当月累计文件）",
)
def lottery_daily_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    return lottery_request(context.scheduled_execution_time.date())
