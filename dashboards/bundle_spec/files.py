"""Every file of the bundle as the spec describes it: {path relative to the bundle folder: YAML data}."""

from __future__ import annotations

from pathlib import Path

from .boards import DASHBOARDS
from .chart_yaml import chart_yaml
from .dashboard_yaml import dashboard_yaml
from .database import database_yaml
from .dataset_yaml import dataset_yaml
from .datasets import DATASETS
from .filters import dashboard_filters, in_scope


def generate() -> dict[Path, dict]:
    """Every file of the spec, by path relative to the bundle folder."""
    files: dict[Path, dict] = {
        Path("metadata.yaml"): {
            "version": "1.0.0",
            "type": "assets",
            "timestamp": "2026-01-01T00:00:00+00:00",
        },
        Path("databases") / "minzheng_warehouse.yaml": database_yaml(),
    }
    for slug, (title, rows) in DASHBOARDS.items():
        files[Path("dashboards") / f"{slug}.yaml"] = dashboard_yaml(slug, title, rows)
        charts = [c for r in rows for c in r]
        filters = dashboard_filters(slug, charts)
        for c in charts:
            defaults = [(f.key, f.default_sql(c)) for f in filters if f.fallback and in_scope(f, c)]
            files[Path("charts") / f"{c.uuid[:8]}_{c.viz}.yaml"] = chart_yaml(c, defaults)
    for d in DATASETS:  # after the charts: they register the calculated columns (CONDITIONS)
        files[Path("datasets") / "minzheng_warehouse" / f"{d.table}.yaml"] = dataset_yaml(d)
    return files
