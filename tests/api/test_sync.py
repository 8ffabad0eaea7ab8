"""Push and pull per the sync protocol: idempotent, scoped, conflict-aware."""

from __future__ import annotations

import time

from tests.api.sync_helpers import SyncSession, report


def test_a_pushed_report_is_applied_and_pulled_by_the_team(alice, bob):
    m = alice.mutation("report", "create", report())
    result = alice.push_one(m)
    assert result == {"id": m["id"], "status": "applied", "version": 1}
    change = bob.pull_all()[("report", m["entity_id"])]
    assert change["data"]["description"] == "井盖破损"
    assert change["data"]["reporter"] == "g1-2"
    assert change["data"]["status"] == "open"
    assert change["version"] == 1 and change["deleted"] is False


def test_pushing_the_same_mutation_twice_answers_duplicate_and_applies_once(app, alice):
    m = alice.mutation("report", "create", report())
    alice.push_one(m)
    again = alice.push_one(m)
    assert again["status"] == "duplicate" and again["version"] == 1
    from server.extensions import db
    from server.models import AuditEntry, Record

    with app.app_context():
        assert db.session.get(Record, ("report", m["entity_id"])).version == 1
        assert db.session.query(AuditEntry).filter_by(mutation_id=m["id"]).count() == 1


def test_one_bad_mutation_is_rejected_and_the_rest_still_apply(alice):
    good = alice.mutation("report", "create", report())
    bad_shape = {"id": "nope", "entity": "report"}
    bad_value = alice.mutation("report", "create", report(lat=200, severity=9))
    unknown = alice.mutation("spaceship", "create", {})
    answer = alice.push(good, bad_shape, bad_value, unknown)
    statuses = [r["status"] for r in answer["results"]]
    assert statuses == ["applied", "rejected", "rejected", "rejected"]
    assert answer["results"][1]["error"]["code"] == "invalid"
    assert set(answer["results"][2]["error"]["details"]) == {"lat", "severity"}
    assert answer["results"][3]["error"]["code"] == "unknown_entity"
    assert ("report", good["entity_id"]) in alice.pull_all()


def test_answers_carry_the_server_clock(alice):
    answer = alice.push(alice.mutation("report", "create", report()))
    wall = int(answer["hlc"].split(":")[0])
    assert abs(wall - time.time() * 1000) < 60_000
    assert answer["cursor"]


def test_concurrent_edits_keep_the_loser_as_a_conflict(client, auth, alice, bob):
    create = alice.mutation("report", "create", report())
    alice.push_one(create)
    now = int(time.time() * 1000)
    a = alice.mutation("report", "update", {"description": "井盖完全缺失"}, entity_id=create["entity_id"],
                       base_version=1, wall_ms=now)
    b = bob.mutation("report", "update", {"description": "井盖松动"}, entity_id=create["entity_id"],
                     base_version=1, wall_ms=now + 5)
    assert bob.push_one(b)["status"] == "applied"
    late = alice.push_one(a)
    assert late["status"] == "conflict"
    assert late["conflict"]["losing"]["value"] == "井盖完全缺失"
    assert bob.pull_all()[("report", create["entity_id"])]["data"]["description"] == "井盖松动"
    conflicts = client.get("/api/conflicts", headers=auth.headers("g1-1")).get_json()["conflicts"]
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c["field"] == "description"
    assert c["kept"]["value"] == "井盖松动" and c["kept"]["actor"] == "g1-3"
    assert c["losing"]["value"] == "井盖完全缺失" and c["losing"]["actor"] == "g1-2"


def _stored_clocks(app, entity_id):
    """The clocks column as the database holds it (not through the model's type)."""
    import json

    from sqlalchemy import text

    from server.extensions import db

    with app.app_context():
        raw = db.session.execute(text("SELECT clocks FROM records WHERE entity_id = :id"), {"id": entity_id}).scalar()
    return json.loads(raw) if isinstance(raw, str) else raw


def test_a_row_with_clocks_in_the_older_unpacked_form_still_merges(app, client, auth, alice, bob):
    import json

    from sqlalchemy import text

    from server.extensions import db
    from sync.clockpack import unpack

    create = alice.mutation("report", "create", report())
    alice.push_one(create)
    packed = _stored_clocks(app, create["entity_id"])
    assert packed["v"] == 2 and len(packed["s"]) == 1
    with app.app_context():  # as an older build wrote it
        db.session.execute(text("UPDATE records SET clocks = :c WHERE entity_id = :id"),
                           {"c": json.dumps(unpack(packed), ensure_ascii=False), "id": create["entity_id"]})
        db.session.commit()
    now = int(time.time() * 1000)
    bob.push_one(bob.mutation("report", "update", {"severity": 3}, entity_id=create["entity_id"],
                              base_version=1, wall_ms=now + 5))
    late = alice.push_one(alice.mutation("report", "update", {"severity": 1}, entity_id=create["entity_id"],
                                         base_version=1, wall_ms=now))
    assert late["status"] == "conflict" and late["conflict"]["losing"]["value"] == 1
    conflict = client.get("/api/conflicts", headers=auth.headers("g1-1")).get_json()["conflicts"][0]
    assert conflict["kept"]["value"] == 3 and conflict["kept"]["actor"] == "g1-3"
    assert _stored_clocks(app, create["entity_id"])["v"] == 2  # written back packed


def test_lead_resolves_a_conflict_by_taking_the_losing_value(client, auth, alice, bob):
    create = alice.mutation("report", "create", report())
    alice.push_one(create)
    now = int(time.time() * 1000)
    bob.push_one(bob.mutation("report", "update", {"severity": 3}, entity_id=create["entity_id"],
                              base_version=1, wall_ms=now + 5))
    alice.push_one(alice.mutation("report", "update", {"severity": 1}, entity_id=create["entity_id"],
                                  base_version=1, wall_ms=now))
    lead = SyncSession(client, auth, "g1-1")
    conflict = client.get("/api/conflicts", headers=lead.headers).get_json()["conflicts"][0]
    patroller_try = alice.push_one(alice.mutation("conflict", "resolve", {"choice": "losing"},
                                                  entity_id=conflict["id"]))
    assert patroller_try["error"]["code"] == "forbidden"
    resolved = lead.push_one(lead.mutation("conflict", "resolve", {"choice": "losing"}, entity_id=conflict["id"]))
    assert resolved["status"] == "applied"
    assert lead.pull_all()[("report", create["entity_id"])]["data"]["severity"] == 1
    assert client.get("/api/conflicts", headers=lead.headers).get_json()["conflicts"] == []


def test_other_grids_cannot_see_or_touch_records(client, auth, alice):
    create = alice.mutation("report", "create", report())
    alice.push_one(create)
    eve = SyncSession(client, auth, "g2-2")
    assert ("report", create["entity_id"]) not in eve.pull_all()
    attempt = eve.push_one(eve.mutation("report", "update", {"description": "x"}, entity_id=create["entity_id"],
                                        base_version=1))
    assert attempt["status"] == "rejected" and attempt["error"]["code"] == "not_found"
    into_grid1 = eve.push_one(eve.mutation("report", "create", report(grid_id=1)))
    assert into_grid1["error"]["code"] == "forbidden"
    # The street supervisor of both grids sees it; the other street's does not.
    assert ("report", create["entity_id"]) in SyncSession(client, auth, "street1").pull_all()
    assert ("report", create["entity_id"]) not in SyncSession(client, auth, "street2").pull_all()
    assert client.get("/api/conflicts", headers=eve.headers).get_json()["conflicts"] == []


def test_department_sees_nothing_that_was_not_dispatched_to_it(client, auth, alice):
    alice.push_one(alice.mutation("report", "create", report()))
    dept = SyncSession(client, auth, "dept1")
    assert dept.pull_all() == {}
    assert dept.push_one(dept.mutation("report", "create", report(grid_id=1)))["error"]["code"] == "forbidden"


def test_pull_pages_with_an_opaque_cursor_and_never_repeats(alice, bob):
    ids = []
    for n in range(7):
        m = alice.mutation("checkin", "create", {"at": "2026-11-22T08:00:00+08:00", "lat": 30.2985,
                                                 "lon": 120.1498, "note": f"第{n}次"})
        ids.append(m["entity_id"])
        alice.push_one(m)
    seen = []
    cursor = ""
    while True:
        body = bob.client.get("/api/sync/pull", query_string={"cursor": cursor, "limit": 3},
                              headers=bob.headers).get_json()
        seen += [c["entity_id"] for c in body["changes"]]
        cursor = body["cursor"]
        if not body["more"]:
            break
    assert seen == ids
    again = bob.client.get("/api/sync/pull", query_string={"cursor": cursor}, headers=bob.headers).get_json()
    assert again["changes"] == [] and again["more"] is False


def test_a_cursor_the_server_did_not_make_is_a_400(alice):
    response = alice.client.get("/api/sync/pull?cursor=bm90LWEtY3Vyc29y", headers=alice.headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_cursor"


def test_deletes_sync_as_tombstones_and_only_leads_delete(client, auth, alice):
    create = alice.mutation("report", "create", report())
    alice.push_one(create)
    assert alice.push_one(alice.mutation("report", "delete", entity_id=create["entity_id"],
                                         base_version=1))["error"]["code"] == "forbidden"
    lead = SyncSession(client, auth, "g1-1")
    assert lead.push_one(lead.mutation("report", "delete", entity_id=create["entity_id"],
                                       base_version=1))["status"] == "applied"
    change = alice.pull_all()[("report", create["entity_id"])]
    assert change["deleted"] is True and change["data"]["description"] == "井盖破损"


def test_a_phone_a_year_fast_does_not_win_every_later_edit(alice, bob):
    create = alice.mutation("report", "create", report())
    alice.push_one(create)
    year = 365 * 24 * 3600 * 1000
    fast = alice.mutation("report", "update", {"description": "来自未来"}, entity_id=create["entity_id"],
                          base_version=1, wall_ms=int(time.time() * 1000) + year)
    alice.push_one(fast)
    time.sleep(0.01)
    later = bob.mutation("report", "update", {"description": "正常时钟的后续编辑"}, entity_id=create["entity_id"],
                         base_version=2)
    assert bob.push_one(later)["status"] == "applied"
    assert bob.pull_all()[("report", create["entity_id"])]["data"]["description"] == "正常时钟的后续编辑"


def test_push_refuses_a_device_id_other_than_the_sessions(alice):
    response = alice.client.post("/api/sync/push", json={"device_id": "someone-elses", "mutations": []},
                                 headers=alice.headers)
    assert response.status_code == 422


def test_push_body_must_be_an_object_with_a_list(alice):
    response = alice.client.post("/api/sync/push", json={"device_id": alice.device_id, "mutations": "all"},
                                 headers=alice.headers)
    assert response.status_code == 422
    assert "mutations" in response.get_json()["error"]["details"]


def test_every_applied_mutation_is_audited_with_who_and_which_device(app, alice):
    m = alice.mutation("report", "create", report())
    alice.push_one(m)
    from server.extensions import db
    from server.models import AuditEntry

    with app.app_context():
        entry = db.session.execute(db.select(AuditEntry).filter_by(mutation_id=m["id"])).scalar_one()
        assert (entry.actor, entry.device_id, entry.action) == ("g1-2", alice.device_id, "report.create")


def test_checkin_far_from_its_checkpoint_is_accepted_and_flagged(client, auth, alice):
    me = client.get("/api/me", headers=alice.headers).get_json()
    cp = me["beat"]["checkpoints"][0]
    near = alice.mutation("checkin", "create", {"at": "2026-11-22T08:00:00+08:00", "lat": cp["lat"],
                                                "lon": cp["lon"], "checkpoint_id": cp["id"]})
    far = alice.mutation("checkin", "create", {"at": "2026-11-22T09:00:00+08:00", "lat": cp["lat"] + 0.01,
                                               "lon": cp["lon"], "checkpoint_id": cp["id"]})
    assert [r["status"] for r in alice.push(near, far)["results"]] == ["applied", "applied"]
    pulled = alice.pull_all()
    assert pulled[("checkin", near["entity_id"])]["data"]["flags"] == []
    far_data = pulled[("checkin", far["entity_id"])]["data"]
    assert "far_from_checkpoint" in far_data["flags"] and "outside_grid" in far_data["flags"]
    assert far_data["distance_m"] > 1000
    assert far_data["user"] == "g1-2"


def test_a_rejected_mutation_id_sent_again_with_good_values_in_the_same_push_is_judged_on_them(alice):
    bad = alice.mutation("report", "create", report(severity=9))
    good = {**bad, "data": report()}
    first, second = alice.push(bad, good)["results"]
    assert first["status"] == "rejected" and set(first["error"]["details"]) == {"severity"}
    assert second["status"] == "applied"
