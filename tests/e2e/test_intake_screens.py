"""Open311 intake in the browser: the admin issues a hotline key on screen and reads it once; a case the hotline
hands in at a point in no grid waits on the street supervisor's screen until they send it to a grid, where the
grid's lead finds it; the other street never sees it; the revoked key is refused.

With GRIDWALK_SCREENSHOTS=1 the screens are also saved into docs/screenshots (zh-CN).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import Api
from tests.e2e.test_huddle_board import desk_log_in
from tests.e2e.test_patrol_app import TIMEOUT
from tests.e2e.test_ticket_life import desk_context

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Between grids 1, 2 and 4 of street 1 (米市巷街道), inside none of them (as in tests/api/test_open311.py).
IN_NO_GRID = {"lat": 30.3015, "long": 120.1498}
DEMO_KEY = "gw311_demo-12345-hotline-key"


def hand_in(base: str, key: str, **fields) -> requests.Response:
    """The hotline's system posting a case, as Open311 GeoReport v2 has it (form-encoded)."""
    body = {"api_key": key, "service_code": "facilities_damage", **IN_NO_GRID, **fields}
    return requests.post(f"{base}/open311/v2/requests.json", data=body, timeout=10)


def shot(page, name: str) -> None:
    """The desktop's screen as the user sees it (1366 x 768, scrolled to the top)."""
    if os.environ.get("GRIDWALK_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"{name}-zh.png"))


def issue_key_on_screen(page, account: str, account_name: str, name: str) -> str:
    """Issues a key on the admin's intake keys section; the key as the screen shows it, this once."""
    page.get_by_test_id("tab-admin").click()
    page.get_by_test_id("admin-tab-intake").click()
    expect(page.get_by_test_id("intake-key").first).to_be_visible(timeout=TIMEOUT)  # the demo hotline's key
    page.get_by_test_id("new-key-account").fill(account)
    page.get_by_test_id("new-key-account-name").fill(account_name)
    page.get_by_test_id("new-key-name").fill(name)
    page.get_by_test_id("new-key-issue").click()
    issued = page.get_by_test_id("issued-key")
    expect(issued).to_be_visible(timeout=TIMEOUT)
    expect(issued.get_by_test_id("issued-key-warning")).to_contain_text("只显示这一次")
    return page.get_by_test_id("issued-key-value").input_value()


def test_a_hotline_case_in_no_grid_is_placed_by_its_street_and_reaches_the_grids_lead(browser, live_server):
    what = "市民来电：卖鱼桥路口井盖松动，有车辆经过时响声很大"

    # The admin issues the hotline a key and reads it once, copied with one click.
    office = desk_context(browser, live_server)
    office.grant_permissions(["clipboard-read", "clipboard-write"])
    admin = office.new_page()
    desk_log_in(admin, "admin")
    key = issue_key_on_screen(admin, "hotline-12345", "12345市民热线", "热线系统正式环境")
    assert re.fullmatch(r"gw311_[A-Za-z0-9_-]{40,}", key)
    admin.get_by_test_id("issued-key-copy").click()
    expect(admin.get_by_test_id("issued-key-copy")).to_have_text("已复制")
    assert admin.evaluate("navigator.clipboard.readText()") == key
    row = admin.locator(f"[data-testid='intake-key'][data-revoked='0']").filter(has_text="热线系统正式环境")
    expect(row.get_by_test_id("intake-key-prefix")).to_have_text(f"{key[:10]}…")
    expect(row).to_contain_text("系统管理员")
    shot(admin, "admin-intake-keys")
    # Closed, it is gone for good: not on the screen, not after a reload, not in the list the server answers.
    admin.get_by_test_id("issued-key-close").click()
    expect(admin.get_by_test_id("issued-key")).to_have_count(0)
    assert key not in admin.content()
    admin.reload()
    expect(row).to_be_visible(timeout=TIMEOUT)
    assert key not in admin.content()
    assert key not in Api(live_server, "admin").get("/api/intake/keys").text

    # The hotline hands cases in with the new key; the point lies in no grid, so street 1 must place it.
    older = hand_in(live_server, DEMO_KEY, service_code="sanitation", description="菜场后门垃圾无人清运",
                    address_string="卖鱼桥菜场后门")
    answer = hand_in(live_server, key, description=what, address_string="卖鱼桥路口", first_name="建华",
                     last_name="王", phone="13900001111")
    assert older.status_code == 201 and answer.status_code == 201, answer.text
    case_id = answer.json()[0]["service_request_id"]

    # The other street's supervisor does not see it.
    other_office = desk_context(browser, live_server)
    other = other_office.new_page()
    desk_log_in(other, "street2")
    other.get_by_test_id("tab-intake").click()
    expect(other.get_by_test_id("intake-empty")).to_be_visible(timeout=TIMEOUT)
    expect(other.get_by_test_id("intake-case")).to_have_count(0)
    expect(other.get_by_test_id("tab-intake")).to_have_attribute("data-count", "0")
    other_office.close()

    # Street 1's supervisor sees it counted on the tab and waiting on the screen, oldest first.
    sup_office = desk_context(browser, live_server)
    sup = sup_office.new_page()
    desk_log_in(sup, "street1")
    waiting = len(Api(live_server, "street1").get("/api/intake/queue").json()["cases"])
    expect(sup.get_by_test_id("tab-intake-count")).to_have_text(str(waiting), timeout=TIMEOUT)
    sup.get_by_test_id("tab-intake").click()
    cases = sup.get_by_test_id("intake-case")
    card = sup.locator(f"[data-testid='intake-case'][data-case-id='{case_id}']")
    expect(card).to_be_visible(timeout=TIMEOUT)
    expect(sup.get_by_test_id("intake-count")).to_have_text(str(waiting))
    ids = [c.get_attribute("data-case-id") for c in cases.all()]
    assert ids.index(older.json()[0]["service_request_id"]) < ids.index(case_id)
    expect(card.get_by_test_id("intake-description")).to_have_text(what)
    expect(card.get_by_test_id("intake-category")).to_have_text("设施损坏")
    expect(card.get_by_test_id("intake-address")).to_have_text("卖鱼桥路口")
    expect(card.get_by_test_id("intake-source")).to_contain_text("12345市民热线")
    expect(card.get_by_test_id("intake-waited")).to_contain_text("已等待")
    expect(card.get_by_test_id("intake-caller")).to_contain_text("王建华 · 13900001111")
    # Only the street's own grids are offered, the nearest suggested first.
    grid_picker = card.get_by_test_id("intake-grid")
    offered = [o for o in grid_picker.locator("option").all_text_contents() if o != "请选择网格"]
    assert len(offered) == 4 and all(o.startswith(("卖鱼桥", "左家新村")) for o in offered), offered
    assert "最近" in offered[0]
    shot(sup, "supervisor-intake")

    # Offline, placing waits for the network, and the screen says so.
    sup_office.set_offline(True)
    expect(sup.get_by_test_id("intake-offline")).to_contain_text("需要联网", timeout=TIMEOUT)
    expect(card.get_by_test_id("intake-assign")).to_be_disabled()
    sup_office.set_offline(False)
    expect(card.get_by_test_id("intake-assign")).to_be_enabled(timeout=TIMEOUT)

    # Sent to grid 2: it leaves the list with a confirmation naming the grid.
    grid_picker.select_option("2")
    card.get_by_test_id("intake-assign").click()
    expect(sup.get_by_test_id("intake-placed")).to_contain_text("已转入 卖鱼桥第二网格", timeout=TIMEOUT)
    expect(card).to_have_count(0)
    expect(sup.get_by_test_id("intake-count")).to_have_text(str(waiting - 1))
    expect(sup.get_by_test_id("tab-intake-count")).to_have_text(str(waiting - 1))
    shot(sup, "supervisor-intake-placed")
    sup_office.close()

    # Grid 2's lead finds it among the grid's reports for the huddle, from the hotline.
    reports = Api(live_server, "g2-1").get("/api/huddle", params={"grid": 2}).json()["reports"]
    [mine] = [r for r in reports if r["id"] == case_id]
    assert mine["data"]["description"] == what and mine["data"]["reporter"] == "hotline-12345"
    assert "13900001111" not in str(mine)

    # The admin revokes the key on screen (after a confirmation); Open311 refuses it from then on.
    prompts: list[str] = []

    def accept(dialog) -> None:
        prompts.append(dialog.message)
        dialog.accept()

    admin.once("dialog", accept)
    row.get_by_test_id("intake-key-revoke").click()
    expect(admin.get_by_test_id("admin-message")).to_contain_text(f"已吊销 12345市民热线 的密钥 {key[:10]}", timeout=TIMEOUT)
    revoked = admin.locator("[data-testid='intake-key'][data-revoked='1']").filter(has_text="热线系统正式环境")
    expect(revoked).to_contain_text("已吊销于")
    shot(admin, "admin-intake-keys-revoked")
    assert key[:10] in prompts[0]
    refused = hand_in(live_server, key, description=what)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    # The trail names both changes.
    admin.get_by_test_id("admin-tab-audit").click()
    expect(admin.get_by_test_id("audit-entry").first).to_have_attribute("data-action", "intake.key_revoked",
                                                                         timeout=TIMEOUT)
    expect(admin.get_by_test_id("audit-entry").first).to_contain_text("吊销接入密钥")
    office.close()


@pytest.mark.parametrize("username", ["dept1", "g1-1", "admin"])
def test_only_a_street_supervisor_is_offered_the_hotline_cases(browser, live_server, username):
    office = desk_context(browser, live_server)
    page = office.new_page()
    page.goto("/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill("gridwalk-demo")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("tab-sync")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("tab-intake")).to_have_count(0)
    page.goto("/#/intake")
    expect(page.get_by_test_id("tab-sync")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("intake-screen")).to_have_count(0)
    office.close()
