"""Paths and settings, resolved from the environment (see docs/ARCHITECTURE.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
# Reference data that ships with the code (dbt seeds): read by dbt, ingestion, the simulator and the checks.
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
# The engine dbt builds the warehouse on (docs/SCALE_OUT.md): DuckDB (default) or Apache Spark.
ENGINES = ("duckdb", "spark")


def engine_from_env() -> str:
    engine = os.environ.get("MINZHENG_ENGINE", "duckdb").strip().lower() or "duckdb"
    if engine not in ENGINES:
        raise ValueError(f"MINZHENG_ENGINE must be one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_dir: Path
    warehouse_path: Path
    serving_path: Path
    hmac_key_file: Path
    engine: str = "duckdb"

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _path("MINZHENG_DATA_DIR", REPO_ROOT / "data")
        return cls(
            data_dir=data_dir,
            landing_dir=_path("MINZHENG_LANDING_DIR", data_dir / "landing"),
            warehouse_path=_path("MINZHENG_WAREHOUSE_PATH", data_dir / "warehouse" / "minzheng.duckdb"),
            serving_path=_path("MINZHENG_SERVING_PATH", data_dir / "serving" / "minzheng.duckdb"),
            hmac_key_file=_path("MINZHENG_HMAC_KEY_FILE", Path.home() / ".config" / "minzheng" / "hmac.key"),
            engine=engine_from_env(),
        )
