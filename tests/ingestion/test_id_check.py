"""The vectorised GB 11643 check (normalize.id_number_valid) against a per-value reference, on columns
polars hands over in pieces: sliced, several chunks, nulls, lower-case x, wrong shapes."""

from __future__ import annotations

import datetime as dt
import random
import re

import polars as pl

from dagster_project.ingestion.normalize import gb11643_check_char, id_number_valid


def _reference(value: str | None) -> bool:
    if value is None:
        return False
    value = value.upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value) or gb11643_check_char(value[:17]) != value[17]:
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return True


def _ids(n: int) -> list[str | None]:
    rng = random.Random(11643)
    out: list[str | None] = []
    for _ in range(n):
        first = f"610602{rng.randint(1900, 2024)}{rng.randint(0, 13):02d}{rng.randint(0, 31):02d}{rng.randint(0, 999):03d}"
        check = gb11643_check_char(first) if rng.random() < 0.7 else rng.choice("0123456789X")
        out.append(first + (check.lower() if rng.random() < 0.1 else check))
    return [*out, None, "", "abc", "6106021980010100１X", "61060219800101001", "610602198001010011X"]


def test_id_check_matches_the_reference_on_pieces() -> None:
    values = _ids(6000)
    rng = random.Random(2)
    rng.shuffle(values)
    whole = pl.Series("id", values)
    pieces = pl.concat([whole.slice(0, 1000), whole.slice(1000, 2500), whole.slice(3500)], rechunk=False)
    assert pieces.n_chunks() == 3
    expected = [_reference(v) for v in values]
    assert sum(expected) > 1000 and not all(expected)
    for series, lo, hi in [
        (whole, 0, len(values)),
        (pieces, 0, len(values)),
        (pieces.slice(700, 3000), 700, 3700),
    ]:
        got = series.to_frame().select(id_number_valid(pl.col("id"))).to_series().to_list()
        assert got == expected[lo:hi]
