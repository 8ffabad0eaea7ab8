"""Which unit a statistic is about (a grid, community, street, district or department), as the caller may see it.

Every figure counts only what the caller's :class:`~server.services.scope.Scope`
lets them read: a supervisor's department figures cover the department's
tickets in their street; a department sees its own tickets and no grid's; a
unit the caller may not see is answered 404, so ids of other streets are not
confirmed. The whole district is an admin's view (403 for others: districts
are not secret, the answer is simply not theirs).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from server.errors import DomainError
from server.extensions import db
from server.models import Community, Department, District, Grid, Street
from server.services.scope import Scope
from server.services.stats.measures import is_chinese
from server.services.stats.queries import Target

KINDS = ("grid", "community", "street", "district", "department")
# The unit a role's figures are about when none is named.
DEFAULT_KIND = {"admin": "district", "supervisor": "street", "lead": "grid", "department": "department"}


@dataclass(frozen=True)
class Unit:
    """A named unit and the records its figures count."""

    kind: str
    id: int
    name: str
    target: Target
    grids: tuple[Grid, ...]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "name": self.name}


def _not_found(kind: str, unit_id) -> DomainError:
    return DomainError("not_found", f"No {kind} {unit_id}.")


def _grids_where(*conditions) -> tuple[Grid, ...]:
    stmt = select(Grid).join(Community, Grid.community_id == Community.id).join(
        Street, Community.street_id == Street.id).where(*conditions).order_by(Grid.id)
    return tuple(db.session.execute(stmt).scalars())


def _default_id(scope: Scope, user, kind: str) -> int | None:
    if kind == "grid":
        return scope.grid_id
    if kind == "street":
        return scope.street_id
    if kind == "department":
        return scope.department_id
    if kind == "district":
        return user.district_id or db.session.execute(select(District.id).order_by(District.id)).scalar()
    return None


def resolve_unit(scope: Scope, user, kind: str | None, unit_id: int | None, lang: str) -> Unit:
    """The unit asked for (by default the caller's own), or 403/404/422 when it is not theirs to see."""
    if scope.role not in DEFAULT_KIND:
        raise DomainError("forbidden", "Your role has no statistics.")
    kind = kind or DEFAULT_KIND[scope.role]
    if unit_id is None:
        unit_id = _default_id(scope, user, kind)
        if unit_id is None:
            raise DomainError("invalid", f"Say which {kind}: ?id=<id>.", {"id": ["Missing."]})
    if kind == "department":
        return _department(scope, unit_id, lang)
    if kind == "district" and not scope.is_admin:
        raise DomainError("forbidden", "The whole district is the administrators' view.")
    if kind == "grid":
        grid = db.session.get(Grid, unit_id)
        grids, name = ((grid,), grid.name) if grid else ((), "")
    elif kind == "community":
        row = db.session.get(Community, unit_id)
        grids, name = (_grids_where(Community.id == unit_id), row.name) if row else ((), "")
    elif kind == "street":
        row = db.session.get(Street, unit_id)
        grids, name = (_grids_where(Street.id == unit_id), row.name) if row else ((), "")
    else:
        row = db.session.get(District, unit_id)
        grids, name = (_grids_where(Street.district_id == unit_id), row.name) if row else ((), "")
    if not name or not all(scope.can_see_grid(g.id) for g in grids):
        raise _not_found(kind, unit_id)
    everything = kind == "district" and len(grids) == db.session.execute(select(func.count(Grid.id))).scalar()
    return Unit(kind, unit_id, name, Target(frozenset(g.id for g in grids), all_grids=everything), grids)


def _department(scope: Scope, department_id: int, lang: str) -> Unit:
    department = db.session.get(Department, department_id)
    if department is None:
        raise _not_found("department", department_id)
    if scope.role == "department":
        if scope.department_id != department_id:
            raise _not_found("department", department_id)
        grids = None  # its own tickets, wherever they are
    else:
        # Others see the department's work in the grids they see.
        grids = scope.grid_ids
    name = department.name if is_chinese(lang) or not department.name_en else department.name_en
    return Unit("department", department_id, name, Target(grids, department_id), ())


def department_names(lang: str) -> dict[int, str]:
    """Every department's name in the UI language."""
    rows = db.session.execute(select(Department.id, Department.name, Department.name_en)).all()
    return {i: (zh if is_chinese(lang) or not en else en) for i, zh, en in rows}


def streets_of(grids: tuple[Grid, ...]) -> dict[int, tuple[int, str]]:
    """grid id → (street id, street name), for ranking streets from their grids' counts."""
    ids = [g.id for g in grids]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Grid.id, Street.id, Street.name).join(Community, Grid.community_id == Community.id)
        .join(Street, Community.street_id == Street.id).where(Grid.id.in_(ids))
    ).all()
    return {g: (s, name) for g, s, name in rows}
