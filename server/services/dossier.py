"""A ticket's dossier: everything its page and its printed handoff sheet (问题交接单) show.

The ticket with its colour, its reports (descriptions, places, photos), why
they are one problem (the huddle's reasons), its trail from the audit log, the
grid and its boundary for the map, the department holding it, and the display
names of every person met on it. Whoever may see the ticket reads all of it: a
department holding a ticket reads the reports inside, as it reads their photos.
"""

from __future__ import annotations

from sqlalchemy import select

from server import clock
from server.extensions import db
from server.models import Department, Grid, Record
from server.services import ticket_queries
from server.services.directory import display_names
from server.services.huddle import features, photo_phashes
from server.services.listing import serialise
from sync.dedupe import group_reasons


def _reports(ticket: Record) -> list[Record]:
    ids = [rid for rid in ticket.data.get("report_ids") or [] if isinstance(rid, str)]
    if not ids:
        return []
    rows = db.session.execute(
        select(Record).where(Record.entity == "report", Record.entity_id.in_(ids), Record.deleted.is_(False))
    ).scalars().all()
    return sorted(rows, key=lambda r: (r.data.get("device_time") or "", r.entity_id))


def _department(ticket: Record) -> dict | None:
    department = db.session.get(Department, ticket.department_id) if ticket.department_id else None
    if department is None:
        return None
    return {"id": department.id, "code": department.code, "name": department.name, "name_en": department.name_en}


def ticket_dossier(scope, ticket_id: str) -> dict:
    """The dossier of a ticket the caller may see (404 otherwise, as for the ticket)."""
    ticket = ticket_queries.get_ticket(scope, ticket_id)
    now = clock.now()
    reports = _reports(ticket)
    history = ticket_queries.ticket_history(scope, ticket_id)
    grid = db.session.get(Grid, ticket.grid_id) if ticket.grid_id is not None else None
    people = display_names([ticket.data.get("created_by"), *(h["actor"] for h in history),
                            *(r.data.get("reporter") for r in reports)])
    return {
        "ticket": ticket_queries.serialise(ticket, now),
        "now": now,
        "reports": [serialise(scope, r, []) for r in reports],
        "reasons": list(group_reasons(features(reports, photo_phashes(reports)))),
        "history": history,
        "people": people,
        "grid": ({"id": grid.id, "code": grid.code, "name": grid.name, "community": grid.community.name,
                  "boundary": grid.boundary,
                  "center": [grid.center_lat, grid.center_lon] if grid.center_lat is not None else None}
                 if grid else None),
        "department": _department(ticket),
    }
