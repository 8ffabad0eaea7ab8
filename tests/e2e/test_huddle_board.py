"""The evening huddle end to end: patrollers on phones, the team lead on a tablet, a live server."""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect

from server.seed import GRID_CENTRES
from tests.e2e.conftest import GRID1_POSITION, PASSWORD, Api, phone_context
from tests.e2e.test_patrol_app import (
    TIMEOUT, edit_description, file_report, installed, log_in, server_report, sync_now, sync_until,
)

pytestmark = pytest.mark.e2e
# The district's time zone: the server files reports under its days, and so does a tablet there.
ZONE = "Asia/Shanghai"
LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}

BINS = ("3幢楼下垃圾桶满溢，垃圾散落一地", "3号楼垃圾桶满了，溢出来了", "Rubbish bins overflowing at block 3")
LAMP = "5幢门口路灯不亮"
HYDRANT = "5幢门口消防栓漏水"


def tablet_context(browser, base_url: str, locale: str = "zh-CN", viewport: dict = LANDSCAPE):
    """The lead's tablet: a touch screen of 1024 x 768 (or turned to portrait), in the district's time zone."""
    return browser.new_context(
        base_url=base_url, viewport=viewport, device_scale_factor=1, is_mobile=True, has_touch=True,
        locale=locale, timezone_id=ZONE, geolocation=GRID1_POSITION, permissions=["geolocation"],
    )


def open_board(page) -> None:
    page.get_by_test_id("tab-huddle").click()
    expect(page.get_by_test_id("huddle-board")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("huddle-as-of")).to_contain_text(re.compile(r"\d{1,2}:\d{2}"), timeout=TIMEOUT)


def cluster_with(page, description: str):
    return page.get_by_test_id("cluster-card").filter(has=page.get_by_test_id("board-report").filter(has_text=description))


def pending_settles(page, count: int = 0) -> None:
    expect(page.get_by_test_id("huddle-pending")).to_have_attribute("data-count", str(count), timeout=TIMEOUT)


def refresh_until(page, check, attempts: int = 8) -> None:
    """Sync and refresh the board until ``check()`` passes (another phone's push may land a moment later)."""
    for attempt in range(attempts):
        page.get_by_test_id("huddle-refresh").click()
        try:
            check(timeout=3_000)
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise


def file_the_day(browser, live_server, phone_jpeg) -> dict:
    """Three patrollers report the same overflowing bins (two in Chinese, one in English), two report
    unrelated problems at another door, and two edit one of those offline at the same time."""
    phones = {user: phone_context(browser, live_server) for user in ("g1-2", "g1-3", "g1-4")}
    pages = {user: context.new_page() for user, context in phones.items()}
    for user, page in pages.items():
        log_in(page, user)
    for (user, page), text in zip(pages.items(), BINS):
        file_report(page, text, photo=phone_jpeg, category="sanitation")
    file_report(pages["g1-2"], LAMP, category="facilities_damage")
    file_report(pages["g1-3"], HYDRANT, category="facilities_damage")
    for page in pages.values():
        sync_now(page)
    api = Api(live_server, "g1-1")
    ids = {text: server_report(api, text)["id"] for text in (*BINS, LAMP, HYDRANT)}

    # g1-3 and g1-4 both change the lamp report's description while offline: one of them loses.
    for user in ("g1-3", "g1-4"):
        def has_it(timeout, page=pages[user]):
            page.goto(f"/#/report/{ids[LAMP]}")
            expect(page.get_by_test_id("detail-description")).to_have_text(LAMP, timeout=timeout)

        sync_until(pages[user], has_it)
    for user in ("g1-3", "g1-4"):
        phones[user].set_offline(True)
    edit_description(pages["g1-3"], ids[LAMP], "5幢门口路灯不亮，灯杆倾斜")
    pages["g1-4"].wait_for_timeout(50)
    edit_description(pages["g1-4"], ids[LAMP], "5幢门口两盏路灯都不亮")
    for user in ("g1-3", "g1-4"):
        phones[user].set_offline(False)
        sync_now(pages[user])
    for context in phones.values():
        context.close()
    return ids


def test_the_lead_merges_resolves_splits_offline_and_submits_at_the_huddle(browser, live_server, phone_jpeg):
    ids = file_the_day(browser, live_server, phone_jpeg)
    [conflict] = Api(live_server, "g1-1").get("/api/conflicts").json()["conflicts"]
    assert conflict["losing"]["value"] == "5幢门口路灯不亮，灯杆倾斜"

    tablet = tablet_context(browser, live_server)
    page = tablet.new_page()
    log_in(page, "g1-1")
    open_board(page)

    # The three bins reports in one cluster, its reasons in Chinese, people by display name.
    bins = cluster_with(page, BINS[0])
    refresh_until(page, lambda timeout: expect(bins.get_by_test_id("board-report")).to_have_count(3, timeout=timeout))
    for text in BINS[1:]:
        expect(bins).to_contain_text(text)
    expect(bins.get_by_test_id("cluster-reasons")).to_contain_text("同一类别")
    expect(bins.get_by_test_id("cluster-reasons")).to_contain_text("3 人上报")
    reporters = bins.get_by_test_id("board-reporter").all_inner_texts()
    assert len(reporters) == 3 and not any(re.match(r"g\d+-\d", name) for name in reporters), reporters

    # Merge them into a handoff ticket, pre-filled and edited.
    bins.get_by_test_id("cluster-merge").click()
    form = bins.get_by_test_id("ticket-form")
    expect(form.get_by_test_id("ticket-title")).to_have_value(BINS[0])
    expect(form.get_by_test_id("ticket-category")).to_have_value("sanitation")
    form.get_by_test_id("ticket-place").fill("3幢楼下")
    form.get_by_test_id("ticket-create").click()
    expect(cluster_with(page, BINS[0])).to_have_count(0, timeout=TIMEOUT)
    expect(page.get_by_test_id("huddle-ticket").filter(has_text=BINS[0])).to_be_visible()

    # The conflict, side by side; keep the value that lost.
    card = page.get_by_test_id("conflict-card")
    expect(card).to_have_count(1, timeout=TIMEOUT)
    expect(card.get_by_test_id("conflict-kept")).to_contain_text("5幢门口两盏路灯都不亮")
    expect(card.get_by_test_id("conflict-losing")).to_contain_text("灯杆倾斜")
    card.get_by_test_id("conflict-keep-losing").click()
    expect(page.get_by_test_id("conflict-card")).to_have_count(0, timeout=TIMEOUT)
    pending_settles(page)

    # Wi-Fi drops: split the hydrant out of the lamp's cluster; it waits in the outbox.
    tablet.set_offline(True)
    lamp = cluster_with(page, HYDRANT)
    expect(lamp).to_have_count(1)
    lamp.get_by_test_id("board-report").filter(has_text=HYDRANT).get_by_test_id("report-split").click()
    expect(cluster_with(page, HYDRANT)).to_have_count(0)
    pending_settles(page, 1)
    expect(page.get_by_test_id("huddle-pending")).to_contain_text("待同步")

    # Back online: the split goes out; then submit the huddle's tickets in one step.
    tablet.set_offline(False)
    pending_settles(page)
    page.get_by_test_id("tickets-submit").click()
    submitted = page.get_by_test_id("huddle-ticket").filter(has_text=BINS[0])
    expect(submitted).to_have_attribute("data-status", "submitted", timeout=TIMEOUT)
    expect(submitted).to_have_attribute("data-pending", "0", timeout=TIMEOUT)
    pending_settles(page)
    tablet.close()

    # The server holds exactly that.
    lead = Api(live_server, "g1-1")
    [ticket] = [t for t in lead.get("/api/tickets").json()["items"] if set(t["report_ids"]) & set(ids.values())]
    assert ticket["status"] == "submitted" and ticket["place"] == "3幢楼下"
    assert sorted(ticket["report_ids"]) == sorted(ids[text] for text in BINS)
    assert [c for c in lead.get("/api/conflicts").json()["conflicts"] if c["entity_id"] == ids[LAMP]] == []
    assert lead.get(f"/api/reports/{ids[LAMP]}").json()["data"]["description"] == "5幢门口路灯不亮，灯杆倾斜"
    changes = lead.get("/api/sync/pull", params={"limit": 500}).json()["changes"]
    [split] = [c for c in changes if c["entity"] == "keep_apart"]
    assert split["data"]["report_id"] == ids[HYDRANT] and split["data"]["apart_from"] == [ids[LAMP]]
    today = datetime.now(ZoneInfo(ZONE)).date().isoformat()
    clusters = lead.get("/api/huddle", params={"date": today}).json()["clusters"]
    assert not any(ids[HYDRANT] in c["report_ids"] and ids[LAMP] in c["report_ids"] for c in clusters)
    notified = Api(live_server, "street1").get("/api/notifications").json()["notifications"]
    assert [n["kind"] for n in notified if n["entity_id"] == ticket["id"]] == ["ticket_submitted"]


class Device(Api):
    """The API as one more phone: a device id of its own to push from."""

    def __init__(self, base_url: str, username: str):
        self.device_id = f"e2e-{username}-{uuid.uuid4().hex[:8]}"
        super().__init__(base_url, username, self.device_id)


def push(api: Device, *mutations: dict) -> list[dict]:
    """Push mutations as a phone would, straight to the API (to set a day up quickly)."""
    body = {"device_id": api.device_id, "mutations": list(mutations)}
    answer = requests.post(f"{api.base}/api/sync/push", json=body, headers=api.headers, timeout=10).json()
    assert all(r["status"] == "applied" for r in answer["results"]), answer
    return answer["results"]


def report_mutation(api: Device, grid: int, **data) -> dict:
    now = int(time.time() * 1000)
    return {"id": str(uuid.uuid4()), "entity": "report", "entity_id": str(uuid.uuid4()), "op": "create",
            "hlc": f"{now:015d}:00000:{api.device_id}", "base_version": None,
            "data": {"grid_id": grid, "severity": 1, "lat": GRID_CENTRES[grid - 1][0],
                     "lon": GRID_CENTRES[grid - 1][1], "device_time": datetime.now(ZoneInfo(ZONE)).isoformat(),
                     **data}}


def desk_log_in(page, username: str) -> None:
    page.goto("/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("role-home")).to_be_visible(timeout=TIMEOUT)


def test_a_focus_check_from_the_huddle_reaches_every_members_today(browser, live_server):
    reporter = Device(live_server, "g2-3")
    push(reporter, *(report_mutation(reporter, 2, category="sanitation", description=f"垃圾堆放{n}号") for n in range(3)))
    tablet = tablet_context(browser, live_server)
    board = tablet.new_page()
    log_in(board, "g2-1")
    open_board(board)
    problem = board.get_by_test_id("common-problem").filter(has=board.get_by_test_id("focus-sanitation"))
    refresh_until(board, lambda timeout: expect(problem).to_have_count(1, timeout=timeout))
    # The suggestion, translated from its code (street-wide when grid 1 also had bins this week).
    expect(problem).to_contain_text(re.compile("各网格同步排查|全网格排查一遍"))
    problem.get_by_test_id("focus-sanitation").click()
    expect(board.get_by_test_id("focus-posted")).to_be_visible(timeout=TIMEOUT)
    pending_settles(board)
    tablet.close()

    phone = phone_context(browser, live_server)
    page = phone.new_page()
    log_in(page, "g2-2")
    sync_until(page, lambda timeout: (page.goto("/#/today"), expect(page.get_by_test_id("today-notice")).to_have_count(1, timeout=timeout)))
    expect(page.get_by_test_id("today-notice")).to_contain_text("环境卫生")
    phone.close()


def test_a_patroller_is_offered_no_huddle(browser, live_server):
    phone = phone_context(browser, live_server)
    page = phone.new_page()
    log_in(page, "g5-2")
    expect(page.get_by_test_id("tab-report")).to_be_visible()
    expect(page.get_by_test_id("tab-huddle")).to_have_count(0)
    expect(page.get_by_test_id("tab-team")).to_have_count(0)
    page.goto("/#/huddle")
    expect(page.get_by_test_id("today-pending")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("huddle-board")).to_have_count(0)
    page.goto("/#/team")
    expect(page.get_by_test_id("team-records")).to_have_count(0)
    phone.close()


def test_a_supervisor_is_offered_no_capture(browser, live_server):
    tablet = tablet_context(browser, live_server)
    page = tablet.new_page()
    desk_log_in(page, "street2")
    expect(page.get_by_test_id("role-home")).to_have_attribute("data-role", "supervisor")
    expect(page.get_by_test_id("role-no-capture")).to_be_visible()
    for tab in ("today", "checkin", "report", "visit", "huddle", "team"):
        expect(page.get_by_test_id(f"tab-{tab}")).to_have_count(0)
    for route in ("/#/checkin", "/#/report/new", "/#/visit/new", "/#/today", "/#/huddle"):
        page.goto(route)
        expect(page.get_by_test_id("role-home")).to_be_visible(timeout=TIMEOUT)
        for control in ("checkin-submit", "report-save", "visit-save"):
            expect(page.get_by_test_id(control)).to_have_count(0)
    page.goto("/#/sync")
    expect(page.get_by_test_id("outbox-item")).to_have_count(0)
    tablet.close()


def test_a_lead_sees_teammates_records_by_display_name(browser, live_server):
    member = Device(live_server, "g6-2")
    push(member, report_mutation(member, 6, category="public_safety", description="6幢楼道堆放纸箱"),
         report_mutation(member, 6, category="sanitation", description="6幢门口垃圾未清运"))
    tablet = tablet_context(browser, live_server)
    page = tablet.new_page()
    log_in(page, "g6-1")
    page.get_by_test_id("tab-team").click()
    expect(page.get_by_test_id("team-records")).to_be_visible(timeout=TIMEOUT)
    records = page.get_by_test_id("team-record")

    def both(timeout):
        page.goto("/#/team")
        expect(records).to_have_count(2, timeout=timeout)

    sync_until(page, both)
    name = next(m["display_name"] for m in member.get("/api/team").json()["members"] if m["username"] == "g6-2")
    expect(records.get_by_test_id("team-record-who").first).to_have_text(name)
    expect(page.get_by_test_id("team-records")).not_to_contain_text("g6-2")
    page.get_by_test_id("team-category").select_option("public_safety")
    expect(records).to_have_count(1)
    expect(records).to_contain_text("6幢楼道堆放纸箱")
    page.get_by_test_id("team-member").select_option("g6-3")
    expect(records).to_have_count(0)
    tablet.close()


def test_the_board_opens_from_cache_with_no_network(browser, live_server):
    member = Device(live_server, "g7-2")
    push(member, report_mutation(member, 7, category="sanitation", description="7幢门口垃圾未清运"))
    tablet = tablet_context(browser, live_server)
    page = tablet.new_page()
    log_in(page, "g7-1")
    installed(page)
    open_board(page)
    refresh_until(page, lambda timeout: expect(page.get_by_test_id("board-report")).to_have_count(1, timeout=timeout))

    # Wi-Fi gone, the app closed and opened again: the board comes from the tablet's cache.
    tablet.set_offline(True)
    expect(page.get_by_test_id("huddle-as-of")).to_contain_text("离线", timeout=TIMEOUT)
    as_of = page.get_by_test_id("huddle-as-of").inner_text()  # no refresh can change it now
    page.close()
    page = tablet.new_page()
    page.goto("/#/huddle")
    expect(page.get_by_test_id("board-report")).to_have_count(1, timeout=TIMEOUT)
    expect(page.get_by_test_id("board-report")).to_contain_text("7幢门口垃圾未清运")
    expect(page.get_by_test_id("huddle-as-of")).to_have_text(as_of)
    tablet.close()
