"""The sensor that evaluates the automation conditions (automation/conditions.py on the dbt models, the
serving file's eager condition, the quality checks' CHECK_AUTOMATION): on by default, so a fresh
instance (make demo, a new deployment) refreshes models, checks, the publish step and the clerk
reports after every raw load without anyone switching it on in the UI.
"""

from dagster import AssetSelection, AutomationConditionSensorDefinition, DefaultSensorStatus

from .landing_sensor import tick_interval

automation_sensor = AutomationConditionSensorDefinition(
    "minzheng_automation",
    target=AssetSelection.all(),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=tick_interval(),
    description="原始数据导入并通过检查后，自动运行质量检查、dbt 模型、发布看板数据库与质量报告",
)
