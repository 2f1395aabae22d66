from __future__ import annotations

import hmac
from pathlib import Path

import polars as pl
import pytest

from dagster_project.ingestion.pseudonymise import (
    PseudonymisationKeyError,
    Pseudonymiser,
    ensure_key_file,
    load_key,
)
from dagster_project.settings import REPO_ROOT, Settings


@pytest.mark.parametrize("key", [b"k" * 16, b"k" * 64, b"long-key-" * 20])
def test_keyed_hash_equals_standard_hmac_sha256(key: bytes) -> None:
    p = Pseudonymiser(key)
    for value in ["61060219800101123X", "张三", ""]:
        assert p.digest(value) == hmac.new(key, value.encode(), "sha256").hexdigest()


def test_hash_series_keeps_nulls_and_order() -> None:
    p = Pseudonymiser(b"k" * 32)
    out = p.hash_series(pl.Series("x", ["b", None, "a", "b"]))
    assert out.to_list() == [p.digest("b"), None, p.digest("a"), p.digest("b")]


def test_key_file_must_live_outside_the_repository(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("MINZHENG_HMAC_KEY", raising=False)
    with pytest.raises(PseudonymisationKeyError, match="inside the repository"):
        ensure_key_file(REPO_ROOT / "hmac.key")
    with pytest.raises(PseudonymisationKeyError, match="not found"):
        load_key(tmp_path / "missing.key")
    key_file = ensure_key_file(tmp_path / "keys" / "hmac.key")
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(load_key(key_file)) == 64
    monkeypatch.setenv("MINZHENG_HMAC_KEY", "from-the-environment-0123")
    assert load_key(key_file, Settings.from_env().hmac_key) == b"from-the-environment-0123"
