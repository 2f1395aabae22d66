"""The plan-target registry: what ships (the dbt seeds dbt/seeds/ref_plan_*.csv, the targets the plan
documents publish) overlaid by what statistics staff upload (the warehouse tables raw.plan_*_upload, see
store.py), and the region reference.

The seeds are read-only at run time (see dbt/seeds/_plan__seeds.yml for every column); uploads never change
the checkout. This module reads both as plain strings, merges the uploads over the shipped rows by key in
load order (the same rule dbt's stg_plan__* models apply), and looks up indicators, regions and documents.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dagster_project.reference.region import REGION_CSV
from dagster_project.settings import SEEDS_DIR

TARGET_FILE = "ref_plan_target.csv"
BREAKDOWN_FILE = "ref_plan_target_breakdown.csv"
REPORTED_FILE = "ref_plan_reported_value.csv"
INDICATOR_FILE = "ref_plan_indicator.csv"
DOCUMENT_FILE = "ref_plan_document.csv"

TARGET_COLUMNS = (
    "region_code",
    "indicator_code",
    "target_year",
    "operator",
    "target_value",
    "target_text",
    "baseline_year",
    "baseline_value",
    "baseline_text",
    "attribute_zh",
    "source_document",
    "source_clause",
    "source_quote",
    "note",
)
TARGET_KEY = ("region_code", "indicator_code", "target_year")
REPORTED_COLUMNS = (
    "region_code",
    "indicator_code",
    "as_of_date",
    "value",
    "value_text",
    "achieved",
    "source_document",
    "source_clause",
    "source_quote",
    "note",
)
REPORTED_KEY = ("region_code", "indicator_code", "as_of_date")
DOCUMENT_COLUMNS = (
    "document_code",
    "title_zh",
    "issuer_zh",
    "issued_on",
    "plan_period_zh",
    "document_ref",
    "note",
)

OPERATORS = (">=", ">", "<=", "<", "=", "ratio>=", "ratio<=", "qualitative")
OPERATORS_BY_DIRECTION = {
    "higher": (">=", ">", "ratio>="),
    "lower": ("<=", "<", "ratio<="),
    "equals": ("=",),
}
ATTRIBUTES = ("约束性", "预期性")
REGION_LEVELS = {"prefecture": "市级", "county": "县级"}

Row = dict[str, str]


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    aliases_zh: tuple[str, ...]
    domain_zh: str
    unit: str
    direction: str
    value_type: str
    county_inherits: bool
    measure: str | None

    @property
    def is_qualitative(self) -> bool:
        return self.value_type == "qualitative"

    def allowed_operators(self) -> tuple[str, ...]:
        return ("qualitative",) if self.is_qualitative else OPERATORS_BY_DIRECTION[self.direction]


@dataclass(frozen=True)
class Region:
    code: str  # 6 digits
    level: str  # prefecture | county
    name_zh: str
    short_name_zh: str
    prefecture_code: str

    @property
    def level_zh(self) -> str:
        return REGION_LEVELS[self.level]


def read_rows(path: Path) -> tuple[list[str], list[Row]]:
    """Header and rows of a seed CSV, every value a string (missing file: no rows)."""
    if not path.exists():
        return [], []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = [{k: (v or "") for k, v in row.items()} for row in reader]
        return list(reader.fieldnames or []), rows


def load_indicators(seeds_dir: Path = SEEDS_DIR) -> dict[str, Indicator]:
    _, rows = read_rows(seeds_dir / INDICATOR_FILE)
    indicators: dict[str, Indicator] = {}
    for r in rows:
        indicators[r["indicator_code"]] = Indicator(
            code=r["indicator_code"],
            name_zh=r["indicator_name_zh"],
            aliases_zh=tuple(a.strip() for a in r.get("aliases_zh", "").split("|") if a.strip()),
            domain_zh=r.get("domain_zh", ""),
            unit=r["unit"],
            direction=r["direction"],
            value_type=r["value_type"],
            county_inherits=r.get("county_inherits", "").lower() == "true",
            measure=(f"{r['measure_model']}.{r['measure_column']}" if r.get("measure_model") else None),
        )
    return indicators


def load_regions(region_csv: Path = REGION_CSV) -> dict[str, Region]:
    """Prefectures and counties of the reference seed, keyed by their 6-digit code."""
    _, rows = read_rows(region_csv)
    regions: dict[str, Region] = {}
    for r in rows:
        level = r["division_level"]
        if level not in REGION_LEVELS:
            continue
        code = r["division_code"][:6]
        regions[code] = Region(
            code=code,
            level=level,
            name_zh=r["name_zh"],
            short_name_zh=r.get("short_name_zh", ""),
            prefecture_code=(r.get("prefecture_code") or r["division_code"])[:6],
        )
    return regions


def load_documents(seeds_dir: Path = SEEDS_DIR) -> list[Row]:
    return read_rows(seeds_dir / DOCUMENT_FILE)[1]


@dataclass(frozen=True)
class RegistryRows:
    """The registry as it stands: shipped seed rows with the uploads merged over them by key, in load order."""

    targets: list[Row]  # the plan's own region (prefecture): ref_plan_target + uploads
    breakdown: list[Row]  # county targets (分解表): ref_plan_target_breakdown + uploads
    reported: list[Row]
    documents: list[Row]


def merge_rows(existing: Iterable[Row], new: Iterable[Row], key: Sequence[str]) -> tuple[list[Row], int, int]:
    """Rows of `existing` with `new` merged over them by key: (merged, added, updated)."""
    merged = list(existing)
    position = {tuple(r[k] for k in key): i for i, r in enumerate(merged)}
    added = updated = 0
    for row in new:
        k = tuple(row[c] for c in key)
        if k in position:
            merged[position[k]] = row
            updated += 1
        else:
            position[k] = len(merged)
            merged.append(row)
            added += 1
    return merged, added, updated


def current_rows(seeds_dir: Path = SEEDS_DIR, uploads: RegistryRows | None = None) -> RegistryRows:
    """Shipped rows of seeds_dir, with `uploads` (store.uploaded_rows, in load order) merged over them."""
    shipped = RegistryRows(
        targets=read_rows(seeds_dir / TARGET_FILE)[1],
        breakdown=read_rows(seeds_dir / BREAKDOWN_FILE)[1],
        reported=read_rows(seeds_dir / REPORTED_FILE)[1],
        documents=read_rows(seeds_dir / DOCUMENT_FILE)[1],
    )
    if uploads is None:
        return shipped
    return RegistryRows(
        targets=merge_rows(shipped.targets, uploads.targets, TARGET_KEY)[0],
        breakdown=merge_rows(shipped.breakdown, uploads.breakdown, TARGET_KEY)[0],
        reported=merge_rows(shipped.reported, uploads.reported, REPORTED_KEY)[0],
        documents=merge_rows(shipped.documents, uploads.documents, ("document_code",))[0],
    )
