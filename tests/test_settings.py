"""settings.py is the only module of the runtime package that reads the environment; every setting it
reads is documented in docs/ARCHITECTURE.md."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project.settings import ARROW_POOL_ENV, REPO_ROOT, Settings

PACKAGE = REPO_ROOT / "dagster_project"
SETTINGS = PACKAGE / "settings.py"


def _environment_reads(path: Path) -> list[str]:
    """Lines of `path` that touch the process environment: os.environ, os.getenv, os.putenv, or those
    names imported from os (also under an alias)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = {"environ", "getenv", "putenv", "environb", "getenvb", "unsetenv"}
    os_aliases = {"os"}
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            os_aliases |= {a.asname or a.name for a in node.names if a.name == "os"}
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [
                f"{path.name}:{node.lineno} from os import {a.name}" for a in node.names if a.name in names
            ]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in names
            and isinstance(node.value, ast.Name)
            and node.value.id in os_aliases
        ):
            found.append(f"{path.name}:{node.lineno} os.{node.attr}")
    return found


def test_only_settings_reads_the_environment() -> None:
    offenders = [
        hit for path in sorted(PACKAGE.rglob("*.py")) if path != SETTINGS for hit in _environment_reads(path)
    ]
    assert offenders == [], "read settings through dagster_project.settings.Settings instead"


def test_the_scan_sees_an_environment_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os as o\nfrom os import getenv\nx = o.environ.get('A')\ny = getenv('B')\n")
    assert _environment_reads(sample) == ["sample.py:2 from os import getenv", "sample.py:3 os.environ"]


def test_every_setting_is_documented() -> None:
    source = SETTINGS.read_text(encoding="utf-8")
    read = set(re.findall(r'_(?:path|text)\("([A-Z_]+)"', source))
    doc = (REPO_ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", doc, flags=re.M))
    assert read, "no setting found in settings.py"
    assert read - documented == set()


def test_every_variable_dbt_reads_is_documented() -> None:
    """dbt reads its profile's variables itself (`env_var('NAME', ...)`), not through settings.py."""
    read = {
        name
        for path in (REPO_ROOT / "dbt").rglob("*")
        if path.suffix in (".yml", ".sql") and "target" not in path.parts and "dbt_packages" not in path.parts
        for name in re.findall(
            r"env_var\(\s*['\"]([A-Z][A-Z0-9_]+)['\"]\s*[,)]", path.read_text(encoding="utf-8")
        )
    }
    doc = (REPO_ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z_]+)`", doc, flags=re.M))
    assert {"MINZHENG_WAREHOUSE_PATH", "MINZHENG_SPARK_DBT_THREADS"} <= read
    assert read - documented == set()


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MINZHENG_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MINZHENG_LANDING_DIR", raising=False)
    monkeypatch.setenv("MINZHENG_PREFECTURE", "610100")
    monkeypatch.setenv("MINZHENG_INGEST_WORKERS", "3")
    monkeypatch.setenv("MINZHENG_CHECK_WORKERS", "1")
    monkeypatch.setenv("MINZHENG_SENSOR_INTERVAL_SECONDS", "1")
    monkeypatch.setenv("MINZHENG_REPORTS_URL", "https://reports.example/")
    monkeypatch.setenv("MINZHENG_HMAC_KEY", "secret-key-0123456789")
    s = Settings.from_env()
    assert s.landing_dir == tmp_path.resolve() / "landing"
    assert (s.prefecture, s.ingest_workers, s.check_workers, s.sensor_interval_seconds) == ("610100", 3, 1, 5)
    assert s.reports_base_url == "https://reports.example"
    assert "secret-key" not in repr(s)


def test_loading_connection_caps_duckdb_memory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The warehouse resource Dagster's loads use opens DuckDB with the configured buffer-pool cap."""
    from dagster_project.resources import default_resources

    monkeypatch.setenv("MINZHENG_WAREHOUSE_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("MINZHENG_LOADER_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("MINZHENG_HMAC_KEY_FILE", str(tmp_path / "key"))
    warehouse = default_resources(Settings.from_env())["warehouse"]
    with warehouse.connect() as con:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert limit is not None and limit[0].startswith("286.1"), limit  # 300 MB = 286.1 MiB


def test_dbt_window_env_sets_clears_and_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dbt asset's window reaches dbt's process through the environment, only inside the block; with
    no window an inherited one is removed (dbt must then test whole tables)."""
    import datetime as dt

    from dagster_project.settings import dbt_window_env

    monkeypatch.setenv("MINZHENG_DBT_MIN_PERIOD", "2020-01-01")
    monkeypatch.delenv("MINZHENG_DBT_MAX_PERIOD", raising=False)
    with dbt_window_env(dt.date(2024, 5, 1), dt.date(2024, 6, 1)):
        assert (os.environ["MINZHENG_DBT_MIN_PERIOD"], os.environ["MINZHENG_DBT_MAX_PERIOD"]) == (
            "2024-05-01",
            "2024-06-01",
        )
    with dbt_window_env(None, None):
        assert "MINZHENG_DBT_MIN_PERIOD" not in os.environ and "MINZHENG_DBT_MAX_PERIOD" not in os.environ
    assert os.environ["MINZHENG_DBT_MIN_PERIOD"] == "2020-01-01"
    assert "MINZHENG_DBT_MAX_PERIOD" not in os.environ


_POOLS = """
import subprocess, sys
import pandas, pyarrow as pa
pa.default_memory_pool()  # pandas and Arrow loaded and used before the package
import dagster_project
child = subprocess.run([sys.executable, "-c", "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"],
                       capture_output=True, text=True, check=True).stdout.strip()
print(pa.default_memory_pool().backend_name, child)
"""


@pytest.mark.parametrize(("chosen", "expected"), [(None, "system system"), ("jemalloc", "jemalloc jemalloc")])
def test_arrow_allocates_through_glibc_unless_the_environment_chose(
    chosen: str | None, expected: str
) -> None:
    """settings.use_arrow_system_allocator, run on import of the package, also where pandas loaded Arrow
    first; the processes it starts (dbt, the ingest workers) inherit it; an operator's choice stands."""
    env = {k: v for k, v in os.environ.items() if k != ARROW_POOL_ENV}
    if chosen:
        env[ARROW_POOL_ENV] = chosen
    done = subprocess.run(
        [sys.executable, "-c", _POOLS], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
