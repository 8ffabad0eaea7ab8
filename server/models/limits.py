"""Rate-limit counters kept in the database, so every worker counts against one limit."""

from __future__ import annotations

from server.extensions import db


class RateLimitCounter(db.Model):
    """One fixed-window counter of ``server/limits_storage.py`` (a login limit of a user or address)."""

    __tablename__ = "rate_limit_counters"

    limit_key = db.Column(db.String(255), primary_key=True)
    hits = db.Column(db.Integer, nullable=False)
    # Seconds since the epoch, as the limits library counts; an expired row is
    # a counter at zero, and is pruned by the next count.
    expires_at = db.Column(db.Float, nullable=False, index=True)
