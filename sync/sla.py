"""Ticket deadlines and the three-colour supervision (三色督办), as data.

A ticket's resolve deadline comes from its category and severity; its
acknowledge deadline (the department "reporting in", 部门报到) from its
severity, counted from dispatch. The colour says how much of the window is
used: green, then yellow, orange and red once it is past due.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sync.entities import TICKET_STATUS

# Hours to resolve, by category, for severity 1 (minor), 2 (serious), 3 (urgent).
RESOLVE_HOURS: dict[str, tuple[int, int, int]] = {
    "public_safety": (48, 24, 4),
    "public_order": (72, 24, 6),
    "facilities_damage": (120, 48, 12),
    "sanitation": (72, 24, 8),
    "traffic_parking": (72, 24, 8),
    "city_appearance": (120, 72, 24),
    "illegal_construction": (240, 120, 48),
    "disputes_noise": (120, 72, 24),
    "livelihood": (168, 72, 24),
}
DEFAULT_RESOLVE_HOURS = (168, 72, 24)
ACKNOWLEDGE_HOURS = (24, 8, 2)

# Share of the window used at which the colour changes.
YELLOW_AT = 0.5
ORANGE_AT = 0.8
COLORS = ("green", "yellow", "orange", "red")
# A finished ticket keeps the colour it had when it was finished.
DONE_STATES = TICKET_STATUS.done


def _severity_index(severity: int) -> int:
    return min(max(int(severity), 1), 3) - 1


def resolve_due(category: str, severity: int, start: datetime) -> datetime:
    hours = RESOLVE_HOURS.get(category, DEFAULT_RESOLVE_HOURS)[_severity_index(severity)]
    return start + timedelta(hours=hours)


def acknowledge_due(severity: int, dispatched: datetime) -> datetime:
    return dispatched + timedelta(hours=ACKNOWLEDGE_HOURS[_severity_index(severity)])


def ticket_color(start: datetime, due: datetime, now: datetime, *, done_at: datetime | None = None) -> str:
    """green / yellow / orange / red for a ticket with this window, seen at ``now``.

    A finished ticket keeps the colour it had when it was finished.
    """
    at = done_at or now
    if at >= due:
        return "red"
    window = (due - start).total_seconds()
    used = (at - start).total_seconds() / window if window > 0 else 1.0
    if used >= ORANGE_AT:
        return "orange"
    if used >= YELLOW_AT:
        return "yellow"
    return "green"


def color_of_ticket(data: dict, created_at: datetime, now: datetime) -> str | None:
    """The colour of a ticket with this data, made at ``created_at``, seen at ``now``.

    None for a ticket without a deadline. A resolved or closed ticket keeps
    the colour it had when it was done.
    """
    due = _parse_time(data.get("due_at"))
    if due is None:
        return None
    done = _parse_time(data.get("done_at")) if data.get("status") in DONE_STATES else None
    return ticket_color(created_at, due, now, done_at=done)


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


LEVELS = ("grid", "community", "street", "district")


def next_level(level: str) -> str | None:
    """The level a ticket escalates to (小事不出网格、大事不出社区、难事不出街道)."""
    i = LEVELS.index(level) if level in LEVELS else 0
    return LEVELS[i + 1] if i + 1 < len(LEVELS) else None
