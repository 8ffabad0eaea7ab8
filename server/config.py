"""Configuration from environment variables prefixed ``GRIDWALK_``.

Every setting has a default that makes ``make run`` work on a laptop: SQLite and
photos under ``instance/``, a signing key made once for the instance
(``server/secret_key.py``), login limits counted in the database. A production
deployment (``GRIDWALK_ENV=production``) refuses to start without its own
``GRIDWALK_SECRET_KEY``.
"""

from __future__ import annotations

import os
from datetime import timedelta

from server.secret_key import SecretKeyError, signing_key


class ConfigError(RuntimeError):
    """The configuration cannot be used (e.g. production without a secret key)."""


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"GRIDWALK_{name}", default)


def _int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"GRIDWALK_{name} must be an integer, got {raw!r}") from exc


def _count(name: str, default: int) -> int:
    value = _int(name, default)
    if value < 0:
        raise ConfigError(f"GRIDWALK_{name} must be 0 or more, got {value}")
    return value


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _json_dumps(obj) -> str:
    from server.jsonio import dumps

    return dumps(obj)


def _json_loads(text):
    from server.jsonio import loads

    return loads(text)


def load_config(instance_path: str) -> dict:
    """Build the Flask config mapping from the environment."""
    env = _env("ENV", "development")
    try:
        secret = signing_key(env, _env("SECRET_KEY"), instance_path)
    except SecretKeyError as exc:
        raise ConfigError(str(exc)) from exc
    test_clock = _env("TEST_CLOCK_FILE") or None
    if env == "production" and test_clock:
        raise ConfigError("GRIDWALK_TEST_CLOCK_FILE moves the supervision clock: tests only, never production")
    db_url = _env("DATABASE_URL") or "sqlite:///" + os.path.join(instance_path, "gridwalk.db")
    redis_url = _env("REDIS_URL") or None
    return {
        "GRIDWALK_ENV": env,
        "SECRET_KEY": secret,
        "JWT_SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(db_url),
        "GRIDWALK_MEDIA_URL": _env("MEDIA_URL") or "file://media",
        "GRIDWALK_REDIS_URL": redis_url,
        "GRIDWALK_TIMEZONE": _env("TIMEZONE", "Asia/Shanghai"),
        # An optional raster base layer for the huddle map ({z}/{x}/{y} URL); points are WGS-84.
        "GRIDWALK_TILE_URL": _env("TILE_URL") or None,
        # Tests only: a file holding seconds added to the supervision clock (server/clock.py).
        "GRIDWALK_TEST_CLOCK_FILE": test_clock,
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(seconds=_int("ACCESS_TOKEN_SECONDS", 15 * 60)),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(seconds=_int("REFRESH_TOKEN_SECONDS", 60 * 24 * 3600)),
        # Login limits: in Redis when configured, else in the app's database,
        # so that every worker counts against one limit (server/limits_storage.py).
        "RATELIMIT_STORAGE_URI": redis_url or "gridwalk-db://",
        "GRIDWALK_LOGIN_LIMIT_PER_USER": _env("LOGIN_LIMIT_PER_USER", "10 per minute"),
        "GRIDWALK_LOGIN_LIMIT_PER_ADDRESS": _env("LOGIN_LIMIT_PER_ADDRESS", "30 per minute"),
        # Strict-Transport-Security on TLS answers (0: not sent), and how many
        # reverse proxies' X-Forwarded-For/-Proto to believe (server/security_headers.py).
        "GRIDWALK_HSTS_SECONDS": _count("HSTS_SECONDS", 365 * 24 * 3600),
        "GRIDWALK_TRUSTED_PROXIES": _count("TRUSTED_PROXIES", 0),
        "GRIDWALK_MAX_CLOCK_AHEAD_MS": _int("MAX_CLOCK_AHEAD_SECONDS", 300) * 1000,
        "GRIDWALK_PHOTO_MAX_BYTES": _int("PHOTO_MAX_BYTES", 15 * 1024 * 1024),
        "GRIDWALK_PHOTO_MAX_PIXELS": _int("PHOTO_MAX_PIXELS", 40_000_000),
        "GRIDWALK_JSON_MAX_BYTES": _int("JSON_MAX_BYTES", 4 * 1024 * 1024),
        # argon2 cost; tests lower it so seeding fifty users stays fast.
        "GRIDWALK_ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 3),
        "GRIDWALK_ARGON2_MEMORY_KIB": _int("ARGON2_MEMORY_KIB", 65536),
        "GRIDWALK_PWA_DIST": _env("PWA_DIST") or os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pwa", "dist"
        ),
        # The absolute ceiling for any request body; photo and JSON routes set
        # tighter per-request limits.
        "MAX_CONTENT_LENGTH": _int("PHOTO_MAX_BYTES", 15 * 1024 * 1024) + 1024 * 1024,
        "API_TITLE": "Gridwalk API",
        "API_VERSION": "1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "json_serializer": _json_dumps,
            "json_deserializer": _json_loads,
        },
    }
