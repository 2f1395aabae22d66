"""The staff template: written with Chinese headers and the registry's rows, read back unchanged, loaded into
the warehouse registry (raw.plan_*_upload) as one load, and every kind of bad row rejected with its file, row
and column, writing nothing (all or nothing). The shipped seeds are never written."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import fastexcel
import pytest

from dagster_project.settings import SEEDS_DIR
from dagster_project.targets import (
    TemplateValidationError,
    load_target_template,
    store,
    write_target_template,
)
from dagster_project.targets.registry import RegistryRows, current_rows

SEEDS = SEEDS_DIR
HEADER = "区划代码,区划名称,指标代码,指标名称,基期年份,基期值,目标年份,比较符,目标值,目标原文,指标属性,来源文件,来源条款\n"
YANAN_PLAN = "延安市“十四五”民政事业发展规划"


@dataclass
class Registry:
    """A copy of the shipped seeds and a warehouse file: what load_target_template reads and writes."""

    seeds: Path
    con: duckdb.DuckDBPyConnection

    def rows(self) -> RegistryRows:
        return current_rows(self.seeds, store.uploaded_rows(self.con))


@pytest.fixture
def seeds(tmp_path: Path) -> Iterator[Registry]:
    dest = tmp_path / "seeds"
    dest.mkdir()
    for path in SEEDS.glob("*.csv"):
        if path.name.startswith(("ref_plan_", "ref_region")):
            shutil.copy2(path, dest / path.name)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield Registry(dest, con)
    con.close()


def digest(reg: Registry) -> tuple[dict[str, str], tuple[int, ...]]:
    """The seed files' hashes and the row counts of every registry table (uploads and audit)."""
    store.ensure_tables(reg.con)
    counts = tuple(
        reg.con.execute(f"select count(*) from {t}").fetchone()[0]
        for t in (store.TARGET_TABLE, store.REPORTED_TABLE, store.DOCUMENT_TABLE, store.AUDIT_TABLE)
    )
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(reg.seeds.glob("*.csv"))}
    return files, counts


def write_csv(path: Path, body: str, encoding: str = "utf-8-sig") -> Path:
    path.write_bytes((HEADER + body).encode(encoding))
    return path


def test_template_round_trip_leaves_the_registry_unchanged(seeds, tmp_path):
    before, rows_before = digest(seeds), seeds.rows()
    template = write_target_template(tmp_path / "规划目标填报模板.xlsx", con=seeds.con, seeds_dir=seeds.seeds)
    reader = fastexcel.read_excel(str(template))
    assert reader.sheet_names == ["填写说明", "目标值", "完成值", "指标字典", "区划代码", "来源文件"]
    header = reader.load_sheet("目标值", header_row=None, n_rows=1, dtypes="string").to_polars().row(0)
    assert header[:4] == ("区划代码*", "区划名称", "指标代码", "指标名称") and "比较符*" in header
    targets = reader.load_sheet("目标值", dtypes="string").to_polars()
    assert targets.height == len(seeds.rows().targets) + len(seeds.rows().breakdown)
    result = load_target_template(template, con=seeds.con, seeds_dir=seeds.seeds)
    assert result.targets_updated == targets.height - result.breakdown_updated and result.targets_added == 0
    assert result.reported_updated == len(seeds.rows().reported)
    assert seeds.rows() == rows_before  # every row read back as it was written
    assert digest(seeds)[0] == before[0]  # the seeds are not written; the load is in the warehouse


def test_template_of_one_city_holds_only_its_regions(seeds, tmp_path):
    template = write_target_template(
        tmp_path / "t.xlsx", con=seeds.con, seeds_dir=seeds.seeds, prefecture_code="370900"
    )
    reader = fastexcel.read_excel(str(template))
    targets = reader.load_sheet("目标值", dtypes="string").to_polars()
    assert set(targets["区划代码*"]) == {"370900"} and targets.height == 27
    regions = reader.load_sheet("区划代码", dtypes="string").to_polars()
    assert set(regions["区划代码"]) == {"370900", "370902", "370911", "370921", "370923", "370982", "370983"}


def test_new_and_changed_targets_are_merged(seeds, tmp_path):
    before = {r["indicator_code"]: r for r in seeds.rows().targets if r["region_code"] == "610600"}
    path = write_csv(
        tmp_path / "t.csv",
        (
            f"610600,延安市,nursing_bed_share,,2020,48,2025,≥,58%,,约束性,{YANAN_PLAN},第三章(二)\n"
            "610602,延安市宝塔区,,社会工作专业人才,2020,0,2025,不少于,600,,,宝塔区民政事业发展规划,第四章\n"
        ),
    )
    result = load_target_template(path, con=seeds.con, seeds_dir=seeds.seeds)
    assert (result.targets_updated, result.targets_added, result.breakdown_added, result.documents_added) == (
        1,
        0,
        1,
        1,
    )
    after = {r["indicator_code"]: r for r in seeds.rows().targets if r["region_code"] == "610600"}
    assert (
        after["nursing_bed_share"]["target_value"] == "58"
        and after["nursing_bed_share"]["baseline_value"] == "48"
    )
    assert after["nursing_bed_share"]["source_document"] == "yanan_14th_civil_affairs_plan"
    assert {k: v for k, v in after.items() if k != "nursing_bed_share"} == {
        k: v for k, v in before.items() if k != "nursing_bed_share"
    }
    county = [
        r
        for r in seeds.rows().breakdown
        if r["region_code"] == "610602" and r["indicator_code"] == "social_work_professionals"
    ]
    assert county and county[0]["operator"] == ">=" and county[0]["target_value"] == "600"
    docs = {d["title_zh"]: d["document_code"] for d in seeds.rows().documents}
    assert county[0]["source_document"] == docs["宝塔区民政事业发展规划"]


def test_gbk_csv_with_ratio_and_qualitative_targets(seeds, tmp_path):
    path = write_csv(
        tmp_path / "gbk.csv",
        (
            f"610600,,,城乡低保标准之比,2020,1.4:1,2025,≤,1.3:1,,预期性,{YANAN_PLAN},第二章(三)\n"
            f"610600,延安,plan_target_adjustment_mechanism,,2020,,2025,定性,动态调整机制已建立,,,{YANAN_PLAN},第七章(六)\n"
        ),
        encoding="gb18030",
    )
    load_target_template(path, con=seeds.con, seeds_dir=seeds.seeds)
    rows = {r["indicator_code"]: r for r in seeds.rows().targets if r["region_code"] == "610600"}
    ratio = rows["dibao_standard_ratio_urban_rural"]
    assert (ratio["operator"], ratio["target_value"], ratio["baseline_value"]) == ("ratio<=", "1.3", "1.4")
    qualitative = rows["plan_target_adjustment_mechanism"]
    assert qualitative["operator"] == "qualitative" and qualitative["target_text"] == "动态调整机制已建立"
    assert qualitative["target_value"] == ""


BAD_ROWS = [
    # (row body, column of the problem, words the Chinese message contains)
    (f"610600,,no_such_indicator,,2020,,2025,>=,55,,,{YANAN_PLAN},x", "指标代码", "未知的指标代码"),
    (f"610600,,,护理床位比例,2020,,2025,>=,55,,,{YANAN_PLAN},x", "指标名称", "未知的指标名称"),
    (f"610600,,nursing_bed_share,城乡低保标准之比,2020,,2025,>=,55,,,{YANAN_PLAN},x", "指标名称", "不符"),
    (f"610600,,nursing_bed_share,,2020,,2025,≈,55,,,{YANAN_PLAN},x", "比较符", "无效的比较符"),
    (f"610600,,dibao_standard_ratio_urban_rural,,2020,,2025,>=,1.3:1,,,{YANAN_PLAN},x", "比较符", "越低越好"),
    (f"610600,,plan_target_adjustment_mechanism,,2020,,2025,>=,1,,,{YANAN_PLAN},x", "比较符", "定性指标"),
    (
        f"610600,,plan_target_adjustment_mechanism,,2020,,2025,qualitative,,,,{YANAN_PLAN},x",
        "目标原文",
        "定性目标",
    ),
    (f"999999,,nursing_bed_share,,2020,,2025,>=,55,,,{YANAN_PLAN},x", "区划代码", "未知的区划代码"),
    (f"610602001,,nursing_bed_share,,2020,,2025,>=,55,,,{YANAN_PLAN},x", "区划代码", "未知的区划代码"),
    (f"610602,黄龙县,nursing_bed_share,,2020,,2025,>=,55,,,{YANAN_PLAN},x", "区划名称", "不符"),
    (f"610600,,nursing_bed_share,,二〇二〇,,2025,>=,55,,,{YANAN_PLAN},x", "基期年份", "基期年份"),
    (f"610600,,nursing_bed_share,,2020,,1925,>=,55,,,{YANAN_PLAN},x", "目标年份", "目标年份"),
    (f"610600,,nursing_bed_share,,2025,,2020,>=,55,,,{YANAN_PLAN},x", "目标年份", "应晚于"),
    (f"610600,,nursing_bed_share,,2020,,2025,>=,五成五,,,{YANAN_PLAN},x", "目标值", "不是数值"),
    (f"610600,,nursing_bed_share,,2020,约48,2025,>=,55,,,{YANAN_PLAN},x", "基期值", "不是数值"),
    (f"610600,,nursing_bed_share,,2020,,2025,>=,55,,重要,{YANAN_PLAN},x", "指标属性", "约束性或预期性"),
    ("610600,,nursing_bed_share,,2020,,2025,>=,55,,,,x", "来源文件", "来源文件为空"),
    (f"610600,,nursing_bed_share,,2020,,2025,>=,55,,,{YANAN_PLAN},", "来源条款", "来源条款为空"),
]


@pytest.mark.parametrize(("body", "column", "words"), BAD_ROWS, ids=[c + ":" + w for _, c, w in BAD_ROWS])
def test_bad_row_is_reported_and_nothing_is_written(seeds, tmp_path, body, column, words):
    before = digest(seeds)
    good = f"610600,,smart_communities,,2020,14,2025,>=,90,,,{YANAN_PLAN},专栏3-1\n"
    path = write_csv(tmp_path / "bad.csv", good + body + "\n")
    with pytest.raises(TemplateValidationError) as info:
        load_target_template(path, con=seeds.con, seeds_dir=seeds.seeds)
    problems = info.value.problems
    assert any(p.row == 3 and p.column == column and words in p.message_zh for p in problems), str(info.value)
    assert all(p.row == 3 for p in problems), str(info.value)  # the good row 2 has no problem
    message = str(info.value)
    assert (
        "bad.csv" in message
        and "第3行" in message
        and "row 3" in message
        and "nothing was written" in message
    )
    assert digest(seeds) == before


def test_every_problem_of_a_file_is_listed_at_once(seeds, tmp_path):
    before = digest(seeds)
    path = write_csv(
        tmp_path / "many.csv", "\n".join(body for body, _, _ in BAD_ROWS) + "\n" + BAD_ROWS[0][0] + "\n"
    )
    with pytest.raises(TemplateValidationError) as info:
        load_target_template(path, con=seeds.con, seeds_dir=seeds.seeds)
    rows_with_problems = {p.row for p in info.value.problems}
    assert rows_with_problems >= set(range(2, 2 + len(BAD_ROWS)))
    assert digest(seeds) == before


def test_duplicate_rows_and_bad_reported_values(seeds, tmp_path):
    before = digest(seeds)
    row = f"610600,,smart_communities,,2020,14,2025,>=,90,,,{YANAN_PLAN},专栏3-1"
    with pytest.raises(TemplateValidationError, match="与第2行重复"):
        load_target_template(
            write_csv(tmp_path / "dup.csv", f"{row}\n{row}\n"), con=seeds.con, seeds_dir=seeds.seeds
        )
    values = tmp_path / "values.csv"
    values.write_text(
        "区划代码,指标名称,截至日期,完成值,是否完成,来源文件\n"
        f"610600,智慧社区数量,2024年6月31日,30,,{YANAN_PLAN}\n"
        f"610600,智慧社区数量,2024-06-30,三十,,{YANAN_PLAN}\n"
        f"610600,规划目标动态调整机制,2024-06-30,,也许,{YANAN_PLAN}\n",
        encoding="utf-8",
    )
    with pytest.raises(TemplateValidationError) as info:
        load_target_template(values, con=seeds.con, seeds_dir=seeds.seeds)
    assert [(p.row, p.column) for p in info.value.problems] == [
        (2, "截至日期"),
        (3, "完成值"),
        (4, "是否完成"),
    ]
    assert digest(seeds) == before


def test_a_file_without_the_headers_is_rejected(seeds, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("姓名,身份证号\n张三,1\n", encoding="utf-8")
    with pytest.raises(TemplateValidationError, match="找不到"):
        load_target_template(path, con=seeds.con, seeds_dir=seeds.seeds)
    missing = tmp_path / "missing.csv"
    missing.write_text("区划代码,指标代码,比较符,目标值\n610600,smart_communities,>=,90\n", encoding="utf-8")
    with pytest.raises(TemplateValidationError, match="表头缺少必需列"):
        load_target_template(missing, con=seeds.con, seeds_dir=seeds.seeds)


def test_a_load_is_one_transaction(seeds, tmp_path, monkeypatch):
    before = digest(seeds)
    path = write_csv(
        tmp_path / "t.csv", f"610600,,smart_communities,,2020,14,2025,>=,90,,,{YANAN_PLAN},专栏3-1\n"
    )
    real_insert = store._insert

    def failing_insert(con, table, columns, rows):
        real_insert(con, table, columns, rows)
        if table == store.DOCUMENT_TABLE:
            raise OSError("disk full")

    monkeypatch.setattr(store, "_insert", failing_insert)
    with pytest.raises(OSError, match="disk full"):
        load_target_template(path, con=seeds.con, seeds_dir=seeds.seeds)
    assert digest(seeds) == before  # the target rows inserted before the failure are rolled back


def test_later_load_wins_and_every_load_is_recorded(seeds, tmp_path):
    for value, name in (("90", "first.csv"), ("95", "second.csv")):
        path = write_csv(
            tmp_path / name, f"610600,,smart_communities,,2020,14,2025,>=,{value},,,{YANAN_PLAN},专栏3-1\n"
        )
        load_target_template(path, con=seeds.con, seeds_dir=seeds.seeds, loaded_by="统计科")
    city = {r["indicator_code"]: r for r in seeds.rows().targets if r["region_code"] == "610600"}
    assert city["smart_communities"]["target_value"] == "95"
    audit = seeds.con.execute(
        "select source_file, loaded_by, status, targets_updated, load_seq from raw.plan_upload_audit order by load_seq"
    ).fetchall()
    assert audit == [("first.csv", "统计科", "loaded", 1, 1), ("second.csv", "统计科", "loaded", 1, 2)]
    assert store.is_loaded(seeds.con, hashlib.sha256((tmp_path / "first.csv").read_bytes()).hexdigest())
    # the shipped seeds are untouched
    assert digest(seeds)[0] == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(SEEDS.glob("ref_plan_*.csv"))
    } | {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(SEEDS.glob("ref_region*.csv"))}


def test_dry_run_validates_without_writing(seeds, tmp_path):
    before = digest(seeds)
    path = write_csv(
        tmp_path / "t.csv", f"610600,,smart_communities,,2020,14,2025,>=,90,,,{YANAN_PLAN},专栏3-1\n"
    )
    result = load_target_template(path, con=seeds.con, seeds_dir=seeds.seeds, dry_run=True)
    assert result.targets_updated == 1 and result.load_id is None
    assert digest(seeds) == before


def test_a_template_edited_in_excel_is_read_with_excel_row_numbers(seeds, tmp_path):
    import openpyxl

    template = write_target_template(
        tmp_path / "t.xlsx", con=seeds.con, seeds_dir=seeds.seeds, prefecture_code="610600"
    )
    wb = openpyxl.load_workbook(template)
    ws = wb["目标值"]
    header = [c.value for c in ws[1]]
    col = {h.rstrip("*"): i + 1 for i, h in enumerate(header)}
    row_of = {
        ws.cell(r, col["指标代码"]).value: r
        for r in range(2, ws.max_row + 1)
        if ws.cell(r, col["区划代码"]).value == "610600"
    }
    ws.cell(row_of["nursing_bed_share"], col["目标值"]).value = 60  # a number cell, as Excel stores it
    ws.insert_rows(1)  # a title row above the header
    ws.cell(1, 1).value = "延安市“十四五”民政事业发展规划目标调整表"
    new_row = ws.max_row + 1
    for name, value in [
        ("区划代码", "610603"),
        ("指标名称", "社会工作专业人才"),
        ("基期年份", 2020),
        ("目标年份", 2025),
        ("比较符", ">="),
        ("目标值", "三百"),
        ("来源文件", YANAN_PLAN),
        ("来源条款", "第四章(四)"),
    ]:
        ws.cell(new_row, col[name]).value = value
    wb.save(template)
    before = digest(seeds)
    with pytest.raises(TemplateValidationError) as info:
        load_target_template(template, con=seeds.con, seeds_dir=seeds.seeds)
    assert [(p.sheet, p.row, p.column) for p in info.value.problems] == [("目标值", new_row, "目标值*")]
    assert digest(seeds) == before
    ws.cell(new_row, col["目标值"]).value = 300
    wb.save(template)
    result = load_target_template(template, con=seeds.con, seeds_dir=seeds.seeds)
    assert result.breakdown_added == 1
    city = {r["indicator_code"]: r for r in seeds.rows().targets if r["region_code"] == "610600"}
    assert city["nursing_bed_share"]["target_value"] == "60"
