"""The export files a benchmark works on: which files ingestion will load, in which format, how big."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from dagster_project.ingestion.formats import sniff
from dagster_project.ingestion.landing import discover, effective_files
from dagster_project.ingestion.region import region_lookup

FORMATS = ("xlsx", "xls", "csv-gbk", "csv-utf8", "html", "xml2003", "text-utf16")
MANIFEST = Path("_simulator") / "manifest.json"


def month(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:7] + "-01")


def detect_format(path: Path) -> str:
    """From the content, as ingestion decides it (ingestion/formats.sniff): xlsx / xls by magic bytes, an
    "xls" that is an HTML table or XML Spreadsheet 2003, UTF-16 "Unicode text"; CSV: UTF-8 if it starts
    with a BOM or decodes as UTF-8, else GBK."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    kind = sniff(head)
    if kind != "text":
        return kind
    if head.startswith(b"\xef\xbb\xbf"):
        return "csv-utf8"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the probe
            return "csv-gbk"
    return "csv-utf8"


@dataclass(frozen=True)
class ExportInfo:
    path: str  # absolute
    relative: str  # relative to the landing dir
    source: str
    period: str  # YYYY-MM
    county_code: str
    format: str
    bytes: int
    data_rows: int | None  # from the simulator's manifest, when there is one
    title_rows: int | None
    footer_rows: int | None

    def to_json(self) -> dict:
        return asdict(self)


def _manifest(landing: Path) -> dict[str, dict]:
    path = landing / MANIFEST
    if not path.exists():
        return {}
    return {f["path"]: f for f in json.loads(path.read_text("utf-8")).get("files", [])}


def effective_exports(landing: Path, sources: list[str], months: list[str]) -> list[ExportInfo]:
    """The files ingestion loads (per county × source × month each part at its latest correction)."""
    manifest = _manifest(landing)
    region = region_lookup()
    out: list[ExportInfo] = []
    for source in sources:
        for m in months:
            chosen, _ = effective_files(discover(landing, source, month(m), region.resolve_county))
            for county, f in ((c, f) for c, parts in sorted(chosen.items()) for f in parts):
                entry = manifest.get(f.relative, {})
                out.append(
                    ExportInfo(
                        path=str(f.path),
                        relative=f.relative,
                        source=source,
                        period=m[:7],
                        county_code=county,
                        format=detect_format(f.path),
                        bytes=f.path.stat().st_size,
                        data_rows=entry.get("data_rows"),
                        title_rows=entry.get("title_rows"),
                        footer_rows=entry.get("footer_rows"),
                    )
                )
    return out
