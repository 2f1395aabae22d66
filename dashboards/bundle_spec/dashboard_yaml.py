"""A dashboard's YAML: the layout (a header, then one row of charts after another, in the spec's order and
widths) and the metadata with its native filters."""

from __future__ import annotations

from .charts import Chart
from .filters import native_filters
from .uuids import uid


def dashboard_yaml(slug: str, title: str, rows: list[list[Chart]]) -> dict:
    """dashboards/<slug>.yaml."""
    position: dict = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": title}},
    }
    # Chart ids of this bundle, local to the dashboard: the importer maps them to the server's ids.
    chart_ids = {c.name: i for i, c in enumerate((c for r in rows for c in r), start=1)}
    for i, row in enumerate(rows):
        row_id = f"ROW-{slug}-{i}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for c in row:
            cid = f"CHART-{c.uuid[:10]}"
            position[row_id]["children"].append(cid)
            position[cid] = {
                "type": "CHART",
                "id": cid,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "width": c.width,
                    "height": c.height,
                    "chartId": chart_ids[c.name],
                    "uuid": c.uuid,
                    "sliceName": c.name,
                },
            }
    charts = [c for r in rows for c in r]
    return {
        "dashboard_title": title,
        "description": None,
        "css": "",
        "slug": slug,
        "certified_by": None,
        "certification_details": None,
        "published": True,
        "uuid": uid("dashboard", slug),
        "position": position,
        "metadata": {
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": False,
            "native_filter_configuration": native_filters(slug, charts, chart_ids),
            "shared_label_colors": [],
            "color_scheme_domain": [],
        },
        "version": "1.0.0",
    }
