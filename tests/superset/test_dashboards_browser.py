"""Headless Chromium (Debian's) logs in (as admin, as the leader, and as a county login whose row-level
security limits every chart), opens every dashboard the login can open, waits for every chart to render
without an error, and saves a screenshot under test-output/screenshots/<login>/ (gitignored). What a
leader reads must be there: the as-of month and load time (数据说明), no "N/A", no English word, every
county of a table without scrolling, the prefecture's value and the plan target drawn as lines over the
county bars (for a county login over its own county only); and the county filter, set through the URL as
a shared link sets it, narrows the charts."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import pytest

from dagster_project.settings import REPO_ROOT

from .conftest import MONTHS, Server

pytestmark = [pytest.mark.superset, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
SHOTS = REPO_ROOT / "test-output" / "screenshots"
# What a failed chart shows (Superset's messages, in Chinese and English), e.g. a role without access to
# the chart's dataset: "This endpoint requires the datasource ..."
ERROR_TEXTS = ("requires the datasource", "需要数据源", "权限", "Error", "错误", "无法", "Unexpected")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AS_OF = "{}年{}月".format(*map(int, MONTHS[-1].split("-")))  # the latest month the test server holds
ENGLISH = re.compile(r"[A-Za-z]{2,}")
COUNTY_FILTER = "县（市、区）"
# the overview's county table: all counties (13 in 延安市) on one screen
COUNTY_TABLE = "各县区主要指标（最新月）"


# every chart: its loading spinner gone and something drawn (canvas/svg/table/big number)
RENDERED = """() => {
    const holders = [...document.querySelectorAll('.dashboard-component-chart-holder')];
    return holders.length >= 2 && holders.every(h => !h.querySelector('.loading') &&
        h.querySelector('canvas, svg, table, .superset-legacy-chart-big-number, .header-line, [data-test="alert"]'));
}"""


def _screenshot(page, path: Path) -> None:
    """The whole dashboard: the window made as tall as the page first (a full-page capture resizes it while
    shooting, and the dashboard re-lays out its charts: an empty grid was captured), charts drawn again."""
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1600, "height": max(1200, height)})
    page.wait_for_function(RENDERED, timeout=120_000)
    page.wait_for_timeout(1500)  # ECharts' entry animation
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1600, "height": 1200})


# the 数据说明 table has drawn its row (a chart's header icons are svg too: RENDERED can pass before it)
AS_OF_DRAWN = """(asOf) => {
    const text = [...document.querySelectorAll('.dashboard-component-chart-holder')].map(h => h.innerText).join('\\n');
    return text.includes('数据截至') && text.includes(asOf) && text.includes('数据更新时间');
}"""


def _check_readable(login: str, title: str, page) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):  # the assertions below say what is missing
        page.wait_for_function(AS_OF_DRAWN, arg=AS_OF, timeout=60_000)
    texts = page.locator(".dashboard-component-chart-holder").all_inner_texts()
    joined = "\n".join(texts)
    assert "数据截至" in joined and AS_OF in joined, (login, title, "no as-of month")
    assert "数据更新时间" in joined and "北京时间" in joined, (login, title, "no load time")
    assert "N/A" not in joined, (login, title, [t for t in texts if "N/A" in t][:2])
    english = sorted({w for t in texts for w in ENGLISH.findall(t)})
    assert not english, (login, title, english)
    # no chart scrolls: every table shows all its rows
    scrolling = page.evaluate(
        """() => [...document.querySelectorAll('.dashboard-component-chart-holder *')]
              .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)
                           && e.scrollHeight > e.clientHeight + 4 && e.querySelector('table'))
              .map(e => e.closest('.dashboard-component-chart-holder').innerText.split('\\n')[0])"""
    )
    assert not scrolling, (login, title, "scrolls", scrolling)


# the plan dashboard's status board: one row per plan indicator of the prefecture, with its 进度状态
PLAN_BOARD = "全市规划指标进度（最新）"
# a county comparison with both reference lines (the nursing-bed share has a 2025 plan target)
REFERENCE_CHART = "护理型床位占比（%）县区排名"
CIRCLED_RANK = re.compile(r"^[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]")


def _hover_categories(page, title: str) -> dict[str, str]:
    """Move the mouse across the chart's plot as a reader does and collect ECharts' tooltips (HTML, drawn
    from the series the chart really renders): {county: tooltip text}."""
    holder = page.locator(".dashboard-component-chart-holder", has_text=title)
    canvas = holder.locator("canvas").first
    canvas.wait_for(timeout=120_000)
    box = canvas.bounding_box()
    seen: dict[str, str] = {}
    for i in range(1, 40):
        page.mouse.move(box["x"] + box["width"] * i / 40, box["y"] + box["height"] * 0.6)
        page.wait_for_timeout(100)
        tips = page.evaluate(
            """() => [...document.querySelectorAll('div')]
                  .filter(d => getComputedStyle(d).zIndex === '9999999' && d.style.display !== 'none'
                               && getComputedStyle(d).opacity !== '0' && d.innerText.trim())
                  .map(d => d.innerText)"""
        )
        for tip in tips:
            county = CIRCLED_RANK.sub("", tip.split("\n")[0]).strip()
            seen[county] = tip
    page.mouse.move(0, 0)
    return seen


def _check_reference_lines(login: str, page) -> None:
    """The county bars carry the prefecture's value (全市平均) and the plan target (规划目标) as line series;
    a county login sees its own county only (and the prefecture's value, public to it)."""
    seen = _hover_categories(page, REFERENCE_CHART)
    assert seen, (login, "no tooltip on", REFERENCE_CHART)
    for county, tip in seen.items():
        assert "全市平均" in tip and "规划目标" in tip, (login, county, tip)
    if login == "c610602":
        assert set(seen) == {"宝塔区"}, (login, sorted(seen))
    else:
        assert len(seen) == 13, (login, sorted(seen))


def _county_filter_link(server: Server, session, dashboard: dict, county: str) -> str:
    """The dashboard's URL with its county filter set to `county` (Superset's native_filters parameter)."""
    meta = json.loads(
        session.get(f"{server.url}/api/v1/dashboard/{dashboard['id']}").json()["result"]["json_metadata"]
    )
    (f,) = [f for f in meta["native_filter_configuration"] if f["name"] == COUNTY_FILTER]
    column = f["targets"][0]["column"]["name"]
    value = "!('" + county + "')"
    state = (
        f"({f['id']}:(id:{f['id']},extraFormData:(filters:!((col:{column},op:IN,val:{value}))),"
        f"filterState:(value:{value})))"
    )
    return f"{server.url}/superset/dashboard/{dashboard['slug']}/?native_filters={state}"


@pytest.mark.parametrize("login", ["admin", "leader", "c610602"])
def test_every_dashboard_renders_in_chromium(superset_server: Server, admin, login: str) -> None:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium missing: scripts/system_packages.sh installs it"
    everything = admin.get(
        f"{superset_server.url}/api/v1/dashboard/", params={"q": "(page_size:100)"}
    ).json()["result"]
    dashboards = (
        superset_server.session(login)
        .get(f"{superset_server.url}/api/v1/dashboard/", params={"q": "(page_size:100)"})
        .json()["result"]
    )
    # a county login opens every dashboard (its rows are limited, not its dashboards)
    assert {d["id"] for d in dashboards} == {d["id"] for d in everything}
    shots = SHOTS / login
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 1200}, locale="zh-CN")
        page.goto(f"{superset_server.url}/login/")
        page.fill("input[name=username], #username", login)
        page.fill("input[name=password], #password", superset_server.password(login))
        page.keyboard.press("Enter")
        page.wait_for_url(lambda u: "/login" not in u, timeout=60_000)
        for d in dashboards:
            page.goto(f"{superset_server.url}/superset/dashboard/{d['slug'] or d['id']}/", timeout=120_000)
            page.wait_for_selector(".dashboard-component-chart-holder", timeout=120_000)
            holders = page.locator(".dashboard-component-chart-holder")
            n = holders.count()
            assert n >= 2, d["dashboard_title"]
            # every chart: its loading spinner gone and something drawn (canvas/svg/table/big number)
            page.wait_for_function(RENDERED, timeout=180_000)
            errors = page.locator(
                ".dashboard-component-chart-holder [role=alert], .dashboard-component-chart-holder .alert-danger"
            )
            assert errors.count() == 0, (login, d["dashboard_title"], errors.first.inner_text())
            texts = page.locator(".dashboard-component-chart-holder").all_inner_texts()
            failed = [t for t in texts if any(e in t for e in ERROR_TEXTS)]
            assert not failed, (login, d["dashboard_title"], failed[:3])
            _check_readable(login, d["dashboard_title"], page)
            if d["slug"] == "overview":
                rows = page.locator(".dashboard-component-chart-holder", has_text=COUNTY_TABLE).locator(
                    "tbody tr"
                )
                assert rows.count() == (13 if login != "c610602" else 1), (login, rows.count())
            if d["slug"] == "county_comparison":
                # native filters defaulted to their first option in the order of their sort metric:
                # the latest month, and the first indicator of the dictionary (not the first by text)
                page.wait_for_function(
                    """() => {
                        const bar = document.querySelector('[data-test="filter-bar"]');
                        const t = bar ? bar.innerText : '';
                        return t.includes('2025年6月') && t.includes('低保覆盖率（每百人）');
                    }""",
                    timeout=60_000,
                )
            if d["slug"] == "plan_targets":
                # with the quarterly 指标填报 loaded (as the demo does) the board is not mostly 无数据
                rows = page.locator(".dashboard-component-chart-holder", has_text=PLAN_BOARD).locator(
                    "tbody tr"
                )
                statuses = [r.split("\t") for r in rows.all_inner_texts()]
                assert len(statuses) >= 20, (login, len(statuses))
                no_data = [r[0] for r in statuses if "无数据" in r]
                assert len(no_data) <= len(statuses) // 4, (login, no_data)
                judged = {
                    s for r in statuses for s in r if s in ("已完成", "进度超前", "符合进度", "进度滞后")
                }
                assert {"已完成", "进度滞后"} <= judged, (login, judged)
            if d["slug"] == "county_comparison" and login != "admin":
                _check_reference_lines(login, page)
            _screenshot(page, shots / f"{d['slug'] or d['id']}.png")
        if login != "c610602":
            # the county filter applies: the overview's county table keeps only the chosen county
            overview = next(d for d in dashboards if d["slug"] == "overview")
            page.goto(
                _county_filter_link(superset_server, superset_server.session(login), overview, "宝塔区")
            )
            table = page.locator(".dashboard-component-chart-holder", has_text=COUNTY_TABLE)
            table.locator("tbody tr").first.wait_for(timeout=120_000)
            page.wait_for_function(
                """(title) => {
                    const h = [...document.querySelectorAll('.dashboard-component-chart-holder')]
                        .find(e => e.innerText.includes(title));
                    return h && h.querySelectorAll('tbody tr').length === 1;
                }""",
                arg=COUNTY_TABLE,
                timeout=120_000,
            )
            assert "宝塔区" in table.inner_text() and "安塞区" not in table.inner_text()
            _screenshot(page, shots / "overview_filtered_610602.png")
        browser.close()
