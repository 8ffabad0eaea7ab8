"""Nobody who reads the source can sign a token for a server started like ``make run``."""

from __future__ import annotations

import os
import time
import uuid
import warnings

import jwt
import pytest
import requests

from server.secret_key import SECRET_FILE
from tests.served.conftest import instance_path, log_in

# The constant that signed every token of earlier releases, and values a
# guesser would try next.
GUESSABLE_KEYS = [
    "gridwalk-development-secret-change-me-before-production",
    "gridwalk", "gridwalk-demo", "secret", "secret-key", "changeme", "change-me", "dev", "development",
    "test", "testing", "password", "SECRET_KEY", "GRIDWALK_SECRET_KEY", "flask", "jwt", "0" * 32, "x",
]


def forge(key: str | None, claims: dict, algorithm: str = "HS256") -> str:
    """A token like the server's own, signed with ``key`` (unsigned when ``algorithm`` is none)."""
    now = int(time.time())
    payload = {**claims, "type": "access", "fresh": False, "jti": str(uuid.uuid4()),
               "iat": now, "nbf": now, "exp": now + 600}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)  # short keys are the point
        return jwt.encode(payload, key, algorithm=algorithm)


def me(base: str, token: str) -> requests.Response:
    return requests.get(f"{base}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)


@pytest.fixture(scope="module")
def supervisor_claims(served):
    """What an attacker learns of a supervisor's session: user id, device id (seen in HLCs), role."""
    body = log_in(served.base, "street1", "street1-desk-0001").json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    return {name: claims[name] for name in ("sub", "dev", "gen", "role")}


@pytest.mark.parametrize("key", GUESSABLE_KEYS)
def test_a_token_signed_with_a_guessable_key_is_refused(served, supervisor_claims, key):
    response = me(served.base, forge(key, supervisor_claims))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_an_unsigned_token_is_refused(served, supervisor_claims):
    response = me(served.base, forge(None, supervisor_claims, algorithm="none"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_the_same_forgery_with_the_instance_key_would_pass(served, supervisor_claims):
    """The forged tokens are well formed: only the key they were signed with is wrong."""
    key = open(os.path.join(instance_path(served), SECRET_FILE)).read().strip()
    assert me(served.base, forge(key, supervisor_claims)).json()["user"]["username"] == "street1"


def test_every_worker_accepts_the_tokens_another_worker_signed(served):
    """Both workers read one instance key: a token from either works on every request."""
    tokens = [log_in(served.base, f"g2-{n}", f"phone-g2-{n}-0001").json()["access_token"] for n in range(2, 6)]
    answers = [me(served.base, token).status_code for _ in range(10) for token in tokens]
    assert answers == [200] * len(answers)
