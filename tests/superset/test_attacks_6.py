"""A sixth red-team pass, against the same real server as test_attacks.py: what a county login or the
leader can still send beyond the catalogue of attacks.py, and whether it gets past the guards.

Found and fixed (each test sends the attack as the attacker login over HTTP, then the legitimate request):
- a chart-data request's access check lent any dataset through a dashboard the login had made and shown
  to its own role, by naming its own multi-layer chart as the "parent" of a chart on that dataset;
- a chart-data request read any annotation layer (the admin's notes, with names) by id;
- Superset 2's `POST /superset/explore/` checked nothing: any dataset's definition and its owners' names
  and e-mails in the page, charts saved on any dataset into the login's own dashboard;
- a SQL Lab tab (the leader's) pointed at the admin's query showed its SQL, and a tab could be given to
  another login with SQL and autorun of the giver's choosing;
- not an attack but found on the way: raw-records queries (samples, drill to detail, a table chart
  without metrics) on a dataset with a calculated column answered a Binder Error, the guard's parentheses
  having hidden the column name from Superset.
Held (every custom-SQL slot of a chart request, a filter value in the datasets' own templates, and the
catalogue at the end: database, SQL Lab, dataset, legacy and admin-only endpoints, keys of others' state,
files above /static) stays here so a later change is caught.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from .attacks import ADMIN, COUNTY, LEADER, Attack
from .conftest import Server
from .test_attacks import LOGINS, OWN_COUNTY, _answered, _counties, _send, targets  # noqa: F401
from .test_attacks_5 import _text
from .test_attacks_more import DATASET, HIDDEN

pytestmark = pytest.mark.superset


@pytest.fixture(scope="module")
def ids(superset_server: Server, admin: requests.Session) -> dict[str, int]:
    """The county's dataset, one no county role is granted (added by the admin), the database."""
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
    return {v for code, name in _counties().items() if code != OWN_COUNTY for v in (code, name)}


def _chart_data(session: requests.Session, url: str, body: dict) -> requests.Response:
    return session.post(f"{url}/api/v1/chart/data", json=body, timeout=120)


def test_a_dashboard_grants_no_dataset_through_a_multi_layer_chart(
    superset_server: Server, ids: dict
) -> None:
    """Superset's access check lets a chart-data request read a dataset the login is not granted when the
    request names a dashboard shown to one of its roles (DASHBOARD_RBAC) holding a multi-layer (deck.gl)
    chart that lists the requested chart among its layers, and never compares that chart's dataset with
    the requested one. A county login made both (its own chart on its own dataset, its own dashboard shown
    to its own role: nothing the fourth pass's dashboard checks refuse) and read the SQL of, and queries
    on, any dataset. A non-admin's datasets are now only those its roles grant."""
    url = superset_server.url
    county, leader = superset_server.session(LOGINS[COUNTY]), superset_server.session(LOGINS[LEADER])
    roles = county.get(f"{url}/api/v1/dashboard/related/roles", timeout=60).json()["result"]
    own_role = next(r["value"] for r in roles if r["text"] == f"county_{OWN_COUNTY}")
    layer = 987654  # no such chart is needed: only its id in the parent's layers
    r = county.post(
        f"{url}/api/v1/chart/",
        json={
            "slice_name": "redteam6 multi-layer",
            "viz_type": "deck_multi",
            "datasource_id": ids["dataset"],
            "datasource_type": "table",
            "params": json.dumps({"viz_type": "deck_multi", "deck_slices": [layer]}),
        },
        timeout=60,
    )
    assert r.status_code == 201, r.text[:300]
    parent = r.json()["id"]
    positions = {"CHART-x": {"type": "CHART", "id": "CHART-x", "children": [], "meta": {"chartId": parent}}}
    dashboard = None
    try:
        r = county.post(
            f"{url}/api/v1/dashboard/",
            json={"dashboard_title": "redteam6", "roles": [own_role], "published": True},
            timeout=60,
        )
        assert r.status_code == 201, r.text[:300]
        dashboard = r.json()["id"]
        layout = {
            "position_json": json.dumps(positions),
            "json_metadata": json.dumps({"positions": positions}),
        }
        r = county.put(f"{url}/api/v1/dashboard/{dashboard}", json=layout, timeout=60)
        assert r.status_code == 200, r.text[:300]  # its own chart on its own dataset: allowed
        body = {
            "datasource": {"id": ids["hidden"], "type": "table"},
            "form_data": {"dashboardId": dashboard, "slice_id": layer, "parent_slice_id": parent},
            "queries": [{"columns": ["region_code"], "row_limit": 5}],
            "result_format": "json",
            "force": True,
        }
        for result_type in ("query", "full", "samples"):
            r = _chart_data(county, url, {**body, "result_type": result_type})
            assert r.status_code == 403, (result_type, r.status_code, r.text[:300])
            assert HIDDEN not in r.text, r.text[:300]
        r = _chart_data(leader, url, {**body, "result_type": "full"})  # granted by its role: answers
        assert r.status_code == 200, r.text[:300]
        own = {**body, "datasource": {"id": ids["dataset"], "type": "table"}, "result_type": "full"}
        own["queries"] = [{"columns": ["county_code"], "row_limit": 5}]
        r = _chart_data(county, url, own)  # the county's own dataset, same form data: answers
        assert r.status_code == 200, r.text[:300]
    finally:
        if dashboard is not None:
            county.delete(f"{url}/api/v1/dashboard/{dashboard}", timeout=60)
        county.delete(f"{url}/api/v1/chart/{parent}", timeout=60)


def test_annotation_layers_are_read_by_the_admin_only(superset_server: Server, admin, ids: dict) -> None:
    """Annotation layers (notes an admin keeps on dates: visits, incidents, with names) are the admin's
    only in Superset's roles, but a chart-data request naming one (`annotation_layers`, sourceType NATIVE,
    by id) answered its annotations to any login, county or leader. Refused to a non-admin; the admin's
    own charts still get them."""
    url = superset_server.url
    r = admin.post(
        f"{url}/api/v1/annotation_layer/",
        json={"name": f"redteam6 {uuid.uuid4().hex[:8]}", "descr": "admin's notes"},
        timeout=60,
    )
    assert r.status_code == 201, r.text[:300]
    layer = r.json()["id"]
    try:
        r = admin.post(
            f"{url}/api/v1/annotation_layer/{layer}/annotation/",
            json={
                "short_descr": "张三来访",
                "long_descr": "身份证号 610602199001011234",
                "start_dttm": "2025-05-01 00:00:00",
                "end_dttm": "2025-05-02 00:00:00",
            },
            timeout=60,
        )
        assert r.status_code == 201, r.text[:300]
        annotation = {
            "name": "notes",
            "annotationType": "EVENT",
            "sourceType": "NATIVE",
            "value": layer,
            "show": True,
            "showMarkers": False,
        }
        body = {
            "datasource": {"id": ids["dataset"], "type": "table"},
            "queries": [
                {
                    "columns": ["county_code"],
                    "metrics": ["dibao_recipients"],
                    "row_limit": 5,
                    "annotation_layers": [annotation],
                }
            ],
            "result_format": "json",
            "result_type": "full",
            "force": True,
        }
        for login in (LOGINS[COUNTY], LOGINS[LEADER]):
            r = _chart_data(superset_server.session(login), url, body)
            assert r.status_code == 403, (login, r.status_code, r.text[:300])
            assert "张三" not in _text(r) and "610602199001011234" not in r.text
        r = _chart_data(admin, url, body)
        assert r.status_code == 200 and "张三来访" in _text(r), r.text[:300]
        plain = {**body, "queries": [{**body["queries"][0], "annotation_layers": []}]}
        r = _chart_data(superset_server.session(LOGINS[COUNTY]), url, plain)
        assert r.status_code == 200, r.text[:300]
    finally:
        admin.delete(f"{url}/api/v1/annotation_layer/{layer}", timeout=60)


def test_the_legacy_explore_view_shows_and_saves_nothing_past_the_checks(
    superset_server: Server, admin, ids: dict
) -> None:
    """Superset 6.1 still answers `POST /superset/explore/` (Superset 2's explore page; the 6.1 pages never
    post there). With no access check at all it rendered any dataset's definition (its columns and their
    SQL, its metrics) and its owners' names and login names into the page, and with `action=saveas`
    saved a chart on any dataset, into the login's own dashboard when asked (`save_to_dashboard_id`),
    past the checks of /api/v1/chart/ and /api/v1/dashboard/. A non-admin's POST there is refused; the
    charts are saved through /api/v1/chart/ as before."""
    url = superset_server.url
    county = superset_server.cookie_session(LOGINS[COUNTY])
    hidden_columns = admin.get(f"{url}/api/v1/dataset/{ids['hidden']}", timeout=60).json()["result"][
        "columns"
    ]
    hidden_only = {c["column_name"] for c in hidden_columns} - {"region_code", "region_name_zh"}
    r = county.post(f"{url}/superset/explore/?dataset_id={ids['hidden']}", data={}, timeout=60)
    assert r.status_code == 403, (r.status_code, r.text[:300])
    assert HIDDEN not in r.text and not any(name in r.text for name in hidden_only), r.text[:300]
    name = f"redteam6 legacy save {uuid.uuid4().hex[:8]}"
    form = {"datasource": f"{ids['hidden']}__table", "viz_type": "table", "all_columns": ["region_code"]}
    r = county.post(
        f"{url}/superset/explore/",
        params={"action": "saveas", "slice_name": name},
        data={"form_data": json.dumps(form)},
        timeout=60,
    )
    assert r.status_code == 403, (r.status_code, r.text[:300])
    charts = admin.get(f"{url}/api/v1/chart/", params={"q": "(page_size:200)"}, timeout=60).json()["result"]
    assert not [c for c in charts if c["slice_name"] == name]
    assert county.get(f"{url}/superset/explore/", allow_redirects=False, timeout=60).status_code in (301, 302)
    chart = {
        "slice_name": name,
        "viz_type": "table",
        "datasource_id": ids["dataset"],
        "datasource_type": "table",
    }
    r = superset_server.session(LOGINS[COUNTY]).post(f"{url}/api/v1/chart/", json=chart, timeout=60)
    assert r.status_code == 201, r.text[:300]  # saving a chart on its own dataset: as before
    superset_server.session(LOGINS[COUNTY]).delete(f"{url}/api/v1/chart/{r.json()['id']}", timeout=60)


# Every slot of a chart-data query that Superset turns into SQL, with a sub-query on another table, a file
# function or a catalog function in it: refused (4xx), nothing of another county or a file in the answer.
# fmt: off
_SUBQUERY = "(SELECT max(county_code) FROM marts.mart_overview_county_month)"
_FILE = "(SELECT content FROM read_text('/etc/passwd'))"
SLOTS = [
    ("orderby", {"orderby": [[{"expressionType": "SQL", "sqlExpression": _SUBQUERY, "label": "o"}, True]]}),
    ("orderby, file", {"orderby": [[{"expressionType": "SQL", "sqlExpression": _FILE, "label": "o"}, True]]}),
    ("series_limit_metric", {"series_limit_metric": {"expressionType": "SQL", "sqlExpression": _SUBQUERY, "label": "s"}, "series_limit": 5, "series_columns": ["county_code"], "metrics": ["dibao_recipients"]}),  # noqa: E501
    ("filter on custom SQL", {"filters": [{"col": {"expressionType": "SQL", "sqlExpression": _SUBQUERY, "label": "f"}, "op": "IS NOT NULL"}]}),  # noqa: E501
    ("granularity as SQL", {"granularity": _SUBQUERY, "is_timeseries": True, "metrics": ["dibao_recipients"]}),
    ("time grain as SQL", {"extras": {"time_grain_sqla": _SUBQUERY}, "granularity": "month_start", "is_timeseries": True, "metrics": ["dibao_recipients"]}),  # noqa: E501
    ("x-axis column with a time grain", {"columns": [{"columnType": "BASE_AXIS", "sqlExpression": _SUBQUERY, "label": "x", "timeGrain": "P1M", "expressionType": "SQL"}], "metrics": ["dibao_recipients"]}),  # noqa: E501
    ("where with USING SAMPLE", {"extras": {"where": "county_code IS NOT NULL USING SAMPLE 100%"}}),
    ("having with a catalog function", {"extras": {"having": "count(*) > length(current_setting('temp_directory'))"}, "metrics": ["dibao_recipients"]}),  # noqa: E501
    ("metric with a serialized statement", {"metrics": [{"expressionType": "SQL", "sqlExpression": "count(*) FILTER (WHERE EXISTS (FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))))", "label": "m"}]}),  # noqa: E501
    ("column with a file function", {"columns": [{"expressionType": "SQL", "sqlExpression": "read_text('/etc/passwd')", "label": "c"}]}),  # noqa: E501
    ("groupby string as SQL", {"columns": [_SUBQUERY], "metrics": ["dibao_recipients"]}),
    ("filter value with quotes", {"filters": [{"col": "county_code", "op": "IN", "val": ["610602') OR ('1'='1"]}]}),  # noqa: E501
]
# fmt: on


@pytest.mark.parametrize(("name", "overrides"), SLOTS, ids=[name for name, _ in SLOTS])
def test_every_custom_sql_slot_of_a_chart_request_is_checked(
    superset_server: Server, ids: dict, name: str, overrides: dict
) -> None:
    county = superset_server.session(LOGINS[COUNTY])
    query = {"columns": ["county_code"], "row_limit": 50, "filters": [], "orderby": []} | overrides
    body = {
        "datasource": {"id": ids["dataset"], "type": "table"},
        "queries": [query],
        "result_format": "json",
        "result_type": "full",
        "force": True,
    }
    r = _chart_data(county, superset_server.url, body)
    if r.ok:  # answered (a value, not SQL): its own county's rows only
        rows = r.json()["result"][0]["data"]
        assert {row.get("county_code", OWN_COUNTY) for row in rows} <= {OWN_COUNTY}, rows[:5]
    else:
        assert r.status_code < 500, (r.status_code, r.text[:300])
    assert not any(v in _text(r) for v in _others()), r.text[:300]
    assert "root:x:0:0" not in r.text and "/tmp" not in r.text


# fmt: off
ATTACKS_6: list[Attack] = [
    # the warehouse database's endpoints: tables a county is not granted, SQL validation and cost, connections
    Attack('api: select_star of a table not granted', 'api', 'GET /api/v1/database/{database}/select_star/fct_lottery_sales/marts/', None, refused_for=(COUNTY,)),  # noqa: E501
    Attack('api: table metadata of a table not granted', 'api', 'GET /api/v1/database/{database}/table_metadata/?name=fct_lottery_sales&schema=marts', None, refused_for=(COUNTY,)),  # noqa: E501
    Attack('api: validate SQL reading a file', 'api', 'POST /api/v1/database/{database}/validate_sql/', {'sql': "SELECT * FROM read_text('/etc/passwd')", 'schema': 'marts'}),  # noqa: E501
    Attack('api: test a connection to a system file', 'api', 'POST /api/v1/database/test_connection/', {'database_name': 'x', 'sqlalchemy_uri': 'duckdb:////etc/passwd'}),  # noqa: E501
    Attack('api: validate parameters naming a file', 'api', 'POST /api/v1/database/validate_parameters/', {'engine': 'duckdb', 'configuration_method': 'dynamic_form', 'parameters': {'database': '/etc/passwd'}}, refused_for=(COUNTY, LEADER)),  # noqa: E501
    Attack('api: upload a file into the warehouse', 'api', 'POST /api/v1/database/{database}/upload/', {}, refused_for=(COUNTY, LEADER)),  # noqa: E501
    Attack('api: read an upload\'s metadata', 'api', 'POST /api/v1/database/upload_metadata/', {}, refused_for=(COUNTY, LEADER)),  # noqa: E501
    Attack('api: the database connection', 'api', 'GET /api/v1/database/{database}/connection', None, refused_for=(COUNTY, LEADER)),  # noqa: E501
    # SQL Lab beyond execute: results by key, cost estimate, exports of another login's query
    Attack('api: SQL Lab results by key', 'api', "GET /api/v1/sqllab/results/?q=(key:'0123456789abcdef')", None),
    Attack('api: SQL Lab cost estimate reading a file', 'api', 'POST /api/v1/sqllab/estimate/', {'database_id': '{database}', 'sql': "SELECT * FROM read_text('/etc/passwd')", 'schema': 'marts'}),  # noqa: E501
    Attack('api: SQL Lab CSV export of an unknown query', 'api', 'GET /api/v1/sqllab/export/0123456789/', None),
    # datasets: copies, creation by name, refresh from the database
    Attack('api: duplicate a dataset as a virtual one', 'api', 'POST /api/v1/dataset/duplicate', {'base_model_id': '{dataset}', 'table_name': 'copy'}, refused_for=(COUNTY, LEADER)),  # noqa: E501
    Attack('api: get or create a dataset on a fact table', 'api', 'POST /api/v1/dataset/get_or_create/', {'database_id': '{database}', 'table_name': 'fct_lottery_sales', 'schema': 'marts'}, refused_for=(COUNTY, LEADER)),  # noqa: E501
    Attack('api: refresh a dataset from the database', 'api', 'PUT /api/v1/dataset/{dataset}/refresh', None, refused_for=(COUNTY, LEADER)),  # noqa: E501
    Attack('api: warm up a chart cache', 'api', 'PUT /api/v1/chart/warm_up_cache', {'chart_id': 1}, refused_for=(COUNTY, LEADER)),  # noqa: E501
    Attack('api: warm up a dataset cache', 'api', 'PUT /api/v1/dataset/warm_up_cache', {'db_name': 'x', 'table_name': 'x'}, refused_for=(COUNTY, LEADER)),  # noqa: E501
    # the older views on a dataset a county is not granted
    Attack('view: a dataset not granted (datasource/get)', 'view', 'GET /datasource/get/table/{hidden}/', None, refused_for=(COUNTY,)),  # noqa: E501
    Attack('view: metadata of a dataset not granted', 'view', 'GET /superset/fetch_datasource_metadata?datasourceKey={hidden}__table', None, refused_for=(COUNTY,)),  # noqa: E501
    Attack('view: columns of a table not granted, by name', 'view', "GET /datasource/external_metadata_by_name/?q=(database_name:'民政数据仓库',schema_name:marts,table_name:fct_lottery_sales)", None, refused_for=(COUNTY,)),  # noqa: E501
    Attack('view: legacy chart data of a dataset not granted', 'view', 'POST /superset/explore_json/?form_data={"datasource":"{hidden}__table","viz_type":"table","all_columns":["region_code"]}', {}, refused_for=(COUNTY,)),  # noqa: E501
    Attack('view: legacy warm-up of every chart', 'view', 'GET /superset/warm_up_cache/?table_name=mart_overview_county_month&db_name=x', None, refused_for=(COUNTY, LEADER)),  # noqa: E501
    # admin-only objects: annotation layers, logs, reports, roles
    Attack('api: list the annotation layers', 'api', 'GET /api/v1/annotation_layer/', None, refused_for=(COUNTY, LEADER)),
    Attack('api: the action log', 'api', 'GET /api/v1/log/', None, refused_for=(COUNTY, LEADER)),
    Attack('api: the alerts and reports', 'api', 'GET /api/v1/report/', None, refused_for=(COUNTY, LEADER)),
    Attack('api: the roles', 'api', 'GET /api/v1/security/roles/', None, refused_for=(COUNTY, LEADER)),
    Attack('api: the roles, searched', 'api', 'GET /api/v1/security/roles/search/', None, refused_for=(COUNTY, LEADER)),
    Attack('api: the groups', 'api', 'GET /api/v1/security/groups/', None, refused_for=(COUNTY, LEADER)),
    Attack('api: the permissions', 'api', 'GET /api/v1/security/permissions-resources/', None, refused_for=(COUNTY, LEADER)),  # noqa: E501
    # keys of other logins' state, and cached answers by key (nothing to find without the key)
    Attack('api: chart data cached under a key', 'api', 'GET /api/v1/chart/data/0123456789abcdef', None),
    Attack('api: a dashboard permalink by a forged key', 'api', 'GET /api/v1/dashboard/permalink/abcdefghijk', None),
    Attack('api: an explore permalink by a forged key', 'api', 'GET /api/v1/explore/permalink/abcdefghijk', None),
    Attack('api: a SQL Lab permalink of the old key-value table', 'api', 'GET /api/v1/sqllab/permalink/kv:1', None),
    Attack('api: async query events', 'api', 'GET /api/v1/async_event/', None),
    # files of the server through the web server
    Attack('view: a file above the static folder', 'view', 'GET /static/../../superset_config.py', None),
    Attack('view: an encoded path above the static folder', 'view', 'GET /static/%2e%2e/%2e%2e/superset_config.py', None),
    Attack('view: the CSV of a SQL Lab query (legacy)', 'view', 'GET /superset/csv/0123456789', None),
]
# fmt: on

# Refused by Superset itself with a 500 (no results backend, no async queries, a key that does not
# decode, an explore_json form without its datasource's type): nothing read, the status left as it is.
ANSWERS_500 = {
    "api: SQL Lab results by key",
    "api: SQL Lab cost estimate reading a file",
    "view: legacy chart data of a dataset not granted",
    "api: a dashboard permalink by a forged key",
    "api: an explore permalink by a forged key",
    "api: async query events",
}

CASES = [
    pytest.param(attack, role, id=f"{role}: {attack.name}")
    for attack in ATTACKS_6
    for role in (COUNTY, LEADER, ADMIN)
    if role in attack.refused_for + attack.allowed_for
]


@pytest.mark.parametrize(("attack", "role"), CASES)
def test_attack_6(superset_server: Server, targets: dict, ids: dict, attack: Attack, role: str) -> None:  # noqa: F811
    # {hidden}: a dataset never granted to a county (test_attacks.py's dim_region is, once re-imported)
    r = _send(superset_server, role, attack, {**targets, "hidden": ids["hidden"]})
    if role in attack.allowed_for:
        assert _answered(attack, r), (r.status_code, r.text[:500])
        return
    assert not _answered(attack, r), f"{attack.name} answered for {role}: {r.status_code} {r.text[:500]}"
    assert r.status_code < 500 or attack.name in ANSWERS_500, (r.status_code, r.text[:500])
    assert "root:x:0:0" not in r.text and str(superset_server.data_dir) not in r.text
    if role == COUNTY:
        assert not any(v in _text(r) for v in _others()), r.text[:500]


def test_a_filter_value_stays_a_value_in_the_datasets_own_templates(superset_server: Server, admin) -> None:
    """The bundle's calculated column `default_indicator` pastes the 领域 filter's values into its SQL
    (`{{ filter_values('domain_zh') | where_in }}`): a value with quotes is quoted as one string value,
    never SQL (the rows stay the county's own, the generated SQL doubles the quote)."""
    url = superset_server.url
    datasets = {
        d["table_name"]: d["id"]
        for d in admin.get(f"{url}/api/v1/dataset/", params={"q": "(page_size:100)"}).json()["result"]
    }
    value = "x') OR county_code <> '" + OWN_COUNTY + "' OR ('1"
    query = {
        "columns": ["county_code", "indicator_name_zh"],
        "filters": [
            {"col": "default_indicator", "op": "IS TRUE"},
            {"col": "domain_zh", "op": "IN", "val": [value]},
        ],
        "row_limit": 50,
    }
    body = {
        "datasource": {"id": datasets["mart_county_indicator_month"], "type": "table"},
        "queries": [query],
        "result_format": "json",
        "force": True,
    }
    county = superset_server.session(LOGINS[COUNTY])
    r = _chart_data(county, url, {**body, "result_type": "query"})
    assert r.status_code == 200, r.text[:300]
    assert "'x'') OR county_code <> ''" in r.json()["result"][0]["query"], r.json()["result"][0]["query"]
    r = _chart_data(county, url, {**body, "result_type": "full"})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["result"][0]["data"] == [], r.text[:300]


def test_drill_to_detail_and_raw_records_answer_on_datasets_with_calculated_columns(
    superset_server: Server, admin
) -> None:
    """A raw-records query (a table chart without metrics, samples, drill to detail) passes every column
    name of the dataset through the custom-SQL guard, which put it in parentheses: `(default_month)` was
    then no column of the dataset to Superset and went to DuckDB as a column of the table, which a
    calculated column is not (Binder Error, every login, on every dataset with one: the overview, the
    domains, the county comparison, the plan). A lone column name is now handed on as it is. Drill to
    detail and samples are the admin's (Gamma, so the leader and the counties, has no `can_samples`:
    Superset hides the menu item and the endpoint answers 403); the raw-records chart answers everyone,
    a county its own rows only."""
    url = superset_server.url
    datasets = {
        d["table_name"]: d["id"]
        for d in admin.get(f"{url}/api/v1/dataset/", params={"q": "(page_size:100)"}).json()["result"]
    }
    drill = {"filters": [{"col": "county_code", "op": "IN", "val": [OWN_COUNTY, "610603"]}]}
    for name in ("mart_overview_county_month", "mart_county_indicator_month", "mart_assistance_county_month"):
        params = {"datasource_id": datasets[name], "datasource_type": "table", "force": "true"}
        for payload in ({}, drill):
            r = superset_server.cookie_session("admin").post(
                f"{url}/datasource/samples", params=params, json=payload, timeout=120
            )
            assert r.status_code == 200, (name, payload, r.status_code, r.text[:300])
            rows = r.json()["result"]["data"]
            assert rows and {"default_month", "default_indicator"} & rows[0].keys(), (name, rows[:1])
            if payload:
                assert {row["county_code"] for row in rows} == {OWN_COUNTY, "610603"}, name
        for login in (LOGINS[LEADER], LOGINS[COUNTY]):
            r = superset_server.cookie_session(login).post(
                f"{url}/datasource/samples", params=params, json=drill, timeout=120
            )
            assert r.status_code == 403, (login, r.status_code, r.text[:300])
    body = {
        "datasource": {"id": datasets[DATASET], "type": "table"},
        "queries": [{"columns": ["county_code", "default_month", "is_latest_month"], "row_limit": 50}],
        "result_format": "json",
        "result_type": "full",
        "force": True,
    }
    for login in ("admin", LOGINS[LEADER], LOGINS[COUNTY]):
        r = _chart_data(superset_server.session(login), url, body)
        assert r.status_code == 200, (login, r.text[:300])
        rows = r.json()["result"][0]["data"]
        assert rows and all(isinstance(row["default_month"], bool) for row in rows), rows[:2]
        if login == LOGINS[COUNTY]:
            assert {row["county_code"] for row in rows} == {OWN_COUNTY}, rows[:5]


def test_a_sql_lab_tab_names_only_its_own_queries_and_stays_its_own(
    superset_server: Server, ids: dict
) -> None:
    """SQL Lab's tab state takes any column of the login's own tab (`PUT /tabstateview/<id>`) and moves
    any query into it (`migrate_query`): the leader's tab pointed at the admin's query (by its client id)
    showed the admin's SQL, executed SQL and name; a tab given away (`user_id`) turned up, with SQL and
    autorun of the giver's choosing, in the admin's SQL Lab. Refused; the leader's own tab still takes its
    own query."""
    url = superset_server.url
    admin, leader = superset_server.session("admin"), superset_server.cookie_session(LOGINS[LEADER])
    secret = f"redteam6 admin sql {uuid.uuid4().hex[:6]}"
    admin_query = f"rt6a{uuid.uuid4().hex[:7]}"
    own_query = f"rt6l{uuid.uuid4().hex[:7]}"
    for session, client_id, sql in ((admin, admin_query, secret), (leader, own_query, "leader own sql")):
        body = {"database_id": ids["database"], "sql": f"SELECT '{sql}' AS x", "client_id": client_id}
        r = session.post(f"{url}/api/v1/sqllab/execute/", json={**body, "runAsync": False}, timeout=120)
        assert r.ok and r.json()["status"] == "success", r.text[:300]
    editor = {
        "name": "redteam6",
        "dbId": ids["database"],
        "schema": "marts",
        "sql": "SELECT 1",
        "queryLimit": 10,
    }
    r = leader.post(f"{url}/tabstateview/", data={"queryEditor": json.dumps(editor)}, timeout=60)
    assert r.ok, r.text[:300]
    tab = r.json()["id"]
    try:
        refused = [
            ("PUT", f"/tabstateview/{tab}", {"latest_query_id": json.dumps(admin_query)}),
            (
                "PUT",
                f"/tabstateview/{tab}",
                {"user_id": "1", "autorun": "true", "sql": json.dumps("SELECT 2")},
            ),
            ("POST", f"/tabstateview/{tab}/migrate_query", {"queryId": json.dumps(admin_query)}),
        ]
        for method, path, form in refused:
            r = leader.request(method, url + path, data=form, timeout=60)
            assert r.status_code == 403, (path, form, r.status_code, r.text[:300])
        r = leader.get(f"{url}/tabstateview/{tab}", timeout=60)
        assert r.ok and secret not in r.text and r.json()["user_id"] != 1, r.text[:300]
        r = leader.put(
            f"{url}/tabstateview/{tab}", data={"latest_query_id": json.dumps(own_query)}, timeout=60
        )
        assert r.ok, r.text[:300]
        r = leader.get(f"{url}/tabstateview/{tab}", timeout=60)
        assert r.ok and "leader own sql" in r.text and secret not in r.text, r.text[:300]
    finally:
        leader.delete(f"{url}/tabstateview/{tab}", timeout=60)


def test_a_login_stops_only_its_own_sql_lab_queries(superset_server: Server, ids: dict) -> None:
    """`POST /api/v1/query/stop` stops any query by its client id, whoever ran it: the leader could stop
    the admin's (or a county's) running query. Refused; the leader still stops its own."""
    url = superset_server.url
    admin, leader = superset_server.session("admin"), superset_server.session(LOGINS[LEADER])
    others = f"rt6s{uuid.uuid4().hex[:7]}"
    own = f"rt6o{uuid.uuid4().hex[:7]}"
    for session, client_id in ((admin, others), (leader, own)):
        body = {"database_id": ids["database"], "sql": "SELECT 1 AS x", "client_id": client_id}
        r = session.post(f"{url}/api/v1/sqllab/execute/", json={**body, "runAsync": False}, timeout=120)
        assert r.ok and r.json()["status"] == "success", r.text[:300]
    r = leader.post(f"{url}/api/v1/query/stop", json={"client_id": others}, timeout=60)
    assert r.status_code == 403, (r.status_code, r.text[:300])
    r = leader.post(f"{url}/api/v1/query/stop", json={"client_id": own}, timeout=60)
    assert r.ok, (r.status_code, r.text[:300])
