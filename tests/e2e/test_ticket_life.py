"""The rest of a problem's life in Chromium, after the huddle: four people, four browsers.

The team lead on a tablet, the street supervisor and a department at desktops,
a patroller on a phone: submit, return with a reason, correct and resubmit,
approve and dispatch to the suggested department, acknowledge, send one back,
resolve with an after-photo, check on site (not fixed, then fixed) and close.
Every step is checked on screen and in the ticket's trail on the server.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from server.seed import GRID_CENTRES
from tests.e2e.conftest import Api, phone_context
from tests.e2e.test_huddle_board import (
    ZONE,
    Device,
    cluster_with,
    desk_log_in,
    open_board,
    pending_settles,
    push,
    refresh_until,
    report_mutation,
    tablet_context,
)
from tests.e2e.test_patrol_app import TIMEOUT, file_report, log_in, sync_now, sync_until

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1366, "height": 768}
GRID3 = {"latitude": GRID_CENTRES[2][0], "longitude": GRID_CENTRES[2][1], "accuracy": 8}
# Grid 3's fire lane, a street away from its bins: not the same problem.
LANE = {"lat": GRID_CENTRES[2][0] + 0.0009, "lon": GRID_CENTRES[2][1] + 0.0009}

BINS = ("7幢门口垃圾桶满溢，垃圾散落", "7号楼门口垃圾桶满了没人清")
LANE_TEXT = ("消防通道被私家车占用", "消防通道停满了车，堵死了")
RETURN_REASON = "请写明是7幢哪一侧的门口"
SEND_BACK_REASON = "消防通道占用归消防救援部门，不属城管"
USERNAME = re.compile(r"\b(g\d+-\d|street\d|dept\d)\b")


def desk_context(browser, base_url: str, locale: str = "zh-CN"):
    """A desktop browser at 1366 x 768, in the district's time zone."""
    return browser.new_context(base_url=base_url, viewport=DESKTOP, locale=locale, timezone_id=ZONE)


def history(api: Api, ticket_id: str) -> list[dict]:
    return api.get(f"/api/tickets/{ticket_id}/history").json()


def actions(api: Api, ticket_id: str) -> list[str]:
    return [h["action"] for h in history(api, ticket_id)]


def ticket_titled(api: Api, title: str) -> dict:
    return next(t for t in api.get("/api/tickets", params={"limit": 500}).json()["items"] if t["title"] == title)


def settled(page, testid: str, api: Api, ticket_id: str, last: str) -> None:
    """The screen's actions reached the server: nothing waits on screen and the ticket's trail ends with ``last``.

    The screen's count may read 0 a moment before an action just tapped is counted, so the server is asked too.
    """
    expect(page.get_by_test_id(f"{testid}-pending")).to_have_attribute("data-count", "0", timeout=TIMEOUT)
    deadline = time.monotonic() + TIMEOUT / 1000
    while actions(api, ticket_id)[-1] != last:
        assert time.monotonic() < deadline, (ticket_id, actions(api, ticket_id))
        page.wait_for_timeout(200)


def refresh(page, testid: str, check) -> None:
    """Sync and refresh a desk screen until ``check()`` passes (another browser's push may land a moment later)."""
    for attempt in range(8):
        page.get_by_test_id(f"{testid}-refresh").click()
        try:
            check(timeout=3_000)
            return
        except AssertionError:
            if attempt == 7:
                raise


def the_day_in_grid_3(browser, live_server, phone_jpeg):
    """g3-2 files the bins with a photo from the phone; g3-3 files them too; two others the blocked fire lane."""
    phone = phone_context(browser, live_server)
    phone.set_geolocation(GRID3)
    patrol = phone.new_page()
    log_in(patrol, "g3-2")
    file_report(patrol, BINS[0], photo=phone_jpeg, category="sanitation")
    sync_now(patrol)
    for user, data in (("g3-3", {"category": "sanitation", "description": BINS[1]}),
                       ("g3-4", {"category": "traffic_parking", "description": LANE_TEXT[0], **LANE}),
                       ("g3-5", {"category": "traffic_parking", "description": LANE_TEXT[1], **LANE})):
        device = Device(live_server, user)
        push(device, report_mutation(device, 3, **data))
    return phone, patrol


def test_the_whole_life_of_a_problem_across_four_browsers(browser, live_server, phone_jpeg):
    phone, patrol = the_day_in_grid_3(browser, live_server, phone_jpeg)
    street, dept = Api(live_server, "street1"), Api(live_server, "dept1")
    names = {p["username"]: p["display_name"] for p in street.get("/api/people").json()["people"]}
    names.update({p["username"]: p["display_name"] for p in dept.get("/api/people").json()["people"]})

    # --- The lead merges both problems into tickets at the huddle and submits them (tablet).
    tablet = tablet_context(browser, live_server)
    lead = tablet.new_page()
    log_in(lead, "g3-1")
    open_board(lead)
    for text, place in ((BINS[0], "7幢门口"), (LANE_TEXT[0], "小区东侧消防通道")):
        cluster = cluster_with(lead, text)
        reports = cluster.get_by_test_id("board-report")
        refresh_until(lead, lambda timeout, r=reports: expect(r).to_have_count(2, timeout=timeout))
        cluster.get_by_test_id("cluster-merge").click()
        form = cluster.get_by_test_id("ticket-form")
        form.get_by_test_id("ticket-place").fill(place)
        form.get_by_test_id("ticket-create").click()
        expect(cluster_with(lead, text)).to_have_count(0, timeout=TIMEOUT)
    lead.get_by_test_id("tickets-submit").click()
    pending_settles(lead)
    bins = ticket_titled(street, BINS[0])
    lane = ticket_titled(street, LANE_TEXT[0])
    assert actions(street, bins["id"]) == actions(street, lane["id"]) == ["create", "submit"]

    # --- The supervisor returns the bins ticket with a reason (desktop).
    office = desk_context(browser, live_server)
    sup = office.new_page()
    desk_log_in(sup, "street1")
    sup.get_by_test_id("tab-queue").click()
    card = sup.get_by_test_id("queue-ticket").filter(has_text=BINS[0])
    reporters = card.get_by_test_id("queue-reporters")
    refresh(sup, "queue", lambda timeout: expect(reporters).to_contain_text(names["g3-2"], timeout=timeout))
    expect(card.get_by_test_id("queue-reporters")).to_contain_text(names["g3-3"])
    expect(card.get_by_test_id("queue-reasons")).to_contain_text("2 人上报")
    expect(card.get_by_test_id("queue-photo")).to_have_count(1)
    expect(card.get_by_test_id("queue-report")).to_have_count(2)
    assert not USERNAME.search(card.inner_text())
    card.get_by_test_id("queue-return").click()
    card.get_by_test_id("queue-return-confirm").click()
    expect(card.get_by_role("alert")).to_contain_text("请填写原因")
    card.get_by_test_id("queue-return-reason").fill(RETURN_REASON)
    card.get_by_test_id("queue-return-confirm").click()
    expect(sup.get_by_test_id("queue-ticket").filter(has_text=BINS[0])).to_have_count(0, timeout=TIMEOUT)
    settled(sup, "queue", street, bins["id"], "return")
    trail = history(street, bins["id"])
    assert [h["action"] for h in trail] == ["create", "submit", "return"]
    assert trail[-1]["actor"] == "street1" and trail[-1]["data"]["reason"] == RETURN_REASON

    # --- The lead hears of it (bell, feed), corrects the place and submits it again.
    lead.get_by_test_id("huddle-refresh").click()
    expect(lead.get_by_test_id("bell")).not_to_have_attribute("data-unread", "0", timeout=TIMEOUT)
    lead.get_by_test_id("bell").click()
    note = lead.get_by_test_id("notification").filter(has_text=RETURN_REASON)
    expect(note).to_have_attribute("data-kind", "ticket_returned", timeout=TIMEOUT)
    note.click()
    expect(lead.get_by_test_id("ticket-page")).to_have_attribute("data-status", "returned", timeout=TIMEOUT)
    expect(lead.get_by_test_id("ticket-reason")).to_contain_text(RETURN_REASON)
    lead.get_by_test_id("edit-place").fill("7幢东侧单元门口")
    lead.get_by_test_id("confirm-resubmit").click()
    expect(lead.get_by_test_id("ticket-page")).to_have_attribute("data-status", "submitted", timeout=TIMEOUT)
    settled(lead, "ticket", street, bins["id"], "submit")
    assert actions(street, bins["id"])[-2:] == ["update", "submit"]
    assert ticket_titled(street, BINS[0])["place"] == "7幢东侧单元门口"

    # --- The supervisor approves both at once and dispatches both to the suggested department (区城管局).
    card = sup.get_by_test_id("queue-ticket").filter(has_text=BINS[0])
    refresh(sup, "queue", lambda timeout: expect(card).to_have_attribute("data-status", "submitted", timeout=timeout))
    expect(card.get_by_test_id("queue-reason")).to_contain_text(RETURN_REASON)
    for title in (BINS[0], LANE_TEXT[0]):
        item = sup.get_by_test_id("queue-ticket").filter(has_text=title)
        expect(item.get_by_test_id("queue-department")).to_have_value("1")
        expect(item.get_by_test_id("queue-department").locator("option:checked")).to_contain_text("区城管局（建议）")
        item.get_by_test_id("queue-select").check()
    sup.get_by_test_id("queue-approve-selected").click()
    for title in (BINS[0], LANE_TEXT[0]):
        expect(sup.get_by_test_id("queue-section-approved").get_by_test_id("queue-ticket").filter(has_text=title)).to_be_visible()
        sup.get_by_test_id("queue-ticket").filter(has_text=title).get_by_test_id("queue-select").check()
    sup.get_by_test_id("queue-dispatch-selected").click()
    for title in (BINS[0], LANE_TEXT[0]):
        expect(sup.get_by_test_id("queue-ticket").filter(has_text=title)).to_have_count(0, timeout=TIMEOUT)
    for ticket in (bins, lane):
        settled(sup, "queue", street, ticket["id"], "dispatch")
    for ticket in (bins, lane):
        trail = history(street, ticket["id"])
        assert [h["action"] for h in trail][-2:] == ["approve", "dispatch"]
        assert trail[-1]["data"]["department"] == 1

    # --- The department acknowledges the bins, sends the fire lane back, and resolves the bins with a photo.
    desk = desk_context(browser, live_server)
    dep = desk.new_page()
    desk_log_in(dep, "dept1")
    dep.get_by_test_id("tab-inbox").click()
    bins_card = dep.get_by_test_id("inbox-ticket").filter(has_text=BINS[0])
    lane_card = dep.get_by_test_id("inbox-ticket").filter(has_text=LANE_TEXT[0])
    refresh(dep, "inbox", lambda timeout: expect(lane_card).to_have_count(1, timeout=timeout))
    expect(bins_card.get_by_test_id("ack-countdown")).to_contain_text(re.compile(r"报到倒计时 \d+小时"))
    bins_card.get_by_test_id("action-acknowledge").click()
    expect(bins_card).to_have_attribute("data-status", "acknowledged")
    expect(bins_card.get_by_test_id("ack-countdown")).to_have_count(0)
    lane_card.get_by_test_id("action-send_back").click()
    lane_card.get_by_test_id("reason-send_back").fill(SEND_BACK_REASON)
    lane_card.get_by_test_id("confirm-send_back").click()
    expect(dep.get_by_test_id("inbox-ticket").filter(has_text=LANE_TEXT[0])).to_have_count(0)
    bins_card.get_by_test_id("action-resolve").click()
    bins_card.get_by_test_id("resolve-note").fill("已清运垃圾并增设一个垃圾桶")
    bins_card.get_by_test_id("resolve-photo-input").set_input_files(str(phone_jpeg))
    expect(bins_card.get_by_test_id("photo-thumb")).to_have_count(1, timeout=TIMEOUT)
    bins_card.get_by_test_id("confirm-resolve").click()
    expect(dep.get_by_test_id("inbox-done").filter(has_text=BINS[0])).to_be_visible(timeout=TIMEOUT)
    settled(dep, "inbox", street, bins["id"], "resolve")
    settled(dep, "inbox", street, lane["id"], "send_back")
    assert actions(street, bins["id"])[-2:] == ["acknowledge", "resolve"]
    resolved = ticket_titled(street, BINS[0])
    assert resolved["status"] == "resolved" and len(resolved["resolution_photos"]) == 1
    trail = history(street, lane["id"])
    assert trail[-1]["action"] == "send_back" and trail[-1]["data"]["reason"] == SEND_BACK_REASON
    assert dept.get(f"/api/tickets/{lane['id']}").status_code == 404
    # Back with the supervisor, to dispatch again, with the department's reason.
    back = sup.get_by_test_id("queue-section-sent_back").get_by_test_id("queue-ticket").filter(has_text=LANE_TEXT[0])
    why = back.get_by_test_id("queue-reason")
    refresh(sup, "queue", lambda timeout: expect(why).to_contain_text(SEND_BACK_REASON, timeout=timeout))

    # --- On site, the patroller finds the bins still overflowing: not fixed (rework).
    def to_verify(timeout):
        patrol.goto("/#/today")
        expect(patrol.get_by_test_id("today-verify").filter(has_text=BINS[0])).to_be_visible(timeout=timeout)

    sync_until(patrol, to_verify)
    patrol.get_by_test_id("today-verify").filter(has_text=BINS[0]).click()
    expect(patrol.get_by_test_id("ticket-page")).to_have_attribute("data-status", "resolved", timeout=TIMEOUT)
    expect(patrol.get_by_test_id("resolution-photo")).to_have_count(1)
    patrol.get_by_test_id("verify-not-fixed").click()
    expect(patrol.get_by_test_id("form-verify").get_by_role("alert")).to_contain_text("请先拍一张现场照片")
    patrol.get_by_test_id("verify-photo-input").set_input_files(str(phone_jpeg))
    expect(patrol.get_by_test_id("form-verify").get_by_test_id("photo-thumb")).to_have_count(1, timeout=TIMEOUT)
    patrol.get_by_test_id("verify-note").fill("垃圾又满了，桶边仍有散落")
    patrol.get_by_test_id("verify-not-fixed").click()
    expect(patrol.get_by_test_id("ticket-page")).to_have_attribute("data-status", "reopened")
    sync_now(patrol)
    trail = history(street, bins["id"])
    assert trail[-1]["action"] == "verify" and trail[-1]["data"]["fixed"] is False
    assert trail[-1]["actor"] == "g3-2" and ticket_titled(street, BINS[0])["reopen_count"] == 1

    # --- The department sees the rework in its inbox and resolves it again.
    bins_card = dep.get_by_test_id("inbox-ticket").filter(has_text=BINS[0])
    refresh(dep, "inbox", lambda timeout: expect(bins_card).to_have_attribute("data-status", "reopened",
                                                                                timeout=timeout))
    bins_card.get_by_test_id("action-resolve").click()
    bins_card.get_by_test_id("resolve-note").fill("已安排每日两次清运")
    bins_card.get_by_test_id("confirm-resolve").click()
    expect(dep.get_by_test_id("inbox-done").filter(has_text=BINS[0])).to_be_visible(timeout=TIMEOUT)
    settled(dep, "inbox", street, bins["id"], "resolve")

    # --- Checked again on site: fixed.
    sync_until(patrol, to_verify)
    patrol.get_by_test_id("today-verify").filter(has_text=BINS[0]).click()
    expect(patrol.get_by_test_id("ticket-page")).to_have_attribute("data-status", "resolved", timeout=TIMEOUT)
    patrol.get_by_test_id("verify-photo-input").set_input_files(str(phone_jpeg))
    expect(patrol.get_by_test_id("form-verify").get_by_test_id("photo-thumb")).to_have_count(1, timeout=TIMEOUT)
    patrol.get_by_test_id("verify-fixed").click()
    expect(patrol.get_by_test_id("ticket-page")).to_have_attribute("data-status", "verified")
    sync_now(patrol)
    trail = history(street, bins["id"])
    assert trail[-1]["action"] == "verify" and trail[-1]["data"]["fixed"] is True

    # --- The lead closes it (销号) from Today.
    def to_close(timeout):
        lead.goto("/#/today")
        expect(lead.get_by_test_id("today-close").filter(has_text=BINS[0])).to_be_visible(timeout=timeout)

    sync_until(lead, to_close)
    lead.get_by_test_id("today-close").filter(has_text=BINS[0]).click()
    lead.get_by_test_id("action-close").click()
    expect(lead.get_by_test_id("ticket-page")).to_have_attribute("data-status", "closed", timeout=TIMEOUT)
    settled(lead, "ticket", street, bins["id"], "close")
    trail = history(street, bins["id"])
    assert [h["action"] for h in trail] == [
        "create", "submit", "return", "update", "submit", "approve", "dispatch", "acknowledge", "resolve",
        "verify", "resolve", "verify", "close",
    ]
    assert ticket_titled(street, BINS[0])["status"] == "closed"
    # The return notification the lead tapped is read on the server too (a notification.read mutation).
    [returned] = [n for n in Api(live_server, "g3-1").get("/api/notifications").json()["notifications"]
                  if n["kind"] == "ticket_returned" and n["entity_id"] == bins["id"]]
    assert returned["read_at"] and returned["data"]["reason"] == RETURN_REASON

    # The whole trail on the supervisor's ticket page, in words, by name.
    sup.goto(f"/#/ticket/{bins['id']}")
    timeline = sup.get_by_test_id("ticket-timeline")
    entries = timeline.get_by_test_id("timeline-entry")
    refresh(sup, "ticket", lambda timeout: expect(entries).to_have_count(13, timeout=timeout))
    text = timeline.inner_text()
    for username in ("g3-1", "g3-2", "street1", "dept1"):
        assert names[username] in text, username
    assert not USERNAME.search(text), text
    expect(entries.nth(2)).to_contain_text(f"{names['street1']} 退回：{RETURN_REASON}")
    expect(entries.nth(6)).to_contain_text("派发给区城管局")
    expect(entries.nth(9)).to_contain_text("现场核查：未修好")
    for context in (phone, tablet, office, desk):
        context.close()
