"""The plan-target registry as files: the dbt seeds dbt/seeds/plan_*.csv and the region reference.

The seeds are the registry (dbt loads them; see dbt/seeds/plan_seeds.yml for every column). This module
reads them as plain strings (so a rewrite keeps untouched rows byte for byte), looks up indicators,
regions and documents, and replaces several seed files together (write temporary files first, then
rename each; on a failed rename the files already replaced are restored).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
REGION_CSV = SEEDS_DIR / "ref_region.csv"

TARGET_FILE = "plan_target.csv"
BREAKDOWN_FILE = "plan_target_breakdown.csv"
REPORTED_FILE = "plan_reported_value.csv"
INDICATOR_FILE = "plan_indicator.csv"
DOCUMENT_FILE = "plan_document.csv"

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


def render_csv(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buf.getvalue()


def replace_files(contents: Mapping[Path, str]) -> None:
    """Write every file, all or nothing: temporary files next to the targets first, then os.replace each.

    If a rename fails part-way, the files already replaced get their previous content back.
    """
    staged: list[tuple[Path, Path]] = []
    previous: dict[Path, bytes | None] = {}
    done: list[Path] = []
    try:
        for path, text in contents.items():
            previous[path] = path.read_bytes() if path.is_file() else None
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((Path(tmp), path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
        for tmp, path in staged:
            os.replace(tmp, path)
            done.append(path)
    except BaseException:
        for path in done:
            old = previous[path]
            if old is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(old)
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise


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
