"""A push survives one poisoned mutation, and clients cannot forge what the server owns.

Each fault is tried as a class: many values, at any position of a batch,
rather than the one value that first showed it.
"""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.api.sync_helpers import SyncSession, concurrent_edits, mutation, report

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# --- values no store of ours can hold ---------------------------------------------------

huge_ints = st.one_of(st.integers(min_value=2**63, max_value=2**80), st.integers(max_value=-(2**63) - 1,
                                                                               min_value=-(2**80)))


out_of_window = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(1969, 12, 31)),
    st.datetimes(min_value=datetime(2200, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
)
offsets = st.one_of(st.none(), st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59))


@st.composite
def odd_times(draw) -> str:
    moment = draw(out_of_window)
    offset = draw(offsets)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if offset is None:
        return stamp
    sign = "+" if offset >= 0 else "-"
    return f"{stamp}{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"


def _deep(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def poisoned(draw, device: str) -> dict:
    """One mutation carrying a value that once reached the database or datetime arithmetic."""
    kind = draw(st.sampled_from(["base_version", "int_field", "time_field", "deep", "nul"]))
    if kind == "base_version":
        m = mutation("report", "create", report(), device=device)
        m["base_version"] = draw(st.one_of(huge_ints, st.integers(min_value=1, max_value=2**63 - 1)))
        return m
    if kind == "int_field":
        entity, data, name = draw(st.sampled_from([
            ("checkin", {"at": "2026-12-01T08:00:00+08:00"}, "checkpoint_id"),
            ("report", report(), "severity"),
            ("report", report(), "grid_id"),
            ("visit", {"place_kind": "shop", "place": "便利店", "visited_at": "2026-12-01T09:00:00+08:00"},
             "people_met"),
            ("report", report(), "lat"),
            ("checkin", {"at": "2026-12-01T08:00:00+08:00"}, "accuracy_m"),
        ]))
        return mutation(entity, "create", {**data, name: draw(huge_ints)}, device=device)
    if kind == "time_field":
        entity, data, name = draw(st.sampled_from([
            ("report", report(), "device_time"),
            ("checkin", {}, "at"),
            ("visit", {"place_kind": "household", "place": "3幢2单元"}, "visited_at"),
        ]))
        return mutation(entity, "create", {**data, name: draw(odd_times())}, device=device)
    if kind == "nul":  # PostgreSQL's JSON cannot hold U+0000, in a value or a key
        text = draw(st.text(max_size=8)) + "\x00" + draw(st.text(max_size=8))
        data = draw(st.sampled_from([report(description=text), report(tags=[text]),
                                     report(place={"楼": {text: 1}})]))
        return mutation("report", "create", data, device=device)
    # Deeper than the request parser takes (server/api/parser.py) is a 400 for the whole body.
    return mutation("report", "create", report(place=_deep(draw(st.integers(min_value=17, max_value=26)))),
                    device=device)


def push_raw(client, session: SyncSession, mutations: list) -> dict:
    """Push with the standard library's encoder, which (unlike orjson) writes any integer."""
    body = json.dumps({"device_id": session.device_id, "mutations": mutations}, ensure_ascii=False)
    response = client.post("/api/sync/push", data=body, content_type="application/json", headers=session.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@FUZZ
@given(data=st.data())
def test_one_poisoned_mutation_anywhere_in_a_batch_leaves_the_rest_applied(client, alice, data):
    valid = [alice.mutation("report", "create", report(description=f"第{n}处井盖破损"))
             for n in range(data.draw(st.integers(min_value=1, max_value=5)))]
    bad = data.draw(poisoned(alice.device_id))
    position = data.draw(st.integers(min_value=0, max_value=len(valid)))
    batch = valid[:position] + [bad] + valid[position:]

    results = push_raw(client, alice, batch)["results"]

    assert [r["id"] for r in results] == [m["id"] for m in batch]
    assert results[position]["status"] == "rejected"
    assert results[position]["error"]["code"] == "invalid", results[position]
    assert [r["status"] for i, r in enumerate(results) if i != position] == ["applied"] * len(valid)
    pulled = alice.pull_all()
    assert all(("report", m["entity_id"]) in pulled for m in valid)
    assert ("report", bad["entity_id"]) not in pulled or bad["entity"] != "report"


@pytest.mark.parametrize("value", ["1970-01-01T00:00:00+00:00", "2026-12-01T08:00:00+08:00",
                                   "2199-12-31T23:59:59-14:00", "2026-12-01T08:00:00"])
def test_times_inside_the_window_are_still_accepted(client, alice, value):
    m = alice.mutation("checkin", "create", {"at": value})
    assert push_raw(client, alice, [m])["results"][0]["status"] == "applied"


def test_a_mutation_that_fails_unforeseen_is_rejected_alone(app, client, alice):
    """A grid boundary an older build stored malformed breaks the check-in's flags, not the push."""
    from server.extensions import db

    with app.app_context():
        db.session.execute(text("UPDATE grids SET boundary = :b WHERE id = 1"),
                           {"b": json.dumps({"type": "Polygon", "coordinates": [[["东", "西"], ["南", "北"]]]})})
        db.session.commit()
    before = alice.mutation("report", "create", report())
    checkin = alice.mutation("checkin", "create", {"at": "2026-12-01T08:00:00+08:00", "lat": 30.29, "lon": 120.15})
    after = alice.mutation("report", "create", report())

    results = push_raw(client, alice, [before, checkin, after])["results"]

    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["error"]["code"] == "unprocessable"
    pulled = alice.pull_all()
    assert ("report", before["entity_id"]) in pulled and ("report", after["entity_id"]) in pulled
    assert ("checkin", checkin["entity_id"]) not in pulled
    # The retry of the applied ones is answered from the audit trail, as always.
    again = push_raw(client, alice, [before, after])["results"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]


# --- conflict.resolve writes only what an update could ------------------------------------


def _severity_conflict(client, auth, alice, bob) -> tuple[str, dict]:
    return concurrent_edits(client, auth, alice, bob, {"severity": 1, "description": "井盖缺失"},
                            {"severity": 3, "description": "井盖松动"})


BAD_VALUES = {
    "severity": [99999, 0, -1, 4, "high", 2.5, True, None, {"level": 3}, [3], 2**63 - 1],
    "description": [{"text": "x"}, ["a"], 12, True, "长" * 2001],
}


@pytest.mark.parametrize("field", sorted(BAD_VALUES))
def test_a_conflict_cannot_be_resolved_with_a_value_an_update_would_refuse(client, auth, alice, bob, field):
    report_id, conflicts = _severity_conflict(client, auth, alice, bob)
    lead = SyncSession(client, auth, "g1-1")
    for value in BAD_VALUES[field]:
        answer = push_raw(client, lead, [lead.mutation("conflict", "resolve", {"choice": "value", "value": value},
                                                       entity_id=conflicts[field]["id"])])["results"][0]
        assert answer["status"] == "rejected", (value, answer)
        assert answer["error"]["code"] == "invalid"
    # Nothing was written, the conflict is still open, and the huddle still answers.
    kept = lead.pull_all()[("report", report_id)]["data"]
    assert kept["severity"] == 3 and kept["description"] == "井盖松动"
    open_fields = {c["field"] for c in client.get("/api/conflicts", headers=lead.headers).get_json()["conflicts"]}
    assert field in open_fields
    assert client.get("/api/huddle", headers=lead.headers).status_code == 200


def test_a_conflict_resolved_with_a_valid_typed_value_takes_it(client, auth, alice, bob):
    report_id, conflicts = _severity_conflict(client, auth, alice, bob)
    lead = SyncSession(client, auth, "g1-1")
    for field, value in (("severity", 2), ("description", "井盖缺失，已设警示")):
        answer = lead.push_one(lead.mutation("conflict", "resolve", {"choice": "value", "value": value},
                                             entity_id=conflicts[field]["id"]))
        assert answer["status"] == "applied", answer
    data = lead.pull_all()[("report", report_id)]["data"]
    assert data["severity"] == 2 and data["description"] == "井盖缺失，已设警示"


# --- server-owned fields --------------------------------------------------------------------


@pytest.mark.parametrize("teammate", ["g1-3", "g1-1", "g1-6"])
def test_a_create_resent_by_a_teammate_does_not_change_the_reporter(client, auth, alice, teammate):
    create = alice.mutation("report", "create", report())
    alice.push_one(create)
    other = SyncSession(client, auth, teammate)
    again = other.mutation("report", "create", report(description="重报"), entity_id=create["entity_id"])
    assert other.push_one(again)["status"] in ("applied", "conflict")
    data = other.pull_all()[("report", create["entity_id"])]["data"]
    assert data["reporter"] == "g1-2"


def _ticket(client, auth) -> tuple[SyncSession, dict]:
    patroller = SyncSession(client, auth, "g1-2")
    reports = [patroller.mutation("report", "create", report(status="needs_handoff")) for _ in range(2)]
    patroller.push(*reports)
    lead = SyncSession(client, auth, "g1-1")
    create = lead.mutation("ticket", "create", {"title": "井盖破损", "category": "facilities_damage", "severity": 3,
                                                "report_ids": [r["entity_id"] for r in reports]})
    assert lead.push_one(create)["status"] == "applied"
    return lead, create


def _act(client, auth, ticket_id, op, user, **params):
    response = client.post(f"/api/tickets/{ticket_id}/{op}", json=params, headers=auth.headers(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_resent_create_keeps_a_tickets_deadlines_level_and_creator(client, auth):
    lead, create = _ticket(client, auth)
    tid = create["entity_id"]
    _act(client, auth, tid, "submit", "g1-1")
    _act(client, auth, tid, "escalate", "street1")
    _act(client, auth, tid, "approve", "street1")
    before = _act(client, auth, tid, "dispatch", "street1", department=1)
    assert before["level"] == "community" and before["department"] == 1

    supervisor = SyncSession(client, auth, "street1")
    for session in (lead, supervisor):
        again = session.mutation("ticket", "create", {**create["data"], "severity": 1}, entity_id=tid)
        session.push_one(again)
    after = client.get(f"/api/tickets/{tid}", headers=auth.headers("street1")).get_json()
    for name in ("due_at", "ack_due_at", "level", "created_by", "department"):
        assert after[name] == before[name], name


@pytest.mark.parametrize("op", ["create", "update"])
@pytest.mark.parametrize("user", ["g1-1", "street1"])
def test_a_client_cannot_name_a_tickets_department(client, auth, op, user):
    lead, create = _ticket(client, auth)
    session = lead if user == "g1-1" else SyncSession(client, auth, user)
    data = {**create["data"], "department": 2} if op == "create" else {"department": 2}
    answer = session.push_one(session.mutation("ticket", op, data,
                                               entity_id=create["entity_id"] if op == "update" else None))
    assert answer["status"] == "rejected" and answer["error"]["code"] == "server_field"
    assert "department" in answer["error"]["details"]["fields"]
    ticket = client.get(f"/api/tickets/{create['entity_id']}", headers=auth.headers("street1")).get_json()
    assert ticket.get("department") is None
    assert client.get("/api/notifications", headers=auth.headers("dept2")).get_json()["notifications"] == []


def test_dispatch_still_names_the_department(client, auth):
    _lead, create = _ticket(client, auth)
    tid = create["entity_id"]
    _act(client, auth, tid, "submit", "g1-1")
    _act(client, auth, tid, "approve", "street1")
    dispatched = _act(client, auth, tid, "dispatch", "street1", department=2)
    assert dispatched["department"] == 2
    assert client.get(f"/api/tickets/{tid}", headers=auth.headers("dept2")).status_code == 200


# --- base versions the server never issued ---------------------------------------------------


@pytest.mark.parametrize("ahead", [1, 2, 1000, 10**9, 2**63 - 3])
def test_a_base_version_above_the_records_is_rejected(client, alice, bob, ahead):
    create = alice.mutation("report", "create", report())
    alice.push_one(create)
    now = int(time.time() * 1000)
    assert bob.push_one(bob.mutation("report", "update", {"description": "井盖松动"}, entity_id=create["entity_id"],
                                     base_version=1, wall_ms=now + 5))["status"] == "applied"
    forged = alice.mutation("report", "update", {"description": "井盖完全缺失"}, entity_id=create["entity_id"],
                            base_version=2 + ahead, wall_ms=now)
    answer = push_raw(client, alice, [forged])["results"][0]
    assert answer["status"] == "rejected" and answer["error"]["code"] == "invalid"
    assert "base_version" in answer["error"]["details"]
    assert alice.pull_all()[("report", create["entity_id"])]["data"]["description"] == "井盖松动"


@pytest.mark.parametrize("base", [0, 1, 2])
def test_a_base_version_the_server_issued_is_accepted(client, alice, bob, base):
    create = alice.mutation("report", "create", report())
    alice.push_one(create)
    bob.push_one(bob.mutation("report", "update", {"severity": 3}, entity_id=create["entity_id"], base_version=1))
    answer = alice.push_one(alice.mutation("report", "update", {"description": "井盖松动"},
                                           entity_id=create["entity_id"], base_version=base))
    assert answer["status"] in ("applied", "conflict")


def test_a_create_of_a_new_record_with_a_base_version_is_rejected(client, alice):
    m = alice.mutation("report", "create", report(), base_version=3)
    answer = alice.push_one(m)
    assert answer["status"] == "rejected" and "base_version" in answer["error"]["details"]
    assert ("report", m["entity_id"]) not in alice.pull_all()
