"""No personal value in clear, wherever a file puts it: loaded into a real DuckDB, then every VARCHAR value
of every table, every report message and the exception text searched for the planted clear values.

Also: invisible characters and the ="…" wrapper do not make a visible header or a valid ID fail."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter

from dagster_project.ingestion.errors import PartitionLoadError
from dagster_project.ingestion.pipeline import PartitionReport, load_partition
from dagster_project.ingestion.redact import (
    MASK_HIDDEN,
    MASK_LABEL,
    MASK_MULTILINE,
    SHOWN_AS_IS,
    redact_file_name,
    redact_label,
    redact_public,
    redact_text,
    redact_value,
    shown_words,
)
from dagster_project.ingestion.spec import ASSISTANCE, ELDERCARE

from .conftest import PERIOD
from .exports import ASSISTANCE_HEADER, TITLE, TOWNSHIP, clean_row, write_xlsx

FOLDER = "assistance/2024-06"
# Personal values a shifted or mistyped cell puts into a non-personal column: names outside the BMP
# (GB18030), in CJK Ext-A, with a rare compound surname, with the minority '·', of 5 characters, and
# landlines in four spellings.
PLANTED = [
    "𠮷祥",
    "刘䶮",
    "亓官雪",
    "买买提·艾力",
    "欧阳娜娜丽",
    "0911-8234567",
    "09118234567",
    "(0911)8234567",
    "0911 8234567",
    "8234567",
    "13912345678",
]


def _all_text(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(table, column, value) of every VARCHAR value of every table in the warehouse."""
    out = []
    cols = con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE data_type = 'VARCHAR'"
    ).fetchall()
    for schema, table, column in cols:
        for (v,) in con.execute(
            f'SELECT DISTINCT "{column}" FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL'
        ).fetchall():
            out.append((f"{schema}.{table}", column, v))
    return out


def _messages(report: PartitionReport) -> list[str]:
    return [f.message for f in report.files if f.message] + [str(e) for e in report.failures]


def assert_nowhere(con: duckdb.DuckDBPyConnection, texts: list[str], clear: list[str]) -> None:
    values = _all_text(con)
    assert values, "nothing loaded"
    for table, column, value in values:
        for c in clear:
            assert c not in value, (table, column, c)
    for text in texts:
        for c in clear:
            assert c not in text, (c, text)


def _csv(path: Path, rows: list[list[str]], encoding: str = "gb18030", header=ASSISTANCE_HEADER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([TITLE[0]])
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _reconciles(con: duckdb.DuckDBPyConnection, table: str = "assistance_roster") -> tuple[int, int]:
    read, loaded, quarantined, skipped = con.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined, rows_skipped FROM raw.load_audit"
    ).fetchone()
    assert con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0] == loaded
    assert con.execute("SELECT count(DISTINCT source_row) FROM raw.quarantine").fetchone()[0] == quarantined
    assert read == loaded + quarantined + skipped
    return loaded, quarantined


# -- Finding 4: a stray quote swallows the next records into one cell ------------------------------------
def test_records_swallowed_by_a_stray_quote_are_hidden(con, landing, region, hasher) -> None:
    names = ["李娜", "刘洋", "陈静", "赵敏"]
    rows = [clean_row(i, name=n) for i, n in enumerate(names, start=1)]
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\r\n")
    w.writerow([TITLE[0]])
    w.writerow(ASSISTANCE_HEADER)
    w.writerow(rows[0])
    # row 2: the clerk typed "二级 (an opening quote never closed) in 残疾等级
    text.write(",".join(rows[1][:-1]) + ',"二级\r\n')
    for r in rows[2:]:
        w.writerow(r)
    path = landing / FOLDER / "610602_宝塔区.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(text.getvalue().encode("gbk"))

    report = load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher, raise_on_failure=False)

    assert [f.status for f in report.files] == ["loaded"]
    loaded, quarantined = _reconciles(con)
    assert (loaded, quarantined) == (1, 1)
    raw_values = [v for (v,) in con.execute("SELECT raw_value FROM raw.quarantine").fetchall() if v]
    assert raw_values == [MASK_MULTILINE]
    record = json.loads(con.execute("SELECT record_json FROM raw.quarantine LIMIT 1").fetchone()[0])
    assert record["disability_grade"] == MASK_MULTILINE
    ids = [r[2] for r in rows]
    assert_nowhere(con, _messages(report), [*names, *ids])


# -- Finding 5: personal values in non-personal columns ------------------------------------------------
def test_personal_values_in_other_columns_never_in_clear(con, landing, region, hasher) -> None:
    rows = [clean_row(i) for i in range(1, len(PLANTED) + 3)]
    columns = [3, 6, 10, 0, 9, 5]  # 性别, 救助类别, 残疾等级, 序号, 发放年月, 家庭人口 (a number there:
    for i, value in enumerate(PLANTED):  # out of range)
        rows[i][5 if value.isdigit() else columns[i % len(columns)]] = value
    # dirt that is not personal stays visible so the clerk can fix it
    rows[-2][6] = "城乡低保"
    rows[-1][9] = "2024年13月"
    _csv(landing / FOLDER / "610602_宝塔区.csv", rows)

    report = load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher, raise_on_failure=False)

    assert [f.status for f in report.files] == ["loaded"]
    loaded, quarantined = _reconciles(con)
    assert (loaded, quarantined) == (0, len(rows))
    assert_nowhere(con, _messages(report), PLANTED)
    shown = {v for (v,) in con.execute("SELECT raw_value FROM raw.quarantine").fetchall()}
    assert {"城乡低保", "2024年13月"} <= shown
    assert MASK_HIDDEN in shown
    # every quarantined row tells the clerk the row, the column and what was expected
    for source_row, column, reason in con.execute(
        "SELECT source_row, column_name, reason FROM raw.quarantine"
    ).fetchall():
        assert reason.startswith(f"第{source_row}行「{column}」") and "应为" in reason


def test_sheet_names_are_not_shown_in_messages(con, landing, region, hasher) -> None:
    """A workbook with one sheet per person and no roster header: the failure names no one."""
    path = landing / FOLDER / "610602_宝塔区.xlsx"
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    for sheet in ("赵敏", "亓官雪", "6月"):
        wb.add_worksheet(sheet).write_string(0, 0, f"{sheet}家庭情况")
    wb.close()

    with pytest.raises(PartitionLoadError) as exc:
        load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher)

    message = str(exc.value)
    # a personal sheet name is given by its position among the visible sheets (readers._sheet_label)
    assert "找不到" in message and "第1个工作表（名称已脱敏）" in message and "6月" in message
    assert_nowhere(con, [message], ["赵敏", "亓官雪"])
    history = con.execute("SELECT message FROM raw.load_audit_history").fetchall()
    assert history and all("第2个工作表（名称已脱敏）" in m for (m,) in history)


def test_a_persons_name_in_the_file_name_is_not_recorded(con, landing, region, hasher) -> None:
    write_xlsx(landing / FOLDER / "610602_宝塔区_亓官雪_0911-8234567.xlsx", [clean_row(1), clean_row(2)])

    report = load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher)

    assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", 2)]
    assert report.files[0].source_file.startswith(f"{FOLDER}/610602_宝塔区_")
    assert_nowhere(con, _messages(report), ["亓官雪", "8234567"])


def test_public_columns_stay_readable_in_the_quarantined_record(con, landing, region, hasher) -> None:
    """An eldercare institution's name is public: shown in record_json; a name on several lines is not
    one institution's cell and is hidden."""
    header = [c.header for c in ELDERCARE.columns]
    beds = ["x", "20", "30", "", "3", TOWNSHIP]  # 床位总数 "x": quarantined
    rows = [
        ["1", "宝塔区社会福利中心", "12610600MB2960457X", "公办养老院", *beds],
        ["2", "宝塔区\r\n幸福院", "12610600MB2960458X", "公办养老院", *beds],
    ]
    path = landing / "eldercare/2024-06/610602_宝塔区.csv"
    _csv(path, rows, "utf-8-sig", header)

    load_partition(con, ELDERCARE, PERIOD, landing, region, hasher, raise_on_failure=False)

    records = [json.loads(r) for (r,) in con.execute("SELECT record_json FROM raw.quarantine").fetchall()]
    names = {r["institution_name"] for r in records}
    assert names == {"宝塔区社会福利中心", MASK_MULTILINE}
    assert {r["beds_total"] for r in records} == {"x"}


# -- Finding 11: invisible characters and the ="…" wrapper -----------------------------------------------
@pytest.mark.parametrize("hidden", ["\u200b", "\ufeff", "\u2060", "\u00ad", "\u200c", "\u200d"])
def test_a_header_with_an_invisible_character_is_found(hidden, con, landing, region, hasher) -> None:
    header = list(ASSISTANCE_HEADER)
    header[4] = "户主身份证" + hidden + "号码" + hidden
    header[1] = hidden + "姓名"
    write_xlsx(landing / FOLDER / "610602_宝塔区.xlsx", [clean_row(1), clean_row(2)], header=header)

    report = load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher)

    assert [(f.status, f.rows_loaded, f.rows_quarantined) for f in report.files] == [("loaded", 2, 0)]


def test_ids_with_invisible_characters_or_excel_wrappers_are_loaded(con, landing, region, hasher) -> None:
    rows = [clean_row(i) for i in range(1, 6)]
    plain = [r[2] for r in rows]
    rows[0][2] = plain[0] + "\u200b"
    rows[1][2] = f'="{plain[1]}"'
    rows[2][2] = "'" + plain[2]
    rows[3][2] = "\ufeff" + plain[3]
    rows[4][4] = f'="{plain[4]}"'  # 户主身份证号码
    rows[4][1] = "张\u200b三"  # the name hashes as the name the clerk sees
    _csv(landing / FOLDER / "610602_宝塔区.csv", rows, "utf-8-sig")

    report = load_partition(con, ASSISTANCE, PERIOD, landing, region, hasher)

    assert [(f.rows_loaded, f.rows_quarantined) for f in report.files] == [(5, 0)]
    keys = [
        k
        for (k,) in con.execute(
            "SELECT person_key FROM raw.assistance_roster ORDER BY _source_row"
        ).fetchall()
    ]
    assert keys == [hasher.digest(p) for p in plain]
    head = con.execute("SELECT household_key FROM raw.assistance_roster WHERE _source_row = 7").fetchone()
    assert head == (hasher.digest(plain[4]),)
    names = {k for (k,) in con.execute("SELECT DISTINCT name_key FROM raw.assistance_roster").fetchall()}
    assert names == {hasher.digest("张三")}


def test_normalise_text_strips_invisible_characters_and_unwraps() -> None:
    from dagster_project.ingestion.normalize import normalise_header, normalise_text, normalise_text_reference

    cells = [
        "610602\u200b",
        '="6106021"',
        "'61060",
        "a\u00adb",
        "\ufeffx",
        "\u2060",
        '=""',
        ' =" 12 " ',
        "ok",
    ]
    frame = pl.DataFrame({"v": cells * 20})
    got = frame.select(normalise_text(pl.col("v")).alias("v"))["v"].to_list()
    want = frame.select(normalise_text_reference(pl.col("v")).alias("v"))["v"].to_list()
    assert got == want
    assert got[: len(cells)] == ["610602", "6106021", "61060", "ab", "x", None, None, "12", "ok"]
    assert (
        normalise_header("户主身份证号码\u200b")
        == normalise_header("\ufeff户主身份证号码")
        == "户主身份证号码"
    )


# -- The allowlist itself ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        "待核",
        "800.00",
        "1,234.50",
        "800元",
        "2024-06",
        "2024年6月5日",
        "六月",
        "20240605",
        "610602001001",
        "城市低保",
        "城乡低保",
        "二级",
        "三级x",
        "男",
        "TRUE",
        "#VALUE!",
        "nan",
        "-5",
        "(100)",
        "80%",
        "￥800",
        "91610602MA6YX8L12Q",
        "a" * 64,
        "保障金额(元)",
        "宝塔区2024年6月城乡低保对象花名册",
        "Sheet1",
    ],
)
def test_values_that_are_not_personal_are_shown(value: str) -> None:
    assert redact_value(value) == value


@pytest.mark.parametrize(
    "value",
    [
        *PLANTED,
        "张三",
        "张",
        "张3",
        "Zhang San",
        "王小明家",
        "张\u200b三",
        "610602198001011234",
        "6.10602E+17",
        "6222021234567890123",
        "x" * 100,
        "二级\r\n3,李娜",
    ],
)
def test_everything_else_is_hidden(value: str) -> None:
    shown = redact_value(value) or ""
    assert shown != value and value not in shown
    assert "［" in shown


def test_placeholders_survive_a_second_pass() -> None:
    for mask in (MASK_HIDDEN, MASK_MULTILINE, MASK_LABEL, redact_value("联系电话0911-8234567")):
        assert redact_value(mask) == mask
    assert redact_label("赵敏") == MASK_LABEL
    assert redact_public("敬老院 0911-8234567") == redact_text("敬老院 0911-8234567") != "敬老院 0911-8234567"
    assert redact_file_name("assistance/2024-06/610602_宝塔区_更正1.xlsx") == (
        "assistance/2024-06/610602_宝塔区_更正1.xlsx"
    )
    assert "亓官雪" not in redact_file_name("assistance/2024-06/610602_宝塔区_亓官雪.xlsx")


def test_the_vectorised_shortcut_agrees_with_redact_value() -> None:
    """transform skips the cells SHOWN_AS_IS matches and the category values: redact_value keeps them."""
    import re

    samples = [
        "0",
        "800",
        "800.50",
        "123456",
        "1,234,567.50",
        "2024-06",
        "2024-06-05",
        "610602001",
        "610602001001",
    ]
    for v in samples:
        assert re.match(SHOWN_AS_IS, v) and redact_value(v) == v, v
    for v in ["1234567", "13912345678", "0911823456", "061060200100", "610602198001011234"]:
        assert not re.match(SHOWN_AS_IS, v), v
    for v in shown_words():
        assert redact_value(v) == v, v


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("第1批", True),
        ("第12页", True),
        ("填表说明", True),
        ("空模板", True),
        ("上半月", True),
        ("第1批张三", False),
        ("第张三", False),
    ],
)
def test_ordinals_and_file_words_are_shown_names_are_not(value: str, shown: bool) -> None:
    assert (redact_value(value) == value) is shown
