"""The one Definitions object of the code location. No logic here: see assets/, automation/, jobs.py."""

from dagster import Definitions, in_process_executor
from dagster_dbt import DbtCliResource

from .assets.checks import quality_checks
from .assets.dbt import dbt_models, dbt_project
from .assets.plan_reports import warning_brief
from .assets.plan_targets import plan_target_templates
from .assets.raw import raw_assets
from .assets.serving import serving_database
from .automation.automation_sensor import automation_sensor
from .automation.landing_problems import landing_problems_job
from .automation.landing_sensor import landing_sensor
from .automation.notify import run_failure_notifier
from .automation.plan_targets_sensor import plan_targets_sensor
from .automation.schedules import lottery_daily_schedule, monthly_exports_schedule
from .jobs import lottery_job, plan_targets_job, raw_monthly_job, warehouse_job
from .resources import dbt_executable, default_resources
from .settings import process_settings

defs = Definitions(
    assets=[*raw_assets, dbt_models, serving_database, plan_target_templates, warning_brief],
    asset_checks=quality_checks,
    jobs=[raw_monthly_job, lottery_job, warehouse_job, landing_problems_job, plan_targets_job],
    schedules=[monthly_exports_schedule, lottery_daily_schedule],
    sensors=[landing_sensor, plan_targets_sensor, run_failure_notifier, automation_sensor],
    # Every step that touches the warehouse is in the pool of one (deploy/dagster.yaml), so a run's steps
    # run one after another anyway: one process per run saves a project import (and dbt manifest load)
    # per step, which is most of the time between a dropped file and the published dashboards.
    executor=in_process_executor,
    resources={
        **default_resources(process_settings()),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    },
)
