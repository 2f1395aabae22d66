"""A sensor on the landing folder: a new or changed export (by content hash) launches its partition.

A file is only considered once it is stable: its size and mtime unchanged since the previous tick and
older than STABLE_SECONDS (a half-copied file is still growing). Temp and lock names are ignored.
The cursor maps each file to its last seen (size, mtime) and the sha256 already requested.

Only the files that count for their county-month are considered (each part's highest _更正N, as the
load picks them), and never one whose content is already loaded: each raw materialization records the
sha256 of every loaded file of its county-month (assets/load_metadata.py), and the sensor compares with
the newest one of the partition in the Dagster instance. So the first scan over a folder that is already loaded (a fresh cursor, the sensor
switched on after `make demo` loaded everything) requests nothing, and the sensor never opens the
warehouse (one writer at a time: a load may be writing it).

Monthly sources: the run is the file's month × county partition (load_jinmin_exports).
Lottery (day × county, load_lottery_sales): a changed month-to-date 销售日报 requests every closed day of
its month for its county (the whole month for a past month, the 1st to yesterday for the current
one), not only the days the sensor could find in the file: the sensor hashes files but never parses
them (parsing, quarantine and audit are the load's job, and a 更正 re-export may change any day), and
the run's materializations then name exactly the days present in the file. A file whose month has no
closed day yet (a July file on 1 July) is left to the next morning's lottery schedule.
"""

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    DagsterInstance,
    DefaultSensorStatus,
    RunConfig,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from ..assets.load_metadata import SHA256, county_month_zh, loaded_sha256s
from ..ingestion.landing import effective_files, export_file, file_sha256, is_candidate
from ..ingestion.region import region_lookup
from ..ingestion.spec import SOURCES
from ..jobs import lottery_job, raw_job_for, raw_monthly_job
from ..partitions import (
    TIMEZONE,
    all_counties,
    county_month_of,
    day_county_key,
    last_closed_day,
    month_county,
    month_county_key,
    month_end,
)
from ..resources import LandingResource
from ..settings import process_settings
from .landing_problems import Problem, find_problems, landing_problems_job, month_in_range, month_of
from .requests import lottery_month_tags, month_range_tags

STABLE_SECONDS = 10.0


def tick_interval() -> int:
    """Seconds between sensor ticks (MINZHENG_SENSOR_INTERVAL_SECONDS; tests shorten it, 30 s by default)."""
    return process_settings().sensor_interval_seconds


@dataclass(frozen=True)
class LandedFile:
    source: str
    period: dt.date
    county_code: str
    relative: str
    sha256: str


def settled(prev: dict, st: os.stat_result, now: float) -> bool:
    """A file is stable: the size and mtime the previous tick saw (`prev`, its cursor entry) are unchanged
    and it is older than STABLE_SECONDS."""
    return (
        prev.get("size") == st.st_size
        and prev.get("mtime") == st.st_mtime
        and now - st.st_mtime >= STABLE_SECONDS
    )


def scan(landing_dir: Path, cursor: dict, now: float) -> tuple[list[LandedFile], dict]:
    """Changed stable files since the cursor, and the new cursor. Pure function of the folder state."""
    new_cursor: dict = {}
    changed: list[LandedFile] = []
    resolve = region_lookup().resolve_county
    for source in SOURCES:
        root = landing_dir / source
        if not root.is_dir():
            continue
        for month_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            period = month_of(month_dir.name)
            if period is None:
                continue
            paths = sorted(p for p in month_dir.iterdir() if is_candidate(p))
            counted = _effective(paths, landing_dir, resolve)
            for path, found in counted.items():
                rel = found.relative
                st = path.stat()
                prev = cursor.get(rel, {})
                entry = {
                    "size": st.st_size,
                    "mtime": st.st_mtime,
                    "sha": prev.get("sha"),
                    "sha_mtime": prev.get("sha_mtime"),
                }
                new_cursor[rel] = entry
                if not settled(prev, st, now):
                    continue  # new, still growing, or too fresh: look again next tick
                sha = prev["sha"] if prev.get("sha_mtime") == st.st_mtime else file_sha256(path)
                entry.update(sha=sha, sha_mtime=st.st_mtime)
                if sha != prev.get("sha") and found.county_code and found.loaded:
                    landed = LandedFile(source, period, found.county_code, rel, sha)
                    if has_partition(landed):
                        changed.append(landed)
                    elif waits_for_month_end(landed, now):
                        entry.update(sha=None, sha_mtime=None)  # looked at again until the month has ended
                    # else: reported by find_problems (a month or county without partitions)
    return changed, new_cursor


def _today(now: float) -> dt.date:
    return dt.datetime.fromtimestamp(now, ZoneInfo(TIMEZONE)).date()


def has_partition(f: LandedFile) -> bool:
    """Whether the file's partition(s) exist: a county of the region, a month from PLAN_START on, and for a
    monthly source a month that has ended (a run for a missing partition fails the sensor's whole tick)."""
    if f.county_code not in all_counties():
        return False
    if SOURCES[f.source].daily:
        return month_in_range(f.period, last_closed_day())
    return month_county.has_partition_key(str(month_county_key(f.period, f.county_code)))


def waits_for_month_end(f: LandedFile, now: float) -> bool:
    """A monthly export of the current month (dropped before the month ended): loaded once it has."""
    today = _today(now)
    return f.county_code in all_counties() and f.period == today.replace(day=1)


@dataclass(frozen=True)
class _Found:
    relative: str  # as the load records it (landing.relative_name: valid text for any file name)
    county_code: str | None
    loaded: bool  # one of the files the load would pick


def _effective(paths: list[Path], landing_dir: Path, resolve) -> dict[Path, _Found]:
    """Every candidate file, marked whether the load would pick it (each part of its county-month, at its
    highest _更正N): a superseded original is never a reason to run."""
    files = [export_file(path, landing_dir, resolve) for path in paths]
    chosen, _ = effective_files(files)
    picked = {f.path for parts in chosen.values() for f in parts}
    return {f.path: _Found(f.relative, f.county_code, f.path in picked) for f in files}


def _partition_keys(f: LandedFile) -> list[str]:
    """The partitions whose materializations carry the hash of `f`'s county-month load."""
    if not SOURCES[f.source].daily:
        return [str(month_county_key(f.period, f.county_code))]
    last = min(month_end(f.period), last_closed_day())
    days = (last - f.period).days + 1
    return [str(day_county_key(f.period + dt.timedelta(days=i), f.county_code)) for i in range(max(days, 0))]


def _county_month(partition: str) -> tuple[str | None, dt.date]:
    return county_month_of(partition)


PAGE = 1000
FEW = 20  # up to this many files, one query per file; more (a first scan), one pass over the asset


def loaded_hashes(
    instance: DagsterInstance, source: str, files: Iterable[LandedFile]
) -> dict[tuple[str, dt.date], str]:
    """{(county, month): sha256 of the loaded files, comma-separated} from the newest materialization of
    each county-month of the files, as recorded by the raw asset."""
    key = AssetKey(["raw", SOURCES[source].table])
    wanted = {(f.county_code, f.period): f for f in files}
    found: dict[tuple[str, dt.date], str] = {}

    def take(records) -> None:
        for record in records:
            m = record.asset_materialization
            if m is None or m.partition is None:
                continue
            cm = _county_month(str(m.partition))
            value = m.metadata.get(SHA256)
            if cm in wanted and cm not in found and value is not None:
                found[cm] = str(value.value)

    if len(wanted) <= FEW:
        for f in wanted.values():
            keys = _partition_keys(f)
            if keys:  # (a lottery month without a closed day has no partition yet)
                take(
                    instance.fetch_materializations(
                        AssetRecordsFilter(asset_key=key, asset_partitions=keys), limit=1
                    ).records
                )
        return found
    cursor = None
    while len(found) < len(wanted):
        result = instance.fetch_materializations(key, limit=PAGE, cursor=cursor)
        take(result.records)
        if not result.has_more:
            break
        cursor = result.cursor
    return found


def not_loaded(instance: DagsterInstance, changed: list[LandedFile]) -> list[LandedFile]:
    """The changed files whose content is not what is loaded for their county-month."""
    out = []
    for source in sorted({f.source for f in changed}):
        files = [f for f in changed if f.source == source]
        loaded = loaded_hashes(instance, source, files)
        out += [f for f in files if f.sha256 not in loaded_sha256s(loaded.get((f.county_code, f.period), ""))]
    return out


def run_requests(changed: list[LandedFile], now: dt.datetime | None = None) -> list[RunRequest]:
    """One run per source: the partition(s) of one changed file, or the rectangle covering several (a
    first scan of a full folder); reloading an unchanged county-month is a no-op ('unchanged')."""
    by_source: dict[str, list[LandedFile]] = {}
    for f in changed:
        by_source.setdefault(f.source, []).append(f)
    requests = []
    for source, files in sorted(by_source.items()):
        key = [AssetKey(["raw", SOURCES[source].table])]
        run_key = f"{source}:" + ",".join(sorted(f"{f.relative}@{f.sha256[:12]}" for f in files))
        tags = {
            "minzheng/trigger": "landing_sensor",
            "minzheng/files": str(len(files)),
            "minzheng/source": SOURCES[source].title_zh,
            "minzheng/county_month": "、".join(
                county_month_zh(f.county_code, f.period) for f in sorted(files, key=lambda f: f.relative)[:5]
            )
            + (f" 等{len(files)}个文件" if len(files) > 5 else ""),
        }
        job_name = raw_job_for(source).name
        first, last = min(f.period for f in files), max(f.period for f in files)
        counties = sorted({f.county_code for f in files})
        if SOURCES[source].daily:
            days = lottery_month_tags(first, last, counties, now)
            if days is None:
                continue  # no closed day in those months yet: the 07:00 schedule loads them
            requests.append(
                RunRequest(run_key=run_key, job_name=job_name, asset_selection=key, tags=tags | days)
            )
        elif len(files) == 1:
            f = files[0]
            requests.append(
                RunRequest(
                    run_key=run_key,
                    job_name=job_name,
                    asset_selection=key,
                    tags=tags,
                    partition_key=month_county_key(f.period, f.county_code),
                )
            )
        else:
            tags |= month_range_tags(first, last, counties)
            requests.append(RunRequest(run_key=run_key, job_name=job_name, asset_selection=key, tags=tags))
    return requests


PROBLEMS = "problems"  # cursor key: {entry: stamp} of the problems already reported


def problem_request(
    problems: list[Problem], reported: dict[str, str]
) -> tuple[RunRequest | None, dict[str, str]]:
    """A run of landing_folder_problems for the problems not reported yet (or changed since), and the new
    record of reported problems (a problem that went away is forgotten: if it comes back, it is new)."""
    now_reported = {p.relative: p.stamp for p in problems}
    new = [p for p in problems if reported.get(p.relative) != p.stamp]
    if not new:
        return None, now_reported
    texts = [p.text() for p in new]
    key = hashlib.sha256("\n".join(f"{p.relative}@{p.stamp}" for p in new).encode()).hexdigest()[:16]
    request = RunRequest(
        run_key=f"problems:{key}",
        job_name=landing_problems_job.name,
        run_config=RunConfig(ops={"report_landing_problems": {"config": {"problems": texts}}}),
        tags={
            "minzheng/trigger": "landing_sensor",
            "minzheng/files": str(len(new)),
            "minzheng/problem": "、".join(p.relative for p in new[:3])
            + (f" 等{len(new)}项" if len(new) > 3 else ""),
        },
    )
    return request, now_reported


@sensor(
    jobs=[raw_monthly_job, lottery_job, landing_problems_job],
    minimum_interval_seconds=tick_interval(),
    default_status=DefaultSensorStatus.RUNNING,
    description="着陆文件夹有新的或更改过的导出文件时，导入对应的分区（月份×县区；福彩为该文件所在月份已结束的各日×县区）",
)
def landing_sensor(context: SensorEvaluationContext, landing: LandingResource):
    cursor = json.loads(context.cursor) if context.cursor else {}
    now = time.time()
    reported = cursor.pop(PROBLEMS, {})
    changed, new_cursor = scan(landing.dir, cursor, now)
    todo = not_loaded(context.instance, changed) if changed else []
    problems = find_problems(landing.dir, _today(now), region_lookup().resolve_county, STABLE_SECONDS, now)
    problem_run, new_cursor[PROBLEMS] = problem_request(problems, reported)
    context.update_cursor(json.dumps(new_cursor))
    requests = run_requests(todo) + ([problem_run] if problem_run else [])
    if not requests:
        already = f"（{len(changed)} 个文件的内容已经导入）" if changed else ""
        waiting = f"；{len(problems)} 个文件或文件夹无法导入，已报告" if problems else ""
        return SkipReason(f"没有新的或更改过的稳定文件{already}{waiting}")
    return requests
