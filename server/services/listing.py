"""Listing synced records for the huddle and the desk screens, always scoped."""

from __future__ import annotations

from sqlalchemy import func, select

from server.errors import DomainError
from server.extensions import db
from server.models import Record
from server.services.hooks import visible_data
from server.services.photo_access import with_pending


def filter_records(scope, entity: str, query: dict, stmt=None):
    """``stmt`` (default: whole records) narrowed to ``entity``, what ``scope`` sees and the list filters.

    The list endpoints and the exports filter through here, so a file holds
    what the screen listed.
    """
    stmt = scope.filter_records((select(Record) if stmt is None else stmt).where(Record.entity == entity))
    if query.get("grid") is not None:
        scope.require_grid(query["grid"])
        stmt = stmt.where(Record.grid_id == query["grid"])
    if not query.get("include_deleted"):
        stmt = stmt.where(Record.deleted.is_(False))
    if query.get("date_from"):
        stmt = stmt.where(Record.day >= query["date_from"].isoformat())
    if query.get("date_to"):
        stmt = stmt.where(Record.day <= query["date_to"].isoformat())
    for key, column in (("member", Record.owner), ("status", Record.status), ("category", Record.category)):
        if query.get(key):
            stmt = stmt.where(column == query[key])
    return stmt


def list_records(scope, entity: str, query: dict) -> dict:
    stmt = filter_records(scope, entity, query)
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar()
    rows = db.session.execute(
        stmt.order_by(Record.day.desc(), Record.created_at.desc(), Record.entity_id)
        .limit(query["limit"]).offset(query["offset"])
    ).scalars().all()
    return {"items": [serialise(scope, r, pending) for r, pending in with_pending(rows)],
            "total": total, "limit": query["limit"], "offset": query["offset"]}


def get_record(scope, entity: str, entity_id: str) -> dict:
    record = db.session.get(Record, (entity, entity_id))
    if record is None or not scope.can_see_record(record):
        raise DomainError("not_found", f"No {entity} {entity_id}.")
    [(record, pending)] = with_pending([record])
    return serialise(scope, record, pending)


def serialise(scope, r: Record, pending) -> dict:
    return {"entity": r.entity, "entity_id": r.entity_id, "grid_id": r.grid_id, "version": r.version,
            "deleted": r.deleted, "day": r.day, "created_at": r.created_at, "updated_at": r.updated_at,
            "data": visible_data(scope, r.entity, r.data), "pending_photos": pending}
