"""Each attack of attacks.py, as a county login, as `leader` and as `admin`, against the real server:
refused. Then what row-level security must leave a county login: every chart of every dashboard answers,
with its own county's rows (and the prefecture's totals) only."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import requests

from dagster_project.settings import REPO_ROOT

from .attacks import ADMIN, ATTACKS, COUNTY, LEADER, Attack
from .conftest import Server

pytestmark = pytest.mark.superset

LOGINS = {COUNTY: "c610602", LEADER: "leader", ADMIN: "admin"}
OWN_COUNTY = "610602"


def _counties() -> dict[str, str]:
    with open(REPO_ROOT / "dbt" / "seeds" / "ref_region.csv", encoding="utf-8") as fh:
        return {
            r["county_code"]: r["name_zh"]
            for r in csv.DictReader(fh)
            if r["division_level"] == "county" and r["prefecture_code"].startswith("610600")
        }


@pytest.fixture(scope="module")
def targets(superset_server: Server, admin: requests.Session) -> dict[str, object]:
    """Ids the payloads name. {hidden}: a dataset the admin adds on a mart no county role is granted."""
    url = superset_server.url
    datasets = {
        d["table_name"]: d["id"]
        for d in admin.get(f"{url}/api/v1/dataset/", params={"q": "(page_size:100)"}).json()["result"]
    }
    database = admin.get(f"{url}/api/v1/database/").json()["result"][0]["id"]
    if "dim_region" not in datasets:
        r = admin.post(
            f"{url}/api/v1/dataset/",
            json={"database": database, "schema": "marts", "table_name": "dim_region"},
            timeout=60,
        )
        assert r.status_code == 201, r.text[:500]
        datasets["dim_region"] = r.json()["id"]
    dashboard = admin.get(f"{url}/api/v1/dashboard/", timeout=60).json()["result"][0]["id"]
    return {
        "dataset": datasets["mart_overview_county_month"],
        "dashboard": dashboard,
        "hidden": datasets["dim_region"],
        "database": database,
        "warehouse": str(superset_server.data_dir / "warehouse" / "minzheng.duckdb"),
        "serving": superset_server.env["MINZHENG_SERVING_PATH"],
        "scratch": str(superset_server.data_dir / "copied_by_sql.csv"),
    }


def _fill(value, targets: dict[str, object]):
    if isinstance(value, dict):
        return {k: _fill(v, targets) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, targets) for v in value]
    if isinstance(value, str):
        for key, target in targets.items():
            if value == f"{{{key}}}":
                return target
            value = value.replace(f"{{{key}}}", str(target))
    return value


def _send(server: Server, role: str, attack: Attack, targets: dict) -> requests.Response:
    session = server.session(LOGINS[role])
    payload = _fill(attack.payload, targets)
    if attack.kind in ("metric", "column", "raw-column", "where", "having"):
        query: dict = {
            "columns": ["county_code"],
            "metrics": ["count"] if attack.kind == "having" else [],
            "row_limit": 100,
            "filters": [],
            "extras": {"where": "", "having": ""},
            "orderby": [],
        }
        expression = {"expressionType": "SQL", "sqlExpression": payload, "label": "probe"}
        if attack.kind == "metric":
            query["metrics"], query["columns"] = [expression], []
        elif attack.kind == "column":
            query["columns"] = [expression]
        elif attack.kind == "raw-column":
            query["columns"] = [expression]
            del query["metrics"]
        else:
            query["extras"][attack.kind] = payload
        body = {
            "datasource": {"id": targets["dataset"], "type": "table"},
            "force": True,
            "queries": [query],
            "result_format": "json",
            "result_type": "full",
        }
        return session.post(f"{server.url}/api/v1/chart/data", json=body, timeout=120)
    if attack.kind == "sql":
        body = {"database_id": targets["database"], "sql": payload, "schema": "marts", "runAsync": False}
        return session.post(f"{server.url}/api/v1/sqllab/execute/", json=body, timeout=120)
    method, path = payload.split(" ", 1)
    body = _fill(attack.body, targets) if attack.body is not None else None
    if attack.kind == "view":  # Superset's older views take the form login's cookie, not the token
        session = server.cookie_session(LOGINS[role])
    return session.request(method, f"{server.url}{path}", json=body, timeout=120)


def _answered(attack: Attack, r: requests.Response) -> bool:
    if not r.ok:
        return False
    if attack.kind == "sql":
        return r.json().get("status") == "success"
    return True


CASES = [
    pytest.param(attack, role, id=f"{role}: {attack.name}")
    for attack in ATTACKS
    for role in (COUNTY, LEADER, ADMIN)
    if role in attack.refused_for + attack.allowed_for
]


@pytest.mark.parametrize(("attack", "role"), CASES)
def test_attack(superset_server: Server, targets: dict, attack: Attack, role: str) -> None:
    r = _send(superset_server, role, attack, targets)
    if role in attack.allowed_for:
        assert _answered(attack, r), (r.status_code, r.text[:500])
        return
    assert not _answered(attack, r), f"{attack.name} answered for {role}: {r.status_code} {r.text[:500]}"
    assert r.status_code < 500 or attack.kind == "sql", (r.status_code, r.text[:500])
    assert not Path(str(targets["scratch"])).exists()
    serving = Path(str(targets["serving"]))
    with serving.open("rb") as fh:  # still a DuckDB file, and nothing written beside it
        assert fh.read(12)[8:12] == b"DUCK", "the serving file was overwritten"
    assert not Path(f"{serving}.wal").exists() and not Path(f"{serving}.tmp", "x.csv").exists()
    # nothing of another county or of a file in what came back
    others = [code for code in _counties() if code != OWN_COUNTY]
    assert not any(code in r.text for code in others) or attack.kind == "api", r.text[:500]
    assert "root:x:0:0" not in r.text


def test_admin_cannot_unlock_the_connection(superset_server: Server, admin, targets: dict) -> None:
    """The admin may edit the database's settings in the UI; the connection is locked down in code
    (DB_CONNECTION_MUTATOR), so even read_only off, external access on and URL options do not reach
    DuckDB."""
    url, database = superset_server.url, targets["database"]
    before = admin.get(f"{url}/api/v1/database/{database}/connection", timeout=60).json()["result"]
    unlocked = {
        "engine_params": {
            "connect_args": {
                "read_only": False,
                "config": {"enable_external_access": True, "lock_configuration": False},
            }
        }
    }
    r = admin.put(
        f"{url}/api/v1/database/{database}",
        json={
            "extra": json.dumps(unlocked),
            "sqlalchemy_uri": before["sqlalchemy_uri"] + "?enable_external_access=true",
        },
        timeout=60,
    )
    try:
        assert r.ok, r.text[:500]
        r = admin.post(
            f"{url}/api/v1/sqllab/execute/",
            json={
                "database_id": database,
                "sql": "SELECT current_setting('enable_external_access') AS ext, "
                "current_setting('lock_configuration') AS locked",
                "runAsync": False,
            },
            timeout=120,
        )
        assert r.ok and r.json()["data"] == [{"ext": False, "locked": True}], r.text[:500]
        r = admin.post(
            f"{url}/api/v1/sqllab/execute/",
            json={"database_id": database, "sql": "SELECT * FROM read_csv('/etc/passwd')", "runAsync": False},
            timeout=120,
        )
        assert not _answered(ATTACKS[0], r) or r.json().get("status") != "success", r.text[:500]
        assert "root:x:0:0" not in r.text
    finally:
        proc = superset_server.run(str(REPO_ROOT / "superset" / "scripts" / "import.sh"))
        assert proc.returncode == 0, proc.stderr[-2000:]


def _rows(session: requests.Session, url: str, chart_id: int) -> list[dict]:
    r = session.get(f"{url}/api/v1/chart/{chart_id}/data/", params={"force": "true"}, timeout=120)
    assert r.status_code == 200, r.text[:500]
    return r.json()["result"][0]["data"]


def test_every_chart_answers_a_county_login_with_its_own_county_only(superset_server: Server, admin) -> None:
    """Every chart of every dashboard, as 宝塔区's login: answers, and no other county's code or name is in
    its rows; charts on counties show 宝塔区 itself. (The bundle's charts, the admin's: another login's
    own charts are not shown to a county, test_attacks_5.py.)"""
    url = superset_server.url
    county = superset_server.session(LOGINS[COUNTY])
    counties = _counties()
    others = {v for code, name in counties.items() if code != OWN_COUNTY for v in (code, name)}
    own = {OWN_COUNTY, counties[OWN_COUNTY]}
    charts = admin.get(f"{url}/api/v1/chart/", params={"q": "(page_size:200)"}).json()["result"]
    admin_id = admin.get(f"{url}/api/v1/me/", timeout=60).json()["result"]["id"]
    seen_own = 0
    for chart in charts:
        if chart["datasource_name_text"] and "dim_region" in chart["datasource_name_text"]:
            continue
        if admin_id not in {owner["id"] for owner in chart["owners"]}:
            continue
        rows = _rows(county, url, chart["id"])
        values = {str(v) for row in rows for v in row.values()}
        assert not values & others, (chart["slice_name"], sorted(values & others)[:5])
        seen_own += bool(values & own)
    assert seen_own >= 10


@pytest.mark.parametrize(
    "endpoint",
    [
        "/api/v1/datasource/table/{dataset}/column/county_code/values/",
        "/api/v1/datasource/table/{dataset}/column/county_name_zh/values/",
    ],
)
def test_filter_values_of_a_county_login_are_its_own(
    superset_server: Server, targets: dict, endpoint
) -> None:
    """The column-values endpoint: refused to a county login (its role has no can_get_column_values), or
    if granted some day, filtered by row-level security like every other query."""
    county = superset_server.session(LOGINS[COUNTY])
    r = county.get(superset_server.url + _fill(endpoint, targets), timeout=60)
    if r.status_code == 200:
        assert set(r.json()["result"]) <= {OWN_COUNTY, _counties()[OWN_COUNTY]}, r.text[:500]
    else:
        assert r.status_code == 403, r.text[:500]


def _raw_values(
    session: requests.Session, url: str, dataset: int, column: str, force: bool = True
) -> set[str]:
    body = {
        "datasource": {"id": dataset, "type": "table"},
        "force": force,
        "queries": [{"columns": [column], "row_limit": 10000, "filters": [], "orderby": []}],
        "result_format": "json",
        "result_type": "full",
    }
    r = session.post(f"{url}/api/v1/chart/data", json=body, timeout=120)
    assert r.status_code == 200, r.text[:500]
    return {str(row[column]) for row in r.json()["result"][0]["data"]}


def _query_text(session: requests.Session, url: str, dataset: int) -> str:
    """The SQL Superset would run for the login on `dataset` (its row-level security included)."""
    body = {
        "datasource": {"id": dataset, "type": "table"},
        "queries": [{"columns": ["county_code"], "row_limit": 10, "filters": [], "orderby": []}],
        "result_type": "query",
    }
    r = session.post(f"{url}/api/v1/chart/data", json=body, timeout=60)
    assert r.ok, r.text[:500]
    return r.json()["result"][0]["query"]


def test_a_county_login_past_row_level_security_still_reads_only_its_county(
    superset_server: Server, admin
) -> None:
    """The second layer: a county login's connection opens its own county's serving file, and chart
    results are cached per scope. With 宝塔区's row-level-security filters taken off its role (what any
    future bypass of them would amount to), its login still gets its own county's rows only: from the
    database, and not from the result the leader's identical query just left in the cache; while the
    leader's connection (the prefecture's file) has every county."""
    url = superset_server.url
    counties = _counties()
    datasets = {
        d["table_name"]: d["id"]
        for d in admin.get(f"{url}/api/v1/dataset/", params={"q": "(page_size:100)"}).json()["result"]
    }
    rules = admin.get(f"{url}/api/v1/rowlevelsecurity/", params={"q": "(page_size:100)"}, timeout=60)
    assert rules.status_code == 200, rules.text[:500]
    # a PUT replaces a rule's roles and its tables (an absent list is an empty one): send both
    own_rules = {
        r["id"]: admin.get(f"{url}/api/v1/rowlevelsecurity/{r['id']}").json()["result"]
        for r in rules.json()["result"]
        if f"（{OWN_COUNTY}）" in r["name"]
    }
    tables = {rule: [t["id"] for t in detail["tables"]] for rule, detail in own_rules.items()}
    roles = {rule: [r["id"] for r in detail["roles"]] for rule, detail in own_rules.items()}
    assert len(own_rules) == 2 and all(roles.values()) and all(tables.values()), own_rules
    county, leader = superset_server.session(LOGINS[COUNTY]), superset_server.session(LOGINS[LEADER])
    dataset = datasets["mart_overview_county_month"]
    try:
        for rule in own_rules:
            body = {"roles": [], "tables": tables[rule]}
            r = admin.put(f"{url}/api/v1/rowlevelsecurity/{rule}", json=body, timeout=60)
            assert r.ok, r.text[:500]
        assert OWN_COUNTY not in _query_text(county, url, dataset)  # no filter left
        assert _raw_values(leader, url, dataset, "county_code", force=False) == set(counties)  # now cached
        assert _raw_values(county, url, dataset, "county_code", force=False) == {OWN_COUNTY}
        assert _raw_values(county, url, dataset, "county_code") == {OWN_COUNTY}
        plan = next(
            name
            for name in ("mart_plan_progress", "mart_plan_scorecard", "mart_plan_projection")
            if name in datasets
        )
        regions = _raw_values(county, url, datasets[plan], "region_code")
        assert OWN_COUNTY in regions and not regions & (set(counties) - {OWN_COUNTY}), sorted(regions)
    finally:
        for rule in own_rules:
            body = {"roles": roles[rule], "tables": tables[rule]}
            r = admin.put(f"{url}/api/v1/rowlevelsecurity/{rule}", json=body, timeout=60)
            assert r.ok, r.text[:500]
    assert _raw_values(county, url, dataset, "county_code") == {OWN_COUNTY}
    assert OWN_COUNTY in _query_text(county, url, dataset)  # its filters are back
