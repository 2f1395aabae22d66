"""A sensor on <landing>/plan_targets/: a plan-target / 填报 template a clerk drops there is loaded by a run
of plan/target_templates, with no click in the UI (the plan models and the serving file follow by their
automation conditions, as after a raw load).

As for exports (landing_sensor.py), a file counts once it is stable: size and mtime unchanged since the
previous tick and older than STABLE_SECONDS. The sensor never opens the warehouse: it compares the files'
sha256 with the hashes the newest materialization of plan/target_templates recorded (every template in
the registry after that run), so a first scan over a folder that is already loaded requests nothing. A
rejected template records no materialization; its run key (the hashes of the files not yet loaded) keeps
the sensor from requesting it again, until the clerk puts a corrected file in or takes it out.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from dagster import (
    AssetKey,
    DagsterInstance,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from ..assets.plan_targets import TEMPLATE_FOLDER, TEMPLATE_SHA256
from ..ingestion.landing import file_sha256, is_candidate
from ..jobs import plan_targets_job
from ..resources import LandingResource
from .landing_sensor import settled, tick_interval

TEMPLATES = AssetKey(["plan", "target_templates"])


def stable_templates(folder: Path, cursor: dict, now: float) -> tuple[dict[str, str], dict]:
    """{file name: sha256} of the stable templates in `folder`, and the new cursor (per file: size, mtime
    and the sha256 computed for that mtime, so an unchanged file is hashed once)."""
    found: dict[str, str] = {}
    new_cursor: dict = {}
    if not folder.is_dir():
        return found, new_cursor
    for path in sorted(p for p in folder.iterdir() if is_candidate(p)):
        try:
            st = path.stat()
        except OSError:  # gone since it was listed
            continue
        prev = cursor.get(path.name, {})
        entry = {"size": st.st_size, "mtime": st.st_mtime, "sha": None}
        new_cursor[path.name] = entry
        if not settled(prev, st, now):
            continue  # new, still being copied, or too fresh: look again next tick
        try:
            entry["sha"] = prev.get("sha") or file_sha256(path)
        except OSError:  # removed or locked while being read: looked at again next tick
            entry.update(size=None, mtime=None)
            continue
        found[path.name] = entry["sha"]
    return found, new_cursor


def registered_hashes(instance: DagsterInstance) -> set[str]:
    """The hashes of the templates in the registry, as the newest materialization recorded them."""
    event = instance.get_latest_materialization_event(TEMPLATES)
    materialization = event.asset_materialization if event is not None else None
    if materialization is None:
        return set()
    value = materialization.metadata.get(TEMPLATE_SHA256)
    return set(value.value) if value is not None else set()


def template_request(new: dict[str, str]) -> RunRequest:
    names = sorted(new)
    key = hashlib.sha256(",".join(sorted(new.values())).encode()).hexdigest()[:16]
    return RunRequest(
        run_key=f"plan_targets:{key}",
        job_name=plan_targets_job.name,
        tags={
            "minzheng/trigger": "plan_targets_sensor",
            "minzheng/files": str(len(names)),
            "minzheng/template": "、".join(names[:3]) + (f" 等{len(names)}个文件" if len(names) > 3 else ""),
        },
    )


@sensor(
    jobs=[plan_targets_job],
    minimum_interval_seconds=tick_interval(),
    default_status=DefaultSensorStatus.RUNNING,
    description="着陆文件夹 plan_targets/ 有新的或更改过的规划目标/填报模板时，自动校验并导入（无需手动启动）",
)
def plan_targets_sensor(context: SensorEvaluationContext, landing: LandingResource):
    cursor = json.loads(context.cursor) if context.cursor else {}
    stable, new_cursor = stable_templates(landing.dir / TEMPLATE_FOLDER, cursor, time.time())
    context.update_cursor(json.dumps(new_cursor))
    if not stable:
        return SkipReason("plan_targets/ 中没有新的稳定文件")
    known = registered_hashes(context.instance)
    new = {name: sha for name, sha in stable.items() if sha not in known}
    if not new:
        return SkipReason(f"plan_targets/ 中的 {len(stable)} 个文件均已导入")
    return [template_request(new)]
