"""福利彩票销售日报: one row per outlet, game and day with sales.

Outlets open and close over the years (about 4% close a year, openings replace them and add ~1%);
each sells 双色球 and most of the other games, not every game every day. Daily sales follow the
outlet's size, the game's share, the draw days (双色球 Tue/Thu/Sun, 七乐彩 Mon/Wed/Fri), weekends, a
bump before the Spring Festival, the festival pause of the computer games (即开票 keeps selling), the
2020 COVID-19 suspension and the national trend by year. Amounts are multiples of 2 元 (one ticket).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from dagster_project.reference import region

from . import params
from .base import SourceGenerator, adjust_rows, drop_rows, iso_dates, month_end, with_seq
from .contract import GAMES
from .profile import CountyProfile, stream, yearly

SIZE_SIGMA = 0.5


class LotteryGenerator(SourceGenerator):
    source = "lottery"

    def __init__(self, profile: CountyProfile, seed: int, scale: float) -> None:
        super().__init__(profile, seed, scale)
        rng = stream(seed, self.source, profile.code)
        base = max(1.0, params.OUTLETS_2020 * profile.shares["outlets"] * scale)
        self.base_outlets = base
        n0 = max(1, int(rng.poisson(base)))
        opened = [np.full(n0, 0)]
        for t in range(1, params.N_MONTHS):
            k = rng.poisson(base * yearly(0.01, t) * (0.04 + 0.01) / 12)
            opened.append(np.full(k, t))
        opened_at = np.concatenate(opened)
        n = len(opened_at)
        closed_at = opened_at + rng.geometric(0.04 / 12, n)
        closed_at[0] = params.N_MONTHS  # at least one outlet stays open
        towns = np.array(profile.township_codes)
        ttype = np.array(profile.township_types)
        w = np.array(profile.township_weights) * np.where(ttype == "街道", 2.0, 1.0)
        town = rng.choice(len(towns), n, p=w / w.sum())
        self.ids = np.char.add(profile.code, np.char.zfill(np.arange(1, n + 1).astype(str), 4))
        station = np.char.add(np.char.add("中国福利彩票", self.ids), "投注站")
        short = np.array([region.division(c).short_name_zh for c in profile.township_codes])
        post = np.char.add(
            np.char.add(np.char.add("福彩公益驿站（", short[town]), "）"),
            np.char.zfill(np.arange(1, n + 1).astype(str), 2),
        )
        kind = rng.random(n)
        self.names = np.where(kind < 0.15, post, np.where(kind < 0.97, station, ""))
        self.towns = towns[town]
        self.opened_at, self.closed_at = opened_at, closed_at
        self.size = rng.lognormal(-(SIZE_SIGMA**2) / 2, SIZE_SIGMA, n)
        self.sells = np.stack([rng.random(n) < params.GAME_OUTLET_P[g] for g in GAMES], axis=1)
        self.sells[:, 0] = True
        # per outlet-day expected sales when every factor is 1; calibrated to the 2020 prefecture total
        coverage = sum(params.GAME_SHARE[g] * params.GAME_OUTLET_P[g] for g in GAMES)
        self.daily = params.LOTTERY_SALES_BASE * profile.shares["outlets"] * scale / 365 / base / coverage
        self.outlet_factor = float(rng.lognormal(0, 0.08))  # the county's sales per outlet vs others

    def expected_rows(self) -> int:
        per_outlet = sum(params.GAME_OUTLET_P[g] * params.GAME_DAY_P[g] for g in GAMES) * 30.4
        return int(self.base_outlets * per_outlet)

    def month(self, period: dt.date) -> pl.DataFrame:
        t = params.month_index(period)
        rng = stream(self.seed, self.source, self.profile.code, t)
        live = np.nonzero((self.opened_at <= t) & (self.closed_at > t))[0]
        end = month_end(period)
        days = np.datetime64(period, "D") + np.arange(end.day).astype("timedelta64[D]")
        weekday = (np.arange(end.day) + period.weekday()) % 7
        day_factor = np.ones(end.day)
        festival = params.SPRING_FESTIVAL.get(period.year)
        paused_computer = np.zeros(end.day, bool)
        paused_all = np.zeros(end.day, bool)
        for i in range(end.day):
            d = period + dt.timedelta(days=i)
            if festival is not None:
                eve = festival - dt.timedelta(days=1)
                if eve - dt.timedelta(days=14) <= d < eve:
                    day_factor[i] *= params.SPRING_BUMP
                if eve <= d <= festival + dt.timedelta(days=6):
                    paused_computer[i] = True
            if params.COVID_PAUSE[0] <= d <= params.COVID_PAUSE[1]:
                paused_all[i] = True
        year_factor = params.LOTTERY_YEAR_FACTOR[period.year]
        frames = []
        for g_i, game in enumerate(GAMES):
            outlets = live[self.sells[live, g_i]]
            if not len(outlets):
                continue
            o = np.repeat(outlets, end.day)
            day = np.tile(np.arange(end.day), len(outlets))
            wd = weekday[day]
            if game in params.DRAW_WEEKDAYS:
                f = np.where(np.isin(wd, params.DRAW_WEEKDAYS[game]), 1.4, 0.75)
            else:
                f = np.where(wd >= 5, 1.15, 0.94)
            if game == "即开票":
                f = f * np.where(paused_computer[day], 1.5, 1.0)
            p_day = params.GAME_DAY_P[game]
            sold = rng.random(len(o)) < p_day
            sold &= ~paused_all[day]
            if game != "即开票":
                sold &= ~paused_computer[day]
            mean = (
                self.daily
                * self.outlet_factor
                * self.size[o]
                * params.GAME_SHARE[game]
                / p_day
                * f
                * day_factor[day]
                * year_factor
            )
            amount = 2 * np.round(mean * rng.lognormal(-(0.35**2) / 2, 0.35, len(o)) / 2)
            keep = sold & (amount > 0)
            frames.append(
                pl.DataFrame(
                    {
                        "_o": o[keep],
                        "_g": np.full(int(keep.sum()), g_i),
                        "_d": day[keep],
                        "销售额(元)": np.char.mod("%.2f", amount[keep]),
                    }
                )
            )
        if not frames:
            return pl.DataFrame(schema={c: pl.String for c in self.contract.headers})
        rows = pl.concat(frames).sort("_o", "_d", "_g")
        o = rows["_o"].to_numpy()
        frame = rows.select(
            pl.lit("").alias("序号"),
            pl.Series("销售网点编号", self.ids[o]),
            pl.Series("网点名称", self.names[o]),
            pl.Series("乡镇代码", self.towns[o]),
            pl.Series("游戏", np.array(GAMES)[rows["_g"].to_numpy()]),
            pl.Series("销售日期", iso_dates(days[rows["_d"].to_numpy()])),
            pl.col("销售额(元)"),
        )
        return with_seq(frame)

    def correct(self, frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
        """Sales re-reported for a few outlet-days; a few rows entered twice by the terminal removed."""
        out, _ = adjust_rows(
            frame, rng, "销售额(元)", lambda v: f"{float(v) + 2 * int(rng.integers(5, 200)):.2f}"
        )
        return with_seq(drop_rows(out, rng))
