"""The bundle is the single source of the dashboards: the scaffold only adds files that are missing and
never overwrites one, so an edit made in the bundle (by hand or by `make superset-export`) survives it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from dagster_project.settings import REPO_ROOT

SCAFFOLD = REPO_ROOT / "dashboards" / "scaffold.py"
VALIDATE = REPO_ROOT / "dashboards" / "validate_bundle.py"
BUNDLE = REPO_ROOT / "dashboards" / "bundle"


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, check=False)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_scaffold_leaves_an_edited_bundle_alone_and_adds_only_missing_files(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE, bundle)
    edited = next((bundle / "charts").glob("*.yaml"))
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("slice_name:", "slice_name: 改过", 1), "utf-8"
    )
    removed = next((bundle / "datasets" / "minzheng_warehouse").glob("*.yaml"))
    original = removed.read_bytes()
    removed.unlink()
    before = _tree(bundle)

    result = _run(SCAFFOLD, "--out", bundle)

    assert result.returncode == 0, result.stderr
    after = _tree(bundle)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing existing changed
    assert set(after) - set(before) == {str(removed.relative_to(bundle))}
    assert removed.read_bytes() == original
    assert str(edited.relative_to(bundle)) in result.stderr  # the difference is reported, not "fixed"


def test_the_shipped_bundle_passes_the_gate_and_the_spec_adds_nothing_to_it(tmp_path: Path) -> None:
    assert _run(VALIDATE).returncode == 0
    copy = tmp_path / "bundle"
    shutil.copytree(BUNDLE, copy)
    result = _run(SCAFFOLD, "--out", copy)
    assert result.returncode == 0 and "0 file(s) written" in result.stdout, result.stdout
    assert _tree(copy) == _tree(BUNDLE)


def test_a_fresh_scaffold_is_a_valid_bundle(tmp_path: Path) -> None:
    out = tmp_path / "fresh"
    assert _run(SCAFFOLD, "--out", out).returncode == 0
    result = _run(VALIDATE, "--bundle", out)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_script_and_the_module_write_the_same_bundle(tmp_path: Path) -> None:
    """The spec is a package (dashboards/bundle_spec/) imported as `bundle_spec` when scaffold.py runs as a
    script and as `dashboards.bundle_spec` when it is imported: both give the same files."""
    as_script, as_module = tmp_path / "script", tmp_path / "module"
    assert _run(SCAFFOLD, "--out", as_script).returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "dashboards.scaffold", "--out", str(as_module)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert _tree(as_module) == _tree(as_script)
