"""Superset's security manager for the civil-affairs warehouse: login attempts rate-limited for real.

Superset limits only its login *form* (AUTH_RATE_LIMIT); the REST login (/api/v1/security/login) that
scripts and attackers use has no limit of its own. Both get the same limits here, counted in the shared
storage of RATELIMIT_STORAGE_URI (Redis on a Unix socket, started by superset/scripts/start.sh), so every
gunicorn worker sees the same counts:

- per client address and login name: LOGIN_LIMIT_PER_ACCOUNT failed attempts (guessing one password),
- per client address: LOGIN_LIMIT_PER_ADDRESS failed attempts (trying one password on many logins),
- per login name from anywhere: LOGIN_LIMIT_PER_NAME failed attempts an hour.

Only failed attempts count (a successful login does not use up the allowance); once a limit is reached
every attempt is answered 429 until the window passes, the right password included.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from flask import current_app, request
from flask.wrappers import Response
from flask_appbuilder.security.api import SecurityApi
from flask_limiter.util import get_remote_address
from superset.security import SupersetSecurityManager

# the one rule of what a county may read, shared with the pipeline's publish step (standard library only)
sys.path.append(str(Path(__file__).resolve().parent.parent / "dagster_project" / "serving"))
import county_scope  # noqa: E402


def _login_name() -> str:
    data: Any = request.get_json(silent=True) if request.is_json else request.form
    name = data.get("username", "") if hasattr(data, "get") else ""
    return str(name).strip().lower()[:200]


def _address_and_name() -> str:
    return f"{get_remote_address()}|{_login_name()}"


def _name() -> str:
    return _login_name()


def _api_login_failed(response: Response) -> bool:
    return response.status_code >= 400


def _form_login_failed(response: Response) -> bool:
    # the form answers a redirect either way: back to the login page when the password was wrong
    return response.status_code >= 400 or "/login" in (response.headers.get("Location") or "")


class MinzhengSecurityManager(SupersetSecurityManager):
    def get_rls_cache_key(self, datasource: Any) -> list[str]:
        """Chart results are cached under a key of the query and its row-level-security filters; the key
        also names the login's scope (the serving file its query ran on), so a county login never gets
        a result cached for the prefecture's file or another county's, whatever its filters came to."""
        from superset.utils.core import get_username

        key = scope_cache_key(get_username(), self, current_app.config["SERVING_PATH"])
        return [*super().get_rls_cache_key(datasource), key]

    def raise_for_access(self, *args: Any, **kwargs: Any) -> None:
        """Superset's one access check, plus: a non-admin's chart reads a dataset, never a SQL Lab query,
        saved query or view (minzheng_api_guard.refuse_other_datasources; a fourth red-team pass)."""
        import minzheng_api_guard

        minzheng_api_guard.refuse_other_datasources(kwargs)
        super().raise_for_access(*args, **kwargs)

    def register_views(self) -> None:
        super().register_views()
        config = current_app.config
        targets = [(self.auth_view, _form_login_failed)] + [
            (view, _api_login_failed) for view in self.appbuilder.baseviews if isinstance(view, SecurityApi)
        ]
        limits = (
            (config["LOGIN_LIMIT_PER_ACCOUNT"], _address_and_name),
            (config["LOGIN_LIMIT_PER_ADDRESS"], get_remote_address),
            (config["LOGIN_LIMIT_PER_NAME"], _name),
        )
        for view, failed in targets:
            blueprint = getattr(view, "blueprint", None)
            if blueprint is None:
                continue
            for value, key in limits:
                self.limiter.limit(
                    value,
                    key_func=key,
                    methods=["POST"],
                    deduct_when=failed,
                    error_message="登录失败次数过多，请稍后再试",
                )(blueprint)


# Every connection Superset opens to DuckDB, whatever the database's settings in the metadata say (an
# admin can edit them in the UI): the serving file only, read-only, no file or network access from SQL
# (read_csv/read_text/read_blob/glob/ATTACH/COPY/INSTALL), no extension loaded at query time, and the
# configuration locked so SQL cannot SET any of it back. json, icu and parquet are built into the wheel.
DUCKDB_LOCKDOWN: dict[str, bool] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}
# Set once the database is open (DuckDB refuses them at connect): without external access DuckDB still
# lets SQL write its own database file, WAL and temp folder (`COPY ... TO '<serving file>' (USE_TMP_FILE
# false)` overwrote the serving file from SQL Lab, read-only connection or not). With the local file
# system disabled, the open database is still read through its open handle and nothing else is reachable.
# Then the configuration is locked.
AFTER_OPEN = ("SET disabled_filesystems = 'LocalFileSystem'", "SET lock_configuration = true")


def lock_down_connection(
    uri: Any, params: dict, serving_path: str, target: str | Path | None = None
) -> tuple[Any, dict]:
    """DB_CONNECTION_MUTATOR body: refuse anything but the serving DuckDB file, force the lockdown, and
    open `target` (the file of the login's scope, serving_file_for) instead of the database's URI."""
    if uri.get_backend_name() != "duckdb":
        raise ValueError("只允许连接民政数据仓库的只读服务库（DuckDB）")
    if not uri.database or Path(uri.database).resolve() != Path(serving_path).resolve():
        raise ValueError("只允许连接民政数据仓库的只读服务库（DuckDB）")
    uri = uri.set(query={})  # duckdb-engine would apply URL query options over connect_args
    connect_args = dict(params.get("connect_args") or {})
    connect_args.pop("preload_extensions", None)
    connect_args.pop("register_filesystems", None)
    config = {k: v for k, v in dict(connect_args.get("config") or {}).items() if k == "custom_user_agent"}
    connect_args["config"] = config | DUCKDB_LOCKDOWN
    connect_args["read_only"] = True
    database = str(Path(target or serving_path).resolve())
    return uri, {**params, "connect_args": connect_args, "creator": lambda: locked_connection(database)}


# Logins that read the whole prefecture's serving file; a county role reads its own county's file; any
# other login reads nothing (an admin grants `leaders` or one `county_<code>` role to a new login).
PREFECTURE_ROLES = frozenset({"Admin", "leaders"})


PREFECTURE = "prefecture"
NO_SCOPE_ZH = "该账号没有分配数据范围（管理员请为其授予 leaders 或一个 county_<县区代码> 角色）"


def login_scope(username: str | None, security_manager: Any) -> str | None:
    """What a login may read: PREFECTURE (Admin, leaders), its county's code (one `county_<code>` role),
    or None (no login, no such role, or two counties)."""
    if not username:
        return None
    user = security_manager.find_user(username=username)
    roles = {role.name for role in (user.roles if user else [])}
    if roles & PREFECTURE_ROLES:
        return PREFECTURE
    counties = {code for role in roles if (code := county_scope.county_of_role(role))}
    return counties.pop() if len(counties) == 1 else None


def scope_cache_key(username: str | None, security_manager: Any, serving_path: str) -> str:
    """The part of a chart result's cache key that names what the result was read from: the login's
    scope and the publish of its serving file (inode and modification time: publish.py swaps in a new
    file). A result cached before a publish is not served after it: without the publish in the key a
    leader who had opened a dashboard saw the month before the clerk's drop for up to an hour
    (DATA_CACHE_CONFIG), and each gunicorn worker its own age of it."""
    scope = login_scope(username, security_manager)
    if scope is None:
        return "minzheng-scope:none"
    serving = Path(serving_path)
    path = serving if scope == PREFECTURE else county_scope.county_file(serving, scope)
    try:
        st = path.stat()
        published = f"{st.st_ino}:{st.st_mtime_ns}"
    except OSError:
        published = "unpublished"
    return f"minzheng-scope:{scope}:{published}"


def serving_file_for(username: str | None, security_manager: Any, serving_path: str) -> Path:
    """The serving file a connection for `username` opens: the prefecture's for the admin and leaders,
    the county's own (county_scope.county_file: only the rows its row-level security shows) for a
    county login, so a request that got around row-level security still reaches only its county."""
    from flask import has_request_context

    serving = Path(serving_path)
    if not username:
        if has_request_context():  # a request without a login: nothing
            raise PermissionError("未登录，不能读取数据")
        return serving  # the command line: `superset init`, the bundle import (no request, no login)
    scope = login_scope(username, security_manager)
    if scope is None:
        raise PermissionError(NO_SCOPE_ZH)
    if scope == PREFECTURE:
        return serving
    path = county_scope.county_file(serving, scope)
    if not path.exists():
        raise PermissionError("本县区的看板数据尚未发布，请稍后再试或联系市局统计人员")
    return path


def locked_connection(database: str) -> Any:
    """A DuckDB connection to `database` as duckdb-engine makes one, locked down (SQLAlchemy's `creator`:
    the engine's own connect cannot run statements after opening)."""
    import duckdb
    from duckdb_engine import ConnectionWrapper

    # Connections of one process share the open database and its settings. Only this function locks it,
    # after disabling the file system, so a locked one is already locked down; the lock keeps two threads'
    # first connections from both trying (the later one's SET would meet the earlier one's lock).
    with _LOCKING:
        conn = duckdb.connect(database, read_only=True, config=dict(DUCKDB_LOCKDOWN))
        try:
            (locked,) = conn.execute("SELECT current_setting('lock_configuration')").fetchone()
            if not locked:
                for statement in AFTER_OPEN:
                    conn.execute(statement)
        except Exception:
            conn.close()
            raise
    return ConnectionWrapper(conn)


_LOCKING = threading.Lock()
