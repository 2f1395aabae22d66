"""Every module of the project's packages imports on its own, whatever was imported before it.

A circular import only fails when the cycle is entered from one particular module: the test suite's
collection order decides which one comes first, so a cycle can pass every local run and break CI's.
Here each module is imported first, in one interpreter, after forgetting every project module (the
third-party libraries stay loaded, which keeps this to seconds)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from dagster_project.settings import REPO_ROOT

PACKAGES = ("dagster_project", "minzheng_simulator", "benchmarks")


def _modules() -> list[str]:
    names: list[str] = []
    for package in PACKAGES:
        root = REPO_ROOT / package
        for path in sorted(root.rglob("*.py")):
            if path.name == "__main__.py":
                continue
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join(parts))
    return names


SCRIPT = textwrap.dedent(
    """
    import importlib, json, sys, warnings
    warnings.simplefilter("ignore")
    packages, modules = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    failed = []
    for name in modules:
        for loaded in [m for m in sys.modules if m.split(".")[0] in packages]:
            del sys.modules[loaded]
        try:
            importlib.import_module(name)
        except Exception as exc:  # report every module, not only the first
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    print(json.dumps(failed))
    """
)


def test_every_module_imports_first() -> None:
    modules = _modules()
    assert "dagster_project.assets.dbt" in modules and len(modules) > 50
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(PACKAGES), json.dumps(modules)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    failed = json.loads(out.stdout.strip().splitlines()[-1])
    assert failed == [], "\n".join(failed)
