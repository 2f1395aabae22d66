"""What a county login may read, in one place for both sides: the pipeline writes one serving file per
county holding only these rows (publish.py), and Superset gives each county role the same rows as its
row-level-security filters (dashboards/import_bundle.py) and opens that county's file for its logins
(superset/minzheng_security.py). Row-level security is the first layer; the county file is the second:
a request that got around the first still reaches nothing but its own county.

Standard library only: Superset's interpreter imports this file by path, without the pipeline's package.

A county sees
- its own rows of every table with a `county_code` column,
- in tables keyed by `region_code` + `region_level` (the plan marts): every row that is not a county's,
  and its own county's,
- the prefecture-wide tables of PREFECTURE_ONLY in full: the prefecture's totals (already published in
  the bureau's statistical bulletin) and the publish status (no figures of any county),
and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

COUNTY_DIR = "county"  # beside the serving file: <serving dir>/county/<county code>.duckdb
PREFECTURE_ONLY = ("mart_overview_prefecture_month", "mart_publish_status")
COUNTY_CLAUSE = "county_code = '{code}'"
REGION_CLAUSE = "(region_level <> 'county' OR region_code = '{code}')"
ALL_ROWS = "TRUE"
_CODE = re.compile(r"\d{6}")


def clause_template(table: str, columns: Collection[str]) -> str | None:
    """The row filter (with a `{code}` placeholder) under which a county reads `table`; None: not at all."""
    if "county_code" in columns:
        return COUNTY_CLAUSE
    if {"region_code", "region_level"} <= set(columns):
        return REGION_CLAUSE
    if table in PREFECTURE_ONLY:
        return ALL_ROWS
    return None


def county_clause(template: str, code: str) -> str:
    """The filter of one county: `code` must be a 6-digit division code (it is pasted into SQL)."""
    return template.format(code=checked_code(code))


def checked_code(code: str) -> str:
    if not _CODE.fullmatch(code):
        raise ValueError(f"not a county division code: {code!r}")
    return code


def county_file(serving_path: Path, code: str) -> Path:
    """The serving file of one county, beside the prefecture's serving file."""
    return serving_path.parent / COUNTY_DIR / f"{checked_code(code)}.duckdb"


def county_of_role(role: str) -> str | None:
    """`county_610602` -> "610602" (the county roles import_bundle.py creates); other roles -> None."""
    prefix, _, code = role.partition("_")
    return code if prefix == "county" and _CODE.fullmatch(code) else None
