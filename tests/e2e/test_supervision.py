"""Supervision in the browser: an overdue ticket turns red by the server's clock, and nobody sees another's tickets."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Api, phone_context
from tests.e2e.test_huddle_board import Device, desk_log_in, push, report_mutation
from tests.e2e.test_patrol_app import TIMEOUT, log_in, sync_until
from tests.e2e.test_ticket_life import desk_context, refresh

pytestmark = pytest.mark.e2e
HOUR = 3600


def dispatched_ticket(base: str, grid: int, title: str, category: str, severity: int, department: int = 1) -> str:
    """A ticket of ``grid`` made, submitted, approved and dispatched through the API; its id."""
    reporter = Device(base, f"g{grid}-4")
    report = report_mutation(reporter, grid, category=category, description=title, severity=severity)
    push(reporter, report)
    lead, street = Api(base, f"g{grid}-1"), Api(base, "street1" if grid <= 4 else "street2")
    ticket = lead.post("/api/tickets", {"report_ids": [report["entity_id"]], "title": title, "category": category,
                                         "severity": severity})
    assert ticket.status_code == 201, ticket.text
    tid = ticket.json()["id"]
    assert lead.post(f"/api/tickets/{tid}/submit").status_code == 200
    assert street.post(f"/api/tickets/{tid}/approve").status_code == 200
    assert street.post(f"/api/tickets/{tid}/dispatch", {"department": department}).status_code == 200
    return tid


@pytest.fixture
def overdue_and_not(live_server):
    urgent = dispatched_ticket(live_server, 4, "4幢电梯口垃圾堆积发臭", "sanitation", 3)  # 8 hours to resolve
    calm = dispatched_ticket(live_server, 4, "4幢外墙广告牌褪色", "city_appearance", 1)  # 120 hours
    return urgent, calm


def test_an_overdue_ticket_is_red_at_the_top_of_the_board_and_in_the_inbox(browser, live_server, supervision_clock,
                                                                          overdue_and_not, due_sweep):
    urgent, calm = overdue_and_not
    # Nine hours later by the server's supervision clock: past the urgent one's deadline.
    supervision_clock(9 * HOUR)
    assert Api(live_server, "street1").get(f"/api/tickets/{urgent}").json()["color"] == "red"

    office = desk_context(browser, live_server)
    sup = office.new_page()
    desk_log_in(sup, "street1")
    sup.get_by_test_id("tab-board").click()
    rows = sup.get_by_test_id("board-ticket")
    refresh(sup, "board", lambda timeout: expect(rows.first).to_have_attribute("data-ticket-id", urgent,
                                                                                timeout=timeout))
    expect(rows.first).to_have_attribute("data-colour", "red")
    expect(rows.first.get_by_test_id("time-left")).to_contain_text("超期 1小时")
    expect(rows.first.get_by_test_id("time-left")).to_have_attribute("data-overdue", "1")
    expect(rows.first.get_by_test_id("board-department-name")).to_have_text("区城管局")
    red = int(sup.get_by_test_id("count-red").get_attribute("data-count"))
    assert red >= 1
    expect(sup.get_by_test_id("count-red")).to_contain_text(f"{red} 张红色超期")
    expect(sup.locator(f"tr[data-ticket-id='{calm}']")).to_have_attribute("data-colour", "green")
    # Only the red ones, by the header's count.
    sup.get_by_test_id("count-red").get_by_role("button").click()
    expect(rows).to_have_count(red)

    desk = desk_context(browser, live_server)
    dep = desk.new_page()
    desk_log_in(dep, "dept1")
    dep.get_by_test_id("tab-inbox").click()
    card = dep.locator(f"[data-testid='inbox-ticket'][data-ticket-id='{urgent}']")
    refresh(dep, "inbox", lambda timeout: expect(card).to_have_attribute("data-colour", "red", timeout=timeout))
    expect(card.get_by_test_id("ticket-colour")).to_contain_text("红色·超期")
    expect(card.get_by_test_id("time-left")).to_have_attribute("data-overdue", "1")
    # Its acknowledge deadline (2 hours for an urgent one) has passed too.
    expect(card.get_by_test_id("ack-countdown")).to_contain_text("报到已超时")
    # The supervisors and the department heard of it, once the due sweep ran (a job, not a read).
    due_sweep()
    for user in ("street1", "dept1"):
        kinds = [n["kind"] for n in Api(live_server, user).get("/api/notifications").json()["notifications"]
                 if n["entity_id"] == urgent]
        assert "ticket_overdue" in kinds, (user, kinds)
    office.close()
    desk.close()


@pytest.mark.parametrize("username", ["street2", "dept2", "g5-2"])
def test_nobody_opens_a_ticket_they_may_not_see(browser, live_server, username):
    tid = dispatched_ticket(live_server, 3, f"3幢楼道灯不亮（{username}）", "city_appearance", 1)
    field = username.startswith("g")
    context = phone_context(browser, live_server) if field else desk_context(browser, live_server)
    page = context.new_page()
    log_in(page, username) if field else desk_log_in(page, username)
    page.goto(f"/#/ticket/{tid}")
    expect(page.get_by_test_id("ticket-page")).to_have_attribute("data-found", "0", timeout=TIMEOUT)
    expect(page.get_by_test_id("ticket-page")).to_contain_text("没有这张交接单，或者您无权查看")
    expect(page.get_by_test_id("ticket-actions")).to_have_count(0)
    context.close()


def test_a_patroller_sees_the_grids_ticket_but_is_offered_nothing_until_it_is_fixed(browser, live_server):
    tid = dispatched_ticket(live_server, 3, "3幢垃圾房门损坏", "facilities_damage", 2, department=4)
    phone = phone_context(browser, live_server)
    page = phone.new_page()
    log_in(page, "g3-6")
    page.goto(f"/#/ticket/{tid}")
    expect(page.get_by_test_id("ticket-page")).to_have_attribute("data-status", "dispatched", timeout=TIMEOUT)
    expect(page.get_by_test_id("ticket-actions")).to_have_attribute("data-none", "1")
    expect(page.get_by_test_id("ticket-department")).to_have_text("区水务集团")
    # No desk screen for a patroller: the routes fall back to Today.
    for route in ("/#/queue", "/#/board", "/#/inbox", "/#/admin"):
        page.goto(route)
        expect(page.get_by_test_id("today-pending")).to_be_visible(timeout=TIMEOUT)
    phone.close()


def pdf_pages(pdf: bytes) -> int:
    """How many pages a PDF printed by Chromium has: the /Count of its page tree."""
    trees = re.findall(rb"<<[^>]*?/Type\s*/Pages\b[^>]*>>", pdf)
    counts = [int(m) for tree in trees for m in re.findall(rb"/Count\s+(\d+)", tree)]
    assert counts, "no page tree found"
    return max(counts)


def test_the_handoff_sheet_prints_one_a4_page_per_ticket(browser, live_server, tmp_path):
    ids = [dispatched_ticket(live_server, 3, f"3幢{n}单元门口积水", "facilities_damage", 2, department=4)
           for n in range(1, 4)]
    office = desk_context(browser, live_server)
    page = office.new_page()
    desk_log_in(page, "street1")
    page.goto(f"/#/print/{','.join(ids)}")
    expect(page.get_by_test_id("print-screen")).to_have_attribute("data-ready", "1", timeout=TIMEOUT)
    sheets = page.get_by_test_id("handoff-sheet")
    expect(sheets).to_have_count(3)
    page.emulate_media(media="print")
    # What the paper shows: the sheet in Chinese, the app around it gone.
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".tabbar")).to_be_hidden()
    first = sheets.first
    for text in ("问题交接单", "编号", "网格", "位置", "类别", "严重程度", "问题描述", "办结期限", "流转记录",
                 "移交人（签字）", "接收部门（签字）", "核查人（签字）", "区水务集团", "派发给区水务集团"):
        expect(first).to_contain_text(text)
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf_pages(pdf) == 3
    office.close()


def test_a_desk_is_told_plainly_when_someone_else_acted_first(browser, live_server):
    reporter = Device(live_server, "g4-3")
    report = report_mutation(reporter, 4, category="sanitation", description="4幢垃圾房门口积水")
    push(reporter, report)
    lead = Api(live_server, "g4-1")
    tid = lead.post("/api/tickets", {"report_ids": [report["entity_id"]], "title": "4幢垃圾房门口积水",
                                     "category": "sanitation", "severity": 2}).json()["id"]
    lead.post(f"/api/tickets/{tid}/submit")
    office = desk_context(browser, live_server)
    page = office.new_page()
    desk_log_in(page, "street1")
    page.goto(f"/#/ticket/{tid}")
    expect(page.get_by_test_id("ticket-page")).to_have_attribute("data-status", "submitted", timeout=TIMEOUT)
    expect(page.get_by_test_id("timeline-entry")).to_have_count(2, timeout=TIMEOUT)
    # The desk loses its network; meanwhile the same supervisor approves it from a tablet.
    office.set_offline(True)
    page.get_by_test_id("action-return").click()
    page.get_by_test_id("reason-return").fill("照片看不清")
    page.get_by_test_id("confirm-return").click()
    expect(page.get_by_test_id("ticket-page")).to_have_attribute("data-status", "returned")
    tablet = Device(live_server, "street1")
    assert tablet.post(f"/api/tickets/{tid}/approve").status_code == 200
    office.set_offline(False)
    conflict = page.get_by_test_id("ticket-conflict")
    refresh(page, "ticket", lambda timeout: expect(conflict).to_be_visible(timeout=timeout))
    name = Api(live_server, "street1").get("/api/people", params={"usernames": "street1"}).json()["people"][0]
    expect(conflict).to_contain_text("您的“退回”没有生效")
    expect(conflict).to_contain_text(f"{name['display_name']} 批准")
    expect(page.get_by_test_id("ticket-page")).to_have_attribute("data-status", "approved", timeout=TIMEOUT)
    lost = page.locator("[data-testid='timeline-entry'][data-action='return']")
    expect(lost).to_have_attribute("data-status", "conflict")
    expect(lost).to_contain_text("未生效")
    # The server kept the losing return for the record, and the ticket is approved.
    assert [h["action"] for h in Api(live_server, "street1").get(f"/api/tickets/{tid}/history").json()][-1] == "return"
    assert Api(live_server, "street1").get(f"/api/tickets/{tid}").json()["status"] == "approved"
    office.close()


def test_a_patroller_sees_who_reported_by_name(browser, live_server):
    teammate = Device(live_server, "g4-5")
    report = report_mutation(teammate, 4, category="public_order", description="4幢门口有人摆摊占道")
    push(teammate, report)
    phone = phone_context(browser, live_server)
    page = phone.new_page()
    log_in(page, "g4-2")
    name = Api(live_server, "g4-2").get("/api/people", params={"usernames": "g4-5"}).json()["people"][0]

    def opened(timeout):
        page.goto(f"/#/report/{report['entity_id']}")
        expect(page.get_by_test_id("detail-reporter")).to_have_text(name["display_name"], timeout=timeout)

    sync_until(page, opened)
    phone.close()
