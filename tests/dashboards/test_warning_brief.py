"""The early-warning brief from hand-made marts: one sheet (Excel) or page (PDF) for the prefecture and one
per county in code order, the as-of month on every page, binding indicators first, the figures as the marts
print them, a county without warnings says so, and no personal data."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import openpyxl
import pytest
from pypdf import PdfReader

from dagster_project.briefs.warning_brief import write_warning_brief
from dagster_project.briefs.warning_brief_pdf import write_warning_brief_pdf


@pytest.fixture
def marts() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    con.execute(
        """CREATE TABLE marts.mart_publish_status AS SELECT '610600' AS prefecture_code, '延安市' AS
           prefecture_name_zh, DATE '2025-06-01' AS as_of_month, '2025年6月' AS as_of_label_zh,
           '2025-07-03 09:15（北京时间）' AS loaded_at_label_zh, '金民工程月度导出' AS data_source_zh"""
    )
    con.execute(
        """CREATE TABLE marts.dim_region AS SELECT * FROM (VALUES
           ('610600', NULL, NULL), ('610600', '610603', '安塞区'), ('610600', '610602', '宝塔区'),
           ('610600', '610602', '宝塔区'), ('610600', '610602', '宝塔区'), ('610600', '610603', '安塞区'),
           ('610100', '610102', '新城区')) AS t(prefecture_code, county_code, county_name_zh)"""
        # dim_region has a row per county and per township: a county appears once per township
    )
    con.execute(
        """CREATE TABLE marts.mart_plan_warning AS SELECT * FROM (VALUES
           ('610602', '610600', '每千名老年人养老床位数', '预期性', false, '≥40张', '31张', '进度滞后',
            '35张', '进度滞后，且按趋势预计未达标', 12),
           ('610602', '610600', '养老机构护理型床位占比', '约束性', true, '≥55%', '48.2%', '进度滞后',
            '52.1%', '进度滞后，且按趋势预计未达标', 1),
           ('610600', '610600', '街道养老服务机构覆盖率', '预期性', false, '≥100%', '28.57%', '符合进度',
            '80%', '按趋势预计未达标', 13),
           ('610102', '610100', '外市指标', '约束性', true, '≥1', '0', '进度滞后', '0', '进度滞后', 2))
           AS t(region_code, prefecture_code, indicator_name_zh, attribute_zh, is_binding, target_label_zh,
                actual_label_zh, status_zh, projected_label_zh, warning_reason_zh, warning_order)"""
    )
    return con


def test_brief_has_one_page_per_region_binding_first(
    marts: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    result = write_warning_brief(marts, tmp_path)

    assert result.path == tmp_path / "规划目标预警简报_202506.xlsx"
    assert result.sheets == {"延安市": 1, "宝塔区": 2, "安塞区": 0}
    book = openpyxl.load_workbook(result.path)
    assert book.sheetnames == ["延安市", "宝塔区", "安塞区"]  # prefecture, then code order; no other city
    for ws in book.worksheets:
        assert "2025年6月" in ws["A2"].value and "2025-07-03 09:15" in ws["A2"].value
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    baota = book["宝塔区"]
    assert [c.value for c in baota[5]] == [
        "序号",
        "指标",
        "属性",
        "目标",
        "实际",
        "进度状态",
        "按趋势至规划期末",
        "预警原因",
    ]
    assert [c.value for c in baota[6]][:7] == [
        1,
        "养老机构护理型床位占比",
        "约束性",
        "≥55%",
        "48.2%",
        "进度滞后",
        "52.1%",
    ]
    assert baota["B7"].value == "每千名老年人养老床位数"
    assert "约束性指标 1 项" in baota["A3"].value
    assert "本期无预警指标" in book["安塞区"]["A3"].value
    assert not list(tmp_path.glob("*.tmp.xlsx"))


def test_brief_refuses_an_empty_warehouse(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.mart_publish_status (prefecture_code VARCHAR, as_of_month DATE, as_of_label_zh VARCHAR)"
    )
    with pytest.raises(ValueError, match="尚无已入库的数据"):
        write_warning_brief(con, tmp_path)


ID_OR_PHONE = re.compile(r"\d{17}[\dXx]|\b1[3-9]\d{9}\b")


def _pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_pdf_brief_has_one_page_per_region_with_the_figures(
    marts: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    result = write_warning_brief_pdf(marts, tmp_path)

    assert result.path == tmp_path / "规划目标预警简报_202506.pdf"
    assert result.sheets == {"延安市": 1, "宝塔区": 2, "安塞区": 0}
    pages = _pdf_pages(result.path)
    assert len(pages) == 3  # the prefecture, then one page per county in code order
    for name, text in zip(["延安市", "宝塔区", "安塞区"], pages, strict=True):
        assert f"{name}规划目标预警简报" in text
        assert "数据截至：2025年6月" in text and "2025-07-03 09:15" in text
        assert "外市指标" not in text and not ID_OR_PHONE.search(text)
    baota = pages[1]
    # binding first, with its figures as the marts print them
    assert baota.index("养老机构护理型床位占比") < baota.index("每千名老年人养老床位数")
    for figure in ("≥55%", "48.2%", "52.1%", "进度滞后", "约束性指标 1 项"):
        assert figure in baota, figure
    assert "本期无预警指标" in pages[2]
    assert not list(tmp_path.glob("*.tmp.pdf"))


def test_pdf_brief_keeps_a_long_list_on_one_page(marts: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    marts.execute(
        """INSERT INTO marts.mart_plan_warning SELECT '610603', '610600', '指标' || i, '预期性', false,
           '≥100%', '50%', '进度滞后', '60%', '进度滞后，且按趋势预计未达标', 20 + i FROM range(40) t(i)"""
    )
    pages = _pdf_pages(write_warning_brief_pdf(marts, tmp_path).path)
    assert len(pages) == 3
    assert "指标39" in pages[2] and "本期预警指标 40 项" in pages[2]
