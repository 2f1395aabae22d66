"""Write the Excel template statistics staff fill in to add or change plan targets and reported values.

    write_target_template("data/templates/规划目标填报模板.xlsx", prefecture_code="610600")

Sheets: 填写说明 (how to fill it), 目标值 (targets; pre-filled with the registry's current targets of the
prefecture and its counties, so staff edit and send back), 完成值 (values for indicators the warehouse
cannot measure), and the look-up sheets 指标字典, 区划代码, 来源文件. Headers marked * are required.
Drop-down lists guard 比较符, 指标属性, 是否完成, 指标名称 and 区划代码. validate.load_target_template reads it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import xlsxwriter

from . import registry, store
from .validate import REPORTED_FIELDS, REPORTED_REQUIRED, TARGET_FIELDS, TARGET_REQUIRED

DATA_ROWS = 2000  # rows covered by the drop-down lists
DIRECTION_ZH = {"higher": "越高越好", "lower": "越低越好", "equals": "等于目标为好"}
TYPE_ZH = {"numeric": "数值", "qualitative": "定性"}

INSTRUCTIONS = [
    (
        "用途",
        "本表用于新增或修改“十四五”规划目标（目标值表）以及填报数据仓库无法自动计算的指标完成值（完成值表）。",
    ),
    (
        "提交",
        "填好后交数据管理员导入；系统会逐行校验，任何一处错误都会整表退回并列出文件、工作表、行号和列名，不会部分导入。",
    ),
    ("必填", "表头带 * 的列必须填写；“指标代码”与“指标名称”至少填一个（名称须与“指标字典”一致，可用别名）。"),
    (
        "区划代码",
        "填6位市级或县级区划代码（见“区划代码”表）。市级目标写入规划目标表，县级目标即分解目标；"
        "县区未单独设定目标时，按“指标字典”中“县区继承”列的规定继承市级目标。",
    ),
    ("年份", "基期年份一般为2020，目标年份为2025；2021-2024年的目标为年度目标（阶段性目标）。"),
    (
        "比较符",
        ">= 不低于（达到……以上）；> 超过；<= 不高于；< 低于；= 等于；ratio>= / ratio<= 比值目标（如1.3:1，"
        "目标值填1.3:1或1.3）；qualitative 定性目标（如“动态调整机制已建立”，目标原文必填）。也可填 ≥、≤、不低于、超过 等。",
    ),
    ("越低越好", "“指标方向”为越低越好的指标（如城乡低保标准之比）只能用 <=、<、ratio<=。"),
    ("目标值", "按“指标字典”的单位填数字：百分比填55表示55%（可带%号），万人单位填120表示120万人。"),
    ("指标属性", "约束性或预期性；规划未注明的可不填。"),
    (
        "来源",
        "来源文件填文件名称或代码（见“来源文件”表；新文件会自动登记），来源条款填章节、专栏或表格行，如“第三章(二)”“专栏2-1”“附件第5行”。",
    ),
    (
        "完成值",
        "截至日期填统计时点（如2024-06-30）；完成值按指标单位填数字；定性指标在“是否完成”填是或否。"
        "同一地区、指标、截至日期再次提交会覆盖原值；报送值优先于仓库计算值。",
    ),
    (
        "进度判断",
        "时间进度按基期年末至目标年末的月数计算（2023年6月为50%）；完成度=(实际值-基期值)/(目标值-基期值)；"
        "完成度与时间进度相差不超过5个百分点为“符合进度”，高出为“进度超前”，低于为“进度滞后”，达到目标为“已完成”，无数据为“无数据”。",
    ),
]


def _header(field_header: str, name: str, required: Sequence[str]) -> str:
    return f"{field_header}*" if name in required else field_header


def write_target_template(
    path: str | Path,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    seeds_dir: Path = registry.SEEDS_DIR,
    region_csv: Path | None = None,
    prefecture_code: str | None = None,
    prefill: bool = True,
) -> Path:
    """Write the template; with prefill, the 目标值 and 完成值 sheets hold the registry's current rows
    (of prefecture_code and its counties, or of every region if None): the shipped seeds, with the
    uploads of the warehouse `con` merged over them when given."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    indicators = registry.load_indicators(seeds_dir)
    regions = registry.load_regions(region_csv or seeds_dir / registry.REGION_CSV.name)
    current = registry.current_rows(seeds_dir, store.uploaded_rows(con) if con is not None else None)
    documents = current.documents
    title_of = {d["document_code"]: d["title_zh"] for d in documents}

    def wanted(region_code: str) -> bool:
        region = regions.get(region_code)
        return prefecture_code is None or (region is not None and region.prefecture_code == prefecture_code)

    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    text = wb.add_format({"num_format": "@"})

    guide = wb.add_worksheet("填写说明")
    guide.set_column(0, 0, 12)
    guide.set_column(1, 1, 110)
    guide.write_row(0, 0, ["项目", "说明"], bold)
    for i, (item, body) in enumerate(INSTRUCTIONS, start=1):
        guide.write(i, 0, item, wrap)
        guide.write(i, 1, body, wrap)

    target_sheet = wb.add_worksheet("目标值")
    reported_sheet = wb.add_worksheet("完成值")
    dictionary = wb.add_worksheet("指标字典")
    region_sheet = wb.add_worksheet("区划代码")
    document_sheet = wb.add_worksheet("来源文件")

    # look-up sheets
    dict_header = [
        "指标代码",
        "指标名称",
        "别名",
        "领域",
        "单位",
        "指标方向",
        "指标类型",
        "可用比较符",
        "县区继承市级目标",
        "仓库取数口径",
    ]
    dictionary.write_row(0, 0, dict_header, bold)
    for i, ind in enumerate(indicators.values(), start=1):
        dictionary.write_row(
            i,
            0,
            [
                ind.code,
                ind.name_zh,
                "、".join(ind.aliases_zh),
                ind.domain_zh,
                ind.unit,
                DIRECTION_ZH.get(ind.direction, ind.direction),
                TYPE_ZH.get(ind.value_type, ind.value_type),
                "、".join(ind.allowed_operators()),
                "是" if ind.county_inherits else "否",
                ind.measure or "需填报完成值",
            ],
        )
    dictionary.set_column(0, 0, 40)
    dictionary.set_column(1, 2, 36)
    dictionary.set_column(3, 9, 14)
    dictionary.freeze_panes(1, 0)

    region_sheet.write_row(0, 0, ["区划代码", "名称", "层级", "所属市代码"], bold)
    shown_regions = [r for r in regions.values() if wanted(r.code)]
    for i, r in enumerate(shown_regions, start=1):
        region_sheet.write_string(i, 0, r.code)
        region_sheet.write_row(i, 1, [r.name_zh, r.level_zh])
        region_sheet.write_string(i, 3, r.prefecture_code)
    region_sheet.set_column(0, 3, 14)

    document_sheet.write_row(0, 0, ["文件代码", "文件名称", "发文单位", "发布日期"], bold)
    for i, d in enumerate(documents, start=1):
        document_sheet.write_row(
            i, 0, [d["document_code"], d["title_zh"], d.get("issuer_zh", ""), d.get("issued_on", "")]
        )
    document_sheet.set_column(0, 0, 34)
    document_sheet.set_column(1, 1, 70)

    # data sheets
    def data_sheet(ws, fields, required, rows: list[dict[str, str]]) -> dict[str, int]:
        columns = {f.name: i for i, f in enumerate(fields)}
        ws.write_row(0, 0, [_header(f.header, f.name, required) for f in fields], bold)
        for j, f in enumerate(fields):
            ws.set_column(
                j,
                j,
                34 if f.name in ("indicator_name", "source_document", "source_quote", "note") else 13,
                text if f.name in ("region_code", "indicator_code") else None,
            )
        for i, row in enumerate(rows, start=1):
            for name, value in row.items():
                if name in columns and value != "":
                    ws.write_string(i, columns[name], value)
        ws.freeze_panes(1, 0)
        n_regions, n_indicators = len(shown_regions), len(indicators)
        ws.data_validation(
            1,
            columns["region_code"],
            DATA_ROWS,
            columns["region_code"],
            {
                "validate": "list",
                "source": f"=区划代码!$A$2:$A${n_regions + 1}",
                "error_title": "区划代码",
                "error_message": "请从“区划代码”表中选择6位市级或县级代码",
                "error_type": "warning",
            },
        )
        ws.data_validation(
            1,
            columns["indicator_name"],
            DATA_ROWS,
            columns["indicator_name"],
            {
                "validate": "list",
                "source": f"=指标字典!$B$2:$B${n_indicators + 1}",
                "error_title": "指标名称",
                "error_message": "请从“指标字典”中选择指标名称（别名也可）",
                "error_type": "warning",
            },
        )
        return columns

    def location(code: str) -> str:
        region = regions.get(code)
        return region.name_zh if region else ""

    target_rows: list[dict[str, str]] = []
    reported_rows: list[dict[str, str]] = []
    if prefill:
        for rows in (current.targets, current.breakdown):
            for r in rows:
                if wanted(r["region_code"]):
                    ind = indicators.get(r["indicator_code"])
                    target_rows.append(
                        {
                            **r,
                            "region_name": location(r["region_code"]),
                            "indicator_name": ind.name_zh if ind else "",
                            "source_document": title_of.get(r["source_document"], r["source_document"]),
                        }
                    )
        for r in current.reported:
            if wanted(r["region_code"]):
                ind = indicators.get(r["indicator_code"])
                reported_rows.append(
                    {
                        **r,
                        "region_name": location(r["region_code"]),
                        "indicator_name": ind.name_zh if ind else "",
                        "achieved": {"true": "是", "false": "否"}.get(r.get("achieved", ""), ""),
                        "source_document": title_of.get(r["source_document"], r["source_document"]),
                    }
                )

    tcols = data_sheet(target_sheet, TARGET_FIELDS, TARGET_REQUIRED, target_rows)
    target_sheet.data_validation(
        1,
        tcols["operator"],
        DATA_ROWS,
        tcols["operator"],
        {
            "validate": "list",
            "source": list(registry.OPERATORS),
            "error_type": "warning",
            "error_title": "比较符",
            "error_message": "可用：" + "、".join(registry.OPERATORS),
        },
    )
    target_sheet.data_validation(
        1,
        tcols["attribute_zh"],
        DATA_ROWS,
        tcols["attribute_zh"],
        {"validate": "list", "source": list(registry.ATTRIBUTES)},
    )
    for name in ("baseline_year", "target_year"):
        target_sheet.data_validation(
            1,
            tcols[name],
            DATA_ROWS,
            tcols[name],
            {
                "validate": "integer",
                "criteria": "between",
                "minimum": 2000,
                "maximum": 2100,
                "error_title": "年份",
                "error_message": "请填写2000-2100之间的年份",
            },
        )
    rcols = data_sheet(reported_sheet, REPORTED_FIELDS, REPORTED_REQUIRED, reported_rows)
    reported_sheet.data_validation(
        1, rcols["achieved"], DATA_ROWS, rcols["achieved"], {"validate": "list", "source": ["是", "否"]}
    )
    reported_sheet.write_comment(0, rcols["as_of_date"], "统计时点，如2024-06-30")
    target_sheet.write_comment(
        0, tcols["operator"], "见“填写说明”：>=、>、<=、<、=、ratio>=、ratio<=、qualitative"
    )
    target_sheet.activate()
    wb.close()
    return path
