"""注册志愿者花名册 (month-end snapshot, cumulative) and 志愿服务记录 (service records of the month).

Volunteers registered before 2021 (21.76万 at the end of 2020, seed 000) have registration dates from
2013 on, denser in recent years; afterwards registrations grow by about 6% a year, with peaks in March
(学雷锋月) and December. volunteer_id is stable. Each month 20-35% of the registered serve, in
activities of one day with 1-8 hours.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache

import numpy as np
import polars as pl

from . import params
from .base import SourceGenerator, births, drop_rows, iso_dates, month_end, person_ids, with_seq
from .contract import SERVICE_CATEGORIES
from .identity import names
from .profile import CountyProfile, profile, stream, yearly

SEASON = {1: 0.8, 2: 0.7, 3: 1.8, 4: 1.0, 5: 1.0, 6: 0.9, 7: 0.9, 8: 0.9, 9: 1.0, 10: 1.0, 11: 0.9, 12: 1.3}
ACTIVE_SEASON = {
    1: -0.03,
    2: -0.05,
    3: 0.07,
    4: 0.0,
    5: 0.01,
    6: 0.0,
    7: -0.01,
    8: -0.01,
    9: 0.01,
    10: 0.01,
    11: 0.0,
    12: 0.04,
}
CATEGORY_P = (0.20, 0.06, 0.06, 0.12, 0.22, 0.04, 0.18, 0.05, 0.05, 0.02)
HOURS = np.array([1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0])
HOURS_P = np.array([0.08, 0.08, 0.22, 0.12, 0.18, 0.16, 0.07, 0.05, 0.04])
COUNTY_TEAMS = (
    "青年志愿者协会",
    "巾帼志愿服务队",
    "党员志愿服务队",
    "应急救援志愿服务队",
    "红十字志愿服务队",
    "文明实践志愿服务总队",
)
TOWN_TEAMS = ("新时代文明实践志愿服务队", "志愿服务站", "助老志愿服务队", "环保志愿服务队")


class VolunteerUniverse:
    """Every volunteer of a county who registers between 2013 and LAST_MONTH."""

    def __init__(self, prof: CountyProfile, seed: int, scale: float) -> None:
        rng = stream(seed, "volunteers", prof.code)
        self.base = params.VOLUNTEERS_2020 * prof.shares["volunteers"] * scale
        start = np.datetime64("2013-01-01")
        base_end = np.datetime64(params.BASE_MONTH, "D") + 30  # 2020-12-31
        n0 = rng.poisson(self.base)
        span = (base_end - start).astype(np.int64)
        reg = [start + (np.sqrt(rng.random(n0)) * span).astype(np.int64).astype("timedelta64[D]")]
        monthly = (1 + params.VOLUNTEER_GROWTH) ** (1 / 12) - 1
        for t in range(params.BASE_T + 1, params.N_MONTHS):
            m = params.month_of(t)
            k = rng.poisson(self.base * yearly(params.VOLUNTEER_GROWTH, t) * monthly * SEASON[m.month])
            days = calendar.monthrange(m.year, m.month)[1]
            reg.append(np.datetime64(m, "D") + rng.integers(0, days, k).astype("timedelta64[D]"))
        registered = np.sort(np.concatenate(reg))
        n = len(registered)
        male = rng.random(n) < 0.45
        age = 16 + rng.beta(2, 4, n) * 54
        birth = births(registered, age, rng)
        towns = np.array(prof.township_codes)
        tnames = np.array(prof.township_names)
        w = np.array(prof.township_weights)
        # teams: the county's own teams and one or two per township
        team_names = [f"{prof.name}{t}" for t in COUNTY_TEAMS]
        team_towns = [-1] * len(team_names)
        for i, tn in enumerate(tnames):
            for t in rng.choice(len(TOWN_TEAMS), int(rng.integers(1, 3)), replace=False):
                team_names.append(f"{tn}{TOWN_TEAMS[t]}")
                team_towns.append(i)
        team_w = np.array([3.0 if tt < 0 else w[tt] * len(tnames) for tt in team_towns])
        team = rng.choice(len(team_names), n, p=team_w / team_w.sum())
        town_of_team = np.array(team_towns)[team]
        town = np.where(town_of_team >= 0, town_of_team, rng.choice(len(towns), n, p=w))
        blank_team = rng.random(n) < 0.08
        self.registered = registered
        self.ids = np.char.add(f"ZY{prof.code}", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
        self.frame = pl.DataFrame(
            {
                "志愿者编号": self.ids,
                "姓名": names(male, rng),
                "身份证号码": person_ids(prof, birth, male, rng),
                "注册日期": iso_dates(registered),
                "所属队伍": np.where(blank_team, "", np.array(team_names)[team]),
                "乡镇代码": towns[town],
            }
        )
        self.active_offset = float(rng.normal(0, 0.03))

    def count_at(self, day: dt.date) -> int:
        return int(np.searchsorted(self.registered, np.datetime64(day, "D"), side="right"))


@cache
def universe(prefecture: str, seed: int, scale: float, county: str) -> VolunteerUniverse:
    return VolunteerUniverse(profile(prefecture, seed, county), seed, scale)


def _prefecture_of(prof: CountyProfile) -> str:
    return prof.code[:4] + "00"


class VolunteerRosterGenerator(SourceGenerator):
    source = "volunteer_roster"

    def __init__(self, prof: CountyProfile, seed: int, scale: float) -> None:
        super().__init__(prof, seed, scale)
        self.u = universe(_prefecture_of(prof), seed, scale, prof.code)

    def expected_rows(self) -> int:
        return int(self.u.base * 1.15)

    def month(self, period: dt.date) -> pl.DataFrame:
        n = self.u.count_at(month_end(period))
        return with_seq(self.u.frame.head(n).with_columns(pl.lit("").alias("序号")))

    def correct(self, frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
        """A few cancelled registrations removed."""
        return with_seq(drop_rows(frame, rng))


class VolunteerServiceGenerator(SourceGenerator):
    source = "volunteer_service"

    def __init__(self, prof: CountyProfile, seed: int, scale: float) -> None:
        super().__init__(prof, seed, scale)
        self.u = universe(_prefecture_of(prof), seed, scale, prof.code)

    def expected_rows(self) -> int:
        return int(self.u.base * 1.15 * 0.27 * 1.6)

    def month(self, period: dt.date) -> pl.DataFrame:
        t = params.month_index(period)
        rng = stream(self.seed, self.source, self.profile.code, t)
        end = month_end(period)
        n_reg = self.u.count_at(end)
        share = 0.25 + ACTIVE_SEASON[period.month] + 0.01 * (t - params.BASE_T) / 12 + self.u.active_offset
        share = float(np.clip(share, *params.ACTIVE_SHARE))
        active = np.nonzero(rng.random(n_reg) < share)[0]
        per = np.minimum(1 + rng.poisson(0.6, len(active)), 4)
        vol = np.repeat(active, per)
        n_act = max(1, len(vol) // 8)
        days = end.day
        weekday = (np.arange(days) + period.weekday()) % 7
        day_p = np.where(weekday >= 5, 1.6, 1.0)
        act_day = rng.choice(days, n_act, p=day_p / day_p.sum())
        act_cat = rng.choice(len(SERVICE_CATEGORIES), n_act, p=CATEGORY_P)
        act_hours = rng.choice(HOURS, n_act, p=HOURS_P)
        act = rng.integers(0, n_act, len(vol))
        pairs = np.unique(np.stack([act, vol], axis=1), axis=0)  # one record per volunteer and activity
        act, vol = pairs[:, 0], pairs[:, 1]
        served_on = np.datetime64(period, "D") + act_day[act].astype("timedelta64[D]")
        ok = served_on >= self.u.registered[vol]  # nobody serves before registering
        act, vol, served_on = act[ok], vol[ok], served_on[ok]
        hours = act_hours[act] + np.where(rng.random(len(act)) < 0.15, rng.choice([-0.5, 0.5], len(act)), 0)
        hours = np.clip(hours, params.HOURS_RANGE[0], params.HOURS_RANGE[1])
        ym = f"{period:%Y%m}"
        act_ids = np.char.add(f"HD{self.profile.code}{ym}", np.char.zfill((act + 1).astype(str), 5))
        dates = iso_dates(served_on)
        frame = pl.DataFrame(
            {
                "序号": np.full(len(act), ""),
                "活动编号": act_ids,
                "志愿者编号": self.u.ids[vol] if len(vol) else np.array([], dtype=str),
                "服务日期": dates,
                "服务时长(小时)": np.char.mod("%.1f", hours),
                "服务类别": np.array(SERVICE_CATEGORIES)[act_cat[act]],
            },
            schema={c: pl.String for c in self.contract.headers},
        )
        return with_seq(frame)

    def correct(self, frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
        """Hours corrected for a few records, a few records withdrawn."""
        from .base import adjust_rows

        out, _ = adjust_rows(frame, rng, "服务时长(小时)", lambda v: f"{min(8.0, float(v) + 1.0):.1f}")
        return with_seq(drop_rows(out, rng))
