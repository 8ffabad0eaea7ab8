"""Nobody sees what they should not: admin endpoints and grid scoping."""

from __future__ import annotations

import pytest

ADMIN_PATHS = [
    "/api/admin/grids", "/api/admin/teams", "/api/admin/users", "/api/admin/beats",
    "/api/admin/departments", "/api/admin/streets", "/api/admin/communities", "/api/admin/devices",
]


@pytest.mark.parametrize("username", ["g1-2", "g1-1", "street1", "dept1"])
def test_non_admins_cannot_use_admin_endpoints(client, auth, username):
    for path in ADMIN_PATHS:
        response = client.get(path, headers=auth.headers(username))
        assert response.status_code == 403, path
        assert response.get_json()["error"]["code"] == "forbidden"
    created = client.post(
        "/api/admin/users",
        json={"username": "sneaky", "password": "password123", "role": "admin"},
        headers=auth.headers(username),
    )
    assert created.status_code == 403


def test_admin_endpoints_require_a_token(client):
    for path in ADMIN_PATHS:
        assert client.get(path).status_code == 401


def test_patroller_sees_only_their_own_grid_in_me(client, auth):
    body = client.get("/api/me", headers=auth.headers("g2-3")).get_json()
    assert body["grid"]["code"] == "G2"
    assert {m["username"] for m in body["team"]["members"]} == {f"g2-{n}" for n in range(1, 7)}


def test_scope_of_each_role(app):
    from server.extensions import db
    from server.models import Grid, User
    from server.services.scope import scope_for

    with app.app_context():
        def scope(name):
            return scope_for(db.session.execute(db.select(User).filter_by(username=name)).scalar_one())

        grid_id = {g.code: g.id for g in db.session.execute(db.select(Grid)).scalars()}
        assert scope("g1-2").grid_ids == {grid_id["G1"]}
        assert scope("g2-1").grid_ids == {grid_id["G2"]}
        assert scope("street1").grid_ids == {grid_id[f"G{n}"] for n in (1, 2, 3, 4)}
        assert scope("street2").grid_ids == {grid_id[f"G{n}"] for n in (5, 6, 7, 8)}
        assert scope("dept1").grid_ids == frozenset()
        assert scope("dept1").department_id is not None
        assert scope("admin").grid_ids is None
        assert not scope("g2-1").can_see_grid(grid_id["G1"])
        assert scope("street1").can_see_grid(grid_id["G2"])
        assert not scope("street1").can_see_grid(grid_id["G5"])
