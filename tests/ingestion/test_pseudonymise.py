from __future__ import annotations

import hmac
import random
from pathlib import Path

import polars as pl
import polars_hash as plh
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


EDGE_VALUES = [
    "",
    " ",
    "\t61060219800101123X\n",
    "61060219800101123X",
    "61060219800101123x".upper(),
    "张三",
    "欧阳 娜娜",
    "𠀀𪚥",  # outside the BMP
    "a\x00b",
    "é" * 40,
    "9" * 63,
    "9" * 64,
    "9" * 65,
    "长" * 3000,  # very long: several SHA-256 blocks
]


@pytest.mark.parametrize(
    ("key", "n"),
    [
        (b"0123456789abcdef" * 4, 1_000_000),  # the shape `make key` writes: 64 hex characters
        (b"k" * 16, 20_000),
        (b"long-key-" * 20, 20_000),  # longer than a SHA-256 block: hashed first (RFC 2104)
        ("密钥-不是ASCII-0123".encode(), 20_000),
    ],
    ids=["64-hex-million", "16", "longer-than-block", "unicode"],
)
def test_vectorised_hash_equals_stdlib_hmac(key: bytes, n: int) -> None:
    """The native HMAC path must equal hmac.new(key, value.encode('utf-8'), sha256) value by value."""
    rng = random.Random(len(key))
    ids = [f"{rng.randrange(10**16, 10**17)}{rng.choice('0123456789X')}" for _ in range(n)]
    values: list[str | None] = [*ids, *EDGE_VALUES, None]
    series = pl.Series("id", values)
    (hashed,) = Pseudonymiser(key).hash_columns([series])
    expected = [None if v is None else hmac.new(key, v.encode("utf-8"), "sha256").hexdigest() for v in values]
    assert hashed.name == "id"
    assert hashed.dtype == pl.String
    assert hashed.to_list() == expected


def test_non_utf8_key_falls_back_to_the_same_digest() -> None:
    key = bytes(range(200, 232))
    values = ["61060219800101123X", "张三", "", None]
    (hashed,) = Pseudonymiser(key).hash_columns([pl.Series("x", values)])
    assert hashed.to_list() == [
        None if v is None else hmac.new(key, v.encode(), "sha256").hexdigest() for v in values
    ]


def test_empty_and_all_null_columns() -> None:
    p = Pseudonymiser(b"k" * 32)
    empty, nulls = p.hash_columns(
        [pl.Series("a", [], dtype=pl.String), pl.Series("b", [None, None], dtype=pl.String)]
    )
    assert empty.len() == 0 and empty.dtype == pl.String
    assert nulls.to_list() == [None, None]


def test_key_never_shows_in_the_expression_plan_or_errors() -> None:
    key = "secret-key-should-not-leak-0123"
    p = Pseudonymiser(key.encode())
    expr = plh.col("v").chash.hmac_sha256(key=key)
    assert key not in repr(expr) and key not in str(expr)
    assert key not in pl.LazyFrame({"v": ["x"]}).select(expr).explain()
    with pytest.raises(Exception) as excinfo:
        p.hash_columns([pl.Series("v", [[1, 2]])])
    assert key not in str(excinfo.value)
