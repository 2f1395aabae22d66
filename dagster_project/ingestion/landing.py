"""Find the export files of one source and month in the landing folder and pick the ones to load.

Layout: <landing>/<source>/<YYYY-MM>/<county_code>_<county_name>[_<part>][_更正<N>].<ext>
A county-month may come as several files (one per program, say: 610602_宝塔区_城市低保.xlsx and
610602_宝塔区_农村低保.xlsx): every part is loaded, and the county-month's rows are their union. A
corrected re-export (_更正N or "(N)", highest N wins, then the newest) replaces only the file with the
same base name (its name without the marker): 610602_宝塔区_农村低保_更正1.xlsx replaces
610602_宝塔区_农村低保.xlsx and leaves 610602_宝塔区_城市低保.xlsx loaded. A file manager's copy
(610602_宝塔区 - 副本.xlsx, 复件 610602_宝塔区.xlsx) is a version of its original too (the newest wins), and a
part whose bytes are those of another part (the same export put in twice) is superseded: either would
load the county-month's rows twice.

File names are recorded and shown as valid text: a name that is not UTF-8 (GBK bytes from a Windows
zip unpacked on Linux) is decoded as GB18030 (text_name); the file itself is opened by its real path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import valid_text
from .redact import redact_file_name

# The folder of the landing folder where staff drop filled plan-target templates (assets/plan_targets.py):
# not an export source, never a problem of the landing folder (landing_problems.py).
PLAN_TARGETS_FOLDER = "plan_targets"

# The format is read from the content (formats.py); these are the names government systems give exports
# (an "xls" that is HTML or XML 2003, "Unicode text" saved as .txt, WPS .et).
EXPORT_SUFFIXES = (
    ".xlsx",
    ".xls",
    ".csv",
    ".txt",
    ".tsv",
    ".htm",
    ".html",
    ".xml",
    ".et",
    ".xlsm",
    ".xltx",
    ".xltm",
)
# What the operating system leaves in a folder: never an export, never reported.
_SYSTEM_FILES = ("thumbs.db", "desktop.ini")
UNSUPPORTED_EXPECTED_ZH = (
    "金民工程导出的 .xlsx、.xls 或 .csv 文件，直接放在月份文件夹中（其他格式请用Excel或WPS另存为 .xlsx；"
    "压缩包请先解压；不是数据的文件请移出着陆文件夹）"
)
_TEMP_MARKERS = ("~$", ".~", ".")  # Office lock files, hidden/partial files
_CORRECTION = re.compile(r"[_\-\s]*(?:更正|更新|修正)(\d*)$|\((\d+)\)$")
# What a file manager adds to a copy of a file in the same folder: Windows "名称 - 副本", "名称 - 副本 (2)",
# "name - Copy (2)"; macOS "名称 副本 2", "name copy"; Windows XP "复件 名称", "复件 (2) 名称". A copy is a
# version of its original (the newest file wins, as for any two versions), never a second part: it
# would load the county-month's rows twice.
_COPY_SUFFIX = re.compile(r"(?:\s*-\s*|\s+|_)(?:副本|拷贝|copy)(?:\s*\(?\d+\)?)?$", re.IGNORECASE)
_COPY_PREFIX = re.compile(r"^(?:复件|副本)\s*(?:\(\d+\)\s*)?")
_CODE = re.compile(r"^(\d{6})(?:\d{6})?(?:[_\-\s]|$)")


@dataclass(frozen=True)
class ExportFile:
    path: Path  # the real path (opened by its bytes, whatever the name's encoding)
    relative: str  # relative to the landing dir, as recorded in lineage (relative_name: text, masked)
    county_code: str | None
    correction: int
    refused: str | None = None  # why the file is not read at all (a link leaving the landing folder)
    refused_expected: str = "放在着陆文件夹内的普通文件"  # what the clerk should put there instead
    base: str = ""  # the name's stem without its correction marker: a correction replaces the same base
    superseded_zh: str = "已被更正文件替代"  # why it is not loaded, where effective_files supersedes it

    @property
    def sha256(self) -> str:
        return file_sha256(self.path)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def text_name(name: str) -> str:
    """A file name as the warehouse records it and the clerk reads it: the name itself when it is valid
    text; a name whose bytes were not UTF-8 (Python holds them as surrogate escapes) decoded as GB18030,
    the encoding of Chinese Windows, with replacement characters for any bytes that are not GB18030
    either. The same bytes always give the same text (the file's identity across runs)."""
    return valid_text(name)


def relative_name(path: Path, landing_dir: Path) -> str:
    """`path` relative to the landing folder, as valid text (see text_name), with any part of the name
    that may be personal masked (a person's name or phone: redact.redact_file_name)."""
    return redact_file_name("/".join(text_name(part) for part in path.relative_to(landing_dir).parts))


def month_folder(landing_dir: Path, source: str, period: dt.date) -> Path:
    return landing_dir / source / f"{period:%Y-%m}"


def is_ignored(name: str) -> bool:
    """A name never looked at: temp, lock, hidden or `_`-prefixed files and what the OS leaves behind."""
    return name.startswith(_TEMP_MARKERS) or name.startswith("_") or name.lower() in _SYSTEM_FILES


def is_candidate(path: Path) -> bool:
    """An export to consider: right suffix, not a temp/lock/hidden file."""
    return (
        not path.is_symlink()
        and path.is_file()
        and path.suffix.lower() in EXPORT_SUFFIXES
        and not is_ignored(path.name)
    )


def split_correction(stem: str) -> tuple[str, int]:
    """A file name stem's base name (without the correction marker) and its correction number (0: none)."""
    stem = _COPY_PREFIX.sub("", _COPY_SUFFIX.sub("", text_name(stem)))
    correction = 0
    m = _CORRECTION.search(stem)
    if m:
        correction = int(m.group(1) or m.group(2) or 1)
        stem = stem[: m.start()]
    return stem.strip(), correction


# What a system or a clerk adds to a name when the same export is taken again: a date, with or without a
# time (20240616, 2024-06-16, 2024年6月16日, 202406, 20240616153012, 2024-06-16 15.30) or a month and day
# (0616). A county's files whose names differ only in them are versions of one export (a month-to-date
# lottery export taken each day), not parts of its month. Other numbers (a township's code 610602001, a
# batch number 1234567, part 1 / part 2) tell parts apart.
_STAMP = re.compile(
    r"(?<![0-9])(?:"
    r"(?P<y>(?:19|20)[0-9]{2})[-./年_]?(?P<mo>0[1-9]|1[0-2]|[1-9](?![0-9]))"  # year and month
    r"(?:[-./月_]?(?P<d>0[1-9]|[12][0-9]|3[01]|[1-9](?![0-9]))日?)?"  # day
    r"(?:[-_ T]?(?P<h>[0-2][0-9])[:.时]?(?P<mi>[0-5][0-9])(?:[:.分]?(?P<s>[0-5][0-9])秒?)?)?"  # time
    r"|(?P<md_m>0[1-9]|1[0-2])(?P<md_d>0[1-9]|[12][0-9]|3[01])"  # month and day
    r")(?![0-9])"
)


def export_of(base: str) -> str:
    """Which export a file is a version of: its base name without date and time stamps, case-folded."""
    return _STAMP.sub("#", base).casefold()


def taken_at(base: str) -> str:
    """A name's date and time stamps as YYYYMMDDhhmmss (0000 for a year not given), to order versions by
    when they were taken."""

    def stamp(m: re.Match[str]) -> str:
        g = {k: int(v) if v else 0 for k, v in m.groupdict().items()}
        if m.group("md_m"):
            return f"0000{g['md_m']:02d}{g['md_d']:02d}000000"
        return f"{g['y']:04d}{g['mo']:02d}{g['d']:02d}{g['h']:02d}{g['mi']:02d}{g['s']:02d}"

    return ",".join(stamp(m) for m in _STAMP.finditer(base))


def parse_name(stem: str, resolve_county: Callable[[str], str | None]) -> tuple[str | None, int]:
    """County code and correction number from a file name stem."""
    stem, correction = split_correction(stem)
    code = _CODE.match(stem)
    if code:
        return code.group(1), correction
    return resolve_county(stem), correction


def export_file(path: Path, landing_dir: Path, resolve_county: Callable[[str], str | None]) -> ExportFile:
    """The landing file at `path`, with its county, correction number and base name read from its name."""
    county, correction = parse_name(path.stem, resolve_county)
    base, _ = split_correction(path.stem)
    return ExportFile(path, relative_name(path, landing_dir), county, correction, base=base)


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
        if is_ignored(name):
            continue
        found = export_file(path, landing_dir, resolve_county)
        unsupported = _unsupported(path)
        if unsupported:  # reported, never silently left out: its rows would be lost
            files.append(
                dataclasses.replace(found, refused=unsupported, refused_expected=UNSUPPORTED_EXPECTED_ZH)
            )
            continue
        try:
            inside = path.resolve(strict=True).is_relative_to(root)
        except (OSError, RuntimeError):  # dangling or looping link
            inside = False
        if not inside:
            files.append(
                dataclasses.replace(
                    found, refused="文件是指向着陆文件夹以外的链接（或链接已失效），已拒绝读取"
                )
            )
            continue
        if not path.is_file():
            continue
        if path.stat().st_size == 0:  # (was "在文件的前15行中找不到…的表头": true, and no help to the clerk)
            files.append(dataclasses.replace(found, refused=EMPTY_ZH, refused_expected=EMPTY_EXPECTED_ZH))
            continue
        files.append(found)
    return _distinct_names(files)


EMPTY_ZH = "文件是空的（0字节），可能导出失败或复制没有完成，整个文件未导入"
EMPTY_EXPECTED_ZH = "从金民工程重新导出后放入（原文件名已导入过的，以 _更正N 命名）"


def _unsupported(path: Path) -> str | None:
    """Why an entry of the month folder cannot be read as an export (a folder, a zip, an .ods, a .pdf),
    or None for an export file (or a link, checked by the caller)."""
    if path.is_symlink():
        return None
    if path.is_dir():
        return "是文件夹，文件夹里的文件不会被读取，未导入"
    suffix = path.suffix.lower()
    if suffix in EXPORT_SUFFIXES:
        return None
    shown = suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""
    kind = f"「{shown}」" if shown else "（无扩展名或扩展名无法识别）"
    return f"文件类型{kind}不能导入，整个文件未导入"


def _distinct_names(files: list[ExportFile]) -> list[ExportFile]:
    """Masked names can coincide (610602_宝塔区_张三.xlsx and 610602_宝塔区_李四.xlsx): each such file gets a
    number (#1, #2, in the order of the real names), so every file keeps its own record in the audit."""
    counts = Counter(f.relative for f in files)
    seen: Counter[str] = Counter()
    named = []
    for f in files:
        if counts[f.relative] > 1:
            seen[f.relative] += 1
            stem, dot, suffix = f.relative.rpartition(".")
            numbered = f"{stem}#{seen[f.relative]}.{suffix}" if dot else f"{f.relative}#{seen[f.relative]}"
            f = dataclasses.replace(f, relative=numbered)
        named.append(f)
    return named


def effective_files(files: list[ExportFile]) -> tuple[dict[str, list[ExportFile]], list[ExportFile]]:
    """Per county the files to load (its parts, by name), and the superseded ones.

    Files of one county with the same base name (export_of: date and time stamps aside) are versions of one
    export: the latest stamp in the name wins (a correction of an older day's export does not hide a newer
    day's), then the highest correction, then the newest file. Files with different base names are parts
    of the county-month: all are loaded (a part loaded twice, e.g. the county named two ways, is caught by
    the sources' uniqueness checks)."""
    versions: dict[tuple[str, str], ExportFile] = {}
    superseded: list[ExportFile] = []
    readable = [f for f in files if f.refused is None]
    order = lambda f: (taken_at(f.base), f.correction, f.path.stat().st_mtime, f.relative)  # noqa: E731
    for f in sorted(readable, key=order):
        if f.county_code is None:
            continue
        key = (f.county_code, export_of(f.base))
        if key in versions:
            superseded.append(versions[key])
        versions[key] = f
    chosen: dict[str, list[ExportFile]] = {}
    for (county, _), f in sorted(versions.items()):
        chosen.setdefault(county, []).append(f)
    for county, parts in chosen.items():
        parts.sort(key=lambda f: f.relative)
        chosen[county] = _distinct_contents(parts, superseded)
    return chosen, superseded


def _distinct_contents(parts: list[ExportFile], superseded: list[ExportFile]) -> list[ExportFile]:
    """A county's parts without the files whose bytes are those of an earlier part (the same export put
    in twice under another name): loading both would count every row twice. They join `superseded`.
    Only parts of equal size are hashed (the landing sensor calls this for every month folder)."""
    if len(parts) < 2:
        return parts
    sizes = {f.path: _size(f) for f in parts}
    shared = {size for size, n in Counter(sizes.values()).items() if n > 1 and size is not None}
    kept: dict[str, ExportFile] = {}
    out: list[ExportFile] = []
    for f in parts:
        digest = _digest(f) if sizes[f.path] in shared else None
        first = kept.setdefault(digest, f) if digest is not None else f
        if first is f:
            out.append(f)
        else:
            note = f"与「{first.relative}」内容完全相同（同一导出放入了两次），未重复导入"
            superseded.append(dataclasses.replace(f, superseded_zh=note))
    return out


def _size(f: ExportFile) -> int | None:
    try:
        return f.path.stat().st_size
    except OSError:  # gone since it was listed: its load reports that
        return None


def _digest(f: ExportFile) -> str | None:
    try:
        return f.sha256
    except OSError:
        return None
