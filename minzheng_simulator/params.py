"""Domain parameters of the simulator, with where each comes from. Edit here, not in the generators.

Figures marked "seed 000" come from the 延安市 14th Five-Year Plan (shared/seeds/000_*.txt, 2020
baselines); "DOMAIN" from shared/DOMAIN.md. Everything else is an assumption, marked as such.
"""

from __future__ import annotations

import datetime as dt

# The simulated time axis: month 0 = EPOCH. Output months must lie in [FIRST_MONTH, LAST_MONTH].
EPOCH = dt.date(2019, 1, 1)
FIRST_MONTH = dt.date(2020, 1, 1)
LAST_MONTH = dt.date(2026, 12, 1)
N_MONTHS = (LAST_MONTH.year - EPOCH.year) * 12 + LAST_MONTH.month - EPOCH.month + 1
BASE_MONTH = dt.date(2020, 12, 1)  # the month the 2020 baselines describe (year-end stock)


def month_index(d: dt.date) -> int:
    return (d.year - EPOCH.year) * 12 + d.month - EPOCH.month


def month_of(t: int) -> dt.date:
    return dt.date(EPOCH.year + t // 12, t % 12 + 1, 1)


BASE_T = month_index(BASE_MONTH)

# --- social assistance --------------------------------------------------------------------------
DIBAO_PERSONS_2020 = 119_700  # seed 000: 全市11.97万名城乡低保对象
TEKUN_PERSONS_2020 = 5_000  # seed 000: 0.5万名特困人员
TEKUN_INSTITUTIONAL_SHARE = 0.30  # assumption (brief): 集中/分散 about 30/70
TEMPORARY_CASES_PER_MONTH_2020 = 420  # assumption: "a few hundred" 临时救助 cases a month in 延安
# Yearly change of the caseload after 2020 (assumption: 低保 slowly shrinking after the end of the
# poverty campaign, 特困 growing with ageing, 临时救助 growing as 急难 assistance is decentralised).
CASELOAD_TREND = {"dibao": -0.015, "tekun": 0.02, "temporary": 0.04}
MONTHLY_EXIT_HAZARD = {"dibao": 0.015, "tekun": 0.011}  # assumption (brief: 1-2% churn a month)
# Household size of 低保 families (assumption, mean about 2.5 persons).
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_SIZE_P = (0.30, 0.26, 0.19, 0.14, 0.07, 0.04)
# 低保 standard, 元/人·月, raised every January (assumption near DOMAIN's national averages:
# urban 722 / rural 542 in Q1 2022; brief: urban ~700-800, rural ~550-600).
DIBAO_STANDARD = {
    2019: (660, 470),
    2020: (680, 500),
    2021: (705, 520),
    2022: (730, 540),
    2023: (755, 560),
    2024: (780, 580),
    2025: (805, 600),
    2026: (830, 620),
}
TEKUN_FACTOR = 1.3  # 特困 basic living standard >= 1.3 x the local 低保 standard (national rule)
TEKUN_CARE_ALLOWANCE = (0, 300, 600)  # 全自理 / 半护理 / 全护理, 元/月 (assumption)
TEKUN_CARE_P = (0.8, 0.15, 0.05)  # 分散供养: mostly self-reliant
TEKUN_CARE_P_INSTITUTIONAL = (0.4, 0.35, 0.25)  # 集中供养: more need care
DISABILITY_SHARE = {"dibao": 0.07, "tekun": 0.25}

# --- eldercare ------------------------------------------------------------------------------------
BEDS_2020 = 14_000  # seed 000: 各类养老机构 ... 提供床位1.4万张
BEDS_TREND = 0.03  # yearly growth of beds (assumption)
# type -> (share of 2020 beds, typical beds per facility, nursing share 2020, added by 2025)
INSTITUTION_MIX = {
    "敬老院/特困供养服务设施": (0.30, 80, 0.46, 0.24),
    "公办养老院": (0.20, 200, 0.62, 0.20),
    "民办养老机构": (0.25, 150, 0.56, 0.20),
    "社区日间照料中心": (0.12, 20, 0.15, 0.12),
    "农村互助幸福院": (0.13, 12, 0.0, 0.0),
}
OPEN_AT_EPOCH = 0.85  # share of institutions already open in Jan 2019; the others open later
OCCUPANCY = (0.50, 0.80)  # brief: occupancy 50-80%

# --- volunteers -------------------------------------------------------------------------------------
VOLUNTEERS_2020 = 217_600  # seed 000: 注册志愿者21.76万人
VOLUNTEER_GROWTH = 0.06  # yearly growth of registrations after 2020 (assumption)
ACTIVE_SHARE = (0.20, 0.35)  # brief: share of registered volunteers serving in a month
HOURS_RANGE = (1, 8)

# --- welfare lottery --------------------------------------------------------------------------------
LOTTERY_SALES_BASE = 955_400_000  # seed 000: 五年累计发行47.77亿元 (2016-2020) -> 9.55亿元 a year,
# taken as the pre-COVID (2019) level of 延安's sales.
OUTLETS_2020 = 600  # assumption (brief: 500-700 outlets)
# Sales relative to 2019 by year, from national 福彩 sales: 1912 (2019), 1445 (2020), 1422 (2021),
# 1481 (2022), 1944 (2023), 2080 (2024) 亿元 (DOMAIN for 2022-2024); 2025/2026 assumed +2% a year.
# 2020 excludes the COVID-19 pause, which is simulated day by day (COVID_PAUSE below).
LOTTERY_YEAR_FACTOR = {
    2019: 1.0,
    2020: 0.89,
    2021: 0.74,
    2022: 0.77,
    2023: 1.02,
    2024: 1.09,
    2025: 1.11,
    2026: 1.13,
}
# Game shares of sales (assumption; 双色球 and 快乐8 lead, DOMAIN has no 延安 split) and the share of
# outlets selling the game, and of days on which an outlet sells it.
GAME_SHARE = {"双色球": 0.36, "福彩3D": 0.14, "七乐彩": 0.03, "快乐8": 0.30, "即开票": 0.17}
GAME_OUTLET_P = {"双色球": 1.0, "福彩3D": 0.95, "七乐彩": 0.75, "快乐8": 0.9, "即开票": 0.6}
GAME_DAY_P = {"双色球": 0.97, "福彩3D": 0.9, "七乐彩": 0.55, "快乐8": 0.92, "即开票": 0.6}
DRAW_WEEKDAYS = {"双色球": (1, 3, 6), "七乐彩": (0, 2, 4)}  # Tue/Thu/Sun, Mon/Wed/Fri
SPRING_FESTIVAL = {
    2019: dt.date(2019, 2, 5),
    2020: dt.date(2020, 1, 25),
    2021: dt.date(2021, 2, 12),
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
}
SPRING_BUMP = 1.3  # the two weeks before the festival (assumption)
# Computer-drawn games pause from 除夕 to 初七; 即开票 keeps selling (the usual 休市 notice).
# 2020: sales were suspended nationwide from the festival until mid-March (COVID-19).
COVID_PAUSE = (dt.date(2020, 1, 24), dt.date(2020, 3, 15))
