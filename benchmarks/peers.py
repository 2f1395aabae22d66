"""Two stronger peers than the naive row loop, for comparison only. Same files, same rules and reason codes
as benchmarks.naive (itself the pipeline's rules), same HMAC-SHA256 keys, same quarantine:

- `pandas_vectorised`: what someone who knows pandas writes: column-wise `.str` / `to_numeric` /
  `to_datetime`, a NumPy check-digit dot product, `duplicated()`, and one bulk INSERT of each table.
  pandas has no vectorised HMAC, so the hash is one `map` with the padded states prepared once.
- `duckdb_sql`: the whole cleaning in DuckDB SQL: `read_csv` of all-VARCHAR columns, SQL casts and
  regexes, HMAC as two native `sha256` passes over key-padded BLOBs (the padded key goes in as a query
  parameter, never in the SQL text), then INSERT ... SELECT. CSV only (DuckDB has no xlsx reader here);
  GBK is decoded to a RAM temp file first, as the raw-read limit does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dagster_project.ingestion.spec import Kind, SourceSpec
from dagster_project.ingestion.warehouse import table_columns

from .limit import RAM_DIR
from .naive import (
    CHECK,
    DATE_FORMATS,
    FULL_TO_HALF,
    MONTH_FORMATS,
    WEIGHTS,
    find_header,
    month_end,
    read_table,
)

SKIP_FIRST = ("合计", "总计", "小计", "制表", "填报", "审核", "负责")


@dataclass
class PeerTiming:
    read: float
    clean: float
    insert: float
    rows_read: int
    rows_loaded: int
    rows_quarantined: int

    @property
    def seconds(self) -> float:
        return self.read + self.clean + self.insert


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer padded keys (RFC 2104), for SQL computing it as two sha256 passes."""
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\x00")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def _lineage_columns(county: str, period: dt.date, name: str) -> dict[str, object]:
    return {
        "county_code": county,
        "period": period,
        "_source_file": name,
        "_source_sha256": "peer",
        "_load_id": "peer",
        "_loaded_at": dt.datetime.now(),
    }


def _insert(con: duckdb.DuckDBPyConnection, spec: SourceSpec, good: object, bad: object) -> None:
    con.register("_peer_rows", good)
    con.execute(f"INSERT INTO raw.{spec.table} BY NAME SELECT * FROM _peer_rows")
    con.unregister("_peer_rows")
    con.register("_peer_bad", bad)
    con.execute("INSERT INTO raw.quarantine BY NAME SELECT * FROM _peer_bad")
    con.unregister("_peer_bad")


def _clear(con: duckdb.DuckDBPyConnection, spec: SourceSpec, county: str, period: dt.date, name: str) -> None:
    con.execute(f"DELETE FROM raw.{spec.table} WHERE county_code = ? AND period = ?", [county, period])
    con.execute("DELETE FROM raw.quarantine WHERE source_file = ?", [name])


# --- pandas, vectorised ---------------------------------------------------------------------------------


def _clean(s: pd.Series) -> pd.Series:
    t = s.astype("string").str.translate(FULL_TO_HALF).str.strip()
    t = t.mask(t.isin(["", "nan", "None"]))
    return t.str.replace(r"^(\d+)\.0$", r"\1", regex=True)


def _id_valid(t: pd.Series) -> pd.Series:
    up = t.str.upper()
    shaped = up.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
    ok = pd.Series(False, index=t.index)
    if shaped.any():
        ids = up[shaped]
        digits = np.frombuffer("".join(ids.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        total = (digits[:, :17].astype(np.int64) - 48) @ np.array(WEIGHTS, dtype=np.int64)
        check = np.array(list(CHECK))[total % 11]
        born = pd.to_datetime(ids.str.slice(6, 14), format="%Y%m%d", errors="coerce")
        ok[shaped] = (check == ids.str.slice(17, 18).to_numpy()) & born.notna().to_numpy()
    return ok


def _dates(t: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    out = pd.Series(pd.NaT, index=t.index, dtype="datetime64[us]")
    for fmt in formats:
        missing = out.isna() & t.notna()
        if not missing.any():
            break
        out[missing] = pd.to_datetime(t[missing], format=fmt, errors="coerce")
    serial = out.isna() & t.str.fullmatch(r"\d{5}").fillna(False).astype(bool)
    if serial.any():
        out[serial] = pd.Timestamp("1899-12-30") + pd.to_timedelta(t[serial].astype(int), unit="D")
    return out


def _hasher(key: bytes):
    ipad, opad = hmac_pads(key)
    inner0, outer0 = hashlib.sha256(ipad), hashlib.sha256(opad)

    def digest(v: str) -> str:
        inner = inner0.copy()
        inner.update(v.upper().encode())
        outer = outer0.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    return digest


def pandas_vectorised(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: SourceSpec,
    county: str,
    period: dt.date,
    townships: frozenset[str],
    key: bytes,
) -> PeerTiming:
    started = time.perf_counter()
    df = read_table(path)
    header_at = find_header(df, spec)
    positions = {str(v).strip(): j for j, v in enumerate(df.iloc[header_at])}
    body = df.iloc[header_at + 1 :]
    read_done = time.perf_counter()

    first = _clean(body.iloc[:, 0]).fillna("")
    second = _clean(body.iloc[:, 1]).fillna("") if body.shape[1] > 1 else pd.Series("", index=body.index)
    body = body[~(first.str.startswith(SKIP_FIRST) | second.str.startswith("合计"))]
    source_row = pd.Series(body.index.astype(np.int64) + 1, index=body.index)
    end = month_end(period)
    digest = _hasher(key)
    values: dict[str, pd.Series] = {}
    raw: dict[str, pd.Series] = {}
    errors: list[tuple[str, str, pd.Series]] = []
    for col in spec.columns:
        t = (
            _clean(body.iloc[:, positions[col.header]])
            if col.header in positions
            else pd.Series(pd.NA, index=body.index, dtype="string")
        )
        raw[col.name] = t
        present = t.notna()
        if col.required:
            errors.append((col.header, "missing_required", ~present))
        if col.kind is Kind.PERSON_ID:
            errors.append((col.header, "invalid_id", present & ~_id_valid(t)))
            values[col.output_name] = t.map(digest, na_action="ignore")
            if col.name == "id_number":
                values["birth_year"] = pd.to_numeric(t.str.slice(6, 10), errors="coerce").astype("Int32")
        elif col.kind is Kind.PERSON_NAME:
            values[col.output_name] = t.map(digest, na_action="ignore")
        elif col.kind in (Kind.INT, Kind.DECIMAL):
            number = pd.to_numeric(t.str.replace(",", "").str.removesuffix("元").str.strip(), errors="coerce")
            bad_number = present & (
                number.isna() | ((number != number.round()) if col.kind is Kind.INT else False)
            )
            errors.append((col.header, "not_a_number", bad_number))
            errors.append((col.header, "negative_value", present & ~bad_number & (number < 0)))
            if col.max_value is not None:
                errors.append(
                    (
                        col.header,
                        "out_of_range",
                        present & ~bad_number & (number >= 0) & (number > col.max_value),
                    )
                )
            values[col.output_name] = (
                number.round().astype("Int64") if col.kind is Kind.INT else number.round(2)
            )
        elif col.kind in (Kind.MONTH, Kind.DATE):
            d = _dates(t, MONTH_FORMATS + DATE_FORMATS if col.kind is Kind.MONTH else DATE_FORMATS)
            if col.kind is Kind.MONTH:
                d = d.dt.to_period("M").dt.to_timestamp()
            errors.append((col.header, "bad_date", present & d.isna()))
            lo, hi = pd.Timestamp(period), pd.Timestamp(end)
            outside = (d < lo) | (d > hi) if col.in_period else d > hi
            errors.append((col.header, "date_outside_period", present & d.notna() & outside.fillna(False)))
            values[col.output_name] = d.dt.date
        elif col.kind is Kind.DIVISION:
            code = t.mask(t.str.fullmatch(r"\d{9}").fillna(False).astype(bool), t + "000")
            ok = code.str.fullmatch(r"\d{12}").fillna(False).astype(bool) & code.str.slice(0, 9).isin(
                townships
            )
            errors.append((col.header, "unknown_division", present & ~ok))
            values[col.output_name] = code
        elif col.kind is Kind.CATEGORY:
            errors.append((col.header, "unknown_category", present & ~t.isin(col.categories)))
            values[col.output_name] = t
        else:
            values[col.output_name] = t
    signature = pd.DataFrame({c.name: raw[c.name] for c in spec.columns if c.name != "row_seq"})
    errors.append(("整行", "duplicate_row", signature.duplicated(keep="first")))

    bad = pd.concat(
        [
            pd.DataFrame({"source_row": source_row[mask], "column_name": column, "reason_code": code})
            for column, code, mask in errors
            if mask.any()
        ]
        or [
            pd.DataFrame({"source_row": pd.Series([], dtype=np.int64), "column_name": "", "reason_code": ""})
        ],
        ignore_index=True,
    )
    bad_rows = pd.Series(False, index=body.index)
    for _, _, mask in errors:
        bad_rows |= mask.fillna(False).astype(bool)
    good = pd.DataFrame({name: values[name][~bad_rows] for name, _ in table_columns(spec)})
    good["_source_row"] = source_row[~bad_rows]
    for k, v in _lineage_columns(county, period, path.name).items():
        good[k] = v
    for k, v in (
        ("load_id", "peer"),
        ("source", spec.source),
        ("source_file", path.name),
        ("source_sha256", "peer"),
        ("county_code", county),
        ("period", period),
    ):
        bad[k] = v
    bad["reason"] = bad["reason_code"]
    clean_done = time.perf_counter()

    _clear(con, spec, county, period, path.name)
    t = time.perf_counter()
    _insert(con, spec, good, bad)
    return PeerTiming(
        read=read_done - started,
        clean=clean_done - read_done,
        insert=time.perf_counter() - t,
        rows_read=len(body),
        rows_loaded=len(good),
        rows_quarantined=int(bad["source_row"].nunique()),
    )


# --- DuckDB SQL only ------------------------------------------------------------------------------------

_FROM = "".join(chr(c) for c in FULL_TO_HALF)
_TO = "".join(chr(c) for c in FULL_TO_HALF.values())
_FULL_WIDTH_CLASS = "[\uff01-\uff5e\u3000。，]"


def _sql_text(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _sql_checks(col_sql: str, col, period: dt.date, end: dt.date) -> tuple[list[tuple[str, str]], str]:
    """(reason code, condition) pairs on a cleaned, present value, and the stored value's expression."""
    v = col_sql
    match col.kind:
        case Kind.PERSON_ID:
            up = f"upper({v})"
            total = " + ".join(f"(ascii(substr({up}, {i + 1}, 1)) - 48) * {w}" for i, w in enumerate(WEIGHTS))
            valid = (
                f"(regexp_full_match({up}, '\\d{{17}}[\\dX]') AND substr('{CHECK}', (({total}) % 11) + 1, 1) ="
                f" substr({up}, 18, 1) AND try_strptime(substr({up}, 7, 8), '%Y%m%d') IS NOT NULL)"
            )
            return [
                ("invalid_id", f"NOT coalesce({valid}, false)")
            ], f"sha256($opad || unhex(sha256($ipad || encode({up}))))"
        case Kind.PERSON_NAME:
            return [], f"sha256($opad || unhex(sha256($ipad || encode(upper({v})))))"
        case Kind.INT | Kind.DECIMAL:
            n = f"try_cast(trim(regexp_replace(replace({v}, ',', ''), '元$', '')) AS DOUBLE)"
            bad = f"({n} IS NULL" + (f" OR {n} <> round({n}))" if col.kind is Kind.INT else ")")
            checks = [("not_a_number", bad), ("negative_value", f"NOT {bad} AND {n} < 0")]
            if col.max_value is not None:
                checks.append(("out_of_range", f"NOT {bad} AND {n} >= 0 AND {n} > {col.max_value}"))
            value = f"CAST(round({n}) AS BIGINT)" if col.kind is Kind.INT else f"round({n}, 2)"
            return checks, value
        case Kind.MONTH | Kind.DATE:
            formats = MONTH_FORMATS + DATE_FORMATS if col.kind is Kind.MONTH else DATE_FORMATS
            fmts = "[" + ", ".join(_sql_text(f) for f in formats) + "]"
            d = (
                f"coalesce(CAST(try_strptime({v}, {fmts}) AS DATE), CASE WHEN regexp_full_match({v}, '\\d{{5}}')"
                f" THEN DATE '1899-12-30' + CAST({v} AS INTEGER) END)"
            )
            if col.kind is Kind.MONTH:
                d = f"date_trunc('month', {d})"
            lo, hi = f"DATE '{period}'", f"DATE '{end}'"
            outside = f"({d} < {lo} OR {d} > {hi})" if col.in_period else f"{d} > {hi}"
            return [
                ("bad_date", f"{d} IS NULL"),
                ("date_outside_period", f"{d} IS NOT NULL AND {outside}"),
            ], d
        case Kind.DIVISION:
            code = f"CASE WHEN regexp_full_match({v}, '\\d{{9}}') THEN {v} || '000' ELSE {v} END"
            ok = f"(regexp_full_match({code}, '\\d{{12}}') AND list_contains($towns, substr({code}, 1, 9)))"
            return [("unknown_division", f"NOT coalesce({ok}, false)")], code
        case Kind.CATEGORY:
            cats = ", ".join(_sql_text(c) for c in col.categories)
            return [("unknown_category", f"{v} NOT IN ({cats})")], v
        case _:
            return [], v


def duckdb_sql(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: SourceSpec,
    county: str,
    period: dt.date,
    townships: frozenset[str],
    key: bytes,
) -> PeerTiming:
    started = time.perf_counter()
    tmp: str | None = None
    raw_bytes = path.read_bytes()
    if raw_bytes.startswith(b"\xef\xbb\xbf"):
        text = raw_bytes.decode("utf-8-sig")
        csv = str(path)
    else:  # GBK: DuckDB reads UTF-8 only
        text = raw_bytes.decode("gb18030")
        fd, tmp = tempfile.mkstemp(suffix=".csv", dir=RAM_DIR)
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
        csv = tmp
    width = text[: text.find("\n")].count(",") + 1
    del text, raw_bytes
    try:
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _peer_src AS SELECT row_number() OVER () AS rn, * FROM read_csv(?,
                columns = {columns}, header = false, delim = ',', quote = '"', escape = '"',
                auto_detect = false, null_padding = true, strict_mode = false)""",
            [csv],
        )
    finally:
        if tmp:
            os.unlink(tmp)
    # translate() costs ~14 µs a value with this map: only cells holding a full-width character pay it
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO _tr(s) AS trim(CASE WHEN regexp_matches(s, {_sql_text(_FULL_WIDTH_CLASS)})"
        f" THEN translate(s, {_sql_text(_FROM)}, {_sql_text(_TO)}) ELSE s END)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO _clean(s) AS"
        " regexp_replace(nullif(nullif(nullif(_tr(s), ''), 'nan'), 'None'), '^(\\d+)\\.0$', '\\1')"
    )
    head = con.execute("SELECT * EXCLUDE rn FROM _peer_src ORDER BY rn LIMIT 15").fetchall()
    wanted = {c.header for c in spec.columns}
    hits = [sum(1 for v in row if v is not None and v.strip() in wanted) for row in head]
    header_at = max(range(len(hits)), key=lambda i: (hits[i], -i))
    positions = {str(v).strip(): j for j, v in enumerate(head[header_at]) if v is not None}
    read_done = time.perf_counter()

    end = month_end(period)
    cleaned = ", ".join(
        f'_clean(c{positions[c.header]}) AS "{c.name}"'
        if c.header in positions
        else f'CAST(NULL AS VARCHAR) AS "{c.name}"'
        for c in spec.columns
    )
    errs, outs = [], []
    for col in spec.columns:
        v = f'"{col.name}"'
        checks, value = _sql_checks(v, col, period, end)
        if col.required:
            errs.append(
                f"CASE WHEN {v} IS NULL THEN {{'c': {_sql_text(col.header)}, 'r': 'missing_required'}} END"
            )
        errs += [
            f"CASE WHEN {v} IS NOT NULL AND ({cond}) THEN {{'c': {_sql_text(col.header)}, 'r': '{code}'}} END"
            for code, cond in checks
        ]
        outs.append(f'{value} AS "{col.output_name}"')
        if col.name == "id_number":
            outs.append(f"try_cast(substr({v}, 7, 4) AS INTEGER) AS birth_year")
    signature = ", ".join(f'"{c.name}"' for c in spec.columns if c.name != "row_seq")
    errs.append(
        f"CASE WHEN row_number() OVER (PARTITION BY {signature} ORDER BY rn) > 1 THEN {{'c': '整行', 'r': 'duplicate_row'}} END"
    )
    skip = " OR ".join(f"starts_with(coalesce(_clean(c0), ''), {_sql_text(p)})" for p in SKIP_FIRST)
    if width > 1:
        skip += " OR starts_with(coalesce(_clean(c1), ''), '合计')"
    ipad, opad = hmac_pads(key)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _peer_body AS SELECT rn, {cleaned} FROM _peer_src
            WHERE rn > {header_at + 1} AND NOT ({skip})"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _peer AS
            SELECT rn, list_filter([{", ".join(errs)}], lambda e: e IS NOT NULL) AS errs, {", ".join(outs)}
            FROM _peer_body""",
        {"ipad": ipad, "opad": opad, "towns": sorted(townships)},
    )
    clean_done = time.perf_counter()

    _clear(con, spec, county, period, path.name)
    t = time.perf_counter()
    names = ", ".join(name for name, _ in table_columns(spec))
    lineage = _lineage_columns(county, period, path.name)
    con.execute(
        f"""INSERT INTO raw.{spec.table} BY NAME SELECT {names}, rn AS _source_row,
            $county_code AS county_code, $period AS period, $_source_file AS _source_file,
            $_source_sha256 AS _source_sha256, $_load_id AS _load_id, $_loaded_at AS _loaded_at
            FROM _peer WHERE len(errs) = 0""",
        lineage,
    )
    con.execute(
        """INSERT INTO raw.quarantine BY NAME SELECT 'peer' AS load_id, $source AS source, $file AS source_file,
            'peer' AS source_sha256, rn AS source_row, $county AS county_code, $period AS period,
            e.c AS column_name, e.r AS reason_code, e.r AS reason
            FROM (SELECT rn, unnest(errs) AS e FROM _peer WHERE len(errs) > 0)""",
        {"source": spec.source, "file": path.name, "county": county, "period": period},
    )
    insert_done = time.perf_counter()
    counts = con.execute("SELECT count(*), count(*) FILTER (len(errs) = 0) FROM _peer").fetchone()
    assert counts
    return PeerTiming(
        read=read_done - started,
        clean=clean_done - read_done,
        insert=insert_done - t,
        rows_read=int(counts[0]),
        rows_loaded=int(counts[1]),
        rows_quarantined=int(counts[0]) - int(counts[1]),
    )
