"""simulate(config): write the Jinmin exports of a prefecture for a range of months, and the manifest.

Work is split into (source, county) tasks, run in a process pool (2 workers on the 2-core machine);
every random number comes from a stream keyed by (seed, source, county, month, ...), so the output
does not depend on the number of workers or on which other months are written.

Manifest: <out>/_simulator/manifest.json (ingestion ignores names starting with "_"); see README.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

import polars as pl

from dagster_project.reference import region

from . import params
from .assistance import AssistanceGenerator
from .base import SourceGenerator, month_end
from .contract import CONTRACTS, SOURCES, titles
from .dirt import FILE_KINDS, KINDS, DirtContext, DirtItem, export_shape, inject
from .eldercare import EldercareGenerator
from .identity import names
from .lottery import LotteryGenerator
from .profile import EXCEL_MAX_ROWS, CountyProfile, profiles, stream
from .volunteers import VolunteerRosterGenerator, VolunteerServiceGenerator
from .writers import Layout, write_export

MANIFEST_DIR = "_simulator"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1

GENERATORS: dict[str, type[SourceGenerator]] = {
    "assistance": AssistanceGenerator,
    "eldercare": EldercareGenerator,
    "volunteer_roster": VolunteerRosterGenerator,
    "volunteer_service": VolunteerServiceGenerator,
    "lottery": LotteryGenerator,
}
EXTENSIONS = {"xlsx": "xlsx", "xls": "xls", "csv-gbk": "csv", "csv-utf8-bom": "csv"}
CORRECTION_SOURCE_WEIGHTS = {
    "assistance": 0.5,
    "lottery": 0.2,
    "eldercare": 0.1,
    "volunteer_service": 0.1,
    "volunteer_roster": 0.1,
}
# relative cost of a county-month (rows of a typical county x cost per row), to schedule big tasks first
SOURCE_VOLUME = {
    "assistance": 125_000,
    "eldercare": 300,
    "volunteer_roster": 260_000,
    "volunteer_service": 110_000,
    "lottery": 60_000,
}


def parse_month(text: str | dt.date) -> dt.date:
    if isinstance(text, dt.date):
        return text.replace(day=1)
    return dt.datetime.strptime(text.strip(), "%Y-%m").date()


def month_range(start: dt.date, end: dt.date) -> list[dt.date]:
    out, m = [], start.replace(day=1)
    while m <= end:
        out.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    return out


@dataclass
class SimulationConfig:
    out: Path
    region: str = "610600"
    start: dt.date | str = "2024-01"
    end: dt.date | str = "2024-12"
    months: list[dt.date] | None = None  # overrides start/end
    scale: float = 1.0
    dirty_rate: float = 0.002
    seed: int = 20241231
    corrections: int = 3
    sources: tuple[str, ...] = SOURCES
    counties: tuple[str, ...] | None = None  # restrict to some county codes (default: all)
    workers: int = 0  # 0 = min(2, CPUs); 1 = in this process
    write_manifest: bool = True

    def month_list(self) -> list[dt.date]:
        months = (
            sorted({parse_month(m) for m in self.months})
            if self.months
            else month_range(parse_month(self.start), parse_month(self.end))
        )
        if not months:
            raise ValueError("no months to simulate")
        if months[0] < params.FIRST_MONTH or months[-1] > params.LAST_MONTH:
            raise ValueError(
                f"months must lie in {params.FIRST_MONTH:%Y-%m}..{params.LAST_MONTH:%Y-%m}, got "
                f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}"
            )
        return months

    def to_json(self) -> dict:
        return {
            "region": self.region,
            "months": [f"{m:%Y-%m}" for m in self.month_list()],
            "scale": self.scale,
            "dirty_rate": self.dirty_rate,
            "seed": self.seed,
            "corrections": self.corrections,
            "sources": list(self.sources),
            "counties": list(self.counties) if self.counties else None,
        }


@dataclass(frozen=True)
class WrittenFile:
    path: str  # relative to the landing dir, POSIX separators
    source: str
    period: str  # YYYY-MM
    county_code: str
    county_name: str
    format: str  # xlsx | xls | csv-gbk | csv-utf8-bom
    correction: int  # 0 for the first export, N for _更正N
    superseded: bool  # a later correction of the same county-month exists
    name_variant: str | None  # the county name form used instead of <code>_<name>, if any
    title_rows: int
    header_row: int  # 1-based
    first_data_row: int
    data_rows: int  # rows between header and 合计 (duplicates included)
    total_row: int  # the 合计 row
    footer_rows: int
    expected_loaded: int  # data rows without a quarantine reason
    expected_quarantined: int  # data rows with at least one reason
    sha256: str


@dataclass
class SimulationResult:
    config: SimulationConfig
    landing_dir: Path
    files: list[WrittenFile] = field(default_factory=list)
    dirt: list[DirtItem] = field(default_factory=list)
    manifest_path: Path | None = None
    seconds: float = 0.0

    def rows_by_source(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files:
            if not f.superseded:
                out[f.source] = out.get(f.source, 0) + f.data_rows
        return out

    def effective_files(self) -> list[WrittenFile]:
        return [f for f in self.files if not f.superseded]


@dataclass(frozen=True)
class _Task:
    source: str
    county: str
    months: tuple[dt.date, ...]
    corrections: dict[int, int]  # month index -> number of corrections
    region: str
    seed: int
    scale: float
    dirty_rate: float
    out: str


def _variant_names(p: CountyProfile, prefecture: str) -> list[str]:
    pref = region.division(prefecture)
    prov = region.division(pref.province_code)
    return [
        f"{pref.name_zh}{p.name}",
        f"{pref.short_name_zh}{p.name}",
        p.name,
        p.short_name,
        f"{prov.name_zh}{pref.name_zh}{p.name}",
    ]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _run_task(task: _Task) -> tuple[list[WrittenFile], list[DirtItem]]:
    profs = profiles(task.region, task.seed)
    prof = next(p for p in profs if p.code == task.county)
    foreign = tuple(c for p in profs if p.code != task.county for c in p.township_codes[:3])
    gen = GENERATORS[task.source](prof, task.seed, task.scale)
    contract = CONTRACTS[task.source]
    style = prof.styles[task.source]
    fmt = style.format
    if fmt in ("xlsx", "xls") and gen.expected_rows() > EXCEL_MAX_ROWS:
        fmt = "csv-gbk"
    ext = EXTENSIONS[fmt]
    out = Path(task.out)
    clerk = str(
        names(
            stream(task.seed, "clerk", prof.code).random(1) < 0.5, stream(task.seed, "clerk-name", prof.code)
        )[0]
    )
    variants = _variant_names(prof, task.region)
    variant_p = min(0.3, 10 * task.dirty_rate) if task.dirty_rate > 0 else 0.0
    files: list[WrittenFile] = []
    dirt: list[DirtItem] = []
    for period in task.months:
        t = params.month_index(period)
        frng = stream(task.seed, "file", task.source, prof.code, t)
        variant = variants[int(frng.integers(0, len(variants)))] if frng.random() < variant_p else None
        display = variant or prof.name
        first, second = titles(task.source, display, period, style.title_style)
        title_rows = (first, second) if style.title_rows == 2 else (first,)
        made = month_end(period) + dt.timedelta(days=int(frng.integers(3, 10)))
        footer = (
            (f"制表人：{clerk}    制表时间：{made.year}年{made.month}月{made.day}日",) if style.footer else ()
        )
        shape = export_shape(stream(task.seed, "shape", task.source, prof.code, t), task.dirty_rate, fmt)
        if shape == "spaced_total_and_footers":
            footer = (*footer, "单位负责人：", "审核人：")
        layout = Layout(
            title_rows,
            footer,
            spaced_total=shape == "spaced_total_and_footers",
            container=shape if shape in ("html_table", "xml_2003", "unicode_text") else None,
        )
        ctx = DirtContext(period, prof.code, foreign)
        clean = gen.month(period)
        n_corr = task.corrections.get(t, 0)
        stem = variant or f"{prof.code}_{prof.name}"
        for k in range(n_corr + 1):
            if k:
                clean = gen.correct(clean, stream(task.seed, "correct", task.source, prof.code, t, k))
            name = f"{stem}.{ext}" if k == 0 else f"{stem}_更正{k}.{ext}"
            rel = f"{task.source}/{period:%Y-%m}/{name}"
            drng = stream(task.seed, "dirt", task.source, prof.code, t, k)
            dirty, items = inject(clean, contract, ctx, task.dirty_rate, drng, layout.first_data_row, rel)
            path = out / rel
            write_export(path, fmt, dirty, contract, layout, contract.sheet_name if k % 2 == 0 else "Sheet1")
            quarantined = len({i.row for i in items if i.reason_code})
            if shape and k == 0:
                items.append(
                    DirtItem(rel, None, None, "export_shape", FILE_KINDS["export_shape"], note=shape)
                )
            if variant and k == 0:
                items.append(
                    DirtItem(
                        rel,
                        None,
                        None,
                        "county_name_variant",
                        FILE_KINDS["county_name_variant"],
                        value=variant,
                        original=f"{prof.code}_{prof.name}",
                    )
                )
            if k:
                items.append(
                    DirtItem(
                        rel,
                        None,
                        None,
                        "corrected_reexport",
                        FILE_KINDS["corrected_reexport"],
                        note=f"replaces {files[-1].path}",
                    )
                )
            files.append(
                WrittenFile(
                    path=rel,
                    source=task.source,
                    period=f"{period:%Y-%m}",
                    county_code=prof.code,
                    county_name=prof.name,
                    format=fmt,
                    correction=k,
                    superseded=k < n_corr,
                    name_variant=variant,
                    title_rows=len(title_rows),
                    header_row=layout.header_row,
                    first_data_row=layout.first_data_row,
                    data_rows=dirty.height,
                    total_row=layout.first_data_row + dirty.height,
                    footer_rows=len(footer),
                    expected_loaded=dirty.height - quarantined,
                    expected_quarantined=quarantined,
                    sha256=_sha256(path),
                )
            )
            dirt.extend(items)
    return files, dirt


def _plan_corrections(
    config: SimulationConfig, counties: list[str], months: list[dt.date]
) -> dict[tuple[str, str], dict[int, int]]:
    """(source, county) -> {month index: number of corrected re-exports}."""
    plan: dict[tuple[str, str], dict[int, int]] = {}
    if config.corrections <= 0:
        return plan
    rng = stream(config.seed, "corrections", ",".join(f"{m:%Y%m}" for m in months))
    sources = [s for s in config.sources if s in CORRECTION_SOURCE_WEIGHTS]
    w = [CORRECTION_SOURCE_WEIGHTS[s] for s in sources]
    total = sum(w)
    last: tuple[str, str, int] | None = None
    for k in range(config.corrections):
        if k % 4 == 3 and last is not None:  # every fourth is a second correction (_更正2)
            source, county, t = last
        else:
            source = sources[int(rng.choice(len(sources), p=[x / total for x in w]))]
            county = counties[int(rng.integers(0, len(counties)))]
            t = params.month_index(months[int(rng.integers(0, len(months)))])
        slot = plan.setdefault((source, county), {})
        slot[t] = slot.get(t, 0) + 1
        last = (source, county, t)
    return plan


def _merge_manifest(out: Path, result: SimulationResult) -> dict:
    """The new manifest: this run's files plus the previous manifest's files of other (source, month)s.
    Files of the previous run in this run's (source, month)s that were not rewritten are deleted."""
    path = out / MANIFEST_DIR / MANIFEST_NAME
    written = {f.path for f in result.files}
    covered = {(f.source, f.period) for f in result.files} | {
        (s, f"{m:%Y-%m}") for s in result.config.sources for m in result.config.month_list()
    }
    kept_files: list[dict] = []
    kept_dirt: list[dict] = []
    if path.exists():
        try:
            old = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            old = {}
        for f in old.get("files", []):
            if (f["source"], f["period"]) in covered:
                if f["path"] not in written:
                    (out / f["path"]).unlink(missing_ok=True)
            else:
                kept_files.append(f)
        kept_paths = {f["path"] for f in kept_files}
        kept_dirt = [d for d in old.get("dirt", []) if d["file"] in kept_paths]
    files = kept_files + [asdict(f) for f in result.files]
    files.sort(key=lambda f: (f["source"], f["period"], f["county_code"], f["correction"]))
    dirt = kept_dirt + [d.to_json() for d in result.dirt]
    dirt.sort(key=lambda d: (d["file"], d["row"] or 0, d["kind"]))
    return {
        "manifest_version": MANIFEST_VERSION,
        "generator": "minzheng_simulator",
        "config": result.config.to_json(),
        "landing_dir": str(out),
        "reason_codes": dict(KINDS),
        "files": files,
        "dirt": dirt,
    }


def simulate(config: SimulationConfig) -> SimulationResult:
    started = time.perf_counter()
    months = config.month_list()
    unknown = set(config.sources) - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown sources: {sorted(unknown)}")
    profs = profiles(config.region, config.seed)
    counties = [p.code for p in profs if not config.counties or p.code in config.counties]
    if not counties:
        raise ValueError(f"no counties of {config.region} selected")
    out = Path(config.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    plan = _plan_corrections(config, counties, months)
    tasks = [
        _Task(
            s,
            c,
            tuple(months),
            plan.get((s, c), {}),
            config.region,
            config.seed,
            config.scale,
            config.dirty_rate,
            str(out),
        )
        for s in config.sources
        for c in counties
    ]
    share_key = {
        "assistance": "dibao",
        "eldercare": "beds",
        "volunteer_roster": "volunteers",
        "volunteer_service": "volunteers",
        "lottery": "outlets",
    }
    by_code = {p.code: p for p in profs}
    tasks.sort(key=lambda t: -SOURCE_VOLUME[t.source] * by_code[t.county].shares[share_key[t.source]])
    workers = config.workers or min(2, os.cpu_count() or 1)
    result = SimulationResult(config=config, landing_dir=out)
    if workers == 1 or len(tasks) == 1:
        outputs = [_run_task(t) for t in tasks]
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            outputs = list(pool.map(_run_task, tasks))
    for files, dirt in outputs:
        result.files.extend(files)
        result.dirt.extend(dirt)
    result.files.sort(key=lambda f: (f.source, f.period, f.county_code, f.correction))
    result.dirt.sort(key=lambda d: (d.file, d.row or 0, d.kind))
    if config.write_manifest:
        manifest = _merge_manifest(out, result)
        path = out / MANIFEST_DIR / MANIFEST_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
        tmp.replace(path)
        result.manifest_path = path
    result.seconds = time.perf_counter() - started
    return result


def frames_for_month(config: SimulationConfig, period: dt.date, source: str) -> dict[str, pl.DataFrame]:
    """Clean rows of one source and month per county, in memory (no files; for tests and notebooks)."""
    profs = profiles(config.region, config.seed)
    return {
        p.code: GENERATORS[source](p, config.seed, config.scale).month(parse_month(period))
        for p in profs
        if not config.counties or p.code in config.counties
    }
