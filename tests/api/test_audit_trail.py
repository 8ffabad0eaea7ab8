"""The admin's set-up trail: newest first, paged, filtered by actor and kind, and nothing else in it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry, User
from tests.api.sync_helpers import SyncSession, report


def _trail(client, auth, **query):
    response = client.get("/api/admin/audit", query_string=query, headers=auth.headers("admin"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _grid_changes(client, auth):
    admin = auth.headers("admin")
    for shops in (1, 2, 3, 4):
        assert client.patch("/api/admin/grids/2", json={"shops": shops}, headers=admin).status_code == 200


def test_the_trail_is_paged_newest_first_with_the_total_of_every_page(client, auth):
    _grid_changes(client, auth)
    everything = _trail(client, auth)
    page = _trail(client, auth, limit=2, offset=1)
    assert page["total"] == everything["total"] >= 4
    assert (page["limit"], page["offset"]) == (2, 1)
    assert [e["data"]["shops"] for e in everything["items"][:4]] == [4, 3, 2, 1]
    assert [e["data"]["shops"] for e in page["items"]] == [3, 2]
    assert [e["seq"] for e in everything["items"]] == sorted((e["seq"] for e in everything["items"]), reverse=True)


def test_the_trail_holds_only_set_up_changes_not_field_work(client, auth):
    _grid_changes(client, auth)
    phone = SyncSession(client, auth, "g1-2")
    assert phone.push_one(phone.mutation("report", "create", report()))["status"] == "applied"
    trail = _trail(client, auth)
    assert trail["items"] and all(e["entity"] == "grids" for e in trail["items"][:4])
    assert not any(e["entity"] == "report" for e in trail["items"])
    assert trail["total"] == len(trail["items"])


def test_the_trail_filtered_by_actor_holds_that_actors_changes_alone(client, auth):
    _grid_changes(client, auth)
    mine = _trail(client, auth, actor="admin")
    assert mine["total"] >= 4 and {e["actor"] for e in mine["items"]} == {"admin"}
    nobodys = _trail(client, auth, actor="g1-1")
    assert nobodys == {"items": [], "total": 0, "limit": 100, "offset": 0}


def test_the_trail_filtered_by_kind_holds_that_kind_alone(client, auth):
    _grid_changes(client, auth)
    assert _trail(client, auth, entity="grids")["total"] >= 4
    assert _trail(client, auth, entity="departments") == {"items": [], "total": 0, "limit": 100, "offset": 0}


def test_the_trail_shows_when_a_change_was_made_to_the_millisecond(client, auth):
    admin = auth.headers("admin")
    # A fixed sub-millisecond instant a minute on, while the admin's token is still good.
    made = (datetime.now(timezone.utc) + timedelta(minutes=1)).replace(microsecond=500_400)
    with time_machine.travel(made, tick=False):
        assert client.patch("/api/admin/grids/2", json={"shops": 5}, headers=admin).status_code == 200
    [entry] = _trail(client, auth, limit=1)["items"]
    assert datetime.fromisoformat(entry["at"]) == made.replace(microsecond=500_000)
    assert (entry["action"], entry["entity"], entry["entity_id"]) == ("grids.update", "grids", "2")


def test_a_login_is_in_the_trail_with_who_and_which_phone(app, client, auth):
    auth.login("g1-2", device_id="g1-2-own-phone")
    with app.app_context():
        user_id = db.session.execute(select(User.id).where(User.username == "g1-2")).scalar_one()
        [row] = db.session.execute(
            select(AuditEntry.actor, AuditEntry.actor_id, AuditEntry.device_id)
            .where(AuditEntry.action == "login", AuditEntry.actor == "g1-2")
        ).all()
    assert tuple(row) == ("g1-2", user_id, "g1-2-own-phone")
