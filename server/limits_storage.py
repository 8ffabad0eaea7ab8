"""Login limits counted in the app's own database, shared by every worker.

Flask-Limiter keeps its counters in a ``limits`` storage named by
``RATELIMIT_STORAGE_URI``. Its in-memory storage counts per process, so
``make run`` with several gunicorn workers allowed the limit once per worker.
Without ``GRIDWALK_REDIS_URL`` the counters live in the ``rate_limit_counters``
table instead (``gridwalk-db://``): SQLite or PostgreSQL, whichever the app
uses, so one limit holds for all workers on the host, and for every host
sharing a PostgreSQL database. Redis stays the choice when it is configured.

Each count is one statement in a transaction of its own (on a connection of
its own, so a failed login's rollback cannot undo it): an upsert that starts
a new window when the old one has expired, so two workers counting at once
both land in the same row.
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from limits.storage import Storage
from server.extensions import db

SCHEME = "gridwalk-db"
URI = f"{SCHEME}://"
MAX_KEY_LENGTH = 255

_COUNT = text("""
    INSERT INTO rate_limit_counters (limit_key, hits, expires_at) VALUES (:key, :amount, :expires_at)
    ON CONFLICT (limit_key) DO UPDATE SET
        hits = CASE WHEN rate_limit_counters.expires_at <= :now THEN excluded.hits
                    ELSE rate_limit_counters.hits + excluded.hits END,
        expires_at = CASE WHEN rate_limit_counters.expires_at <= :now THEN excluded.expires_at
                          ELSE rate_limit_counters.expires_at END
    RETURNING hits
""")
_PRUNE = text("DELETE FROM rate_limit_counters WHERE expires_at <= :now")
_GET = text("SELECT hits FROM rate_limit_counters WHERE limit_key = :key AND expires_at > :now")
_EXPIRY = text("SELECT expires_at FROM rate_limit_counters WHERE limit_key = :key")
_CLEAR = text("DELETE FROM rate_limit_counters WHERE limit_key = :key")
_RESET = text("DELETE FROM rate_limit_counters")


def _stored_key(key: str) -> str:
    """The key as stored: a username comes from the request body before any check, so long keys are hashed."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class DatabaseStorage(Storage):
    """A ``limits`` storage (fixed windows) in the current app's database."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Count ``amount`` against ``key``; a new window of ``expiry`` seconds when the last one ended."""
        now = time.time()
        with db.engine.begin() as conn:
            conn.execute(_PRUNE, {"now": now})
            row = conn.execute(_COUNT, {"key": _stored_key(key), "amount": amount, "expires_at": now + expiry,
                                        "now": now}).one()
        return int(row.hits)

    def get(self, key: str) -> int:
        """The count of ``key``'s current window (0 when it has none)."""
        with db.engine.connect() as conn:
            hits = conn.execute(_GET, {"key": _stored_key(key), "now": time.time()}).scalar()
        return int(hits or 0)

    def get_expiry(self, key: str) -> float:
        """When ``key``'s window ends (now when it has none), in seconds since the epoch."""
        with db.engine.connect() as conn:
            expires_at = conn.execute(_EXPIRY, {"key": _stored_key(key)}).scalar()
        return float(expires_at) if expires_at is not None else time.time()

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter."""
        with db.engine.begin() as conn:
            return conn.execute(_RESET).rowcount

    def clear(self, key: str) -> None:
        """Forget ``key``'s counter."""
        with db.engine.begin() as conn:
            conn.execute(_CLEAR, {"key": _stored_key(key)})
