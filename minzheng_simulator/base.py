"""What every source generator provides, and helpers shared by them."""

from __future__ import annotations

import calendar
import datetime as dt
from abc import ABC, abstractmethod

import numpy as np
import polars as pl

from .contract import CONTRACTS, SourceContract
from .identity import id_numbers
from .profile import CountyProfile


class SourceGenerator(ABC):
    """Generates the clean rows of one source for one county, month by month.

    The whole history (EPOCH..LAST_MONTH) is drawn when the generator is built, from streams keyed by
    (seed, source, county), so a month's rows do not depend on which other months are written.
    """

    source: str

    def __init__(self, profile: CountyProfile, seed: int, scale: float) -> None:
        self.profile = profile
        self.seed = seed
        self.scale = scale

    @property
    def contract(self) -> SourceContract:
        return CONTRACTS[self.source]

    @abstractmethod
    def expected_rows(self) -> int:
        """Typical rows of one month's export (decides whether the clerk's Excel habit is kept)."""

    @abstractmethod
    def month(self, period: dt.date) -> pl.DataFrame:
        """The clean export rows for the month: String columns named by the contract headers."""

    @abstractmethod
    def correct(self, frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
        """A corrected re-export of `frame`: a few values changed, rows removed and/or added."""


def month_end(period: dt.date) -> dt.date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def with_seq(frame: pl.DataFrame) -> pl.DataFrame:
    """(Re)number the 序号 column 1..n and put it first."""
    seq = pl.int_range(1, pl.len() + 1).cast(pl.String).alias("序号")
    return frame.select(seq, pl.exclude("序号"))


def money(values: np.ndarray) -> np.ndarray:
    """Amounts as text with two decimals."""
    return np.char.mod("%.2f", np.round(values.astype(np.float64), 2))


def iso_dates(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D")


def person_ids(
    profile: CountyProfile, birth: np.ndarray, male: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """IDs whose region code is the county's (the former code for people born before a rename)."""
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    prefixes = np.zeros(len(birth), dtype=np.int64)
    for first_year, code in profile.id_prefix_history:
        prefixes[years >= first_year] = int(code)
    return id_numbers(prefixes, birth, male, rng)


def births(reference: np.ndarray, age_years: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Birth dates for people aged `age_years` (float) at `reference` (datetime64[D])."""
    days = np.round(age_years * 365.25).astype(np.int64) + rng.integers(0, 365, len(age_years))
    return reference.astype("datetime64[D]") - days.astype("timedelta64[D]")


def adjust_rows(
    frame: pl.DataFrame,
    rng: np.random.Generator,
    column: str,
    change: callable,  # type: ignore[valid-type]
    share: float = 0.003,
    max_rows: int = 12,
) -> tuple[pl.DataFrame, np.ndarray]:
    """Change `column` in a few rows (used by corrections); returns the frame and the rows changed."""
    n = frame.height
    k = int(min(max_rows, max(1, round(n * share)))) if n else 0
    rows = rng.choice(n, k, replace=False) if k else np.array([], dtype=np.int64)
    values = frame[column].to_numpy().astype(object)
    for r in rows:
        values[r] = change(values[r])
    return frame.with_columns(pl.Series(column, values, dtype=pl.String)), rows


def drop_rows(
    frame: pl.DataFrame, rng: np.random.Generator, share: float = 0.002, max_rows: int = 8
) -> pl.DataFrame:
    n = frame.height
    k = int(min(max_rows, max(1, round(n * share)))) if n > 3 else 0
    if not k:
        return frame
    drop = set(rng.choice(n, k, replace=False).tolist())
    keep = np.array([i not in drop for i in range(n)])
    return frame.filter(pl.Series(keep))
