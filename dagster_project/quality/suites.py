"""Expectation suites kept as YAML files in expectations/ (format: expectations/README.md).

Loading a suite does not import Great Expectations (about 6 s): the GX expectation configurations
are kept as plain dicts and handed to GX only when a suite runs (quality/gx_runner.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..settings import REPO_ROOT, SEEDS_DIR

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SHARED_FILE = "shared.yml"
SEVERITIES = ("ERROR", "WARN")
_CHECK_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SQL_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class SuiteError(ValueError):
    """A suite file that does not follow the format in expectations/README.md."""


@dataclass(frozen=True)
class CheckDef:
    """One Dagster asset check: a GX expectation or a SQL check, with its severity."""

    name: str
    severity: str  # ERROR (blocks downstream) or WARN
    kind: str  # "gx" or "sql"
    title_zh: str
    fix_zh: str
    expectation: dict[str, Any] | None = None  # GX 1.x configuration: type / kwargs / meta
    sql: str | None = None  # returns the offending rows; no rows = pass

    @property
    def blocking(self) -> bool:
        return self.severity == "ERROR"

    @property
    def label(self) -> str:
        if self.kind == "gx" and self.expectation:
            return f"GX {self.expectation['type']}"
        return "SQL check (cross-row, not a GX expectation)"

    @property
    def column(self) -> str | None:
        if not self.expectation:
            return None
        kwargs = self.expectation.get("kwargs", {})
        return kwargs.get("column") or kwargs.get("column_A") or (kwargs.get("column_list") or [None])[0]

    def description(self) -> str:
        effect = "失败时阻断下游模型与看板刷新" if self.blocking else "失败时仅提示，不阻断"
        return f"[{self.severity}] {self.title_zh}。{effect}。处理建议：{self.fix_zh}（{self.label}）"


@dataclass(frozen=True)
class Suite:
    name: str
    title_zh: str
    layer: str  # raw or mart
    asset_key: tuple[str, ...]
    table: str
    query: str
    sample_columns: tuple[str, ...]
    checks: tuple[CheckDef, ...]
    parameters: dict[str, Any]
    path: Path
    source: str | None = None  # landing source (raw suites)
    dbt_model: str | None = None  # dbt model name (mart suites)
    period_column: str | None = "period"  # None: the suite checks the whole table, not one month
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def gx_checks(self) -> list[CheckDef]:
        return [c for c in self.checks if c.kind == "gx"]

    @property
    def sql_checks(self) -> list[CheckDef]:
        return [c for c in self.checks if c.kind == "sql"]

    def check(self, name: str) -> CheckDef:
        return next(c for c in self.checks if c.name == name)

    @property
    def content_hash(self) -> str:
        """Changes whenever the suite's rules or parameters change (stored results then go stale)."""
        payload = json.dumps(
            [self.query, [c.__dict__ for c in self.checks], self.parameters], sort_keys=True, default=str
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def gx_suite_dict(self) -> dict[str, Any]:
        """The GX ExpectationSuite as a dict (name, expectations, meta)."""
        return {
            "name": self.name,
            "expectations": [c.expectation for c in self.gx_checks],
            "meta": {"title_zh": self.title_zh, "table": self.table, "suite_file": self.relative_path},
        }

    @property
    def relative_path(self) -> str:
        try:
            return str(self.path.relative_to(REPO_ROOT))
        except ValueError:
            return str(self.path)


def sql_parameters(sql: str) -> list[str]:
    """Names of the `$name` parameters a SQL text uses (DuckDB named parameters)."""
    return sorted(set(_SQL_PARAM.findall(sql)))


def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: expected a mapping at the top level")
    return data


def _check_common(path: Path, name: str, severity: str, title_zh: str | None, seen: set[str]) -> None:
    if not _CHECK_NAME.match(name or ""):
        raise SuiteError(f"{path}: check name {name!r} must be lower_snake_case")
    if name in seen:
        raise SuiteError(f"{path}: check name {name!r} is used twice")
    if severity not in SEVERITIES:
        raise SuiteError(f"{path}: check {name!r} has severity {severity!r}; use ERROR or WARN")
    if not title_zh:
        raise SuiteError(f"{path}: check {name!r} needs a title_zh (what the clerk reads)")
    seen.add(name)


def _fill(sql: str, data: dict[str, Any]) -> str:
    """Text placeholders: {table}, {source} of the suite; {seeds_dir} = dbt/seeds (reference CSVs)."""
    return (
        sql.replace("{table}", str(data["table"]))
        .replace("{source}", str(data.get("source", "")))
        .replace("{seeds_dir}", SEEDS_DIR.as_posix())
    )


def _with_contract(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """A raw suite names its source; the table, asset key and title come from the source's contract
    (ingestion/spec.py). A suite may repeat them, but a value that disagrees is an error."""
    if data.get("layer") != "raw" or "source" not in data:
        return data
    from ..ingestion.spec import SOURCES

    spec = SOURCES.get(str(data["source"]))
    if spec is None:
        raise SuiteError(f"{path}: unknown source {data['source']!r}; declared sources: {', '.join(SOURCES)}")
    declared = {"table": f"raw.{spec.table}", "asset_key": ["raw", spec.table], "title_zh": spec.title_zh}
    for key, value in declared.items():
        if key in data and data[key] != value:
            raise SuiteError(
                f"{path}: {key} {data[key]!r} disagrees with the {spec.source} contract ({value!r})"
            )
    return {**declared, **data}


def load_suite(path: Path, shared: dict[str, Any] | None = None) -> Suite:
    shared = shared if shared is not None else load_shared(path.parent.parent)
    data = _with_contract(path, _read_yaml(path))
    for key in ("name", "title_zh", "layer", "asset_key", "table", "query"):
        if key not in data:
            raise SuiteError(f"{path}: missing {key!r}")
    templates: dict[str, Any] = shared.get("templates", {})
    seen: set[str] = set()
    checks: list[CheckDef] = []
    for exp in data.get("expectations") or []:
        meta = exp.get("meta") or {}
        name, severity = meta.get("check"), meta.get("severity")
        _check_common(path, name, severity, meta.get("title_zh"), seen)
        if "type" not in exp or "kwargs" not in exp:
            raise SuiteError(f"{path}: expectation {name!r} needs type and kwargs")
        config = {"type": exp["type"], "kwargs": exp["kwargs"], "meta": meta}
        checks.append(
            CheckDef(name, severity, "gx", meta["title_zh"], meta.get("fix_zh", ""), expectation=config)
        )
    for raw in data.get("sql_checks") or []:
        spec = dict(raw)
        if "template" in spec:
            if spec["template"] not in templates:
                raise SuiteError(f"{path}: unknown SQL template {spec['template']!r}")
            spec = {**templates[spec["template"]], **{k: v for k, v in spec.items() if k != "template"}}
        name, severity = spec.get("check"), spec.get("severity")
        _check_common(path, name, severity, spec.get("title_zh"), seen)
        sql = (
            str(spec.get("sql", ""))
            .replace("{table}", data["table"])
            .replace("{source}", data.get("source", ""))
        )
        if not sql.strip():
            raise SuiteError(f"{path}: SQL check {name!r} has no sql")
        checks.append(CheckDef(name, severity, "sql", spec["title_zh"], spec.get("fix_zh", ""), sql=sql))
    params = {**shared.get("parameters", {}), **(data.get("parameters") or {})}
    return Suite(
        name=data["name"],
        title_zh=data["title_zh"],
        layer=data["layer"],
        asset_key=tuple(data["asset_key"]),
        table=data["table"],
        query=_fill(data["query"], data),
        sample_columns=tuple(data.get("sample_columns") or ()),
        checks=tuple(checks),
        parameters=params,
        path=path,
        source=data.get("source"),
        dbt_model=data.get("dbt_model"),
        period_column=data.get("period_column", "period"),
        meta={k: v for k, v in data.items() if k not in ("expectations", "sql_checks", "parameters")},
    )


def load_shared(directory: Path = EXPECTATIONS_DIR) -> dict[str, Any]:
    path = directory / SHARED_FILE
    return _read_yaml(path) if path.exists() else {}


def load_suites(directory: Path = EXPECTATIONS_DIR, layer: str | None = None) -> list[Suite]:
    """Every suite under expectations/<layer>/*.yml, sorted by name."""
    shared = load_shared(directory)
    suites = [
        load_suite(p, shared)
        for p in sorted(directory.glob("*/*.yml"))
        if layer is None or p.parent.name in (layer, f"{layer}s")
    ]
    names = [s.name for s in suites]
    if len(names) != len(set(names)):
        raise SuiteError(f"{directory}: two suites share a name: {names}")
    return sorted(suites, key=lambda s: s.name)
