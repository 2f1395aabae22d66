"""Which serving file a Superset login's connections open (superset/minzheng_security.serving_file_for),
run in Superset's own interpreter: the prefecture's for the admin and leaders, its own county's for a
county login, and nothing for a login without a scope, with two counties, or before its file exists.
test_attacks.py shows the same on the real server with a county's row-level security emptied."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from dagster_project.settings import REPO_ROOT

pytestmark = pytest.mark.superset

SCRIPT = r"""
import json, sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, sys.argv[2])
import minzheng_security
from flask import Flask

serving = Path(sys.argv[1])


class Users:
    def __init__(self, roles):
        self.roles = roles

    def find_user(self, username):
        return SimpleNamespace(roles=[SimpleNamespace(name=r) for r in self.roles]) if self.roles else None


def scope(username, roles, request=False):
    try:
        if request:
            with Flask("probe").test_request_context():
                path = minzheng_security.serving_file_for(username, Users(roles), str(serving))
        else:
            path = minzheng_security.serving_file_for(username, Users(roles), str(serving))
    except PermissionError as e:
        return "refused: " + str(e)
    return str(path.relative_to(serving.parent))


print(json.dumps({
    "admin": scope("admin", ["Admin"]),
    "leader": scope("leader", ["leaders", "Gamma", "sql_lab"]),
    "county": scope("c610602", ["county_610602", "Gamma"]),
    "county without its file": scope("c610603", ["county_610603", "Gamma"]),
    "two counties": scope("x", ["county_610602", "county_610621", "Gamma"]),
    "no scope": scope("x", ["Gamma", "sql_lab"]),
    "unknown login": scope("ghost", []),
    "no login, command line": scope(None, []),
    "no login, in a request": scope(None, [], request=True),
}, ensure_ascii=False))
"""


def test_each_login_opens_the_serving_file_of_its_scope(tmp_path: Path) -> None:
    serving = tmp_path / "serving" / "minzheng.duckdb"
    (serving.parent / "county").mkdir(parents=True)
    (serving.parent / "county" / "610602.duckdb").write_bytes(b"")
    python = REPO_ROOT / ".superset-venv" / "bin" / "python"
    proc = subprocess.run(
        [str(python), "-c", SCRIPT, str(serving), str(REPO_ROOT / "superset")],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MINZHENG_DATA_DIR": str(tmp_path / "data")},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    scopes = json.loads(proc.stdout.strip().splitlines()[-1])
    assert scopes["admin"] == scopes["leader"] == scopes["no login, command line"] == "minzheng.duckdb"
    assert scopes["county"] == "county/610602.duckdb"
    assert (
        scopes["county without its file"] == "refused: 本县区的看板数据尚未发布，请稍后再试或联系市局统计人员"
    )
    for case in ("two counties", "no scope", "unknown login"):
        assert scopes[case].startswith("refused: 该账号没有分配数据范围"), (case, scopes[case])
    assert scopes["no login, in a request"] == "refused: 未登录，不能读取数据"


CACHE_KEY_SCRIPT = r"""
import json, os, sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, sys.argv[2])
import minzheng_security

serving = Path(sys.argv[1])
users = {"leader": ["leaders"], "c610602": ["county_610602"], "c610603": ["county_610603"]}


class Users:
    def find_user(self, username):
        return SimpleNamespace(roles=[SimpleNamespace(name=r) for r in users[username]])


def keys():
    return {u: minzheng_security.scope_cache_key(u, Users(), str(serving)) for u in users}


def republish(path):  # as publish.py does: a new file swapped in by rename
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(b"new")
    os.replace(tmp, path)


before = keys()
republish(serving)
after_prefecture = keys()
republish(serving.parent / "county" / "610602.duckdb")
after_county = keys()
print(json.dumps([before, after_prefecture, after_county]))
"""


def test_a_chart_result_cached_before_a_publish_is_not_served_after_it(tmp_path: Path) -> None:
    """Chart results are cached for an hour (DATA_CACHE_CONFIG) under a key that named only the login's
    scope: after the clerk's new month was published, a leader who had opened the dashboard before got
    the month before from the cache (measured on `make demo`: the new month's rows came only with
    "force refresh", and each gunicorn worker served its own age). The key now names the publish of the
    scope's serving file: a new publish is a new key, for that scope only."""
    serving = tmp_path / "serving" / "minzheng.duckdb"
    (serving.parent / "county").mkdir(parents=True)
    serving.write_bytes(b"old")
    (serving.parent / "county" / "610602.duckdb").write_bytes(b"old")
    python = REPO_ROOT / ".superset-venv" / "bin" / "python"
    proc = subprocess.run(
        [str(python), "-c", CACHE_KEY_SCRIPT, str(serving), str(REPO_ROOT / "superset")],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MINZHENG_DATA_DIR": str(tmp_path / "data")},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    before, after_prefecture, after_county = json.loads(proc.stdout.strip().splitlines()[-1])
    assert before["leader"].startswith("minzheng-scope:prefecture:")
    assert before["c610602"].startswith("minzheng-scope:610602:")
    assert before["c610603"] == "minzheng-scope:610603:unpublished"
    assert after_prefecture["leader"] != before["leader"]  # the prefecture's file was republished
    assert after_prefecture["c610602"] == before["c610602"]  # a county's cache is its own file's
    assert after_county["c610602"] != after_prefecture["c610602"]
    assert after_county["leader"] == after_prefecture["leader"]
