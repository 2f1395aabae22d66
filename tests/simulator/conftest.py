"""Small simulator runs shared by the tests (scale 0.02: a few thousand rows per source and month)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minzheng_simulator import SimulationConfig, SimulationResult, simulate

SEED = 7


def run(out: Path, **kwargs) -> SimulationResult:
    defaults = dict(
        out=out,
        months=["2024-05", "2024-06"],
        scale=0.02,
        dirty_rate=0.05,
        seed=SEED,
        corrections=4,
        workers=1,
    )
    defaults.update(kwargs)
    return simulate(SimulationConfig(**defaults))


@pytest.fixture(scope="session")
def dirty_run(tmp_path_factory: pytest.TempPathFactory) -> SimulationResult:
    return run(tmp_path_factory.mktemp("dirty") / "landing")


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> SimulationResult:
    return run(
        tmp_path_factory.mktemp("clean") / "landing", months=["2024-06"], dirty_rate=0.0, corrections=2
    )


def manifest(result: SimulationResult) -> dict:
    assert result.manifest_path is not None
    return json.loads(result.manifest_path.read_text("utf-8"))
