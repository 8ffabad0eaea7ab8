"""Fixtures built from the app factory (flaskr style), run on every database.

Every test that takes ``app`` runs once on SQLite and, when
``GRIDWALK_TEST_DATABASE_URL`` is set, once more on PostgreSQL: the same suite
against each backend. The schema is made by the real Alembic migrations once
per backend; each test starts from the seeded demo district.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from server import create_app
from server.config import normalise_database_url
from server.extensions import db, limiter
from sync.textsim import text_profile

PG_URL = os.environ.get("GRIDWALK_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "gridwalk-demo"

TEST_CONFIG = {
    "TESTING": True,
    "GRIDWALK_ARGON2_TIME_COST": 1,
    "GRIDWALK_ARGON2_MEMORY_KIB": 64,
}


@pytest.fixture(autouse=True)
def _no_cached_text_profiles():
    """Each test profiles its descriptions afresh.

    ``text_profile`` caches what it computed; a profile cached by an earlier test (or by
    mutmut's first run, from which each mutant's run is forked) would hide a change to how
    profiles are built.
    """
    text_profile.cache_clear()


def _drop_everything(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A migrated, empty database of one backend for the whole session."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "gridwalk.db")
    else:
        url = normalise_database_url(PG_URL)
        _drop_everything(url)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def _wipe(app) -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
            conn.execute(text("DELETE FROM sqlite_sequence")) if _has_sqlite_sequence(conn) else None


def _has_sqlite_sequence(conn) -> bool:
    return bool(conn.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first())


@pytest.fixture
def app_config():
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(database_url, app_config, tmp_path):
    """A fresh app on a wiped database holding the demo district."""
    config = {
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "GRIDWALK_MEDIA_URL": "file://" + str(tmp_path / "media"),
        **app_config,
    }
    app = create_app(config)
    with app.app_context():
        _wipe(app)
        from server.seed import seed_demo

        seed_demo(password=PASSWORD)
        limiter.reset()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Log demo users in and keep their tokens (flaskr's AuthActions, with devices)."""

    def __init__(self, client):
        self._client = client
        self.tokens: dict[str, dict] = {}

    def login(self, username: str, password: str = PASSWORD, device_id: str | None = None):
        device_id = device_id or f"dev-{username}-{uuid.uuid4().hex[:8]}"
        response = self._client.post(
            "/api/auth/login", json={"username": username, "password": password, "device_id": device_id}
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        self.tokens[username] = {**body, "device_id": device_id}
        return body

    def headers(self, username: str) -> dict:
        if username not in self.tokens:
            self.login(username)
        return {"Authorization": f"Bearer {self.tokens[username]['access_token']}"}


@pytest.fixture
def auth(client):
    return AuthActions(client)
