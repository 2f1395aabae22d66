"""Clock-driven loads. Downstream dbt models, checks and publishing follow by declarative automation
(automation/conditions.py on the dbt and serving assets, the checks' own condition), not by a clock.

- monthly_exports_schedule: on the 10th at 06:00 (Asia/Shanghai), the previous month of the four monthly
  sources for all counties, one run (load_jinmin_exports).
- lottery_daily_schedule: every day at 07:00, yesterday's day partition for all counties, one run
  (load_lottery_sales). Loading it loads each county's latest month-to-date 销售日报 of yesterday's
  month and materializes every day that file holds (see assets/raw.py); on the 1st that is the
  previous month's final export.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from dagster import AssetKey, DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

from ..ingestion.spec import SOURCES
from ..jobs import DAILY_SOURCES, MONTHLY_SOURCES, lottery_job, raw_monthly_job
from ..partitions import TIMEZONE
from .requests import day_range_tags, month_range_tags


def _run_day(context: ScheduleEvaluationContext) -> dt.date:
    """The tick's calendar day in Asia/Shanghai (a naive time is taken as already local)."""
    t = context.scheduled_execution_time
    return (t.astimezone(ZoneInfo(TIMEZONE)) if t.tzinfo else t).date()


def previous_month(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def monthly_request(run_day: dt.date) -> RunRequest:
    month = previous_month(run_day)
    return RunRequest(
        run_key=f"monthly-{month:%Y-%m}",
        asset_selection=[AssetKey(["raw", SOURCES[s].table]) for s in MONTHLY_SOURCES],
        tags={
            **month_range_tags(month, month),
            "minzheng/trigger": "monthly_schedule",
            "minzheng/county_month": f"全部县区 {month.year}年{month.month}月",
        },
    )


def lottery_request(run_day: dt.date) -> RunRequest:
    """Each morning: yesterday × all counties (the daily 销售日报 re-export of yesterday's month)."""
    yesterday = run_day - dt.timedelta(days=1)
    return RunRequest(
        run_key=f"lottery-{yesterday:%Y-%m-%d}",
        asset_selection=[AssetKey(["raw", SOURCES[s].table]) for s in DAILY_SOURCES],
        tags={
            **day_range_tags(yesterday, yesterday),
            "minzheng/trigger": "lottery_daily_schedule",
            "minzheng/county_month": f"全部县区 {yesterday.year}年{yesterday.month}月{yesterday.day}日",
        },
    )


@schedule(
    job=raw_monthly_job,
    cron_schedule="0 6 10 * *",
    execution_timezone=TIMEZONE,
    default_status=DefaultScheduleStatus.RUNNING,
    description="每月10日6时：导入上月的救助、养老、志愿者导出文件（全部县区）",
)
def monthly_exports_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    return monthly_request(_run_day(context))


@schedule(
    job=lottery_job,
    cron_schedule="0 7 * * *",
    execution_timezone=TIMEZONE,
    default_status=DefaultScheduleStatus.RUNNING,
    description="每天7时：导入昨天的福利彩票销售日报（全部县区；读取当月累计文件，文件中的日期都登记为已导入）",
)
def lottery_daily_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    return lottery_request(_run_day(context))
