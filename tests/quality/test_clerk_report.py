"""The clerk's Excel report: per file rows read / loaded / quarantined, top reasons in Chinese, the
row numbers in the original file, and the month's checks with the offending file and row."""

from __future__ import annotations

import openpyxl
import pytest

from dagster_project.quality.clerk_report import row_ranges, write_report
from dagster_project.quality.runner import run_suite
from dagster_project.quality.suites import load_suites

from .conftest import JUNE, build_warehouse
from .exports import REGION

SUITES = {s.source: s for s in load_suites(layer="raw")}


def _sheet(path, name) -> list[tuple]:
    return [
        tuple(c for c in row)
        for row in openpyxl.load_workbook(path, read_only=True)[name].iter_rows(values_only=True)
    ]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    con, paths = build_warehouse(tmp, {"many_invalid_ids", "nursing_over_beds", "missing_county_lottery"})
    out = {}
    for source in ("volunteer_roster", "eldercare", "lottery"):
        run = run_suite(con, SUITES[source], JUNE, REGION, paths, "test")
        out[source] = write_report(con, SUITES[source], JUNE, REGION, paths, run.outcomes)
    yield tmp, out
    con.close()


def test_report_lives_next_to_the_landing_folder(reports) -> None:
    tmp, out = reports
    assert out["volunteer_roster"] == tmp / "reports" / "2024-06" / "volunteer_roster_质量报告.xlsx"
    assert (tmp / "landing").is_dir() and out["volunteer_roster"].exists()


def test_file_summary_has_counts_reasons_and_original_row_numbers(reports) -> None:
    _, out = reports
    rows = _sheet(out["volunteer_roster"], "文件汇总")
    header = rows[3]
    assert header[:8] == (
        "县（市、区）代码",
        "县（市、区）",
        "文件",
        "状态",
        "读入行数",
        "入库行数",
        "隔离行数",
        "隔离率",
    )
    by_county = {r[0]: dict(zip(header, r, strict=True)) for r in rows[4:] if r[0] and r[0].isdigit()}
    assert set(by_county) == {"610602", "610603", "610621"}
    bad = by_county["610621"]
    # read = loaded + quarantined + skipped (the file's 合计 row)
    assert (bad["读入行数"], bad["入库行数"], bad["隔离行数"], bad["跳过行数"]) == (26, 20, 5, 1)
    assert bad["跳过的行（非数据行）"] == "合计、小计行 1行"
    assert bad["主要问题"] == "身份证号码无效 5行"
    assert bad["被隔离行的行号（原文件）"] == "3-7"  # title row 1, header row 2: the first five data rows
    assert bad["状态"] == "已导入"
    assert by_county["610602"]["隔离行数"] == 0 and by_county["610602"]["主要问题"] is None
    total = next(r for r in rows if r[3] == "合计")
    assert total[4:7] == (78, 70, 5) and total[12] == 3


def test_quarantine_detail_never_shows_personal_values(reports) -> None:
    _, out = reports
    rows = _sheet(out["volunteer_roster"], "隔离明细")
    assert rows[0] == ("县（市、区）代码", "文件", "原文件行号", "列", "问题", "说明", "原始值")
    detail = rows[1:]
    assert [r[2] for r in detail] == [3, 4, 5, 6, 7]
    assert {r[3] for r in detail} == {"身份证号码"} and {r[4] for r in detail} == {"身份证号码无效"}
    assert {r[6] for r in detail} == {"（已脱敏）"}


def test_checks_sheet_lists_the_failed_check_first_with_file_and_row(reports) -> None:
    _, out = reports
    rows = _sheet(out["eldercare"], "质量检查")
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["检查项"] == "护理型床位数大于床位总数"
    assert first["级别"].startswith("错误") and first["结果"] == "未通过" and first["问题数"] == 1
    assert first["涉及的县区、文件与行号（前20条）"] == "安塞区 610603_安塞区.csv 第4行"
    assert first["检查代码"] == "nursing_beds_within_beds"
    assert all(r[2] == "通过" for r in rows[2:])


def test_missing_county_is_named(reports) -> None:
    _, out = reports
    rows = _sheet(out["lottery"], "文件汇总")
    assert any(r[0] == "本月尚未导入的县（市、区）：延长县" for r in rows)
    checks = {r[7]: r for r in _sheet(out["lottery"], "质量检查")[1:]}
    assert checks["every_county_present"][2] == "未通过" and checks["every_county_present"][1].startswith(
        "警告"
    )


def test_notes_link_the_data_docs_over_http_not_a_server_path(reports) -> None:
    tmp, out = reports
    notes = [r[0] for r in _sheet(out["volunteer_roster"], "说明") if r and r[0]]
    docs = [line for line in notes if line.startswith("数据文档")]
    assert len(docs) == 1
    assert "http://" in docs[0] and docs[0].endswith("/quality/data_docs/index.html")
    assert str(tmp) not in "\n".join(notes)  # no server path anywhere on the sheet


def test_row_ranges() -> None:
    assert row_ranges([9, 3, 4, 5, 12, 13, 4]) == "3-5, 9, 12-13"
    assert row_ranges([]) == ""


def test_report_right_after_a_load_before_any_check(tmp_path) -> None:
    from dagster_project.quality.clerk_report import write_load_report
    from dagster_project.quality.paths import QualityPaths

    con, paths = build_warehouse(tmp_path, {"many_invalid_ids"})
    path = write_load_report(con, "volunteer_roster", JUNE, QualityPaths(tmp_path), REGION)
    con.close()
    assert path == paths.clerk_report("volunteer_roster", JUNE)
    assert _sheet(path, "质量检查")[1][0] == "本月尚未运行数据质量检查（构建数据仓库时自动运行）"
    assert any(r[9] == "3-7" for r in _sheet(path, "文件汇总") if len(r) > 9)


def test_text_from_exports_is_written_as_text_never_a_formula(tmp_path) -> None:
    """A cell starting with '=' (formula injection), a shifted ID and the file's own 合计 row: the report
    shows the formula as plain text, masks the ID, and compares the 合计 row with the rows."""
    import datetime as dt

    import duckdb

    from dagster_project.ingestion.pipeline import load_partition
    from dagster_project.ingestion.pseudonymise import Pseudonymiser
    from dagster_project.ingestion.region import region_lookup
    from dagster_project.ingestion.spec import SOURCES
    from dagster_project.quality.clerk_report import write_load_report
    from dagster_project.quality.paths import QualityPaths
    from tests.ingestion.exports import ASSISTANCE_HEADER, clean_row

    landing = tmp_path / "landing"
    folder = landing / "assistance" / "2024-06"
    folder.mkdir(parents=True)
    rows = []
    for i in range(1, 4):
        r = clean_row(i)
        r[8] = "610602001001"
        rows.append(r)
    # a formula the allowlist shows (free text such as =HYPERLINK("http://…","点击") is hidden at ingestion)
    rows[0][6] = "=2+3*4"
    rows[1][3] = rows[1][2]  # the ID shifted into 性别
    lines = ["宝塔区2024年6月花名册", ",".join(ASSISTANCE_HEADER), *(",".join(r) for r in rows)]
    lines.append("合计,,,,,,,9999.00,,,")
    (folder / "610602_宝塔区.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        load_partition(
            con,
            SOURCES["assistance"],
            dt.date(2024, 6, 1),
            landing,
            region_lookup(),
            Pseudonymiser(b"k" * 32),
        )
        path = write_load_report(con, "assistance", dt.date(2024, 6, 1), QualityPaths(tmp_path), REGION)
    wb = openpyxl.load_workbook(path)
    detail = wb["隔离明细"]
    values = [c for row in detail.iter_rows() for c in row if c.value is not None]
    formula_cells = [c for c in values if str(c.value).startswith("=")]
    assert formula_cells and all(c.data_type == "s" for c in formula_cells)
    assert not any(rows[1][2] in str(c.value) for c in values)
    summary = {r[2]: r for r in _sheet(path, "文件汇总")[4:] if r[2]}
    row = summary["assistance/2024-06/610602_宝塔区.csv"]
    assert row[12] == 1 and "合计行不符" in row[14] and "保障金额(元)" in row[14]
