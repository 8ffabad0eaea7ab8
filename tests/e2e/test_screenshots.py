"""Screenshots of every screen at phone size, in zh-CN and English, for docs/screenshots.

Not part of the normal run; regenerate with

    GRIDWALK_SCREENSHOTS=1 .venv/bin/pytest tests/e2e/test_screenshots.py
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import Api, phone_context
from tests.e2e.test_patrol_app import TIMEOUT, file_report, log_in, server_report, sync_now

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.environ.get("GRIDWALK_SCREENSHOTS") != "1", reason="set GRIDWALK_SCREENSHOTS=1"),
]


def _concurrent_edits(base: str, report_id: str) -> None:
    """Two other phones edit the report from the same version: one value loses."""
    now = int(time.time() * 1000)
    for offset, (user, text) in enumerate((("g1-2", "井盖缺失，已放置警示锥"), ("g1-3", "井盖破损，需要更换"))):
        device = f"shot-{user}-{uuid.uuid4().hex[:6]}"
        token = requests.post(f"{base}/api/auth/login", json={"username": user, "password": "gridwalk-demo",
                                                            "device_id": device}).json()["access_token"]
        mutation = {"id": str(uuid.uuid4()), "entity": "report", "entity_id": report_id, "op": "update",
                    "hlc": f"{now + offset:015d}:00000:{device}", "base_version": 1,
                    "data": {"description": text}}
        requests.post(f"{base}/api/sync/push", json={"device_id": device, "mutations": [mutation]},
                      headers={"Authorization": f"Bearer {token}"}).raise_for_status()


@pytest.mark.parametrize("lang, locale", [("zh", "zh-CN"), ("en", "en-US")])
def test_screenshots_of_every_screen(browser, live_server, phone_jpeg, lang, locale):
    OUT.mkdir(parents=True, exist_ok=True)
    context = phone_context(browser, live_server, locale=locale)
    page = context.new_page()

    def shot(name: str) -> None:
        page.wait_for_timeout(400)
        page.screenshot(path=str(OUT / f"{name}-{lang}.png"))

    page.goto("/")
    expect(page.get_by_test_id("login-submit")).to_be_visible(timeout=TIMEOUT)
    shot("login")
    user = "g1-6" if lang == "zh" else "g2-6"
    log_in(page, user)
    description = "3幢楼下井盖破损" if lang == "zh" else "Broken manhole cover by block 3"
    file_report(page, description, photo=phone_jpeg)
    sync_now(page)
    report_id = server_report(Api(live_server, "admin"), description)["id"]
    _concurrent_edits(live_server, report_id) if lang == "zh" else None
    page.get_by_test_id("tab-checkin").click()
    expect(page.get_by_test_id("checkin-submit")).to_be_visible(timeout=TIMEOUT)
    page.get_by_test_id("checkin-submit").click()
    expect(page.get_by_test_id("checkin-saved")).to_be_visible(timeout=TIMEOUT)
    sync_now(page)
    page.goto("/#/today")
    expect(page.get_by_test_id("today-report").first).to_be_visible(timeout=TIMEOUT)
    shot("today")
    page.goto("/#/checkin")
    expect(page.get_by_test_id("checkin-nearest")).to_be_visible(timeout=TIMEOUT)
    shot("checkin")
    page.goto("/#/report/new")
    page.get_by_test_id("report-category-sanitation").click()
    shot("report-new")
    page.goto(f"/#/report/{report_id}")
    expect(page.get_by_test_id("report-detail")).to_be_visible(timeout=TIMEOUT)
    shot("report-detail")
    page.goto(f"/#/report/{report_id}/edit")
    expect(page.get_by_test_id("report-description")).to_be_visible(timeout=TIMEOUT)
    shot("report-edit")
    page.goto("/#/visit/new")
    page.get_by_test_id("visit-kind-household").click()
    page.get_by_test_id("visit-place").fill("3幢2单元501" if lang == "zh" else "Block 3, unit 2, flat 501")
    shot("visit")
    context.set_offline(True)
    page.get_by_test_id("visit-save").click()
    page.goto("/#/history")
    shot("history")
    page.goto("/#/sync")
    expect(page.get_by_test_id("outbox-item").first).to_be_visible(timeout=TIMEOUT)
    shot("sync")
    page.goto("/#/settings")
    expect(page.get_by_test_id("settings-language")).to_be_visible(timeout=TIMEOUT)
    shot("settings")
    context.close()
