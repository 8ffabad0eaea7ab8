"""Sending a ticket back (退回改派), checking a fix on site (核查) and rework (返工)."""

from __future__ import annotations

import pytest

from tests.api.test_tickets import Desk


@pytest.fixture
def desk(client, auth):
    return Desk(client, auth)


def _notifications(client, auth, user, kind):
    items = client.get("/api/notifications", headers=auth.headers(user)).get_json()["notifications"]
    return [n for n in items if n["kind"] == kind]


def _history(client, auth, ticket_id):
    return client.get(f"/api/tickets/{ticket_id}/history", headers=auth.headers("street1")).get_json()


def test_a_department_sends_back_a_ticket_that_is_not_its_job(client, auth, desk):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch"])
    back = desk.act(ticket["id"], "send_back", reason="井盖属水务，不属城管")
    assert back["status"] == "sent_back" and "department" not in back
    # The department no longer holds it; the supervisors hear why.
    assert client.get(f"/api/tickets/{ticket['id']}", headers=auth.headers("dept1")).status_code == 404
    [note] = _notifications(client, auth, "street1", "ticket_sent_back")
    assert note["data"]["reason"] == "井盖属水务，不属城管"
    # Dispatched again, to the right department.
    again = desk.act(ticket["id"], "dispatch", department=4)
    assert again["status"] == "dispatched" and again["department"] == 4
    assert client.get(f"/api/tickets/{ticket['id']}", headers=auth.headers("dept4")).status_code == 200
    assert [h["action"] for h in _history(client, auth, ticket["id"])][-2:] == ["send_back", "dispatch"]


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_sending_back_needs_a_reason(desk, reason):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch"])
    body = {} if reason is None else {"reason": reason}
    err = desk.client.post(f"/api/tickets/{ticket['id']}/send_back", json=body, headers=desk.auth.headers("dept1"))
    assert err.status_code == 422 and "reason" in err.get_json()["error"]["details"]


def test_a_fix_that_does_not_hold_goes_back_to_the_department_and_is_counted(client, auth, desk):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch", "acknowledge", "resolve"])
    reworked = desk.act(ticket["id"], "verify", fixed=False, note="井盖仍松动", photos=[])
    assert reworked["status"] == "reopened" and reworked["reopen_count"] == 1
    assert reworked["verification_note"] == "井盖仍松动" and reworked.get("done_at") is None
    assert "fixed" not in reworked  # an op's parameter, not a field of the ticket
    [note] = _notifications(client, auth, "dept1", "ticket_rework")
    assert note["data"]["reason"] == "井盖仍松动"
    # The department fixes it again; this time the patroller finds it fixed and the lead closes it.
    desk.act(ticket["id"], "resolve", note="已重新固定井盖")
    verified = desk.act(ticket["id"], "verify", fixed=True, note="复查已修好")
    assert verified["status"] == "verified" and verified["reopen_count"] == 1
    assert _notifications(client, auth, "g1-1", "ticket_verified")
    closed = desk.act(ticket["id"], "close")
    assert closed["status"] == "closed"
    for rid in ticket["report_ids"]:
        assert client.get(f"/api/reports/{rid}", headers=auth.headers("g1-1")).get_json()["data"]["status"] == "closed"
    actions = [h["action"] for h in _history(client, auth, ticket["id"])]
    assert actions[-5:] == ["resolve", "verify", "resolve", "verify", "close"]


def test_a_reopen_is_counted_too(desk):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch", "acknowledge", "resolve", "close"])
    assert desk.act(ticket["id"], "reopen", as_user="street1")["reopen_count"] == 1


def test_every_rework_and_reopen_adds_to_the_count(desk):
    # Each return of the same ticket adds one, however it came back.
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch", "acknowledge", "resolve"])
    assert desk.act(ticket["id"], "verify", fixed=False, note="仍松动", photos=[])["reopen_count"] == 1
    desk.act(ticket["id"], "resolve", note="再次固定")
    assert desk.act(ticket["id"], "verify", fixed=False, note="还是松动", photos=[])["reopen_count"] == 2
    desk.act(ticket["id"], "resolve", note="换了新井盖")
    desk.act(ticket["id"], "verify", fixed=True, note="修好了")
    desk.act(ticket["id"], "close")
    assert desk.act(ticket["id"], "reopen", as_user="street1")["reopen_count"] == 3


@pytest.mark.parametrize("fixed", [None, "yes", 1, 0, "false"])
def test_a_verification_must_say_whether_the_fix_holds(desk, fixed):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch", "acknowledge", "resolve"])
    body = {} if fixed is None else {"fixed": fixed}
    err = desk.client.post(f"/api/tickets/{ticket['id']}/verify", json=body, headers=desk.auth.headers("g1-2"))
    assert err.status_code == 422, err.get_json()
    assert desk.client.get(f"/api/tickets/{ticket['id']}", headers=desk.auth.headers("g1-1")).get_json()["status"] \
        == "resolved"


@pytest.mark.parametrize("user, status", [("g2-2", 404), ("street2", 404), ("dept2", 404), ("street1", 403),
                                          ("dept1", 403)])
def test_only_the_grid_verifies_its_tickets(desk, user, status):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch", "acknowledge", "resolve"])
    response = desk.client.post(f"/api/tickets/{ticket['id']}/verify", json={"fixed": True},
                                headers=desk.auth.headers(user))
    assert response.status_code == status, response.get_json()


def test_a_ticket_is_closed_only_once_resolved_or_verified(desk):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch", "acknowledge"])
    response = desk.client.post(f"/api/tickets/{ticket['id']}/close", json={}, headers=desk.auth.headers("g1-1"))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "invalid_state"


@pytest.mark.parametrize("user", ["street1", "street2", "g1-1", "dept3"])
def test_everyone_in_the_district_can_list_the_departments_to_dispatch_to(client, auth, user):
    departments = client.get("/api/catalogue", headers=auth.headers(user)).get_json()["departments"]
    assert [d["code"] for d in departments] == ["D1", "D2", "D3", "D4"]
    assert all(d["name"] and d["categories"] for d in departments)


def test_a_verification_photo_reaches_the_tickets_readers_and_no_one_else(client, auth, desk):
    from tests.api.test_photo_access import put, readable, sha
    from tests.photos.conftest import encode, photographic

    after = encode(photographic(800, 600, seed=31), "JPEG", quality=90)
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch", "acknowledge", "resolve"])
    assert put(client, auth.headers("g1-2"), after).status_code == 201
    verified = desk.act(ticket["id"], "verify", fixed=True, note="已修好", photos=[sha(after)])
    assert verified["verification_photos"] == [sha(after)]
    for user in ("g1-1", "g1-3", "street1", "dept1"):
        assert readable(client, auth.headers(user), sha(after)), user
    for user in ("g2-1", "street2", "dept2"):
        assert not readable(client, auth.headers(user), sha(after)), user
