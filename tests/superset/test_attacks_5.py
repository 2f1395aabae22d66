"""A fifth red-team pass, against the same real server as test_attacks.py: other logins' personal details
in the REST answers, other logins' own charts and dashboards listed, Jinja errors answered 500, and the
server's paths read through DuckDB's catalog in SQL Lab."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from .conftest import Server
from .test_attacks import LOGINS
from .test_attacks_more import DATASET

pytestmark = pytest.mark.superset

COUNTY, LEADER = LOGINS["county"], LOGINS["leader"]
OTHER_COUNTY = "c610603"
_EMAIL = re.compile(r"[\w.+-]+@[\w.-]+\.[a-z]+")


@pytest.fixture(scope="module")
def ids(superset_server: Server, admin: requests.Session) -> dict[str, int]:
    url = superset_server.url
    datasets = {
        d["table_name"]: d["id"]
        for d in admin.get(f"{url}/api/v1/dataset/", params={"q": "(page_size:100)"}).json()["result"]
    }
    database = admin.get(f"{url}/api/v1/database/").json()["result"][0]["id"]
    dashboard = admin.get(f"{url}/api/v1/dashboard/", timeout=60).json()["result"][0]["id"]
    chart = admin.get(f"{url}/api/v1/chart/", timeout=60).json()["result"][0]["id"]
    return {"dataset": datasets[DATASET], "database": database, "dashboard": dashboard, "chart": chart}


def _me(session: requests.Session, url: str) -> dict:
    return session.get(f"{url}/api/v1/me/", timeout=60).json()["result"]


def test_other_logins_personal_details_never_reach_a_non_admin(superset_server: Server, ids: dict) -> None:
    """Owners, created_by, changed_by (a dashboard's datasets, a chart, a dataset, Explore, the lists)
    named the admin and other logins with their e-mails: a county login and the leader see only their
    own e-mail and name, every other user as 其他用户."""
    url = superset_server.url
    admin_name = _me(superset_server.session("admin"), url)["first_name"]
    paths = [
        f"/api/v1/dashboard/{ids['dashboard']}/datasets",
        f"/api/v1/dashboard/{ids['dashboard']}",
        f"/api/v1/dashboard/{ids['dashboard']}/charts",
        "/api/v1/dashboard/?q=(page_size:100)",
        f"/api/v1/chart/{ids['chart']}",
        "/api/v1/chart/?q=(page_size:100)",
        f"/api/v1/dataset/{ids['dataset']}",
        "/api/v1/dataset/?q=(page_size:100)",
        f"/api/v1/explore/?slice_id={ids['chart']}",
    ]
    for login in (COUNTY, LEADER):
        session = superset_server.session(login)
        me = _me(session, url)
        for path in paths:
            r = session.get(url + path, timeout=60)
            assert r.status_code == 200, (login, path, r.text[:300])
            assert set(_EMAIL.findall(r.text)) <= {me["email"]}, (login, path, set(_EMAIL.findall(r.text)))
            assert admin_name not in _text(r), (login, path)
    admin = superset_server.session("admin")  # the admin still sees who owns what
    r = admin.get(f"{url}/api/v1/chart/{ids['chart']}", timeout=60)
    assert "@" in json.dumps(r.json()["result"]["owners"]), r.text[:300]


def test_another_county_s_own_charts_and_dashboards_stay_its_own(superset_server: Server, ids: dict) -> None:
    """Charts and dashboards are shared by dataset in Superset: 宝塔区's login listed, opened and explored
    延长县's own chart (its title and its filters) on a dataset both are granted, and its published
    dashboard. A non-admin sees its own, the admin's (the bundle) and its own scope's only."""
    url = superset_server.url
    other, county = superset_server.session(OTHER_COUNTY), superset_server.session(COUNTY)
    leader, admin = superset_server.session(LEADER), superset_server.session("admin")
    title = "延长县自己的图表-redteam5"
    params = {"adhoc_filters": [{"clause": "WHERE", "expressionType": "SQL", "sqlExpression": "1 = 1"}]}
    r = other.post(
        f"{url}/api/v1/chart/",
        json={
            "slice_name": title,
            "viz_type": "table",
            "datasource_id": ids["dataset"],
            "datasource_type": "table",
            "params": json.dumps(params),
        },
        timeout=60,
    )
    assert r.status_code == 201, r.text[:300]
    chart = r.json()["id"]
    layout = {"CHART-x": {"type": "CHART", "id": "CHART-x", "meta": {"chartId": chart}}}
    r = other.post(
        f"{url}/api/v1/dashboard/",
        json={"dashboard_title": title, "published": True, "position_json": json.dumps(layout)},
        timeout=60,
    )
    assert r.status_code == 201, r.text[:300]
    dashboard = r.json()["id"]
    try:
        for session in (other, admin):  # its own login and the admin see both
            assert title in _text(session.get(f"{url}/api/v1/chart/?q=(page_size:200)", timeout=60))
            assert session.get(f"{url}/api/v1/chart/{chart}", timeout=60).status_code == 200
        for session in (county, leader):
            for path in (
                "/api/v1/chart/?q=(page_size:200)",
                "/api/v1/dashboard/?q=(page_size:200)",
                f"/api/v1/explore/?slice_id={chart}",
            ):
                r = session.get(url + path, timeout=60)
                assert r.status_code in (200, 404) and title not in _text(r), (path, r.text[:300])
            for path in (f"/api/v1/chart/{chart}", f"/api/v1/dashboard/{dashboard}"):
                assert session.get(url + path, timeout=60).status_code in (403, 404), path
    finally:
        other.delete(f"{url}/api/v1/dashboard/{dashboard}", timeout=60)
        other.delete(f"{url}/api/v1/chart/{chart}", timeout=60)


def _text(r: requests.Response) -> str:
    """The answer as text, its JSON's \\u escapes decoded."""
    try:
        return json.dumps(r.json(), ensure_ascii=False)
    except ValueError:
        return r.text


def _chart_data(session: requests.Session, url: str, dataset: int, kind: str, sql: str) -> requests.Response:
    query: dict = {"columns": ["county_code"], "metrics": [], "row_limit": 10, "filters": [], "orderby": []}
    query["extras"] = {"where": sql if kind == "where" else "", "having": ""}
    expression = {"expressionType": "SQL", "sqlExpression": sql, "label": "x"}
    if kind == "column":
        query["columns"] = [expression]
    elif kind == "metric":
        query["columns"], query["metrics"] = [], [expression]
    body = {
        "datasource": {"id": dataset, "type": "table"},
        "force": True,
        "queries": [query],
        "result_format": "json",
        "result_type": "full",
    }
    return session.post(f"{url}/api/v1/chart/data", json=body, timeout=120)


JINJA_ERRORS = [
    ("where", "{{ 1/0 }} = 1"),
    ("where", "{{ undefined_macro() }} = 1"),
    ("where", "{{ range(10**9) | list }} = 1"),
    ("column", "{{ 1/0 }}"),
    ("column", "{{ undefined_macro() }}"),
    ("metric", "{{ metric('no_such_metric') }}"),
    ("metric", "{{ x.y.z }}"),
]


@pytest.mark.parametrize(("kind", "sql"), JINJA_ERRORS)
@pytest.mark.parametrize("login", ["admin", COUNTY])
def test_a_jinja_error_answers_4xx_with_its_message(
    superset_server: Server, ids: dict, kind: str, sql: str, login: str
) -> None:
    """A template that fails while rendering answered 500 (an HTML error page): a 4xx with the error (the
    admin's templates are rendered; a county login's are refused before, test below)."""
    r = _chart_data(superset_server.session(login), superset_server.url, ids["dataset"], kind, sql)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json"), r.text[:300]


@pytest.mark.parametrize(
    ("kind", "sql"),
    [
        ("where", "'{{ 'a' * 3 }}' = 'aaa'"),
        ("where", "'{% if true %}a{% endif %}' = 'a'"),
        ("column", "'{{ 7 * 6 }}'"),
        ("metric", "count(*) + {{ 1 }}"),
        ("where", "'{# a comment #}' = ''"),
    ],
)
def test_a_non_admin_s_own_sql_carries_no_jinja(
    superset_server: Server, ids: dict, kind: str, sql: str
) -> None:
    """Jinja in a county login's own custom SQL was rendered with no bound on time or memory
    (`{{ 'a' * 10**10 }}`, nested ranges: a worker held or killed): refused before Superset reads it."""
    r = _chart_data(superset_server.session(COUNTY), superset_server.url, ids["dataset"], kind, sql)
    assert r.status_code == 403, (r.status_code, r.text[:300])
    admin = _chart_data(superset_server.session("admin"), superset_server.url, ids["dataset"], kind, sql)
    assert admin.status_code == 200, admin.text[:300]  # well-formed: the admin's is rendered and runs


def test_jinja_is_refused_in_every_form_a_non_admin_sends_it(superset_server: Server, ids: dict) -> None:
    """JSON-escaped, inside a saved chart's params and query context, in SQL Lab, in the legacy charts'
    form: refused the same."""
    url = superset_server.url
    county, leader = superset_server.session(COUNTY), superset_server.session(LEADER)
    body = {
        "datasource": {"id": ids["dataset"], "type": "table"},
        "queries": [{"columns": ["county_code"], "extras": {"where": "'XX 1 }}' = '1'"}, "row_limit": 1}],
    }
    raw = json.dumps(body).replace("XX", "\\u007b\\u007b")
    r = county.post(
        f"{url}/api/v1/chart/data", data=raw, headers={"Content-Type": "application/json"}, timeout=60
    )
    assert r.status_code == 403, r.text[:300]
    params = {"adhoc_filters": [{"clause": "WHERE", "expressionType": "SQL", "sqlExpression": "{{ 1 }} = 1"}]}
    chart = {
        "slice_name": "j",
        "viz_type": "table",
        "datasource_id": ids["dataset"],
        "datasource_type": "table",
    }
    for extra in ({"params": json.dumps(params)}, {"query_context": json.dumps({"queries": [params]})}):
        r = county.post(f"{url}/api/v1/chart/", json=chart | extra, timeout=60)
        assert r.status_code == 403, r.text[:300]
    sql = {"database_id": ids["database"], "sql": "SELECT '{{ 7 * 6 }}' AS x", "runAsync": False}
    r = leader.post(f"{url}/api/v1/sqllab/execute/", json=sql, timeout=60)
    assert r.status_code == 403, r.text[:300]
    form = {"datasource": f"{ids['dataset']}__table", "viz_type": "para", "where": "{{ 1 }} = 1"}
    r = superset_server.cookie_session(COUNTY).post(
        f"{url}/superset/explore_json/", data={"form_data": json.dumps(form)}, timeout=60
    )
    assert r.status_code == 403, r.text[:300]


CATALOG = [
    "PRAGMA database_list",
    "SELECT * FROM duckdb_databases()",
    "SELECT path FROM duckdb_databases",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM pg_catalog.pg_settings",
    "SELECT current_setting('temp_directory') AS t",
    "WITH t AS (SELECT * FROM pragma_database_list) SELECT * FROM t",
    "SELECT * FROM query('SELECT path FROM duckdb_databases()')",
    "CALL duckdb_settings()",
    "SELECT * FROM pg_settings WHERE name = 'temp_directory'",
]


@pytest.mark.parametrize("sql", CATALOG)
def test_sql_lab_shows_the_leader_no_server_path(superset_server: Server, ids: dict, sql: str) -> None:
    """The leader's SQL Lab read the serving file's path (and its folders) from DuckDB's catalog and
    settings: refused, and no path in the answer. The admin's is not checked (it configures the server)."""
    url = superset_server.url
    serving = Path(superset_server.env["MINZHENG_SERVING_PATH"])
    body = {"database_id": ids["database"], "sql": sql, "schema": "marts", "runAsync": False}
    r = superset_server.session(LEADER).post(f"{url}/api/v1/sqllab/execute/", json=body, timeout=120)
    assert str(serving.parent) not in r.text, r.text[:300]
    assert not (r.ok and r.json().get("status") == "success"), r.text[:300]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) AS n FROM marts.mart_overview_county_month",
        "DESCRIBE marts.mart_overview_county_month",
        "SELECT * FROM range(3)",
        "WITH t AS (SELECT county_code FROM marts.mart_overview_county_month) SELECT count(*) AS n FROM t",
    ],
)
def test_sql_lab_still_answers_the_leader_s_queries(superset_server: Server, ids: dict, sql: str) -> None:
    url = superset_server.url
    body = {"database_id": ids["database"], "sql": sql, "schema": "marts", "runAsync": False}
    r = superset_server.session(LEADER).post(f"{url}/api/v1/sqllab/execute/", json=body, timeout=120)
    assert r.ok and r.json()["status"] == "success", r.text[:300]
