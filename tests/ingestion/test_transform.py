"""Every kind of dirt in a Jinmin export ends in quarantine with the right reason, or is normalised."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from dagster_project.ingestion.readers import read_export
from dagster_project.ingestion.spec import ASSISTANCE
from dagster_project.ingestion.transform import transform

from .exports import TOWNSHIP, clean_row, person_id, write_xlsx, wrong_check


def _run(tmp_path: Path, rows, ctx, hasher):
    sheet = read_export(write_xlsx(tmp_path / "610602_宝塔区.xlsx", rows), ASSISTANCE)
    return sheet, transform(sheet.frame, ASSISTANCE, ctx, hasher)


def _reasons(result) -> dict[int, set[tuple[str, str]]]:
    out: dict[int, set[tuple[str, str]]] = {}
    for row in result.quarantine.iter_rows(named=True):
        out.setdefault(row["_source_row"], set()).add((row["column_name"], row["reason_code"]))
    return out


def test_each_kind_of_dirt_is_quarantined_with_its_reason(tmp_path: Path, ctx, hasher) -> None:
    rows = [clean_row(i) for i in range(1, 12)]
    rows[0][2] = wrong_check("61060219800101123")  # excel row 4
    rows[1][1] = ""  # blank name, row 5
    rows[2][7] = "-120"  # negative amount, row 6
    rows[3][7] = "待核"  # text amount, row 7
    rows[4][9] = "2024年13月"  # unparseable month, row 8
    rows[5][9] = "2024-05"  # outside the partition month, row 9
    rows[6][8] = "610699001001"  # division of another county, row 10
    rows[7][6] = "低保"  # unknown category, row 11
    rows[8][2] = "61060219800101"  # too short an ID, row 12
    rows[10] = list(rows[9])  # exact duplicate of row 13 -> row 14
    sheet, result = _run(tmp_path, rows, ctx, hasher)
    assert _reasons(result) == {
        4: {("身份证号码", "invalid_id")},
        5: {("姓名", "missing_required")},
        6: {("保障金额(元)", "negative_value")},
        7: {("保障金额(元)", "not_a_number")},
        8: {("发放年月", "bad_date")},
        9: {("发放年月", "date_outside_period")},
        10: {("行政区划代码", "unknown_division")},
        11: {("救助类别", "unknown_category")},
        12: {("身份证号码", "invalid_id")},
        14: {("整行", "duplicate_row")},
    }
    assert result.loaded["_source_row"].to_list() == [13]
    assert result.loaded.height + result.quarantine["_source_row"].n_unique() == sheet.frame.height
    dup = result.quarantine.filter(pl.col("reason_code") == "duplicate_row")["reason"][0]
    assert dup.startswith("第14行") and "第13行" in dup


def test_normalisable_dirt_is_loaded_not_quarantined(tmp_path: Path, ctx, hasher) -> None:
    rows = [clean_row(i) for i in range(1, 8)]
    full_width = person_id("61060219800101123").translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    rows[0][2] = rows[0][4] = full_width  # full-width digits in the ID
    rows[1][7] = "８００.５０"  # full-width amount
    for i, month in enumerate(["2024年6月", "202406", "45444", "2024/06", "2024-06-15"], start=2):
        rows[i][9] = month
    sheet, result = _run(tmp_path, rows, ctx, hasher)
    assert result.quarantine.height == 0, result.quarantine
    assert result.loaded["pay_month"].to_list() == [dt.date(2024, 6, 1)] * 7
    assert result.loaded["amount"][1] == 800.5
    assert result.loaded["person_key"][0] == hasher.digest(person_id("61060219800101123"))
    assert result.loaded["birth_year"][0] == 1980


def test_quarantine_never_holds_clear_personal_values(tmp_path: Path, ctx, hasher) -> None:
    rows = [clean_row(1, name="欧阳清风")]
    bad_id = wrong_check("61060219800101123")
    rows[0][2] = bad_id
    _, result = _run(tmp_path, rows, ctx, hasher)
    text = result.quarantine.write_csv()
    assert "欧阳清风" not in text and bad_id not in text
    assert result.quarantine["raw_value"][0] == hasher.digest(bad_id)


def test_township_must_belong_to_the_file_county(tmp_path: Path, ctx, hasher) -> None:
    rows = [clean_row(1), clean_row(2)]
    rows[0][8] = TOWNSHIP  # 9-digit township code is padded and accepted
    rows[1][8] = "610603100001"
    _, result = _run(tmp_path, rows, ctx, hasher)
    assert result.loaded["division_code"].to_list() == [f"{TOWNSHIP}000"]
    assert result.quarantine["reason_code"].to_list() == ["unknown_division"]


def test_normalise_text_matches_its_reference_definition() -> None:
    """normalise_text only rewrites the cells that need it; the result equals the plain definition."""
    import polars as pl

    from dagster_project.ingestion.normalize import normalise_text, normalise_text_reference

    cells = [
        "１２３",
        "  ａ ",
        "\u3000",
        "",
        None,
        "2024。6",
        "x，y",
        "ok",
        " \t",
        "全角：（）",
        "张三",
        "800元",
    ]
    frame = pl.DataFrame({"v": cells * 50})
    got = frame.select(normalise_text(pl.col("v")).alias("v"))["v"].to_list()
    want = frame.select(normalise_text_reference(pl.col("v")).alias("v"))["v"].to_list()
    assert got == want
    assert got[:5] == ["123", "a", None, None, None]
    clean = pl.DataFrame({"v": ["610602", "张三", "2024-06"]})  # nothing to do: returned as it is
    assert frame.select(normalise_text(pl.col("v")).alias("v")).height == 600
    assert clean.select(normalise_text(pl.col("v")).alias("v"))["v"].to_list() == [
        "610602",
        "张三",
        "2024-06",
    ]
