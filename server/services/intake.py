"""Cases handed in from outside: routed by their point to a grid, or queued for a street.

A posted case whose point lies inside a grid's boundary becomes a report of
that grid at once, made by a server-built mutation through the one write
path (``apply_mutations``) under the intake account's code, tagged with its
source, so it shows in that grid's huddle like a patroller's report. A point
inside no grid goes to the queue of the street whose grid lies nearest; the
street's supervisor picks a grid (``assign``) and the case becomes that
grid's report then. Either way the report's id is the case's id, the
``service_request_id`` Open311 answers with.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.errors import DomainError
from server.extensions import db
from server.models import Community, Grid, IntakeAccount, IntakeCase, Street
from server.models.types import utcnow
from server.services.audit import record_audit
from server.services.scope import Scope
from server.services.sync import apply_mutations
from sync.geo import haversine_m, point_in_polygon
from sync.hlc import format_hlc

# A point farther than this from every grid is not a place in the district: refused.
MAX_DISTANCE_M = 30_000
# A report's place holds at most this many characters (its schema's limit).
PLACE_LENGTH = 120
SOURCE_TAG = "source:open311"
DEVICE = "open311"


@dataclass(frozen=True)
class _Actor:
    """Who the write path records as the author: the intake account, by its code."""

    username: str


def _district_grids(district_id: int) -> list[tuple[Grid, int]]:
    stmt = (select(Grid, Street.id).join(Community, Grid.community_id == Community.id)
            .join(Street, Community.street_id == Street.id).where(Street.district_id == district_id))
    return [(grid, street_id) for grid, street_id in db.session.execute(stmt).all()]


def route(district_id: int, lat: float, lon: float) -> tuple[int | None, int]:
    """(the grid whose boundary holds the point, or None; the street the case belongs to)."""
    grids = _district_grids(district_id)
    for grid, street_id in grids:
        if point_in_polygon(lat, lon, grid.boundary):
            return grid.id, street_id
    nearest = min(((haversine_m(lat, lon, g.center_lat, g.center_lon), street_id)
                   for g, street_id in grids if g.center_lat is not None), default=None)
    if nearest is None or nearest[0] > MAX_DISTANCE_M:
        raise DomainError("invalid", "The point is not in this district.",
                       {"lat": ["Outside the district."], "long": ["Outside the district."]})
    return None, nearest[1]


def _report_mutation(case: IntakeCase, account_code: str, grid_id: int) -> dict:
    return {
        # Derived from the case and grid: a retried hand-over is answered duplicate, not made twice.
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"gridwalk:intake:{case.id}:{grid_id}")),
        "entity": "report", "entity_id": case.id, "op": "create",
        "hlc": format_hlc(int(time.time() * 1000), 0, DEVICE), "base_version": None,
        "data": {"grid_id": grid_id, "category": case.service_code, "description": case.description,
                 "lat": case.lat, "lon": case.lon, "place": (case.address or "")[:PLACE_LENGTH] or None,
                 "severity": 2, "status": "open", "device_time": case.requested_at.isoformat(),
                 "tags": [SOURCE_TAG, f"via:{account_code}"]},
    }


def _make_report(case: IntakeCase, account_code: str, grid_id: int) -> None:
    """The case's report in ``grid_id``, through the write path (which commits)."""
    scope = Scope(user_id=0, username=account_code, role="intake", grid_ids=frozenset({grid_id}), street_id=None,
                  department_id=None, grid_id=grid_id)
    answer = apply_mutations(_Actor(account_code), scope, DEVICE, [_report_mutation(case, account_code, grid_id)],
                             server_built=True)
    result = answer["results"][0]
    if result["status"] not in ("applied", "duplicate"):
        raise RuntimeError(f"an intake report was not applied: {result}")


def submit(account: IntakeAccount, case_data: dict) -> IntakeCase:
    """Take a case in: route it and make its report, or queue it for its street."""
    grid_id, street_id = route(account.district_id, case_data["lat"], case_data["lon"])
    now = utcnow()
    case = IntakeCase(id=str(uuid.uuid4()), account_id=account.id, district_id=account.district_id,
                      state="routed" if grid_id else "queued", grid_id=grid_id, street_id=street_id,
                      requested_at=now, updated_at=now, **case_data)
    db.session.add(case)
    if grid_id is None:
        record_audit(actor=account.code, action="intake.queued", entity="intake_case", entity_id=case.id,
                     data={"street_id": street_id, "service_code": case.service_code})
        db.session.commit()
        return case
    # The case row commits with its report, in the write path's transaction.
    _make_report(case, account.code, grid_id)
    return case


def street_queue(scope: Scope) -> list[IntakeCase]:
    """Cases waiting for a grid in the streets the caller supervises (an admin: every street)."""
    stmt = (select(IntakeCase).where(IntakeCase.state == "queued").options(selectinload(IntakeCase.account))
            .order_by(IntakeCase.requested_at, IntakeCase.id))
    if not scope.is_admin:
        if scope.role != "supervisor" or scope.street_id is None:
            raise DomainError("forbidden", "The street's queue is for its supervisor.")
        stmt = stmt.where(IntakeCase.street_id == scope.street_id)
    return list(db.session.execute(stmt).scalars())


def assign(scope: Scope, case_id: str, grid_id: int) -> IntakeCase:
    """The street's supervisor sends a queued case to one of its grids, where it becomes a report."""
    case = db.session.get(IntakeCase, case_id)
    if case is None or not (scope.is_admin or (scope.role == "supervisor" and case.street_id == scope.street_id)):
        raise DomainError("not_found", f"No queued case {case_id}.")
    if case.state != "queued":
        raise DomainError("invalid_state", "This case already has a grid.", {"grid_id": [str(case.grid_id)]})
    scope.require_grid(grid_id)
    if db.session.get(Grid, grid_id) is None:
        raise DomainError("not_found", f"No grid {grid_id}.")
    account = db.session.get(IntakeAccount, case.account_id)
    _make_report(case, account.code, grid_id)
    case = db.session.get(IntakeCase, case_id)
    case.state, case.grid_id, case.assigned_by, case.updated_at = "assigned", grid_id, scope.username, utcnow()
    record_audit(actor=scope.username, actor_id=scope.user_id, action="intake.assigned", entity="intake_case",
                 entity_id=case.id, data={"grid_id": grid_id})
    db.session.commit()
    return case
