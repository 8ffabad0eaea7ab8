"""Screenshots of the huddle board on a tablet, landscape and portrait, zh-CN and English, for docs/screenshots.

Not part of the normal run; regenerate with

    GRIDWALK_SCREENSHOTS=1 .venv/bin/pytest tests/e2e/test_huddle_screenshots.py
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.e2e.huddle_day import TEXTS, realistic_day
from tests.e2e.test_huddle_board import PORTRAIT, cluster_with, open_board, pending_settles, refresh_until, tablet_context
from tests.e2e.test_patrol_app import TIMEOUT, log_in
from tests.e2e.test_screenshots import OUT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.environ.get("GRIDWALK_SCREENSHOTS") != "1", reason="set GRIDWALK_SCREENSHOTS=1"),
]


@pytest.mark.parametrize("lang, locale, grid", [("zh", "zh-CN", 3), ("en", "en-US", 4)])
def test_screenshots_of_the_huddle_board(browser, live_server, lang, locale, grid):
    OUT.mkdir(parents=True, exist_ok=True)
    realistic_day(live_server, grid, lang)
    context = tablet_context(browser, live_server, locale=locale)
    page = context.new_page()
    log_in(page, f"g{grid}-1")
    open_board(page)
    refresh_until(page, lambda timeout: expect(page.get_by_test_id("cluster-card")).to_have_count(2, timeout=timeout))
    expect(page.get_by_test_id("conflict-card")).to_have_count(1, timeout=TIMEOUT)
    # Make the manhole cluster a ticket, so the huddle's tickets show.
    manholes = cluster_with(page, TEXTS[lang]["manhole"][1])
    manholes.get_by_test_id("cluster-merge").click()
    manholes.get_by_test_id("ticket-create").click()
    expect(page.get_by_test_id("huddle-ticket")).to_have_count(1, timeout=TIMEOUT)
    pending_settles(page)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(800)  # thumbnails
    page.screenshot(path=str(OUT / f"huddle-landscape-{lang}.png"))
    page.screenshot(path=str(OUT / f"huddle-full-{lang}.png"), full_page=True)
    page.set_viewport_size(PORTRAIT)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(600)
    page.screenshot(path=str(OUT / f"huddle-portrait-{lang}.png"))
    page.goto("/#/team")
    expect(page.get_by_test_id("team-record").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(400)
    page.screenshot(path=str(OUT / f"team-records-{lang}.png"))
    context.close()
