"""社会救助对象花名册: 低保 households, 特困 persons and 临时救助 cases of one county, as a time series.

低保 and 特困 are spells: a household (or person) enters in some month and exits after a geometric
number of months (hazard 1-1.5% a month), entries keep the caseload on its yearly trend. So each
month's roster is mostly last month's plus a few entries minus a few exits. 临时救助 are one-off cases
each month, a third of them paid to a 低保 family already on the roster.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from . import params
from .base import SourceGenerator, births, drop_rows, money, person_ids, with_seq
from .identity import names
from .profile import CountyProfile, stream, yearly

URBAN_PROGRAMME_P = {"街道": 0.75, "镇": 0.12, "乡": 0.03}
DISABILITY_P = (0.15, 0.30, 0.30, 0.25)
GRADES = np.array(["一级", "二级", "三级", "四级"])


def _spells(rng: np.random.Generator, target: np.ndarray, hazard: float) -> tuple[np.ndarray, np.ndarray]:
    """Entry and exit month of units whose active count follows `target` (per month index)."""
    n0 = rng.poisson(target[0])
    entry = [np.full(n0, -1)]
    exit_ = [rng.geometric(hazard, n0)]
    for t in range(1, len(target)):
        k = rng.poisson(max(hazard * target[t - 1] + target[t] - target[t - 1], 0.0))
        entry.append(np.full(k, t))
        exit_.append(t + rng.geometric(hazard, k))
    return np.concatenate(entry), np.concatenate(exit_)


class AssistanceGenerator(SourceGenerator):
    source = "assistance"

    def __init__(self, profile: CountyProfile, seed: int, scale: float) -> None:
        super().__init__(profile, seed, scale)
        rng = stream(seed, self.source, profile.code)
        months = np.arange(params.N_MONTHS)
        trend = {k: np.array([yearly(v, int(t)) for t in months]) for k, v in params.CASELOAD_TREND.items()}
        sizes = np.array(params.HOUSEHOLD_SIZES)
        size_p = np.array(params.HOUSEHOLD_SIZE_P)
        mean_size = float((sizes * size_p).sum())
        self.base_dibao = params.DIBAO_PERSONS_2020 * profile.shares["dibao"] * scale
        self.base_tekun = params.TEKUN_PERSONS_2020 * profile.shares["tekun"] * scale
        self.base_temp = params.TEMPORARY_CASES_PER_MONTH_2020 * profile.shares["temporary"] * scale

        towns = np.array(profile.township_codes)
        ttype = np.array(profile.township_types)
        w = np.array(profile.township_weights)
        rural_w = w * np.where(ttype == "街道", 0.6, 1.4)
        rural_w /= rural_w.sum()

        # 低保 households and their members
        h_entry, h_exit = _spells(
            rng, self.base_dibao / mean_size * trend["dibao"], params.MONTHLY_EXIT_HAZARD["dibao"]
        )
        nh = len(h_entry)
        h_size = rng.choice(sizes, nh, p=size_p)
        h_town = rng.choice(len(towns), nh, p=rural_w)
        h_urban = (
            rng.random(nh) < np.vectorize(URBAN_PROGRAMME_P.get)(ttype[h_town]) if nh else np.array([], bool)
        )
        h_factor = np.clip(rng.normal(0.95, 0.06, nh), 0.6, 1.0)
        h_ref = np.array(
            [np.datetime64(params.month_of(max(int(e), 0)), "D") for e in h_entry], dtype="datetime64[D]"
        )
        m_hh = np.repeat(np.arange(nh), h_size)
        m_role = np.arange(len(m_hh)) - np.repeat(np.cumsum(h_size) - h_size, h_size)
        head_age = np.clip(rng.normal(56, 13, nh), 20, 90)
        head_male = rng.random(nh) < 0.62
        nm = len(m_hh)
        spouse = (m_role == 1) & (rng.random(nm) < 0.7)
        age = np.where(
            m_role == 0,
            head_age[m_hh],
            np.where(spouse, head_age[m_hh] + rng.normal(0, 4, nm), head_age[m_hh] - rng.uniform(20, 34, nm)),
        )
        age = np.clip(age, 0, 97)
        male = np.where(
            m_role == 0, head_male[m_hh], np.where(spouse, ~head_male[m_hh], rng.random(nm) < 0.5)
        )

        # 特困 persons (one-person households)
        t_entry, t_exit = _spells(rng, self.base_tekun * trend["tekun"], params.MONTHLY_EXIT_HAZARD["tekun"])
        nt = len(t_entry)
        t_old = rng.random(nt) < 0.8
        t_age = np.where(t_old, rng.uniform(60, 93, nt), rng.uniform(18, 59, nt))
        t_male = rng.random(nt) < 0.6
        t_town = rng.choice(len(towns), nt, p=rural_w)
        t_urban = (
            rng.random(nt) < np.vectorize(URBAN_PROGRAMME_P.get)(ttype[t_town]) if nt else np.array([], bool)
        )
        t_inst = rng.random(nt) < params.TEKUN_INSTITUTIONAL_SHARE
        care = np.array(params.TEKUN_CARE_ALLOWANCE)
        t_care = np.where(
            t_inst,
            rng.choice(care, nt, p=params.TEKUN_CARE_P_INSTITUTIONAL),
            rng.choice(care, nt, p=params.TEKUN_CARE_P),
        )
        t_ref = np.array(
            [np.datetime64(params.month_of(max(int(e), 0)), "D") for e in t_entry], dtype="datetime64[D]"
        )

        # 临时救助 cases per month; two thirds are people not on the roster (drawn here), and a pool of
        # people for corrected re-exports (families found missing from the first export).
        self.temp_counts = rng.poisson(self.base_temp * trend["temporary"])
        n_new = int(self.temp_counts.sum())
        n_extra = 40
        n_single = n_new + n_extra
        s_age = rng.uniform(18, 85, n_single)
        s_male = rng.random(n_single) < 0.55
        s_town = rng.choice(len(towns), n_single, p=w)
        s_ref = np.full(n_single, np.datetime64(params.EPOCH, "D"))

        # IDs for everyone at once, so they are unique within the county
        all_ref = np.concatenate([h_ref[m_hh], t_ref, s_ref])
        all_age = np.concatenate([age, t_age, s_age])
        all_male = np.concatenate([male, t_male, s_male])
        birth = births(all_ref, all_age, rng)
        ids = person_ids(profile, birth, all_male, rng)
        all_names = names(all_male, rng)
        gender = np.where(all_male, "男", "女")

        m_ids, t_ids, s_ids = ids[:nm], ids[nm : nm + nt], ids[nm + nt :]
        head_idx = np.cumsum(h_size) - h_size
        # children carry the head's surname
        member_names = all_names[:nm].astype(object)
        child = (m_role > 0) & ~spouse
        head_surname = np.array([n[0] for n in member_names[head_idx]], dtype=object)[m_hh]
        member_names[child] = head_surname[child] + np.array(
            [n[1:] for n in member_names[child]], dtype=object
        )
        all_names[:nm] = member_names.astype(all_names.dtype)
        disabled = rng.random(nm) < params.DISABILITY_SHARE["dibao"]
        grade = np.where(disabled, GRADES[rng.choice(4, nm, p=DISABILITY_P)], "")
        order = np.lexsort((m_role, m_hh, h_town[m_hh]))
        self.dibao = pl.DataFrame(
            {
                "姓名": all_names[:nm],
                "身份证号码": m_ids,
                "性别": gender[:nm],
                "户主身份证号码": m_ids[head_idx][m_hh],
                "家庭人口": h_size[m_hh].astype(str),
                "救助类别": np.where(h_urban[m_hh], "城市低保", "农村低保"),
                "行政区划代码": towns[h_town][m_hh],
                "残疾等级": grade,
                "_hh": m_hh,
                "_urban": h_urban[m_hh],
                "_factor": h_factor[m_hh],
            }
        )[order]
        self.h_entry, self.h_exit = h_entry, h_exit
        self.h_size = h_size

        t_disabled = (~t_old) | (rng.random(nt) < params.DISABILITY_SHARE["tekun"])
        t_grade = np.where(t_disabled, GRADES[rng.choice(2, nt)], "")
        t_order = np.lexsort((np.arange(nt), ~t_inst, t_town))
        self.tekun = pl.DataFrame(
            {
                "姓名": all_names[nm : nm + nt],
                "身份证号码": t_ids,
                "性别": gender[nm : nm + nt],
                "户主身份证号码": t_ids,
                "家庭人口": np.full(nt, "1"),
                "救助类别": np.where(t_inst, "特困集中供养", "特困分散供养"),
                "行政区划代码": towns[t_town],
                "残疾等级": t_grade,
                "_i": np.arange(nt),
                "_urban": t_urban,
                "_care": t_care,
            }
        )[t_order]
        self.t_entry, self.t_exit = t_entry, t_exit

        self.singles = pl.DataFrame(
            {
                "姓名": all_names[nm + nt :],
                "身份证号码": s_ids,
                "性别": gender[nm + nt :],
                "户主身份证号码": s_ids,
                "行政区划代码": towns[s_town],
            }
        )
        self.temp_offsets = np.concatenate([[0], np.cumsum(self.temp_counts)])
        self.n_new_temp = n_new

    def expected_rows(self) -> int:
        return int(self.base_dibao + self.base_tekun + self.base_temp)

    def month(self, period: dt.date) -> pl.DataFrame:
        t = params.month_index(period)
        urban_std, rural_std = params.DIBAO_STANDARD[period.year]
        pay_month = f"{period:%Y-%m}"

        active_h = (self.h_entry <= t) & (self.h_exit > t)
        d = self.dibao.filter(pl.Series(active_h[self.dibao["_hh"].to_numpy()]))
        std = np.where(d["_urban"].to_numpy(), urban_std, rural_std)
        d_amount = np.round(std * d["_factor"].to_numpy())

        active_t = (self.t_entry <= t) & (self.t_exit > t)
        k = self.tekun.filter(pl.Series(active_t[self.tekun["_i"].to_numpy()]))
        k_std = np.where(k["_urban"].to_numpy(), urban_std, rural_std)
        k_amount = np.ceil(k_std * params.TEKUN_FACTOR) + k["_care"].to_numpy()

        rng = stream(self.seed, self.source, self.profile.code, "temporary", t)
        n_cases = int(self.temp_counts[t])
        on_roster = rng.random(n_cases) < 1 / 3 if d.height else np.zeros(n_cases, bool)
        new_people = self.singles.slice(int(self.temp_offsets[t]), n_cases).filter(
            pl.Series(~on_roster[:n_cases])
        )
        roster_rows = d.select(pl.col("*").exclude("^_.*$")).filter(
            pl.col("身份证号码") == pl.col("户主身份证号码")
        )
        pick = (
            rng.choice(roster_rows.height, int(on_roster.sum()), replace=False)
            if roster_rows.height >= on_roster.sum()
            else []
        )
        temp = pl.concat(
            [
                roster_rows[pick].select(
                    "姓名", "身份证号码", "性别", "户主身份证号码", "家庭人口", "行政区划代码"
                ),
                new_people.with_columns(
                    pl.Series(
                        "家庭人口",
                        rng.choice(
                            ["1", "2", "3", "4", "5"], new_people.height, p=[0.35, 0.25, 0.2, 0.12, 0.08]
                        ),
                    )
                ).select("姓名", "身份证号码", "性别", "户主身份证号码", "家庭人口", "行政区划代码"),
            ]
        )
        temp_amount = np.clip(np.round(rng.lognormal(np.log(1500), 0.6, temp.height) / 100) * 100, 300, 10000)

        cols = [
            "姓名",
            "身份证号码",
            "性别",
            "户主身份证号码",
            "家庭人口",
            "救助类别",
            "保障金额(元)",
            "行政区划代码",
            "发放年月",
            "残疾等级",
        ]
        frame = pl.concat(
            [
                d.with_columns(
                    pl.Series("保障金额(元)", money(d_amount)), pl.lit(pay_month).alias("发放年月")
                ).select(cols),
                k.with_columns(
                    pl.Series("保障金额(元)", money(k_amount)), pl.lit(pay_month).alias("发放年月")
                ).select(cols),
                temp.with_columns(
                    pl.lit("临时救助").alias("救助类别"),
                    pl.Series("保障金额(元)", money(temp_amount)),
                    pl.lit(pay_month).alias("发放年月"),
                    pl.lit("").alias("残疾等级"),
                ).select(cols),
            ]
        )
        return with_seq(frame.with_columns(pl.lit("").alias("序号")))

    def correct(self, frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
        """Amounts revised for a few families, a few people removed, a few missing families added."""
        n = frame.height
        k = int(min(10, max(1, round(n * 0.003))))
        amounts = frame["保障金额(元)"].cast(pl.Float64).to_numpy().copy()
        rows = rng.choice(n, min(k, n), replace=False)
        amounts[rows] = np.maximum(amounts[rows] + rng.choice([-60, -30, 20, 40, 50, 100], len(rows)), 50)
        out = frame.with_columns(pl.Series("保障金额(元)", money(amounts)))
        out = drop_rows(out, rng)
        extra_start = self.n_new_temp
        add = self.singles.slice(extra_start + int(rng.integers(0, 20)), int(rng.integers(1, 4)))
        pay_month = frame["发放年月"][0] if n else ""
        year = int(pay_month[:4]) if pay_month else params.BASE_MONTH.year
        rural_std = params.DIBAO_STANDARD[year][1]
        added = add.with_columns(
            pl.lit("").alias("序号"),
            pl.lit("1").alias("家庭人口"),
            pl.lit("农村低保").alias("救助类别"),
            pl.lit(f"{rural_std * 0.9:.2f}").alias("保障金额(元)"),
            pl.lit(pay_month).alias("发放年月"),
            pl.lit("").alias("残疾等级"),
        ).select(frame.columns)
        return with_seq(pl.concat([out, added]))
