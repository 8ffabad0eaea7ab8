"""A grid-2 member cannot read grid-1 data through any endpoint."""

from __future__ import annotations

import hashlib
import time

from tests.api.sync_helpers import SyncSession, report
from tests.photos.conftest import encode, photographic


def test_grid_two_cannot_read_grid_one_through_any_endpoint(client, auth):
    g1 = SyncSession(client, auth, "g1-2")
    photo = encode(photographic(400, 300, seed=3), "JPEG", quality=80)
    sha = hashlib.sha256(photo).hexdigest()
    assert client.put(f"/api/photos/{sha}", data=photo, headers=g1.headers,
                      content_type="image/jpeg").status_code == 201
    rep = g1.mutation("report", "create", report(photos=[sha], status="needs_handoff"))
    chk = g1.mutation("checkin", "create", {"at": "2026-11-22T08:00:00+08:00", "lat": 30.2985, "lon": 120.1498})
    vis = g1.mutation("visit", "create", {"place_kind": "shop", "place": "沿街商铺1号", "contact_phone": "13800001111"})
    g1.push(rep, chk, vis)
    other = SyncSession(client, auth, "g1-3")
    now = int(time.time() * 1000)
    g1.push_one(g1.mutation("report", "update", {"description": "甲"}, entity_id=rep["entity_id"], base_version=1,
                            wall_ms=now))
    other.push_one(other.mutation("report", "update", {"description": "乙"}, entity_id=rep["entity_id"],
                                  base_version=1, wall_ms=now - 10))
    ticket = client.post("/api/tickets", json={"report_ids": [rep["entity_id"]], "title": "井盖", "category":
                                               "facilities_damage", "severity": 2},
                         headers=auth.headers("g1-1")).get_json()
    client.post(f"/api/tickets/{ticket['id']}/submit", json={}, headers=auth.headers("g1-1"))

    outsider = SyncSession(client, auth, "g2-2")
    h = outsider.headers
    for path in (
        f"/api/reports/{rep['entity_id']}", f"/api/checkins/{chk['entity_id']}", f"/api/visits/{vis['entity_id']}",
        f"/api/tickets/{ticket['id']}", f"/api/tickets/{ticket['id']}/history", f"/api/photos/{sha}",
        f"/api/photos/{sha}?size=thumb", "/api/huddle?grid=1", "/api/checkins/summary?grid=1", "/api/reports?grid=1",
        "/api/checkins?grid=1", "/api/visits?grid=1", "/api/tickets?grid=1",
    ):
        response = client.get(path, headers=h)
        assert response.status_code == 404, (path, response.status_code)
        assert response.get_json()["error"]["code"] == "not_found"
    for path in ("/api/reports", "/api/checkins", "/api/visits", "/api/tickets"):
        assert client.get(path, headers=h).get_json()["total"] == 0, path
    assert client.get("/api/conflicts", headers=h).get_json()["conflicts"] == []
    assert client.get("/api/conflicts?grid=1", headers=h).get_json()["conflicts"] == []
    assert client.get("/api/notifications", headers=h).get_json()["notifications"] == []
    assert client.get("/api/tickets/overdue", headers=h).get_json()["total"] == 0
    assert outsider.pull_all() == {}
    # And the grid's own lead does see all of it (so the denials above are real).
    lead = auth.headers("g1-1")
    assert client.get(f"/api/photos/{sha}", headers=lead).status_code == 200
    assert len(client.get("/api/conflicts", headers=lead).get_json()["conflicts"]) == 1
    assert client.get("/api/huddle?grid=1", headers=lead).status_code == 200
