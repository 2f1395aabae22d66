"""Headless Chromium (Debian's) logs in (as the leader, and as a county login whose row-level security
limits every chart), opens every dashboard the login can open, waits for every chart to render without
an error, and saves a screenshot under test-output/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagster_project.settings import REPO_ROOT

from .conftest import Server

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


@pytest.mark.parametrize("login", ["leader", "c610602"])
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
            page.wait_for_function(
                """() => [...document.querySelectorAll('.dashboard-component-chart-holder')].every(h =>
                       !h.querySelector('.loading') &&
                       h.querySelector('canvas, svg, table, .superset-legacy-chart-big-number, .header-line, [data-test="alert"]'))""",
                timeout=180_000,
            )
            errors = page.locator(
                ".dashboard-component-chart-holder [role=alert], .dashboard-component-chart-holder .alert-danger"
            )
            assert errors.count() == 0, (login, d["dashboard_title"], errors.first.inner_text())
            texts = page.locator(".dashboard-component-chart-holder").all_inner_texts()
            failed = [t for t in texts if any(e in t for e in ERROR_TEXTS)]
            assert not failed, (login, d["dashboard_title"], failed[:3])
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
            page.screenshot(path=str(shots / f"{d['slug'] or d['id']}.png"), full_page=True)
        browser.close()
