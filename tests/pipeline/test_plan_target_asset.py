"""The plan-target template loader as a Dagster asset: a bad template fails with the clerk's message and
changes nothing in the registry."""

import hashlib
from pathlib import Path

from dagster import DagsterInstance, materialize

from dagster_project.assets.plan_targets import plan_target_templates
from dagster_project.resources import LandingResource
from dagster_project.settings import DBT_PROJECT_DIR
from tests.targets.test_template import HEADER, YANAN_PLAN


def _registry() -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (DBT_PROJECT_DIR / "seeds").glob("plan_*.csv")
    }


def test_bad_template_fails_the_asset_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "landing" / "plan_targets"
    folder.mkdir(parents=True)
    body = (
        f"610600,,smart_communities,,2020,14,2025,>=,90,,,{YANAN_PLAN},专栏3-1\n"
        f"610600,,no_such_indicator,,2020,,2025,>=,55,,,{YANAN_PLAN},x\n"
    )
    (folder / "宝塔区目标.csv").write_bytes((HEADER + body).encode("gbk"))
    before = _registry()
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [plan_target_templates],
            instance=instance,
            raise_on_error=False,
            resources={"landing": LandingResource(path=str(tmp_path / "landing"))},
        )
    assert not result.success
    message = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "宝塔区目标.csv" in message and "第3行" in message and "未知的指标代码" in message
    assert _registry() == before
