"""A sensor on the landing folder: a new or changed export (by content hash) launches its partition.

A file is only considered once it is stable: its size and mtime unchanged since the previous tick and
older than STABLE_SECONDS (a half-copied file is still growing). Temp and lock names are ignored.
The cursor maps each file to its last seen (size, mtime) and the sha256 already requested.

Monthly sources: the run is the file's month × county partition (load_jinmin_exports).
Lottery (day × county, load_lottery_sales): a changed month-to-date 销售日报 requests every closed day of
its month for its county (the whole month for a past month, the 1st to yesterday for the current
one), not only the days the sensor could find in the file: the sensor hashes files but never parses
them (parsing, quarantine and audit are the load's job, and a 更正 re-export may change any day), and
the run's materializations then name exactly the days present in the file. A file whose month has no
closed day yet (a July file on 1 July) is left to the next morning's lottery schedule.
"""

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

from dagster import AssetKey, RunRequest, SensorEvaluationContext, SkipReason, sensor

from ..ingestion.landing import file_sha256, is_candidate, parse_name
from ..ingestion.region import region_lookup
from ..ingestion.spec import SOURCES
from ..jobs import LOTTERY_SOURCE, lottery_job, raw_job_for, raw_monthly_job
from ..partitions import month_county_key
from ..resources import LandingResource
from .requests import lottery_month_tags, month_range_tags

STABLE_SECONDS = 10.0


@dataclass(frozen=True)
class LandedFile:
    source: str
    period: dt.date
    county_code: str
    relative: str
    sha256: str


def _month_of(folder: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(folder, "%Y-%m").date()
    except ValueError:
        return None


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
            period = _month_of(month_dir.name)
            if period is None:
                continue
            for path in sorted(month_dir.iterdir()):
                if not is_candidate(path):
                    continue
                rel = path.relative_to(landing_dir).as_posix()
                st = path.stat()
                prev = cursor.get(rel, {})
                entry = {
                    "size": st.st_size,
                    "mtime": st.st_mtime,
                    "sha": prev.get("sha"),
                    "sha_mtime": prev.get("sha_mtime"),
                }
                new_cursor[rel] = entry
                stable = prev.get("size") == st.st_size and prev.get("mtime") == st.st_mtime
                if not stable or now - st.st_mtime < STABLE_SECONDS:
                    continue  # new, still growing, or too fresh: look again next tick
                sha = prev["sha"] if prev.get("sha_mtime") == st.st_mtime else file_sha256(path)
                entry.update(sha=sha, sha_mtime=st.st_mtime)
                county, _ = parse_name(path.stem, resolve)
                if sha != prev.get("sha") and county:
                    changed.append(LandedFile(source, period, county, rel, sha))
    return changed, new_cursor


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
        tags = {"minzheng/trigger": "landing_sensor", "minzheng/files": str(len(files))}
        job_name = raw_job_for(source).name
        first, last = min(f.period for f in files), max(f.period for f in files)
        counties = sorted({f.county_code for f in files})
        if source == LOTTERY_SOURCE:
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


@sensor(
    jobs=[raw_monthly_job, lottery_job],
    minimum_interval_seconds=30,
    description="着陆文件夹有新的或更改过的导出文件时，导入对应的分区（月份×县区；福彩为该文件所在月份已结束的各日×县区）",
)
def landing_sensor(context: SensorEvaluationContext, landing: LandingResource):
    cursor = json.loads(context.cursor) if context.cursor else {}
    changed, new_cursor = scan(landing.dir, cursor, time.time())
    context.update_cursor(json.dumps(new_cursor))
    if not changed:
        return SkipReason("没有新的或更改过的稳定文件")
    return run_requests(changed)
