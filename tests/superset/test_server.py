"""The bundle imported into a real Superset server: every chart answers with rows, re-import does not
duplicate, and row-level security keeps a county's users to their own county."""

from __future__ import annotations

import json

import pytest

from .conftest import PASSWORD, REPO_ROOT, Server

pytestmark = pytest.mark.superset


def _all(session, url: str, resource: str) -> list[dict]:
    r = session.get(f"{url}/api/v1/{resource}/", params={"q": "(page_size:200)"}, timeout=60)
    r.raise_for_status()
    return r.json()["result"]


def test_bundle_imported_and_every_chart_returns_rows(superset_server: Server, admin) -> None:
    dashboards = {d["dashboard_title"] for d in _all(admin, superset_server.url, "dashboard")}
    assert {"总览", "县区对比", "社会救助", "养老床位", "志愿服务", "福利彩票"} <= dashboards
    charts = _all(admin, superset_server.url, "chart")
    assert len(charts) >= 30
    empty = []
    for chart in charts:
        r = admin.get(f"{superset_server.url}/api/v1/chart/{chart['id']}/data/", timeout=120)
        assert r.status_code == 200, (chart["slice_name"], r.text[:500])
        result = r.json()["result"][0]
        if not result.get("rowcount"):
            empty.append(chart["slice_name"])
    assert not empty, f"charts without rows: {empty}"


def test_reimport_overwrites_without_duplicating(superset_server: Server, admin) -> None:
    before = (
        len(_all(admin, superset_server.url, "chart")),
        len(_all(admin, superset_server.url, "dashboard")),
        len(_all(admin, superset_server.url, "dataset")),
    )
    proc = superset_server.run(str(REPO_ROOT / "superset" / "scripts" / "import.sh"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = (
        len(_all(admin, superset_server.url, "chart")),
        len(_all(admin, superset_server.url, "dashboard")),
        len(_all(admin, superset_server.url, "dataset")),
    )
    assert after == before


def _county_codes_seen(session, url: str, dataset_id: int) -> set[str]:
    body = {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": True,
        "result_format": "json",
        "result_type": "full",
        "queries": [
            {
                "columns": ["county_code"],
                "metrics": [],
                "row_limit": 1000,
                "filters": [],
                "extras": {"where": "", "having": ""},
                "orderby": [],
            }
        ],
    }
    r = session.post(
        f"{url}/api/v1/chart/data",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=120,
    )
    assert r.status_code == 200, r.text[:500]
    return {row["county_code"] for row in r.json()["result"][0]["data"]}


def test_county_role_sees_only_its_county(superset_server: Server, admin) -> None:
    datasets = {d["table_name"]: d["id"] for d in _all(admin, superset_server.url, "dataset")}
    ds = datasets["mart_overview_county_month"]
    everyone = _county_codes_seen(superset_server.session("leader", PASSWORD), superset_server.url, ds)
    assert len(everyone) == 13
    baota = _county_codes_seen(superset_server.session("c610602", PASSWORD), superset_server.url, ds)
    assert baota == {"610602"}
    huanglong = _county_codes_seen(superset_server.session("c610631", PASSWORD), superset_server.url, ds)
    assert huanglong == {"610631"}
