"""Security headers on every response: CSP, nosniff, frame and referrer policies, HSTS over TLS."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.security_headers import API_POLICY, APP_POLICY

ALWAYS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
YEAR = 365 * 24 * 3600


@pytest.fixture
def dist(tmp_path):
    """A built app shell of its own (pwa/dist need not be built for these tests)."""
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text('<!doctype html><script type="module" src="/assets/app.js"></script>')
    (root / "assets" / "app.js").write_text("export {};")
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (root / "manifest.webmanifest").write_text("{}")
    return root


@pytest.fixture
def app_config(dist):
    return {"GRIDWALK_PWA_DIST": str(dist)}


def assert_secured(response, policy):
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    assert response.headers.get("Content-Security-Policy") == policy
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_the_app_shell_policy_allows_no_inline_script_and_no_framing():
    directives = dict(d.strip().split(" ", 1) for d in APP_POLICY.split(";"))
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'self'"
    assert "unsafe" not in APP_POLICY
    assert directives["img-src"] == "'self' blob: data:"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert API_POLICY.startswith("default-src 'none'") and "frame-ancestors 'none'" in API_POLICY


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/", 200),
    ("GET", "/today", 200),
    ("HEAD", "/", 200),
    ("GET", "/assets/app.js", 200),
    ("GET", "/sw.js", 200),
    ("GET", "/manifest.webmanifest", 200),
    ("GET", "/missing.png", 404),
    ("POST", "/", 405),
])
def test_the_app_shell_answers_carry_the_app_policy(client, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert_secured(response, APP_POLICY)


@pytest.mark.parametrize("method, path, as_user, body, status", [
    ("GET", "/api/health", None, None, 200),
    ("HEAD", "/api/health", None, None, 200),
    ("GET", "/api/openapi.json", None, None, 200),
    ("GET", "/api/me", "g1-2", None, 200),
    ("GET", "/api/me", None, None, 401),
    ("GET", "/api/admin/users", "g1-2", None, 403),
    ("GET", "/api/nowhere", None, None, 404),
    ("DELETE", "/api/health", None, None, 405),
    ("POST", "/api/auth/login", None, {"username": "g1-2"}, 422),
    ("POST", "/api/auth/login", None, {"username": "g1-2", "password": "wrong", "device_id": "phone-0001"}, 401),
    ("GET", "/api/visits/export.csv", "g1-1", None, 200),
    ("HEAD", f"/api/photos/{'a' * 64}", "g1-2", None, 404),
])
def test_api_answers_carry_the_api_policy(client, auth, method, path, as_user, body, status):
    headers = auth.headers(as_user) if as_user else {}
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code == status
    assert_secured(response, API_POLICY)


class TestLimitedAndFailingAnswers:
    @pytest.fixture
    def app_config(self, dist):
        return {"GRIDWALK_PWA_DIST": str(dist), "GRIDWALK_LOGIN_LIMIT_PER_USER": "1 per minute"}

    def test_a_rate_limited_answer_carries_them(self, client):
        body = {"username": "g1-2", "password": "wrong", "device_id": "phone-0001"}
        assert client.post("/api/auth/login", json=body).status_code == 401
        limited = client.post("/api/auth/login", json=body)
        assert limited.status_code == 429
        assert_secured(limited, API_POLICY)

    def test_an_unexpected_error_carries_them(self, app):
        app.config["PROPAGATE_EXCEPTIONS"] = False

        def boom():
            raise RuntimeError("a bug")

        app.add_url_rule("/api/boom-for-test", view_func=boom)
        response = app.test_client().get("/api/boom-for-test")
        assert response.status_code == 500
        assert_secured(response, API_POLICY)


PATH_SEGMENTS = st.text(st.sampled_from("abcxyz0129-_.~%"), min_size=1, max_size=12)


def test_every_answer_to_any_path_and_method_carries_them(client):
    @settings(max_examples=200, deadline=None)
    @given(prefix=st.sampled_from(["/", "/api/", "/api/sync/", "/api/photos/", "/assets/", "/open311/v2/"]),
           rest=st.lists(PATH_SEGMENTS, max_size=3).map("/".join),
           method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]))
    def check(prefix, rest, method):
        path = prefix + rest
        response = client.open(path, method=method)
        assert_secured(response, API_POLICY if path.startswith(("/api/", "/open311/")) else APP_POLICY)

    check()


# HSTS over TLS, and which proxies are believed ------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/api/health", "/api/nowhere", "/assets/app.js"])
def test_an_answer_over_tls_carries_hsts(client, path):
    response = client.get(path, base_url="https://gridwalk.example")
    assert response.headers["Strict-Transport-Security"] == f"max-age={YEAR}"


@pytest.mark.parametrize("claim", ["https", "HTTPS", "https, http", "wss"])
def test_a_forwarded_scheme_is_not_believed_without_a_trusted_proxy(client, claim):
    response = client.get("/api/health", headers={"X-Forwarded-Proto": claim})
    assert "Strict-Transport-Security" not in response.headers


class TestBehindOneTrustedProxy:
    @pytest.fixture
    def app_config(self, dist):
        return {"GRIDWALK_PWA_DIST": str(dist), "GRIDWALK_TRUSTED_PROXIES": 1,
                "GRIDWALK_LOGIN_LIMIT_PER_ADDRESS": "3 per minute"}

    def test_the_proxy_saying_https_brings_hsts_and_saying_http_does_not(self, client):
        assert client.get("/", headers={"X-Forwarded-Proto": "https"}).headers["Strict-Transport-Security"]
        assert "Strict-Transport-Security" not in client.get("/", headers={"X-Forwarded-Proto": "http"}).headers

    def test_clients_the_proxy_names_are_limited_each_on_their_own(self, client):
        def log_in(n, address):
            return client.post("/api/auth/login", headers={"X-Forwarded-For": address}, json={
                "username": f"g{n}-2", "password": "gridwalk-demo", "device_id": f"phone-g{n}-2-0001"}).status_code

        assert [log_in(n, f"203.0.113.{n}") for n in range(1, 7)] == [200] * 6
        assert [log_in(n, "198.51.100.7") for n in range(1, 5)] == [200, 200, 200, 429]


class TestAddressLimitWithoutTrustedProxies:
    @pytest.fixture
    def app_config(self, dist):
        return {"GRIDWALK_PWA_DIST": str(dist), "GRIDWALK_LOGIN_LIMIT_PER_ADDRESS": "3 per minute"}

    def test_a_made_up_forwarded_address_does_not_escape_the_address_limit(self, client):
        codes = [client.post("/api/auth/login", headers={"X-Forwarded-For": f"203.0.113.{n}"}, json={
            "username": f"g{n}-2", "password": "gridwalk-demo", "device_id": f"phone-g{n}-2-0001"}).status_code
            for n in range(1, 5)]
        assert codes == [200, 200, 200, 429]


@pytest.mark.parametrize("seconds", [0, 1, 300, 2 * YEAR])
def test_the_hsts_lifetime_is_configurable_and_zero_turns_it_off(database_url, dist, seconds):
    from server import create_app
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "GRIDWALK_PWA_DIST": str(dist),
                      "GRIDWALK_HSTS_SECONDS": seconds})
    response = app.test_client().get("/", base_url="https://gridwalk.example")
    assert response.headers.get("Strict-Transport-Security") == (f"max-age={seconds}" if seconds else None)


@pytest.mark.parametrize("name", ["GRIDWALK_HSTS_SECONDS", "GRIDWALK_TRUSTED_PROXIES"])
@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_a_bad_hsts_or_proxy_setting_stops_the_start(monkeypatch, tmp_path, name, value):
    from server.config import ConfigError, load_config

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path))
