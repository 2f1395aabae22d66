"""Every setting of the runtime, read from the environment here and nowhere else (see the table in
docs/ARCHITECTURE.md). Entry points (the Dagster definitions, the CLIs) build one `Settings` with
`Settings.from_env()` and hand it on: to Dagster resources, or as arguments. Library code takes the values
it needs as parameters; a test (tests/test_settings.py) fails if another module reads os.environ."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
# Reference data that ships with the code (dbt seeds): read by dbt, ingestion, the simulator and the checks.
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
# The engine dbt builds the warehouse on (docs/SCALE_OUT.md): DuckDB (default) or Apache Spark.
ENGINES = ("duckdb", "spark")


def engine_from_env() -> str:
    engine = (_text("MINZHENG_ENGINE") or "duckdb").lower()
    if engine not in ENGINES:
        raise ValueError(f"MINZHENG_ENGINE must be one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


DEFAULT_PREFECTURE = "610600"  # 延安市
DEFAULT_REPORTS_PORT = 8089
DEFAULT_SENSOR_INTERVAL_SECONDS = 30
# DuckDB's buffer pool in the processes that load exports and publish (dbt has its own limit,
# MINZHENG_DUCKDB_MEMORY_LIMIT). Without a cap DuckDB keeps every block it wrote cached: a loading
# process grew by ~120 MB per province month (benchmarks); capped at 512MB it stays under 0.9 GB, as fast.
DEFAULT_LOADER_MEMORY_LIMIT = "512MB"
MIN_SENSOR_INTERVAL_SECONDS = 5


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def _text(var: str) -> str | None:
    value = os.environ.get(var)
    return value if value else None


def default_workers() -> int:
    return min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_dir: Path
    warehouse_path: Path
    serving_path: Path
    hmac_key_file: Path
    # The pseudonymisation key itself (MINZHENG_HMAC_KEY); wins over the key file. Never printed.
    hmac_key: str | None = field(default=None, repr=False)
    prefecture: str = DEFAULT_PREFECTURE
    ingest_workers: int = field(default_factory=default_workers)
    check_workers: int = field(default_factory=default_workers)
    loader_memory_limit: str = DEFAULT_LOADER_MEMORY_LIMIT
    alert_webhook: str | None = field(default=None, repr=False)
    sensor_interval_seconds: int = DEFAULT_SENSOR_INTERVAL_SECONDS
    reports_port: int = DEFAULT_REPORTS_PORT
    reports_url: str | None = None
    # Only printed by `python -m dagster_project.summary` (the demo's closing lines).
    dagster_port: str = "3000"
    dagster_home: Path | None = None  # DAGSTER_HOME (scripts/env.sh: <data_dir>/dagster_home)
    superset_port: str = "8088"
    superset_admin_user: str = "admin"
    superset_demo_password: str | None = field(default=None, repr=False)
    engine: str = "duckdb"
    # Where the shared Parquet raw layer lives (docs/SCALE_OUT.md): a URI (s3://, hdfs://) or a local folder;
    # None = <data dir>/lake/raw.
    raw_parquet_uri: str | None = None
    # The Spark Thrift server dbt's spark target and the lakehouse module talk to (dbt/profiles.yml).
    spark_host: str = "127.0.0.1"
    spark_port: int = 10000
    spark_user: str = "minzheng"

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _path("MINZHENG_DATA_DIR", REPO_ROOT / "data")
        workers = _text("MINZHENG_INGEST_WORKERS")
        check_workers = _text("MINZHENG_CHECK_WORKERS")
        return cls(
            data_dir=data_dir,
            landing_dir=_path("MINZHENG_LANDING_DIR", data_dir / "landing"),
            warehouse_path=_path("MINZHENG_WAREHOUSE_PATH", data_dir / "warehouse" / "minzheng.duckdb"),
            serving_path=_path("MINZHENG_SERVING_PATH", data_dir / "serving" / "minzheng.duckdb"),
            hmac_key_file=_path("MINZHENG_HMAC_KEY_FILE", Path.home() / ".config" / "minzheng" / "hmac.key"),
            hmac_key=_text("MINZHENG_HMAC_KEY"),
            prefecture=_text("MINZHENG_PREFECTURE") or DEFAULT_PREFECTURE,
            ingest_workers=int(workers) if workers else default_workers(),
            check_workers=int(check_workers) if check_workers else default_workers(),
            loader_memory_limit=_text("MINZHENG_LOADER_MEMORY_LIMIT") or DEFAULT_LOADER_MEMORY_LIMIT,
            alert_webhook=_text("MINZHENG_ALERT_WEBHOOK"),
            sensor_interval_seconds=max(
                MIN_SENSOR_INTERVAL_SECONDS,
                int(_text("MINZHENG_SENSOR_INTERVAL_SECONDS") or DEFAULT_SENSOR_INTERVAL_SECONDS),
            ),
            reports_port=int(_text("MINZHENG_REPORTS_PORT") or DEFAULT_REPORTS_PORT),
            reports_url=_text("MINZHENG_REPORTS_URL"),
            dagster_port=_text("DAGSTER_PORT") or "3000",
            dagster_home=_path("DAGSTER_HOME", data_dir / "dagster_home"),
            superset_port=_text("SUPERSET_PORT") or "8088",
            superset_admin_user=_text("SUPERSET_ADMIN_USER") or "admin",
            superset_demo_password=_text("SUPERSET_DEMO_PASSWORD"),
            engine=engine_from_env(),
            raw_parquet_uri=_text("MINZHENG_RAW_PARQUET_URI"),
            spark_host=_text("MINZHENG_SPARK_HOST") or "127.0.0.1",
            spark_port=int(_text("MINZHENG_SPARK_PORT") or 10000),
            spark_user=_text("MINZHENG_SPARK_USER") or "minzheng",
        )

    @property
    def reports_base_url(self) -> str:
        """The address clerks open reports at: MINZHENG_REPORTS_URL (e.g. a proxy), else the local server."""
        if self.reports_url:
            return self.reports_url.rstrip("/")
        return f"http://127.0.0.1:{self.reports_port}"

    def dbt_env(self) -> dict[str, str]:
        """What dbt's profile (dbt/profiles.yml) reads: the warehouse file Dagster writes to."""
        return {"MINZHENG_WAREHOUSE_PATH": str(self.warehouse_path)}


@cache
def process_settings() -> Settings:
    """This process's settings, built once at first use. For what Dagster fixes when the code location is
    imported (the county partitions of the prefecture, sensor intervals, the default resources). What
    is resolved per run (the HMAC key, the data folder of reports and notices) uses Settings.from_env()."""
    return Settings.from_env()


def export_dbt_env(settings: Settings) -> None:
    """dagster-dbt starts dbt with this process's environment (DbtCliResource takes no env of its own):
    put the warehouse path there so dbt and Dagster work on one file. An explicit value wins."""
    for name, value in settings.dbt_env().items():
        os.environ.setdefault(name, value)


# The partition window of a dbt build (dbt/macros/incremental.sql period_var), read by dbt only.
DBT_WINDOW_VARIABLES = ("MINZHENG_DBT_MIN_PERIOD", "MINZHENG_DBT_MAX_PERIOD")


@contextmanager
def environment_for_children(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (None: remove) environment variables for the processes started inside the block, and restore
    this process's values afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        _set_environment(values)
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextmanager
def dbt_window_env(first: dt.date | None, last: dt.date | None) -> Iterator[None]:
    """Set the month window of the dbt process started inside the block, or, with no window, remove any
    inherited one (so dbt builds and tests whole tables); restore the previous values afterwards.
    dagster-dbt starts dbt with this process's environment and takes no env of its own; the environment
    (not --vars) keeps dbt's partial parsing."""
    values = (None, None) if first is None or last is None else (first.isoformat(), last.isoformat())
    with environment_for_children(dict(zip(DBT_WINDOW_VARIABLES, values, strict=True))):
        yield


# polars' bundled jemalloc reads its options from this variable; polars sets it on import (its own
# defaults, then whatever the environment held), so a process's value is already polars' full setting.
JEMALLOC_CONF_ENV = "_RJEM_MALLOC_CONF"


@contextmanager
def polars_allocator_for_children(options: str) -> Iterator[None]:
    """jemalloc `options` appended to this process's polars allocator setting for the processes started
    inside the block (jemalloc takes the last value of an option)."""
    current = os.environ.get(JEMALLOC_CONF_ENV)
    with environment_for_children({JEMALLOC_CONF_ENV: f"{current},{options}" if current else options}):
        yield


# Arrow's default allocator (mimalloc in the pip wheels) hands freed memory back to the kernel at once and
# faults it in again on the next allocation; every fault zeroes a page, and where zeroing fresh pages is
# slow (a virtual machine whose host reclaims the guest's free memory, as on the project's 2-core machine)
# the raw checks of a province month spent more time in the kernel than in Python (sys 12 s of 21 s). The
# system allocator (glibc) reuses what it freed: sys 4 s, the checks 9-12 s instead of 18-21 s.
ARROW_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"
ARROW_POOL = "system"


def use_arrow_system_allocator() -> None:
    """Make glibc the default Arrow memory pool of this process and of the processes it starts, unless the
    environment chose another. Runs on import of the package (dagster_project/__init__.py). Arrow reads the
    variable when its library loads; where pyarrow is loaded already (pandas loads it), the pool is set."""
    os.environ.setdefault(ARROW_POOL_ENV, ARROW_POOL)
    if os.environ[ARROW_POOL_ENV] == ARROW_POOL and "pyarrow" in sys.modules:
        pa = sys.modules["pyarrow"]

        pa.set_memory_pool(pa.system_memory_pool())


def disable_library_telemetry() -> None:
    """Great Expectations phones home unless told not to (it reads only its environment variable)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
