"""The watchdog that runs dbt on a local Spark (dagster_project/lakehouse/spark_watchdog.py): when Hive's
function registry breaks in the Thrift server (it then hangs every later session close), the command is
stopped, the server restarted on the same metastore and port, and the command run again.

The break itself is a race between two session closes (about one dbt node in a thousand); the test writes
the JVM's own error line into the live server's log at a known moment instead of waiting for it."""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path

import pytest

from dagster_project.lakehouse.local_spark import THRIFT_CLASS, LocalSpark
from dagster_project.lakehouse.spark import spark_cursor
from dagster_project.lakehouse.spark_watchdog import (
    BROKEN_REGISTRY,
    LogWatch,
    SparkRunError,
    run_on_local_spark,
)
from dagster_project.settings import DBT_PROJECT_DIR

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

JVM_LINE = (
    'Exception in thread "HiveServer2-Handler-Pool: Thread-59" '
    + BROKEN_REGISTRY.decode()
    + "security/LlapSigner$Signable"
)
DBT = Path(sys.executable).with_name("dbt")


def _server_pid(local: LocalSpark) -> int:
    return int((local.pid_dir / f"spark-minzheng-{local.port}-{THRIFT_CLASS}-1.pid").read_text().strip())


def test_a_registry_break_mid_run_restarts_the_server_and_runs_the_command_again(
    tmp_path: Path, local_spark: LocalSpark
) -> None:
    with spark_cursor(local_spark.endpoint) as cursor:
        cursor.execute("create table if not exists default.watchdog_probe (n int) using parquet")
        cursor.execute("insert overwrite table default.watchdog_probe values (7)")
    pid_before = _server_pid(local_spark)
    log_before = local_spark.thrift_log()
    assert log_before is not None and not LogWatch().seen(log_before)

    # First attempt: the server's registry breaks while the command runs, and the command then hangs (as
    # dbt does). Second attempt: the real dbt connects to the restarted server and runs a query.
    first = tmp_path / "first-attempt"
    dbt_debug = [str(DBT), "debug", "--target", "spark", "--project-dir", str(DBT_PROJECT_DIR)]
    dbt_debug += ["--profiles-dir", str(DBT_PROJECT_DIR)]
    script = (
        f"if [ -e {first} ]; then exec {shlex.join(dbt_debug)}; fi; touch {first}; "
        f"printf '%s\\n' {shlex.quote(JVM_LINE)} >> {shlex.quote(str(log_before))}; sleep 600"
    )
    env = {**os.environ, **local_spark.endpoint.dbt_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    said: list[str] = []
    t = time.monotonic()
    run = run_on_local_spark(["sh", "-c", script], env, local_spark, os.environ, say=said.append)
    elapsed = time.monotonic() - t

    assert first.exists()
    assert run.restarts == 1 and len(said) == 1
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "All checks passed" in run.stdout
    assert elapsed < 400  # the hung first attempt was stopped, not waited out (timeout 900 s)
    assert _server_pid(local_spark) != pid_before
    assert not LogWatch().seen(local_spark.thrift_log())  # the new server's log starts clean
    with spark_cursor(local_spark.endpoint) as cursor:  # same metastore and warehouse after the restart
        cursor.execute("select n from default.watchdog_probe")
        assert cursor.fetchall() == [(7,)]
        cursor.execute("drop table default.watchdog_probe")


def test_a_hang_without_a_registry_break_is_reported_not_retried(tmp_path: Path) -> None:
    local = LocalSpark(tmp_path / "spark", 1)  # no server, no log: nothing can break
    started = time.monotonic()
    with pytest.raises(SparkRunError, match="did not finish on the local Spark within 2 s"):
        run_on_local_spark(
            ["sleep", "60"], dict(os.environ), local, os.environ, timeout_seconds=2, poll_seconds=0.2
        )
    assert time.monotonic() - started < 20


def test_the_log_watch_reads_appended_lines_and_follows_rotation(tmp_path: Path) -> None:
    log = tmp_path / "server.out"
    log.write_bytes(b"INFO started\n" + BROKEN_REGISTRY[:20])
    watch = LogWatch()
    assert not watch.seen(log)
    with log.open("ab") as f:  # the marker completed by the next write: still found
        f.write(BROKEN_REGISTRY[20:] + b"security/LlapSigner$Signable\n")
    assert watch.seen(log)
    assert watch.seen(log)  # stays seen for this file
    log.rename(tmp_path / "server.out.1")  # what spark-daemon.sh does at the next start
    log.write_bytes(b"INFO started again\n")
    assert not watch.seen(log)
    assert not watch.seen(tmp_path / "missing.out")
