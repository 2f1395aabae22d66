"""What Superset's REST API leaves open to a logged-in user beyond row-level security (a third red-team
pass), refused for every request before the view runs, whatever the roles hold (`superset init`
re-syncs Gamma's permissions at every start):

- Superset 6.1's `GET /api/v1/dashboard/<id>/export_as_example/` (permission can_export on Dashboard,
  which Gamma holds) reads every dataset of the dashboard with `SELECT <columns> FROM <table>` outside
  the query path: no row-level security, every county's rows in the ZIP's Parquet files. Refused to
  everyone (the project never needs it).
- The YAML exports (dashboards, charts, datasets, databases, saved queries, themes, assets) carry the
  database connection, the server's path of the serving file: the admin's only.
- A chart written (POST/PUT /api/v1/chart/) on a dataset the user may not read: Superset checked only
  that the dataset exists.
- Owners and roles set by a non-admin on a chart, dashboard or dataset: only themselves as owner, only
  roles they hold (a county login made a published dashboard owned by `leader`, listed to `leaders`).
- Pick-lists of users and roles (`/api/v1/<resource>/related/owners`, `.../created_by`, `.../roles`)
  listed every login with its name and e-mail: a non-admin sees only itself and its own roles.

A fourth pass found four more:

- `GET /superset/explore_json/...` (the legacy charts' data) is wrapped in Superset's etag_cache, which
  keeps the whole response under the URL alone (no login, no scope) and looks it up before the
  permission check: a county login that GETs a URL the leader opened gets the leader's answer, every
  county's rows. The GET form is refused to everyone (the charts themselves POST, which is not cached
  there; the bundle has no legacy chart at all).
- The import endpoints (`POST /api/v1/<chart|dashboard|...>/import/`) create charts and dashboards
  past the checks above (a county imported a chart on a dataset it may not read): the admin's only.
- A dashboard's layout (position_json, json_metadata's positions) names chart ids, and Superset makes
  every chart named there the dashboard's own, readable or not; with DASHBOARD_RBAC a dashboard the
  login owns, shown to its own role, then grants its charts' datasets (and its native filters' target
  datasets): a county login passed the access check on a dataset it is not granted by placing the
  admin's chart on it in its own dashboard. A non-admin's dashboard writes (the dashboard, its copy,
  its native filters) may name only charts and datasets it can read.
- A chart's datasource may be a SQL Lab query, a saved query or a view, not only a dataset: a county
  login ran the leader's SQL Lab query (its SQL text shown back; its own row filter applied). Every
  access check (the security manager's raise_for_access) now refuses a non-admin any datasource but a
  dataset, and any SQL Lab query but its own (refuse_other_datasources).

A fifth pass found:

- Every answer that names a user (a chart's, dashboard's or dataset's owners, created_by, changed_by,
  last_saved_by, `/api/v1/dashboard/<id>/datasets`, `/api/v1/explore/`, the lists) carried other
  logins' names and e-mails to any login: a non-admin's JSON answers name only itself; every other
  user is `其他用户` with its id, no e-mail or login name (_scrub_users).
- Charts and dashboards are shared by dataset: a county login listed (and opened in Explore) another
  county's own charts on a shared dataset, their titles and filters. A non-admin now sees only the
  charts and dashboards owned or created by itself, by an admin (the bundle's) or by a login of its
  own scope role (`leaders`, or its own `county_<code>`), in every query of them (_visible_objects).

- Jinja in a non-admin's own SQL (a chart request's custom SQL, a saved chart's params or query context,
  SQL Lab) is rendered on the server with no bound on time or memory: `{{ 'a' * 10**10 }}`, `{{ 9**9**9 }}`
  or two nested `range(100000)` loops hold a worker or exhaust its memory, and the macros reach beyond
  the row (`metric()`, `dataset()`). The bundle's own templates are in its datasets' calculated columns
  (rendered as before); a non-admin's request that carries a template (`{{`, `{%`, `{#` anywhere in its
  body or query string, JSON-escaped or not) to a path that runs SQL is refused (_JINJA_PATHS).

A sixth pass found:

- A non-admin's dataset came from more than its roles: Superset's access check lends a chart-data
  request a dataset when it names a dashboard shown to one of the login's roles (DASHBOARD_RBAC), and for
  a multi-layer chart's layers it never compares the layer's dataset with the requested one: a county
  login's own dashboard, shown to its own role, with its own deck.gl chart listing any chart id, passed
  the check on any dataset. A non-admin's datasets are now those its roles grant (or it owns) only
  (_granted_by_role, in every access check); the bundle's dashboards are shown to no role.
- Annotation layers (an admin's dated notes) are read by id in a chart-data request with no check of
  Superset's own: any login read any layer's notes. Refused without `can_read` on Annotation.
- Superset 2's explore page still answers POST (`/superset/explore/`, which the 6.1 pages never use):
  with no access check it rendered any dataset's definition and its owners' names, login names and
  e-mails into the page, and saved charts on any dataset into the login's own dashboards, past every
  check of /api/v1/chart/ and /api/v1/dashboard/. A non-admin's POST there is refused.

- SQL Lab's tab state (`PUT /tabstateview/<id>`) writes any column of the login's own tab, and
  `POST /tabstateview/<id>/migrate_query` moves any query: a tab pointed at another login's query (by its
  client id) showed that query's SQL, its executed SQL and its author's name, and a tab given to another
  login (`user_id`) appeared, with the SQL and autorun chosen by the giver, in that login's SQL Lab. A
  non-admin's tab names only its own queries and stays its own (_tab_state_refusal).

Refusals answer 403 with a Chinese message, as Superset's own do.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from flask import Flask, g, jsonify, request
from flask.wrappers import Response

_EXAMPLE_EXPORT = re.compile(r"^/api/v1/dashboard/[^/]+/export_as_example/?$")
_YAML_EXPORT = re.compile(
    r"^/api/v1/(dashboard|chart|dataset|database|saved_query|theme|assets|css_template)/export/?$"
)
_CHART_WRITE = re.compile(r"^/api/v1/chart/(\d+)?/?$")
_OWNED_WRITE = re.compile(r"^/api/v1/(chart|dashboard|dataset)/(\d+)?/?$")
# every dashboard write (the dashboard itself, copy, native filters, ...): what charts and datasets it names
_DASHBOARD_WRITE = re.compile(r"^/api/v1/dashboard/.*$")


# the legacy charts' data endpoint: its GET answers are cached per URL for every login (etag_cache)
_LEGACY_CACHED = re.compile(r"^/superset/explore_json(/.*)?$")
# Superset 2's explore page: its POST renders any dataset and saves charts on it with no access check
_LEGACY_EXPLORE = re.compile(r"^/superset/explore(/.*)?$")
_IMPORT = re.compile(r"^/api/v1/[a-z_]+/import/?$")
# SQL Lab's tab state: a write of the tab's columns, and a query moved into the tab
_TAB_STATE = re.compile(r"^/tabstateview/\d+(/migrate_query)?/?$")
# stops a running SQL Lab query by its client id (Superset checks no owner)
_QUERY_STOP = re.compile(r"^/api/v1/query/stop/?$")
# what a chart may read: a dataset (SqlaTable.type); not a SQL Lab query, a saved query or a view
DATASET_TYPES = frozenset({"table"})


_RELATED = re.compile(r"^/api/v1/[a-z_]+/related/([a-z_]+)/?$")
_USER_COLUMNS = {"owners", "created_by", "changed_by", "user", "users"}


def install(app: Flask) -> None:
    """Register the guard (FLASK_APP_MUTATOR calls this) and narrow the user and role pick-lists: in
    the query where Superset lets a config do it, and in every related-field answer (some resources'
    pick-lists, e.g. the datasets' created_by, take no filter)."""
    app.before_request(_guard)
    app.after_request(_narrow_related)
    app.after_request(_scrub_users)
    app.config["EXTRA_RELATED_QUERY_FILTERS"] = {"user": _own_user_only, "role": _own_roles_only}
    _install_visibility()


# keys of a JSON answer that hold a user (a dict with first_name, last_name, email, username)
_USER_KEYS = {"first_name", "last_name", "email", "username"}
_OTHER_USER = "其他用户"
# keys that may hold a user's full name as a string (Explore's metadata: owners, created_by, changed_by)
_USER_NAME_KEYS = {"owners", "created_by", "changed_by", "last_saved_by"}
# answers too large or of no user worth parsing: chart data (rows), CSV, files
_NO_USERS = re.compile(r"^/api/v1/chart/(data|\d+/data)/?")


def _scrub_users(response: Response) -> Response:
    """A non-admin's JSON answer names no other login: every dict that is a user (owners, created_by,
    changed_by, last_saved_by, ...) but its own becomes {id, first_name: 其他用户, last_name: ""}, and
    the `*_by_name` strings that are not its own name are `其他用户`."""
    if (
        response.direct_passthrough
        or response.mimetype != "application/json"
        or _NO_USERS.match(request.path)
    ):
        return response
    data = response.get_data()
    if not any(
        key in data
        for key in (
            b'"email"',
            b'"first_name"',
            b'"last_name"',
            b'"username"',
            b'_by_name"',
            b'"owners"',
            b'"created_by"',
            b'"changed_by"',
        )
    ):
        return response
    user = _user()
    if user is None or _is_admin(user):
        return response
    try:
        body = json.loads(data)
    except ValueError:
        return response
    own_name = f"{user.first_name or ''} {user.last_name or ''}".strip()
    if _scrubbed(body, user, own_name):
        response.set_data(json.dumps(body, ensure_ascii=False))
    return response


def _scrubbed(value: Any, user: Any, own_name: str) -> bool:
    """Scrub other users out of `value` in place; True when anything changed."""
    changed = False
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        if _is_user(item) and not _is_own(item, user):
            for key in _USER_KEYS & item.keys():
                del item[key]
            item["first_name"], item["last_name"] = _OTHER_USER, ""
            changed = True
        for key, inner in item.items():
            by_name = key.endswith("_by_name") or key in _USER_NAME_KEYS
            if by_name and isinstance(inner, str) and inner and inner.strip() != own_name:
                item[key] = _OTHER_USER
                changed = True
            elif by_name and isinstance(inner, list) and any(isinstance(v, str) for v in inner):
                item[key] = [
                    v if not isinstance(v, str) or v.strip() == own_name else _OTHER_USER for v in inner
                ]
                changed = True
            elif isinstance(inner, (dict, list)):
                stack.append(inner)
    return changed


def _is_user(item: dict) -> bool:
    """A user's dict: one of its name keys, every one of them a string or None (a validation error's
    `{"username": ["Unknown field."]}` is not one)."""
    keys = _USER_KEYS & item.keys()
    return bool(keys) and all(item[key] is None or isinstance(item[key], str) for key in keys)


def _is_own(item: dict, user: Any) -> bool:
    if "id" in item:
        return item["id"] == user.id
    if "email" in item or "username" in item:
        return item.get("email", user.email) == user.email and item.get("username", user.username) == (
            user.username
        )
    return (item.get("first_name"), item.get("last_name")) == (user.first_name, user.last_name)


def _scope_roles(user: Any) -> list[str]:
    """The roles whose logins share charts and dashboards with `user`: the admins, and its own scope
    role (leaders, or its county_<code>)."""
    import county_scope

    own = [r.name for r in user.roles if r.name == "leaders" or county_scope.county_of_role(r.name)]
    return ["Admin", *own]


def _install_visibility() -> None:
    """Every ORM query of charts and dashboards in a non-admin's request keeps only those of its own
    circle (_visible_objects); lists, GET by id, Explore, a dashboard's charts alike."""
    from sqlalchemy import event, or_
    from sqlalchemy.orm import Session, with_loader_criteria
    from superset.models.dashboard import Dashboard
    from superset.models.slice import Slice

    from superset import security_manager

    @event.listens_for(Session, "do_orm_execute")
    def _visible_objects(state: Any) -> None:
        if not state.is_select:
            return
        users = _visible_user_ids()
        if users is None:
            return
        user_id = security_manager.user_model.id
        for model in (Slice, Dashboard):
            visible = or_(model.created_by_fk.in_(users), model.owners.any(user_id.in_(users)))
            state.statement = state.statement.options(
                with_loader_criteria(model, visible, include_aliases=True)
            )


def _visible_user_ids() -> tuple[int, ...] | None:
    """The users whose charts and dashboards the request's login may see; None: no limit (no request,
    no login yet, an admin). Computed once per request, on a query of its own."""
    from flask import has_request_context

    if not has_request_context():
        return None
    cached = g.get("minzheng_visible_users", False)
    if cached is not False or g.get("minzheng_visibility_busy"):
        return cached or None
    g.minzheng_visibility_busy = True  # loading the login and its roles queries too: not in here again
    try:
        user = getattr(g, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return None  # not kept: the login may be loaded later in the request
        if _is_admin(user):
            g.minzheng_visible_users = None
            return None
        from superset import db, security_manager

        model, role = security_manager.user_model, security_manager.role_model
        ids = db.session.query(model.id).filter(model.roles.any(role.name.in_(_scope_roles(user)))).all()
    finally:
        g.minzheng_visibility_busy = False
    users = tuple(sorted({user.id, *(i for (i,) in ids)}))
    g.minzheng_visible_users = users
    return users


def _narrow_related(response: Response) -> Response:
    """A non-admin's answer of `/api/v1/<resource>/related/<users or roles>`: itself, its own roles."""
    match = _RELATED.match(request.path)
    if request.method != "GET" or not match or response.status_code != 200:
        return response
    column = match.group(1)
    if column not in _USER_COLUMNS and column != "roles":
        return response
    user = _user()
    if user is None or _is_admin(user):
        return response
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("result"), list):
        return response
    allowed = {user.id} if column in _USER_COLUMNS else {role.id for role in user.roles}
    body["result"] = [item for item in body["result"] if item.get("value") in allowed]
    body["count"] = len(body["result"])
    response.set_data(json.dumps(body))
    return response


def _refused(message: str) -> Response:
    response = jsonify({"message": message})
    response.status_code = 403
    return response


def _user() -> Any:
    """The logged-in user: the form login's session, else the API's bearer token (FAB loads that user
    only inside the view, so it is verified here too); None when there is none (the view answers 401)."""
    from flask_login import current_user

    if current_user is not None and getattr(current_user, "is_authenticated", False):
        return current_user
    try:
        from flask_jwt_extended import verify_jwt_in_request

        verify_jwt_in_request(optional=True)
    except Exception:  # an invalid or expired token: the view refuses it
        return None
    user = getattr(g, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _is_admin(user: Any) -> bool:
    from superset import security_manager

    return any(role.name == security_manager.auth_role_admin for role in user.roles)


# where a request's text ends up rendered as a Jinja template and run: chart data (and a saved chart's
# params and query context), the legacy charts, samples / drill to detail, Explore's stored form data,
# SQL Lab, datasets and saved queries
_JINJA_PATHS = re.compile(
    r"^/(api/v1/(chart|sqllab|explore|dataset|saved_query|datasource|query)|superset/explore_json|datasource)(/|$)"
)
_JINJA_MARKERS = ("{{", "{%", "{#")


def _has_jinja(value: Any, depth: int = 0) -> bool:
    """A Jinja delimiter anywhere in `value`: its strings, and the JSON inside its strings."""
    if isinstance(value, str):
        if any(marker in value for marker in _JINJA_MARKERS):
            return True
        if depth < 4 and value.lstrip()[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                return _has_jinja(json.loads(value), depth + 1)
        return False
    if isinstance(value, dict):
        return any(_has_jinja(k, depth) or _has_jinja(v, depth) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_jinja(v, depth) for v in value)
    return False


def _carries_jinja() -> bool:
    from urllib.parse import unquote_plus

    if _has_jinja(unquote_plus(request.query_string.decode("utf-8", "replace"))):
        return True
    if any(_has_jinja(v) for values in request.args.listvalues() for v in values):
        return True
    if any(_has_jinja(v) for values in request.form.listvalues() for v in values):
        return True
    raw = request.get_data(cache=True, as_text=True)
    if _has_jinja(raw):
        return True
    body = request.get_json(silent=True) if request.is_json else None
    return _has_jinja(body) if body is not None else False


def _guard() -> Response | None:
    path, method = request.path, request.method
    if _JINJA_PATHS.match(path):
        user = _user()
        if user is not None and not _is_admin(user) and _carries_jinja():
            return _refused("不允许在查询中使用 Jinja 模板（{{ }}、{% %}）")
    if _EXAMPLE_EXPORT.match(path):
        return _refused("不允许把看板连同数据导出为示例包")
    if method in ("GET", "HEAD") and _LEGACY_CACHED.match(path):
        return _refused("旧版图表接口只接受 POST 请求（GET 的结果按网址缓存，不分账号）")
    if method == "POST" and _LEGACY_EXPLORE.match(path):
        user = _user()
        if user is not None and not _is_admin(user):
            return _refused("旧版探索页面不接受 POST 请求（请在新版探索页面保存图表）")
    if method in ("POST", "PUT") and _TAB_STATE.match(path):
        return _tab_state_refusal()
    if method == "POST" and _QUERY_STOP.match(path):
        return _query_stop_refusal()
    if method == "POST" and _IMPORT.match(path):
        user = _user()
        if user is not None and not _is_admin(user):
            return _refused("只有管理员可以导入")
        return None
    writes = method in ("POST", "PUT") and bool(_OWNED_WRITE.match(path) or _DASHBOARD_WRITE.match(path))
    if not (_YAML_EXPORT.match(path) or writes):
        return None
    user = _user()
    if user is None or _is_admin(user):
        return None
    if _YAML_EXPORT.match(path):
        return _refused("只有管理员可以导出（导出文件含数据库连接）")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None
    owners = body.get("owners")
    if owners is not None and (not isinstance(owners, list) or any(o != user.id for o in owners)):
        return _refused("只能把自己设为所有者")
    roles = body.get("roles")
    if roles is not None and "/dashboard/" in path:
        own = {role.id for role in user.roles}
        if not isinstance(roles, list) or any(r not in own for r in roles):
            return _refused("只能把看板授权给自己所属的角色")
    if _CHART_WRITE.match(path):
        for datasource in _chart_datasources(body):
            if not _can_read(*datasource):
                return _refused("您没有访问此数据集的权限")
    if _DASHBOARD_WRITE.match(path):
        charts, datasets = _dashboard_references(body)
        if not all(_can_read_chart(c) for c in charts) or not all(_can_read(d, "table") for d in datasets):
            return _refused("看板只能包含自己有权访问的数据集及其图表")
    return None


def _tab_state_refusal() -> Response | None:
    """A non-admin's SQL Lab tab: never given to another login (`user_id`), and the queries it names
    (`latest_query_id`, a moved `queryId`: a query's client id) are the login's own."""
    user = _user()
    if user is None or _is_admin(user):
        return None
    form = request.form
    if "user_id" in form or "id" in form:
        return _refused("SQL 查询标签页只属于自己")
    for key in ("latest_query_id", "queryId"):
        if key in form:
            try:
                client_id = json.loads(form[key])
            except ValueError:
                client_id = form[key]
            if client_id is not None and not _own_query(str(client_id), user):
                return _refused("只能打开自己的 SQL 查询")
    return None


def _query_stop_refusal() -> Response | None:
    """A non-admin stops only its own SQL Lab queries (`POST /api/v1/query/stop` takes any client id)."""
    user = _user()
    if user is None or _is_admin(user):
        return None
    body = request.get_json(silent=True)
    client_id = body.get("client_id") if isinstance(body, dict) else None
    if client_id is not None and not _own_query(str(client_id), user):
        return _refused("只能停止自己的 SQL 查询")
    return None


def _own_query(client_id: str, user: Any) -> bool:
    """No SQL Lab query has this client id, or the login's own has."""
    from superset.extensions import db
    from superset.models.sql_lab import Query

    owner = db.session.query(Query.user_id).filter(Query.client_id == client_id).first()
    return owner is None or owner[0] == user.id


def _dashboard_references(value: Any) -> tuple[set[Any], set[Any]]:
    """The chart ids (`chartId`: the layout) and dataset ids (`datasetId`: native filter targets) anywhere
    in a dashboard write, JSON strings included (position_json, json_metadata). Superset makes every
    chart of the layout the dashboard's own unasked, and DASHBOARD_RBAC lets a dashboard grant its charts'
    and native filters' datasets to the roles it is shown to."""
    charts: set[Any] = set()
    datasets: set[Any] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and item.lstrip()[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                stack.append(json.loads(item))
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                if key == "chartId" and not isinstance(inner, (dict, list)):
                    charts.add(inner)
                elif key == "datasetId" and not isinstance(inner, (dict, list)):
                    datasets.add(inner)
                else:
                    stack.append(inner)
    return charts, datasets


def _can_read_chart(chart_id: Any) -> bool:
    """A chart the login may place: one on a dataset it can read (no such chart: Superset ignores it)."""
    from superset.extensions import db
    from superset.models.slice import Slice

    try:
        chart = db.session.query(Slice).filter(Slice.id == int(chart_id)).one_or_none()
    except (TypeError, ValueError):
        return True
    return chart is None or _can_read(chart.datasource_id, chart.datasource_type or "table")


def _chart_datasources(body: dict) -> list[tuple[Any, Any]]:
    """The datasources a chart body names: datasource_id/datasource_type and its query_context's."""
    found = []
    if "datasource_id" in body or "datasource_type" in body:
        found.append((body.get("datasource_id"), body.get("datasource_type") or "table"))
    context = body.get("query_context")
    if context:
        try:
            datasource = json.loads(context).get("datasource") or {}
        except (TypeError, ValueError, AttributeError):
            datasource = {"id": None}
        found.append((datasource.get("id"), datasource.get("type") or "table"))
    return found


def _can_read(datasource_id: Any, datasource_type: Any) -> bool:
    from superset.daos.datasource import DatasourceDAO

    from superset import security_manager

    try:
        datasource = DatasourceDAO.get_datasource(str(datasource_type), datasource_id)
    except Exception:  # no such dataset: Superset's own validation answers
        return True
    return bool(security_manager.can_access_datasource(datasource))


def _own_user_only(query: Any) -> Any:
    from superset import security_manager

    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return query.filter(False)
    if _is_admin(user):
        return query
    return query.filter(security_manager.user_model.id == user.id)


def _own_roles_only(query: Any) -> Any:
    from superset import security_manager

    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return query.filter(False)
    if _is_admin(user):
        return query
    return query.filter(security_manager.role_model.id.in_([role.id for role in user.roles]))


def refuse_other_datasources(access: dict[str, Any]) -> None:
    """Part of every access check (MinzhengSecurityManager.raise_for_access, with its keyword arguments):
    the datasource a chart, query context or legacy chart reads must be a dataset for a non-admin, never
    a saved query or a view; a SQL Lab query (a chart may read one) only the login's own, never another
    login's (its SQL shown back and run)."""
    user = getattr(g, "user", None)
    if user is not None and getattr(user, "is_authenticated", False) and _is_admin(user):
        return
    query = access.get("query")  # SQL Lab's own check, and a chart on a SQL Lab query: the login's own only
    if query is not None and getattr(query, "user_id", None) != getattr(user, "id", None):
        _refuse_datasource()
    datasource = access.get("datasource")
    for holder in ("query_context", "viz"):
        if datasource is None and access.get(holder) is not None:
            datasource = getattr(access[holder], "datasource", None)
    if datasource is not None and getattr(datasource, "type", None) not in DATASET_TYPES:
        _refuse_datasource()
    if datasource is not None and not _granted_by_role(datasource):
        _refuse_datasource("您没有访问此数据集的权限（看板不代替数据集的授权）")
    if access.get("query_context") is not None and _reads_annotation_layers(access["query_context"]):
        _refuse_datasource("注释层只有管理员可以读取")


def _granted_by_role(datasource: Any) -> bool:
    """A dataset the login's roles grant (its database, schema or the dataset itself) or that it owns.
    Superset also lends a dataset to a chart-data request that names a dashboard shown to one of the
    login's roles (DASHBOARD_RBAC) and a chart of it, and for a multi-layer chart's layers it never
    compares the layer's dataset with the one requested: a county login's own dashboard, shown to its own
    role, with its own deck.gl chart listing any chart id, read any dataset (a sixth red-team pass). The
    bundle's dashboards are shown to no role, so no login ever needed that loan."""
    from superset import security_manager

    return bool(
        security_manager.can_access_schema(datasource)
        or security_manager.can_access("datasource_access", datasource.perm or "")
        or security_manager.is_owner(datasource)
    )


def _reads_annotation_layers(query_context: Any) -> bool:
    """A chart-data request that names an annotation layer (sourceType NATIVE: the layer's notes are read
    by id, with no check of Superset's own) from a login without Superset's `can_read` on Annotation
    (the admin's only): any login read any layer's notes (a sixth red-team pass)."""
    from superset import security_manager

    named = any(
        isinstance(layer, dict) and layer.get("sourceType") == "NATIVE"
        for query in getattr(query_context, "queries", None) or []
        for layer in getattr(query, "annotation_layers", None) or []
    )
    return named and not security_manager.can_access("can_read", "Annotation")


def _refuse_datasource(
    message: str = "图表只能查询数据集（不能以 SQL 查询、保存的查询或视图作数据源）",
) -> None:
    from superset.errors import ErrorLevel, SupersetError, SupersetErrorType
    from superset.exceptions import SupersetSecurityException

    raise SupersetSecurityException(
        SupersetError(
            error_type=SupersetErrorType.DATASOURCE_SECURITY_ACCESS_ERROR,
            message=message,
            level=ErrorLevel.ERROR,
        )
    )
