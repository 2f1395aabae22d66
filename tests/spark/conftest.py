"""A real local Spark (Thrift server) started by scripts/spark.sh for the tests of this folder, stopped at
the end, with its metastore, warehouse and logs in the test's temporary directory."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagster_project.lakehouse.spark import SparkEndpoint
from dagster_project.settings import REPO_ROOT

SPARK_SCRIPT = REPO_ROOT / "scripts" / "spark.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkEndpoint]:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("no Java runtime for Spark: run scripts/system_packages.sh (openjdk-17-jre-headless)")
    spark_dir = tmp_path_factory.mktemp("spark")
    port = int(os.environ.get("MINZHENG_TEST_SPARK_PORT") or _free_port())
    env = {
        **os.environ,
        "MINZHENG_SPARK_DIR": str(spark_dir),
        "MINZHENG_SPARK_PORT": str(port),
        "MINZHENG_SPARK_CLUSTER": "local",
        "MINZHENG_SPARK_START_TIMEOUT": "300",
    }
    env.pop("MINZHENG_SPARK_UI_PORT", None)
    try:
        started = subprocess.run([str(SPARK_SCRIPT), "start"], env=env, capture_output=True, text=True)
        assert started.returncode == 0, f"scripts/spark.sh start failed:\n{started.stdout}\n{started.stderr}"
        yield SparkEndpoint("127.0.0.1", port, "minzheng")
    finally:
        stopped = subprocess.run([str(SPARK_SCRIPT), "stop"], env=env, capture_output=True, text=True)
        assert stopped.returncode == 0, stopped.stderr
        assert not list(Path(spark_dir, "run").glob("*.pid")), (
            "a Spark PID file survived scripts/spark.sh stop"
        )
