"""A real Superset server for the dashboard tests: the project's own scripts start it against a temporary
data folder whose serving DuckDB file holds marts built by the real pipeline (simulator → ingestion →
dbt → publish), and import the bundle from dashboards/. As in `make demo`, the simulated quarterly 指标填报
(plan indicators Jinmin does not hold) are loaded through the template validator before the dbt build,
so the plan dashboard has figures, not 无数据."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
import requests

from dagster_project.ingestion.pipeline import load_partition
from dagster_project.ingestion.pseudonymise import Pseudonymiser
from dagster_project.ingestion.region import county_codes, region_lookup
from dagster_project.ingestion.spec import SOURCES
from dagster_project.serving.publish import publish
from dagster_project.settings import DBT_PROJECT_DIR, REPO_ROOT
from dagster_project.targets import store
from dagster_project.targets.validate import load_target_template
from minzheng_simulator import SimulationConfig, simulate
from minzheng_simulator.plan_reports import write_plan_reports

PORT = int(os.environ.get("SUPERSET_TEST_PORT", "8097"))
MONTHS = ["2024-06", "2025-05", "2025-06"]
SUPERSET_VENV = REPO_ROOT / ".superset-venv"

pytestmark = pytest.mark.superset


class _PatientSession(requests.Session):
    """A client that keeps to the server's request limit (RATELIMIT_APPLICATION, 50 a second per
    address): the attack catalogue's refusals come back fast enough to exceed it, and a 429 of that
    limit is the server doing its job, not an answer to the request. Login limits are not retried."""

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        for _ in range(10):
            r = super().request(method, url, *args, **kwargs)
            if r.status_code != 429 or "per 1 second" not in r.text:
                return r
            time.sleep(1.1)
        return r


class _ApiSession(_PatientSession):
    def __init__(self, server: Server, username: str) -> None:
        super().__init__()
        self.server, self.username, self.logged_in_at = server, username, 0.0
        self._login()

    def _login(self) -> None:
        r = requests.post(
            f"{self.server.url}/api/v1/security/login",
            json={
                "username": self.username,
                "password": self.server.password(self.username),
                "provider": "db",
                "refresh": False,
            },
            timeout=60,
        )
        r.raise_for_status()
        self.logged_in_at = time.monotonic()
        self.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        csrf = super().request("GET", f"{self.server.url}/api/v1/security/csrf_token/", timeout=60)
        self.headers.update({"X-CSRFToken": csrf.json()["result"], "Referer": self.server.url})

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        if time.monotonic() - self.logged_in_at > 600:
            self._login()
        return super().request(method, url, *args, **kwargs)


@dataclass
class Server:
    url: str
    data_dir: Path
    env: dict[str, str]
    sessions: dict[str, requests.Session] = field(default_factory=dict)

    @property
    def password_file(self) -> Path:
        return self.data_dir / "superset" / "initial_passwords"

    def password(self, username: str) -> str:
        """The random password start.sh gave the login (written once to the mode-600 file)."""
        for line in self.password_file.read_text(encoding="utf-8").splitlines():
            name, _, password = line.partition("\t")
            if name == username:
                return password
        raise KeyError(username)

    def session(self, username: str = "admin") -> requests.Session:
        """A logged-in API session, one per login for the whole test run (logins are rate-limited); it
        logs in again before its token (15 minutes) runs out."""
        if username not in self.sessions:
            self.sessions[username] = _ApiSession(self, username)
        return self.sessions[username]

    def cookie_session(self, username: str) -> requests.Session:
        """A session logged in through the login form (cookie), as a browser is: Superset's older views
        (e.g. /datasource/samples, drill to detail) do not take the API's bearer token."""
        key = f"cookie:{username}"
        if key in self.sessions:
            return self.sessions[key]
        s = _PatientSession()
        page = s.get(f"{self.url}/login/", timeout=60).text
        token = re.search(r'id="csrf_token"\s+value="([^"]+)"', page)
        assert token, "no csrf_token on the login page"
        r = s.post(
            f"{self.url}/login/",
            data={"username": username, "password": self.password(username), "csrf_token": token.group(1)},
            allow_redirects=False,
            timeout=60,
        )
        assert r.status_code in (302, 303) and "/login" not in r.headers.get("Location", ""), r.text[:300]
        csrf = s.get(f"{self.url}/api/v1/security/csrf_token/", timeout=60).json()["result"]
        s.headers.update({"X-CSRFToken": csrf, "Referer": self.url})
        self.sessions[key] = s
        return s

    def run(self, *cmd: str) -> subprocess.CompletedProcess:
        return subprocess.run(cmd, env=self.env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)


def _build_serving(data: Path) -> Path:
    landing = data / "landing"
    simulate(SimulationConfig(out=landing, months=MONTHS, scale=0.01, dirty_rate=0.002, seed=11, workers=1))
    warehouse = data / "warehouse" / "minzheng.duckdb"
    warehouse.parent.mkdir(parents=True)
    hasher = Pseudonymiser(b"superset-tests-key-0123456789")
    with duckdb.connect(str(warehouse)) as con:
        for m in MONTHS:
            for spec in SOURCES.values():
                load_partition(
                    con,
                    spec,
                    dt.date.fromisoformat(m + "-01"),
                    landing,
                    region_lookup(),
                    hasher,
                    raise_on_failure=False,
                )
        # what the plan/target_templates asset does with the 填报 files staff drop (demo.sh runs it)
        store.ensure_tables(con)
        for path in sorted(write_plan_reports(landing, "2024-01", MONTHS[-1])):
            load_target_template(path, con=con, loaded_by="superset-tests")
    env = {**os.environ, "MINZHENG_WAREHOUSE_PATH": str(warehouse)}
    dbt = REPO_ROOT / ".venv" / "bin" / "dbt"
    proc = subprocess.run(
        [
            str(dbt),
            "build",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(data / "dbt_target"),
            "--log-path",
            str(data / "dbt_logs"),
            "--exclude",
            "resource_type:test",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    serving = data / "serving" / "minzheng.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        publish(con, serving, county_codes())  # and each county's own file, as the pipeline does
    return serving


@pytest.fixture(scope="session")
def superset_server(tmp_path_factory) -> Iterator[Server]:
    if not (SUPERSET_VENV / "bin" / "superset").exists():
        pytest.fail(
            "Superset's virtual environment is missing: run superset/scripts/setup_venv.sh (make test does)"
        )
    data = tmp_path_factory.mktemp("superset_data")
    serving = _build_serving(data)
    env = {
        **os.environ,
        "MINZHENG_DATA_DIR": str(data),
        "MINZHENG_SERVING_PATH": str(serving),
        "SUPERSET_PORT": str(PORT),
    }
    # the deployed shape: every login its own random password (no demo password)
    for name in ("SUPERSET_ADMIN_PASSWORD", "SUPERSET_DEMO_PASSWORD"):
        env.pop(name, None)
    server = Server(f"http://127.0.0.1:{PORT}", data, env)
    started = server.run(str(REPO_ROOT / "superset" / "scripts" / "start.sh"))
    assert started.returncode == 0, started.stdout[-3000:] + started.stderr[-3000:]
    try:
        yield server
    finally:
        server.run(str(REPO_ROOT / "superset" / "scripts" / "stop.sh"))


@pytest.fixture(scope="session")
def admin(superset_server: Server) -> requests.Session:
    return superset_server.session()
