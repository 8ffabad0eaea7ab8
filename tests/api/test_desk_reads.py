"""What the desk screens read: people and grids by name, a ticket's dossier, the set-up trail, devices.

Each is scoped like the records: another street's supervisor, another
department, a patroller of another grid learn nothing from them.
"""

from __future__ import annotations

import pytest

from tests.api.test_tickets import Desk

GRID1_TEAM = {f"g1-{n}" for n in range(1, 7)}


@pytest.fixture
def desk(client, auth):
    return Desk(client, auth)


def _people(client, auth, caller, **query):
    response = client.get("/api/people", query_string=query, headers=auth.headers(caller))
    assert response.status_code == 200, response.get_json()
    return {p["username"]: p for p in response.get_json()["people"]}


# --- people --------------------------------------------------------------------


@pytest.mark.parametrize("caller, target, visible", [
    ("g1-2", "g1-5", True), ("g1-2", "street1", True), ("g1-2", "g2-3", False), ("g1-2", "street2", False),
    ("g1-2", "dept1", False), ("g1-2", "admin", False),
    ("street1", "g4-6", True), ("street1", "dept3", True), ("street1", "g5-1", False), ("street1", "street2", False),
    ("dept1", "street2", True), ("dept1", "dept2", False), ("dept1", "g1-2", False),
    ("admin", "g8-6", True), ("admin", "dept4", True),
])
def test_people_are_named_only_to_those_who_work_with_them(client, auth, caller, target, visible):
    assert (target in _people(client, auth, caller)) is visible
    assert (target in _people(client, auth, caller, usernames=f"{target},nobody-at-all")) is visible


def test_a_person_is_named_by_display_name_without_a_phone_number(client, auth):
    people = _people(client, auth, "street1", usernames="g1-2,street1")
    assert set(people) == {"g1-2", "street1"}
    assert people["street1"]["display_name"] == "米市巷街道督办员"
    assert people["g1-2"]["display_name"] and people["g1-2"]["display_name"] != "g1-2"
    assert "phone" not in people["g1-2"] and people["g1-2"]["grid_id"] == 1


def test_a_patroller_names_their_own_team_and_nobody_elses(client, auth):
    names = set(_people(client, auth, "g1-3"))
    assert GRID1_TEAM <= names
    assert not any(n.startswith(("g2-", "g5-", "dept")) for n in names)


@pytest.mark.parametrize("usernames", ["", ",,", "a" * 65, ",".join(f"u{n}" for n in range(501))])
def test_a_bad_list_of_usernames_is_a_422(client, auth, usernames):
    response = client.get("/api/people", query_string={"usernames": usernames}, headers=auth.headers("street1"))
    assert response.status_code == 422 and response.get_json()["error"]["code"]


def test_people_need_a_log_in(client):
    assert client.get("/api/people").status_code == 401


# --- grids ---------------------------------------------------------------------


@pytest.mark.parametrize("caller, grids", [
    ("g1-2", [1]), ("g6-1", [6]), ("street1", [1, 2, 3, 4]), ("street2", [5, 6, 7, 8]),
    ("dept2", list(range(1, 9))), ("admin", list(range(1, 9))),
])
def test_each_role_is_given_the_grids_it_works_with(client, auth, caller, grids):
    body = client.get("/api/grids", headers=auth.headers(caller)).get_json()
    assert [g["id"] for g in body["grids"]] == grids
    assert all(g["name"] and g["community"] for g in body["grids"])


# --- the dossier ---------------------------------------------------------------


def _dossier(client, auth, ticket_id, caller):
    return client.get(f"/api/tickets/{ticket_id}/dossier", headers=auth.headers(caller))


def test_a_dossier_holds_the_reports_their_reasons_the_trail_and_everyones_names(client, auth, desk):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch"])
    body = _dossier(client, auth, ticket["id"], "dept1").get_json()
    assert body["ticket"]["id"] == ticket["id"] and body["ticket"]["status"] == "dispatched"
    assert body["ticket"]["color"] == "green" and body["now"]
    assert sorted(r["id"] for r in body["reports"]) == sorted(ticket["report_ids"])
    assert all(r["data"]["reporter"] == "g1-2" for r in body["reports"])
    assert body["reasons"][:3] == ["reports=2", "reporters=1", "same_category"]
    assert [h["action"] for h in body["history"]] == ["create", "submit", "approve", "dispatch"]
    assert set(body["people"]) == {"g1-1", "g1-2", "street1"}
    assert body["people"]["street1"] == "米市巷街道督办员"
    assert body["grid"]["id"] == 1 and body["grid"]["boundary"]["type"] == "Polygon"
    assert body["department"]["id"] == 1 and body["department"]["name"] == "区城管局"


@pytest.mark.parametrize("caller, status", [
    ("g1-1", 200), ("g1-2", 200), ("street1", 200), ("admin", 200), ("dept1", 200),
    ("g2-1", 404), ("g5-2", 404), ("street2", 404), ("dept2", 404), ("dept4", 404),
])
def test_a_dossier_is_read_by_whoever_sees_the_ticket_and_nobody_else(client, auth, desk, caller, status):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch"])
    response = _dossier(client, auth, ticket["id"], caller)
    assert response.status_code == status
    if status == 404:
        assert response.get_json()["error"]["code"] == "not_found"


def test_a_department_that_sent_a_ticket_back_no_longer_reads_its_dossier(client, auth, desk):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch"])
    desk.act(ticket["id"], "send_back", reason="不属于本部门")
    assert _dossier(client, auth, ticket["id"], "dept1").status_code == 404
    assert _dossier(client, auth, ticket["id"], "street1").get_json()["ticket"]["status"] == "sent_back"


def test_no_dossier_for_a_ticket_that_does_not_exist(client, auth):
    response = _dossier(client, auth, "00000000-0000-4000-8000-000000000000", "admin")
    assert response.status_code == 404


def test_the_ticket_list_says_the_time_its_colours_were_taken_at(client, auth, desk):
    desk.create()
    body = client.get("/api/tickets", headers=auth.headers("street1")).get_json()
    assert body["now"] and body["items"]


# --- the set-up trail and devices ------------------------------------------------


def test_every_admin_change_is_in_the_trail_the_admin_reads(client, auth):
    admin = auth.headers("admin")
    users = client.get("/api/admin/users", query_string={"limit": 1000}, headers=admin).get_json()
    target = next(u for u in users if u["username"] == "g3-4")
    client.patch(f"/api/admin/users/{target['id']}", json={"active": False}, headers=admin)
    client.patch(f"/api/admin/users/{target['id']}", json={"password": "a-new-secret-1"}, headers=admin)
    client.patch(f"/api/admin/users/{target['id']}", json={"grid_id": 4}, headers=admin)
    phone = auth.login("g1-5", device_id="g1-5-lost-phone")
    assert phone
    client.post("/api/admin/devices/g1-5-lost-phone/revoke", headers=admin)
    trail = client.get("/api/admin/audit", headers=admin).get_json()
    actions = [(e["action"], e["entity_id"]) for e in trail["items"]]
    assert actions[:4] == [("device.revoke", "g1-5-lost-phone"), ("users.update", str(target["id"])),
                           ("users.update", str(target["id"])), ("users.update", str(target["id"]))]
    assert trail["items"][1]["data"]["grid_id"] == 4 and "password" not in trail["items"][2]["data"]
    assert all(e["actor"] == "admin" for e in trail["items"][:4])
    only_devices = client.get("/api/admin/audit", query_string={"entity": "device"}, headers=admin).get_json()
    assert {e["entity"] for e in only_devices["items"]} == {"device"}


def test_intake_keys_issued_and_revoked_are_in_the_set_up_trail(client, auth):
    admin = auth.headers("admin")
    made = client.post("/api/intake/keys", json={"account": "city-app", "name": "手机应用"}, headers=admin).get_json()
    client.post(f"/api/intake/keys/{made['id']}/revoke", headers=admin)
    trail = client.get("/api/admin/audit", query_string={"entity": "api_key"}, headers=admin).get_json()["items"]
    assert [(e["action"], e["entity_id"], e["actor"]) for e in trail[:2]] == [
        ("intake.key_revoked", str(made["id"]), "admin"), ("intake.key_issued", str(made["id"]), "admin")]
    assert trail[1]["data"] == {"account": "city-app", "prefix": made["prefix"], "name": "手机应用"}
    assert made["key"] not in str(trail)


@pytest.mark.parametrize("caller", ["street1", "dept1", "g1-1", "g1-2"])
def test_only_an_admin_reads_the_set_up_trail_and_the_devices(client, auth, caller):
    for path in ("/api/admin/audit", "/api/admin/devices", "/api/admin/devices?user=1"):
        response = client.get(path, headers=auth.headers(caller))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("query", [{"entity": "reports"}, {"limit": 0}, {"offset": -1}, {"actor": ""}])
def test_a_bad_trail_query_is_a_422(client, auth, query):
    response = client.get("/api/admin/audit", query_string=query, headers=auth.headers("admin"))
    assert response.status_code == 422


def test_an_admin_lists_one_users_devices_with_when_each_was_last_seen(client, auth):
    auth.login("g2-2", device_id="g2-2-phone-aaaa")
    auth.login("g2-2", device_id="g2-2-tablet-bb")
    auth.login("g2-3", device_id="g2-3-phone-cccc")
    admin = auth.headers("admin")
    users = client.get("/api/admin/users", query_string={"limit": 1000}, headers=admin).get_json()
    uid = next(u["id"] for u in users if u["username"] == "g2-2")
    devices = client.get("/api/admin/devices", query_string={"user": uid}, headers=admin).get_json()
    assert sorted(d["id"] for d in devices) == ["g2-2-phone-aaaa", "g2-2-tablet-bb"]
    assert all(d["last_seen_at"] and d["revoked_at"] is None for d in devices)


def test_a_resubmitted_tickets_notification_carries_no_reason_of_the_earlier_return(client, auth, desk):
    ticket = desk.create()
    desk.act(ticket["id"], "submit")
    desk.act(ticket["id"], "return", reason="请补充照片")
    desk.act(ticket["id"], "submit")
    notes = client.get("/api/notifications", headers=auth.headers("street1")).get_json()["notifications"]
    submitted = [n for n in notes if n["kind"] == "ticket_submitted"]
    assert len(submitted) == 2 and all(n["data"]["reason"] is None for n in submitted)
    [returned] = [n for n in client.get("/api/notifications", headers=auth.headers("g1-1")).get_json()[
        "notifications"] if n["kind"] == "ticket_returned"]
    assert returned["data"]["reason"] == "请补充照片"


def test_the_trail_says_which_op_lost_to_someone_elses(client, auth, desk):
    from tests.api.sync_helpers import SyncSession

    ticket = desk.create()
    desk.act(ticket["id"], "submit")
    version = client.get(f"/api/tickets/{ticket['id']}", headers=auth.headers("street1")).get_json()["version"]
    desk_pc, tablet = SyncSession(client, auth, "street1"), SyncSession(client, auth, "street1")
    assert tablet.push_one(tablet.mutation("ticket", "approve", entity_id=ticket["id"], base_version=version))[
        "status"] == "applied"
    lost = desk_pc.push_one(desk_pc.mutation("ticket", "return", {"reason": "看不清"}, entity_id=ticket["id"],
                                             base_version=version))
    assert lost["status"] == "conflict"
    trail = client.get(f"/api/tickets/{ticket['id']}/history", headers=auth.headers("street1")).get_json()
    assert [(h["action"], h["status"]) for h in trail] == [
        ("create", "applied"), ("submit", "applied"), ("approve", "applied"), ("return", "conflict")]
