"""The format matrix: one and the same export written as xlsx, CSV GBK and CSV UTF-8, by the simulator's own
writers, so the per-format numbers of ours / naive / limit compare identical content.

The source is a simulated CSV export (titles, header, rows with their dirt, 合计, footer); its data rows are
cut to at most `max_rows` and written again in each format into its own landing folder
(<out>/<format>/<source>/<YYYY-MM>/<file name>), so `load_partition` can load each one as it is.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from minzheng_simulator.contract import CONTRACTS
from minzheng_simulator.writers import Layout, write_export

from .corpus import ExportInfo

MATRIX_FORMATS = {"xlsx": "xlsx", "csv-gbk": "csv-gbk", "csv-utf8": "csv-utf8-bom"}
EXTENSIONS = {"xlsx": ".xlsx", "csv-gbk": ".csv", "csv-utf8": ".csv"}


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def build_matrix(export: ExportInfo, out: Path, max_rows: int) -> dict[str, Path]:
    """Write `export` (a CSV with a manifest entry) in every matrix format; return format -> landing dir."""
    if export.title_rows is None or export.data_rows is None:
        raise ValueError(f"{export.relative}: no simulator manifest entry (title/data rows unknown)")
    rows = list(csv.reader(io.StringIO(_decode(Path(export.path).read_bytes()), newline="")))
    contract = CONTRACTS[export.source]
    titles = tuple(r[0] for r in rows[: export.title_rows])
    header = rows[export.title_rows]
    if header[: len(contract.headers)] != list(contract.headers):
        raise ValueError(f"{export.relative}: header differs from the simulator contract")
    first = export.title_rows + 1
    data = rows[first : first + export.data_rows][:max_rows]
    after_total = first + export.data_rows + 1
    footer = tuple(r[0] for r in rows[after_total : after_total + (export.footer_rows or 0)])
    frame = pl.DataFrame(
        [[(r[i] if i < len(r) and r[i] != "" else None) for r in data] for i in range(len(contract.headers))],
        schema=dict.fromkeys(contract.headers, pl.String),
    )
    layout = Layout(titles, footer)
    name = Path(export.relative).stem
    landings: dict[str, Path] = {}
    for fmt, sim_fmt in MATRIX_FORMATS.items():
        landing = out / fmt
        path = landing / export.source / export.period / f"{name}{EXTENSIONS[fmt]}"
        write_export(path, sim_fmt, frame, contract, layout, contract.sheet_name)
        landings[fmt] = landing
    return landings
