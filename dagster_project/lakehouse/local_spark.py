"""A private local Spark Thrift server from scripts/spark.sh, for whatever needs one for a while (the
benchmark's Spark stage, tests/spark): its own instance folder (metastore, warehouse, logs, PID files) and
its own port on 127.0.0.1, so it never meets `make spark`'s server or another run's.

scripts/spark.sh finds the Java runtime and the pinned pyspark (.spark-venv) itself; this module only says
which instance to start or stop. It reads no environment: callers pass theirs (`base_env`), and this
instance's settings are laid over it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..settings import REPO_ROOT
from .spark import SparkEndpoint

SPARK_SCRIPT = REPO_ROOT / "scripts" / "spark.sh"
LOCAL_HOST = "127.0.0.1"
SPARK_USER = "minzheng"  # dbt/profiles.yml's default MINZHENG_SPARK_USER
THRIFT_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((LOCAL_HOST, 0))
        return sock.getsockname()[1]


def has_java(java_home: str | None) -> bool:
    """Whether scripts/spark.sh will find a Java runtime: `java` on PATH or `java_home` (JAVA_HOME) set."""
    return shutil.which("java") is not None or bool(java_home)


@dataclass(frozen=True)
class LocalSpark:
    """One instance of scripts/spark.sh in local mode (local[N], no standalone master), under `spark_dir`."""

    spark_dir: Path
    port: int
    start_timeout_seconds: int = 300  # a loaded 2-core machine needs more than spark.sh's default 180

    @property
    def pid_dir(self) -> Path:
        """Where spark-daemon.sh keeps the PID files of this instance's JVMs."""
        return self.spark_dir / "run"

    @property
    def log_dir(self) -> Path:
        """Where spark-daemon.sh writes this instance's logs (SPARK_LOG_DIR of scripts/spark.sh)."""
        return self.spark_dir / "logs"

    def thrift_log(self) -> Path | None:
        """The running (or last) Thrift server's log: spark-daemon.sh renames the previous one to `.out.1`
        at every start, so this file covers the current server only."""
        logs = sorted(self.log_dir.glob(f"spark-minzheng-{self.port}-{THRIFT_CLASS}-1-*.out"))
        return logs[-1] if logs else None

    @property
    def endpoint(self) -> SparkEndpoint:
        return SparkEndpoint(LOCAL_HOST, self.port, SPARK_USER)

    def script_env(self, base_env: Mapping[str, str]) -> dict[str, str]:
        """`base_env` with this instance's settings for scripts/spark.sh, and without a web UI port (one
        set for `make spark` could be taken)."""
        env = {
            **base_env,
            "MINZHENG_SPARK_DIR": str(self.spark_dir),
            "MINZHENG_SPARK_PORT": str(self.port),
            "MINZHENG_SPARK_CLUSTER": "local",
            "MINZHENG_SPARK_START_TIMEOUT": str(self.start_timeout_seconds),
        }
        env.pop("MINZHENG_SPARK_UI_PORT", None)
        return env

    def start(self, base_env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
        """scripts/spark.sh start: returns when the Thrift port answers (or the start failed)."""
        return self._script("start", base_env)

    def stop(self, base_env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
        """scripts/spark.sh stop: stops this instance's JVMs by their PID files."""
        return self._script("stop", base_env)

    def restart(self, base_env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
        """scripts/spark.sh restart: a new server JVM on the same folder (metastore, warehouse) and port."""
        return self._script("restart", base_env)

    def _script(self, command: str, base_env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SPARK_SCRIPT), command],
            env=self.script_env(base_env),
            capture_output=True,
            text=True,
            check=False,
        )
