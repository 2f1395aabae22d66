"""ANSI SQL mode on Spark: without it integer overflow wraps and a bad cast gives NULL, silently, where
DuckDB raises. dbt-spark asks for spark.sql.ansi.enabled=false in every session it opens (the Thrift
server started by scripts/spark.sh ignores that request and keeps its own default, ANSI on; the `session`
and ODBC methods and other servers honour it). The project's pre-hook (dbt_project.yml, macro
engine_session_settings) turns ANSI mode back on before every model and seed, whatever the session had:
a model that overflows an INT must fail, after a session that had ANSI off, and the same model without the
project's hook must pass with the wrapped value (so the probe can tell the difference)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from dagster_project.lakehouse.local_spark import LocalSpark
from dagster_project.lakehouse.spark import spark_cursor
from dagster_project.lakehouse.spark_watchdog import WatchedRun, run_on_local_spark
from dagster_project.settings import DBT_PROJECT_DIR

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
DBT = Path(sys.executable).with_name("dbt")
ANSI_OFF = "set spark.sql.ansi.enabled = false"


def _project_hook() -> str:
    real = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    hook = real["models"]["minzheng"].get("+pre-hook")
    assert hook, "dbt_project.yml lost the models pre-hook that turns ANSI mode on"
    assert real["seeds"]["minzheng"].get("+pre-hook") == hook, "seeds must run the same pre-hook"
    return hook


def _probe_project(root: Path, name: str, hooks: list[str]) -> Path:
    """A one-model project with the real macros and profile, and the given pre-hooks."""
    project = root / name
    shutil.copytree(DBT_PROJECT_DIR / "macros", project / "macros")
    shutil.copy2(DBT_PROJECT_DIR / "profiles.yml", project / "profiles.yml")
    config = {
        "name": "minzheng",
        "version": "1.0.0",
        "config-version": 2,
        "profile": "minzheng",
        "macro-paths": ["macros"],
        "model-paths": ["models"],
        "models": {
            "minzheng": {
                "+schema": f"ansi_probe_{name}",
                "+materialized": "table",
                "+file_format": "parquet",
                "+pre-hook": hooks,
            }
        },
    }
    (project / "dbt_project.yml").write_text(yaml.safe_dump(config))
    (project / "models").mkdir()
    (project / "models" / "overflow_probe.sql").write_text(
        "select cast(2147483647 as int) + cast(1 as int) as wrapped\n"
    )
    return project


def _run(project: Path, spark: LocalSpark) -> WatchedRun:
    env = {**os.environ, **spark.endpoint.dbt_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cli = [
        str(DBT),
        "run",
        "--target",
        "spark",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
    ]
    return run_on_local_spark(cli, env, spark, os.environ, timeout_seconds=600)


def test_the_project_hook_turns_ansi_on_in_a_session_that_had_it_off(
    tmp_path: Path, local_spark: LocalSpark
) -> None:
    hooked = _run(_probe_project(tmp_path, "hooked", [ANSI_OFF, _project_hook()]), local_spark)
    assert hooked.returncode != 0 and "ARITHMETIC_OVERFLOW" in hooked.stdout, hooked.stdout[-3000:]

    unhooked = _run(_probe_project(tmp_path, "unhooked", [ANSI_OFF]), local_spark)
    assert unhooked.returncode == 0, unhooked.stdout[-3000:]
    with spark_cursor(local_spark.endpoint) as cursor:
        cursor.execute("SELECT wrapped FROM ansi_probe_unhooked.overflow_probe")
        assert cursor.fetchall() == [(-2147483648,)]  # what every model would risk without the hook
