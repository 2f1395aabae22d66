"""Three things GX 1.24's pandas engine does over again on every batch, done once or narrower for the
frames the runner reads (quality/frames.py), while GX validates one of them. GX has no setting for any,
so three functions of its pandas engine are wrapped; each falls back to GX's own code for any other
frame, and tests/quality/test_gx_engine.py fails if a GX upgrade stops calling them.

- The batch fingerprint (batch marker `pandas_data_fingerprint`, shown under "Batch Markers" in Data
  Docs): GX hashes each value of the frame with pandas (`hash_pandas_dataframe`), about 3 s of CPU on a
  province month of raw.assistance_roster, most of it the 1.2 million distinct 64-character keys, more
  than all its expectations together. No expectation reads it; it labels the batch. Our frames carry a
  fingerprint DuckDB computed on the same rows while they were still Arrow (0.15 s: frames.py
  `arrow_fingerprint`), and GX records that one.
- Row conditions: for an expectation with a `row_condition` GX filters the whole frame (every column)
  once per metric it computes, 7 times per expectation with our result format: 14 copies of a 1.2
  million-row frame for the two amount checks of raw_assistance_roster (about 2 s). The first filter
  of a condition on our frame is kept and handed out again for the same condition until the validation
  ends: the same rows, since the frame does not change while GX validates it.
- Column domains: for every metric of a single column (each column-map and column-aggregate metric) GX
  takes the whole frame as its compute domain and, for most, drops the column's NULL rows from it before
  it reads that one column: a copy of every column of the frame (22 columns of 1.2 million rows for
  raw_assistance_roster) wherever the column has NULLs. Profiled on a province month, GX's row copies
  took about 1 s in a warm process and 3 s in a new one, where every copy is fresh memory. GX's pandas
  metrics read only the domain's column from a column domain (`df[column]`), so on our frame the domain
  is that one column, with the frame's index: the same values and rows, and GX's NULL filter copies
  one column.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FINGERPRINT_ATTR = "duckdb_fingerprint"  # DataFrame.attrs key set by quality/frames.py


class _Validating(threading.local):
    frame: Any = None  # the frame GX is validating, if it is one of ours
    fingerprint: str | None = None
    filtered: dict[str, Any] = {}  # row condition -> the frame's rows that meet it


_NOW = _Validating()
_INSTALLED: list[str] = []


def _condition_key(row_condition: Any, domain_kwargs: dict[str, Any]) -> str:
    return f"{type(row_condition).__name__}:{row_condition!r}:{domain_kwargs.get('condition_parser')!r}"


def _install() -> None:
    if _INSTALLED:
        return
    from great_expectations.execution_engine import pandas_execution_engine as module

    gx_hash = module.hash_pandas_dataframe
    gx_filter = module.PandasExecutionEngine._apply_row_condition_filter
    gx_compute_domain = module.PandasExecutionEngine.get_compute_domain
    column_domain = module.MetricDomainTypes.COLUMN

    def fingerprint(df: Any) -> str:
        if df is _NOW.frame and _NOW.fingerprint is not None:
            return _NOW.fingerprint
        return gx_hash(df)

    def row_condition_filter(self: Any, data: Any, row_condition: Any, domain_kwargs: dict) -> Any:
        if data is not _NOW.frame or _NOW.frame is None:
            return gx_filter(self, data, row_condition, domain_kwargs)
        key = _condition_key(row_condition, domain_kwargs)
        if key not in _NOW.filtered:
            _NOW.filtered[key] = gx_filter(self, data, row_condition, domain_kwargs)
        return _NOW.filtered[key]

    def compute_domain(
        self: Any, domain_kwargs: dict, domain_type: Any, accessor_keys: Any = None
    ) -> tuple[Any, dict, dict]:
        data, compute, accessor = gx_compute_domain(self, domain_kwargs, domain_type, accessor_keys)
        ours = _NOW.frame is not None and (
            data is _NOW.frame or any(data is rows for rows in _NOW.filtered.values())
        )
        column = accessor.get("column")
        if ours and module.MetricDomainTypes(domain_type) == column_domain and column in data.columns:
            data = data[[column]]
        return data, compute, accessor

    module.hash_pandas_dataframe = fingerprint
    module.PandasExecutionEngine._apply_row_condition_filter = row_condition_filter  # type: ignore[method-assign]
    module.PandasExecutionEngine.get_compute_domain = compute_domain  # type: ignore[method-assign]
    _INSTALLED.append("installed")


def mark(df: Any, fingerprint: str) -> None:
    """Attach a fingerprint of its rows to a frame (pandas copies `attrs` to frames derived from it, so
    the frame's identity is kept too: a derived frame, e.g. df.head(), is not taken for it)."""
    df.attrs[FINGERPRINT_ATTR] = (id(df), fingerprint)


def fingerprint_of(df: Any) -> str | None:
    """The fingerprint attached to this very frame by mark(), if any."""
    value = df.attrs.get(FINGERPRINT_ATTR) if hasattr(df, "attrs") else None
    if isinstance(value, tuple) and len(value) == 2 and value[0] == id(df):
        return str(value[1])
    return None


@contextmanager
def validating(df: Any) -> Iterator[None]:
    """GX validates `df` inside this block: if it is one of our frames (it carries a DuckDB
    fingerprint), record that fingerprint and filter it once per row condition."""
    value = fingerprint_of(df)
    if value is None:
        yield
        return
    _install()
    _NOW.frame, _NOW.fingerprint, _NOW.filtered = df, value, {}
    try:
        yield
    finally:
        _NOW.frame, _NOW.fingerprint, _NOW.filtered = None, None, {}
