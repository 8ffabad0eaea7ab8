"""Logging in, refreshing, logging out and revoking devices."""

from __future__ import annotations

import time

import pytest

from tests.conftest import PASSWORD


def login(client, username="g1-2", password=PASSWORD, device_id="phone-0001"):
    return client.post(
        "/api/auth/login", json={"username": username, "password": password, "device_id": device_id}
    )


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_login_answers_tokens_and_the_user(client):
    response = login(client)
    assert response.status_code == 200
    body = response.get_json()
    assert body["access_token"] and body["refresh_token"]
    assert body["user"]["username"] == "g1-2"
    assert body["user"]["role"] == "patroller"


def test_wrong_password_is_refused_with_a_json_error(client):
    response = login(client, password="not-the-password")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    unknown = login(client, username="nobody")
    wrong = login(client, password="wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()


def test_access_token_opens_the_api_and_missing_token_does_not(client):
    token = login(client).get_json()["access_token"]
    assert client.get("/api/me", headers=bearer(token)).status_code == 200
    missing = client.get("/api/me")
    assert missing.status_code == 401
    assert missing.get_json()["error"]["code"] == "unauthorized"


def test_garbage_token_is_invalid(client):
    response = client.get("/api/me", headers=bearer("not.a.jwt"))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


class TestShortLivedTokens:
    @pytest.fixture
    def app_config(self):
        return {"JWT_ACCESS_TOKEN_EXPIRES": __import__("datetime").timedelta(seconds=1)}

    def test_expired_access_token_is_refused_and_refresh_gives_a_working_one(self, client):
        tokens = login(client).get_json()
        time.sleep(2.1)
        expired = client.get("/api/me", headers=bearer(tokens["access_token"]))
        assert expired.status_code == 401
        assert expired.get_json()["error"]["code"] == "token_expired"
        refreshed = client.post("/api/auth/refresh", headers=bearer(tokens["refresh_token"]))
        assert refreshed.status_code == 200
        again = client.get("/api/me", headers=bearer(refreshed.get_json()["access_token"]))
        assert again.status_code == 200


def test_access_token_cannot_be_used_to_refresh(client):
    tokens = login(client).get_json()
    response = client.post("/api/auth/refresh", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401


def test_logout_ends_every_token_of_the_device(client):
    tokens = login(client).get_json()
    assert client.post("/api/auth/logout", headers=bearer(tokens["access_token"])).status_code == 204
    for token, path in ((tokens["access_token"], "/api/me"), (tokens["refresh_token"], "/api/auth/refresh")):
        method = client.get if path == "/api/me" else client.post
        response = method(path, headers=bearer(token))
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "token_revoked"


def test_revoking_a_device_stops_its_tokens_at_once(client, auth):
    tokens = login(client, device_id="lost-phone-1").get_json()
    other = login(client, device_id="other-phone-1").get_json()
    revoke = client.post("/api/admin/devices/lost-phone-1/revoke", headers=auth.headers("admin"))
    assert revoke.status_code == 200
    assert revoke.get_json()["revoked_at"]
    for token, path in ((tokens["access_token"], "/api/me"), (tokens["refresh_token"], "/api/auth/refresh")):
        method = client.get if path == "/api/me" else client.post
        response = method(path, headers=bearer(token))
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "device_revoked"
    # The same user's other phone keeps working.
    assert client.get("/api/me", headers=bearer(other["access_token"])).status_code == 200
    # And the lost phone cannot log in again.
    assert login(client, device_id="lost-phone-1").get_json()["error"]["code"] == "device_revoked"


def test_only_an_admin_may_revoke_devices(client, auth):
    login(client, device_id="phone-abcdef")
    response = client.post("/api/admin/devices/phone-abcdef/revoke", headers=auth.headers("g1-1"))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_device_id_must_be_well_formed(client):
    response = login(client, device_id="x")
    assert response.status_code == 422
    assert "device_id" in response.get_json()["error"]["details"]


def test_passwords_are_stored_with_argon2(app):
    from server.extensions import db
    from server.models import User

    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(username="g1-2")).scalar_one()
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


class TestLoginRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"GRIDWALK_LOGIN_LIMIT_PER_USER": "3 per minute", "GRIDWALK_LOGIN_LIMIT_PER_ADDRESS": "6 per minute"}

    def test_repeated_wrong_passwords_for_one_user_are_rate_limited(self, client):
        codes = [login(client, password=f"wrong-{i}").status_code for i in range(4)]
        assert codes == [401, 401, 401, 429]
        limited = login(client)  # even the right password waits now
        assert limited.status_code == 429
        assert limited.get_json()["error"]["code"] == "rate_limited"
        # Another user on the same address is not locked out by it.
        assert login(client, username="g1-3").status_code == 200

    def test_many_logins_from_one_address_are_rate_limited(self, client):
        codes = [login(client, username=f"g{n}-2", device_id=f"phone-g{n}-2-0001").status_code for n in range(1, 8)]
        assert codes[:6] == [200] * 6
        assert codes[6] == 429


@pytest.mark.skipif(
    __import__("os").environ.get("GRIDWALK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15") == "off",
    reason="no Redis",
)
def test_rate_limits_are_shared_across_workers_through_redis(database_url, tmp_path):
    """Two app instances (two gunicorn workers) count failures in one Redis."""
    import os

    import redis

    from server import create_app
    from tests.conftest import TEST_CONFIG

    url = os.environ.get("GRIDWALK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on " + url)
    config = {
        **TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_STORAGE_URI": url,
        "GRIDWALK_LOGIN_LIMIT_PER_USER": "2 per minute",
    }
    worker_a, worker_b = create_app(config).test_client(), create_app(config).test_client()
    assert login(worker_a, username="g2-2", password="wrong-a").status_code == 401
    assert login(worker_b, username="g2-2", password="wrong-b").status_code == 401
    assert login(worker_a, username="g2-2", password="wrong-c").status_code == 429
    assert login(worker_b, username="g2-2", password="wrong-d").status_code == 429
    redis.Redis.from_url(url).flushdb()


def test_a_push_shows_in_the_device_list_as_when_the_phone_was_last_seen(app, client, auth):
    from datetime import datetime, timedelta, timezone

    from server.extensions import db
    from server.models import Device

    token = login(client, device_id="phone-seen-1").get_json()["access_token"]
    long_ago = datetime.now(timezone.utc) - timedelta(days=3)
    with app.app_context():
        db.session.get(Device, "phone-seen-1").last_seen_at = long_ago
        db.session.commit()

    def last_seen():
        devices = client.get("/api/admin/devices", headers=auth.headers("admin")).get_json()
        stamp = next(d["last_seen_at"] for d in devices if d["id"] == "phone-seen-1")
        return datetime.fromisoformat(stamp)

    assert last_seen() < datetime.now(timezone.utc) - timedelta(days=2)
    pushed = client.post("/api/sync/push", json={"device_id": "phone-seen-1", "mutations": []}, headers=bearer(token))
    assert pushed.status_code == 200
    assert last_seen() > datetime.now(timezone.utc) - timedelta(minutes=5)


# A device id belongs to the user who registered it ---------------------------------------------

# Owners and intruders across roles: patrollers, a team lead, supervisors, a department, the admin.
DEVICE_TAKEOVERS = [
    ("street1", "g1-2"), ("g1-2", "g1-3"), ("g1-3", "g1-1"), ("g1-1", "street1"), ("dept1", "g2-4"),
    ("g5-2", "street2"), ("street2", "admin"), ("admin", "dept2"), ("g8-6", "dept4"),
]


def _device_row(app, device_id):
    from server.extensions import db
    from server.models import Device

    with app.app_context():
        device = db.session.get(Device, device_id)
        return device.user_id, device.token_generation, device.revoked_at


@pytest.mark.parametrize("owner, intruder", DEVICE_TAKEOVERS)
def test_another_user_cannot_log_in_with_a_registered_device_id(app, client, owner, intruder):
    device_id = f"phone-of-{owner}-0001"
    tokens = login(client, username=owner, device_id=device_id).get_json()
    before = _device_row(app, device_id)

    refused = login(client, username=intruder, device_id=device_id)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "device_in_use"
    assert "access_token" not in refused.get_json()

    # Nothing was revoked: the owner's tokens keep working and the device is unchanged.
    assert _device_row(app, device_id) == before
    me = client.get("/api/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200 and me.get_json()["user"]["username"] == owner
    assert client.post("/api/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 200
    pushed = client.post("/api/sync/push", json={"device_id": device_id, "mutations": []},
                         headers=bearer(tokens["access_token"]))
    assert pushed.status_code == 200
    # The owner may log in again on it, and the intruder with a device id of their own.
    assert login(client, username=owner, device_id=device_id).status_code == 200
    assert login(client, username=intruder, device_id=f"phone-of-{intruder}-0002").status_code == 200


def test_a_wrong_password_with_a_registered_device_id_says_nothing_about_the_device(client):
    login(client, username="g1-2", device_id="phone-g12-000a")
    response = login(client, username="g1-3", password="wrong-password", device_id="phone-g12-000a")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_a_revoked_device_of_another_user_is_refused_as_in_use_and_stays_revoked(app, client, auth):
    login(client, username="g1-2", device_id="phone-lost-g12")
    assert client.post("/api/admin/devices/phone-lost-g12/revoke", headers=auth.headers("admin")).status_code == 200
    before = _device_row(app, "phone-lost-g12")
    refused = login(client, username="g1-3", device_id="phone-lost-g12")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "device_in_use"
    assert _device_row(app, "phone-lost-g12") == before


def test_users_racing_to_register_one_new_device_id_end_with_one_owner(database_url, app):
    """Logins of several users with one new id at once: one registers it, the others get 409."""
    from concurrent.futures import ThreadPoolExecutor

    from server import create_app
    from tests.conftest import TEST_CONFIG

    users = ["g3-2", "g3-3", "g3-4", "g3-5"]
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url}
    clients = [create_app(config).test_client() for _ in users]
    with ThreadPoolExecutor(len(users)) as pool:
        answers = list(pool.map(lambda pair: login(pair[0], username=pair[1], device_id="phone-contested-1"),
                                zip(clients, users)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * (len(users) - 1), [a.get_json() for a in answers]
    [winner] = [u for u, a in zip(users, answers) if a.status_code == 200]
    owner_id, generation, revoked = _device_row(app, "phone-contested-1")
    with app.app_context():
        from server.extensions import db
        from server.models import User

        assert db.session.get(User, owner_id).username == winner
    assert generation == 0
    assert revoked is None
