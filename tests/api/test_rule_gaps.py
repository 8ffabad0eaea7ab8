"""Rules next to the well-tested ones, each pinned so that breaking it fails a test.

Retried resolutions and reads answer ``duplicate``; a record never moves to
another grid; the whole role table (every entity and op, generated from the
table itself) answers ``forbidden`` exactly where it should; a configured
pixel limit is honoured; ticket colours and deadlines at their edges.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from server.services.rules import OP_ROLES
from sync.entities import ENTITIES, RECORD_ENTITIES
from tests.api.sync_helpers import SyncSession, concurrent_edits, report
from tests.api.test_tickets import Desk

# One user of each role, all of street 1 / grid 1 / department 1.
ROLE_USERS = {"patroller": "g1-2", "lead": "g1-1", "supervisor": "street1", "department": "dept1",
              "admin": "admin"}


def test_the_role_table_names_every_op_of_every_record_and_no_op_that_does_not_exist():
    for name, spec in ENTITIES.items():
        assert set(OP_ROLES.get(name, {})) <= set(spec.ops), name
        if name in RECORD_ENTITIES:
            assert set(OP_ROLES[name]) == set(spec.ops), name


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_every_op_of_the_role_table_is_forbidden_exactly_to_the_roles_it_does_not_name(client, auth, role):
    """Generated from OP_ROLES, so a new op or role cannot go untried.

    The role is checked before anything else about the mutation: a role the
    table does not name is ``forbidden`` whatever the record; a role it names
    never is (the op may still fail for other reasons on an id that does not exist).
    """
    session = SyncSession(client, auth, ROLE_USERS[role])
    tried = [(entity, op) for entity, spec in ENTITIES.items() for op in sorted(spec.ops)]
    mutations = [session.mutation(entity, op) for entity, op in tried]
    results = session.push(*mutations)["results"]
    for (entity, op), result in zip(tried, results):
        forbidden = result["status"] == "rejected" and result["error"]["code"] == "forbidden"
        assert forbidden == (role not in OP_ROLES.get(entity, {}).get(op, ())), (entity, op, result)


def _severity_conflict(client, auth):
    alice, bob = SyncSession(client, auth, "g1-2"), SyncSession(client, auth, "g1-3")
    _report_id, conflicts = concurrent_edits(client, auth, alice, bob, {"severity": 1}, {"severity": 3})
    return conflicts["severity"]


@pytest.mark.parametrize("choice", ["kept", "losing", "value"])
def test_a_resolution_pushed_again_answers_duplicate_and_changes_nothing(client, auth, choice):
    conflict = _severity_conflict(client, auth)
    lead = SyncSession(client, auth, "g1-1")
    data = {"choice": choice, **({"value": 2} if choice == "value" else {})}
    m = lead.mutation("conflict", "resolve", data, entity_id=conflict["id"])
    assert lead.push_one(m)["status"] == "applied"
    severity = lead.pull_all()[("report", conflict["entity_id"])]["data"]["severity"]
    for _ in range(2):
        assert lead.push_one(m)["status"] == "duplicate"
    lead.cursor = None
    assert lead.pull_all()[("report", conflict["entity_id"])]["data"]["severity"] == severity


def test_a_notification_read_pushed_again_answers_duplicate(client, auth):
    desk = Desk(client, auth)
    desk.act(desk.create()["id"], "submit")
    supervisor = SyncSession(client, auth, "street1")
    [note] = client.get("/api/notifications", headers=supervisor.headers).get_json()["notifications"]
    m = supervisor.mutation("notification", "read", entity_id=note["id"])
    assert supervisor.push_one(m)["status"] == "applied"
    assert supervisor.push(m, m)["results"][0]["status"] == "duplicate"


@pytest.mark.parametrize("user, entity, data", [
    ("g1-2", "report", report()),
    ("g1-2", "checkin", {"at": "2026-12-01T08:00:00+08:00"}),
    ("g1-2", "visit", {"place_kind": "shop", "place": "便利店", "visited_at": "2026-12-01T09:00:00+08:00"}),
    ("g1-1", "report", report()),
    ("admin", "report", report(grid_id=1)),
])
@pytest.mark.parametrize("other_grid", [2, 5, 999])
def test_an_update_cannot_move_a_record_to_another_grid(client, auth, user, entity, data, other_grid):
    session = SyncSession(client, auth, user)
    create = session.mutation(entity, "create", data)
    assert session.push_one(create)["status"] == "applied"
    moved = session.push_one(session.mutation(entity, "update", {"grid_id": other_grid},
                                              entity_id=create["entity_id"], base_version=1))
    assert moved["status"] == "rejected" and moved["error"]["code"] == "invalid"
    assert "grid_id" in moved["error"]["details"]
    assert session.pull_all()[(entity, create["entity_id"])]["data"].get("grid_id", 1) == 1


def test_a_patroller_may_not_delete_a_checkin_or_update_a_ticket(client, auth):
    patroller = SyncSession(client, auth, "g1-2")
    checkin = patroller.mutation("checkin", "create", {"at": "2026-12-01T08:00:00+08:00"})
    patroller.push_one(checkin)
    deleted = patroller.push_one(patroller.mutation("checkin", "delete", entity_id=checkin["entity_id"],
                                                    base_version=1))
    assert deleted["error"]["code"] == "forbidden"
    ticket = Desk(client, auth).create()
    updated = patroller.push_one(patroller.mutation("ticket", "update", {"title": "改个标题"},
                                                    entity_id=ticket["id"], base_version=ticket["version"]))
    assert updated["error"]["code"] == "forbidden"
    assert patroller.pull_all()[("checkin", checkin["entity_id"])]["deleted"] is False


# --- ticket deadlines and colours ----------------------------------------------------------


@pytest.mark.parametrize("severity, hours", [(1, 24), (2, 8), (3, 2)])
def test_the_acknowledge_deadline_follows_the_severity(client, auth, severity, hours):
    desk = Desk(client, auth)
    body = {"report_ids": desk.reports(), "title": "井盖破损", "category": "facilities_damage", "severity": severity}
    ticket = client.post("/api/tickets", json=body, headers=auth.headers("g1-1")).get_json()
    desk.walk(ticket["id"], ["submit", "approve"])
    dispatched = desk.act(ticket["id"], "dispatch", department=1)
    start = datetime.fromisoformat(dispatched["dispatched_at"])
    ack_due = datetime.fromisoformat(dispatched["ack_due_at"])
    assert (ack_due - start).total_seconds() == hours * 3600


def test_reopening_clears_the_done_time_and_resolving_sets_it(client, auth):
    desk = Desk(client, auth)
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch", "acknowledge"])
    resolved = desk.act(ticket["id"], "resolve")
    assert resolved["done_at"]
    reopened = desk.act(ticket["id"], "reopen", as_user="street1")
    assert reopened.get("done_at") is None


def test_a_ticket_resolved_early_stays_green_when_its_deadline_passes(app, client, auth):
    """Its colour is the one it had when it was done, not the one its deadline would give now."""
    from server.extensions import db
    from server.models import Record

    desk = Desk(client, auth)
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch", "acknowledge", "resolve"])
    with app.app_context():  # its deadline passes long after it was resolved
        record = db.session.get(Record, ("ticket", ticket["id"]))
        record.data = {**record.data, "due_at": "2026-01-01T00:00:00+00:00"}
        record.created_at = datetime(2025, 12, 1, tzinfo=timezone.utc)
        record.data = {**record.data, "done_at": "2025-12-02T00:00:00+00:00"}
        db.session.commit()
    seen = client.get(f"/api/tickets/{ticket['id']}", headers=auth.headers("street1")).get_json()
    assert seen["color"] == "green"
    listed = client.get("/api/tickets", query_string={"color": "green"}, headers=auth.headers("street1")).get_json()
    assert ticket["id"] in [t["id"] for t in listed["items"]]
