"""Reading tickets: lists by status, colour, level and department; history; overdue."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from server import clock
from server.errors import DomainError
from server.extensions import db
from server.models import AuditEntry, Record
from sync.sla import DONE_STATES, color_of_ticket


def serialise(record: Record, now: datetime) -> dict:
    return {"id": record.entity_id, "grid_id": record.grid_id, "version": record.version,
            "deleted": record.deleted, "department_id": record.department_id,
            "created_at": record.created_at, "updated_at": record.updated_at,
            "color": color_of_ticket(record.data, record.created_at, now), **record.data}


def _scoped_tickets(scope):
    return scope.filter_records(select(Record).where(Record.entity == "ticket", Record.deleted.is_(False)))


def filter_tickets(scope, query: dict, stmt=None):
    """``stmt`` (default: whole records) narrowed to the tickets ``scope`` sees, by status, grid and department.

    The list endpoint and the exports filter through here.
    """
    stmt = scope.filter_records((select(Record) if stmt is None else stmt)
                                .where(Record.entity == "ticket", Record.deleted.is_(False)))
    if query.get("status"):
        stmt = stmt.where(Record.status == query["status"])
    if query.get("grid") is not None:
        scope.require_grid(query["grid"])
        stmt = stmt.where(Record.grid_id == query["grid"])
    if query.get("department") is not None:
        stmt = stmt.where(Record.department_id == query["department"])
    return stmt


def list_tickets(scope, query: dict) -> dict:
    stmt = filter_tickets(scope, query)
    now = clock.now()
    start, limit = query["offset"], query["limit"]
    stmt = stmt.order_by(Record.created_at.desc(), Record.entity_id)
    if not query.get("level") and not query.get("color"):
        # The usual list: the database counts and pages it.
        total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar()
        rows = db.session.execute(stmt.offset(start).limit(limit)).scalars().all()
        return {"items": [serialise(r, now) for r in rows], "total": total, "limit": limit, "offset": start,
                "now": now}
    # Level lives in the ticket's data and colour depends on the time now:
    # both are decided here, over the tickets the other filters left.
    items = [serialise(r, now) for r in db.session.execute(stmt).scalars()]
    if query.get("level"):
        items = [t for t in items if t.get("level") == query["level"]]
    if query.get("color"):
        items = [t for t in items if t["color"] == query["color"]]
    return {"items": items[start:start + limit], "total": len(items), "limit": limit, "offset": start, "now": now}


def find_ticket(scope, ticket_id: str) -> Record | None:
    """The ticket if the caller may see it, else None."""
    record = db.session.get(Record, ("ticket", ticket_id))
    return record if record is not None and scope.can_see_record(record) else None


def get_ticket(scope, ticket_id: str) -> Record:
    """The ticket, or 404 when it does not exist for the caller."""
    record = find_ticket(scope, ticket_id)
    if record is None:
        raise DomainError("not_found", f"No ticket {ticket_id}.")
    return record


def ticket_after_action(scope, ticket_id: str, version: int | None) -> dict:
    """A ticket as its actor sees it once their op is applied.

    An op can hand the ticket away (a department sending it back): then the
    actor learns that it worked and the state it left, and no more of it.
    """
    record = find_ticket(scope, ticket_id)
    if record is not None:
        return serialise(record, clock.now())
    record = db.session.get(Record, ("ticket", ticket_id))
    return {"id": ticket_id, "status": record.status if record else None, "version": version}


def history_query(ticket_id: str):
    """A ticket's audit entries, oldest first (read through the partial index ix_audit_ticket)."""
    return (
        select(AuditEntry)
        .where(AuditEntry.entity == "ticket", AuditEntry.entity_id == ticket_id)
        .order_by(AuditEntry.seq)
    )


def ticket_history(scope, ticket_id: str) -> list[dict]:
    """The ordered trail of the ticket from the append-only audit log."""
    get_ticket(scope, ticket_id)
    rows = db.session.execute(history_query(ticket_id)).scalars()
    return [{"at": e.at, "actor": e.actor, "action": e.action.split(".", 1)[-1], "data": e.data or {},
             "status": e.status}
            for e in rows]


def _week_bound(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight starting ``day``, as an RFC 3339 date-time can write it.

    Zones kept local mean time into the 20th century (Asia/Shanghai until 1901,
    Africa/Monrovia until 1972), an offset with seconds that RFC 3339 cannot
    write; such a midnight is given in UTC instead.
    """
    local = datetime.combine(day, datetime.min.time(), tz)
    offset = local.utcoffset()
    if offset is not None and offset.seconds % 60:
        return local.astimezone(timezone.utc)
    return local


def overdue_report(scope, monday: date | None) -> dict:
    """Tickets past due during the ISO week starting ``monday`` (default: this week), by grid and department."""
    tz = ZoneInfo(current_app.config["GRIDWALK_TIMEZONE"])
    if monday is None:
        today = clock.now().astimezone(tz).date()
        monday = today - timedelta(days=today.weekday())
    start = _week_bound(monday, tz)
    end = _week_bound(monday + timedelta(days=7), tz)
    now = clock.now()
    cutoff = min(end, now)
    items = []
    for record in db.session.execute(_scoped_tickets(scope)).scalars():
        due = record.data.get("due_at")
        if not due:
            continue
        due_at = datetime.fromisoformat(due)
        done = record.data.get("done_at") if record.data.get("status") in DONE_STATES else None
        finished = datetime.fromisoformat(done) if done else None
        # Overdue during the week: the deadline passed before the week's end
        # (or now) and the ticket was still open at that moment or finished late within the week.
        if due_at < cutoff and (finished is None or (finished > due_at and finished >= start)):
            items.append(serialise(record, now))
    by_grid: dict = {}
    by_department: dict = {}
    for t in items:
        by_grid[t["grid_id"]] = by_grid.get(t["grid_id"], 0) + 1
        if t.get("department_id"):
            by_department[t["department_id"]] = by_department.get(t["department_id"], 0) + 1
    iso = monday.isocalendar()
    return {"week": f"{iso[0]}-W{iso[1]:02d}", "from": start, "to": end, "total": len(items),
            "by_grid": [{"grid_id": k, "count": v} for k, v in sorted(by_grid.items())],
            "by_department": [{"department_id": k, "count": v} for k, v in sorted(by_department.items())],
            "tickets": items}
