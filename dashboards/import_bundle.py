"""Import the dashboards bundle into Superset (idempotent), set up roles and row-level security, or export
the UI's version back into dashboards/bundle/. Runs with Superset's own interpreter:

    .superset-venv/bin/python dashboards/import_bundle.py import|export

`import` checks the bundle first (validate_bundle.py: links by UUID, columns and metrics against the dbt
models, no secrets; any error stops the import), fills in the serving DuckDB path of this machine and runs
Superset's ImportAssetsCommand
(overwrite everything by UUID: re-import applies changes and never duplicates), then creates the roles: `leaders` (all counties) and
one `county_<code>` role per county whose row-level-security filter keeps only its own county.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import sys
import urllib.request
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# MINZHENG_BUNDLE_DIR: another bundle folder (the tests export into a temporary one)
BUNDLE = Path(os.environ.get("MINZHENG_BUNDLE_DIR") or HERE / "bundle")
PLACEHOLDER = "duckdb:///SERVING_PATH"
DATABASE_NAME = "民政数据仓库"


def serving_uri() -> str:
    path = os.environ.get("MINZHENG_SERVING_PATH") or str(
        HERE.parent / "data" / "serving" / "minzheng.duckdb"
    )
    return f"duckdb:///{Path(path).resolve()}"


def bundle_contents() -> dict[str, str]:
    """The bundle as Superset's importers take it: {path: yaml text}, serving path filled in."""
    return {
        f.relative_to(BUNDLE).as_posix(): f.read_text(encoding="utf-8").replace(PLACEHOLDER, serving_uri())
        for f in sorted(BUNDLE.rglob("*.yaml"))
    }


def check_bundle() -> None:
    """Stop (exit 1) with the validator's messages if the bundle has a broken link, an unknown column or
    metric, or a secret in it."""
    sys.path.insert(0, str(HERE))
    from validate_bundle import validate

    report = validate(BUNDLE)
    for message in report.warnings:
        print(f"WARNING {message}")
    if not report.ok:
        for message in report.errors:
            print(f"ERROR   {message}", file=sys.stderr)
        raise SystemExit(f"{BUNDLE}: {len(report.errors)} error(s); nothing imported or exported unchecked")


def import_bundle() -> None:
    """ImportAssetsCommand overwrites databases, datasets, charts and dashboards by UUID (the dashboard
    importers keep existing charts and datasets), so a re-import applies every change and never duplicates."""
    check_bundle()
    from flask import g
    from superset.commands.importers.v1.assets import ImportAssetsCommand

    from superset import security_manager as sm

    g.user = sm.find_user(username=os.environ.get("SUPERSET_ADMIN_USER", "admin"))
    ImportAssetsCommand(bundle_contents()).run()
    setup_security()
    print(f"imported {len(list((BUNDLE / 'dashboards').glob('*.yaml')))} dashboards from {BUNDLE}")


# What a county login sees (README "Security model"): one rule, dagster_project/serving/county_scope.py,
# which the pipeline also uses to write each county's own serving file (Superset opens it for the
# county's logins). Its own county's rows; the prefecture's totals (mart_overview_prefecture_month:
# already published in the bureau's statistical bulletin) and the publish status (mart_publish_status:
# as-of month, load time, source; no figures of any county); in the plan marts, the prefecture-level
# and other plans' rows; never another county's row.
sys.path.append(str(HERE.parent / "dagster_project" / "serving"))
import county_scope  # noqa: E402

GAMMA_WITHOUT = {("can_invalidate", "CacheRestApi"), ("can_write", "Theme")}


def setup_security() -> None:
    """Roles and RLS, idempotent (inside the Superset app context).

    `leaders`: Gamma + database_access on the warehouse database (every dataset of it, and SQL Lab with
    the `sql_lab` role; the connection itself is read-only and cannot reach files or other databases).
    `county_<code>`: Gamma + datasource_access on the bundle's datasets, each with a row-level-security
    filter that keeps only its county (no SQL Lab, no database access)."""
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
    from superset.models.core import Database
    from superset.utils.core import RowLevelSecurityFilterType

    from superset import db
    from superset import security_manager as sm

    counties = _counties()
    database = db.session.query(Database).filter_by(database_name=DATABASE_NAME).one()
    tables = db.session.query(SqlaTable).filter(SqlaTable.database_id == database.id).all()
    columns = {t.table_name: {c.column_name for c in t.columns} for t in tables}
    scoped = {t: county_scope.clause_template(t.table_name, columns[t.table_name]) for t in tables}
    scoped = {t: template for t, template in scoped.items() if template is not None}
    gamma = sm.find_role("Gamma")
    # Superset's Gamma (re-synced by every `superset init`) also holds the admin's user-registration API,
    # flushing any dataset's cache and writing themes: no login but the admin needs them.
    for perm in list(gamma.permissions):
        if (perm.permission.name, perm.view_menu.name) in GAMMA_WITHOUT or (
            perm.view_menu.name == "UserRegistrationsRestAPI"
        ):
            sm.del_permission_role(gamma, perm)
    leaders = sm.add_role("leaders")
    for perm in gamma.permissions:
        sm.add_permission_role(leaders, perm)
    # earlier versions granted every datasource of every database: the warehouse database only
    all_ds = sm.find_permission_view_menu("all_datasource_access", "all_datasource_access")
    if all_ds in leaders.permissions:
        sm.del_permission_role(leaders, all_ds)
    sm.add_permission_role(leaders, sm.add_permission_view_menu("database_access", database.perm))
    for code, name in counties.items():
        role = sm.add_role(f"county_{code}")
        wanted = set(gamma.permissions) | {
            sm.add_permission_view_menu("datasource_access", t.get_perm()) for t in scoped
        }
        for perm in list(role.permissions):
            if perm not in wanted:  # nothing left over from an earlier grant
                sm.del_permission_role(role, perm)
        for perm in wanted:
            sm.add_permission_role(role, perm)
        for label, template in (
            ("只看本县区", county_scope.COUNTY_CLAUSE),
            ("规划：全市与本县区", county_scope.REGION_CLAUSE),
        ):
            rls_name = f"{label}：{name}（{code}）"
            rls = db.session.query(RowLevelSecurityFilter).filter_by(name=rls_name).one_or_none()
            if rls is None:
                rls = RowLevelSecurityFilter(name=rls_name, filter_type=RowLevelSecurityFilterType.REGULAR)
                db.session.add(rls)
            rls.clause = county_scope.county_clause(template, code)
            rls.group_key = "county"
            rls.tables = [t for t, scope in scoped.items() if scope == template]
            rls.roles = [role]
    db.session.commit()


def _password_file() -> Path:
    home = os.environ.get("SUPERSET_HOME_DIR") or str(
        Path(os.environ.get("MINZHENG_DATA_DIR") or HERE.parent / "data") / "superset"
    )
    return Path(home) / "initial_passwords"


def _record_password(username: str, password: str) -> None:
    """Append `username<TAB>password` to the mode-600 password file (created if missing; earlier lines are
    never rewritten, so a password changed in the UI is not overwritten here)."""
    path = _password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(f"{username}\t{password}\n")


def _ensure_user(username: str, first: str, roles: list, demo_password: str | None) -> None:
    """Create a login, or update its roles. Demo (SUPERSET_DEMO_PASSWORD set): the demo password, reset
    at every start. Otherwise a new login gets a random password, recorded once in the password file, and
    an existing login's password is never touched."""
    from superset import security_manager as sm

    if None in roles:
        raise RuntimeError(f"role missing for {username}: run `import` first (it creates the roles)")
    user = sm.find_user(username=username)
    if user is None:
        password = demo_password or secrets.token_urlsafe(15)
        if not sm.add_user(username, first, "用户", f"{username}@minzheng.local", roles, password=password):
            raise RuntimeError(f"could not create login {username}")
        if not demo_password:
            _record_password(username, password)
        return
    user.roles = roles
    sm.update_user(user)
    if demo_password:
        sm.reset_password(user.id, demo_password)


def create_admin() -> None:
    """The admin login (before the import, which runs as admin)."""
    from superset import security_manager as sm

    demo = os.environ.get("SUPERSET_DEMO_PASSWORD") or None
    _ensure_user(
        os.environ.get("SUPERSET_ADMIN_USER", "admin"),
        "数据管理员",
        [sm.find_role("Admin")],
        os.environ.get("SUPERSET_ADMIN_PASSWORD") or demo,
    )


def create_users() -> None:
    """Logins: `leader` (all counties, SQL Lab on the marts) and `c<code>` per county (only its own)."""
    from superset import security_manager as sm

    demo = os.environ.get("SUPERSET_DEMO_PASSWORD") or None
    gamma, sql_lab = sm.find_role("Gamma"), sm.find_role("sql_lab")
    wanted = {"leader": ("领导", "leaders")} | {
        f"c{code}": (name, f"county_{code}") for code, name in _counties().items()
    }
    for username, (name, role_name) in wanted.items():
        roles = [sm.find_role(role_name), gamma] + ([sql_lab] if username == "leader" else [])
        _ensure_user(username, name, roles, demo)
    where = "demo password" if demo else f"new passwords in {_password_file()}"
    print(f"logins: leader, {', '.join(u for u in wanted if u != 'leader')} ({where})")


def _counties() -> dict[str, str]:
    """County codes and names of the configured prefecture, from the shipped reference CSV."""
    import csv

    prefecture = os.environ.get("MINZHENG_PREFECTURE", "610600")
    with open(HERE.parent / "dbt" / "seeds" / "ref_region.csv", encoding="utf-8") as fh:
        return {
            r["county_code"]: r["name_zh"]
            for r in csv.DictReader(fh)
            if r["division_level"] == "county" and r["prefecture_code"].startswith(prefecture)
        }


def _recorded_password(username: str) -> str:
    """The first password recorded for a login (SUPERSET_ADMIN_PASSWORD if it was changed since)."""
    path = _password_file()
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for line in lines:
        name, _, password = line.partition("\t")
        if name == username:
            return password
    raise SystemExit(f"no password for {username}: set SUPERSET_ADMIN_PASSWORD")


def export_bundle() -> None:
    """Download every dashboard from the running server and write it back into bundle/."""
    base = os.environ.get("SUPERSET_URL", "http://127.0.0.1:8088")
    admin = os.environ.get("SUPERSET_ADMIN_USER", "admin")
    login = json.dumps(
        {
            "username": admin,
            "password": os.environ.get("SUPERSET_ADMIN_PASSWORD") or _recorded_password(admin),
            "provider": "db",
            "refresh": False,
        }
    )
    req = urllib.request.Request(
        f"{base}/api/v1/security/login", data=login.encode(), headers={"Content-Type": "application/json"}
    )
    token = json.load(urllib.request.urlopen(req))["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    listing = json.load(
        urllib.request.urlopen(
            urllib.request.Request(f"{base}/api/v1/dashboard/?q=(page_size:100)", headers=auth)
        )
    )
    ids = ",".join(str(d["id"]) for d in listing["result"])
    data = urllib.request.urlopen(
        urllib.request.Request(f"{base}/api/v1/dashboard/export/?q=!({ids})", headers=auth)
    ).read()
    shutil.rmtree(BUNDLE, ignore_errors=True)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            rel = Path(*Path(name).parts[1:])
            text = zf.read(name).decode("utf-8").replace(serving_uri(), PLACEHOLDER)
            (BUNDLE / rel).parent.mkdir(parents=True, exist_ok=True)
            (BUNDLE / rel).write_text(text, encoding="utf-8")
    print(f"exported {len(listing['result'])} dashboards into {BUNDLE}")
    check_bundle()  # the UI's version must pass the same checks before it is committed


IN_APP = {"admin": create_admin, "import": import_bundle, "security": setup_security, "users": create_users}

if __name__ == "__main__":
    commands = sys.argv[1:] or ["import"]
    if commands == ["export"]:
        export_bundle()
    else:
        from superset.app import create_app

        with create_app().app_context():  # one app for every command of this call
            for command in commands:
                IN_APP[command]()
