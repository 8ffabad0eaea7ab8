"""Who may do what to which record, and what the server adds to a mutation.

The permission table is data: for each entity and op, the roles that may do it.
Scope (which grid, which department) is checked against the record itself.
Server-built mutations (ticket workflow side effects) skip the role table.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from server.errors import DomainError
from sync.entities import TICKET_STATUS
from sync.mutation import Mutation

FIELD = frozenset({"patroller", "lead", "admin"})
LEADS = frozenset({"lead", "admin"})
SUPERVISORS = frozenset({"supervisor", "admin"})
SERVER_ONLY: frozenset[str] = frozenset()

OP_ROLES: dict[str, dict[str, frozenset[str]]] = {
    "report": {
        "create": FIELD, "update": FIELD, "delete": LEADS, "solve": FIELD, "handoff": FIELD,
        "reopen": FIELD | SUPERVISORS, "link_ticket": SERVER_ONLY, "unlink_ticket": SERVER_ONLY,
        "close": SERVER_ONLY,
    },
    "checkin": {"create": FIELD, "update": FIELD, "delete": LEADS},
    "visit": {"create": FIELD, "update": FIELD, "delete": LEADS},
    "ticket": {
        "create": LEADS, "update": LEADS | SUPERVISORS, "delete": LEADS, "submit": LEADS,
        "approve": SUPERVISORS, "return": SUPERVISORS, "dispatch": SUPERVISORS,
        "acknowledge": frozenset({"department"}), "resolve": frozenset({"department"}),
        "send_back": frozenset({"department"}), "verify": FIELD,
        "close": LEADS | SUPERVISORS, "reopen": LEADS | SUPERVISORS, "escalate": LEADS | SUPERVISORS,
    },
    "conflict": {"resolve": LEADS | SUPERVISORS},
    # Anyone marks their own notifications read; ownership is checked on the row.
    "notification": {"read": frozenset({"patroller", "lead", "supervisor", "department", "admin"})},
    # Made at the huddle by the team lead: a team notice (专项排查) and a split decision.
    "notice": {"create": LEADS, "update": LEADS, "delete": LEADS},
    "keep_apart": {"create": LEADS, "update": LEADS, "delete": LEADS},
}

# The server field that records who made a record.
CREATOR_FIELD = {"report": "reporter", "checkin": "user", "visit": "visitor", "ticket": "created_by",
                 "notice": "created_by", "keep_apart": "created_by"}
# The data field that gives a record its local day.
DAY_FIELD = {"report": "device_time", "checkin": "at", "visit": "visited_at", "notice": "for_day"}


class Rejection(DomainError):
    """A mutation that is refused, with the contract's error code (answered in the push, not as HTTP)."""


def check_role(role: str, m: Mutation, *, server_built: bool = False) -> None:
    """Refuse (``forbidden``) an op the role table does not give ``role``; the server's own pass."""
    if server_built:
        return
    allowed = OP_ROLES.get(m.entity, {}).get(m.op, frozenset())
    if role not in allowed:
        raise Rejection("forbidden", f"A {role} may not {m.op} a {m.entity}.")


def with_server_fields(username: str, m: Mutation, extra: dict | None = None, *, exists: bool = False) -> Mutation:
    """``m`` with the fields the server writes: its creator on a first create, and ``extra``.

    A create re-sent for a record that exists already merges only what the
    client may write: the record keeps the creator it has.
    """
    data = dict(m.data)
    if m.op == "create" and not exists and m.entity in CREATOR_FIELD:
        data[CREATOR_FIELD[m.entity]] = username
    if extra:
        data.update(extra)
    return m.with_data(data) if data != m.data else m


def local_day(value: str | None, fallback: datetime, tz: str) -> str:
    """The local calendar day (YYYY-MM-DD) of an ISO time, or of ``fallback``."""
    zone = ZoneInfo(tz)
    if value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=zone)
            return parsed.astimezone(zone).date().isoformat()
        except (ValueError, TypeError, OverflowError):
            pass
    return fallback.astimezone(zone).date().isoformat()


def derived_columns(entity: str, data: dict, created_at: datetime, tz: str) -> dict:
    """The indexed copies of a record's data used for filtering (and, for tickets, statistics)."""
    return {
        "status": data.get("status") if isinstance(data.get("status"), str) else None,
        "category": data.get("category") if isinstance(data.get("category"), str) else None,
        "owner": data.get(CREATOR_FIELD.get(entity, ""), None),
        "day": local_day(data.get(DAY_FIELD.get(entity, "")), created_at, tz),
        **ticket_columns(entity, data),
    }


def ticket_columns(entity: str, data: dict) -> dict:
    """A ticket's deadline, finish time, level and reopen count as columns (None for other records).

    Every record gets the same keys: a push inserts records of several
    entities in one statement. ``done_at`` is kept only while the ticket is
    in a finished state, so a reopened ticket counts as open again.
    """
    if entity != "ticket":
        return {"due_at": None, "done_at": None, "level": None, "reopens": None}
    reopens = data.get("reopen_count")
    level = data.get("level")
    return {
        "due_at": _utc_time(data.get("due_at")),
        "done_at": _utc_time(data.get("done_at")) if data.get("status") in TICKET_STATUS.done else None,
        "level": level if isinstance(level, str) else None,
        "reopens": reopens if isinstance(reopens, int) and not isinstance(reopens, bool) else 0,
    }


def _utc_time(value) -> datetime | None:
    """An ISO time the server wrote, as an aware UTC datetime (None when absent or unreadable)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
