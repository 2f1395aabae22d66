"""A real Dagster deployment for tests, started the way `make demo` starts it: a temporary data folder
and DAGSTER_HOME, the pipeline loaded through the instance (dagster_project.orchestrate), then
scripts/dagster_ui.sh (webserver + daemon + report server) on free ports. Tests talk to it as the UI
does, over GraphQL, and read the serving file as Superset does (read-only)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import requests

from dagster_project.settings import REPO_ROOT

LOCATION = "dagster_project.definitions"
REPOSITORY = "__repository__"
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveDagster:
    data_dir: Path
    env: dict[str, str]
    port: int
    reports_port: int

    @classmethod
    def environment(cls, data_dir: Path, **extra: str) -> LiveDagster:
        env = {
            **os.environ,
            "MINZHENG_DATA_DIR": str(data_dir),
            "MINZHENG_LANDING_DIR": str(data_dir / "landing"),
            "MINZHENG_WAREHOUSE_PATH": str(data_dir / "warehouse" / "minzheng.duckdb"),
            "MINZHENG_SERVING_PATH": str(data_dir / "serving" / "minzheng.duckdb"),
            "MINZHENG_HMAC_KEY": "live-dagster-test-key-0123456789",
            "DAGSTER_HOME": str(data_dir / "dagster_home"),
            "DAGSTER_PORT": str(free_port()),
            "MINZHENG_REPORTS_PORT": str(free_port()),
            **extra,
        }
        for var in ("MINZHENG_HMAC_KEY_FILE", "MINZHENG_REPORTS_URL"):
            env.pop(var, None)
        return cls(data_dir, env, int(env["DAGSTER_PORT"]), int(env["MINZHENG_REPORTS_PORT"]))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def serving(self) -> Path:
        return Path(self.env["MINZHENG_SERVING_PATH"])

    @property
    def landing(self) -> Path:
        return Path(self.env["MINZHENG_LANDING_DIR"])

    def python(self, *args: str, timeout: float = 1200) -> subprocess.CompletedProcess:
        """This interpreter, in the environment the project's scripts set up (scripts/env.sh: the
        DAGSTER_HOME with deploy/dagster.yaml), as `make pipeline` runs it."""
        script = 'source scripts/env.sh && exec "$@"'
        return self.run("bash", "-c", script, "python", sys.executable, *args, timeout=timeout)

    def run(self, *cmd: str, timeout: float = 1200) -> subprocess.CompletedProcess:
        done = subprocess.run(
            cmd, env=self.env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"{cmd} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done

    def start(self) -> None:
        self.run("bash", "scripts/dagster_ui.sh", "start", timeout=300)

    def stop(self) -> None:
        subprocess.run(
            ["bash", "scripts/dagster_ui.sh", "stop"], env=self.env, cwd=REPO_ROOT, timeout=120, check=False
        )

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        r = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=60)
        r.raise_for_status()
        body = r.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def runs(self) -> list[dict[str, Any]]:
        data = self.graphql(
            """{ runsOrError(limit: 200) { ... on Runs { results {
                 runId jobName status startTime endTime tags { key value }
                 assetSelection { path } assetCheckSelection { name assetKey { path } } } } } }"""
        )
        runs = data["runsOrError"]["results"]
        for r in runs:
            r["tags"] = {t["key"]: t["value"] for t in r["tags"]}
        return runs

    def sensor_ticks(self, name: str) -> list[dict[str, Any]]:
        data = self.graphql(
            """query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
                 ... on Sensor { sensorState { status ticks(limit: 50) { status timestamp skipReason runIds } } } } }""",
            selector={"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "sensorName": name},
        )
        return data["sensorOrError"]["sensorState"]["ticks"]

    def instigator_status(self) -> dict[str, str]:
        data = self.graphql(
            """query($selector: RepositorySelector!) { repositoryOrError(repositorySelector: $selector) {
                 ... on Repository { sensors { name sensorState { status } }
                                     schedules { name scheduleState { status } } } } }""",
            selector={"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY},
        )["repositoryOrError"]
        out = {s["name"]: s["sensorState"]["status"] for s in data["sensors"]}
        out |= {s["name"]: s["scheduleState"]["status"] for s in data["schedules"]}
        return out

    def materializations(self, path: list[str], limit: int = 20) -> list[dict[str, Any]]:
        data = self.graphql(
            """query($key: AssetKeyInput!, $limit: Int!) { assetOrError(assetKey: $key) {
                 ... on Asset { assetMaterializations(limit: $limit) {
                   runId timestamp partition metadataEntries { label
                     ... on TextMetadataEntry { text } ... on IntMetadataEntry { intValue }
                     ... on UrlMetadataEntry { url } ... on MarkdownMetadataEntry { mdStr } } } } } }""",
            key={"path": path},
            limit=limit,
        )
        return data["assetOrError"]["assetMaterializations"]

    def check_names(self, path: list[str]) -> list[str]:
        data = self.graphql(
            """query($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) {
                 ... on AssetNode { assetChecksOrError { ... on AssetChecks { checks { name } } } } } }""",
            key={"path": path},
        )
        return [c["name"] for c in data["assetNodeOrError"]["assetChecksOrError"]["checks"]]

    def materialize_partition_as_ui(self, path: list[str], partition: dict[str, str]) -> str:
        """What the asset page's "Materialize" of one partition sends: the implicit asset job, the asset
        and its checks, and the partition as tags."""
        key = "|".join(partition[d] for d in sorted(partition))
        tags = [{"key": "dagster/partition", "value": key}] + [
            {"key": f"dagster/partition/{d}", "value": v} for d, v in partition.items()
        ]
        data = self.graphql(
            """mutation($params: ExecutionParams!) { launchPipelineExecution(executionParams: $params) {
                 __typename ... on LaunchRunSuccess { run { runId } }
                 ... on PythonError { message } ... on InvalidSubsetError { message }
                 ... on RunConfigValidationInvalid { errors { message } } } }""",
            params={
                "selector": {
                    "repositoryLocationName": LOCATION,
                    "repositoryName": REPOSITORY,
                    "pipelineName": "__ASSET_JOB",
                    "assetSelection": [{"path": path}],
                    "assetCheckSelection": [
                        {"assetKey": {"path": path}, "name": n} for n in self.check_names(path)
                    ],
                },
                "mode": "default",
                "runConfigData": "{}",
                "executionMetadata": {"tags": tags},
            },
        )["launchPipelineExecution"]
        assert data["__typename"] == "LaunchRunSuccess", data
        return data["run"]["runId"]

    def check_executions(self, run_id: str) -> list[dict[str, Any]]:
        """The asset-check evaluations of one run (from its event log)."""
        data = self.graphql(
            """query($runId: ID!) { logsForRun(runId: $runId, limit: 5000) { ... on EventConnection { events {
                 __typename ... on AssetCheckEvaluationEvent { evaluation { checkName success severity } } } } } }""",
            runId=run_id,
        )
        return [
            e["evaluation"]
            for e in data["logsForRun"]["events"]
            if e["__typename"] == "AssetCheckEvaluationEvent"
        ]


def wait_for(
    what: str,
    probe: Callable[[], T | None],
    timeout: float,
    every: float = 3.0,
    explain: Callable[[], str] | None = None,
) -> T:
    """Poll `probe` until it returns something truthy; on timeout, fail with `explain()` appended (the
    state that shows why, e.g. the instance's runs)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = f"\n{explain()}" if explain else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for: {what}{detail}")
        time.sleep(every)


def runs_summary(live: LiveDagster, limit: int = 15) -> str:
    """The instance's latest runs, one line each: what a stalled automation chain shows first."""
    lines = []
    for r in live.runs()[:limit]:
        assets = ",".join("/".join(a["path"]) for a in (r.get("assetSelection") or [])[:6])
        lines.append(f"{r['runId'][:8]} {r['jobName']} {r['status']} [{assets}]")
    return "latest runs:\n" + "\n".join(lines)
