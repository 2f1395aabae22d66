"""Export shapes of the third fuzz pass, each loaded for real from a file written in tmp_path: numbers with
a comma that is not a thousands separator, two header cells naming one column, two-level headers (户主 over
身份证号码, 保障金额 over (元)), header synonyms and notes, footers of every kind, Excel error values,
files the landing folder cannot read, a UTF-8 BOM before GBK text. Every test checks that the rows read are
the rows loaded, quarantined and skipped, and that no planted ID or name is in clear anywhere."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import polars as pl
import xlsxwriter

from dagster_project.ingestion.normalize import parse_date, parse_number
from dagster_project.ingestion.pipeline import PartitionReport, load_partition
from dagster_project.ingestion.spec import ASSISTANCE

from .conftest import PERIOD
from .exports import ASSISTANCE_HEADER, TITLE, clean_row, write_csv, write_xlsx
from .test_workbook_sheets import _all_text

FOLDER = "assistance/2024-06"
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊"]


def _rows(n: int, **kw: str) -> list[list[str]]:
    return [clean_row(i + 1, name=NAMES[i % len(NAMES)], **kw) for i in range(n)]


def _write(path: Path, rows: list[list[str | float]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("花名册")
    for r, cells in enumerate(rows):
        for c, v in enumerate(cells):
            if v != "":
                ws.write(r, c, v) if not isinstance(v, str) else ws.write_string(r, c, v)
    wb.close()
    return path


def _load(con, landing, region, hasher) -> PartitionReport:
    return load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher, raise_on_failure=False)


def _reconciled(con, report: PartitionReport, rows_in_file: int) -> None:
    """Every data row of the file loaded or quarantined (or skipped as a non-data row), as the audit says."""
    (f,) = [f for f in report.files if f.status == "loaded"]
    assert f.rows_read == f.rows_loaded + f.rows_quarantined + f.rows_skipped
    assert f.rows_loaded + f.rows_quarantined == rows_in_file
    assert con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone()[0] == f.rows_loaded
    quarantined = con.execute(
        "SELECT count(DISTINCT (source_sheet, source_row)) FROM raw.quarantine"
    ).fetchone()
    assert quarantined[0] == f.rows_quarantined


def _no_clear_personal(con, report: PartitionReport, rows: list[list[str]]) -> None:
    text = _all_text(con) + "\n".join(f.message or "" for f in report.files)
    for r in rows:
        assert r[1] not in text and r[2] not in text


def _reasons(con) -> list[tuple[int, str, str, str]]:
    return con.execute(
        "SELECT source_row, column_name, reason_code, reason FROM raw.quarantine ORDER BY ALL"
    ).fetchall()


# -- numbers -------------------------------------------------------------------------------------------------------
def test_a_comma_that_is_not_a_thousands_separator_is_never_dropped(con, landing, region, hasher) -> None:
    """800，5 (a comma typed for the decimal point) loaded as 8005, 1.234,50 as 1.23: now quarantined."""
    amounts = ["800,5", "1,2345", "8,00", "1.234,50", "1,234.50", "￥800.00", "12,345"]
    rows = [clean_row(i + 1, name=NAMES[i % 6], amount=a) for i, a in enumerate(amounts)]
    write_xlsx(landing / FOLDER / "610602_宝塔区.xlsx", rows)
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, len(rows))
    loaded = con.execute("SELECT _source_row, amount FROM raw.assistance_roster ORDER BY 1").fetchall()
    assert [(r, float(a)) for r, a in loaded] == [(8, 1234.5), (9, 800.0), (10, 12345.0)]
    bad = [(r, code) for r, col, code, _ in _reasons(con) if col == "保障金额(元)"]
    assert bad == [(4, "not_a_number"), (5, "not_a_number"), (6, "not_a_number"), (7, "not_a_number")]
    assert "逗号只能作千位分隔符" in _reasons(con)[0][3]
    _no_clear_personal(con, report, rows)


def test_parse_number_and_serial_dates() -> None:
    s = pl.Series(["800,5", "1,234", "-￥800", "¥ 800元", "1.234,50"])
    assert pl.select(parse_number(pl.lit(s))).to_series().to_list() == [None, 1234.0, -800.0, 800.0, None]
    d = pl.Series(["45448.75", "45448", "45448.0"])
    assert pl.select(parse_date(pl.lit(d))).to_series().to_list() == [dt.date(2024, 6, 5)] * 3


# -- headers -------------------------------------------------------------------------------------------------------
def test_two_header_cells_for_one_column_refuse_the_file(con, landing, region, hasher) -> None:
    """Two 保障金额(元) columns (or 保障金额(元) and its alias 发放金额(元)): the first was loaded silently."""
    header = [*ASSISTANCE_HEADER, "发放金额(元)"]
    rows = [[*r, "1"] for r in _rows(3)]
    _write(landing / FOLDER / "610602_宝塔区.xlsx", [[TITLE[0]], header, *rows])
    report = _load(con, landing, region, hasher)
    (f,) = report.files
    assert f.status == "failed"
    assert "表头有重复的列" in f.message and "第H列「保障金额(元)」" in f.message
    assert "第L列「发放金额(元)」" in f.message
    assert con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone()[0] == 0


def _two_level(path: Path, upper: list[str], lower: list[str], rows: list[list[str]], merges=()) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_string(0, 0, TITLE[0])
    for c, v in enumerate(upper):
        if v:
            ws.write_string(1, c, v)
    for c, v in enumerate(lower):
        if v:
            ws.write_string(2, c, v)
    for r0, c0, r1, c1 in merges:
        ws.merge_range(r0, c0, r1, c1, upper[c0])
    for r, cells in enumerate(rows):
        for c, v in enumerate(cells):
            if v:
                ws.write_string(r + 3, c, v)
    wb.close()
    return path


def test_two_level_headers_combine_group_and_sub_labels(con, landing, region, hasher) -> None:
    """户主信息 merged over 姓名 and 身份证号码 (the head's), 保障金额 over （元）: each column is found;
    the head's ID is the household key, the person's own ID the person key."""
    upper = ["序号", "姓名", "身份证号码", "性别", "户主信息", "", "家庭人口", "救助类别", "保障金额"]
    upper += ["行政区划代码", "发放年月", "残疾等级"]
    lower = ["", "", "", "", "姓名", "身份证号码", "", "", "（元）", "", "", ""]
    rows = []
    for r in _rows(3):
        head = clean_row(90, name="户主")[2]
        rows.append([*r[:4], "赵敏", head, *r[5:]])
    merges = [(1, 4, 1, 5)] + [(1, c, 2, c) for c in (0, 1, 2, 3, 6, 7, 9, 10, 11)]
    _two_level(landing / FOLDER / "610602_宝塔区.xlsx", upper, lower, rows, merges)
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, 3)
    assert report.files[0].rows_loaded == 3
    keys = con.execute("SELECT person_key, household_key, amount FROM raw.assistance_roster").fetchall()
    assert len({h for _, h, _ in keys}) == 1 and len({p for p, _, _ in keys}) == 3
    assert all(p != h and float(a) == 800 for p, h, a in keys)
    _no_clear_personal(con, report, rows)
    assert "赵敏" not in _all_text(con)


def test_header_synonyms_and_bracketed_notes(con, landing, region, hasher) -> None:
    """身份证件号码, 户主证件号码 and 身份证号码(18位) name their columns; a unit in brackets still counts."""
    header = list(ASSISTANCE_HEADER)
    header[2], header[4] = "身份证件号码（18位）", "户主证件号码"
    rows = _rows(2)
    write_xlsx(landing / FOLDER / "610602_宝塔区.xlsx", rows, header=header)
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, 2)
    header[7] = "保障金额(万元)"  # another unit: not the 元 column
    write_xlsx(landing / FOLDER / "610602_宝塔区.xlsx", rows, header=header)
    report = load_partition(
        con, ASSISTANCE, PERIOD, landing, region, hasher, raise_on_failure=False, force=True
    )
    assert report.files[0].status == "failed" and "缺少必需列：保障金额(元)" in report.files[0].message


# -- rows ----------------------------------------------------------------------------------------------------------
def test_footers_of_every_kind_are_skipped_not_quarantined(con, landing, region, hasher) -> None:
    rows = _rows(3)
    footers = [
        ["制表：王芳", "", "审核：李娜"],
        ["填表：刘洋"],
        ["日期：2024年6月30日"],
        ["附注：本表数据来源于金民工程"],
        ["注1：保障金额单位为元"],
        ["打印人：陈静"],
        ["备注", "本月新增2户"],
        ["（盖章）"],
        ["联系方式：13912345678"],
        ["", "", "", "", "", "", "", "经办：杨磊"],
    ]
    _write(landing / FOLDER / "610602_宝塔区.xlsx", [[TITLE[0]], ASSISTANCE_HEADER, *rows, *footers])
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, 3)
    f = report.files[0]
    assert (f.rows_loaded, f.rows_quarantined, f.skipped) == (3, 0, {"footer": len(footers)})
    _no_clear_personal(con, report, rows)
    assert "13912345678" not in _all_text(con)


def test_a_row_with_an_id_after_a_colon_label_is_still_data(con, landing, region, hasher) -> None:
    rows = _rows(2)
    rows[1][0] = "注："  # a 序号 cell typed oddly: the row has an ID, so it is data (quarantined for 序号)
    write_xlsx(landing / FOLDER / "610602_宝塔区.xlsx", rows)
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, 2)
    assert report.files[0].rows_quarantined == 1


def test_excel_error_values_are_quarantined_with_the_error(con, landing, region, hasher) -> None:
    """calamine reads #N/A, #DIV/0!, #REF! as empty: an optional column's error was loaded as a blank."""
    path = landing / FOLDER / "610602_宝塔区.xlsx"
    path.parent.mkdir(parents=True)
    rows = _rows(4)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for r, cells in enumerate([[TITLE[0]], ASSISTANCE_HEADER, *rows]):
        for c, v in enumerate(cells):
            if v:
                ws.write_string(r, c, v)
    ws.write_formula(2, 7, "=1/0", None, "#DIV/0!")  # 保障金额, required
    ws.write_formula(3, 10, "=NA()", None, "#N/A")  # 残疾等级, optional
    ws.write_formula(4, 2, "=#REF!", None, "#REF!")  # 身份证号码
    wb.close()
    write_csv(landing / FOLDER / "610602_宝塔区_农村.csv", [clean_row(7, name="王芳", amount="#N/A")], "gbk")
    report = _load(con, landing, region, hasher)
    for f in report.files:
        assert f.status == "loaded" and f.rows_read == f.rows_loaded + f.rows_quarantined + f.rows_skipped
    errors = con.execute(
        "SELECT source_file, source_row, column_name, reason FROM raw.quarantine WHERE reason_code = 'error_value' "
        "ORDER BY ALL"
    ).fetchall()
    found = {(f.endswith(".csv"), r, c): reason for f, r, c, reason in errors}
    assert set(found) == {
        (True, 4, "保障金额(元)"),
        (False, 3, "保障金额(元)"),
        (False, 4, "残疾等级"),
        (False, 5, "身份证号码"),
    }
    assert "#DIV/0!" in found[(False, 3, "保障金额(元)")] and "#N/A" in found[(False, 4, "残疾等级")]
    assert con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone()[0] == 1
    _no_clear_personal(con, report, rows)


# -- files ---------------------------------------------------------------------------------------------------------
def test_files_the_landing_folder_cannot_read_are_reported_not_ignored(con, landing, region, hasher) -> None:
    folder = landing / FOLDER
    write_xlsx(folder / "610602_宝塔区.xltx", _rows(2))  # an Excel template: read by its content
    write_xlsx(folder / "610603_安塞区.ods", _rows(2))
    write_xlsx(folder / "子文件夹" / "610602_宝塔区_农村.xlsx", _rows(2))
    with zipfile.ZipFile(folder / "610602_宝塔区_批.zip", "w") as z:
        z.writestr("610602_宝塔区.xlsx", "x")
    (folder / "Thumbs.db").write_bytes(b"\0")
    report = _load(con, landing, region, hasher)
    status = {f.source_file.rsplit("/", 1)[-1]: (f.status, f.message or "") for f in report.files}
    assert status["610602_宝塔区.xltx"][0] == "loaded"
    assert (
        status["610603_安塞区.ods"][0] == "failed"
        and "文件类型「.ods」不能导入" in status["610603_安塞区.ods"][1]
    )
    assert any(
        name.endswith(".zip") and s == "failed" and "压缩包请先解压" in m for name, (s, m) in status.items()
    )
    assert any("是文件夹" in m for _, m in status.values())
    assert not any("Thumbs" in name for name in status)
    audited = con.execute("SELECT count(*) FROM raw.load_audit_history WHERE status = 'failed'").fetchone()[0]
    assert audited == 3 and len(report.failures) == 3


def test_utf8_bom_before_gbk_text_is_read_as_gbk(con, landing, region, hasher) -> None:
    rows = _rows(3)
    path = write_csv(landing / FOLDER / "610602_宝塔区.csv", rows, "gbk")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, 3)
    assert report.files[0].rows_loaded == 3
    _no_clear_personal(con, report, rows)
