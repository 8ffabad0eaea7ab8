"""The dashboard in Chromium: street1 reads the hand-built month (tests/api/stats_scenario.py).

A live server of its own, whose database holds that month, made through the
write path before gunicorn starts. Screenshots of the desktop (1366 x 768) in
zh-CN and English and of the wall screen (1920 x 1080) go to the test's
folder, and to docs/screenshots with GRIDWALK_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from server import create_app
from server.extensions import db
from tests.api import stats_scenario
from tests.conftest import TEST_CONFIG
from tests.e2e.conftest import PASSWORD
from tests.live_server import LiveServer, prepare_database, server_env

pytestmark = pytest.mark.e2e
TIMEOUT = 20_000
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1366, "height": 768}
WALL = {"width": 1920, "height": 1080}
NOVEMBER = "#/dashboard?period=month&date=2026-11-15"


@pytest.fixture(scope="module")
def month_server(tmp_path_factory):
    """A live server whose database holds the hand-built month of street 1."""
    if not (ROOT / "pwa" / "dist" / "index.html").exists():
        pytest.fail("pwa/dist is not built: run `make pwa` (make test builds it first)")
    tmp = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{tmp / 'month.db'}"
    env = server_env(url, tmp / "media", GRIDWALK_LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
                     GRIDWALK_LOGIN_LIMIT_PER_USER="1000 per minute")
    prepare_database(env)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "GRIDWALK_MEDIA_URL": f"file://{tmp / 'media'}"})
    ids = stats_scenario.build(app).ids
    with app.app_context():
        db.engine.dispose()
    server = LiveServer(env, tmp / "server.log", workers=1)
    server.start()
    try:
        yield server.base, ids
    finally:
        server.stop()


def desk_page(browser, base: str, locale: str, viewport: dict):
    context = browser.new_context(base_url=base, viewport=viewport, device_scale_factor=1, locale=locale,
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto("/")
    page.get_by_test_id("login-username").fill("street1")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("tab-dashboard")).to_be_visible(timeout=TIMEOUT)
    return context, page


def save(page, tmp_path: Path, name: str) -> None:
    page.wait_for_timeout(300)
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("GRIDWALK_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / path.name)


def measure(page, key: str):
    return page.get_by_test_id(f"measure-{key}-value")


def test_street1_sees_the_months_numbers_the_map_and_the_flags(browser, month_server, tmp_path):
    base, _ids = month_server
    context, page = desk_page(browser, base, "zh-CN", DESKTOP)
    page.get_by_test_id("tab-dashboard").click()
    expect(page.get_by_test_id("dashboard")).to_be_visible(timeout=TIMEOUT)
    page.goto(f"/{NOVEMBER}")
    expect(page.get_by_test_id("dash-period")).to_contain_text("2026-11-01 – 2026-11-30", timeout=TIMEOUT)
    expect(page.get_by_test_id("dash-scope")).to_contain_text("米市巷街道")
    # The hand-built month: 13 found, 6 opened, 4 closed (3 on time), 1 overdue open, 1 reworked.
    expect(measure(page, "found")).to_have_text("13")
    expect(measure(page, "opened")).to_have_text("6")
    expect(measure(page, "closed")).to_have_text("4")
    expect(measure(page, "open_overdue")).to_have_text("1")
    expect(measure(page, "closing_rate")).to_have_text("66.7%")
    expect(measure(page, "on_time_rate")).to_have_text("60%")
    expect(measure(page, "first_time_rate")).to_have_text("75%")
    expect(measure(page, "rework_rate")).to_have_text("25%")
    expect(page.get_by_test_id("measure-on_time_rate")).to_contain_text("按期结案率")
    # The map: street 1's four grids drawn from their boundaries; grid 1 holds the one open overdue ticket.
    for grid in (1, 2, 3, 4):
        expect(page.get_by_test_id(f"map-grid-{grid}")).to_be_visible()
    expect(page.get_by_test_id("map-grid-1").locator("text").nth(1)).to_have_text("1")
    # The ranking: grids 3 and 1 carry the horse flag, 4 and 2 the snail.
    for grid, flag in ((3, "horse"), (1, "horse"), (4, "snail"), (2, "snail")):
        expect(page.get_by_test_id(f"ranking-row-{grid}")).to_have_attribute("data-flag", flag)
    expect(page.get_by_test_id("flag-horse-3")).to_contain_text("骏马")
    expect(page.get_by_test_id("flag-snail-2")).to_contain_text("蜗牛")
    rows = page.locator("[data-testid^=ranking-row-]")
    expect(rows.first).to_have_attribute("data-testid", "ranking-row-3")
    # The league: D1 acknowledged within 1 h (median) and fixed within 24 h.
    expect(page.get_by_test_id("league-row-1")).to_contain_text("区城管局")
    expect(page.get_by_test_id("league-row-1")).to_contain_text("1 / 2")
    expect(page.get_by_test_id("trend-found").locator("circle")).to_have_count(11)
    save(page, tmp_path, "dashboard-zh")
    # The map by 按期结案率: grid 3 closed everything on time.
    page.get_by_test_id("map-metric-on_time").click()
    expect(page.get_by_test_id("dash-map")).to_have_attribute("data-metric", "on_time")
    expect(page.get_by_test_id("map-grid-3").locator("text").nth(1)).to_have_text("100%")
    # A grid from the map: its own figures.
    page.get_by_test_id("map-grid-1").click()
    expect(page.get_by_test_id("dashboard")).to_have_attribute("data-scope", "grid:1", timeout=TIMEOUT)
    expect(measure(page, "on_time_rate")).to_have_text("66.7%")
    expect(measure(page, "first_time_rate")).to_have_text("50%")
    context.close()


def test_the_dashboard_in_english_and_on_a_wall_screen(browser, month_server, tmp_path):
    base, _ids = month_server
    context, page = desk_page(browser, base, "en-US", DESKTOP)
    page.goto(f"/{NOVEMBER}")
    expect(measure(page, "on_time_rate")).to_have_text("60%", timeout=TIMEOUT)
    expect(page.get_by_test_id("measure-on_time_rate")).to_contain_text("On-time closing rate")
    expect(page.get_by_test_id("flag-horse-3")).to_contain_text("Fast horse")
    expect(page.get_by_test_id("league-row-1")).to_contain_text("City management")
    save(page, tmp_path, "dashboard-en")
    context.close()

    context, page = desk_page(browser, base, "zh-CN", WALL)
    page.goto(f"/{NOVEMBER}&wall=1")
    expect(page.get_by_test_id("dashboard")).to_have_class("screen dashboard dash-wall", timeout=TIMEOUT)
    expect(measure(page, "found")).to_have_text("13")
    expect(page.get_by_test_id("tab-dashboard")).to_be_hidden()
    # Everything on one screen: the lowest panel ends within 1080 px.
    bottom = page.evaluate("Math.max(...[...document.querySelectorAll('.dash-panel')]"
                           ".map(e => e.getBoundingClientRect().bottom))")
    assert bottom <= WALL["height"], bottom
    save(page, tmp_path, "dashboard-wall-zh")
    context.close()


def test_a_department_is_not_offered_the_dashboard(browser, month_server):
    base, _ids = month_server
    context = browser.new_context(base_url=base, viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto("/")
    page.get_by_test_id("login-username").fill("dept1")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("role-home")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("tab-dashboard")).to_have_count(0)
    page.goto(f"/{NOVEMBER}")
    expect(page.get_by_test_id("role-home")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("dashboard")).to_have_count(0)
    context.close()
