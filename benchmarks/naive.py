"""The naive baseline: the script a bureau's IT staff would write to load a Jinmin export. For comparison only.

pandas reads the file (openpyxl for xlsx, the GBK codec for CSV), a Python loop walks the rows with
iterrows(), cleans and validates each cell, HMACs the ID numbers and names with the standard library, and
the rows go into DuckDB with executemany. It applies the same rules as the pipeline (same reason codes),
so both do the same work; only the way of doing it differs.

Two insert paths are timed on the same cleaned rows, so the comparison is not won on the insert alone:
`executemany` (what the script does) and `bulk` (the cleaned rows as one DataFrame, INSERT ... SELECT).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.ingestion.spec import Kind, SourceSpec
from dagster_project.ingestion.warehouse import ensure_schema, table_columns

FULL_TO_HALF = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
FULL_TO_HALF[0x3000] = 0x20
FULL_TO_HALF[ord("。")] = ord(".")
FULL_TO_HALF[ord("，")] = ord(",")
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S")
MONTH_FORMATS = ("%Y-%m", "%Y年%m月", "%Y%m", "%Y/%m", "%Y.%m")


@dataclass
class NaiveTiming:
    read: float
    loop: float
    insert_executemany: float | None
    insert_bulk: float | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int


def read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path, engine="openpyxl", header=None, dtype=str).fillna("")
    with open(path, "rb") as fh:
        bom = fh.read(3) == b"\xef\xbb\xbf"
    if bom:
        return pd.read_csv(path, encoding="utf-8-sig", header=None, dtype=str, keep_default_na=False)
    try:
        return pd.read_csv(path, encoding="gbk", header=None, dtype=str, keep_default_na=False)
    except UnicodeDecodeError:  # a rare character outside GBK: the superset codec
        return pd.read_csv(path, encoding="gb18030", header=None, dtype=str, keep_default_na=False)


def clean(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).translate(FULL_TO_HALF).strip()
    if text in ("", "nan", "None"):
        return None
    if text.endswith(".0") and text[:-2].isdigit():  # Excel numbers read back as text
        text = text[:-2]
    return text


def id_valid(text: str) -> bool:
    text = text.upper()
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        return False
    total = sum(int(text[i]) * WEIGHTS[i] for i in range(17))
    if CHECK[total % 11] != text[17]:
        return False
    try:
        dt.datetime.strptime(text[6:14], "%Y%m%d")
    except ValueError:
        return False
    return True


def to_number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").removesuffix("元").strip())
    except ValueError:
        return None


def to_date(text: str, formats: tuple[str, ...]) -> dt.date | None:
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if text.isdigit() and len(text) == 5:  # Excel serial day
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(text))
    return None


def month_end(period: dt.date) -> dt.date:
    nxt = dt.date(period.year + (period.month == 12), period.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def find_header(df: pd.DataFrame, spec: SourceSpec) -> int:
    wanted = {c.header for c in spec.columns}
    best, best_hits = -1, 1
    for i in range(min(15, len(df))):
        hits = sum(1 for v in df.iloc[i] if str(v).strip() in wanted)
        if hits > best_hits:
            best, best_hits = i, hits
    if best < 0:
        raise ValueError("header not found")
    return best


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: SourceSpec,
    county: str,
    period: dt.date,
    townships: frozenset[str],
    key: bytes,
    inserts: tuple[str, ...] = ("executemany", "bulk"),
) -> NaiveTiming:
    started = time.perf_counter()
    df = read_table(path)
    header_at = find_header(df, spec)
    positions = {str(v).strip(): j for j, v in enumerate(df.iloc[header_at])}
    read_done = time.perf_counter()

    end = month_end(period)
    good: list[tuple] = []
    bad: list[tuple] = []
    seen: set[tuple] = set()
    n_rows = 0
    for i, row in df.iloc[header_at + 1 :].iterrows():
        first = clean(row.iloc[0]) or ""
        second = clean(row.iloc[1]) if len(row) > 1 else None
        if first.startswith(("合计", "总计", "小计", "制表", "填报", "审核", "负责")) or (
            second or ""
        ).startswith("合计"):
            continue
        source_row = int(i) + 1
        n_rows += 1
        values: dict[str, object] = {}
        errors: list[tuple[str, str]] = []
        raw = {}
        for col in spec.columns:
            text = clean(row.iloc[positions[col.header]]) if col.header in positions else None
            raw[col.name] = text
            if text is None:
                if col.required:
                    errors.append((col.header, "missing_required"))
                values[col.name] = None
                continue
            if col.kind is Kind.PERSON_ID:
                if not id_valid(text):
                    errors.append((col.header, "invalid_id"))
                values[col.name] = hmac.new(key, text.upper().encode(), hashlib.sha256).hexdigest()
                if col.name == "id_number":
                    values["birth_year"] = int(text[6:10]) if text[6:10].isdigit() else None
            elif col.kind is Kind.PERSON_NAME:
                values[col.name] = hmac.new(key, text.upper().encode(), hashlib.sha256).hexdigest()
            elif col.kind in (Kind.INT, Kind.DECIMAL):
                number = to_number(text)
                if number is None or (col.kind is Kind.INT and number != round(number)):
                    errors.append((col.header, "not_a_number"))
                elif number < 0:
                    errors.append((col.header, "negative_value"))
                elif col.max_value is not None and number > col.max_value:
                    errors.append((col.header, "out_of_range"))
                values[col.name] = (
                    None if number is None else (int(number) if col.kind is Kind.INT else round(number, 2))
                )
            elif col.kind in (Kind.MONTH, Kind.DATE):
                d = to_date(text, MONTH_FORMATS + DATE_FORMATS if col.kind is Kind.MONTH else DATE_FORMATS)
                if d is None:
                    errors.append((col.header, "bad_date"))
                else:
                    if col.kind is Kind.MONTH:
                        d = d.replace(day=1)
                    if (col.in_period and not period <= d <= end) or (not col.in_period and d > end):
                        errors.append((col.header, "date_outside_period"))
                values[col.name] = d
            elif col.kind is Kind.DIVISION:
                code = text + "000" if len(text) == 9 and text.isdigit() else text
                if not (len(code) == 12 and code.isdigit() and code[:9] in townships):
                    errors.append((col.header, "unknown_division"))
                values[col.name] = code
            elif col.kind is Kind.CATEGORY:
                if text not in col.categories:
                    errors.append((col.header, "unknown_category"))
                values[col.name] = text
            else:
                values[col.name] = text
        signature = tuple(raw[c.name] for c in spec.columns if c.name != "row_seq")
        if signature in seen:
            errors.append(("整行", "duplicate_row"))
        seen.add(signature)
        if errors:
            for column, reason in errors:
                bad.append((source_row, column, reason))
        else:
            good.append((*[values.get(name) for name, _ in table_columns(spec)], source_row))
    loop_done = time.perf_counter()

    names = [name for name, _ in table_columns(spec)]
    lineage = [county, period, path.name, "naive", "naive", dt.datetime.now()]
    all_cols = [
        *names,
        "_source_row",
        "county_code",
        "period",
        "_source_file",
        "_source_sha256",
        "_load_id",
        "_loaded_at",
    ]
    timings: dict[str, float | None] = {"executemany": None, "bulk": None}
    for how in inserts:
        con.execute(f"DELETE FROM raw.{spec.table} WHERE county_code = ? AND period = ?", [county, period])
        con.execute("DELETE FROM raw.quarantine WHERE source_file = ?", [path.name])
        t = time.perf_counter()
        if how == "executemany":
            placeholders = ", ".join("?" for _ in all_cols)
            if good:
                con.executemany(
                    f"INSERT INTO raw.{spec.table} ({', '.join(all_cols)}) VALUES ({placeholders})",
                    [(*row, *lineage) for row in good],
                )
            if bad:
                con.executemany(
                    "INSERT INTO raw.quarantine (load_id, source, source_file, source_sha256, source_row, county_code,"
                    " period, column_name, reason_code, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        ("naive", spec.source, path.name, "naive", r, county, period, c, code, code)
                        for r, c, code in bad
                    ],
                )
        else:
            frame = pd.DataFrame(good, columns=[*names, "_source_row"])
            for k, v in zip(all_cols[len(names) + 1 :], lineage, strict=True):
                frame[k] = v
            con.register("_naive_rows", frame)
            con.execute(f"INSERT INTO raw.{spec.table} BY NAME SELECT * FROM _naive_rows")
            con.unregister("_naive_rows")
            quarantine = pd.DataFrame(bad, columns=["source_row", "column_name", "reason_code"])
            for k, v in (
                ("load_id", "naive"),
                ("source", spec.source),
                ("source_file", path.name),
                ("source_sha256", "naive"),
                ("county_code", county),
                ("period", period),
            ):
                quarantine[k] = v
            quarantine["reason"] = quarantine["reason_code"]
            con.register("_naive_bad", quarantine)
            con.execute("INSERT INTO raw.quarantine BY NAME SELECT * FROM _naive_bad")
            con.unregister("_naive_bad")
        timings[how] = time.perf_counter() - t
    return NaiveTiming(
        read=read_done - started,
        loop=loop_done - read_done,
        insert_executemany=timings["executemany"],
        insert_bulk=timings["bulk"],
        rows_read=n_rows,
        rows_loaded=len(good),
        rows_quarantined=len({r for r, _, _ in bad}),
    )


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    ensure_schema(con)
    return con
