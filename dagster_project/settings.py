"""Paths and settings, resolved from the environment (see docs/ARCHITECTURE.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
# Reference data that ships with the code (dbt seeds): read by dbt, ingestion, the simulator and the checks.
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"


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

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _path("MINZHENG_DATA_DIR", REPO_ROOT / "data")
        return cls(
            data_dir=data_dir,
            landing_dir=_path("MINZHENG_LANDING_DIR", data_dir / "landing"),
            warehouse_path=_path("MINZHENG_WAREHOUSE_PATH", data_dir / "warehouse" / "minzheng.duckdb"),
            serving_path=_path("MINZHENG_SERVING_PATH", data_dir / "serving" / "minzheng.duckdb"),
            hmac_key_file=_path("MINZHENG_HMAC_KEY_FILE", Path.home() / ".config" / "minzheng" / "hmac.key"),
        )
