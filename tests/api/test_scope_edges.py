"""Scope at its edges: departments see only their own dispatches, a street exactly its grids,
a user placed nowhere sees nothing, and an admin may name any grid."""

from __future__ import annotations

from server.extensions import db
from server.models import User
from tests.api.sync_helpers import SyncSession, concurrent_edits, report


def _dispatched_ticket(client, auth, patroller: SyncSession, lead: str, street: str, department: int) -> str:
    """A ticket of the patroller's grid, made from one report and dispatched to ``department``."""
    m = patroller.mutation("report", "create", report(status="needs_handoff"))
    patroller.push(m)
    headers, street_headers = auth.headers(lead), auth.headers(street)
    ticket = client.post("/api/tickets", json={"report_ids": [m["entity_id"]], "title": "井盖破损",
                                               "category": "facilities_damage", "severity": 2},
                         headers=headers).get_json()
    for op, body, who in (("submit", {}, headers), ("approve", {}, street_headers),
                          ("dispatch", {"department": department}, street_headers)):
        response = client.post(f"/api/tickets/{ticket['id']}/{op}", json=body, headers=who)
        assert response.status_code == 200, response.get_json()
    return ticket["id"]


def _pulled_tickets(client, auth, username: str) -> set[str]:
    changes = SyncSession(client, auth, username).pull_all()
    return {entity_id for entity, entity_id in changes if entity == "ticket"}


def test_a_department_pulls_and_lists_only_the_tickets_dispatched_to_it(client, auth):
    to_one = _dispatched_ticket(client, auth, SyncSession(client, auth, "g1-2"), "g1-1", "street1", 1)
    to_two = _dispatched_ticket(client, auth, SyncSession(client, auth, "g5-2"), "g5-1", "street2", 2)
    assert _pulled_tickets(client, auth, "dept1") == {to_one}
    assert _pulled_tickets(client, auth, "dept2") == {to_two}
    listed = client.get("/api/tickets", headers=auth.headers("dept1")).get_json()
    assert [t["id"] for t in listed["items"]] == [to_one]


def test_a_supervisor_pulls_exactly_the_grids_of_their_street(app, client, auth):
    # One report in each of the eight demo grids; street1 holds grids 1-4, street2 grids 5-8.
    for n in range(1, 9):
        patroller = SyncSession(client, auth, f"g{n}-2")
        patroller.push(patroller.mutation("report", "create", report(description=f"第{n}网格的问题")))
    for street, numbers in (("street1", range(1, 5)), ("street2", range(5, 9))):
        changes = SyncSession(client, auth, street).pull_all()
        described = sorted(c["data"]["description"] for (entity, _), c in changes.items() if entity == "report")
        assert described == [f"第{n}网格的问题" for n in numbers]


def test_a_user_placed_in_no_grid_street_or_department_sees_nothing(app, client, auth):
    patroller = SyncSession(client, auth, "g1-2")
    patroller.push(patroller.mutation("report", "create", report()))
    with app.app_context():
        user = db.session.query(User).filter_by(username="g1-4").one()
        user.grid_id = None
        db.session.commit()
    headers = auth.headers("g1-4")
    assert client.get("/api/reports", headers=headers).get_json()["items"] == []
    assert SyncSession(client, auth, "g1-4").pull_all() == {}
    assert client.get("/api/tickets", headers=headers).get_json()["items"] == []


def test_an_admin_may_name_any_grid_and_others_are_told_it_does_not_exist(app, client, auth):
    patroller = SyncSession(client, auth, "g5-2")
    patroller.push(patroller.mutation("report", "create", report()))
    with app.app_context():
        grid5 = db.session.query(User).filter_by(username="g5-2").one().grid_id
    listed = client.get("/api/reports", query_string={"grid": grid5}, headers=auth.headers("admin"))
    assert listed.status_code == 200 and len(listed.get_json()["items"]) == 1
    denied = client.get("/api/reports", query_string={"grid": grid5}, headers=auth.headers("g1-2"))
    assert denied.status_code == 404
    assert denied.get_json()["error"]["message"] == f"No grid {grid5}."


def test_a_department_sees_no_sync_conflicts_of_any_grid(client, auth, alice, bob):
    concurrent_edits(client, auth, alice, bob, {"description": "mine"}, {"description": "theirs"})
    assert client.get("/api/conflicts", headers=auth.headers("g1-1")).get_json()["conflicts"]
    for department in ("dept1", "dept2"):
        listed = client.get("/api/conflicts", headers=auth.headers(department))
        assert listed.status_code == 200 and listed.get_json()["conflicts"] == []
