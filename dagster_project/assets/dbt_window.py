"""The month window of Dagster's dbt build: the months whose raw loads changed since the facts were built.

dbt's monthly incremental models rebuild, without a window, the months whose set of (county_code, _load_id)
differs between their input and themselves (dbt/macros/incremental.sql, `monthly_rebuild_filter`); with a
window (MINZHENG_DBT_MIN_PERIOD / MINZHENG_DBT_MAX_PERIOD) they rebuild exactly its months, and the tests of
the relations that declare `meta.test_window_column` see only them (dbt/macros/test_scope.sql). Here the same
comparison is made before dbt starts, on a read-only connection, for every incremental model and for the
raw tables whose tests the window would scope. The window is given only when it is proven to hold every
changed month; otherwise (first build, a relation missing, nothing changed, an uncovered model, a previous
build that did not succeed, Spark) the whole warehouse is built and tested, as without this module.

A window build also leaves out the models and seeds that no changed input reaches (`unchanged_nodes`): the
reference data (seeds and the dimensions built from them only) and the subgraphs of raw tables with no new,
corrected or withdrawn load (the volunteer models, say, when only 救助 and 彩票 files came in), with their
tests. They are left out only when every one of them was last materialized by a Dagster run that succeeded
and built the same dbt project (`project_fingerprint`, recorded as a tag on the run): then their tables are
what this build would write again, from the same inputs by the same code, and their tests passed on them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetKey, DagsterInstance, DagsterRunStatus
from dagster_dbt import DagsterDbtTranslator

from ..resources import WarehouseResource


@dataclass(frozen=True)
class LoadComparison:
    """A relation dbt builds month by month from `source`, keeping each row's county_code and _load_id."""

    built: str  # schema.name of the built relation (month column month_start)
    source: str  # schema.name of what it is built from
    source_month: str = "month_start"  # the source's month column


# The inputs monthly_rebuild_filter compares, per incremental model (dbt/models/**: `monthly_rebuild_filter`):
# the staging views are raw's rows renamed (period -> month_start), so raw is compared directly. The
# eldercare table has no incremental fact, but the tests of its raw table and staging view are scoped by
# the window: its raw loads are compared with int_eldercare__institution_months (rebuilt in full by every
# build, it holds the loads of the last build).
COMPARISONS: tuple[LoadComparison, ...] = (
    LoadComparison("marts.fct_assistance_payment", "raw.assistance_roster", "period"),
    LoadComparison("marts.fct_assistance_caseload", "marts.fct_assistance_payment"),
    LoadComparison("marts.fct_volunteer_service", "raw.volunteer_service", "period"),
    LoadComparison("intermediate.int_volunteer__roster_months", "raw.volunteer_roster", "period"),
    LoadComparison("marts.fct_lottery_sales", "raw.lottery_sales", "period"),
    LoadComparison("intermediate.int_lottery__outlet_months", "raw.lottery_sales", "period"),
    LoadComparison("intermediate.int_lottery__county_months", "marts.fct_lottery_sales"),
    LoadComparison("intermediate.int_eldercare__institution_months", "raw.eldercare_institutions", "period"),
)

# Views with windowed tests whose rows are exactly a compared raw table's (rename and cast only).
STAGING_VIEWS: dict[str, str] = {
    "stg_jinmin__assistance_roster": "raw.assistance_roster",
    "stg_jinmin__eldercare_institutions": "raw.eldercare_institutions",
    "stg_jinmin__volunteer_roster": "raw.volunteer_roster",
    "stg_jinmin__volunteer_service": "raw.volunteer_service",
    "stg_jinmin__lottery_sales": "raw.lottery_sales",
}


# dbt selector of every unit test (see DbtWindow.dbt_args).
UNIT_TESTS = "resource_type:unit_test"

# Run tag: the fingerprint of the dbt project a run's dbt build used (set before dbt starts).
FINGERPRINT_TAG = "minzheng/dbt_project_fingerprint"
# Folders of the project directory that dbt writes (not inputs of a build).
_DBT_OUTPUT_FOLDERS = frozenset({"target", "logs", "dbt_packages"})


class UnprovenChange(Exception):
    """The changed months cannot be proven; the message (Chinese) says why."""


@dataclass(frozen=True)
class DbtWindow:
    """What the dbt build is given: the changed months (empty: no window, whole tables) and why."""

    months: tuple[dt.date, ...]
    reason: str = ""  # why there is no window (Chinese), empty with a window
    unchanged: tuple[str, ...] = ()  # models and seeds left as built (dbt selectors, fqn:), with their tests
    kept_reason: str = ""  # why nothing is left out although there is a window (Chinese)

    @property
    def first(self) -> dt.date | None:
        return self.months[0] if self.months else None

    @property
    def last(self) -> dt.date | None:
        return self.months[-1] if self.months else None

    def log_line(self) -> str:
        if self.first is None or self.last is None:
            return f"本次构建并检验整个数据仓库（全部月份）：{self.reason}"
        listed = "、".join(f"{m:%Y-%m}" for m in self.months)
        line = (
            f"本次按新装载/更正/撤回的月份构建并检验：{self.first:%Y-%m} 至 {self.last:%Y-%m}"
            f"（有变动的月份：{listed}）；其余月份的数据未变，已由构建它们的运行检验"
        )
        if self.unchanged:
            return (
                f"{line}。输入未变的 {len(self.unchanged)} 个模型/参考表（参考数据及无新装载的来源）"
                "沿用上次成功构建的结果，本次不重建也不重复检验；dbt 单元测试只依赖项目代码，项目未变，本次也不重复运行"
            )
        return f"{line}。{self.kept_reason}" if self.kept_reason else line

    def dbt_args(self) -> list[str]:
        """The dbt CLI arguments that leave the unchanged models and seeds out, with the tests whose every
        parent is left out. `cautious`: dbt's default (eager) would also drop a test with one parent left
        out and one built, e.g. the relationships test of a new month's payments with dim_region, and a
        built model's blocking check that did not run holds back everything downstream in Dagster. The
        selectors go in one space-separated value, as dagster-dbt reads a runtime --exclude.

        The dbt unit tests are left out too. Their inputs are fixtures in the project's own files, so their
        outcome can change only with the project, and models are left out only when their last build was
        a successful run of this very project (`_leave_out`, FINGERPRINT_TAG): the first build of a changed
        project leaves nothing out and runs them, as does every whole-warehouse build and the test suite.
        dbt's documentation recommends the same: unit tests in development and CI, not on every production
        build. On a province month they were about 1 s on the build's critical path."""
        if not self.unchanged:
            return []
        return [
            "--indirect-selection",
            "cautious",
            "--exclude",
            " ".join((*self.unchanged, UNIT_TESTS)),
        ]


def guarded_asset_keys() -> list[AssetKey]:
    """The dbt assets whose tests a window scopes: their last build must have succeeded in full."""
    built = [AssetKey(c.built.split(".")) for c in COMPARISONS]
    return sorted({*built, *(AssetKey(["staging", name]) for name in STAGING_VIEWS)}, key=str)


@cache
def load_manifest(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _meta(node: Mapping[str, Any]) -> Mapping[str, Any]:
    return (node.get("config") or {}).get("meta") or node.get("meta") or {}


def uncovered_nodes(manifest: Mapping[str, Any]) -> list[str]:
    """Incremental models and relations with windowed tests (meta.test_window_column) whose months no
    comparison covers: a model added without a row in COMPARISONS must not be tested on a window."""
    built = {c.built for c in COMPARISONS}
    compared_inputs = {c.source for c in COMPARISONS}
    out: list[str] = []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        incremental = (node.get("config") or {}).get("materialized") == "incremental"
        if not (incremental or _meta(node).get("test_window_column")):
            continue
        relation = f"{node['schema']}.{node['name']}"
        if relation not in built and STAGING_VIEWS.get(node["name"]) not in compared_inputs:
            out.append(node["name"])
    for source in manifest.get("sources", {}).values():
        relation = f"{source['schema']}.{source.get('identifier') or source['name']}"
        if _meta(source).get("test_window_column") and relation not in compared_inputs:
            out.append(f"{source['source_name']}.{source['name']}")
    return sorted(out)


def _missing(con: duckdb.DuckDBPyConnection, relation: str, month_column: str) -> bool:
    schema, name = relation.split(".")
    columns = {
        c
        for (c,) in con.execute(
            "SELECT lower(column_name) FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchall()
    }
    return not {month_column, "county_code", "_load_id"} <= columns


def changed_months(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, ...]:
    """Months whose (county_code, _load_id) set differs between a built relation and its input, in either
    direction: a new or corrected (_更正N) load, or a county-month withdrawn. Raises UnprovenChange when a
    relation (or its load columns) is missing."""
    return tuple(sorted({m for months in months_by_comparison(con).values() for m in months}))


def months_by_comparison(con: duckdb.DuckDBPyConnection) -> dict[LoadComparison, set[dt.date]]:
    """changed_months per comparison."""
    for c in COMPARISONS:
        for relation, month in ((c.built, "month_start"), (c.source, c.source_month)):
            if _missing(con, relation, month):
                raise UnprovenChange(f"{relation} 尚不存在或缺少装载批次列（首次构建或新模型）")
    # Each relation's (month, county, load) triples, read once: several comparisons share a relation, and
    # each read scans the whole table (0.07-0.14 s per 15-28 million rows of a 24-month province).
    loads: dict[tuple[str, str], set[tuple[dt.date, str, str]]] = {}

    def loads_of(relation: str, month: str) -> set[tuple[dt.date, str, str]]:
        if (relation, month) not in loads:
            query = f"SELECT DISTINCT CAST({month} AS DATE), county_code, _load_id FROM {relation}"
            loads[relation, month] = set(con.execute(query).fetchall())
        return loads[relation, month]

    # the months of loads that are in the input but not built yet, or built but no longer in the input
    return {
        c: {m for (m, _, _) in loads_of(c.source, c.source_month) ^ loads_of(c.built, "month_start")}
        for c in COMPARISONS
    }


def _relation(source: Mapping[str, Any]) -> str:
    return f"{source['schema']}.{source.get('identifier') or source['name']}"


def unchanged_nodes(manifest: Mapping[str, Any], changed: set[str]) -> list[str]:
    """The models and seeds (unique ids) that no changed input reaches: every dbt source is taken as changed
    unless it is a compared input (COMPARISONS) outside `changed`, and everything downstream of a changed
    source is built. What is left depends only on the project's own files (seeds, static models) and on
    unchanged raw tables."""
    compared = {c.source for c in COMPARISONS}
    frontier = [
        uid
        for uid, source in manifest.get("sources", {}).items()
        if _relation(source) not in compared or _relation(source) in changed
    ]
    reached: set[str] = set()
    children = manifest.get("child_map", {})
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in reached:
                reached.add(child)
                frontier.append(child)
    return sorted(
        uid
        for uid, node in manifest.get("nodes", {}).items()
        if node.get("resource_type") in ("model", "seed") and uid not in reached
    )


def project_fingerprint(project_dir: Path) -> str:
    """sha256 of what a dbt build computes its tables from besides the data: every file of the dbt project
    (models, macros, tests, seeds, configuration; not what dbt writes) and the dbt versions."""
    digest = hashlib.sha256()
    for package in ("dbt-core", "dbt-duckdb"):
        digest.update(f"{package}=={importlib.metadata.version(package)}\n".encode())
    for path in _project_files(project_dir):
        digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _project_files(project_dir: Path) -> list[Path]:
    """The project's files, without dbt's output folders (target/ holds a folder per Dagster run) and
    hidden files, in a stable order."""
    files: list[Path] = []
    for top in project_dir.iterdir():
        if top.name in _DBT_OUTPUT_FOLDERS or top.name.startswith("."):
            continue
        inside = [top] if top.is_file() else top.rglob("*")
        files += [
            p
            for p in inside
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(top).parts)
        ]
    return sorted(files)


def unsuccessful_builds(
    instance: DagsterInstance, keys: Iterable[AssetKey], fingerprint: str | None = None
) -> list[str]:
    """The assets whose latest materialization is not from a run that succeeded (or that Dagster never
    materialized): their failed tests would otherwise not be rerun on their months. With a fingerprint,
    also those last built by a run of another version of the dbt project (FINGERPRINT_TAG)."""
    out: list[str] = []
    runs: dict[str, Any] = {}
    for key in keys:
        event = instance.get_latest_materialization_event(key)
        if event is None:
            out.append(f"{key.to_user_string()}（无构建记录）")
            continue
        if event.run_id not in runs:
            runs[event.run_id] = instance.get_run_by_id(event.run_id)
        run = runs[event.run_id]
        if run is None or run.status != DagsterRunStatus.SUCCESS:
            out.append(f"{key.to_user_string()}（运行 {event.run_id[:8]} 未成功）")
        elif fingerprint is not None and run.tags.get(FINGERPRINT_TAG) != fingerprint:
            out.append(f"{key.to_user_string()}（上次由另一版本的 dbt 项目构建）")
    return out


def built_before_their_inputs(
    instance: DagsterInstance,
    manifest: Mapping[str, Any],
    candidates: Iterable[str],
    asset_key: Callable[[Mapping[str, Any]], AssetKey],
) -> set[str]:
    """The candidates (model and seed unique ids) whose last build is older than the last build of one of
    their dbt inputs, and everything below them: a partial build (an automation run of some models)
    rebuilt an input after them, so their tables do not hold what a build would write now, whatever
    the raw loads say."""
    nodes = manifest.get("nodes", {})
    parents = manifest.get("parent_map", {})
    children = manifest.get("child_map", {})
    built_at: dict[str, float] = {}

    def when(uid: str) -> float:
        if uid not in built_at:
            event = instance.get_latest_materialization_event(asset_key(nodes[uid]))
            built_at[uid] = event.timestamp if event is not None else 0.0
        return built_at[uid]

    candidates = list(candidates)
    late = [
        uid
        for uid in candidates
        if any(
            p in nodes and when(p) > when(uid)
            for p in parents.get(uid, [])
            if p.split(".")[0] in ("model", "seed")
        )
    ]
    return _closure(late, children) & set(candidates)


def _leave_out(
    window: DbtWindow,
    changed: set[str],
    manifest: Mapping[str, Any],
    instance: DagsterInstance,
    fingerprint: str | None,
    asset_key: Callable[[Mapping[str, Any]], AssetKey],
) -> DbtWindow:
    """The window, with the unchanged models and seeds to leave out when their last build is proven."""
    if fingerprint is None:
        return window
    nodes = manifest.get("nodes", {})
    unchanged = unchanged_nodes(manifest, changed)
    behind = built_before_their_inputs(instance, manifest, unchanged, asset_key)
    unchanged = [uid for uid in unchanged if uid not in behind]
    stale = unsuccessful_builds(instance, [asset_key(nodes[uid]) for uid in unchanged], fingerprint)
    if stale:
        shown = "；".join(stale[:3]) + ("等" if len(stale) > 3 else "")
        return DbtWindow(window.months, kept_reason=f"参考数据及无变动来源的模型也一并重建（{shown}）")
    selectors = tuple("fqn:" + ".".join(nodes[uid]["fqn"]) for uid in unchanged)
    return DbtWindow(window.months, unchanged=selectors)


def plan_dbt_window(
    *,
    engine: str,
    warehouse: WarehouseResource,
    manifest: Mapping[str, Any],
    instance: DagsterInstance,
    fingerprint: str | None = None,
    asset_key: Callable[[Mapping[str, Any]], AssetKey] | None = None,
) -> DbtWindow:
    """The window of this dbt build, or none (whole tables) whenever the changed months are not proven.
    With the project's fingerprint, a window build also leaves out the unchanged models and seeds: give
    it only for a run of every dbt asset and check (dbt's own selection is then everything, so `cautious`
    selects what `eager` would; a run of a subset keeps dagster-dbt's selection as it is)."""
    if engine != "duckdb":
        return DbtWindow((), f"{engine} 引擎不按月份缩小构建范围")
    uncovered = uncovered_nodes(manifest)
    if uncovered:
        return DbtWindow((), f"无法比对这些模型的装载批次：{'、'.join(uncovered)}")
    if not Path(warehouse.path).exists():
        return DbtWindow((), "数据仓库尚未建立（首次构建）")
    unsuccessful = unsuccessful_builds(instance, guarded_asset_keys())
    if unsuccessful:
        shown = "；".join(unsuccessful[:3]) + ("等" if len(unsuccessful) > 3 else "")
        return DbtWindow((), f"上次构建未全部成功或不在 Dagster 记录中，检验须覆盖全部月份（{shown}）")
    try:
        with warehouse.connect(read_only=True) as con:
            by_comparison = months_by_comparison(con)
    except UnprovenChange as exc:
        return DbtWindow((), str(exc))
    except duckdb.Error as exc:
        return DbtWindow((), f"无法只读打开数据仓库比对装载批次（{type(exc).__name__}）")
    months = tuple(sorted({m for changed in by_comparison.values() for m in changed}))
    if not months:
        return DbtWindow((), "原始数据没有新装载、更正或撤回的月份（例如只有参考数据变化）")
    changed = {c.source for c, in_months in by_comparison.items() if in_months}
    key_of = asset_key or DagsterDbtTranslator().get_asset_key
    return _leave_out(DbtWindow(months), changed, manifest, instance, fingerprint, key_of)


def _closure(start: Iterable[str], edges: Mapping[str, list[str]]) -> set[str]:
    """`start` and everything reachable from it along `edges` (the manifest's child_map or parent_map)."""
    seen: set[str] = set()
    frontier = list(start)
    while frontier:
        uid = frontier.pop()
        if uid not in seen:
            seen.add(uid)
            frontier += edges.get(uid, [])
    return seen


def subset_test_exclusions(
    manifest: Mapping[str, Any],
    selected: set[str],
    stale_relations: Iterable[str],
    check_test_names: set[str],
) -> list[str]:
    """The dbt tests a build of part of the graph must leave out: those that read a model this build does
    not rebuild although it is out of date, so the test would compare new data with old.

    Out of date and not rebuilt: downstream of a model this build rebuilds (it is rebuilt by the next
    automation run), or downstream of (or) a built relation whose raw loads changed (`stale_relations`,
    schema.name: months_by_comparison), i.e. another source's loads that another run builds. The
    automation splits the dbt graph into runs (one per group of raw loads, often one model per run), and
    dbt selects every test with one selected parent: the cross-model tests (facts vs every raw table, a
    prefecture roll-up vs its county marts, equal_sums of caseload vs payments) failed in every run but
    the last. They run in the build that rebuilds all they read (and in whole builds). The asset checks
    selected in the run (`check_test_names`) are never left out: a selected check that does not run
    holds back everything downstream."""
    nodes = manifest.get("nodes", {})
    children = manifest.get("child_map", {})
    parents = manifest.get("parent_map", {})
    stale_names = {r.split(".")[-1] for r in stale_relations}
    changed = [
        uid for uid, n in nodes.items() if n.get("resource_type") == "model" and n["name"] in stale_names
    ]
    behind = (_closure(selected, children) - selected) | (_closure(changed, children) - selected)
    behind = {uid for uid in behind if nodes.get(uid, {}).get("resource_type") in ("model", "seed")}
    out = []
    for uid, node in sorted(nodes.items()):
        if node.get("resource_type") != "test" or node["name"] in check_test_names:
            continue
        reads = parents.get(uid, [])
        # only what dbt would select (a test with a parent built here), and reads something left behind
        if set(reads) & selected and _closure(reads, parents) & behind:
            out.append(node["name"])
    return out


def stale_relations(warehouse: WarehouseResource) -> list[str]:
    """The built relations (schema.name) whose raw loads changed since they were built; none when that
    cannot be read (a first build: then everything is built anyway)."""
    if not Path(warehouse.path).exists():
        return []
    try:
        with warehouse.connect(read_only=True) as con:
            return sorted(c.built for c, months in months_by_comparison(con).items() if months)
    except (UnprovenChange, duckdb.Error):
        return []
