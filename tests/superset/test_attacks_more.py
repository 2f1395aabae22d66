"""Attacks a one-line entry of attacks.py cannot express (they need an object of the login's own, or check
what an answer holds rather than that it is refused), from a third red-team pass. Against the same real
server as test_attacks.py."""

from __future__ import annotations

import json

import pytest
import requests

from .attacks import COUNTY
from .conftest import Server
from .test_attacks import LOGINS, OWN_COUNTY, _counties

pytestmark = pytest.mark.superset

DATASET = "mart_overview_county_month"
HIDDEN = "dim_region_population"  # no county_code column: no county role is ever granted it


@pytest.fixture(scope="module")
def ids(superset_server: Server, admin: requests.Session) -> dict[str, int]:
    url = superset_server.url
    datasets = {
        d["table_name"]: d["id"]
        for d in admin.get(f"{url}/api/v1/dataset/", params={"q": "(page_size:100)"}).json()["result"]
    }
    if HIDDEN not in datasets:
        database = admin.get(f"{url}/api/v1/database/").json()["result"][0]["id"]
        r = admin.post(
            f"{url}/api/v1/dataset/",
            json={"database": database, "schema": "marts", "table_name": HIDDEN},
            timeout=60,
        )
        assert r.status_code == 201, r.text[:500]
        datasets[HIDDEN] = r.json()["id"]
    return {"dataset": datasets[DATASET], "hidden": datasets[HIDDEN]}


def _chart_data(session: requests.Session, url: str, dataset: int, query: dict) -> requests.Response:
    body = {
        "datasource": {"id": dataset, "type": "table"},
        "force": True,
        "queries": [query],
        "result_format": "json",
        "result_type": "full",
    }
    return session.post(f"{url}/api/v1/chart/data", json=body, timeout=120)


@pytest.mark.parametrize(
    ("column", "op", "val"),
    [
        ("1 = 1 OR county_code", "IS NOT NULL", None),
        ("TRUE OR county_code", "==", "x"),
        ("1 = 1 OR county_code", "IN", ["610603"]),
        ("county_code <> '' OR county_code", "LIKE", "%"),
    ],
)
def test_a_filter_on_custom_sql_stays_inside_the_row_filter(
    superset_server: Server, ids: dict, column: str, op: str, val
) -> None:
    """A filter's column written as custom SQL was pasted unparenthesised next to row-level security
    (`WHERE 1 = 1 OR county_code IS NOT NULL AND (county_code = '610602')`): every county's rows. The
    guard hands the expression on in parentheses, so it is one operand of the filter."""
    county = superset_server.session(LOGINS[COUNTY])
    flt: dict = {"col": {"expressionType": "SQL", "sqlExpression": column, "label": "x"}, "op": op}
    if val is not None:
        flt["val"] = val
    query = {
        "columns": ["county_code", "county_name_zh"],
        "metrics": ["dibao_recipients"],
        "row_limit": 100,
        "filters": [flt],
        "extras": {"where": "", "having": ""},
        "orderby": [],
    }
    r = _chart_data(county, superset_server.url, ids["dataset"], query)
    others = {v for code, name in _counties().items() if code != OWN_COUNTY for v in (code, name)}
    if r.ok:
        rows = r.json()["result"][0]["data"]
        assert {row["county_code"] for row in rows} <= {OWN_COUNTY}, rows[:5]
    else:
        assert r.status_code < 500, r.text[:500]
    assert not any(v in r.text for v in others - {"610603"}), r.text[:500]


def test_a_county_login_cannot_move_its_chart_to_a_dataset_not_granted(
    superset_server: Server, ids: dict
) -> None:
    """Its own chart (allowed), then pointed at a dataset, or a query context, it may not read: refused;
    and its owners or a dashboard's roles set to another login or a role it does not hold: refused."""
    url = superset_server.url
    county = superset_server.session(LOGINS[COUNTY])
    r = county.post(
        f"{url}/api/v1/chart/",
        json={
            "slice_name": "own",
            "viz_type": "table",
            "datasource_id": ids["dataset"],
            "datasource_type": "table",
        },
        timeout=60,
    )
    assert r.status_code == 201, r.text[:500]
    chart = r.json()["id"]
    try:
        refused = [
            {"datasource_id": ids["hidden"], "datasource_type": "table"},
            {"query_context": json.dumps({"datasource": {"id": ids["hidden"], "type": "table"}})},
            {"owners": [1]},
        ]
        for body in refused:
            r = county.put(f"{url}/api/v1/chart/{chart}", json=body, timeout=60)
            assert r.status_code == 403, (body, r.status_code, r.text[:300])
        r = county.put(f"{url}/api/v1/chart/{chart}", json={"slice_name": "own, renamed"}, timeout=60)
        assert r.status_code == 200, r.text[:300]
        me = county.get(f"{url}/api/v1/me/", timeout=60).json()["result"]["id"]
        r = county.put(f"{url}/api/v1/chart/{chart}", json={"owners": [me]}, timeout=60)
        assert r.status_code == 200, r.text[:300]
    finally:
        county.delete(f"{url}/api/v1/chart/{chart}", timeout=60)


def test_pick_lists_show_a_county_login_only_itself(superset_server: Server) -> None:
    """The owner and role pick-lists listed every login with its name and e-mail, and every role: a
    non-admin sees itself and its own roles only (the admin still sees everyone)."""
    url = superset_server.url
    county = superset_server.session(LOGINS[COUNTY])
    me = county.get(f"{url}/api/v1/me/", timeout=60).json()["result"]["id"]
    for resource in ("chart", "dashboard", "dataset"):
        for column in ("owners", "created_by", "changed_by"):
            r = county.get(f"{url}/api/v1/{resource}/related/{column}", timeout=60)
            if r.status_code != 200:
                assert r.status_code in (403, 404), r.text[:300]
                continue
            users = {u["value"] for u in r.json()["result"]}
            assert users <= {me}, (resource, column, r.text[:300])
    roles = county.get(f"{url}/api/v1/dashboard/related/roles", timeout=60).json()["result"]
    assert {r["text"] for r in roles} <= {"Gamma", f"county_{OWN_COUNTY}"}, roles
    admin_list = superset_server.session("admin").get(f"{url}/api/v1/dashboard/related/owners", timeout=60)
    assert admin_list.json()["count"] > 2, admin_list.text[:300]
