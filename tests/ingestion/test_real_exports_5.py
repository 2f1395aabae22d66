"""Export shapes of the fifth pass over what real systems and clerks produce, each loaded for real from a
file written in tmp_path: old 15-digit IDs (as text, typed with spaces, or stored as an Excel number),
amounts written 800万元 / RMB 800 / (800) / 800-, numbered notes, end marks (以下空白) and page numbers
under the table, a Ctrl-Z or NUL padding after a CSV, a file manager's copy or the same file put in
twice, division codes typed in groups or saved as 6.1E+11, a two-level header repeated at a page break,
placeholders (无, —, /) and no-data notes, 元/月 headers, categories' full names; and the shapes verified
to be handled already (GB18030 with its BOM, UTF-16 CSV, Excel serial dates in a CSV, blank columns
between the data columns, a leading apostrophe, full-width digits and punctuation in numbers). Every
loading test checks that the rows read are the rows loaded, quarantined and skipped, and that no planted
ID or name is in clear."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from dagster_project.ingestion.normalize import canonical_id, id15_to_18
from dagster_project.ingestion.pipeline import load_partition
from dagster_project.ingestion.spec import ASSISTANCE

from .conftest import PERIOD
from .exports import ASSISTANCE_HEADER, TITLE, clean_row, person_id, totals_row
from .test_real_exports_4 import (
    FOLDER,
    _csv_text,
    _load,
    _no_clear_personal,
    _personal,
    _reasons,
    _reconciled,
    _rows,
    _xlsx,
)


def _amounts(con) -> list[float]:
    got = con.execute("SELECT amount FROM raw.assistance_roster ORDER BY _source_row").fetchall()
    return [float(a) for (a,) in got]


def _write_csv(landing: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """Title, header, the rows and their 合计 (exports.totals_row) as a CSV export."""
    path = landing / FOLDER / "610602_宝塔区.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_csv_text(rows, ",").encode(encoding))
    return path


def _write(landing: Path, table: list[list], kind: str, encoding: str = "utf-8") -> Path:
    """Exactly the rows of `table` as an .xlsx or a CSV export."""
    if kind == "xlsx":
        return _xlsx(landing / FOLDER / "610602_宝塔区.xlsx", table)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(table)
    path = landing / FOLDER / "610602_宝塔区.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# -- 1. old 15-digit IDs -----------------------------------------------------------------------------------------
def test_id15_to_18_follows_the_national_rule() -> None:
    """GB 11643-1999's own example: 110105491231002 is 11010519491231002X. A birth date that does not
    exist, a letter or another length is not converted."""
    assert id15_to_18("110105491231002") == "11010519491231002X"
    assert id15_to_18("610602800101001") == person_id("61060219800101001")
    for bad in (
        "610602801301001",
        "610602800230001",
        "61060280010100A",
        "61060280010100",
        "６１０６０２８００１０１００１",
    ):
        assert id15_to_18(bad) is None
    got = pl.select(canonical_id(pl.lit(pl.Series(["610602 800101 001", "610602-800101-001"])))).to_series()
    assert got.to_list() == [person_id("61060219800101001")] * 2


def test_old_15_digit_ids_get_the_key_of_the_18_digit_form(con, landing, region, hasher) -> None:
    """A person listed with the old 15-digit ID (text, typed with spaces, or an Excel number cell, which
    holds 15 digits exactly) gets the same person_key, household_key and birth year as under the 18-digit
    ID. A 15-digit ID whose birth date does not exist is quarantined saying so."""
    new = person_id("61060219800101001")
    old = "610602800101001"
    head_new, head_old = person_id("61060219520315002"), "610602520315002"
    forms: list[str | int] = [new, old, "610602 800101 001", int(old), "610602801301001", "610602800230001"]
    forms.append(610602801301001)  # a number cell whose digits are no birth date: invalid, not id_as_number
    rows: list[list] = []
    for i, form in enumerate(forms):
        row: list = clean_row(i + 1, name=f"张伟{'甲乙丙丁戊己庚'[i]}")
        row[2] = form
        row[4] = head_old if i % 2 else head_new  # the household head's ID, old and new forms
        row[7] = str(800 + i)  # distinct rows
        rows.append(row)
    _xlsx(landing / FOLDER / "610602_宝塔区.xlsx", [[TITLE[0]], ASSISTANCE_HEADER, *rows])
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, len(rows))
    loaded = con.execute(
        "SELECT _source_row, person_key, household_key, birth_year FROM raw.assistance_roster ORDER BY 1"
    ).fetchall()
    key, head_key = (hasher.hash_series(pl.Series([v])).item() for v in (new, head_new))
    assert loaded == [(3 + i, key, head_key, 1980) for i in range(4)]
    reasons = _reasons(con)
    assert [(r, col, code) for r, col, code, _ in reasons] == [
        (7, "身份证号码", "invalid_id"),
        (8, "身份证号码", "invalid_id"),
        (9, "身份证号码", "invalid_id"),
    ]
    assert all("15位旧身份证号码" in reason and "出生日期" in reason for *_, reason in reasons)
    clear = [new, old, head_new, head_old, "610602801301001", "610602800230001", new[:17], new[6:14]]
    _no_clear_personal(con, report, [*clear, *[r[1] for r in rows]])


# -- 2. amounts with a unit, a currency code or an accounting sign ---------------------------------------------
def test_amounts_in_wan_yuan_rmb_and_accounting_negatives(con, landing, region, hasher) -> None:
    """800万元 is 8,000,000; RMB800, RMB 800, ¥800, ￥800, 800.00元 are 800; full-width digits, commas and
    periods are read. (800), 800- and −800 are negative: quarantined as 不能为负数, not 应为数字. The
    export's 合计 (counting 800万元 as 8,000,000) matches."""
    written = [
        "800万元",
        "RMB800",
        "RMB 800",
        "¥800",
        "￥800",
        "800.00元",
        "１，２３４．５０",
        "８００．５０",
        "'800",
    ]
    negatives = ["(800)", "800-", "−800"]
    rows = _rows(len(written) + len(negatives))
    for r, a in zip(rows, [*written, *negatives], strict=True):
        r[7] = a
    expected = [8_000_000.0, 800.0, 800.0, 800.0, 800.0, 800.0, 1234.5, 800.5, 800.0]
    total = totals_row([])
    total[7] = f"{sum(expected) - 3 * 800:.2f}"
    _write(landing, [[TITLE[0]], ASSISTANCE_HEADER, *rows, total], "csv", "gb18030")
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, len(rows))
    assert _amounts(con) == expected
    first_negative = 3 + len(written)
    assert [(r, code) for r, _, code, _ in _reasons(con)] == [
        (first_negative + i, "negative_value") for i in range(3)
    ]
    assert report.files[0].totals_ok is True
    _no_clear_personal(con, report, _personal(rows))


def test_a_wan_yuan_header_is_still_not_the_yuan_column(con, landing, region, hasher) -> None:
    """Units in the header keep their meaning: 保障金额（万元） is not 保障金额(元), the file is refused as
    before (no amount is scaled twice or read in the wrong unit)."""
    header = list(ASSISTANCE_HEADER)
    header[7] = "保障金额（万元）"
    rows = _rows(2)
    rows[0][7] = "0.08万元"
    _xlsx(landing / FOLDER / "610602_宝塔区.xlsx", [[TITLE[0]], header, *rows])
    (f,) = _load(con, landing, region, hasher).files
    assert f.status == "failed" and "缺少必需列：保障金额(元)" in (f.message or "")


# -- 3. numbered notes under the table ----------------------------------------------------------------------------
_NOTES = [
    ["注："],
    ["1.本表数据截至6月底"],
    ["2、低保金按月发放到户"],
    ["（3）特困人员含集中和分散供养"],
    ["④ 临时救助按次统计"],
    ["制表人：张伟", "", "审核人：王芳", "", "填报日期：2024年6月30日"],
    ["单位负责人：李娜"],
]
_PASTED_NAME = "刘洋"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_numbered_notes_under_the_table_are_footers(con, landing, region, hasher, kind: str) -> None:
    """Numbered notes below 注： (1.…, 2、…, （3）…, ④…) were data rows, each quarantined with ten 必填项为空;
    they are footers now, counted as such. A row pasted whole into one cell (it holds an ID) is still data,
    quarantined, not dropped."""
    rows = _rows(3)
    pasted = [f"4、{_PASTED_NAME}，{rows[0][2]}，男"]
    _write(
        landing, [[TITLE[0]], ASSISTANCE_HEADER, *rows, totals_row(rows), *_NOTES, pasted], kind, "gb18030"
    )
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, 4)
    f = report.files[0]
    assert f.skipped == {"summary": 1, "footer": len(_NOTES)} and f.totals_ok is True
    pasted_row = 3 + len(rows) + 1 + len(_NOTES)  # title, header, rows, 合计, notes, then the pasted row
    assert {r for r, *_ in _reasons(con)} == {pasted_row}
    _no_clear_personal(con, report, [*_personal(rows), _PASTED_NAME])


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_end_marks_page_numbers_and_invisible_rows_are_not_data(
    con, landing, region, hasher, kind: str
) -> None:
    """以下空白 / （以下空白）/ 以下无数据 where a printed form's rows end, page numbers printed as rows (- 1 -,
    2/2) and a row of zero-width spaces (pasted from a web page) were data rows quarantined with every
    required column empty; they are footers and a blank row, counted. A 以下空白 row with an ID is data."""
    rows = _rows(4)
    with_id = ["以下空白", *rows[3][1:]]
    table = [[TITLE[0]], ASSISTANCE_HEADER, rows[0], rows[1], ["- 1 -"], ASSISTANCE_HEADER, rows[2], with_id]
    table += [
        totals_row(rows),
        ["以下空白"],
        ["（以下空白）"],
        ["以下无数据"],
        ["2/2"],
        ["\u200b", "", "\u200b"],
    ]
    _write(landing, table, kind)
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, 4)
    f = report.files[0]
    assert f.skipped == {"footer": 5, "repeated_header": 1, "summary": 1, "blank": 1}
    assert f.totals_ok is True
    assert [(r, col) for r, col, *_ in _reasons(con)] == [(8, "序号")]  # 以下空白 is no 序号
    _no_clear_personal(con, report, _personal(rows))


@pytest.mark.parametrize(
    "tail",
    [b"\x1a", b"\x00" * 100, b"\x00" * 20_000, b"\x1a" + b"\x00" * 500],
    ids=["ctrl-z", "nul", "nul-long", "both"],
)
def test_dos_end_mark_and_nul_padding_after_the_text(con, landing, region, hasher, tail: bytes) -> None:
    """A DOS end-of-file mark (Ctrl-Z) after the last line became a data row quarantined with every column
    empty; NUL bytes padding the file (download tools, USB copies) refused it as 不是表格文件. Both are
    dropped before decoding; the file's sha256 is still that of its bytes."""
    rows = _rows(3)
    path = _write_csv(landing, rows, "gbk")
    path.write_bytes(path.read_bytes() + tail)
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, 3)
    assert report.files[0].rows_loaded == 3 and report.files[0].totals_ok is True
    assert report.files[0].skipped == {"summary": 1}
    _no_clear_personal(con, report, _personal(rows))


# -- 3b. a file put in twice ----------------------------------------------------------------------------------
def _status(report) -> dict[str, tuple[str, int]]:
    return {f.source_file.rsplit("/")[-1]: (f.status, f.rows_loaded) for f in report.files}


def test_a_file_managers_copy_is_a_version_not_a_second_part(con, landing, region, hasher) -> None:
    """Windows names a copy in the same folder 名称 - 副本.xlsx (Windows XP: 复件 名称.xlsx, macOS: 名称 副本 2):
    it was a second part of the county-month and every row was loaded twice. A copy is a version of its
    original: the newest file wins (an edited copy, or an original edited after a backup copy was made)."""
    rows = _rows(3)
    original = _xlsx(landing / FOLDER / "610602_宝塔区.xlsx", [[TITLE[0]], ASSISTANCE_HEADER, *rows])
    for name in ("610602_宝塔区 - 副本.xlsx", "复件 610602_宝塔区.xlsx", "610602_宝塔区 副本 2.xlsx"):
        shutil.copy2(original, landing / FOLDER / name)  # a copy keeps the original's time, as Explorer's
    edited = _xlsx(
        landing / FOLDER / "610602_宝塔区 - 副本 (2).xlsx", [[TITLE[0]], ASSISTANCE_HEADER, *_rows(4)]
    )
    os.utime(edited, (original.stat().st_mtime + 60,) * 2)
    report = _load(con, landing, region, hasher)
    status = _status(report)
    assert status.pop("610602_宝塔区 - 副本 (2).xlsx") == ("loaded", 4)
    assert set(status.values()) == {("superseded", 0)} and len(status) == 4
    assert con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone() == (4,)
    _no_clear_personal(con, report, _personal(_rows(4)))


def test_the_same_bytes_under_two_part_names_load_once(con, landing, region, hasher) -> None:
    """The same export put in twice under names that are not versions of each other (610602_宝塔区.xlsx and
    610602_宝塔区_6月花名册.xlsx): byte for byte one file, loaded once; the other is superseded saying why.
    Parts with different contents still all load."""
    rows = _rows(3)
    first = _xlsx(landing / FOLDER / "610602_宝塔区.xlsx", [[TITLE[0]], ASSISTANCE_HEADER, *rows])
    shutil.copy(first, landing / FOLDER / "610602_宝塔区_6月花名册.xlsx")
    other = [clean_row(i, name="赵敏") for i in range(20, 22)]
    _xlsx(landing / FOLDER / "610602_宝塔区_临时救助.xlsx", [[TITLE[0]], ASSISTANCE_HEADER, *other])
    report = _load(con, landing, region, hasher)
    status = _status(report)
    assert status == {
        "610602_宝塔区.xlsx": ("loaded", 3),
        "610602_宝塔区_6月花名册.xlsx": ("superseded", 0),
        "610602_宝塔区_临时救助.xlsx": ("loaded", 2),
    }
    (message,) = [f.message for f in report.files if f.status == "superseded"]
    assert (
        message == "与「assistance/2024-06/610602_宝塔区.xlsx」内容完全相同（同一导出放入了两次），未重复导入"
    )
    audit = con.execute(
        "SELECT status, message FROM raw.load_audit_history WHERE source_file LIKE '%6月花名册%'"
    ).fetchall()
    assert audit == [("superseded", message)]
    assert con.execute("SELECT count(*) FROM raw.assistance_roster").fetchone() == (5,)
    _no_clear_personal(con, report, _personal(rows) + _personal(other))


def test_only_parts_of_equal_size_are_hashed_to_find_copies(landing, monkeypatch) -> None:
    """The landing sensor picks the effective files of every month folder at every tick: finding a part
    put in twice must not read every part. Only parts whose sizes are equal are hashed."""
    from dagster_project.ingestion import landing as landing_module

    folder = landing / FOLDER
    first = _xlsx(folder / "610602_宝塔区_城市低保.xlsx", [[TITLE[0]], ASSISTANCE_HEADER, *_rows(3)])
    shutil.copy(first, folder / "610602_宝塔区_6月花名册.xlsx")
    _xlsx(folder / "610602_宝塔区_农村低保.xlsx", [[TITLE[0]], ASSISTANCE_HEADER, *_rows(9)])
    hashed: list[str] = []
    real = landing_module.file_sha256
    monkeypatch.setattr(landing_module, "file_sha256", lambda p: hashed.append(p.name) or real(p))
    files = landing_module.discover(landing, "assistance", PERIOD, lambda name: None)
    chosen, superseded = landing_module.effective_files(files)
    assert sorted(hashed) == ["610602_宝塔区_6月花名册.xlsx", "610602_宝塔区_城市低保.xlsx"]
    kept = [f.path.name for f in chosen["610602"]]
    assert kept == ["610602_宝塔区_6月花名册.xlsx", "610602_宝塔区_农村低保.xlsx"]  # the first by name
    assert [f.path.name for f in superseded] == ["610602_宝塔区_城市低保.xlsx"]


# -- 3c. division codes ------------------------------------------------------------------------------------------
def test_division_codes_typed_in_groups_or_as_numbers(con, landing, region, hasher) -> None:
    """610602 001 001 (typed in groups), 610602001001.0 / 610602001.0 (a number written out by a tool) are
    the code; 6.10602E+11 (Excel's display of a 12-digit number saved to CSV: its last digits are lost)
    is quarantined saying to format the column as text, not as 不属于本县, which sent the clerk looking
    for a wrong code."""
    rows = _rows(5)
    codes = ["610602 001 001", "610602001001.0", "610602001.0", "6.10602E+11", "610699001001"]
    for r, code in zip(rows, codes, strict=True):
        r[8] = code
    _write_csv(landing, rows)
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, 5)
    loaded = con.execute("SELECT division_code FROM raw.assistance_roster ORDER BY _source_row").fetchall()
    assert loaded == [("610602001001",), ("610602001001",), ("610602001000",)]
    reasons = _reasons(con)
    assert [(r, code) for r, _, code, _ in reasons] == [(6, "code_as_number"), (7, "unknown_division")]
    assert "文本格式" in reasons[0][3]
    _no_clear_personal(con, report, _personal(rows))


# -- 4. a two-level header repeated at a page break --------------------------------------------------------------
def _two_level_header() -> tuple[list[str], list[str]]:
    upper, lower = list(ASSISTANCE_HEADER), [""] * len(ASSISTANCE_HEADER)
    upper[4], lower[4] = "户主信息", "身份证号码"
    upper[7], lower[7] = "保障金额", "（元）"
    return upper, lower


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_two_level_header_repeated_at_page_breaks(con, landing, region, hasher, kind: str) -> None:
    """Both rows of a two-level header repeated at each printed page: the sub-label row (身份证号码 under
    户主信息, （元） under 保障金额) was read as a data row and quarantined; both are repeated headers."""
    upper, lower = _two_level_header()
    rows = _rows(5)
    table = [[TITLE[0]], upper, lower, rows[0], rows[1], upper, lower, rows[2], [TITLE[0]], upper, lower]
    _write(landing, [*table, rows[3], rows[4], totals_row(rows)], kind)
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, 5)
    f = report.files[0]
    assert f.rows_loaded == 5 and _reasons(con) == []
    assert f.skipped == {"repeated_header": 4, "repeated_title": 1, "summary": 1} and f.totals_ok is True
    _no_clear_personal(con, report, _personal(rows))


# -- 5. placeholders for an empty cell ---------------------------------------------------------------------------
def test_placeholders_are_empty_cells(con, landing, region, hasher) -> None:
    """无, —, /, - in 残疾等级 (optional) mean no grade: loaded empty (the row was quarantined as an unknown
    category). In a required column they are 必填项为空; in an ID column 无 stays an invalid ID (personal
    columns are checked as they are); 否 is a word, not a placeholder."""
    placeholders = ["无", "—", "/", "-", "——", "\\"]
    rows = _rows(len(placeholders) + 3)
    for r, p in zip(rows, placeholders, strict=False):
        r[10] = p
    n = len(placeholders)
    rows[n][7] = "—"
    rows[n + 1][2] = "无"
    rows[n + 2][10] = "否"
    _write_csv(landing, rows)
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, len(rows))
    grades = con.execute("SELECT disability_grade FROM raw.assistance_roster").fetchall()
    assert grades == [(None,)] * n
    first = 3 + n
    assert [(r, col, code) for r, col, code, _ in _reasons(con)] == [
        (first, "保障金额(元)", "missing_required"),
        (first + 1, "身份证号码", "invalid_id"),
        (first + 2, "残疾等级", "unknown_category"),
    ]
    _no_clear_personal(con, report, [v for v in _personal(rows) if v != "无"])


def test_no_data_notes_and_placeholder_rows_are_not_data(con, landing, region, hasher) -> None:
    """A county with nothing to report writes 本月无数据 under the header, or fills a row with —: each was a
    data row quarantined with every required column empty. They are skipped and counted (footer, blank);
    a row with a 序号 and placeholders is still data (quarantined, the clerk has a row to delete)."""
    table = [[TITLE[0]], ASSISTANCE_HEADER, ["本月无数据"], ["—", "—", "—", "", "／"], ["（暂无数据）"]]
    table.append(["1", "—", "—", "—", "—", "—", "—", "—", "—", "—", "—"])
    _write(landing, table, "xlsx")
    report = _load(con, landing, region, hasher)
    (f,) = report.files
    assert f.status == "loaded" and f.rows_read == 4 and f.rows_loaded == 0 and f.rows_quarantined == 1
    assert f.skipped == {"footer": 2, "blank": 1}
    assert {r for r, *_ in _reasons(con)} == {6}


def test_yuan_per_month_header_is_the_yuan_column(con, landing, region, hasher) -> None:
    """保障金额（元/月） and 保障金额(元/人·月) name the 元 column (the file was refused as missing
    保障金额(元)); 保障金额(万元/月) is still another unit."""
    for n, (header_text, ok) in enumerate(
        [("保障金额（元/月）", True), ("保障金额(元/人·月)", True), ("保障金额(万元/月)", False)]
    ):
        for old in (landing / FOLDER).glob("*") if (landing / FOLDER).exists() else ():
            old.unlink()
        header = list(ASSISTANCE_HEADER)
        header[7] = header_text
        rows = _rows(2)
        _xlsx(landing / FOLDER / f"610602_宝塔区_{n}.xlsx", [[TITLE[0]], header, *rows])
        report = load_partition(
            con, ASSISTANCE, PERIOD, landing, region, hasher, raise_on_failure=False, force=True
        )
        (f,) = [f for f in report.files if f.source_file.endswith(f"_{n}.xlsx")]
        if ok:
            _reconciled(con, report, 2)
            assert _amounts(con) == [800.0, 800.0]
            _no_clear_personal(con, report, _personal(rows))
        else:
            assert f.status == "failed" and "缺少必需列：保障金额(元)" in (f.message or "")


def test_category_full_names_and_grade_forms_are_the_category(con, landing, region, hasher) -> None:
    """城市最低生活保障 / 农村居民最低生活保障 / 特困人员集中供养 (full names other systems export), 男性 / 女性,
    and 1级 / 二级残疾 / 残疾三级 for a disability grade were quarantined as unknown categories; they are
    the category. 城镇低保 and 五级 stay unknown."""
    cells = [
        (6, "城市最低生活保障", "城市低保"),
        (6, "农村居民最低生活保障", "农村低保"),
        (6, "特困人员集中供养", "特困集中供养"),
        (6, "特困人员分散供养", "特困分散供养"),
        (3, "女性", "女"),
        (10, "1级", "一级"),
        (10, "二级残疾", "二级"),
        (10, "残疾三级", "三级"),
    ]
    rows = _rows(len(cells) + 2)
    for r, (pos, written, _) in zip(rows, cells, strict=False):
        r[pos] = written
    rows[-2][6], rows[-1][10] = "城镇低保", "五级"
    _write_csv(landing, rows)
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, len(rows))
    got = con.execute(
        "SELECT program, gender, disability_grade FROM raw.assistance_roster ORDER BY _source_row"
    ).fetchall()
    expected = [{6: 0, 3: 1, 10: 2}[pos] for pos, *_ in cells]
    assert [row[i] for row, i in zip(got, expected, strict=True)] == [c for *_, c in cells]
    first_bad = 3 + len(cells)
    assert [(r, code) for r, _, code, _ in _reasons(con)] == [
        (first_bad, "unknown_category"),
        (first_bad + 1, "unknown_category"),
    ]
    _no_clear_personal(con, report, _personal(rows))


# -- 6. shapes verified to be handled already ----------------------------------------------------------------------
Shape = Callable[[Path, list[list[str]]], Path]


def _gb18030_bom(folder: Path, rows: list[list[str]]) -> Path:
    path = folder / "610602_宝塔区.csv"
    path.write_bytes(b"\x84\x31\x95\x33" + _csv_text(rows, ",").encode("gb18030"))
    return path


def _utf16_comma(folder: Path, rows: list[list[str]]) -> Path:
    path = folder / "610602_宝塔区.csv"
    path.write_bytes(_csv_text(rows, ",").encode("utf-16"))
    return path


def _blank_columns(folder: Path, rows: list[list[str]]) -> Path:
    spread = [[x for c in r for x in (c, "")] for r in [ASSISTANCE_HEADER, *rows, totals_row(rows)]]
    return _xlsx(folder / "610602_宝塔区.xlsx", [[TITLE[0]], *spread])


@pytest.mark.parametrize("shape", [_gb18030_bom, _utf16_comma, _blank_columns])
def test_already_handled_encodings_and_layouts(con, landing, region, hasher, shape: Shape) -> None:
    """GB18030 text with its own BOM (84 31 95 33), UTF-16 comma-separated text, an empty column after every
    data column: read. Serial dates (45444, 45460.5) in a CSV cell, a leading apostrophe on a number or
    an ID, full-width digits: read (a serial in July is outside the month)."""
    rows = _rows(4)
    rows[0][9], rows[1][9], rows[2][9] = "45444", "45460.5", "45474"  # 2024-06-01, 2024-06-17, 2024-07-01
    rows[1][7] = "'1,234.50"
    rows[3][2], rows[3][4], rows[3][5] = "'" + rows[3][2], "'" + rows[3][4], "２"
    (landing / FOLDER).mkdir(parents=True)
    shape(landing / FOLDER, rows)
    report = _load(con, landing, region, hasher)
    _reconciled(con, report, 4)
    got = con.execute(
        "SELECT _source_row, amount, pay_month, household_size FROM raw.assistance_roster ORDER BY 1"
    ).fetchall()
    assert [(float(a), m, s) for _, a, m, s in got] == [
        (800.0, dt.date(2024, 6, 1), 1),
        (1234.5, dt.date(2024, 6, 1), 1),
        (800.0, dt.date(2024, 6, 1), 2),
    ]
    assert [(col, code) for _, col, code, _ in _reasons(con)] == [("发放年月", "date_outside_period")]
    key = hasher.hash_series(pl.Series([rows[3][2][1:]])).item()
    assert con.execute(
        "SELECT person_key = household_key AND person_key = ? FROM raw.assistance_roster "
        "ORDER BY _source_row DESC LIMIT 1",
        [key],
    ).fetchone() == (True,)
    _no_clear_personal(con, report, [v.lstrip("'") for v in _personal(rows)])


def test_a_csv_row_in_any_encoding_keeps_its_line_number(con, landing, region, hasher) -> None:
    """The quarantined row's number is the line a clerk finds in the file, in GB18030 and UTF-16 alike."""
    for encoding in ("gb18030", "utf-16"):
        rows = _rows(3)
        rows[1][6] = "低保"
        for old in (landing / FOLDER).glob("*") if (landing / FOLDER).exists() else ():
            old.unlink()
        _write_csv(landing, rows, encoding)
        report = load_partition(
            con, ASSISTANCE, PERIOD, landing, region, hasher, raise_on_failure=False, force=True
        )
        _reconciled(con, report, 3)
        assert [(r, code) for r, _, code, _ in _reasons(con)] == [(4, "unknown_category")]
        _no_clear_personal(con, report, _personal(rows))
