"""Admins set up grids, teams, users, beats and departments."""

from __future__ import annotations


def test_admin_creates_a_grid_and_edits_its_base_file(client, auth):
    h = auth.headers("admin")
    polygon = {"type": "Polygon", "coordinates": [[[120.1, 30.2], [120.2, 30.2], [120.2, 30.3], [120.1, 30.2]]]}
    created = client.post(
        "/api/admin/grids",
        json={"community_id": 1, "code": "G9", "name": "新建网格", "kind": "campus", "boundary": polygon,
              "population": 900, "households": 300},
        headers=h,
    )
    assert created.status_code == 201, created.get_json()
    grid = created.get_json()
    assert grid["name"] == "新建网格" and grid["street_id"] == 1
    patched = client.patch(f"/api/admin/grids/{grid['id']}", json={"shops": 12}, headers=h)
    assert patched.status_code == 200
    assert patched.get_json()["shops"] == 12 and patched.get_json()["population"] == 900


def test_duplicate_grid_code_is_a_409(client, auth):
    response = client.post(
        "/api/admin/grids", json={"community_id": 1, "code": "G1", "name": "dup"}, headers=auth.headers("admin")
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_reference_to_a_missing_community_is_a_422(client, auth):
    response = client.post(
        "/api/admin/grids", json={"community_id": 999, "code": "G10", "name": "x"}, headers=auth.headers("admin")
    )
    assert response.status_code == 422
    assert "community_id" in response.get_json()["error"]["details"]


def test_admin_creates_a_user_who_can_log_in_and_gets_a_beat(client, auth):
    h = auth.headers("admin")
    created = client.post(
        "/api/admin/users",
        json={"username": "g1-7", "display_name": "新队员", "password": "long-password-1", "role": "patroller",
              "team_role": "grid_worker", "grid_id": 1},
        headers=h,
    )
    assert created.status_code == 201, created.get_json()
    user = created.get_json()
    assert "password" not in user and user["street_id"] == 1
    beat = client.post(
        "/api/admin/beats",
        json={"user_id": user["id"], "name": "7幢", "responsibilities": ["巡查7幢"],
              "places": [{"id": "G1-B13", "name": "13幢", "kind": "building"}],
              "checkpoints": [{"name": "13幢门口", "lat": 30.3, "lon": 120.15}]},
        headers=h,
    )
    assert beat.status_code == 201, beat.get_json()
    auth.login("g1-7", "long-password-1")
    me = client.get("/api/me", headers=auth.headers("g1-7"))
    assert me.status_code == 200
    assert me.get_json()["beat"]["checkpoints"][0]["name"] == "13幢门口"


def test_a_patroller_without_a_grid_is_refused(client, auth):
    response = client.post(
        "/api/admin/users",
        json={"username": "loose", "password": "long-password-1", "role": "patroller"},
        headers=auth.headers("admin"),
    )
    assert response.status_code == 422
    assert "grid_id" in response.get_json()["error"]["details"]


def test_changing_a_password_ends_the_users_sessions(client, auth):
    token = auth.headers("g3-2")
    users = client.get("/api/admin/users?limit=1000", headers=auth.headers("admin")).get_json()
    g32 = next(u for u in users if u["username"] == "g3-2")
    response = client.patch(f"/api/admin/users/{g32['id']}", json={"password": "new-password-1"},
                            headers=auth.headers("admin"))
    assert response.status_code == 200
    assert client.get("/api/me", headers=token).status_code == 401


def test_admin_changes_are_in_the_audit_trail(app, client, auth):
    client.post("/api/admin/departments", json={"district_id": 1, "code": "D9", "name": "区住建局"},
                headers=auth.headers("admin"))
    from server.extensions import db
    from server.models import AuditEntry

    with app.app_context():
        entry = db.session.execute(
            db.select(AuditEntry).filter_by(action="departments.create")
        ).scalar_one()
        assert entry.actor == "admin" and entry.data["name"] == "区住建局"


def test_admin_lists_and_edits_departments_teams_streets(client, auth):
    h = auth.headers("admin")
    assert len(client.get("/api/admin/departments", headers=h).get_json()) == 4
    teams = client.get("/api/admin/teams", headers=h).get_json()
    assert len(teams) == 8 and len(teams[0]["member_ids"]) == 6
    renamed = client.patch(f"/api/admin/teams/{teams[0]['id']}", json={"name": "先锋小组"}, headers=h)
    assert renamed.get_json()["name"] == "先锋小组"
    assert client.get("/api/admin/teams/9999", headers=h).status_code == 404
