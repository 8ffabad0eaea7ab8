"""Screenshots of the screens after the huddle, in zh-CN and English, and the printed handoff sheet.

Desk screens at 1366 x 768, the lead's at tablet size, the patroller's at phone
size, into docs/screenshots; the handoff ticket as PDF (and its picture) into
docs/. Not part of the normal run; regenerate with

    GRIDWALK_SCREENSHOTS=1 .venv/bin/pytest tests/e2e/test_desk_screenshots.py
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from server.seed import GRID_CENTRES
from tests.e2e.conftest import PASSWORD, Api, phone_context
from tests.e2e.test_huddle_board import Device, desk_log_in, push, report_mutation, tablet_context
from tests.e2e.test_patrol_app import TIMEOUT, log_in, sync_until
from tests.e2e.test_supervision import pdf_pages
from tests.e2e.test_ticket_life import desk_context

DOCS = Path(__file__).resolve().parents[2] / "docs"
OUT = DOCS / "screenshots"
HOUR = 3600
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.environ.get("GRIDWALK_SCREENSHOTS") != "1", reason="set GRIDWALK_SCREENSHOTS=1"),
]

TEXT = {
    "zh": {
        "bins": ("7幢门口垃圾桶满溢，垃圾散落一地", "7号楼垃圾桶满了没人清"),
        "wire": "5幢楼道电线裸露，有触电危险",
        "smell": "菜场后门垃圾堆积发臭",
        "pipe": "2幢门口水管破裂漏水",
        "poster": "小区围墙小广告",
        "noise": "夜间施工噪音扰民",
        "lane": "消防通道被车辆占用",
        "return": "请补充具体楼栋和照片",
        "send_back": "噪音扰民归公安派出所处理",
        "fix": "已清理小广告并粉刷墙面",
    },
    "en": {
        "bins": ("Bins overflowing at block 7, rubbish on the ground", "Block 7 bins full, nobody emptied them"),
        "wire": "Bare wires in the block 5 stairwell, shock risk",
        "smell": "Rubbish piling up behind the market, smells",
        "pipe": "Burst water pipe at the door of block 2",
        "poster": "Flyers stuck all over the estate wall",
        "noise": "Building work at night, too loud",
        "lane": "Fire lane blocked by parked cars",
        "return": "Say which block, and add a photo",
        "send_back": "Noise is for the police station",
        "fix": "Flyers removed and the wall repainted",
    },
}


def upload_photo(api: Api, path: Path) -> str:
    """Uploads a photo as a phone would (content-addressed); its SHA-256."""
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    headers = {**api.headers, "Content-Type": "image/jpeg", "Upload-Offset": "0", "Upload-Length": str(len(data))}
    requests.put(f"{api.base}/api/photos/{sha}", data=data, timeout=30, headers=headers).raise_for_status()
    return sha


def ticket_mutation(device: Device, grid: int, report_ids: list[str], **data) -> dict:
    """The lead's tablet making a ticket at the huddle (a create mutation, as the board sends it)."""
    now = int(time.time() * 1000)
    return {"id": str(uuid.uuid4()), "entity": "ticket", "entity_id": str(uuid.uuid4()), "op": "create",
            "hlc": f"{now:015d}:00000:{device.device_id}", "base_version": None,
            "data": {"grid_id": grid, "report_ids": report_ids, "photos": [], **data}}


# name: (category, severity, place, the ops after it is made: op or (op, department))
PLAN = {
    "bins": ("sanitation", 2, "7幢", ["submit"]),
    "wire": ("public_safety", 3, "5幢2单元", ["submit", "approve", ("dispatch", 3), "acknowledge"]),
    "smell": ("sanitation", 3, "菜场后门", ["submit", "approve", ("dispatch", 1)]),
    "pipe": ("facilities_damage", 3, "2幢门口", ["submit", "approve", ("dispatch", 4), "acknowledge"]),
    "poster": ("city_appearance", 1, "小区围墙", ["submit", "approve", ("dispatch", 1), "acknowledge", "resolve"]),
    "noise": ("disputes_noise", 2, "3幢工地", ["submit", "approve", ("dispatch", 1), "send_back"]),
    "lane": ("traffic_parking", 1, "东侧消防通道", ["submit", "return"]),
}


def build_day(base: str, grid: int, text: dict, photo: Path) -> dict:
    """Tickets of ``grid`` in every state a screen shows; their ids by name."""
    street = Api(base, "street2")
    lead = Device(base, f"g{grid}-1")
    first, second = Device(base, f"g{grid}-2"), Device(base, f"g{grid}-3")
    sha = upload_photo(first, photo)
    lat, lon = GRID_CENTRES[grid - 1]
    ids = {}
    for n, (name, (category, severity, place, ops)) in enumerate(PLAN.items()):
        title = text[name][0] if name == "bins" else text[name]
        here = {"lat": lat + 0.0004 * ((n % 3) - 1), "lon": lon + 0.0004 * ((n // 3) - 1)}
        reports = [report_mutation(first, grid, category=category, description=title, severity=severity,
                                   photos=[sha] if name in ("bins", "wire") else [], place=place, **here)]
        push(first, *reports)
        if name == "bins":
            reports.append(report_mutation(second, grid, category=category, description=text["bins"][1],
                                           severity=severity, lat=here["lat"] + 0.00005, lon=here["lon"]))
            push(second, reports[-1])
        create = ticket_mutation(lead, grid, [r["entity_id"] for r in reports], title=title, category=category,
                                 severity=severity, place=place, photos=[sha] if name in ("bins", "wire") else [])
        push(lead, create)
        ids[name] = tid = create["entity_id"]
        department = None
        for op in ops:
            op, department = op if isinstance(op, tuple) else (op, department)
            params = {"submit": {}, "approve": {}, "acknowledge": {}, "dispatch": {"department": department},
                      "return": {"reason": text["return"]}, "send_back": {"reason": text["send_back"]},
                      "resolve": {"note": text["fix"], "photos": [sha]}}[op]
            who = lead if op == "submit" else street if op in ("approve", "dispatch", "return") \
                else Api(base, f"dept{department}")
            answer = who.post(f"/api/tickets/{tid}/{op}", params)
            assert answer.status_code == 200, (name, op, answer.text)
    return ids


@pytest.mark.parametrize("lang, locale, grid", [("zh", "zh-CN", 7), ("en", "en-US", 8)])
def test_screenshots_of_the_desk_screens(browser, live_server, phone_jpeg, supervision_clock, lang, locale, grid):
    OUT.mkdir(parents=True, exist_ok=True)
    ids = build_day(live_server, grid, TEXT[lang], phone_jpeg)
    # Seven hours on: the urgent ones run late, in every colour.
    supervision_clock(7 * HOUR)

    def shot(page, name: str, full: bool = False) -> None:
        page.wait_for_timeout(500)
        page.screenshot(path=str(OUT / f"{name}-{lang}.png"), full_page=full)

    office = desk_context(browser, live_server, locale=locale)
    sup = office.new_page()
    desk_log_in(sup, "street2")
    shot(sup, "desk-home", full=False)
    sup.get_by_test_id("tab-queue").click()
    bins = sup.get_by_test_id("queue-ticket").filter(has_text=TEXT[lang]["bins"][0])
    expect(bins.get_by_test_id("queue-reporters")).to_be_visible(timeout=TIMEOUT)
    expect(sup.get_by_test_id("queue-photo").first.locator("img")).to_be_visible(timeout=TIMEOUT)
    shot(sup, "supervisor-queue")
    sup.get_by_test_id("tab-board").click()
    expect(sup.get_by_test_id("board-ticket").first).to_have_attribute("data-colour", "red", timeout=TIMEOUT)
    shot(sup, "supervisor-board")
    sup.goto(f"/#/ticket/{ids['poster']}")
    expect(sup.get_by_test_id("timeline-entry")).to_have_count(6, timeout=TIMEOUT)
    expect(sup.get_by_test_id("resolution-photo").locator("img")).to_be_visible(timeout=TIMEOUT)
    shot(sup, "ticket-page")
    sup.get_by_test_id("resolution-photo").click()
    expect(sup.get_by_test_id("photo-full")).to_be_visible(timeout=TIMEOUT)
    shot(sup, "ticket-photo", full=False)
    sup.get_by_test_id("photo-close").click()
    sup.goto(f"/#/print/{ids['bins']}")
    expect(sup.get_by_test_id("print-screen")).to_have_attribute("data-ready", "1", timeout=TIMEOUT)
    shot(sup, "handoff-sheet")
    # The paper: A4 at 96 dpi, the print stylesheet on.
    sup.set_viewport_size({"width": 794, "height": 1123})
    sup.emulate_media(media="print")
    if lang == "zh":
        sup.screenshot(path=str(DOCS / "handoff-ticket.png"), full_page=True)
        sup.pdf(path=str(DOCS / "handoff-ticket.pdf"), format="A4", print_background=True)
        assert pdf_pages((DOCS / "handoff-ticket.pdf").read_bytes()) == 1
    sup.emulate_media(media="screen")
    sup.set_viewport_size({"width": 1366, "height": 768})
    sup.get_by_test_id("bell").click()
    expect(sup.get_by_test_id("notification").first).to_be_visible(timeout=TIMEOUT)
    shot(sup, "notifications")
    office.close()

    desk = desk_context(browser, live_server, locale=locale)
    dep = desk.new_page()
    desk_log_in(dep, "dept1")
    dep.get_by_test_id("tab-inbox").click()
    expect(dep.get_by_test_id("inbox-ticket").filter(has_text=TEXT[lang]["smell"])).to_be_visible(timeout=TIMEOUT)
    card = dep.get_by_test_id("inbox-ticket").filter(has_text=TEXT[lang]["smell"])
    card.get_by_test_id("action-resolve").click()
    card.get_by_test_id("resolve-note").fill(TEXT[lang]["fix"])
    shot(dep, "department-inbox")
    desk.close()

    phone = phone_context(browser, live_server, locale=locale)
    patrol = phone.new_page()
    log_in(patrol, f"g{grid}-2")

    def to_verify(timeout):
        patrol.goto("/#/today")
        expect(patrol.get_by_test_id("today-verify")).to_be_visible(timeout=timeout)

    sync_until(patrol, to_verify)
    shot(patrol, "today-to-verify", full=False)
    patrol.get_by_test_id("today-verify").first.click()
    patrol.get_by_test_id("verify-photo-input").set_input_files(str(phone_jpeg))
    expect(patrol.get_by_test_id("form-verify").get_by_test_id("photo-thumb")).to_have_count(1, timeout=TIMEOUT)
    patrol.get_by_test_id("verify-fixed").scroll_into_view_if_needed()
    shot(patrol, "ticket-verify", full=False)
    phone.close()

    tablet = tablet_context(browser, live_server, locale=locale)
    lead = tablet.new_page()
    log_in(lead, f"g{grid}-1")
    lead.goto(f"/#/ticket/{ids['lane']}")
    expect(lead.get_by_test_id("form-edit")).to_be_visible(timeout=TIMEOUT)
    shot(lead, "ticket-returned")
    tablet.close()

    # The admin: people, a lost phone revoked, grids and departments, the trail of it all.
    lost = f"shot-lost-phone-{lang}"
    requests.post(f"{live_server}/api/auth/login", json={"username": f"g{grid}-5", "password": PASSWORD,
                                                         "device_id": lost}, timeout=10).raise_for_status()
    admin_ctx = desk_context(browser, live_server, locale=locale)
    admin = admin_ctx.new_page()
    desk_log_in(admin, "admin")
    admin.get_by_test_id("tab-admin").click()
    expect(admin.get_by_test_id("admin-user").first).to_be_visible(timeout=TIMEOUT)
    admin.get_by_test_id("admin-filter-grid").select_option(str(grid))
    row = admin.locator(f"[data-testid='admin-user'][data-username='g{grid}-6']")
    row.get_by_test_id("user-reset-password").click()
    admin.get_by_test_id("user-new-password").fill("a-new-password-6")
    admin.get_by_test_id("user-password-save").click()
    expect(admin.get_by_test_id("admin-message")).to_be_visible(timeout=TIMEOUT)
    shot(admin, "admin-people")
    admin.locator(f"[data-testid='admin-user'][data-username='g{grid}-5']").get_by_test_id("user-devices").click()
    device = admin.locator(f"[data-testid='admin-device'][data-device-id='{lost}']")
    admin.once("dialog", lambda dialog: dialog.accept())
    device.get_by_test_id("device-revoke").click()
    expect(admin.get_by_test_id("device-locked")).to_be_visible(timeout=TIMEOUT)
    admin.get_by_test_id("admin-devices").scroll_into_view_if_needed()
    shot(admin, "admin-devices")
    admin.get_by_test_id("admin-tab-places").click()
    expect(admin.get_by_test_id("admin-department").first).to_be_visible(timeout=TIMEOUT)
    shot(admin, "admin-places")
    admin.get_by_test_id("admin-tab-audit").click()
    expect(admin.get_by_test_id("audit-entry").first).to_be_visible(timeout=TIMEOUT)
    shot(admin, "admin-audit")
    admin_ctx.close()
