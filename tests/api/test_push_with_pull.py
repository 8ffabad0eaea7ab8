"""A push that also pulls: one round trip for a phone's sync (docs/PROTOCOL.md §6.1)."""

from __future__ import annotations

import pytest

from tests.api.sync_helpers import SyncSession, report


def push_and_pull(session: SyncSession, *mutations, cursor=None, limit=500, expect=200):
    body = {"device_id": session.device_id, "mutations": list(mutations), "pull": {"cursor": cursor, "limit": limit}}
    response = session.client.post("/api/sync/push", json=body, headers=session.headers)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def test_the_answer_holds_the_push_and_what_teammates_pushed_before_it(alice, bob):
    alice.pull_all()
    teammate = bob.mutation("report", "create", report(description="路灯不亮"))
    bob.push_one(teammate)
    mine = alice.mutation("report", "create", report(description="井盖破损"))
    answer = push_and_pull(alice, mine, cursor=alice.cursor)
    assert answer["results"] == [{"id": mine["id"], "status": "applied", "version": 1}]
    pulled = {c["entity_id"]: c for c in answer["pull"]["changes"]}
    assert pulled[teammate["entity_id"]]["data"]["description"] == "路灯不亮"
    assert pulled[mine["entity_id"]]["data"]["description"] == "井盖破损"
    assert pulled[mine["entity_id"]]["data"]["reporter"] == "g1-2"  # the server's own fields, as a pull shows them
    assert answer["pull"]["more"] is False and answer["pull"]["hlc"]
    # Its cursor is a pull cursor: pulling from it finds nothing new.
    alice.cursor = answer["pull"]["cursor"]
    assert alice.pull_all() == {}


def test_it_pages_like_a_pull(alice, bob):
    alice.pull_all()
    created = [bob.mutation("checkin", "create", {"at": "2026-11-22T08:00:00+08:00", "lat": 30.2985,
                                                    "lon": 120.1498, "note": f"第{n}次"}) for n in range(4)]
    assert {r["status"] for r in bob.push(*created)["results"]} == {"applied"}
    answer = push_and_pull(alice, cursor=alice.cursor, limit=3)
    first = [c["entity_id"] for c in answer["pull"]["changes"]]
    assert len(first) == 3 and answer["pull"]["more"] is True
    alice.cursor = answer["pull"]["cursor"]
    rest = [key[1] for key in alice.pull_all()]
    assert sorted(first + rest) == sorted(m["entity_id"] for m in created)


def test_other_grids_changes_are_not_pulled_with_a_push(client, auth, alice):
    other = SyncSession(client, auth, "g2-2")
    elsewhere = other.mutation("report", "create", report(description="别的网格"))
    assert other.push_one(elsewhere)["status"] == "applied"
    mine = alice.mutation("report", "create", report())
    answer = push_and_pull(alice, mine)
    pulled = {c["entity_id"] for c in answer["pull"]["changes"]}
    assert mine["entity_id"] in pulled and elsewhere["entity_id"] not in pulled


def test_a_bad_cursor_refuses_the_push_before_anything_is_applied(alice, bob):
    m = alice.mutation("report", "create", report())
    answer = push_and_pull(alice, m, cursor="bm90LWEtY3Vyc29y", expect=400)
    assert answer["error"]["code"] == "invalid_cursor"
    assert ("report", m["entity_id"]) not in bob.pull_all()
    # The phone keeps the mutation and sends it again: it is applied once, not answered duplicate.
    assert alice.push_one(m)["status"] == "applied"


@pytest.mark.parametrize("pull", [{"limit": 0}, {"limit": "many"}, {"cursor": 7}, "from the start", [1]])
def test_a_malformed_pull_is_a_422_that_names_it(alice, pull):
    body = {"device_id": alice.device_id, "mutations": [alice.mutation("report", "create", report())], "pull": pull}
    response = alice.client.post("/api/sync/push", json=body, headers=alice.headers)
    assert response.status_code == 422
    assert "pull" in response.get_json()["error"]["details"]


def test_a_push_that_does_not_ask_answers_without_a_pull(alice):
    answer = alice.push(alice.mutation("report", "create", report()))
    assert set(answer) == {"results", "cursor", "hlc"}
