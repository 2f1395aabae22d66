"""Dagster resources: paths and connections, configured from one Settings (settings.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from .ingestion.pseudonymise import Pseudonymiser, load_key
from .ingestion.warehouse import connect_warehouse
from .settings import DEFAULT_LOADER_MEMORY_LIMIT, Settings, export_dbt_env


class WarehouseResource(ConfigurableResource):
    """The single read-write DuckDB file. Only one process writes at a time (pool `warehouse`)."""

    path: str
    memory_limit: str = DEFAULT_LOADER_MEMORY_LIMIT  # DuckDB's buffer pool (Settings.loader_memory_limit)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect_warehouse(Path(self.path), read_only=read_only, memory_limit=self.memory_limit)
        try:
            yield con
        finally:
            con.close()


class LandingResource(ConfigurableResource):
    """The folder statistics staff drop Jinmin exports into."""

    path: str

    @property
    def dir(self) -> Path:
        return Path(self.path)


class ServingResource(ConfigurableResource):
    """The read-only DuckDB file published for Superset."""

    path: str

    @property
    def file(self) -> Path:
        return Path(self.path)


class PseudonymiserResource(ConfigurableResource):
    """HMAC key for personal identifiers; from MINZHENG_HMAC_KEY or a key file outside the repo.

    The key itself is not a config field: Dagster shows resource config in its UI. It is taken from the
    settings when the hasher is built, so a key set for the run's process wins over the file."""

    key_file: str

    def hasher(self) -> Pseudonymiser:
        return Pseudonymiser(load_key(Path(self.key_file), Settings.from_env().hmac_key))


def default_resources(s: Settings) -> dict[str, ConfigurableResource]:
    # dbt's profile reads the warehouse path from the environment; keep dbt and Dagster on one file.
    export_dbt_env(s)
    return {
        "warehouse": WarehouseResource(path=str(s.warehouse_path), memory_limit=s.loader_memory_limit),
        "landing": LandingResource(path=str(s.landing_dir)),
        "serving": ServingResource(path=str(s.serving_path)),
        "pseudonymiser": PseudonymiserResource(key_file=str(s.hmac_key_file)),
    }


def dbt_executable() -> str:
    """The dbt next to this interpreter (dagster dev does not put the venv on PATH)."""
    import shutil
    import sys

    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")
