"""A plan-target / 填报 template dropped in <landing>/plan_targets/ is loaded with no click: the sensor,
evaluated against a real Dagster instance, requests a run of load_plan_targets once the file is stable;
the run (real asset, real warehouse) records the templates' hashes, so the next ticks and a fresh cursor
over the loaded folder request nothing; a rejected template is not requested again until it changes."""

from __future__ import annotations

import os
import time
from pathlib import Path

from dagster import DagsterInstance, build_sensor_context

from dagster_project.automation.landing_sensor import STABLE_SECONDS
from dagster_project.automation.plan_targets_sensor import plan_targets_sensor
from dagster_project.definitions import defs
from dagster_project.jobs import plan_targets_job
from dagster_project.resources import LandingResource
from tests.pipeline.test_plan_target_asset import query, run_templates
from tests.targets.test_template import HEADER, YANAN_PLAN

GOOD = f"610600,,smart_communities,,2020,14,2025,>=,95,,,{YANAN_PLAN},专栏3-1\n"
BAD = f"610600,,no_such_indicator,,2020,,2025,>=,55,,,{YANAN_PLAN},x\n"


def _drop(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_bytes((HEADER + body).encode("gbk"))
    t = time.time() - STABLE_SECONDS - 5  # copied a while ago: stable once seen twice
    os.utime(path, (t, t))
    return path


def _tick(instance: DagsterInstance, landing: Path, cursor: str | None):
    ctx = build_sensor_context(
        instance=instance, cursor=cursor, resources={"landing": LandingResource(path=str(landing))}
    )
    result = plan_targets_sensor(ctx)
    return (result if isinstance(result, list) else []), ctx.cursor


def _two_ticks(instance: DagsterInstance, landing: Path, cursor: str | None):
    first, cursor = _tick(instance, landing, cursor)
    assert first == []  # first sight of a file: not yet known to be stable
    return _tick(instance, landing, cursor)


def _targets(tmp_path: Path) -> list[tuple]:
    return query(tmp_path, "select region_code, indicator_code, target_value from raw.plan_target_upload")


def test_the_sensor_and_its_job_are_deployed() -> None:
    assert defs.resolve_sensor_def("plan_targets_sensor").job_name == plan_targets_job.name
    assert defs.resolve_job_def(plan_targets_job.name) is not None


def test_a_dropped_template_is_requested_once_loaded_and_then_left_alone(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "plan_targets"
    folder.mkdir(parents=True)
    with DagsterInstance.ephemeral() as instance:
        assert _two_ticks(instance, landing, None)[0] == []  # an empty folder: nothing to do

        _drop(folder, "延安目标调整.csv", GOOD)
        requests, cursor = _two_ticks(instance, landing, None)
        [request] = requests
        assert request.job_name == "load_plan_targets"
        assert request.tags["minzheng/template"] == "延安目标调整.csv"

        assert run_templates(instance, tmp_path).success  # what the daemon launches for the request
        assert _targets(tmp_path) == [("610600", "smart_communities", "95")]

        again, cursor = _tick(instance, landing, cursor)
        assert again == []
        fresh, _ = _two_ticks(instance, landing, None)  # the sensor switched on over a loaded folder
        assert fresh == []

        # a second template: only it is new, and it is requested
        _drop(folder, "宝塔区填报.csv", GOOD.replace(",95,", ",96,"))
        requests, cursor = _two_ticks(instance, landing, cursor)
        [second] = requests
        assert second.tags["minzheng/template"] == "宝塔区填报.csv" and second.run_key != request.run_key


def test_a_rejected_template_is_not_requested_again_until_it_changes(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "plan_targets"
    folder.mkdir(parents=True)
    with DagsterInstance.ephemeral() as instance:
        bad = _drop(folder, "宝塔区目标.csv", GOOD + BAD)
        [first], cursor = _two_ticks(instance, landing, None)
        assert not run_templates(instance, tmp_path).success  # rejected: nothing loaded, no materialization
        assert _targets(tmp_path) == []

        # the same file on the next tick: the same run key, which Dagster does not launch twice
        [repeat], cursor = _tick(instance, landing, cursor)
        assert repeat.run_key == first.run_key

        # the clerk corrects the file: a new run key, and the corrected template loads
        bad.write_bytes((HEADER + GOOD).encode("gbk"))
        t = time.time() - STABLE_SECONDS - 5
        os.utime(bad, (t, t))
        [corrected], cursor = _two_ticks(instance, landing, cursor)
        assert corrected.run_key != first.run_key
        assert run_templates(instance, tmp_path).success
        assert _targets(tmp_path) == [("610600", "smart_communities", "95")]
        assert _tick(instance, landing, cursor)[0] == []
