"""Workbooks of several sheets (one per township or month, a template before the data, an .xls export
split into Sheet1, Sheet2, …) and township subtotal rows, loaded into a real DuckDB: every row is
loaded, quarantined or skipped, counted per file, with the sheet and the Excel row to find it."""

from __future__ import annotations

import json
from pathlib import Path

import xlsxwriter
import xlwt

from dagster_project.ingestion.pipeline import PartitionReport, load_partition
from dagster_project.ingestion.spec import ASSISTANCE
from dagster_project.ingestion.warehouse import ensure_schema
from dagster_project.quality.suites import load_suites

from .conftest import PERIOD
from .exports import ASSISTANCE_HEADER, TITLE, clean_row, totals_row, write_csv

FOLDER = "assistance/2024-06"
FILE = "610602_宝塔区.xlsx"
BLANK = [""] * len(ASSISTANCE_HEADER)

Sheet = tuple[str, list[list[str]]]


def _table(rows: list[list[str]], total: bool = True) -> list[list[str]]:
    """A sheet as exported: title, header, the rows, the 合计 row."""
    return [[TITLE[0]], list(ASSISTANCE_HEADER), *rows, *([totals_row(rows)] if total else [])]


def _xlsx(path: Path, sheets: list[Sheet], hidden: frozenset[str] = frozenset()) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        for r, cells in enumerate(rows):
            for c, v in enumerate(cells):
                if v != "":
                    ws.write_string(r, c, v)
        if name in hidden:
            ws.hide()
        elif not any(n not in hidden for n, _ in sheets[: len(wb.worksheets()) - 1]):
            ws.activate()  # the first visible sheet is the active one (Excel cannot hide the active sheet)
    wb.close()
    return path


def _xls(path: Path, sheets: list[Sheet]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets:
        ws = wb.add_sheet(name)
        for r, cells in enumerate(rows):
            for c, v in enumerate(cells):
                if v != "":
                    ws.write(r, c, v)
    wb.save(str(path))
    return path


def _load(con, landing, region, hasher) -> PartitionReport:
    return load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher, raise_on_failure=False)


def _audit(con) -> tuple:
    return con.execute(
        "SELECT status, rows_read, rows_loaded, rows_quarantined, rows_skipped, skipped_json, totals_ok, message "
        "FROM raw.load_audit"
    ).fetchone()


def _reconciled(con) -> None:
    """The audit's counts are the rows in the raw table and the distinct (sheet, row) in quarantine."""
    status, read, loaded, quarantined, skipped, *_ = _audit(con)
    assert status == "loaded"
    assert read == loaded + quarantined + skipped
    assert con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone()[0] == loaded
    assert (
        con.execute("SELECT count(DISTINCT (source_sheet, source_row)) FROM raw.quarantine").fetchone()[0]
        == quarantined
    )


def _loaded_rows(con) -> list[tuple]:
    return con.execute(
        "SELECT _source_sheet, _source_row FROM raw.assistance_roster ORDER BY _source_sheet, _source_row"
    ).fetchall()


def _all_text(con) -> str:
    """Every VARCHAR value of every table, to search for values that must not be in clear."""
    out: list[str] = []
    tables = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = 'raw'"
    ).fetchall()
    for schema, table in tables:
        cols = con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "AND data_type = 'VARCHAR'",
            [schema, table],
        ).fetchall()
        for (col,) in cols:
            out += [str(v) for (v,) in con.execute(f'SELECT "{col}" FROM {schema}.{table}').fetchall()]
    return "\n".join(out)


def test_one_sheet_per_township_every_sheet_loaded(con, landing, region, hasher) -> None:
    bad = clean_row(4)
    bad[3] = "未知"  # 性别: quarantined, on the second sheet, same Excel row as sheet 3's bad row
    bad_too = clean_row(6)
    bad_too[3] = "未知"
    sheets = [
        ("李渠镇", _table([clean_row(1), clean_row(2)])),
        ("桥沟街道", _table([clean_row(3), bad])),
        ("南市街道", _table([clean_row(5), bad_too])),
    ]
    _xlsx(landing / FOLDER / FILE, sheets)
    report = _load(con, landing, region, hasher)
    (f,) = report.files
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (
        "loaded",
        9,
        4,
        2,
        3,
    )
    assert f.skipped == {"summary": 3} and f.totals_ok is True
    _reconciled(con)
    assert _loaded_rows(con) == [
        ("南市街道", 3),
        ("李渠镇", 3),
        ("李渠镇", 4),
        ("桥沟街道", 3),
    ]
    quarantine = con.execute(
        "SELECT source_sheet, source_row, reason FROM raw.quarantine ORDER BY source_sheet"
    ).fetchall()
    assert [(s, r) for s, r, _ in quarantine] == [("南市街道", 4), ("桥沟街道", 4)]
    assert quarantine[1][2].startswith("工作表「桥沟街道」第4行「性别」")


def test_header_only_template_before_the_data_sheet(con, landing, region, hasher) -> None:
    rows = [clean_row(i) for i in range(1, 4)]
    _xlsx(landing / FOLDER / FILE, [("模板", _table([], total=False)), ("6月", _table(rows))])
    (f,) = _load(con, landing, region, hasher).files
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (
        "loaded",
        4,
        3,
        0,
        1,
    )
    assert f.message is None  # the template has the header: read, and it has no rows
    _reconciled(con)
    assert _loaded_rows(con) == [("6月", 3), ("6月", 4), ("6月", 5)]


def test_one_sheet_per_month_other_months_quarantined_not_lost(con, landing, region, hasher) -> None:
    may = [clean_row(i) for i in range(1, 4)]
    for r in may:
        r[9] = "2024-05"
    june = [clean_row(i) for i in range(11, 14)]
    _xlsx(landing / FOLDER / FILE, [("5月", _table(may)), ("6月", _table(june))])
    (f,) = _load(con, landing, region, hasher).files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (8, 3, 3, 2)
    _reconciled(con)
    codes = con.execute("SELECT DISTINCT source_sheet, reason_code FROM raw.quarantine").fetchall()
    assert codes == [("5月", "date_outside_period")]


def test_xls_split_without_repeated_header_reads_the_continuation(con, landing, region, hasher) -> None:
    """An .xls export over 65,535 rows goes on in Sheet2 without a header; the 合计 is at the very end."""
    first = [clean_row(i) for i in range(1, 6)]
    rest = [clean_row(i) for i in range(6, 9)]
    sheets = [
        ("Sheet1", [[TITLE[0]], list(ASSISTANCE_HEADER), *first]),
        ("Sheet2", [*rest, totals_row(first + rest)]),
    ]
    _xls(landing / FOLDER / "610602_宝塔区.xls", sheets)
    (f,) = _load(con, landing, region, hasher).files
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (
        "loaded",
        9,
        8,
        0,
        1,
    )
    assert f.totals_ok is True and f.message is None
    _reconciled(con)
    assert _loaded_rows(con)[-3:] == [("Sheet2", 1), ("Sheet2", 2), ("Sheet2", 3)]


def test_xls_split_with_repeated_header_grand_total_on_last_sheet(con, landing, region, hasher) -> None:
    first = [clean_row(i) for i in range(1, 6)]
    rest = [clean_row(i) for i in range(6, 9)]
    sheets = [
        ("Sheet1", [[TITLE[0]], list(ASSISTANCE_HEADER), *first]),
        ("Sheet2", [list(ASSISTANCE_HEADER), *rest, totals_row(first + rest)]),
    ]
    _xls(landing / FOLDER / "610602_宝塔区.xls", sheets)
    (f,) = _load(con, landing, region, hasher).files
    assert (f.rows_read, f.rows_loaded, f.rows_skipped) == (9, 8, 1)
    assert f.totals_ok is True  # the 合计 covers both sheets, not only Sheet2
    _reconciled(con)


def test_sheet_without_header_is_named_not_imported(con, landing, region, hasher) -> None:
    rows = [clean_row(i) for i in range(1, 4)]
    notes = [["填表说明"], ["1. 金额单位为元"], ["2. 身份证号码为18位"]]
    other = [["序号", "乡镇", "户数"], ["1", "李渠镇", "12"]]  # a summary by township: not the roster
    _xlsx(landing / FOLDER / FILE, [("花名册", _table(rows)), ("说明", notes), ("汇总", other)])
    (f,) = _load(con, landing, region, hasher).files
    assert (f.status, f.rows_loaded) == ("loaded", 3)
    assert f.message == "工作表「说明」没有表头，未导入；工作表「汇总」没有表头，未导入"
    assert _audit(con)[-1] == f.message
    _reconciled(con)


def test_headerless_sheet_that_does_not_look_like_data_is_not_a_continuation(
    con, landing, region, hasher
) -> None:
    rows = [clean_row(i) for i in range(1, 4)]
    wider = [[*clean_row(i), "备注多一列"] for i in range(4, 6)]  # a cell beyond the header's width
    _xlsx(landing / FOLDER / FILE, [("Sheet1", _table(rows, total=False)), ("Sheet2", wider)])
    (f,) = _load(con, landing, region, hasher).files
    assert (f.rows_read, f.rows_loaded) == (3, 3)
    assert f.message == "工作表「Sheet2」没有表头，未导入"


def test_hidden_sheet_stays_unread(con, landing, region, hasher) -> None:
    old = [clean_row(i) for i in range(20, 25)]
    rows = [clean_row(i) for i in range(1, 4)]
    _xlsx(landing / FOLDER / FILE, [("5月", _table(old)), ("6月", _table(rows))], hidden=frozenset({"5月"}))
    (f,) = _load(con, landing, region, hasher).files
    assert (f.rows_read, f.rows_loaded, f.message) == (4, 3, None)
    assert _loaded_rows(con) == [(None, 3), (None, 4), (None, 5)]  # the clerk sees one sheet


def test_personal_sheet_names_never_in_clear(con, landing, region, hasher) -> None:
    """One sheet per household, named after its head: rows are found by the sheet's position."""
    sheets = [
        ("赵敏", _table([clean_row(1, name="赵敏")])),
        ("刘洋", _table([clean_row(2, name="刘洋")])),
        ("王芳", [["王芳家庭情况"], ["住址不详"]]),  # no header: named in the message, masked
    ]
    _xlsx(landing / FOLDER / FILE, sheets)
    report = _load(con, landing, region, hasher)
    (f,) = report.files
    assert (f.rows_read, f.rows_loaded) == (4, 2)
    assert f.message == "工作表「第3个工作表（名称已脱敏）」没有表头，未导入"
    assert _loaded_rows(con) == [("第1个工作表（名称已脱敏）", 3), ("第2个工作表（名称已脱敏）", 3)]
    stored = _all_text(con)
    for name in ("赵敏", "刘洋", "王芳"):
        assert name not in stored and name not in str(report.files)


def test_no_sheet_with_header_names_sheets_redacted(con, landing, region, hasher) -> None:
    _xlsx(landing / FOLDER / FILE, [("赵敏", [["赵敏家庭情况"]]), ("说明", [["填表说明"]])])
    report = _load(con, landing, region, hasher)
    (f,) = report.files
    assert f.status == "failed"
    assert "在工作表（第1个工作表（名称已脱敏）、说明）的前15行中找不到" in (f.message or "")
    assert "赵敏" not in _all_text(con)


def test_html_with_two_tables_reads_both(con, landing, region, hasher) -> None:
    def table(rows: list[list[str]]) -> str:
        head = "".join(f"<th>{h}</th>" for h in ASSISTANCE_HEADER)
        body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in rows)
        return f'<table><tr><td colspan="11">{TITLE[0]}</td></tr><tr>{head}</tr>{body}</table>'

    one, two = [clean_row(1), clean_row(2)], [clean_row(3)]
    html = f"<html><body>{table([*one, totals_row(one)])}<p>续表</p>{table([*two, totals_row(two)])}</body></html>"
    path = landing / FOLDER / "610602_宝塔区.xls"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(html.encode("gbk"))
    (f,) = _load(con, landing, region, hasher).files
    assert (f.rows_read, f.rows_loaded, f.rows_skipped, f.totals_ok) == (5, 3, 2, True)
    assert _loaded_rows(con) == [("表格1", 3), ("表格1", 4), ("表格2", 3)]


def test_existing_warehouse_gets_the_sheet_columns(con, landing, region, hasher) -> None:
    """A warehouse created before sheets were recorded: ensure_schema adds the nullable columns."""
    ensure_schema(con)
    con.execute("ALTER TABLE raw.assistance_roster DROP COLUMN _source_sheet")
    con.execute("ALTER TABLE raw.quarantine DROP COLUMN source_sheet")
    bad = clean_row(3)
    bad[3] = "未知"
    _xlsx(
        landing / FOLDER / FILE,
        [("李渠镇", _table([clean_row(1)])), ("桥沟街道", _table([clean_row(2), bad]))],
    )
    (f,) = _load(con, landing, region, hasher).files
    assert (f.status, f.rows_loaded, f.rows_quarantined) == ("loaded", 2, 1)
    assert con.execute("SELECT source_sheet FROM raw.quarantine").fetchall() == [("桥沟街道",)]
    _reconciled(con)


def _subtotal_rows() -> list[list[str]]:
    rows = [clean_row(1), clean_row(2), clean_row(3)]
    subtotal = ["李渠镇小计", "", "", "", "", "", "", "1600", "", "", ""]
    by_code = ["610602001", "小　计", "", "", "", "", "", "800", "", "", ""]
    total = ["全县合计", "", "", "", "", "", "", "2400", "", "", ""]
    return [rows[0], rows[1], subtotal, rows[2], by_code, total]


def test_township_subtotals_skipped_and_out_of_the_total(con, landing, region, hasher) -> None:
    _xlsx(landing / FOLDER / FILE, [("花名册", [[TITLE[0]], list(ASSISTANCE_HEADER), *_subtotal_rows()])])
    (f,) = _load(con, landing, region, hasher).files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (6, 3, 0, 3)
    assert f.skipped == {"summary": 3}
    assert f.totals_ok is True and json.loads(_audit(con)[5]) == {"summary": 3}
    _reconciled(con)


def test_township_subtotals_in_a_csv(con, landing, region, hasher) -> None:
    """The text path classifies rows starting with a digit natively: a 小计 after a code is seen too."""
    write_csv(landing / FOLDER / "610602_宝塔区.csv", _subtotal_rows(), "gbk")
    (f,) = _load(con, landing, region, hasher).files
    # write_csv adds its own 合计 row (of the amounts it can read: 3 × 800 + 1600 + 800) after ours
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (7, 3, 0, 4)
    assert f.totals_ok is True  # the first 合计 row (全县合计 2400) is the file's
    _reconciled(con)


def test_a_person_row_with_a_summary_word_is_never_skipped(con, landing, region, hasher) -> None:
    """A row with an ID is data even if a cell ends with 小计; a row with a name but no ID is data too."""
    with_id = clean_row(1)
    with_id[10] = "小计"  # 残疾等级: not an allowed value, quarantined
    no_id = clean_row(2)
    no_id[2] = ""
    no_id[4] = ""
    no_id[10] = "合计"
    _xlsx(
        landing / FOLDER / FILE,
        [("花名册", [[TITLE[0]], list(ASSISTANCE_HEADER), with_id, no_id, clean_row(3)])],
    )
    (f,) = _load(con, landing, region, hasher).files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (3, 1, 2, 0)
    _reconciled(con)
    codes = set(con.execute("SELECT source_row, reason_code FROM raw.quarantine").fetchall())
    assert (3, "unknown_category") in codes and (4, "missing_required") in codes


def test_a_person_named_like_a_total_with_an_id_is_data(con, landing, region, hasher) -> None:
    """No 序号 column: the first cell of a person's row is the name. A person named 合计 (or 小计) with an
    ID is data, not the file's 合计 row."""
    header = list(ASSISTANCE_HEADER[1:])
    people = [clean_row(i)[1:] for i in range(1, 4)]
    people[1][0] = "合计"
    people[2][0] = "小计"
    total = ["合计", "", "", "", "", "", "2400", "", "", ""]
    _xlsx(landing / FOLDER / FILE, [("花名册", [[TITLE[0]], header, *people, total])])
    (f,) = _load(con, landing, region, hasher).files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (4, 3, 0, 1)
    assert f.totals_ok is True
    _reconciled(con)


def test_shared_reconcile_check_counts_sheets_apart(con, landing, region, hasher) -> None:
    """The quality suites' load_reconciled SQL counts quarantined rows per (sheet, row)."""
    a, b = clean_row(1), clean_row(2)
    a[3] = b[3] = "未知"
    _xlsx(landing / FOLDER / FILE, [("李渠镇", _table([a])), ("桥沟街道", _table([b]))])
    _load(con, landing, region, hasher)
    assert _audit(con)[3] == 2  # two rows numbered 3, on two sheets
    suite = next(s for s in load_suites() if s.table == "raw.assistance_roster")
    sql = suite.check("load_reconciled").sql
    assert sql is not None
    assert con.execute(sql, {"source": "assistance", "period": PERIOD}).fetchall() == []
