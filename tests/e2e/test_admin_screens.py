"""The admin at a desktop: a new patroller moved, given a new password and deactivated; a lost phone locked out;
all of it in the trail."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, Api
from tests.e2e.test_huddle_board import desk_log_in
from tests.e2e.test_patrol_app import TIMEOUT
from tests.e2e.test_ticket_life import desk_context

pytestmark = pytest.mark.e2e


def login(base: str, username: str, password: str, device: str) -> requests.Response:
    return requests.post(f"{base}/api/auth/login", json={"username": username, "password": password,
                                                         "device_id": device}, timeout=10)


def test_the_admin_sets_people_up_and_locks_a_lost_phone_out(browser, live_server):
    office = desk_context(browser, live_server)
    page = office.new_page()
    desk_log_in(page, "admin")
    page.get_by_test_id("tab-admin").click()
    expect(page.get_by_test_id("admin-user").first).to_be_visible(timeout=TIMEOUT)
    message = page.get_by_test_id("admin-message")

    # A new patroller for grid 3.
    page.get_by_test_id("new-user-username").fill("g3-new")
    page.get_by_test_id("new-user-name").fill("周新")
    page.get_by_test_id("new-user-password").fill("first-password-1")
    page.get_by_test_id("new-user-role").select_option("patroller")
    page.get_by_test_id("new-user-grid").select_option("3")
    page.get_by_test_id("new-user-create").click()
    expect(message).to_contain_text("已创建 周新", timeout=TIMEOUT)
    assert login(live_server, "g3-new", "first-password-1", "g3-new-phone-1").status_code == 200
    row = page.locator("[data-testid='admin-user'][data-username='g3-new']")
    expect(row.get_by_test_id("admin-user-place")).to_have_text("左家新村第一网格")

    # Moved to grid 4, with its team.
    row.get_by_test_id("user-move").click()
    page.get_by_test_id("user-move-grid").select_option("4")
    page.get_by_test_id("user-move-save").click()
    expect(message).to_contain_text("周新 已调到 左家新村第二网格", timeout=TIMEOUT)
    expect(row.get_by_test_id("admin-user-place")).to_have_text("左家新村第二网格")
    users = Api(live_server, "admin").get("/api/admin/users", params={"limit": 1000}).json()
    moved = next(u for u in users if u["username"] == "g3-new")
    teams = Api(live_server, "admin").get("/api/admin/teams", params={"limit": 1000}).json()
    assert moved["grid_id"] == 4 and moved["team_id"] == next(t["id"] for t in teams if t["grid_id"] == 4)
    assert {p["username"] for p in Api(live_server, "g4-1").get("/api/team").json()["members"]} >= {"g3-new"}

    # A new password: the old one no longer works.
    row.get_by_test_id("user-reset-password").click()
    page.get_by_test_id("user-new-password").fill("second-password-2")
    page.get_by_test_id("user-password-save").click()
    expect(message).to_contain_text("周新 的密码已重置", timeout=TIMEOUT)
    assert login(live_server, "g3-new", "first-password-1", "g3-new-phone-1").status_code == 401
    assert login(live_server, "g3-new", "second-password-2", "g3-new-phone-1").status_code == 200

    # Deactivated: no more log-ins.
    row.get_by_test_id("user-deactivate").click()
    expect(message).to_contain_text("周新 已停用", timeout=TIMEOUT)
    expect(row).to_have_attribute("data-active", "0")
    refused = login(live_server, "g3-new", "second-password-2", "g3-new-phone-1")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_disabled"

    # g3-6 lost a phone: its device, last seen just now, is revoked and locked out at once.
    token = login(live_server, "g3-6", PASSWORD, "g3-6-lost-phone").json()["access_token"]
    lost = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{live_server}/api/me", headers=lost, timeout=10).status_code == 200
    page.locator("[data-testid='admin-user'][data-username='g3-6']").get_by_test_id("user-devices").click()
    device = page.locator("[data-testid='admin-device'][data-device-id='g3-6-lost-phone']")
    expect(device.get_by_test_id("device-last-seen")).to_contain_text(":", timeout=TIMEOUT)
    page.once("dialog", lambda dialog: dialog.accept())
    device.get_by_test_id("device-revoke").click()
    expect(page.get_by_test_id("device-locked")).to_contain_text("这台设备已被立即锁定", timeout=TIMEOUT)
    expect(device).to_have_attribute("data-revoked", "1")
    answer = requests.get(f"{live_server}/api/me", headers=lost, timeout=10)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "device_revoked"

    # Every change is in the trail, newest first.
    page.get_by_test_id("admin-tab-audit").click()
    entries = page.get_by_test_id("audit-entry")
    expect(entries.first).to_have_attribute("data-action", "device.revoke", timeout=TIMEOUT)
    expect(entries.first).to_contain_text("g3-6-lost-phone")
    uid = str(moved["id"])
    mine = page.locator(f"[data-testid='audit-entry'][data-entity-id='{uid}']")
    expect(mine).to_have_count(4)
    expect(mine.first).to_contain_text("已停用")
    expect(mine.last).to_contain_text("新建用户")
    expect(mine.nth(2)).to_contain_text("左家新村第二网格")
    expect(entries.first).to_contain_text("系统管理员")
    office.close()


@pytest.mark.parametrize("username", ["street1", "dept1", "g3-1"])
def test_only_the_admin_is_offered_the_admin_screens(browser, live_server, username):
    office = desk_context(browser, live_server)
    page = office.new_page()
    page.goto("/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("tab-sync")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("tab-admin")).to_have_count(0)
    page.goto("/#/admin/people")
    expect(page.get_by_test_id("tab-sync")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("admin-screen")).to_have_count(0)
    office.close()
