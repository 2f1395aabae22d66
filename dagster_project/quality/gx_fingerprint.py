"""The data fingerprint GX records for a batch (batch marker `pandas_data_fingerprint`, shown under
"Batch Markers" in Data Docs), computed by DuckDB instead of by pandas.

GX 1.24's pandas engine fingerprints every batch it is given by hashing each value of the frame with
pandas (`hash_pandas_dataframe`, an md5 of `pd.util.hash_pandas_object`). On a province month of
raw.assistance_roster that is about 3 s of CPU, most of it the 1.2 million distinct 64-character keys,
twice what all its expectations together cost. The fingerprint only labels the batch; no expectation
reads it. So the frames the runner reads (quality/frames.py) carry a fingerprint DuckDB computed on
the same rows while still in Arrow (multi-threaded, a fraction of a second: quality/frames.py
`arrow_fingerprint`), and while GX validates such a frame it records that one instead. Any other frame
GX is given keeps GX's own fingerprint.

This replaces a module-level function of GX's pandas engine (there is no setting for it); the test
tests/quality/test_gx_fingerprint.py fails if a GX upgrade stops calling it, and a frame without a
fingerprint of ours is always hashed by GX itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FINGERPRINT_ATTR = "duckdb_fingerprint"  # DataFrame.attrs key set by quality/frames.py


class _Given(threading.local):
    frame: Any = None
    value: str | None = None


_GIVEN = _Given()
_INSTALLED: list[Any] = []  # GX's own function, once replaced


def _install() -> None:
    if _INSTALLED:
        return
    from great_expectations.execution_engine import pandas_execution_engine as engine

    gx_hash = engine.hash_pandas_dataframe

    def fingerprint(df: Any) -> str:
        if df is _GIVEN.frame and _GIVEN.value is not None:
            return _GIVEN.value
        return gx_hash(df)

    engine.hash_pandas_dataframe = fingerprint
    _INSTALLED.append(gx_hash)


@contextmanager
def fingerprint_given(df: Any) -> Iterator[None]:
    """While GX validates `df` inside this block, it records the fingerprint `df` carries (if any)."""
    value = df.attrs.get(FINGERPRINT_ATTR) if hasattr(df, "attrs") else None
    if value is None:
        yield
        return
    _install()
    _GIVEN.frame, _GIVEN.value = df, str(value)
    try:
        yield
    finally:
        _GIVEN.frame, _GIVEN.value = None, None
