"""Logins of the deployed shape: each its own random password, written once to a mode-600 file and never
reset by a restart; failed logins rate-limited in the Redis all gunicorn workers share."""

from __future__ import annotations

import stat

import pytest
import requests

from .conftest import REPO_ROOT, Server

pytestmark = pytest.mark.superset


def _login(server: Server, username: str, password: str) -> requests.Response:
    return requests.post(
        f"{server.url}/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": False},
        timeout=60,
    )


def test_each_login_has_its_own_password_in_a_private_file(superset_server: Server) -> None:
    path = superset_server.password_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0  # the Superset home is private too
    entries = dict(line.split("\t") for line in path.read_text(encoding="utf-8").splitlines())
    assert {"admin", "leader", "c610602", "c610631"} <= set(entries)
    assert len(set(entries.values())) == len(entries), "two logins share a password"
    assert all(len(p) >= 16 for p in entries.values())
    for shared in ("minzheng-demo", "admin", entries["leader"]):
        assert _login(superset_server, "c610603", shared).status_code == 401


def test_a_restart_keeps_every_password(superset_server: Server) -> None:
    """import.sh runs at every start: it creates missing logins, and never resets a password."""
    before = superset_server.password_file.read_text(encoding="utf-8")
    proc = superset_server.run(str(REPO_ROOT / "superset" / "scripts" / "import.sh"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert superset_server.password_file.read_text(encoding="utf-8") == before
    assert _login(superset_server, "c610603", superset_server.password("c610603")).status_code == 200


def test_failed_logins_are_rate_limited(superset_server: Server) -> None:
    """Guessing one login's password: within 6 tries the server answers 429, and then refuses even the
    right password until the window has passed. The counts live in Redis (Unix socket of the data dir),
    so the two gunicorn workers share them."""
    assert (superset_server.data_dir / "run" / "superset-redis" / "redis.sock").is_socket()
    codes = [_login(superset_server, "c610681", f"guess-{i}").status_code for i in range(6)]
    assert codes[0] == 401 and 429 in codes, codes
    assert _login(superset_server, "c610681", superset_server.password("c610681")).status_code == 429
    # another login from the same machine is not locked out by it
    assert _login(superset_server, "c610603", superset_server.password("c610603")).status_code == 200
