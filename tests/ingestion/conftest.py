from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingestion.pipeline import RegionLookup
from dagster_project.ingestion.pseudonymise import Pseudonymiser
from dagster_project.ingestion.transform import FileContext

from .exports import TOWNSHIP

PERIOD = dt.date(2024, 6, 1)
TEST_KEY = b"test-key-for-ingestion-0123456789"


@pytest.fixture
def hasher() -> Pseudonymiser:
    return Pseudonymiser(TEST_KEY)


@pytest.fixture
def ctx() -> FileContext:
    return FileContext("610602", PERIOD, frozenset({TOWNSHIP}))


@pytest.fixture
def region() -> RegionLookup:
    names = {"宝塔区": "610602", "宝塔": "610602", "延安市宝塔区": "610602", "安塞区": "610603"}
    prefixes = {"610602": frozenset({TOWNSHIP}), "610603": frozenset({"610603100"})}
    return RegionLookup(resolve_county=names.get, township_prefixes=lambda c: prefixes.get(c, frozenset()))


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def con(tmp_path: Path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield c
    c.close()
