"""The instance's event log (deploy/dagster.yaml: PooledSqliteEventLogStorage) on a real DAGSTER_HOME:
partition materializations are stored and read back by another instance (as the webserver and the daemon
read what a run wrote), a wipe leaves no stale connection behind, and the history stays where Dagster's
stock SQLite storage keeps it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    StaticPartitionsDefinition,
    asset,
    materialize,
)

from dagster_project.instance.event_log import PooledSqliteEventLogStorage
from dagster_project.settings import REPO_ROOT

PARTS = StaticPartitionsDefinition([f"p{i:03d}" for i in range(40)])


@asset(partitions_def=PARTS)
def numbers(context) -> int:
    return len(context.partition_key)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(REPO_ROOT / "deploy" / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    return tmp_path


def test_events_are_stored_and_read_by_another_instance(home: Path) -> None:
    writer = DagsterInstance.from_config(str(home))
    assert isinstance(writer.event_log_storage, PooledSqliteEventLogStorage)
    for key in PARTS.get_partition_keys()[:25]:
        assert materialize([numbers], instance=writer, partition_key=key).success
    reader = DagsterInstance.from_config(str(home))  # a second process's view: its own connections
    assert len(reader.get_materialized_partitions(AssetKey("numbers"))) == 25
    # stock layout: the index shard and one file per run under history/runs
    assert (home / "history" / "runs" / "index.db").exists()
    assert len(list((home / "history" / "runs").glob("*.db"))) == 26
    # the writer sees what the reader's process added, through its pooled connections
    assert materialize([numbers], instance=reader, partition_key="p039").success
    assert "p039" in writer.get_materialized_partitions(AssetKey("numbers"))
    writer.wipe()
    assert not writer.get_materialized_partitions(AssetKey("numbers"))
    assert materialize([numbers], instance=writer, partition_key="p001").success
    assert writer.get_materialized_partitions(AssetKey("numbers")) == {"p001"}
    writer.dispose()
    reader.dispose()
