"""The plan-target template loader as a Dagster asset: a good template becomes one load of the warehouse
registry (file, when, who), an unchanged file is not loaded twice, a bad template fails with the clerk's
message and loads no row, and nothing that runs writes into the repository's checkout."""

import subprocess
from pathlib import Path

import duckdb
from dagster import DagsterInstance, materialize

from dagster_project.assets.plan_targets import plan_target_templates
from dagster_project.resources import LandingResource, WarehouseResource
from dagster_project.settings import REPO_ROOT
from tests.targets.test_template import HEADER, YANAN_PLAN


def _git_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def run_templates(instance: DagsterInstance, tmp_path: Path):
    """One run of plan/target_templates over <tmp_path>/landing into <tmp_path>/warehouse.duckdb."""
    return materialize(
        [plan_target_templates],
        instance=instance,
        raise_on_error=False,
        resources={
            "landing": LandingResource(path=str(tmp_path / "landing")),
            "warehouse": WarehouseResource(path=str(tmp_path / "warehouse.duckdb")),
        },
    )


def _run(tmp_path: Path):
    with DagsterInstance.ephemeral() as instance:
        return run_templates(instance, tmp_path)


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "landing" / "plan_targets"
    folder.mkdir(parents=True)
    return folder


def test_good_template_is_one_load_of_the_warehouse_and_the_checkout_is_untouched(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    body = (
        f"610600,,smart_communities,,2020,14,2025,>=,95,,,{YANAN_PLAN},专栏3-1\n"
        "610602,延安市宝塔区,,社会工作专业人才,2020,0,2025,不少于,600,,,宝塔区民政事业发展规划,第四章\n"
    )
    (folder / "延安目标调整.csv").write_bytes((HEADER + body).encode("gbk"))
    before = _git_status()

    result = _run(tmp_path)
    assert result.success
    assert _git_status() == before, "running the asset changed files of the repository"
    targets = query(
        tmp_path,
        "select region_code, indicator_code, target_value, target_basis from raw.plan_target_upload order by 1",
    )
    assert targets == [
        ("610600", "smart_communities", "95", "plan"),
        ("610602", "social_work_professionals", "600", "breakdown"),
    ]
    audit = query(
        tmp_path,
        "select source_file, status, loaded_by, targets_updated, breakdown_added from raw.plan_upload_audit",
    )
    assert len(audit) == 1 and audit[0][0] == "延安目标调整.csv" and audit[0][1] == "loaded" and audit[0][2]
    assert audit[0][3:] == (1, 1)
    assert query(tmp_path, "select count(*) from raw.plan_document_upload") == [(1,)]  # 宝塔区 plan, new

    again = _run(tmp_path)  # the same file again: not loaded twice
    assert again.success
    assert query(tmp_path, "select count(*) from raw.plan_upload_audit") == [(1,)]
    metadata = again.asset_materializations_for_node("plan__target_templates")[0].metadata
    assert metadata["unchanged"].value == ["延安目标调整.csv"]
    assert _git_status() == before


def test_bad_template_fails_the_asset_and_writes_nothing(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    body = (
        f"610600,,smart_communities,,2020,14,2025,>=,90,,,{YANAN_PLAN},专栏3-1\n"
        f"610600,,no_such_indicator,,2020,,2025,>=,55,,,{YANAN_PLAN},x\n"
    )
    (folder / "宝塔区目标.csv").write_bytes((HEADER + body).encode("gbk"))
    before = _git_status()
    result = _run(tmp_path)
    assert not result.success
    message = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "宝塔区目标.csv" in message and "第3行" in message and "未知的指标代码" in message
    assert query(tmp_path, "select count(*) from raw.plan_target_upload") == [(0,)]
    assert query(tmp_path, "select source_file, status from raw.plan_upload_audit") == [
        ("宝塔区目标.csv", "rejected")
    ]
    assert _git_status() == before
