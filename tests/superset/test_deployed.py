"""The documented deployment (deploy/install.sh, `make deploy`): Superset runs as the unprivileged
service user the script creates, which can read the serving copy and nothing of the pipeline's: not the
HMAC key, not the read-write warehouse. Runs the script as root, as CI does on a fresh machine (the
users are created once; a second run changes nothing)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .conftest import PORT, REPO_ROOT, Server

pytestmark = pytest.mark.superset

DEPLOY_PORT = int(os.environ.get("SUPERSET_DEPLOY_TEST_PORT", str(PORT + 10)))
BI_USER, PIPELINE_USER = "minzheng-bi", "minzheng"


@pytest.fixture(scope="module")
def deployed(superset_server: Server) -> Iterator[dict[str, Path]]:
    if os.geteuid() != 0:
        pytest.fail("the deployment test creates system users: run it as root (CI does)")
    root = Path(tempfile.mkdtemp(prefix="minzheng-deploy-"))
    root.chmod(0o755)  # the service users must reach their directories under it
    paths = {"prefix": root / "opt", "data": root / "srv", "keys": root / "etc"}
    env = {
        **os.environ,
        "MINZHENG_PREFIX": str(paths["prefix"]),
        "MINZHENG_DATA_DIR": str(paths["data"]),
        "MINZHENG_KEY_DIR": str(paths["keys"]),
        "SUPERSET_PORT": str(DEPLOY_PORT),
    }
    for name in ("SUPERSET_ADMIN_PASSWORD", "SUPERSET_DEMO_PASSWORD", "MINZHENG_SERVING_PATH"):
        env.pop(name, None)

    def script(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(REPO_ROOT / "deploy" / "install.sh"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )

    for _ in range(2):  # idempotent: a second install finds the users and directories in place
        proc = script("install", "superset")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # what the pipeline (user minzheng) would have written: the warehouse and the published copy
    warehouse = paths["data"] / "warehouse" / "minzheng.duckdb"
    shutil.copy(superset_server.data_dir / "warehouse" / "minzheng.duckdb", warehouse)
    serving = paths["data"] / "serving" / "minzheng.duckdb"
    shutil.copy(superset_server.data_dir / "serving" / "minzheng.duckdb", serving)
    counties = shutil.copytree(superset_server.data_dir / "serving" / "county", serving.parent / "county")
    for path in (warehouse, serving, counties, *counties.iterdir()):
        shutil.chown(path, PIPELINE_USER, PIPELINE_USER if path == warehouse else BI_USER)
        path.chmod(0o2750 if path.is_dir() else 0o640)
    warehouse.chmod(0o600)
    proc = script("start", "superset")
    try:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        yield paths
    finally:
        script("stop", "superset")
        shutil.rmtree(root, ignore_errors=True)


def _as_bi_user(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", BI_USER, "--", *cmd], capture_output=True, timeout=60)


def test_superset_runs_as_the_service_user(deployed: dict[str, Path]) -> None:
    pid = int((deployed["data"] / "run" / "superset" / "superset.pid").read_text())
    workers = [pid, *(int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    owners = {pwd.getpwuid(os.stat(f"/proc/{p}").st_uid).pw_name for p in workers}
    assert owners == {BI_USER}, owners
    assert pwd.getpwnam(BI_USER).pw_shell.endswith("nologin")


def test_service_user_cannot_read_the_key_or_the_warehouse(deployed: dict[str, Path]) -> None:
    key = deployed["keys"] / "hmac.key"
    assert key.stat().st_size > 0 and key.stat().st_mode & 0o077 == 0
    for secret in (key, deployed["data"] / "warehouse" / "minzheng.duckdb"):
        assert _as_bi_user("cat", str(secret)).returncode != 0, secret
    assert _as_bi_user("ls", str(deployed["data"] / "landing")).returncode != 0
    assert (
        _as_bi_user("head", "-c", "4", str(deployed["data"] / "serving" / "minzheng.duckdb")).returncode == 0
    )
    # and the pipeline's user cannot read Superset's secrets (metadata DB, secret key, passwords)
    home = deployed["data"] / "superset"
    assert (home / "initial_passwords").exists() and (home / "secret_key").exists()
    proc = subprocess.run(
        ["runuser", "-u", PIPELINE_USER, "--", "cat", str(home / "secret_key")], capture_output=True
    )
    assert proc.returncode != 0


def test_deployed_server_answers_a_county_login_with_its_county(deployed: dict[str, Path]) -> None:
    url = f"http://127.0.0.1:{DEPLOY_PORT}"
    entries = dict(
        line.split("\t")
        for line in (deployed["data"] / "superset" / "initial_passwords").read_text().splitlines()
    )
    s = requests.Session()
    r = s.post(
        f"{url}/api/v1/security/login",
        json={"username": "c610602", "password": entries["c610602"], "provider": "db", "refresh": False},
        timeout=60,
    )
    assert r.status_code == 200, r.text[:300]
    s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    charts = s.get(f"{url}/api/v1/chart/", params={"q": "(page_size:200)"}, timeout=60).json()["result"]
    chart = next(c for c in charts if c["datasource_name_text"].endswith("mart_overview_county_month"))
    r = s.get(f"{url}/api/v1/chart/{chart['id']}/data/", timeout=120)
    assert r.status_code == 200, r.text[:300]
    # and the deployed connection cannot read a file either (as admin in SQL Lab)
    a = requests.Session()
    r = a.post(
        f"{url}/api/v1/security/login",
        json={"username": "admin", "password": entries["admin"], "provider": "db", "refresh": False},
        timeout=60,
    )
    a.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    csrf = a.get(f"{url}/api/v1/security/csrf_token/", timeout=60).json()["result"]
    a.headers.update({"X-CSRFToken": csrf, "Referer": url})
    database = a.get(f"{url}/api/v1/database/", timeout=60).json()["result"][0]["id"]
    r = a.post(
        f"{url}/api/v1/sqllab/execute/",
        json={"database_id": database, "sql": "SELECT * FROM read_text('/etc/passwd')", "runAsync": False},
        timeout=120,
    )
    assert r.status_code >= 400 and "root:x:0:0" not in r.text, r.text[:300]
