"""Schemathesis over /api/openapi.json: every operation, as a patroller and as a supervisor.

Each operation gets the coverage phase (boundary and invalid values derived
from its declared schema: huge integers, out-of-window days, missing and
unknown fields…), its examples and a bounded number of fuzzed requests, and
every response goes through all of schemathesis's checks: no server error,
status codes, content types, headers and bodies as the document declares
them, invalid requests refused and valid ones accepted.

The app runs in-process (WSGI) on SQLite, migrated and seeded with the demo
district. It is built when the module is imported because schemathesis turns
the document into one test per operation at collection time.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import re
import shutil
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from server import create_app
from server.extensions import db
from server.schemas.common import DEVICE_ID
from tests.conftest import PASSWORD, TEST_CONFIG

# Fuzzed requests per operation and user, on top of the coverage phase's own
# cases; the whole module stays well under three minutes on two cores.
MAX_EXAMPLES = int(os.environ.get("GRIDWALK_FUZZ_EXAMPLES", "25"))

# Rules a JSON Schema cannot state. A request the document calls valid but that
# breaks one of these is refused with the 4xx given here, on purpose.
SEMANTIC_REJECTIONS = [
    # A cursor is opaque: only one this server made is accepted.
    ("GET", "/api/sync/pull", ["400"]),
    # date_from must not be after date_to.
    ("GET", "/api/reports", ["422"]),
    ("GET", "/api/checkins", ["422"]),
    ("GET", "/api/visits", ["422"]),
    ("GET", "/api/visits/export.csv", ["422"]),
    # A supervisor has no grid of their own and must name one.
    ("GET", "/api/huddle", ["422"]),
    ("GET", "/api/checkins/summary", ["422"]),
]

_DIR = tempfile.mkdtemp(prefix="gridwalk-fuzz-")
atexit.register(shutil.rmtree, _DIR, True)
APP = create_app({
    **TEST_CONFIG,
    "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(_DIR, "gridwalk.db"),
    "GRIDWALK_MEDIA_URL": "file://" + os.path.join(_DIR, "media"),
    # Logins are what the fuzzer repeats most; the limits have tests of their own.
    # (Not RATELIMIT_ENABLED: the limiter is one object shared by every test's app.)
    "GRIDWALK_LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
    "GRIDWALK_LOGIN_LIMIT_PER_USER": "100000 per minute",
})


def _config() -> SchemathesisConfig:
    accepted = ["2xx", "3xx", "401", "403", "404", "409", "429"]
    return SchemathesisConfig.from_dict({
        "operations": [
            {
                # One filter naming the operation: separate method and path filters would be OR-ed.
                "include-name": f"{method} {path}",
                "checks": {"positive_data_acceptance": {"expected-statuses": accepted + extra}},
            }
            for method, path, extra in SEMANTIC_REJECTIONS
        ],
    })


# The Open311 operations are left out: they authenticate with an intake account's
# api_key (a query value the fuzzer cannot know, so every case is a 403) and answer
# XML as GeoReport v2 lays it out; tests/api/test_open311.py holds them to the
# specification's fields instead.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP, config=_config()).exclude(path_regex=r"^/open311/")


_state = {"ready": False}


def _ready() -> None:
    """Migrate and seed the module's database once.

    Schemathesis builds the coverage phase's cases, logged in, while it
    collects the tests, so this runs at the first log-in rather than in a fixture.
    """
    if _state["ready"]:
        return
    from flask_migrate import upgrade

    from server.seed import seed_demo

    # Alembic logs each revision to stderr, which pytest does not capture while collecting.
    with APP.app_context(), contextlib.redirect_stderr(io.StringIO()):
        upgrade()
        seed_demo(password=PASSWORD)
        db.session.remove()
    _state["ready"] = True


class _Login:
    """Bearer tokens for one demo user on a device of their own, re-fetched when one stops working."""

    username: str

    def device_id(self) -> str:
        return f"fuzz-{self.username}-phone"

    def get(self, case, context):
        _ready()
        client = context.app.test_client()
        response = client.post("/api/auth/login", json={
            "username": self.username, "password": PASSWORD, "device_id": self.device_id(),
        })
        assert response.status_code == 200, response.get_json()
        return response.get_json()["access_token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


class PatrollerLogin(_Login):
    username = "g1-2"


class SupervisorLogin(_Login):
    username = "street1"


@pytest.fixture(scope="module")
def demo_app():
    """The module's app, migrated and seeded."""
    _ready()
    yield APP
    with APP.app_context():
        db.session.remove()
        db.engine.dispose()


def _as_own_device(case, login: _Login) -> None:
    # A push names the session's device; a well-formed id of another device is
    # refused (422), which says nothing about the body. Ids the case made
    # malformed on purpose stay as they are.
    body = case.body
    if case.path == "/api/sync/push" and isinstance(body, dict) and isinstance(body.get("device_id"), str):
        if re.fullmatch(DEVICE_ID.regex, body["device_id"]):
            body["device_id"] = login.device_id()


_SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None,
                     derandomize=os.environ.get("GRIDWALK_FUZZ_RANDOM") != "1",
                     suppress_health_check=list(HealthCheck))


@schema.auth.apply(PatrollerLogin)
@schema.parametrize()
@_SETTINGS
def test_every_operation_holds_its_document_for_a_patroller(case, demo_app):
    _as_own_device(case, PatrollerLogin())
    case.call_and_validate()


@schema.auth.apply(SupervisorLogin)
@schema.parametrize()
@_SETTINGS
def test_every_operation_holds_its_document_for_a_supervisor(case, demo_app):
    _as_own_device(case, SupervisorLogin())
    case.call_and_validate()
