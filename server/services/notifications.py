"""In-app notifications: who hears about which ticket event.

Ticket submitted → the street's supervisors; returned → the grid's team lead;
dispatched → the department; nearing due (orange) and overdue (red) → the
owner (the department once dispatched, the team lead before) and the
supervisors. Ids are derived from the event, so a retried push or a repeated
sweep never notifies twice. Marking one read is a ``notification.read``
mutation through the one write path.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server import clock
from server.extensions import db
from server.models import Community, Grid, Notification, Record, User
from server.services.batch import Batch, result
from server.services.rules import Rejection
from sync.entities import TICKET_STATUS
from sync.mutation import Mutation
from sync.sla import color_of_ticket

EVENT_KINDS = {"submit": "ticket_submitted", "return": "ticket_returned", "dispatch": "ticket_dispatched",
               "send_back": "ticket_sent_back", "resolve": "ticket_resolved", "reopen": "ticket_reopened"}
# A verification's outcome decides who hears of it: rework goes to the department.
VERIFY_KINDS = {True: "ticket_verified", False: "ticket_rework"}
# The ops whose own parameter explains them; a notification carries only that
# op's reason, never one kept on the ticket from an earlier op.
REASON_OF = {"return": "reason", "send_back": "reason", "reopen": "reason", "verify": "verification_note"}
SWEEP_KINDS = {"orange": "ticket_nearing_due", "red": "ticket_overdue"}
QUIET_STATES = frozenset({TICKET_STATUS.initial}) | TICKET_STATUS.done


def _notification_id(kind: str, ticket_id: str, user_id: int, event: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"gridwalk:notify:{kind}:{ticket_id}:{user_id}:{event}"))


def _street_id(grid_id: int) -> int | None:
    grid = db.session.get(Grid, grid_id)
    return db.session.get(Community, grid.community_id).street_id if grid else None


def _users(**filters) -> list[User]:
    return db.session.execute(select(User).filter_by(active=True, **filters)).scalars().all()


def _supervisors(grid_id: int) -> list[User]:
    return _users(role="supervisor", street_id=_street_id(grid_id))


def _owners(ticket_data: dict, grid_id: int) -> list[User]:
    if ticket_data.get("department"):
        return _users(role="department", department_id=ticket_data["department"])
    return _users(role="lead", grid_id=grid_id)


def _summary(ticket_id: str, data: dict, reason: str | None = None) -> dict:
    return {"ticket_id": ticket_id, "title": data.get("title"), "status": data.get("status"),
            "due_at": data.get("due_at"), "reason": reason}


def _recipients(kind: str, data: dict, grid_id: int) -> list[User]:
    if kind in ("ticket_submitted", "ticket_sent_back"):
        return _supervisors(grid_id)
    if kind in ("ticket_returned", "ticket_resolved", "ticket_verified"):
        return _users(role="lead", grid_id=grid_id)
    if kind in ("ticket_dispatched", "ticket_rework"):
        return _users(role="department", department_id=data.get("department"))
    return _owners(data, grid_id)  # reopened: whoever holds it now


def on_ticket(m: Mutation, state, grid_id: int) -> list[dict]:
    """Notifications to write for an applied ticket mutation."""
    kind = VERIFY_KINDS.get(m.data.get("fixed")) if m.op == "verify" else EVENT_KINDS.get(m.op)
    if kind is None:
        return []
    reason = m.data.get(REASON_OF[m.op]) if m.op in REASON_OF else None
    now = datetime.now(timezone.utc)
    return [
        {"id": _notification_id(kind, m.entity_id, u.id, m.id), "user_id": u.id, "kind": kind,
         "entity": "ticket", "entity_id": m.entity_id, "data": _summary(m.entity_id, state.data, reason),
         "created_at": now}
        for u in _recipients(kind, state.data, grid_id)
    ]


def write(rows: list[dict]) -> None:
    if not rows:
        return
    existing = set(db.session.execute(
        select(Notification.id).where(Notification.id.in_([r["id"] for r in rows]))
    ).scalars())
    for row in rows:
        if row["id"] not in existing:
            db.session.add(Notification(**row))


def sweep_due(scope, now: datetime | None = None) -> int:
    """Notify owners and supervisors of the caller's tickets that turned orange or red."""
    now = now or clock.now()
    tickets = db.session.execute(scope.filter_records(
        select(Record).where(Record.entity == "ticket", Record.deleted.is_(False),
                             Record.status.notin_(QUIET_STATES))
    )).scalars().all()
    rows = []
    recipients: dict[tuple, list[User]] = {}  # one lookup per owner and grid, not per ticket
    for ticket in tickets:
        kind = SWEEP_KINDS.get(color_of_ticket(ticket.data, ticket.created_at, now))
        if kind is None:
            continue
        key = (ticket.data.get("department"), ticket.grid_id)
        if key not in recipients:
            found = _owners(ticket.data, ticket.grid_id) + _supervisors(ticket.grid_id)
            recipients[key] = list({u.id: u for u in found}.values())
        for user in recipients[key]:
            rows.append({"id": _notification_id(kind, ticket.entity_id, user.id, ticket.data.get("due_at", "")),
                         "user_id": user.id, "kind": kind, "entity": "ticket", "entity_id": ticket.entity_id,
                         "data": _summary(ticket.entity_id, ticket.data), "created_at": now})
    if not rows:
        return 0
    try:
        write(rows)
        db.session.commit()
    except IntegrityError:
        # A concurrent sweep wrote the same ids first: they are there either way.
        db.session.rollback()
    return len(rows)


def list_for(user, *, unread: bool, limit: int) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    return db.session.execute(query.order_by(Notification.created_at.desc()).limit(limit)).scalars().all()


def mark_read(batch: Batch, m: Mutation) -> dict:
    """Apply a ``notification.read`` mutation: only the notification's own user may."""
    notification = db.session.get(Notification, m.entity_id)
    if notification is None or notification.user_id != batch.scope.user_id:
        raise Rejection("not_found", f"No notification {m.entity_id}.")
    if notification.read_at is None:
        notification.read_at = datetime.now(timezone.utc)
    batch.note_applied(m, entity="notification", entity_id=m.entity_id, data={})
    return result(m.id, "applied")
