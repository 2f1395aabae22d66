"""Same arguments, same bytes; another seed, other data; months do not depend on the window."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .conftest import run


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and "_simulator" not in p.parts
    }


def test_same_arguments_give_identical_files(tmp_path: Path) -> None:
    kwargs = dict(months=["2024-06"], scale=0.01, corrections=2)
    a = run(tmp_path / "a", **kwargs)
    b = run(tmp_path / "b", workers=2, **kwargs)  # also independent of the number of processes
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert [d.to_json() for d in a.dirt] == [d.to_json() for d in b.dirt]
    c = run(tmp_path / "c", seed=8, **kwargs)
    assert digests(tmp_path / "c") != digests(tmp_path / "a")
    assert c.rows_by_source() != a.rows_by_source()


def test_a_month_does_not_depend_on_the_window(tmp_path: Path) -> None:
    one = run(
        tmp_path / "one", months=["2024-06"], scale=0.01, corrections=0, sources=("assistance", "lottery")
    )
    two = run(
        tmp_path / "two",
        months=["2024-05", "2024-06"],
        scale=0.01,
        corrections=0,
        sources=("assistance", "lottery"),
    )
    june = {k: v for k, v in digests(tmp_path / "two").items() if "/2024-06/" in k}
    assert digests(tmp_path / "one") == june
    assert one.files and two.files


def test_rerun_replaces_its_own_files(tmp_path: Path) -> None:
    first = run(tmp_path / "l", months=["2024-06"], scale=0.01, corrections=1, dirty_rate=0.3)
    second = run(tmp_path / "l", months=["2024-06"], scale=0.01, corrections=0, dirty_rate=0.0)
    on_disk = {
        p.relative_to(tmp_path / "l").as_posix()
        for p in (tmp_path / "l").rglob("*")
        if p.is_file() and "_simulator" not in p.parts
    }
    assert on_disk == {f.path for f in second.files}
    assert {f.path for f in first.files} != on_disk  # variant names and corrections of the first run are gone
