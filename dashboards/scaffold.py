"""One-shot generator of NEW Superset assets from the compact spec in bundle_spec/; it never changes the
bundle's existing files.

dashboards/bundle/ is the single source of the dashboards: it is what gets imported, it is edited
directly (YAML) or in the Superset UI and written back with `make superset-export`, and
dashboards/validate_bundle.py is the gate before import and commit. This tool only writes files that do
not exist yet (a new chart, dataset or dashboard described in the spec), and refuses to overwrite any
file of the bundle, so it can never undo an edit made there:

    uv run python dashboards/scaffold.py                 # writes the missing files into dashboards/bundle/
    uv run python dashboards/scaffold.py --out /tmp/b    # the whole spec into an empty folder, to compare

A new chart on an existing dashboard: describe it in bundle_spec/boards/, run the tool (it writes the
chart's file), then place it on the dashboard in the UI and export, or add it to the dashboard's
`position` by hand. UUIDs are derived from names (uuid5), so a generated file has the same UUID on every
machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

if __package__:  # imported as dashboards.scaffold (or run with python -m dashboards.scaffold)
    from .bundle_spec.files import generate
else:  # run as a script (uv run python dashboards/scaffold.py): dashboards/ is the first entry of sys.path
    from bundle_spec.files import generate

HERE = Path(__file__).resolve().parent
BUNDLE = HERE / "bundle"

__all__ = ["BUNDLE", "generate", "main", "write_new"]


def _text(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write_new(out: Path, files: dict[Path, dict]) -> tuple[list[Path], list[Path]]:
    """Write the spec's files that are missing under `out`; return (written, left alone). An existing file
    is never overwritten, whatever its content."""
    written, kept = [], []
    for rel, data in files.items():
        path = out / rel
        if path.exists():
            kept.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as fh:  # "x": fails rather than overwrite
            fh.write(_text(data))
        written.append(rel)
    return written, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BUNDLE, help="folder to write into (default: the bundle)")
    args = parser.parse_args(argv)
    files = generate()
    written, kept = write_new(args.out, files)
    for rel in written:
        print(f"written: {rel}")
    changed = [rel for rel in kept if (args.out / rel).read_text(encoding="utf-8") != _text(files[rel])]
    if changed:
        print(
            f"{len(changed)} existing file(s) differ from the spec and were left as they are "
            "(the bundle is the source: edit the YAML or export from the UI):",
            file=sys.stderr,
        )
        for rel in changed:
            print(f"  {rel}", file=sys.stderr)
    print(f"{len(written)} file(s) written, {len(kept)} existing file(s) left unchanged in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
