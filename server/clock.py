"""The time the supervision rules read: deadlines, colours and due sweeps (三色督办).

It is the wall clock. A test server may be started with
``GRIDWALK_TEST_CLOCK_FILE``: that file holds a number of seconds added to the
wall clock, so a browser test can move a live server's supervision time past a
deadline (a ticket turns red) instead of sleeping for hours. The file is read
on every call, so every gunicorn worker sees a change at once; a missing or
unreadable file means no offset. Only the supervision time moves: tokens,
audit times and the sync clock keep the wall clock. Production refuses the
setting (``server.config``).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from flask import current_app, has_app_context


def now() -> datetime:
    """The current supervision time, timezone-aware UTC."""
    real = datetime.now(timezone.utc)
    path = current_app.config.get("GRIDWALK_TEST_CLOCK_FILE") if has_app_context() else None
    return real + timedelta(seconds=_offset(path)) if path else real


# A test needs days or weeks; anything beyond this (or not a number) is a broken file, not a clock.
MAX_OFFSET_SECONDS = 10 * 365 * 24 * 3600


def _offset(path: str) -> float:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
        offset = float(text) if text else 0.0
    except (OSError, ValueError):
        return 0.0
    return offset if math.isfinite(offset) and abs(offset) <= MAX_OFFSET_SECONDS else 0.0
