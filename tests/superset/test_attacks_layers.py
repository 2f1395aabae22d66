"""A fourth red-team pass, as scenarios against the real server (the catalogue's one-request entries are in
attacks.py): answers one login's request left for another in a cache, charts whose datasource is another
login's SQL Lab query, and imports that create charts past the chart checks."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest
import requests
import yaml

from .conftest import Server
from .test_attacks import LOGINS, OWN_COUNTY, _counties
from .test_attacks_more import DATASET, HIDDEN

pytestmark = pytest.mark.superset

COUNTY, LEADER = LOGINS["county"], LOGINS["leader"]


@pytest.fixture(scope="module")
def targets(superset_server: Server, admin: requests.Session) -> dict[str, int]:
    """The county's dataset, a dataset no county role is granted (added by the admin) and the database."""
    url = superset_server.url
    datasets = {
        d["table_name"]: d["id"]
        for d in admin.get(f"{url}/api/v1/dataset/", params={"q": "(page_size:100)"}).json()["result"]
    }
    database = admin.get(f"{url}/api/v1/database/").json()["result"][0]["id"]
    if HIDDEN not in datasets:
        r = admin.post(
            f"{url}/api/v1/dataset/",
            json={"database": database, "schema": "marts", "table_name": HIDDEN},
            timeout=60,
        )
        assert r.status_code == 201, r.text[:500]
        datasets[HIDDEN] = r.json()["id"]
    return {"dataset": datasets[DATASET], "hidden": datasets[HIDDEN], "database": database}


def _others() -> set[str]:
    return {code for code in _counties() if code != OWN_COUNTY}


def _legacy_form(dataset: int, tag: str) -> dict:
    """A legacy (explore_json) chart: parallel coordinates of one metric per county."""
    return {
        "datasource": f"{dataset}__table",
        "viz_type": "para",
        "series": "county_code",
        "metrics": [{"expressionType": "SQL", "sqlExpression": "max(dibao_recipients)", "label": "m"}],
        "adhoc_filters": [],
        "row_limit": 100,
        "time_range": "No filter",
        "slice_name": tag,  # a URL of its own for this test
    }


def test_a_legacy_chart_answer_is_never_shared_between_logins(superset_server: Server, targets: dict) -> None:
    """Superset caches the GET answers of /superset/explore_json/ under the URL alone, before its permission
    check: a county login that opened the URL the leader had opened got the leader's answer, every
    county's rows. GET is refused to every login; POST (what the charts send) is cached per scope."""
    url = superset_server.url
    leader, county = superset_server.cookie_session(LEADER), superset_server.cookie_session(COUNTY)
    form = _legacy_form(targets["dataset"], f"layers-{uuid.uuid4().hex}")
    params = {"form_data": json.dumps(form)}
    for session in (leader, county, leader, county):  # both gunicorn workers, new connections
        r = session.get(f"{url}/superset/explore_json/", params=params, headers={"Connection": "close"})
        assert r.status_code == 403, (r.status_code, r.text[:300])
    r = leader.post(f"{url}/superset/explore_json/", data={"form_data": json.dumps(form)}, timeout=120)
    assert r.status_code == 200 and _others() & set(map(str, _codes(r))), r.text[:300]
    for _ in range(4):
        r = county.post(
            f"{url}/superset/explore_json/",
            data={"form_data": json.dumps(form)},
            headers={"Connection": "close"},
            timeout=120,
        )
        assert r.status_code == 200, r.text[:300]
        assert set(map(str, _codes(r))) == {OWN_COUNTY}, r.text[:300]


def _codes(r: requests.Response) -> list[str]:
    """The county codes in a parallel-coordinates answer."""
    return [row["county_code"] for row in r.json()["data"]]


def test_a_chart_reads_no_sql_lab_query_of_another_login(superset_server: Server, targets: dict) -> None:
    """A chart's datasource may be a SQL Lab query ({"type": "query", "id": ...}, ids in sequence): a county
    login ran the leader's query and got its SQL back. Refused but for the login's own query."""
    url = superset_server.url
    leader, county = superset_server.session(LEADER), superset_server.session(COUNTY)
    r = leader.post(
        f"{url}/api/v1/sqllab/execute/",
        json={
            "database_id": targets["database"],
            "sql": "SELECT county_code, count(*) AS n FROM marts.mart_overview_county_month GROUP BY 1",
            "schema": "marts",
            "runAsync": False,
        },
        timeout=120,
    )
    assert r.ok and r.json().get("status") == "success", r.text[:500]
    query_id = r.json()["query_id"]
    body = {
        "datasource": {"id": query_id, "type": "query"},
        "queries": [{"columns": ["county_code", "n"], "metrics": [], "row_limit": 50}],
        "result_format": "json",
        "result_type": "full",
        "force": True,
    }
    for result_type in ("full", "query", "samples"):
        r = county.post(f"{url}/api/v1/chart/data", json={**body, "result_type": result_type}, timeout=120)
        assert r.status_code == 403, (result_type, r.status_code, r.text[:500])
        assert "mart_overview_county_month" not in r.text
    r = leader.post(f"{url}/api/v1/chart/data", json=body, timeout=120)  # its own query: still answers
    assert r.status_code == 200, r.text[:500]


def test_a_county_login_imports_nothing(superset_server: Server, admin, targets: dict) -> None:
    """POST /api/v1/chart/import/ created a county login's chart on a dataset it is not granted, past the
    checks of POST /api/v1/chart/: imports are the admin's (the bundle is imported from the command line)."""
    url = superset_server.url
    exported = admin.get(f"{url}/api/v1/dataset/export/", params={"q": f"!({targets['hidden']})"}, timeout=60)
    assert exported.ok, exported.text[:300]
    source = zipfile.ZipFile(io.BytesIO(exported.content))
    bundle = io.BytesIO()
    name = f"layers import {uuid.uuid4().hex}"
    with zipfile.ZipFile(bundle, "w") as out:
        dataset_uuid = None
        for member in source.namelist():
            data = source.read(member)
            if member.endswith("metadata.yaml"):
                data = yaml.safe_dump({**yaml.safe_load(data), "type": "Slice"}).encode()
            if "/datasets/" in member:
                dataset_uuid = yaml.safe_load(data)["uuid"]
            out.writestr(member, data)
        chart = {
            "slice_name": name,
            "viz_type": "table",
            "params": {"viz_type": "table"},
            "cache_timeout": None,
            "uuid": str(uuid.uuid4()),
            "version": "1.0.0",
            "dataset_uuid": dataset_uuid,
        }
        out.writestr(f"{source.namelist()[0].split('/')[0]}/charts/x.yaml", yaml.safe_dump(chart))
    county = superset_server.session(COUNTY)
    r = county.post(
        f"{url}/api/v1/chart/import/",
        files={"formData": ("x.zip", bundle.getvalue(), "application/zip")},
        data={"overwrite": "false"},
        timeout=120,
    )
    assert r.status_code == 403, (r.status_code, r.text[:300])
    charts = admin.get(f"{url}/api/v1/chart/", params={"q": "(page_size:200)"}, timeout=60).json()["result"]
    assert not [c for c in charts if c["slice_name"] == name]


def test_a_county_dashboard_takes_no_chart_it_may_not_read(
    superset_server: Server, admin: requests.Session, targets: dict
) -> None:
    """Superset makes every chart a dashboard's layout names the dashboard's own, readable or not, and with
    DASHBOARD_RBAC a dashboard grants its charts' datasets to the roles it is shown to: a county login put
    the admin's chart on a dataset it is not granted into its own dashboard (shown to its own role) and
    its chart-data requests on that dataset passed the access check. Such a layout is refused; a layout
    of charts on its own datasets is not."""
    url = superset_server.url
    county = superset_server.session(COUNTY)
    created = admin.post(
        f"{url}/api/v1/chart/",
        json={
            "slice_name": "layers admin chart",
            "viz_type": "table",
            "datasource_id": targets["hidden"],
            "datasource_type": "table",
        },
        timeout=60,
    )
    assert created.status_code == 201, created.text[:300]
    hidden_chart = created.json()["id"]
    own_chart = admin.get(
        f"{url}/api/v1/chart/",
        params={"q": f"(filters:!((col:datasource_id,opr:eq,value:{targets['dataset']})),page_size:1)"},
        timeout=60,
    ).json()["result"][0]["id"]
    roles = admin.get(f"{url}/api/v1/security/roles/", params={"q": "(page_size:100)"}, timeout=60).json()
    own_role = next(r["id"] for r in roles["result"] if r["name"] == f"county_{OWN_COUNTY}")

    def layout(chart: int) -> dict[str, str]:
        positions = {
            "CHART-x": {"type": "CHART", "id": "CHART-x", "children": [], "meta": {"chartId": chart}}
        }
        return {"position_json": json.dumps(positions), "json_metadata": json.dumps({"positions": positions})}

    dashboard = None
    try:
        r = county.post(
            f"{url}/api/v1/dashboard/",
            json={"dashboard_title": "layers", "roles": [own_role], **layout(hidden_chart)},
            timeout=60,
        )
        assert r.status_code == 403, r.text[:300]
        r = county.post(f"{url}/api/v1/dashboard/", json={"dashboard_title": "layers", "roles": [own_role]})
        assert r.status_code == 201, r.text[:300]
        dashboard = r.json()["id"]
        for body in (layout(hidden_chart), {"json_metadata": layout(hidden_chart)["json_metadata"]}):
            r = county.put(f"{url}/api/v1/dashboard/{dashboard}", json=body, timeout=60)
            assert r.status_code == 403, r.text[:300]
        query = {
            "datasource": {"id": targets["hidden"], "type": "table"},
            "form_data": {"slice_id": hidden_chart, "dashboardId": dashboard},
            "queries": [{"columns": ["region_code"], "row_limit": 5}],
            "result_format": "json",
            "result_type": "full",
            "force": True,
        }
        r = county.post(f"{url}/api/v1/chart/data", json=query, timeout=60)
        assert r.status_code == 403, r.text[:300]
        native_filter = {
            "id": "NATIVE_FILTER-layers",
            "name": "x",
            "filterType": "filter_select",
            "type": "NATIVE_FILTER",
            "targets": [{"datasetId": targets["hidden"], "column": {"name": "region_code"}}],
            "controlValues": {},
            "defaultDataMask": {},
            "cascadeParentIds": [],
            "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
        }
        r = county.put(
            f"{url}/api/v1/dashboard/{dashboard}/filters",
            json={"modified": [native_filter], "deleted": [], "reordered": []},
            timeout=60,
        )
        assert r.status_code == 403, r.text[:300]
        metadata = json.dumps({"native_filter_configuration": [native_filter]})
        r = county.put(f"{url}/api/v1/dashboard/{dashboard}", json={"json_metadata": metadata}, timeout=60)
        assert r.status_code == 403, r.text[:300]
        r = county.post(
            f"{url}/api/v1/dashboard/{dashboard}/copy/",
            json={"dashboard_title": "copy", **layout(hidden_chart)},
            timeout=60,
        )
        assert r.status_code == 403, r.text[:300]
        r = county.put(f"{url}/api/v1/dashboard/{dashboard}", json=layout(own_chart), timeout=60)
        assert r.status_code == 200, r.text[:300]
    finally:
        if dashboard is not None:
            admin.delete(f"{url}/api/v1/dashboard/{dashboard}", timeout=60)
        admin.delete(f"{url}/api/v1/chart/{hidden_chart}", timeout=60)
