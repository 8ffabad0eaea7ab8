"""What a user may see: the one place every read is filtered through.

A patroller and a team lead see their grid; a supervisor the grids of their
street; a department what was dispatched to it; an admin everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, or_, select

from server.errors import ApiError
from server.extensions import db
from server.models import Community, Grid, Record, User


@dataclass(frozen=True)
class Scope:
    user_id: int
    username: str
    role: str
    # None means every grid (admin).
    grid_ids: frozenset[int] | None
    street_id: int | None
    department_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_see_grid(self, grid_id: int | None) -> bool:
        if self.grid_ids is None:
            return True
        return grid_id is not None and grid_id in self.grid_ids

    def filter_records(self, query, *, in_sequence: bool = False):
        """Restrict a query over :class:`Record` to what this user may see.

        ``in_sequence`` is for pulls, which read changes in ``seq`` order: for
        several grids the grid test is written so the database walks the
        sequence index and filters, instead of collecting and sorting every
        remaining change of those grids for each page.
        """
        if self.grid_ids is None:
            return query
        conditions = []
        if self.grid_ids:
            grid = Record.grid_id + 0 if in_sequence and len(self.grid_ids) > 1 else Record.grid_id
            conditions.append(grid.in_(self.grid_ids))
        if self.department_id is not None:
            conditions.append(Record.department_id == self.department_id)
        if not conditions:
            return query.where(false())
        return query.where(or_(*conditions))

    def can_see_record(self, record: Record) -> bool:
        if self.grid_ids is None:
            return True
        if record.grid_id is not None and record.grid_id in self.grid_ids:
            return True
        return self.department_id is not None and record.department_id == self.department_id

    def filter_grids(self, query):
        if self.grid_ids is None:
            return query
        return query.where(Grid.id.in_(self.grid_ids or [-1]))

    def require_grid(self, grid_id: int | None) -> None:
        """404 (never 403: an id from another grid must not be confirmed to exist)."""
        if not self.can_see_grid(grid_id):
            raise ApiError(404, "not_found", f"No grid {grid_id}.")


def street_grid_ids(street_id: int) -> frozenset[int]:
    rows = db.session.execute(
        select(Grid.id).join(Community, Grid.community_id == Community.id).where(Community.street_id == street_id)
    ).scalars()
    return frozenset(rows)


def scope_for(user: User) -> Scope:
    if user.role == "admin":
        grids = None
    elif user.role in ("patroller", "lead"):
        grids = frozenset({user.grid_id}) if user.grid_id else frozenset()
    elif user.role == "supervisor":
        grids = street_grid_ids(user.street_id) if user.street_id else frozenset()
    else:
        grids = frozenset()
    return Scope(
        user_id=user.id,
        username=user.username,
        role=user.role,
        grid_ids=grids,
        street_id=user.street_id,
        department_id=user.department_id if user.role == "department" else None,
    )
