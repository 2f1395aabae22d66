"""The simulator's quarterly 指标填报 files (minzheng_simulator/plan_reports.py) load through the real
template validator into a real DuckDB registry: every region of the prefecture reports the indicators
Jinmin does not hold, the silent county sends nothing for the latest quarter, and a file with one bad cell
is rejected whole with its row and column."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import pytest

from dagster_project.targets import registry
from dagster_project.targets.validate import TemplateValidationError, load_target_template
from minzheng_simulator.plan_reports import plan_report_rows, quarter_ends, write_plan_reports


def test_quarter_ends_cover_only_finished_quarters() -> None:
    assert [d.isoformat() for d in quarter_ends("2024-11", "2025-08")] == [
        "2024-12-31",
        "2025-03-31",
        "2025-06-30",
    ]


def test_simulated_reports_load_through_the_validator(tmp_path: Path) -> None:
    files = write_plan_reports(tmp_path, "2025-01", "2025-06", silent=("610630",))
    names = {p.name for p in files}
    assert "指标填报_610630_202503.xlsx" in names and "指标填报_610630_202506.xlsx" not in names
    assert "指标填报_610600_202506.xlsx" in names  # the bureau reports the prefecture-only indicators
    counties = {
        c for c, r in registry.load_regions().items() if r.level == "county" and r.prefecture_code == "610600"
    }
    assert {p.name.split("_")[1] for p in files} == counties | {"610600"}

    indicators = registry.load_indicators()
    con = duckdb.connect(str(tmp_path / "registry.duckdb"))
    loaded = 0
    for path in sorted(files):
        result = load_target_template(path, con=con, loaded_by="模拟填报")
        loaded += result.reported_added
    rows = con.execute(
        "SELECT region_code, indicator_code, as_of_date, value, achieved FROM raw.plan_reported_value_upload"
    ).fetchall()
    assert len(rows) == loaded > 0
    assert all(indicators[code].measure is None for _, code, *_ in rows)  # only what Jinmin does not hold
    assert {str(d) for _, _, d, _, _ in rows} == {"2025-03-31", "2025-06-30"}
    who = con.execute("SELECT DISTINCT loaded_by FROM raw.plan_upload_audit").fetchall()
    assert who == [("模拟填报",)]


def test_one_bad_cell_rejects_the_whole_file(tmp_path: Path) -> None:
    (path,) = [p for p in write_plan_reports(tmp_path, "2025-04", "2025-06") if "610602" in p.name]
    book = openpyxl.load_workbook(path)
    ws = book["完成值"]
    numeric = next(r for r in range(2, ws.max_row + 1) if isinstance(ws.cell(r, 6).value, (int, float)))
    ws.cell(numeric, 6).value = "约八成"
    book.save(path)
    con = duckdb.connect(str(tmp_path / "registry.duckdb"))
    with pytest.raises(TemplateValidationError) as failure:
        load_target_template(path, con=con, loaded_by="模拟填报")
    message = str(failure.value)
    assert f"第{numeric}行" in message or f"row {numeric}" in message, message
    assert "完成值" in message and "约八成" in message
    tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "plan_reported_value_upload" in tables:
        assert con.execute("SELECT count(*) FROM raw.plan_reported_value_upload").fetchone() == (0,)


def test_values_head_for_the_target_at_each_regions_pace() -> None:
    early = plan_report_rows("610600", quarter_ends("2021-06", "2021-06")[0])
    late = plan_report_rows("610600", quarter_ends("2025-06", "2025-06")[0])
    code = next(r["指标代码"] for r in late["610600"] if r["完成值"] != "")
    before = next(r["完成值"] for r in early["610600"] if r["指标代码"] == code)
    after = next(r["完成值"] for r in late["610600"] if r["指标代码"] == code)
    assert before != after
