"""A real local Spark (Thrift server) started by scripts/spark.sh for the tests of this folder, stopped at
the end, with its metastore, warehouse and logs in the test's temporary directory."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from dagster_project.lakehouse.local_spark import LocalSpark, free_port, has_java
from dagster_project.lakehouse.spark import SparkEndpoint


@pytest.fixture(scope="session")
def local_spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSpark]:
    if not has_java(os.environ.get("JAVA_HOME")):
        pytest.fail("no Java runtime for Spark: run scripts/system_packages.sh (openjdk-17-jre-headless)")
    port = int(os.environ.get("MINZHENG_TEST_SPARK_PORT") or free_port())
    local = LocalSpark(tmp_path_factory.mktemp("spark"), port)
    try:
        started = local.start(os.environ)
        assert started.returncode == 0, f"scripts/spark.sh start failed:\n{started.stdout}\n{started.stderr}"
        yield local
    finally:
        stopped = local.stop(os.environ)
        assert stopped.returncode == 0, stopped.stderr
        assert not list(local.pid_dir.glob("*.pid")), "a Spark PID file survived scripts/spark.sh stop"


@pytest.fixture(scope="session")
def spark(local_spark: LocalSpark) -> SparkEndpoint:
    return local_spark.endpoint
