"""The 泰安市 mid-term evaluation (shared/seeds/002_e6ad7fe8829592d8.txt, 2023-07-11): its 27-row indicator
table, loaded as targets (ref_plan_target) and reported values (ref_plan_reported_value, as of 2023-06-30), must
give in mart_plan_progress the status the document's body gives each indicator.

The expectations are read from the document, not from the code: each entry quotes the sentence of the
body (一、主要目标指标实现情况) that judges the indicator. Mapping of the document's words:
“已完成 / 已超预期完成 / 均达到100%,完成规划既定目标” → 已完成; “完成进度超过预期” → 进度超前;
“增长幅度/增长值符合预期” (target not yet reached) → 符合进度. The document's summary: “市民政事业规划27条主要
发展指标全部达到或超过预期目标,总体实施进度符合预期” — so no indicator is behind.
"""

from __future__ import annotations

import datetime as dt

import pytest

TAIAN = "370900"
AS_OF = dt.date(2023, 6, 1)

# indicator code -> (status_code, the sentence of the body that implies it)
EXPECTED: dict[str, tuple[str, str]] = {
    "assistance_standard_dynamic_adjustment": (
        "met",
        "一、1①: 城乡低保标准与城乡居民人均消费支出增幅挂钩动态调整机制已建立,提前完成“十四五”规划既定目标要求。",
    ),
    "dibao_standard_ratio_urban_rural": (
        "met",
        "一、1②: 我市城乡低保比由2020年的1.34:1降低到1.27:1,已完成“十四五”规划既定目标要求。",
    ),
    "vagrant_return_rate": (
        "met",
        "一、3: 涉及的查明身份信息流浪乞讨救助人员接送返回率、……等指标,均达到100%,完成规划既定目标。",
    ),
    "adoption_registration_compliance_rate": (
        "met",
        "一、4: 涉及省民政“十四五”规划主要发展指标2项,分别为收养登记合格率、……以上8项指标均达到100%,已完成规划既定目标。",
    ),
    "disability_living_subsidy_coverage": (
        "met",
        "一、3: ……困难残疾人生活补贴覆盖率……均达到100%,完成规划既定目标。",
    ),
    "severe_disability_care_subsidy_coverage": (
        "met",
        "一、3: ……重度残疾人护理补贴覆盖率……均达到100%,完成规划既定目标。",
    ),
    "community_facility_area_per_100_households": (
        "met",
        "一、2①: 平均每百户超过140平方米,已超预期完成“十四五”规划规定的大于30平方米的既定目标。",
    ),
    "urban_community_one_window_rate": (
        "met",
        "一、2②: 推行“一窗受理全科服务”模式的城市社区一直保持在100%,已完成“十四五”规划既定目标。",
    ),
    "provincial_urban_community_governance_pilots": (
        "met",
        "一、2③: 岱岳区两次获评省级城市社区治理实验区,肥城获评省级农村社区治理实验区已完成市“十四五”规划既定目标。",
    ),
    "provincial_rural_community_governance_pilots": (
        "met",
        "一、2③: ……肥城获评省级农村社区治理实验区已完成市“十四五”规划既定目标。",
    ),
    "social_organization_fulltime_staff": (
        "met",
        "一、7: ……社会组织专职工作人员数量已达到1.75万余人,已完成市民政“十四五”规划既定目标。",
    ),
    "community_social_orgs_per_urban_community": (
        "met",
        "一、7: 泰安市每个城市社区拥有社区社会组织数量为13个,……已完成市民政“十四五”规划既定目标。",
    ),
    "community_social_orgs_per_rural_community": (
        "met",
        "一、7: ……每个农村社区拥有社区社会组织数量为7个,……已完成市民政“十四五”规划既定目标。",
    ),
    # “符合预期目标” here means the target itself is met: 5753 against the 2025 target of 5500 (table row 14)
    "social_work_professionals": (
        "met",
        "一、8: 全市社会工作专业人才总量达到5753人,符合预期目标 (表: 目标5500, 完成值5753)。",
    ),
    "certified_social_workers": (
        "on_pace",
        "一、8: 通过全国社会工作者职业水平考试人数总量1783人,比2020年增长50%,增长幅度符合预期目标。",
    ),
    "volunteer_station_coverage": (
        "met",
        "一、8: 全市志愿服务站点在社区综合服务设施中的覆盖率已达到99.5%,已完成“十四五”规划目标。",
    ),
    "registered_volunteers": ("on_pace", "一、8: 注册志愿者总量达到111万人,增长值符合预期。"),
    "lottery_outlets": (
        "ahead",
        "一、5: 泰安市现有560个福利彩票销售网点,比2020年增加30个网点,达到了“时间过半、目标过半”的要求,完成进度超过预期。",
    ),
    "tekun_willing_centralized_care_rate": (
        "met",
        "一、1③: 有集中供养意愿的特困人员集中供养率。我市2020年至今均为100%,已完成“十四五”规划既定目标要求。",
    ),
    "tekun_disabled_centralized_care_rate": (
        "met",
        "一、1④: 全市失能特困人员集中供养率达到60%,已完成“十四五”规划既定目标要求。",
    ),
    "nursing_bed_share": (
        "met",
        "一、6①: 全市养老机构床位20590张,其中护理型床位14231张,占比达到69.12%,已完成“十四五”规划既定目标。",
    ),
    "subdistrict_eldercare_facility_coverage": (
        "met",
        "一、6②: 全市街道具备综合功能的养老服务机构覆盖率已达到100%,已完成规划既定目标。",
    ),
    "township_eldercare_facility_coverage": (
        "met",
        "一、6③: 全市乡镇具备综合功能的养老服务机构覆盖率已达到100%,已完成“十四五”规划既定目标。",
    ),
    "minor_protection_station_coverage": (
        "met",
        "一、4: ……乡镇(街道)未成年人保护工作站或专门人员覆盖率……以上8项指标均达到100%,已完成规划既定目标。",
    ),
    "marriage_cross_province_rate": (
        "met",
        "一、3: ……婚姻登记“跨省通办”实施率……均达到100%,完成规划既定目标。",
    ),
    "marriage_registration_compliance_rate": (
        "met",
        "一、3: ……婚姻登记合格率……均达到100%,完成规划既定目标。",
    ),
    "county_public_burial_facility_coverage": (
        "met",
        "一、3: ……县级公益性安葬(放)设施覆盖率等指标,均达到100%,完成规划既定目标。",
    ),
}
STATUS_ZH = {
    "met": "已完成",
    "ahead": "进度超前",
    "on_pace": "符合进度",
    "behind": "进度滞后",
    "no_data": "无数据",
}
# 指标属性 column of the table: 约束性 rows 3-7, 9, 10, 19, 20, 26, 27
BINDING = {
    "vagrant_return_rate",
    "adoption_registration_compliance_rate",
    "disability_living_subsidy_coverage",
    "severe_disability_care_subsidy_coverage",
    "community_facility_area_per_100_households",
    "provincial_urban_community_governance_pilots",
    "provincial_rural_community_governance_pilots",
    "tekun_willing_centralized_care_rate",
    "tekun_disabled_centralized_care_rate",
    "marriage_registration_compliance_rate",
    "county_public_burial_facility_coverage",
}


@pytest.fixture(scope="module")
def taian(plan_warehouse):
    frame = plan_warehouse.df(
        "select * from marts.mart_plan_progress where region_code = ? and period = ?", [TAIAN, AS_OF]
    )
    return {row["indicator_code"]: row for row in frame.to_dict("records")}


def test_all_27_rows_of_the_table_are_in_the_mart(taian):
    assert len(EXPECTED) == 27
    assert set(taian) == set(EXPECTED)
    assert all(row["actual_source"] == "reported" for row in taian.values())
    assert all(row["target_basis"] == "plan" for row in taian.values())


@pytest.mark.parametrize("indicator", sorted(EXPECTED))
def test_status_is_the_documents_judgement(taian, indicator):
    status, sentence = EXPECTED[indicator]
    row = taian[indicator]
    assert row["status_code"] == status, (
        f"{indicator}: mart says {row['status_zh']} (completion {row['completion_ratio']}, pace "
        f"{row['expected_pace']}, baseline {row['baseline_value']} [{row['baseline_basis']}]); document: {sentence}"
    )
    assert row["status_zh"] == STATUS_ZH[status]


def test_half_of_the_plan_period_has_elapsed(taian):
    # 时间过半: the table is dated mid-2023, 30 of the 60 months from the end of 2020 to the end of 2025
    assert {round(r["time_elapsed_share"], 6) for r in taian.values()} == {0.5}


def test_the_tables_attributes_are_kept(taian):
    assert {code for code, r in taian.items() if r["is_binding"]} == BINDING
    # the table calls 护理型床位占比 预期性 although the national plan makes it binding
    assert taian["nursing_bed_share"]["attribute_zh"] == "预期性"
    assert not any(r["is_binding_behind"] for r in taian.values())


def test_the_documents_own_numbers_drive_the_pace(taian):
    outlets = taian["lottery_outlets"]  # 560 of 580 from 530: 0.6 of the way at half time
    assert outlets["baseline_value"] == 530 and outlets["completion_ratio"] == pytest.approx(0.6)
    exam = taian["certified_social_workers"]  # 1783 = 2020 value × 1.5
    assert exam["completion_ratio"] == pytest.approx((1783 - 1188.67) / (2300 - 1188.67))
    ratio = taian["dibao_standard_ratio_urban_rural"]  # lower is better: 1.34 -> 1.27 against <= 1.3
    assert ratio["operator"] == "ratio<=" and ratio["target_text"] == "1.3:1" and ratio["is_met"]
    # no 2020 value in the document: progress is measured from the first observation
    assert taian["registered_volunteers"]["baseline_basis"] == "first_observation"
    assert taian["assistance_standard_dynamic_adjustment"]["actual_achieved"]
