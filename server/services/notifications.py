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

from server.extensions import db
from server.models import Community, Grid, Notification, Record, User
from server.services.rules import Rejection
from server.services.tickets import color_of
from sync.mutation import Mutation

EVENT_KINDS = {"submit": "ticket_submitted", "return": "ticket_returned", "dispatch": "ticket_dispatched"}
# Ops whose notification says why. The reason is the one given with that op:
# a ticket keeps the reason of its last return in its data, and a resubmitted
# ticket's notification must not repeat it as if it were news.
REASONED_OPS = frozenset({"return"})
SWEEP_KINDS = {"orange": "ticket_nearing_due", "red": "ticket_overdue"}
QUIET_STATES = frozenset({"draft", "resolved", "closed"})


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


def on_ticket(m: Mutation, state, grid_id: int) -> list[dict]:
    """Notifications to write for an applied ticket mutation."""
    kind = EVENT_KINDS.get(m.op)
    if kind is None:
        return []
    if m.op == "submit":
        recipients = _supervisors(grid_id)
    elif m.op == "return":
        recipients = _users(role="lead", grid_id=grid_id)
    else:
        recipients = _users(role="department", department_id=state.data.get("department"))
    now = datetime.now(timezone.utc)
    reason = m.data.get("reason") if m.op in REASONED_OPS else None
    return [
        {"id": _notification_id(kind, m.entity_id, u.id, m.id), "user_id": u.id, "kind": kind,
         "entity": "ticket", "entity_id": m.entity_id, "data": _summary(m.entity_id, state.data, reason),
         "created_at": now}
        for u in recipients
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
    now = now or datetime.now(timezone.utc)
    tickets = db.session.execute(scope.filter_records(
        select(Record).where(Record.entity == "ticket", Record.deleted.is_(False),
                             Record.status.notin_(QUIET_STATES))
    )).scalars().all()
    rows = []
    recipients: dict[tuple, list[User]] = {}  # one lookup per owner and grid, not per ticket
    for ticket in tickets:
        kind = SWEEP_KINDS.get(color_of(ticket, now))
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


def mark_read(batch, m: Mutation) -> dict:
    from server.services.sync import _result, note_applied

    notification = db.session.get(Notification, m.entity_id)
    if notification is None or notification.user_id != batch.caller.user_id:
        raise Rejection("not_found", f"No notification {m.entity_id}.")
    if notification.read_at is None:
        notification.read_at = datetime.now(timezone.utc)
    note_applied(batch, m, entity="notification", entity_id=m.entity_id, data={})
    return _result(m.id, "applied")
