"""Check the Superset bundle (dashboards/bundle/) before it is imported or committed:

    uv run python dashboards/validate_bundle.py
    .superset-venv/bin/python dashboards/validate_bundle.py --bundle /path/to/bundle

Links, by UUID: every dashboard's charts exist, every chart's dataset exists, every dataset's database
exists, every native filter's dataset exists (with the filtered column and sort metric), its scope and
cascade refer to charts and filters of the same dashboard, and every chart in its scope has the column.
Against dbt: every (physical) dataset is a dbt model in schema marts, its columns are columns of that
model (its properties YAML, which tests/dbt keeps equal to the built table) and its metric expressions
use only those columns; every column and metric a chart uses exists in its dataset. Secrets: no
password, key or token in any file, no credentials in a URI, the database URI is the placeholder that
import_bundle.py fills in.

Prints one line per problem and exits 1 if there is any error (warnings alone exit 0). Needs only the
standard library and PyYAML, so it runs in the pipeline's and in Superset's virtual environment.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
BUNDLE = HERE / "bundle"
DBT_DIR = HERE.parent / "dbt"
PLACEHOLDER = "duckdb:///SERVING_PATH"
SCHEMA = "marts"

# chart params that name dataset columns / saved metrics
COLUMN_PARAMS = (
    "x_axis",
    "groupby",
    "columns",
    "all_columns",
    "all_columns_x",
    "all_columns_y",
    "series",
    "entity",
    "granularity_sqla",
    "order_by_cols",
)
METRIC_PARAMS = (
    "metrics",
    "metric",
    "secondary_metric",
    "percent_metrics",
    "timeseries_limit_metric",
    "size",
)
# keys whose value must never be in the bundle (Superset masks exported passwords as XXXXXXXXXX)
SECRET_KEYS = {
    "password",
    "passwd",
    "secret",
    "secret_key",
    "api_key",
    "access_token",
    "refresh_token",
    "token",
    "private_key",
    "private_key_password",
    "encrypted_extra",
    "masked_encrypted_extra",
    "server_cert",
    "credentials_info",
    "service_account_info",
}
SECRET_PATTERNS = [
    (re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:[^\s/@'\"]+@"), "credentials in a URI"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"\b(?:ghp|gho|ghs|github_pat)_[A-Za-z0-9_]{20,}"), "a GitHub token"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"), "a JSON web token"),
    (re.compile(r"X{10}"), "a masked password (supply it from the environment at import, not in the bundle)"),
]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SQL_WORDS = {
    "and",
    "as",
    "asc",
    "between",
    "bigint",
    "by",
    "case",
    "cast",
    "date",
    "decimal",
    "desc",
    "distinct",
    "double",
    "else",
    "end",
    "false",
    "filter",
    "from",
    "in",
    "integer",
    "interval",
    "is",
    "like",
    "not",
    "null",
    "or",
    "order",
    "over",
    "partition",
    "select",
    "then",
    "true",
    "varchar",
    "when",
}


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(f"{where}: {message}")

    @property
    def ok(self) -> bool:
        return not self.errors


# ----------------------------------------------------------------------------------------------- dbt
def dbt_models(dbt_dir: Path) -> dict[str, dict[str, Any]]:
    """{model: {"schema": ..., "columns": {...}, "path": ...}} from the dbt project files (no build needed):
    the schema from dbt_project.yml's +schema per folder or the model's own config(schema=...), the
    columns from the properties YAML next to it."""
    project = yaml.safe_load((dbt_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    folder_config = next(iter((project.get("models") or {}).values()), {}) or {}
    models_dir = dbt_dir / "models"
    found: dict[str, dict[str, Any]] = {}
    for sql in models_dir.rglob("*.sql"):
        parts = sql.relative_to(models_dir).parts[:-1]
        schema, config = None, folder_config
        for part in parts:
            config = (config or {}).get(part) or {}
            schema = config.get("+schema", schema)
        own = re.search(r"config\s*\([^)]*\bschema\s*=\s*['\"](\w+)['\"]", sql.read_text(encoding="utf-8"))
        if own:
            schema = own.group(1)
        found[sql.stem] = {"schema": schema, "columns": None, "path": sql}
    for properties in models_dir.rglob("*.yml"):
        for model in (yaml.safe_load(properties.read_text(encoding="utf-8")) or {}).get("models") or []:
            if model.get("name") in found:
                found[model["name"]]["columns"] = {c["name"] for c in model.get("columns") or []}
    return found


def sql_identifiers(expression: str) -> set[str]:
    """Bare identifiers of a SQL expression that are not functions, keywords or qualified names."""
    text = re.sub(r"'(?:[^']|'')*'", "''", expression)
    names = set()
    for match in re.finditer(r"(?<![\w.])([A-Za-z_]\w*)(?!\w)(?!\s*\()(?!\.)", text):
        if match.group(1).lower() not in SQL_WORDS:
            names.add(match.group(1))
    return names


# -------------------------------------------------------------------------------------------- bundle
def _parse(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader, C-accelerated when available)


def _load(bundle: Path, report: Report, parsed: dict[Path, Any]) -> dict[str, list[tuple[str, dict]]]:
    kinds: dict[str, list[tuple[str, dict]]] = {
        "databases": [],
        "datasets": [],
        "charts": [],
        "dashboards": [],
    }
    for path in sorted(bundle.rglob("*.yaml")) + sorted(bundle.rglob("*.yml")):
        rel = path.relative_to(bundle).as_posix()
        try:
            data = parsed[path] = _parse(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            report.error(rel, f"not valid YAML: {exc}")
            continue
        kind = path.relative_to(bundle).parts[0]
        if kind in kinds:
            if not isinstance(data, dict):
                report.error(rel, "expected a mapping")
                continue
            kinds[kind].append((rel, data))
        elif rel != "metadata.yaml":
            report.warn(rel, "not a database, dataset, chart or dashboard file: Superset ignores it")
    if not (bundle / "metadata.yaml").exists():
        report.error("metadata.yaml", "missing (Superset rejects a bundle without it)")
    return kinds


def _by_uuid(items: list[tuple[str, dict]], kind: str, report: Report) -> dict[str, tuple[str, dict]]:
    out: dict[str, tuple[str, dict]] = {}
    for rel, data in items:
        uuid = data.get("uuid")
        if not uuid:
            report.error(rel, f"{kind} without uuid")
        elif uuid in out:
            report.error(rel, f"{kind} uuid {uuid} also used by {out[uuid][0]}")
        else:
            out[uuid] = (rel, data)
    return out


def _names(value: Any) -> Iterator[str]:
    """Column or metric names in a param value (str, list, or adhoc dicts); SQL expressions are skipped."""
    if value is None or value == "":
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _names(item)
    elif isinstance(value, dict):
        if value.get("expressionType") == "SIMPLE" and isinstance(value.get("column"), dict):
            yield value["column"].get("column_name", "")
        elif value.get("expressionType") == "SQL" or "sqlExpression" in value:
            expression = (value.get("sqlExpression") or "").strip()
            if re.fullmatch(r"[A-Za-z_]\w*", expression):
                yield expression


def _metric_label(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("label")
    return None


def _check_chart_refs(
    where: str, params: dict, columns: set[str], metrics: set[str], report: Report, context: str = "params"
) -> None:
    # a mixed chart (mixed_timeseries) names the columns and metrics of its query B with the suffix _b
    for key in COLUMN_PARAMS + tuple(f"{k}_b" for k in COLUMN_PARAMS):
        for name in _names(params.get(key)):
            if name not in columns:
                report.error(where, f"{context}.{key} uses column '{name}', not in its dataset")
    labels = set()
    for key in METRIC_PARAMS + tuple(f"{k}_b" for k in METRIC_PARAMS):
        value = params.get(key)
        for item in value if isinstance(value, list) else [value]:
            if item in (None, ""):
                continue
            if isinstance(item, str):
                if item not in metrics:
                    report.error(where, f"{context}.{key} uses metric '{item}', not in its dataset")
            else:
                for name in _names(item):
                    if name not in columns:
                        report.error(where, f"{context}.{key} adhoc metric uses column '{name}'")
            labels.add(_metric_label(item))
    sort = params.get("x_axis_sort")
    if sort and sort not in labels and sort not in _names(params.get("x_axis")):
        report.error(where, f"{context}.x_axis_sort '{sort}' is neither a metric of the chart nor its x-axis")
    for key in ("adhoc_filters", "adhoc_filters_b"):
        for f in params.get(key) or []:
            if f.get("expressionType") == "SIMPLE" and f.get("subject") not in columns:
                report.error(where, f"{context}.{key} filters on column '{f.get('subject')}'")


def _check_query_context(
    where: str, chart: dict, columns: set[str], metrics: set[str], report: Report
) -> None:
    raw = chart.get("query_context")
    if not raw:
        return
    try:
        qc = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        report.error(where, f"query_context is not JSON: {exc}")
        return
    for i, query in enumerate(qc.get("queries") or []):
        _check_chart_refs(
            where,
            {"columns": query.get("columns"), "metrics": query.get("metrics")},
            columns,
            metrics,
            report,
            f"query_context.queries[{i}]",
        )


def _secrets(bundle: Path, report: Report, parsed: dict[Path, Any]) -> None:
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        rel = path.relative_to(bundle).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            report.error(rel, "binary file in the bundle")
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for pattern, what in SECRET_PATTERNS:
                if pattern.search(line):
                    report.error(f"{rel}:{number}", f"looks like {what}")
        if path in parsed:
            for key_path, value in _walk(parsed[path]):
                key = key_path[-1].lower()
                if key in SECRET_KEYS and value not in (None, "", {}, [], "{}", "null"):
                    report.error(
                        rel, f"{'.'.join(key_path)} holds a value: secrets come from the environment"
                    )


def _walk(data: Any, path: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*path, str(key)), value
            yield from _walk(value, (*path, str(key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _walk(value, (*path, str(i)))
    elif isinstance(data, str) and data[:1] in "{[":
        try:  # JSON inside YAML (query_context, params of older exports, extra)
            inner = json.loads(data)
        except json.JSONDecodeError:
            return
        yield from _walk(inner, path)


def validate(bundle: Path = BUNDLE, dbt_dir: Path = DBT_DIR) -> Report:
    report = Report()
    if not bundle.is_dir():
        report.error(str(bundle), "bundle folder not found")
        return report
    parsed: dict[Path, Any] = {}
    kinds = _load(bundle, report, parsed)
    databases = _by_uuid(kinds["databases"], "database", report)
    datasets = _by_uuid(kinds["datasets"], "dataset", report)
    charts = _by_uuid(kinds["charts"], "chart", report)
    dashboards = _by_uuid(kinds["dashboards"], "dashboard", report)
    report.counts = {
        "dashboards": len(dashboards),
        "charts": len(charts),
        "datasets": len(datasets),
        "databases": len(databases),
    }
    models = dbt_models(dbt_dir)

    for rel, db in databases.values():
        if db.get("sqlalchemy_uri") != PLACEHOLDER:
            report.error(
                rel, f"sqlalchemy_uri must be {PLACEHOLDER} (import_bundle.py fills in this machine's path)"
            )

    ds_columns: dict[str, set[str]] = {}
    ds_metrics: dict[str, set[str]] = {}
    for uuid, (rel, ds) in datasets.items():
        if ds.get("database_uuid") not in databases:
            report.error(rel, f"database_uuid {ds.get('database_uuid')} is not a database of the bundle")
        columns = {c.get("column_name") for c in ds.get("columns") or []}
        metrics = {x.get("metric_name") for x in ds.get("metrics") or []}
        ds_columns[uuid], ds_metrics[uuid] = columns, metrics
        if ds.get("main_dttm_col") and ds["main_dttm_col"] not in columns:
            report.error(rel, f"main_dttm_col '{ds['main_dttm_col']}' is not a column of the dataset")
        if ds.get("sql"):
            report.warn(rel, "virtual dataset (SQL): its table is not checked against dbt")
            continue
        table, model = ds.get("table_name"), models.get(ds.get("table_name") or "")
        if model is None:
            report.error(rel, f"table '{table}' is not a dbt model (dbt/models/**/{table}.sql)")
            continue
        if ds.get("schema") != SCHEMA or model["schema"] != SCHEMA:
            report.error(
                rel,
                f"{ds.get('schema')}.{table}: only dbt models in schema {SCHEMA} are published"
                f" (the model is built in {model['schema']})",
            )
        if model["columns"] is None:
            report.error(rel, f"dbt model {table} has no properties YAML: its columns cannot be checked")
            continue
        for column in sorted(c for c in columns - model["columns"] if c):
            calculated = next((c for c in ds["columns"] if c.get("column_name") == column), {})
            if not calculated.get("expression"):
                report.error(rel, f"column '{column}' is not a column of dbt model {table}")
        for metric in ds.get("metrics") or []:
            unknown = sql_identifiers(metric.get("expression") or "") - model["columns"] - columns
            if unknown:
                report.error(
                    rel, f"metric {metric.get('metric_name')} uses {sorted(unknown)}, not columns of {table}"
                )

    used_charts: set[str] = set()
    slugs: dict[str, str] = {}
    for rel, dash in dashboards.values():
        slug = dash.get("slug")
        if slug and slug in slugs:
            report.error(rel, f"slug '{slug}' also used by {slugs[slug]} (dashboard URLs would collide)")
        slugs.setdefault(slug or "", rel)
        position = dash.get("position") or {}
        items = [v for v in position.values() if isinstance(v, dict) and v.get("type") == "CHART"]
        chart_ids: dict[int, dict] = {}
        for item in items:
            meta = item.get("meta") or {}
            uuid = meta.get("uuid")
            if uuid not in charts:
                report.error(
                    rel, f"position {item.get('id')} ({meta.get('sliceName')}): chart {uuid} not in bundle"
                )
                continue
            used_charts.add(uuid)
            chart_id = meta.get("chartId")
            if chart_id in chart_ids and chart_id:
                report.error(
                    rel, f"chartId {chart_id} used twice in the position (filter scopes need unique ids)"
                )
            chart_ids[chart_id] = item
        metadata = dash.get("metadata") or {}
        filters = metadata.get("native_filter_configuration") or []
        filter_ids = {f.get("id") for f in filters}
        for f in filters:
            where = f"{rel} native filter '{f.get('name')}'"
            for parent in f.get("cascadeParentIds") or []:
                if parent not in filter_ids:
                    report.error(where, f"cascade parent {parent} is not a filter of this dashboard")
            scope = f.get("scope") or {}
            excluded = scope.get("excluded") or []
            for chart_id in excluded:
                if chart_id not in chart_ids:
                    report.error(where, f"scope excludes chart id {chart_id}, not a chart of this dashboard")
            for chart_id in f.get("chartsInScope") or []:
                if chart_id not in chart_ids:
                    report.error(
                        where, f"chartsInScope lists chart id {chart_id}, not a chart of this dashboard"
                    )
            root = set(scope.get("rootPath") or ["ROOT_ID"])
            in_scope = [
                (chart_id, item)
                for chart_id, item in chart_ids.items()
                if chart_id not in excluded and root & set(item.get("parents") or [])
            ]
            for target in f.get("targets") or []:
                uuid = target.get("datasetUuid")
                column = (target.get("column") or {}).get("name")
                if "datasetId" in target and not uuid:
                    report.error(
                        where, "targets a dataset by id (datasetId): native filters must use datasetUuid"
                    )
                    continue
                if uuid not in datasets:
                    report.error(where, f"datasetUuid {uuid} is not a dataset of the bundle")
                    continue
                if column and column not in ds_columns[uuid]:
                    report.error(
                        where, f"column '{column}' is not in dataset {datasets[uuid][1].get('table_name')}"
                    )
                sort_metric = f.get("sortMetric") or (f.get("controlValues") or {}).get("sortMetric")
                if sort_metric and sort_metric not in ds_metrics[uuid]:
                    report.error(where, f"sortMetric '{sort_metric}' is not a metric of the target dataset")
                for _, item in in_scope:
                    chart_uuid = (item.get("meta") or {}).get("uuid")
                    chart_ds = charts[chart_uuid][1].get("dataset_uuid")
                    if column and chart_ds in ds_columns and column not in ds_columns[chart_ds]:
                        report.error(
                            where,
                            f"applies to chart '{charts[chart_uuid][1].get('slice_name')}' whose dataset has no"
                            f" column '{column}' (exclude it from the scope)",
                        )

    for uuid, (rel, chart) in charts.items():
        ds_uuid = chart.get("dataset_uuid")
        if ds_uuid not in datasets:
            report.error(rel, f"dataset_uuid {ds_uuid} is not a dataset of the bundle")
            continue
        params = chart.get("params") or {}
        if isinstance(params, str):
            params = json.loads(params)
        if params.get("viz_type") and params["viz_type"] != chart.get("viz_type"):
            report.error(
                rel, f"params.viz_type {params['viz_type']} differs from viz_type {chart.get('viz_type')}"
            )
        _check_chart_refs(rel, params, ds_columns[ds_uuid], ds_metrics[ds_uuid], report)
        _check_query_context(rel, chart, ds_columns[ds_uuid], ds_metrics[ds_uuid], report)
        if uuid not in used_charts:
            report.warn(rel, "chart is on no dashboard")

    _secrets(bundle, report, parsed)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=BUNDLE)
    parser.add_argument("--dbt-dir", type=Path, default=DBT_DIR)
    args = parser.parse_args(argv)
    report = validate(args.bundle, args.dbt_dir)
    for message in report.warnings:
        print(f"WARNING {message}")
    for message in report.errors:
        print(f"ERROR   {message}", file=sys.stderr)
    summary = ", ".join(f"{n} {kind}" for kind, n in report.counts.items())
    if report.errors:
        print(f"bundle {args.bundle}: {len(report.errors)} error(s) ({summary})", file=sys.stderr)
        return 1
    print(f"bundle {args.bundle} OK ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
