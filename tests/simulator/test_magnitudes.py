"""Scale 1 reproduces the 2020 baselines of 延安 (seed 000): one month generated in memory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from minzheng_simulator import SimulationConfig, frames_for_month, params


def test_assistance_caseload_at_scale_one() -> None:
    config = SimulationConfig(out=Path("/nonexistent"), scale=1.0, seed=20241231)
    frames = frames_for_month(config, dt.date(2020, 12, 1), "assistance")
    rows = pl.concat(frames.values())
    counts = dict(rows.group_by("救助类别").len().iter_rows())
    dibao = counts["城市低保"] + counts["农村低保"]
    tekun = counts["特困集中供养"] + counts["特困分散供养"]
    assert abs(dibao - params.DIBAO_PERSONS_2020) <= 0.15 * params.DIBAO_PERSONS_2020
    assert abs(tekun - params.TEKUN_PERSONS_2020) <= 0.15 * params.TEKUN_PERSONS_2020
    assert 0.2 <= counts["特困集中供养"] / tekun <= 0.4
    assert 100 <= counts["临时救助"] <= 1000
    assert counts["农村低保"] > counts["城市低保"]
    # counties differ: 宝塔区 is big and urban, 黄龙县 tiny and rural
    baota, huanglong = frames["610602"], frames["610631"]
    assert baota.height > 5 * huanglong.height
    share_urban = {k: (f["救助类别"] == "城市低保").mean() for k, f in frames.items()}
    assert share_urban["610602"] > share_urban["610631"]
    amounts = (
        rows.with_columns(pl.col("保障金额(元)").cast(pl.Float64))
        .group_by("救助类别")
        .agg(pl.col("保障金额(元)").mean())
    )
    mean = dict(amounts.iter_rows())
    assert 550 <= mean["城市低保"] <= 800 and 400 <= mean["农村低保"] <= 600
    assert mean["特困分散供养"] > mean["城市低保"]


@pytest.mark.timeout(120)
def test_eldercare_at_province_scale_names_every_institution_once() -> None:
    """Scale 10 (the province benchmark) has more 日间照料中心 than a county has streets × community names:
    the renaming loop used to spin for ever there. Every institution still gets one unique name."""
    config = SimulationConfig(out=Path("/nonexistent"), scale=10.0, seed=20241231)
    frames = frames_for_month(config, dt.date(2025, 12, 1), "eldercare")
    for county, frame in frames.items():
        names = frame["机构名称"]
        assert names.n_unique() == frame.height, county
    baota = frames["610602"]
    assert baota.height > 100 and baota["机构名称"].str.contains("分院$").any()
