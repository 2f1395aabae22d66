"""The bundle imported into a real Superset server: every chart answers with rows, re-import does not
duplicate, and row-level security keeps a county's users to their own county."""

from __future__ import annotations

import json
import subprocess

import pytest

from .conftest import REPO_ROOT, Server

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


@pytest.mark.parametrize("table", ["mart_overview_county_month", "mart_county_indicator_month"])
def test_county_role_sees_only_its_county(superset_server: Server, admin, table: str) -> None:
    datasets = {d["table_name"]: d["id"] for d in _all(admin, superset_server.url, "dataset")}
    ds = datasets[table]
    everyone = _county_codes_seen(superset_server.session("leader"), superset_server.url, ds)
    assert len(everyone) == 13
    baota = _county_codes_seen(superset_server.session("c610602"), superset_server.url, ds)
    assert baota == {"610602"}
    huanglong = _county_codes_seen(superset_server.session("c610631"), superset_server.url, ds)
    assert huanglong == {"610631"}


def _chart_data(session, url: str, chart_id: int) -> list[dict]:
    r = session.get(f"{url}/api/v1/chart/{chart_id}/data/", timeout=120)
    assert r.status_code == 200, r.text[:500]
    return r.json()["result"][0]["data"]


def test_county_heat_table_ranks_every_county_on_every_indicator(superset_server: Server, admin) -> None:
    """The heat table (county x indicator, coloured by rank) has a cell per county and indicator with a
    rank from 1 to 13; a county login gets only its own county's row, with the same ranks (ranked
    among all counties in the warehouse, not among what the login may see)."""
    charts = {c["slice_name"]: c["id"] for c in _all(admin, superset_server.url, "chart")}
    heat = charts["县区×指标排名热力表（1=最好，按指标方向）"]
    cells = _chart_data(admin, superset_server.url, heat)
    assert {c["county_name_zh"] for c in cells} and len({c["county_name_zh"] for c in cells}) == 13
    labels = {c["indicator_label_zh"] for c in cells}
    # 14 headline indicators, of which 城乡低保标准之比 is set prefecture-wide and not ranked (is_ranked)
    assert len(labels) == 13 and any(label.startswith("社会救助·") for label in labels)
    assert all(c["county_rank"] is None or 1 <= c["county_rank"] <= 13 for c in cells)
    baota = _chart_data(superset_server.session("c610602"), superset_server.url, heat)
    assert {c["county_name_zh"] for c in baota} == {"宝塔区"}
    assert {c["indicator_label_zh"]: c["county_rank"] for c in baota} == {
        c["indicator_label_zh"]: c["county_rank"] for c in cells if c["county_name_zh"] == "宝塔区"
    }


def test_county_comparison_filters_month_domain_and_indicator(superset_server: Server, admin) -> None:
    """县区对比 has native filters for month, domain and indicator, each on its dataset by id (the import
    mapped the UUIDs) and scoped to the charts whose dataset has the filtered column."""
    dashboards = {d["slug"]: d["id"] for d in _all(admin, superset_server.url, "dashboard")}
    r = admin.get(f"{superset_server.url}/api/v1/dashboard/{dashboards['county_comparison']}", timeout=60)
    r.raise_for_status()
    metadata = json.loads(r.json()["result"]["json_metadata"])
    filters = {f["name"]: f for f in metadata["native_filter_configuration"]}
    assert set(filters) == {"县（市、区）", "统计月份", "领域", "指标"}
    datasets = {d["id"]: d["table_name"] for d in _all(admin, superset_server.url, "dataset")}
    assert datasets[filters["领域"]["targets"][0]["datasetId"]] == "mart_county_indicator_month"
    r = admin.get(f"{superset_server.url}/api/v1/dashboard/county_comparison/charts", timeout=60)
    r.raise_for_status()
    charts = {c["id"]: c["slice_name"] for c in r.json()["result"]}
    excluded = set(filters["领域"]["scope"]["excluded"])
    assert excluded and excluded < set(charts), "the scope must name the server's chart ids"
    in_scope = {charts[i] for i in set(charts) - excluded}
    assert in_scope == {"县区×指标排名热力表（1=最好，按指标方向）", "所选指标各县区对比"}
    # every chart with a month column follows the month filter; only the 数据说明 row (as-of month, load
    # time, source: no month column) is out of its scope
    assert {charts[i] for i in filters["统计月份"]["scope"]["excluded"]} == {"数据说明"}
    assert {charts[i] for i in set(charts) - set(filters["指标"]["scope"]["excluded"])} == {
        "所选指标各县区对比"
    }
    assert filters["指标"]["cascadeParentIds"] == [filters["领域"]["id"]]


def test_export_writes_a_bundle_that_passes_the_validator(superset_server: Server, tmp_path) -> None:
    """`import_bundle.py export` (what `make superset-export` runs) writes the server's dashboards back as
    a bundle, with the serving path replaced by the placeholder, and checks it with the validator."""
    target = tmp_path / "exported"
    env = {**superset_server.env, "SUPERSET_URL": superset_server.url, "MINZHENG_BUNDLE_DIR": str(target)}
    proc = subprocess.run(
        [str(REPO_ROOT / ".superset-venv" / "bin" / "python"), "dashboards/import_bundle.py", "export"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    exported = {p.stem for p in (target / "datasets").rglob("*.yaml")}
    assert any(name.startswith("mart_county_indicator_month") for name in exported), exported
    assert str(superset_server.data_dir) not in "".join(
        p.read_text(encoding="utf-8") for p in target.rglob("*.yaml")
    )
