"""The patrol app end to end: a real Chromium, a phone screen, a live server."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, Api, jpeg_size, phone_context

pytestmark = pytest.mark.e2e
TIMEOUT = 20_000


def log_in(page, username: str) -> None:
    page.goto("/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("tab-today")).to_be_visible(timeout=TIMEOUT)


def installed(page) -> None:
    """Wait until the service worker controls the page (the shell is precached)."""
    page.evaluate("navigator.serviceWorker.ready")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
        expect(page.get_by_test_id("tab-today")).to_be_visible(timeout=TIMEOUT)
    page.wait_for_function("!!navigator.serviceWorker.controller", timeout=TIMEOUT)


def expect_outbox(page, count: int) -> None:
    """The Today screen's "waiting to sync" figure settles on ``count``."""
    page.goto("/#/today")
    expect(page.get_by_test_id("outbox-count")).to_have_text(str(count), timeout=TIMEOUT)


def sync_now(page) -> None:
    page.goto("/#/sync")
    page.get_by_test_id("sync-now").click()
    expect(page.get_by_test_id("outbox-count")).to_have_text("0", timeout=TIMEOUT)


def sync_until(page, check, attempts: int = 8) -> None:
    """Sync by hand until ``check()`` passes.

    A sync already running (started by the app's own scheduler before the
    other phone pushed) makes a tap on "sync now" wait for it, so a change
    may need a second round to arrive.
    """
    for attempt in range(attempts):
        sync_now(page)
        try:
            check(timeout=3_000)
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise


def file_report(page, description: str, photo=None, category: str = "facilities_damage") -> None:
    page.get_by_test_id("tab-report").click()
    page.get_by_test_id(f"report-category-{category}").click()
    page.get_by_test_id("report-description").fill(description)
    if photo is not None:
        page.get_by_test_id("report-photo-input").set_input_files(str(photo))
        expect(page.get_by_test_id("photo-thumb").first).to_be_visible(timeout=TIMEOUT)
    page.get_by_test_id("report-save").click()
    expect(page.get_by_test_id("report-save")).to_have_count(0, timeout=TIMEOUT)


def server_report(api: Api, description: str) -> dict | None:
    items = api.get("/api/reports", params={"limit": 500}).json()["items"]
    return next((r for r in items if r["data"].get("description") == description), None)


def test_offline_check_in_and_report_survive_a_restart_and_reach_the_server(browser, live_server, phone_jpeg):
    context = phone_context(browser, live_server)
    page = context.new_page()
    log_in(page, "g1-2")
    installed(page)

    context.set_offline(True)
    page.get_by_test_id("tab-checkin").click()
    expect(page.get_by_test_id("checkin-nearest")).to_be_visible(timeout=TIMEOUT)
    page.get_by_test_id("checkin-submit").click()
    expect(page.get_by_test_id("checkin-saved")).to_be_visible(timeout=TIMEOUT)
    description = "3幢楼下井盖破损，离线上报"
    file_report(page, description, photo=phone_jpeg)
    expect_outbox(page, 2)

    # The tab is killed; the phone, still without signal, opens the app again.
    page.close()
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_test_id("tab-today")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("today-report").filter(has_text=description)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("today-checkin")).to_have_count(1)
    expect_outbox(page, 2)

    context.set_offline(False)
    sync_now(page)
    api = Api(live_server, "g1-1")
    report = server_report(api, description)
    assert report is not None, "the report did not reach the server"
    assert report["data"]["reporter"] == "g1-2" and report["data"]["category"] == "facilities_damage"
    [sha] = report["data"]["photos"]
    for _ in range(50):
        if api.head(f"/api/photos/{sha}").status_code == 200:
            break
        page.wait_for_timeout(200)
    assert api.head(f"/api/photos/{sha}").headers["Photo-Status"] == "complete"
    served = api.get(f"/api/photos/{sha}")
    assert served.headers["Content-Type"] == "image/jpeg"
    width, height = jpeg_size(served.content)
    assert max(width, height) <= 1600 and height > width  # downscaled, and upright (held sideways)
    from PIL import Image

    assert not Image.open(io.BytesIO(served.content)).getexif()
    checkins = api.get("/api/checkins").json()["items"]
    assert [c["data"]["user"] for c in checkins] == ["g1-2"]
    context.close()


def edit_description(page, report_id: str, text: str) -> None:
    page.goto(f"/#/report/{report_id}/edit")
    field = page.get_by_test_id("report-description")
    expect(field).to_be_visible(timeout=TIMEOUT)
    field.fill(text)
    page.get_by_test_id("report-save").click()
    expect(page.get_by_test_id("report-save")).to_have_count(0, timeout=TIMEOUT)


def test_two_patrollers_editing_one_report_offline_converge_and_see_the_conflict(browser, live_server):
    phone_a, phone_b = phone_context(browser, live_server), phone_context(browser, live_server)
    a, b = phone_a.new_page(), phone_b.new_page()
    log_in(a, "g1-3")
    log_in(b, "g1-4")
    original = "5幢门口路灯不亮"
    file_report(a, original, category="facilities_damage")
    sync_now(a)
    report_id = server_report(Api(live_server, "g1-1"), original)["id"]

    def b_has_it(timeout):
        b.goto(f"/#/report/{report_id}")
        expect(b.get_by_test_id("detail-description")).to_have_text(original, timeout=timeout)

    sync_until(b, b_has_it)

    phone_a.set_offline(True)
    phone_b.set_offline(True)
    edit_description(a, report_id, "5幢门口路灯不亮，灯杆倾斜")
    b.wait_for_timeout(50)  # B's edit is the later one
    edit_description(b, report_id, "5幢门口两盏路灯都不亮")
    phone_a.set_offline(False)
    phone_b.set_offline(False)
    sync_now(a)
    sync_now(b)

    for page in (a, b):
        def merged_with_conflict(timeout, page=page):
            page.goto(f"/#/report/{report_id}")
            expect(page.get_by_test_id("detail-description")).to_have_text("5幢门口两盏路灯都不亮", timeout=timeout)
            page.goto("/#/sync")
            expect(page.get_by_test_id("conflict-item")).to_have_count(1, timeout=timeout)

        sync_until(page, merged_with_conflict)
        conflict = page.get_by_test_id("conflict-item")
        expect(conflict).to_contain_text("灯杆倾斜")
        expect(conflict).to_contain_text("问题描述")  # the field, in the user's language
    [listed] = Api(live_server, "g1-1").get("/api/conflicts").json()["conflicts"]
    assert listed["kept"]["value"] == "5幢门口两盏路灯都不亮" and listed["kept"]["actor"] == "g1-4"
    assert listed["losing"]["value"] == "5幢门口路灯不亮，灯杆倾斜" and listed["losing"]["actor"] == "g1-3"
    phone_a.close()
    phone_b.close()


def test_a_revoked_device_keeps_its_unsynced_work_and_asks_to_log_in(browser, live_server):
    phone = phone_context(browser, live_server)
    page = phone.new_page()
    log_in(page, "g1-5")
    sync_now(page)
    admin = Api(live_server, "admin")
    user_id = next(u["id"] for u in admin.get("/api/admin/users", params={"limit": 1000}).json()
                   if u["username"] == "g1-5")
    [device] = [d for d in admin.get("/api/admin/devices").json() if d["user_id"] == user_id]

    phone.set_offline(True)
    description = "12幢楼道堆放杂物堵塞消防通道"
    file_report(page, description, category="public_safety")
    expect_outbox(page, 1)
    assert admin.post(f"/api/admin/devices/{device['id']}/revoke").status_code == 200

    phone.set_offline(False)
    page.goto("/#/sync")
    page.get_by_test_id("sync-now").click()
    expect(page.get_by_test_id("relogin-banner")).to_be_visible(timeout=TIMEOUT)
    expect_outbox(page, 1)
    expect(page.get_by_test_id("today-report").filter(has_text=description)).to_be_visible()
    assert server_report(Api(live_server, "g1-1"), description) is None
    phone.close()


def test_the_app_speaks_english_when_the_phone_prefers_it(browser, live_server):
    english = phone_context(browser, live_server, locale="en-US").new_page()
    english.goto("/")
    expect(english.get_by_test_id("login-submit")).to_have_text(re.compile("log in", re.I), timeout=TIMEOUT)
    chinese = phone_context(browser, live_server).new_page()
    chinese.goto("/")
    expect(chinese.get_by_test_id("login-submit")).to_have_text(re.compile("登录"), timeout=TIMEOUT)
    english.context.close()
    chinese.context.close()
