"""养老机构床位情况: one row per institution and month.

Institutions of the five types open (and a few 互助幸福院 close) over time; beds grow by occasional
expansions; nursing beds are reviewed twice a year towards a type-specific share that rises from about
40% (2020) towards 55% (2025) across the prefecture; dementia units open; star ratings go up. So the
institution attributes change now and then (history for an SCD2 dimension), and residents change
every month (occupancy 50-80%).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from dagster_project.reference import region

from . import params
from .base import SourceGenerator, adjust_rows, with_seq
from .identity import credit_code, village_names
from .profile import CountyProfile, stream

PRIVATE_WORDS = (
    "康乐",
    "福寿",
    "颐和",
    "松鹤",
    "夕阳红",
    "乐龄",
    "仁爱",
    "安康",
    "金色年华",
    "瑞康",
    "宝塔山",
    "圣地",
)
PRIVATE_SUFFIX = ("养老院", "老年公寓", "颐养中心", "康养中心")
COMMUNITIES = (
    "东关",
    "西关",
    "南关",
    "北关",
    "七里铺",
    "杨家岭",
    "二道街",
    "凤凰",
    "新区",
    "中心街",
    "文化",
    "胜利",
    "北苑",
    "南苑",
)


MAX_RENAMES = 20
_CN_DIGITS = "零一二三四五六七八九"


def _branch(n: int) -> str:
    """第二分院, 第三分院, ... (n = 1 is the second facility of that name)."""
    k = n + 1
    tens, ones = divmod(k, 10)
    word = (
        (_CN_DIGITS[tens] if tens > 1 else "") + ("十" if tens else "") + (_CN_DIGITS[ones] if ones else "")
    )
    return f"第{word}分院"


class EldercareGenerator(SourceGenerator):
    source = "eldercare"

    def __init__(self, profile: CountyProfile, seed: int, scale: float) -> None:
        super().__init__(profile, seed, scale)
        rng = stream(seed, self.source, profile.code)
        towns = np.array(profile.township_codes)
        tnames = np.array(profile.township_names)
        tshort = [region.division(c).short_name_zh for c in profile.township_codes]
        ttype = np.array(profile.township_types)
        w = np.array(profile.township_weights)
        has_street = bool((ttype == "街道").any())
        total_beds = params.BEDS_2020 * profile.shares["beds"] * scale

        counts: dict[str, int] = {}
        for kind, (share, typical, _, _) in params.INSTITUTION_MIX.items():
            if kind == "社区日间照料中心" and not has_street:
                continue
            # divided by the share open by the end of 2020, so the 2020 stock matches BEDS_2020
            open_2020 = params.OPEN_AT_EPOCH + (1 - params.OPEN_AT_EPOCH) * params.BASE_T / params.N_MONTHS
            counts[kind] = int(rng.poisson(total_beds * share / typical / open_2020))
        if sum(counts.values()) == 0:
            counts["公办养老院" if profile.is_district else "敬老院/特困供养服务设施"] = 1

        rows: list[dict] = []
        used_names: set[str] = set()
        n_months = params.N_MONTHS
        for kind, n in counts.items():
            _, typical, nursing0, nursing_add = params.INSTITUTION_MIX[kind]
            for i in range(n):
                if kind == "社区日间照料中心":
                    p = np.where(ttype == "街道", w, 0)
                elif kind in ("敬老院/特困供养服务设施", "农村互助幸福院"):
                    p = np.where(ttype != "街道", w, 0) if (ttype != "街道").any() else w
                else:
                    p = w * np.where(ttype == "街道", 2.0, 1.0)
                town = int(rng.choice(len(towns), p=p / p.sum()))
                name = self._name(kind, i, tnames[town], tshort[town], rng)
                first, attempt = name, 0
                while name in used_names:  # a second facility in the same township: named for its village
                    attempt += 1
                    if attempt <= MAX_RENAMES:
                        name = self._name(kind, 1, tnames[town], tshort[town] + village_names(rng, 1)[0], rng)
                    else:  # the kind's names are used up (scale 10: more 日间照料中心 than streets × names)
                        name = f"{first}{_branch(attempt - MAX_RENAMES)}"
                used_names.add(name)
                beds0 = max(4, int(round(typical * rng.lognormal(0, 0.35))))
                opened = 0 if rng.random() < params.OPEN_AT_EPOCH else int(rng.integers(1, n_months))
                closed = n_months
                if kind == "农村互助幸福院" and rng.random() < 0.08:
                    closed = int(rng.integers(opened + 1, n_months + 1))
                beds = np.full(n_months, beds0, dtype=np.int64)
                for t in np.nonzero(rng.random(n_months) < 0.008)[
                    0
                ]:  # occasional expansions (+2%/yr on average)
                    beds[t:] = np.round(beds[t:] * rng.uniform(1.1, 1.3))
                factor = float(np.clip(rng.normal(1.0, 0.12), 0.6, 1.4))
                phase = int(rng.integers(0, 6))
                nursing = np.zeros(n_months, dtype=np.int64)
                current = -1
                for t in range(n_months):
                    if current < 0 or (t - phase) % 6 == 0 or beds[t] != beds[t - 1]:
                        ratio = nursing0 + nursing_add * (t - params.BASE_T) / 60
                        current = int(round(beds[t] * float(np.clip(ratio * factor, 0, 0.95))))
                    nursing[t] = min(current, beds[t])
                dementia = np.zeros(n_months, dtype=np.int64)
                if kind in ("公办养老院", "民办养老机构", "敬老院/特困供养服务设施") and rng.random() < 0.35:
                    start = int(rng.integers(params.month_index(dt.date(2021, 1, 1)), n_months))
                    dementia[start:] = int(rng.integers(10, 31))
                dementia = np.minimum(dementia, nursing)
                star = np.full(n_months, -1, dtype=np.int64)
                if kind in ("公办养老院", "民办养老机构", "敬老院/特困供养服务设施"):
                    star[:] = rng.choice([-1, 1, 2, 3, 4], p=[0.3, 0.2, 0.3, 0.15, 0.05])
                    if rng.random() < 0.3:
                        up = int(rng.integers(0, n_months))
                        star[up:] = np.minimum(np.maximum(star[up:], 0) + 1, 5)
                occ = rng.uniform(*params.OCCUPANCY)
                residents = np.round(beds * np.clip(occ + rng.normal(0, 0.03, n_months), 0.3, 0.98)).astype(
                    np.int64
                )
                authority = "52" if kind == "民办养老机构" else "12"
                rows.append(
                    {
                        "name": name,
                        "credit": credit_code(authority, profile.code, rng),
                        "kind": kind,
                        "town": str(towns[town]),
                        "opened": opened,
                        "closed": closed,
                        "beds": beds,
                        "nursing": nursing,
                        "dementia": dementia,
                        "star": star,
                        "residents": residents,
                    }
                )
        self.institutions = rows

    def _name(self, kind: str, i: int, town: str, short_town: str, rng: np.random.Generator) -> str:
        county = self.profile.name
        match kind:
            case "敬老院/特困供养服务设施":
                return f"{county}中心敬老院" if i == 0 else f"{county}{short_town}敬老院"
            case "公办养老院":
                if i == 0:
                    return "延安市社会福利院" if self.profile.code == "610602" else f"{county}社会福利院"
                return f"{county}{short_town}养老院"
            case "民办养老机构":
                word = PRIVATE_WORDS[int(rng.integers(0, len(PRIVATE_WORDS)))]
                suffix = PRIVATE_SUFFIX[int(rng.integers(0, len(PRIVATE_SUFFIX)))]
                return f"{self.profile.short_name}{word}{suffix}"
            case "社区日间照料中心":
                return f"{town}{COMMUNITIES[int(rng.integers(0, len(COMMUNITIES)))]}社区日间照料中心"
            case _:
                return f"{short_town}{village_names(rng, 1)[0]}村互助幸福院".replace("村村", "村")

    def expected_rows(self) -> int:
        return len(self.institutions)

    def month(self, period: dt.date) -> pl.DataFrame:
        t = params.month_index(period)
        live = [r for r in self.institutions if r["opened"] <= t < r["closed"]]
        return with_seq(
            pl.DataFrame(
                {
                    "序号": [""] * len(live),
                    "机构名称": [r["name"] for r in live],
                    "统一社会信用代码": [r["credit"] for r in live],
                    "机构类型": [r["kind"] for r in live],
                    "床位总数": [str(r["beds"][t]) for r in live],
                    "护理型床位数": [str(r["nursing"][t]) for r in live],
                    "在院人数": [str(r["residents"][t]) for r in live],
                    "认知障碍照护床位数": [str(r["dementia"][t]) if r["dementia"][t] else "" for r in live],
                    "星级": [str(r["star"][t]) if r["star"][t] >= 0 else "" for r in live],
                    "乡镇代码": [r["town"] for r in live],
                },
                schema={c: pl.String for c in self.contract.headers},
            )
        )

    def correct(self, frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
        """Residents recounted for one or two institutions."""
        out, _ = adjust_rows(
            frame, rng, "在院人数", lambda v: str(max(0, int(v) + int(rng.integers(-5, 6)) or 1)), 0.05, 2
        )
        return out
