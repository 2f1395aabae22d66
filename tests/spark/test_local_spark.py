"""The settings a private local Spark gets (dagster_project/lakehouse/local_spark.py) and the environment a
dbt subprocess gets to reach it, without starting Spark."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from dagster_project.lakehouse.local_spark import LocalSpark, free_port
from dagster_project.settings import DBT_PROJECT_DIR


def test_a_local_instance_has_its_own_folder_and_port_and_no_web_ui(tmp_path: Path) -> None:
    local = LocalSpark(tmp_path / "spark", free_port())
    base = {"PATH": "/usr/bin", "MINZHENG_SPARK_UI_PORT": "4040", "MINZHENG_SPARK_PORT": "10000"}
    env = local.script_env(base)
    assert env["PATH"] == "/usr/bin"
    assert env["MINZHENG_SPARK_DIR"] == str(tmp_path / "spark")
    assert env["MINZHENG_SPARK_PORT"] == str(local.port)
    assert env["MINZHENG_SPARK_CLUSTER"] == "local"
    assert "MINZHENG_SPARK_UI_PORT" not in env
    assert base["MINZHENG_SPARK_PORT"] == "10000"  # the caller's environment is left alone
    assert local.pid_dir == tmp_path / "spark" / "run"
    assert (local.endpoint.host, local.endpoint.port) == ("127.0.0.1", local.port)


def test_the_dbt_env_of_an_endpoint_is_what_the_spark_profile_reads() -> None:
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    spark_target = next(p["outputs"]["spark"] for p in profile.values() if "spark" in p.get("outputs", {}))
    read = {
        name
        for key in ("host", "port", "user")
        for name in re.findall(r"env_var\('([A-Z_]+)'", str(spark_target[key]))
    }
    env = LocalSpark(Path("unused"), 10001).endpoint.dbt_env()
    assert set(env) == read
    assert env["MINZHENG_SPARK_PORT"] == "10001"
