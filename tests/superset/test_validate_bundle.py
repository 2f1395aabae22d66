"""The bundle validator (dashboards/validate_bundle.py), without a server: the shipped bundle passes, and
each kind of broken link, unknown column or metric, and embedded secret in a corrupted copy is reported
(and makes the command exit non-zero)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from dagster_project.settings import REPO_ROOT

SCRIPT = REPO_ROOT / "dashboards" / "validate_bundle.py"
BUNDLE = REPO_ROOT / "dashboards" / "bundle"
_spec = importlib.util.spec_from_file_location("validate_bundle", SCRIPT)
assert _spec and _spec.loader
vb = importlib.util.module_from_spec(_spec)
sys.modules["validate_bundle"] = vb
_spec.loader.exec_module(vb)


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _write(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _file(bundle: Path, kind: str, **match: str) -> Path:
    for path in sorted((bundle / kind).rglob("*.yaml")):
        data = _yaml(path)
        if all(data.get(k) == v for k, v in match.items()):
            return path
    raise AssertionError(f"no {kind} file with {match}")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(BUNDLE, target)
    return target


def test_the_shipped_bundle_is_valid() -> None:
    report = vb.validate(BUNDLE)
    assert report.ok, "\n".join(report.errors)
    assert report.counts["dashboards"] >= 7 and report.counts["charts"] >= 40
    proc = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "OK" in proc.stdout


def _heat(bundle: Path) -> Path:
    return _file(
        bundle, "charts", viz_type="heatmap_v2", slice_name="县区×指标排名热力表（1=最好，按指标方向）"
    )


def _county_comparison(bundle: Path) -> Path:
    return bundle / "dashboards" / "county_comparison.yaml"


def _drop_chart(bundle: Path) -> None:
    _heat(bundle).unlink()


def _dataset_uuid_of_chart(bundle: Path) -> None:
    path = _heat(bundle)
    data = _yaml(path)
    data["dataset_uuid"] = "00000000-0000-0000-0000-000000000000"
    _write(path, data)


def _database_of_dataset(bundle: Path) -> None:
    path = _file(bundle, "datasets", table_name="mart_county_indicator_month")
    data = _yaml(path)
    data["database_uuid"] = "00000000-0000-0000-0000-000000000001"
    _write(path, data)


def _filter_dataset(bundle: Path) -> None:
    path = _county_comparison(bundle)
    data = _yaml(path)
    data["metadata"]["native_filter_configuration"][1]["targets"][0]["datasetUuid"] = "not-a-dataset"
    _write(path, data)


def _filter_by_id(bundle: Path) -> None:
    path = _county_comparison(bundle)
    data = _yaml(path)
    target = data["metadata"]["native_filter_configuration"][0]["targets"][0]
    target["datasetId"] = 3
    del target["datasetUuid"]
    _write(path, data)


def _filter_scope(bundle: Path) -> None:
    """The domain filter no longer leaves out the overview charts (which have no domain column)."""
    path = _county_comparison(bundle)
    data = _yaml(path)
    domain = next(f for f in data["metadata"]["native_filter_configuration"] if f["name"] == "领域")
    domain["scope"]["excluded"] = []
    _write(path, data)


def _table_not_a_model(bundle: Path) -> None:
    path = _file(bundle, "datasets", table_name="mart_county_indicator_month")
    data = _yaml(path)
    data["table_name"] = "mart_county_indicator_monthly"
    _write(path, data)


def _table_not_in_marts(bundle: Path) -> None:
    path = _file(bundle, "datasets", table_name="mart_county_indicator_month")
    data = _yaml(path)
    data["table_name"] = "int_region__counties"
    _write(path, data)


def _dataset_column_not_in_model(bundle: Path) -> None:
    path = _file(bundle, "datasets", table_name="mart_county_indicator_month")
    data = _yaml(path)
    data["columns"][0]["column_name"] = "county_id"
    _write(path, data)


def _metric_expression(bundle: Path) -> None:
    path = _file(bundle, "datasets", table_name="mart_county_indicator_month")
    data = _yaml(path)
    data["metrics"][0]["expression"] = "MAX(rank_in_county)"
    _write(path, data)


def _chart_metric(bundle: Path) -> None:
    path = _heat(bundle)
    data = _yaml(path)
    data["params"]["metric"] = "rank"
    _write(path, data)


def _chart_column(bundle: Path) -> None:
    path = _heat(bundle)
    data = _yaml(path)
    data["params"]["groupby"] = "indicator"
    _write(path, data)


def _line_metric(bundle: Path) -> None:
    """A reference line (query B of a mixed chart) on a metric the dataset does not have."""
    path = _file(bundle, "charts", viz_type="mixed_timeseries", slice_name="所选指标各县区对比")
    data = _yaml(path)
    data["params"]["metrics_b"] = ["prefecture_avg"]
    _write(path, data)


def _password(bundle: Path) -> None:
    path = bundle / "databases" / "minzheng_warehouse.yaml"
    data = _yaml(path)
    data["password"] = "XXXXXXXXXX"
    _write(path, data)


def _uri_credentials(bundle: Path) -> None:
    path = bundle / "databases" / "minzheng_warehouse.yaml"
    data = _yaml(path)
    data["sqlalchemy_uri"] = "postgresql://superset:s3cret@db.internal/marts"
    _write(path, data)


def _secret_in_chart(bundle: Path) -> None:
    path = _heat(bundle)
    data = _yaml(path)
    data["params"]["extra"] = {"api_key": "sk-live-123456"}
    _write(path, data)


def _duplicate_slug(bundle: Path) -> None:
    path = _county_comparison(bundle)
    data = _yaml(path)
    data["slug"] = "overview"
    _write(path, data)


CORRUPTIONS: dict[str, tuple[Callable[[Path], None], str]] = {
    "dashboard chart missing": (_drop_chart, "not in bundle"),
    "chart dataset missing": (_dataset_uuid_of_chart, "dataset_uuid 00000000-0000-0000-0000-000000000000"),
    "dataset database missing": (_database_of_dataset, "database_uuid"),
    "filter dataset missing": (_filter_dataset, "datasetUuid not-a-dataset"),
    "filter dataset by id": (_filter_by_id, "must use datasetUuid"),
    "filter scope too wide": (_filter_scope, "whose dataset has no column 'domain_zh'"),
    "table not a dbt model": (_table_not_a_model, "is not a dbt model"),
    "table outside the marts": (_table_not_in_marts, "only dbt models in schema marts"),
    "dataset column not in model": (_dataset_column_not_in_model, "'county_id' is not a column of dbt model"),
    "metric on unknown column": (_metric_expression, "rank_in_county"),
    "chart metric not in dataset": (_chart_metric, "metric 'rank', not in its dataset"),
    "chart column not in dataset": (_chart_column, "column 'indicator', not in its dataset"),
    "reference line metric not in dataset": (_line_metric, "metrics_b uses metric 'prefecture_avg'"),
    "duplicate dashboard slug": (_duplicate_slug, "slug 'overview' also used by"),
    "masked password": (_password, "password holds a value"),
    "credentials in the URI": (_uri_credentials, "credentials in a URI"),
    "API key in a chart": (_secret_in_chart, "api_key holds a value"),
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_a_corrupted_bundle_is_reported(copy: Path, name: str) -> None:
    corrupt, expected = CORRUPTIONS[name]
    assert vb.validate(copy).ok
    corrupt(copy)
    report = vb.validate(copy)
    assert not report.ok
    assert any(expected in e for e in report.errors), report.errors


def test_the_command_exits_non_zero_with_the_problem(copy: Path) -> None:
    _chart_metric(copy)
    _password(copy)
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--bundle", str(copy)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1
    assert "metric 'rank'" in proc.stderr and "password" in proc.stderr
    assert "3 error(s)" in proc.stderr  # the masked password counts twice: a value, and the mask
