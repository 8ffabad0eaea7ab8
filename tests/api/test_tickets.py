"""Handoff tickets: who may do what, the state machine, reports, history, scoping."""

from __future__ import annotations

import uuid

import pytest

from tests.api.sync_helpers import SyncSession, report

ROLES = ["g1-1", "g1-2", "street1", "dept1", "g2-1", "street2", "dept2", "admin"]
# Who may do each op on a grid-1 ticket in the right state (dept1 gets it dispatched).
ALLOWED = {
    "submit": {"g1-1", "admin"},
    "approve": {"street1", "admin"},
    "return": {"street1", "admin"},
    "dispatch": {"street1", "admin"},
    "acknowledge": {"dept1"},
    "resolve": {"dept1"},
    "close": {"g1-1", "street1", "admin"},
    "reopen": {"g1-1", "street1", "admin"},
    "escalate": {"g1-1", "street1", "admin"},
    "send_back": {"dept1"},
    "verify": {"g1-1", "g1-2", "admin"},
}
# The state each op is tried from, and the ops that lead there.
PATH = {
    "submit": [], "approve": ["submit"], "return": ["submit"], "dispatch": ["submit", "approve"],
    "acknowledge": ["submit", "approve", "dispatch"], "resolve": ["submit", "approve", "dispatch", "acknowledge"],
    "close": ["submit", "approve", "dispatch", "acknowledge", "resolve"],
    "reopen": ["submit", "approve", "dispatch", "acknowledge", "resolve", "close"],
    "escalate": ["submit"],
    "send_back": ["submit", "approve", "dispatch"],
    "verify": ["submit", "approve", "dispatch", "acknowledge", "resolve"],
}
ACTOR = {"submit": "g1-1", "approve": "street1", "dispatch": "street1", "acknowledge": "dept1",
         "resolve": "dept1", "close": "g1-1", "return": "street1", "send_back": "dept1", "verify": "g1-2"}
PARAMS = {"return": {"reason": "描述不清，请补充照片"}, "dispatch": {"department": 1},
          "resolve": {"note": "已更换井盖", "photos": []}, "reopen": {"reason": "复查仍有问题"},
          "send_back": {"reason": "不属于本部门职责"}, "verify": {"fixed": True, "note": "已复查", "photos": []}}


class Desk:
    """Drives tickets through the REST actions as various users."""

    def __init__(self, client, auth):
        self.client, self.auth = client, auth
        self.lead = SyncSession(client, auth, "g1-1")
        self.patroller = SyncSession(client, auth, "g1-2")

    def reports(self, n=2):
        ms = [self.patroller.mutation("report", "create", report(status="needs_handoff")) for _ in range(n)]
        self.patroller.push(*ms)
        return [m["entity_id"] for m in ms]

    def create(self, report_ids=None, as_user="g1-1", expect=201):
        body = {"report_ids": report_ids or self.reports(), "title": "卖鱼桥3幢井盖破损",
                "category": "facilities_damage", "severity": 2}
        response = self.client.post("/api/tickets", json=body, headers=self.auth.headers(as_user))
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def act(self, ticket_id, op, as_user=None, expect=200, **params):
        body = {**PARAMS.get(op, {}), **params}
        response = self.client.post(f"/api/tickets/{ticket_id}/{op}", json=body,
                                    headers=self.auth.headers(as_user or ACTOR[op]))
        assert response.status_code == expect, (op, as_user, response.get_json())
        return response.get_json()

    def walk(self, ticket_id, ops):
        for op in ops:
            self.act(ticket_id, op)


@pytest.fixture
def desk(client, auth):
    return Desk(client, auth)


def test_lead_turns_reports_into_a_ticket_and_the_reports_show_it(client, desk):
    report_ids = desk.reports(3)
    ticket = desk.create(report_ids)
    assert ticket["status"] == "draft" and ticket["level"] == "grid" and ticket["color"] == "green"
    assert ticket["created_by"] == "g1-1" and ticket["due_at"]
    assert sorted(ticket["report_ids"]) == sorted(report_ids)
    for rid in report_ids:
        data = client.get(f"/api/reports/{rid}", headers=desk.lead.headers).get_json()["data"]
        assert data["status"] == "in_ticket" and data["ticket_id"] == ticket["id"]


def test_a_patroller_cannot_create_a_ticket(desk):
    err = desk.create(as_user="g1-2", expect=403)
    assert err["error"]["code"] == "forbidden"


def test_a_report_cannot_join_two_tickets(desk):
    ids = desk.reports(1)
    desk.create(ids)
    err = desk.create(ids, expect=422)
    assert ids[0] in err["error"]["details"]["report_ids"]


def test_another_grids_report_cannot_join(client, auth, desk):
    other = SyncSession(client, auth, "g2-2")
    m = other.mutation("report", "create", report())
    other.push(m)
    assert desk.create([m["entity_id"]], expect=422)["error"]["code"] == "invalid"


def test_the_matrix_tries_every_ticket_action_the_server_knows():
    from server.schemas.tickets import ACTIONS

    assert sorted(ALLOWED) == sorted(ACTIONS) == sorted(PATH)


@pytest.mark.parametrize("op", sorted(ALLOWED))
@pytest.mark.parametrize("user", ROLES)
def test_role_and_operation_matrix(desk, op, user):
    ticket = desk.create()
    desk.walk(ticket["id"], PATH[op])
    allowed = user in ALLOWED[op]
    if allowed:
        after = desk.act(ticket["id"], op, as_user=user)
        assert after["version"] > ticket["version"]
        return
    response = desk.client.post(f"/api/tickets/{ticket['id']}/{op}", json=PARAMS.get(op, {}),
                                headers=desk.auth.headers(user))
    # Out of scope: the ticket does not exist for them. In scope, wrong role: forbidden.
    in_scope = user in ("g1-1", "g1-2", "street1", "admin") or (user == "dept1" and "dispatch" in PATH[op])
    assert response.status_code == (403 if in_scope else 404), response.get_json()
    assert response.get_json()["error"]["code"] == ("forbidden" if in_scope else "not_found")


def test_the_whole_life_of_a_ticket_and_its_history(client, desk):
    ticket = desk.create()
    desk.act(ticket["id"], "submit")
    desk.act(ticket["id"], "return", reason="请补充照片")
    desk.act(ticket["id"], "submit")
    desk.act(ticket["id"], "approve")
    dispatched = desk.act(ticket["id"], "dispatch", department=1)
    assert dispatched["department_id"] == 1 and dispatched["ack_due_at"]
    desk.act(ticket["id"], "acknowledge")
    resolved = desk.act(ticket["id"], "resolve", note="已更换井盖")
    assert resolved["resolution_note"] == "已更换井盖"
    closed = desk.act(ticket["id"], "close")
    assert closed["status"] == "closed"
    for rid in ticket["report_ids"]:
        data = client.get(f"/api/reports/{rid}", headers=desk.lead.headers).get_json()["data"]
        assert data["status"] == "closed"
    history = client.get(f"/api/tickets/{ticket['id']}/history", headers=desk.auth.headers("street1")).get_json()
    assert [(h["action"], h["actor"]) for h in history] == [
        ("create", "g1-1"), ("submit", "g1-1"), ("return", "street1"), ("submit", "g1-1"),
        ("approve", "street1"), ("dispatch", "street1"), ("acknowledge", "dept1"), ("resolve", "dept1"),
        ("close", "g1-1")]
    assert history[2]["data"]["reason"] == "请补充照片"
    reopened = desk.act(ticket["id"], "reopen", as_user="street1")
    assert reopened["status"] == "reopened"


def test_an_op_the_state_does_not_allow_is_invalid_state(desk):
    ticket = desk.create()
    err = desk.act(ticket["id"], "approve", as_user="street1", expect=409)
    assert err["error"]["code"] == "invalid_state"


def test_concurrent_approve_and_return_one_wins_and_the_other_is_a_visible_conflict(client, auth, desk):
    ticket = desk.create()
    submitted = desk.act(ticket["id"], "submit")
    supervisor_tablet = SyncSession(client, auth, "street1", device_id="street1-tablet")
    supervisor_desktop = SyncSession(client, auth.__class__(client), "street1", device_id="street1-desktop")
    base = submitted["version"]
    approve = supervisor_tablet.mutation("ticket", "approve", entity_id=ticket["id"], base_version=base)
    ret = supervisor_desktop.mutation("ticket", "return", {"reason": "重复上报"}, entity_id=ticket["id"],
                                      base_version=base)
    first = supervisor_tablet.push_one(approve)
    second = supervisor_desktop.push_one(ret)
    assert first["status"] == "applied"
    assert second["status"] == "conflict"
    assert second["conflict"]["kind"] == "invalid_transition"
    state = client.get(f"/api/tickets/{ticket['id']}", headers=desk.auth.headers("street1")).get_json()
    assert state["status"] == "approved"
    conflicts = client.get("/api/conflicts", headers=desk.auth.headers("g1-1")).get_json()["conflicts"]
    assert [c["kind"] for c in conflicts] == ["invalid_transition"]


def test_escalation_climbs_one_level_at_a_time(desk):
    ticket = desk.create()
    desk.act(ticket["id"], "submit")
    assert desk.act(ticket["id"], "escalate", as_user="g1-1")["level"] == "community"
    assert desk.act(ticket["id"], "escalate", as_user="g1-1", expect=403)["error"]["code"] == "forbidden"
    assert desk.act(ticket["id"], "escalate", as_user="street1")["level"] == "street"
    assert desk.act(ticket["id"], "escalate", as_user="street1")["level"] == "district"
    assert desk.act(ticket["id"], "escalate", as_user="street1", expect=409)["error"]["code"] == "invalid_state"


def test_dispatch_needs_a_real_department(desk):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve"])
    err = desk.act(ticket["id"], "dispatch", department=999, expect=422)
    assert "department" in err["error"]["details"]


@pytest.mark.parametrize("filters", ["", "&color=green"])
def test_ticket_lists_page_newest_first_without_repeats(client, auth, desk, filters):
    made = [desk.create()["id"] for _ in range(3)]
    h = auth.headers("street1")
    pages = [client.get(f"/api/tickets?limit=2&offset={offset}{filters}", headers=h).get_json()
             for offset in (0, 2)]
    assert [p["total"] for p in pages] == [3, 3]
    assert [len(p["items"]) for p in pages] == [2, 1]
    listed = [t["id"] for p in pages for t in p["items"]]
    assert sorted(listed) == sorted(made)
    created = [t["created_at"] for p in pages for t in p["items"]]
    assert created == sorted(created, reverse=True)


def test_tickets_are_listed_by_status_and_colour_and_scoped(client, auth, desk):
    a = desk.create()
    desk.create()
    desk.act(a["id"], "submit")
    h = auth.headers("street1")
    assert client.get("/api/tickets?status=submitted", headers=h).get_json()["total"] == 1
    assert client.get("/api/tickets?color=green", headers=h).get_json()["total"] == 2
    assert client.get("/api/tickets?color=red", headers=h).get_json()["total"] == 0
    assert client.get("/api/tickets", headers=auth.headers("street2")).get_json()["total"] == 0
    assert client.get("/api/tickets", headers=auth.headers("dept1")).get_json()["total"] == 0
    assert client.get(f"/api/tickets/{a['id']}", headers=auth.headers("g2-1")).status_code == 404
    assert client.get(f"/api/tickets/{a['id']}/history", headers=auth.headers("g2-1")).status_code == 404
    assert client.get(f"/api/tickets/{uuid.uuid4()}", headers=h).status_code == 404


def test_department_sees_a_ticket_once_dispatched_to_it(client, auth, desk):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve"])
    assert client.get("/api/tickets", headers=auth.headers("dept1")).get_json()["total"] == 0
    desk.act(ticket["id"], "dispatch", department=1)
    assert client.get("/api/tickets", headers=auth.headers("dept1")).get_json()["total"] == 1
    assert client.get("/api/tickets", headers=auth.headers("dept2")).get_json()["total"] == 0
    pulled = SyncSession(client, auth, "dept1").pull_all()
    assert ("ticket", ticket["id"]) in pulled


def test_overdue_report_lists_tickets_past_due(app, client, auth, desk):
    ticket = desk.create()
    from datetime import datetime, timedelta, timezone

    from server.extensions import db
    from server.models import Record

    with app.app_context():
        record = db.session.get(Record, ("ticket", ticket["id"]))
        past = datetime.now(timezone.utc) - timedelta(hours=1)
        record.data = {**record.data, "due_at": past.isoformat(timespec="seconds")}
        record.created_at = past - timedelta(hours=48)
        db.session.commit()
    report_ = client.get("/api/tickets/overdue", headers=auth.headers("street1")).get_json()
    assert report_["total"] == 1 and report_["tickets"][0]["color"] == "red"
    assert report_["by_grid"] == [{"grid_id": 1, "count": 1}]
    assert client.get("/api/tickets/overdue", headers=auth.headers("street2")).get_json()["total"] == 0
    assert client.get("/api/tickets/overdue?week=banana", headers=auth.headers("street1")).status_code == 422


def test_a_tickets_history_is_read_through_its_index(app):
    """The audit trail is indexed for tickets only; their history must not scan the whole trail."""
    from server.extensions import db
    from server.services.ticket_queries import history_query

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL picks an index by cost, which a test database's few rows do not show")
        compiled = history_query("3f2b8c1e-0000-4000-8000-000000000001").compile(
            db.engine, compile_kwargs={"render_postcompile": True})
        params = tuple(compiled.params[name] for name in compiled.positiontup)
        plan = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params).all()
    assert "USING INDEX ix_audit_ticket" in " ".join(row[-1] for row in plan), plan
