"""The demo district, migrations from empty, and the OpenAPI document."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import create_engine, inspect, text

from server import create_app
from server.config import normalise_database_url
from server.extensions import db
from tests.conftest import BACKENDS, PG_URL, TEST_CONFIG


def test_seed_demo_is_idempotent(app, runner):
    from server.models import Beat, Grid, User

    def counts():
        with app.app_context():
            return tuple(db.session.query(m).count() for m in (User, Grid, Beat))

    before = counts()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert counts() == before
    assert before == (1 + 4 + 2 + 8 * 6, 8, 8 * 6)


def test_demo_users_of_the_contract_exist(client, auth):
    me = client.get("/api/me", headers=auth.headers("g1-1")).get_json()
    assert me["user"]["role"] == "lead" and me["grid"]["code"] == "G1"
    assert len(me["beat"]["checkpoints"]) == 2
    assert client.get("/api/me", headers=auth.headers("street1")).get_json()["user"]["role"] == "supervisor"
    assert client.get("/api/me", headers=auth.headers("dept1")).get_json()["department"]["code"] == "D1"


def test_migrations_from_empty_match_the_models(database_url):
    """Alembic's autogenerate finds nothing to change after `upgrade` from empty."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext


    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, db.metadata)
        tables = set(inspect(conn).get_table_names())
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert diff == []
    assert {"users", "grids", "records", "audit_log", "photos"} <= tables
    assert version


def test_openapi_describes_every_endpoint_with_schemas(client, app):
    spec = client.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    rules = {
        re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", r.rule)
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/") and r.endpoint not in ("api-docs.openapi_json",)
    }
    rules = {r for r in rules if "openapi" not in r}
    assert rules <= set(paths), rules - set(paths)
    login = paths["/api/auth/login"]["post"]
    assert "requestBody" in login
    assert login["responses"]["200"]["content"]["application/json"]["schema"]
    assert paths["/api/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert "bearerAuth" in spec["components"]["securitySchemes"]


@pytest.mark.parametrize("env, ok", [("production", False), ("development", True)])
def test_production_refuses_to_start_without_a_secret(monkeypatch, tmp_path, env, ok):
    from server.config import ConfigError, load_config

    monkeypatch.setenv("GRIDWALK_ENV", env)
    monkeypatch.delenv("GRIDWALK_SECRET_KEY", raising=False)
    if ok:
        assert load_config(str(tmp_path))["SECRET_KEY"]
    else:
        with pytest.raises(ConfigError):
            load_config(str(tmp_path))


@pytest.fixture(params=BACKENDS)
def scratch_database(request, tmp_path):
    """An empty database of its own (the suite's stays migrated to the newest revision)."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "scratch.db")
        return
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(normalise_database_url(PG_URL))
    name = f"{base.database}_migrations"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield base.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_photo_reference_migration_indexes_the_photos_of_existing_records(scratch_database):
    from flask_migrate import upgrade

    photo, other = "a" * 64, "b" * 64
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": scratch_database})
    with app.app_context():
        upgrade(revision="279d321ebee4")  # the revision before photo_refs
        rows = [("report", "r-1", {"photos": [photo, other], "after_photos": [photo]}),
                ("ticket", "t-1", {"resolution_photos": [other]}),
                ("visit", "v-1", {"notes": f"mentions {photo} in text only"})]
        for seq, (entity, entity_id, data) in enumerate(rows, start=1):
            db.session.execute(
                text("INSERT INTO records (entity, entity_id, version, seq, deleted, data, clocks, created_at, "
                     "updated_at) VALUES (:e, :i, 1, :s, false, :d, '{}', :t, :t)"),
                {"e": entity, "i": entity_id, "s": seq, "d": json.dumps(data), "t": "2026-11-20 08:00:00"},
            )
        db.session.commit()
        upgrade()
        refs = set(db.session.execute(text("SELECT sha256, entity, entity_id FROM photo_refs")).all())
        db.engine.dispose()
    assert refs == {(photo, "report", "r-1"), (other, "report", "r-1"), (other, "ticket", "t-1")}


def test_mutations_applied_before_the_audit_log_kept_their_ids_are_still_answered_duplicate(scratch_database):
    from flask_migrate import downgrade, upgrade

    from server.seed import seed_demo
    from tests.api.sync_helpers import mutation, report
    from tests.conftest import PASSWORD

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": scratch_database})
    client = app.test_client()
    with app.app_context():
        upgrade()
        seed_demo(password=PASSWORD)
    token = client.post("/api/auth/login", json={"username": "g1-2", "password": PASSWORD,
                                                  "device_id": "phone-m1"}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    created = mutation("report", "create", report(), device="phone-m1")
    edited = mutation("report", "update", {"severity": 3}, entity_id=created["entity_id"], device="phone-m1")

    def push(*mutations):
        response = client.post("/api/sync/push", json={"device_id": "phone-m1", "mutations": list(mutations)},
                               headers=headers)
        assert response.status_code == 200, response.get_json()
        return [(r["status"], r.get("version")) for r in response.get_json()["results"]]

    assert push(created, edited) == [("applied", 1), ("applied", 2)]
    with app.app_context():
        downgrade(revision="98aeef383e40")  # applied ids in a table of their own again
        kept = db.session.execute(text("SELECT id, status, version FROM applied_mutations ORDER BY version")).all()
        db.session.remove()  # ends the read, whose table lock would hold up the upgrade on PostgreSQL
        assert [tuple(row) for row in kept] == [(created["id"], "applied", 1), (edited["id"], "applied", 2)]
        upgrade()
    assert push(created, edited) == [("duplicate", 1), ("duplicate", 2)]
    with app.app_context():
        db.engine.dispose()


def test_the_photo_holder_migration_shares_uploaded_photos_and_leaves_borrowed_hashes_pending(
        scratch_database, tmp_path):
    import hashlib

    from flask_migrate import downgrade, upgrade

    from server.seed import seed_demo
    from tests.api.sync_helpers import SyncSession, report
    from tests.conftest import PASSWORD, AuthActions
    from tests.photos.conftest import encode, photographic

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": scratch_database,
                      "GRIDWALK_MEDIA_URL": "file://" + str(tmp_path / "media")})
    client = app.test_client()
    with app.app_context():
        upgrade()
        seed_demo(password=PASSWORD)
    auth = AuthActions(client)
    photo = encode(photographic(640, 480, seed=31), "JPEG", quality=90)
    digest = hashlib.sha256(photo).hexdigest()
    owner, borrower = SyncSession(client, auth, "g1-2"), SyncSession(client, auth, "g5-3")
    assert client.put(f"/api/photos/{digest}", data=photo, headers=owner.headers).status_code == 201
    own = owner.mutation("report", "create", report(photos=[digest]))
    borrowed = borrower.mutation("report", "create", report(grid_id=5, photos=[digest]))
    owner.push(own)
    borrower.push(borrowed)
    assert client.put(f"/api/photos/{digest}", data=photo[:10_000], headers={
        **borrower.headers, "Upload-Length": str(len(photo))}).status_code == 204
    with app.app_context():
        downgrade(revision="c3a1f0e2b7d4")  # references without their author, no holders
        db.session.remove()
        upgrade()
        holders = db.session.execute(text(
            "SELECT u.username FROM photo_holders h JOIN users u ON u.id = h.user_id")).scalars().all()
        referrers = dict(db.session.execute(text(
            "SELECT r.entity_id, u.username FROM photo_refs r JOIN users u ON u.id = r.referrer_id")).all())
        db.session.remove()
    assert holders == ["g1-2"]
    assert referrers == {own["entity_id"]: "g1-2", borrowed["entity_id"]: "g5-3"}

    def reads(name):
        return client.get(f"/api/photos/{digest}", headers=auth.headers(name)).status_code == 200

    assert reads("g1-3") and reads("street1")
    assert not reads("g5-1") and not reads("street2")
    assert borrower.pull_all()[("report", borrowed["entity_id"])]["pending_photos"] == [digest]
    # The upload in progress was dropped: the phone starts it over, and its bytes share the photo.
    head = client.head(f"/api/photos/{digest}", headers=borrower.headers)
    assert (head.status_code, head.headers["Photo-Status"]) == (404, "missing")
    assert client.put(f"/api/photos/{digest}", data=photo, headers=borrower.headers).status_code == 201
    assert reads("g5-1") and reads("street2")
    with app.app_context():
        db.engine.dispose()


def _district_rows(app) -> dict:
    from server.models import Beat, Checkpoint, Community, Grid, Street, Team, User

    with app.app_context():
        def rows(model, *columns):
            return sorted(tuple(getattr(o, c) for c in columns) for o in db.session.query(model))

        return {
            "streets": rows(Street, "code", "name"), "communities": rows(Community, "code", "name", "street_id"),
            "grids": rows(Grid, "code", "name", "kind", "center_lat", "center_lon", "population", "community_id"),
            "teams": rows(Team, "grid_id", "name"),
            "users": rows(User, "username", "role", "team_role", "phone", "display_name", "grid_id", "street_id"),
            "beats": rows(Beat, "user_id", "grid_id", "name"), "checkpoints": rows(Checkpoint, "beat_id", "lat", "lon"),
        }


@pytest.mark.parametrize("grids", [1, 5, 9, 13, 30])
def test_seed_demo_lays_out_a_district_of_n_grids_of_the_demo_shape(app, runner, client, grids):
    demo = _district_rows(app)
    result = runner.invoke(args=["seed-demo", "--grids", str(grids)])
    assert result.exit_code == 0, result.output
    after = _district_rows(app)
    streets, communities = -(-max(grids, 8) // 4), -(-max(grids, 8) // 2)
    assert len(after["grids"]) == max(grids, 8) and len(after["streets"]) == streets
    assert len(after["communities"]) == communities and len(after["teams"]) == max(grids, 8)
    assert len(after["users"]) == 1 + 4 + streets + 6 * max(grids, 8)
    assert len(after["beats"]) == 6 * max(grids, 8) and len(after["checkpoints"]) == 12 * max(grids, 8)
    # The demo's own eight grids and their people are untouched by a larger seed.
    for table, rows in demo.items():
        assert set(rows) <= set(after[table]), table
    # No two grids share a centre; every grid's six members have a phone of their own.
    assert len({(g[3], g[4]) for g in after["grids"]}) == len(after["grids"])
    phones = [u[3] for u in after["users"] if u[3]]
    assert len(set(phones)) == len(phones) and all(len(p) == 11 for p in phones)
    # A second run changes nothing.
    assert runner.invoke(args=["seed-demo", "--grids", str(grids)]).exit_code == 0
    assert _district_rows(app) == after
    # The last grid's lead and street supervisor log in and see their own grid.
    last = max(grids, 8)
    token = client.post("/api/auth/login", json={"username": f"g{last}-1", "password": "gridwalk-demo",
                                                 "device_id": "seed-check"}).get_json()["access_token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["grid"]["code"] == f"G{last}" and me["user"]["role"] == "lead" and len(me["beat"]["checkpoints"]) == 2


@pytest.mark.parametrize("grids", ["0", "-3", "many", "10001"])
def test_seed_demo_refuses_a_grid_count_out_of_range(runner, grids):
    result = runner.invoke(args=["seed-demo", "--grids", grids])
    assert result.exit_code == 2 and "--grids" in result.output
