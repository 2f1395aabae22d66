"""File layout, headers, formats and readability of the simulated exports (the landing contract)."""

from __future__ import annotations

import re
from pathlib import Path

import fastexcel
import polars as pl

from dagster_project.ingestion.spec import SOURCES as INGESTION_SPECS
from dagster_project.reference import region
from minzheng_simulator import SimulationResult
from minzheng_simulator.contract import CONTRACTS
from minzheng_simulator.identity import is_valid_id

from .conftest import manifest

# Headers exactly as docs/ARCHITECTURE.md lists them
ARCHITECTURE_HEADERS = {
    "assistance": [
        "序号",
        "姓名",
        "身份证号码",
        "性别",
        "户主身份证号码",
        "家庭人口",
        "救助类别",
        "保障金额(元)",
        "行政区划代码",
        "发放年月",
        "残疾等级",
    ],
    "eldercare": [
        "序号",
        "机构名称",
        "统一社会信用代码",
        "机构类型",
        "床位总数",
        "护理型床位数",
        "在院人数",
        "认知障碍照护床位数",
        "星级",
        "乡镇代码",
    ],
    "volunteer_roster": ["序号", "志愿者编号", "姓名", "身份证号码", "注册日期", "所属队伍", "乡镇代码"],
    "volunteer_service": ["序号", "活动编号", "志愿者编号", "服务日期", "服务时长(小时)", "服务类别"],
    "lottery": ["序号", "销售网点编号", "网点名称", "乡镇代码", "游戏", "销售日期", "销售额(元)"],
}
NAME = re.compile(r"^(?:(\d{6})_([^_]+)|([^_\d][^_]*))(?:_更正(\d+))?\.(xlsx|xls|csv)$")


def read_rows(path: Path, fmt: str) -> list[list[str | None]]:
    """Every row of the file as text, the way a clerk sees the sheet."""
    head = path.read_bytes()[:2]
    if head.startswith((b"<", b"\xff\xfe")):  # an export shape (HTML / XML 2003 "xls", Unicode text)
        from dagster_project.ingestion.formats import cell_text, open_workbook

        grid = open_workbook(path).sheets[0][0]
        return [[cell_text(v) for v in row] for row in grid.rows]
    if fmt.startswith("csv"):
        raw = path.read_bytes()
        text = raw[3:].decode("utf-8") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gb18030")
        frame = pl.read_csv(
            text.encode("utf-8"), has_header=False, infer_schema=False, truncate_ragged_lines=True
        )
    else:
        frame = fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, dtypes="string").to_polars()
    return [[None if v in (None, "") else v for v in row] for row in frame.rows()]


def test_headers_match_the_architecture_and_ingestion() -> None:
    for source, headers in ARCHITECTURE_HEADERS.items():
        assert list(CONTRACTS[source].headers) == headers
        assert [c.header for c in INGESTION_SPECS[source].columns] == headers


def test_file_names_and_folders(dirty_run: SimulationResult) -> None:
    root = dirty_run.landing_dir
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not p.relative_to(root).as_posix().startswith("_")
    }
    assert on_disk == {f.path for f in dirty_run.files}
    for f in dirty_run.files:
        source, month, name = f.path.split("/")
        assert source == f.source and month == f.period and re.fullmatch(r"\d{4}-\d{2}", month)
        m = NAME.match(name)
        assert m, name
        if f.name_variant:
            assert m.group(3) == f.name_variant
            assert region.resolve_county(f.name_variant) == f.county_code
        else:
            assert (m.group(1), m.group(2)) == (f.county_code, f.county_name)
        assert int(m.group(4) or 0) == f.correction
    assert {f.format for f in dirty_run.files} == {"xlsx", "xls", "csv-gbk", "csv-utf8-bom"}
    assert any(f.name_variant for f in dirty_run.files)
    assert any(f.correction == 2 for f in dirty_run.files)  # a second correction exists
    # in every county-month only the highest correction is not superseded
    latest: dict[tuple[str, str, str], int] = {}
    for f in dirty_run.files:
        key = (f.source, f.period, f.county_code)
        latest[key] = max(latest.get(key, 0), f.correction)
    assert all(
        f.superseded == (f.correction < latest[(f.source, f.period, f.county_code)]) for f in dirty_run.files
    )


def test_every_file_reads_back_with_titles_header_and_total(dirty_run: SimulationResult) -> None:
    for f in dirty_run.files:
        path = dirty_run.landing_dir / f.path
        rows = read_rows(path, f.format)
        assert len(rows) == f.total_row + f.footer_rows, f.path
        title = rows[0][0] or ""
        assert title.endswith(("花名册", "统计表", "日报", "记录")) or "花名册" in title, title
        assert f"{int(f.period[:4])}" in title or f.source == "volunteer_roster"
        assert [c for c in rows[f.header_row - 1] if c is not None] == ARCHITECTURE_HEADERS[f.source]
        assert "".join((rows[f.total_row - 1][0] or "").split()) == "合计", f.path
        assert f.total_row - f.first_data_row == f.data_rows
        if f.footer_rows:
            assert any((r[0] or "").startswith(("制表人", "单位负责人")) for r in rows[f.total_row :])
        if f.format == "csv-gbk" and not path.read_bytes().startswith(b"\xff\xfe"):
            raw = path.read_bytes()
            assert not raw.startswith(b"\xef\xbb\xbf")
            try:
                raw.decode("utf-8")
                raise AssertionError(f"{f.path} should be GBK")
            except UnicodeDecodeError:
                pass
        if f.format == "csv-utf8-bom":
            assert path.read_bytes().startswith((b"\xef\xbb\xbf", b"\xff\xfe"))


def test_total_row_sums_the_amounts(clean_run: SimulationResult) -> None:
    for f in clean_run.files:
        if f.source != "assistance":
            continue
        rows = read_rows(clean_run.landing_dir / f.path, f.format)
        col = ARCHITECTURE_HEADERS["assistance"].index("保障金额(元)")
        data = rows[f.first_data_row - 1 : f.total_row - 1]
        assert abs(sum(float(r[col]) for r in data) - float(rows[f.total_row - 1][col])) < 0.01 * len(data)


def test_ids_valid_unique_and_consistent_with_gender(clean_run: SimulationResult) -> None:
    for f in clean_run.effective_files():
        if f.source not in ("assistance", "volunteer_roster"):
            continue
        rows = read_rows(clean_run.landing_dir / f.path, f.format)
        header = rows[f.header_row - 1]
        data = rows[f.first_data_row - 1 : f.total_row - 1]
        ids = [r[header.index("身份证号码")] for r in data]
        assert all(is_valid_id(i) for i in ids), f.path
        assert all(i[:6] in (f.county_code, "610623", "610624") for i in ids)
        if f.source == "assistance":
            people = [(r[header.index("身份证号码")], r[header.index("救助类别")]) for r in data]
            assert len(set(people)) == len(people)
            sex = [r[header.index("性别")] for r in data]
            assert all((int(i[16]) % 2 == 1) == (s == "男") for i, s in zip(ids, sex, strict=True))
            assert all(is_valid_id(r[header.index("户主身份证号码")]) for r in data)
        else:
            assert len(set(ids)) == len(ids)


def test_manifest_schema(dirty_run: SimulationResult) -> None:
    m = manifest(dirty_run)
    assert m["manifest_version"] == 1 and m["config"]["months"] == ["2024-05", "2024-06"]
    assert len(m["files"]) == len(dirty_run.files)
    for d in m["dirt"]:
        assert set(d) == {"file", "row", "column", "kind", "reason_code", "value", "original", "note"}
        assert d["reason_code"] == m["reason_codes"][d["kind"]]
    personal = {"姓名", "身份证号码", "户主身份证号码"}
    assert all(d["value"] is None for d in m["dirt"] if d["column"] in personal)
