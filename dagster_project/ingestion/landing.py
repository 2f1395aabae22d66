"""Find the export files of one source and month in the landing folder and pick the one per county.

Layout: <landing>/<source>/<YYYY-MM>/<county_code>_<county_name>[_更正<N>].<ext>
A corrected re-export (_更正N, highest N wins) replaces its county-month.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .redact import redact_file_name

# The format is read from the content (formats.py); these are the names government systems give exports
# (an "xls" that is HTML or XML 2003, "Unicode text" saved as .txt, WPS .et).
EXPORT_SUFFIXES = (".xlsx", ".xls", ".csv", ".txt", ".tsv", ".htm", ".html", ".xml", ".et", ".xlsm")
_TEMP_MARKERS = ("~$", ".~", ".")  # Office lock files, hidden/partial files
_CORRECTION = re.compile(r"[_\-\s]*(?:更正|更新|修正)(\d*)$|\((\d+)\)$")
_CODE = re.compile(r"^(\d{6})(?:\d{6})?(?:[_\-\s]|$)")


@dataclass(frozen=True)
class ExportFile:
    path: Path
    relative: str  # path relative to the landing dir, as recorded in lineage (personal parts masked)
    county_code: str | None
    correction: int
    refused: str | None = None  # why the file is not read at all (a link leaving the landing folder)

    @property
    def sha256(self) -> str:
        return file_sha256(self.path)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def month_folder(landing_dir: Path, source: str, period: dt.date) -> Path:
    return landing_dir / source / f"{period:%Y-%m}"


def is_candidate(path: Path) -> bool:
    """An export to consider: right suffix, not a temp/lock/hidden file."""
    name = path.name
    return (
        not path.is_symlink()
        and path.is_file()
        and path.suffix.lower() in EXPORT_SUFFIXES
        and not name.startswith(_TEMP_MARKERS)
        and not name.startswith("_")
    )


def parse_name(stem: str, resolve_county: Callable[[str], str | None]) -> tuple[str | None, int]:
    """County code and correction number from a file name stem."""
    correction = 0
    m = _CORRECTION.search(stem)
    if m:
        correction = int(m.group(1) or m.group(2) or 1)
        stem = stem[: m.start()]
    code = _CODE.match(stem)
    if code:
        return code.group(1), correction
    return resolve_county(stem), correction


def discover(
    landing_dir: Path, source: str, period: dt.date, resolve_county: Callable[[str], str | None]
) -> list[ExportFile]:
    folder = month_folder(landing_dir, source, period)
    if not folder.is_dir():
        return []
    root = landing_dir.resolve()
    files = []
    for path in sorted(folder.iterdir()):
        name = path.name
        if (
            name.startswith(_TEMP_MARKERS)
            or name.startswith("_")
            or path.suffix.lower() not in EXPORT_SUFFIXES
        ):
            continue
        county, correction = parse_name(path.stem, resolve_county)
        # recorded and shown: a person's name or phone in a file name is not (redact.redact_file_name)
        relative = redact_file_name(path.relative_to(landing_dir).as_posix())
        try:
            inside = path.resolve(strict=True).is_relative_to(root)
        except (OSError, RuntimeError):  # dangling or looping link
            inside = False
        if not inside:
            files.append(
                ExportFile(
                    path,
                    relative,
                    county,
                    correction,
                    "文件是指向着陆文件夹以外的链接（或链接已失效），已拒绝读取",
                )
            )
            continue
        if not path.is_file():
            continue
        files.append(ExportFile(path, relative, county, correction))
    return files


def effective_files(files: list[ExportFile]) -> tuple[dict[str, ExportFile], list[ExportFile]]:
    """Per county the file to load (highest correction, then newest), and the superseded ones."""
    chosen: dict[str, ExportFile] = {}
    superseded: list[ExportFile] = []
    readable = [f for f in files if f.refused is None]
    for f in sorted(readable, key=lambda f: (f.correction, f.path.stat().st_mtime, f.path.name)):
        if f.county_code is None:
            continue
        if f.county_code in chosen:
            superseded.append(chosen[f.county_code])
        chosen[f.county_code] = f
    return chosen, superseded
