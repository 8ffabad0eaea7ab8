"""Who the caller is and what they may see and touch: the one place reads and writes are scoped.

A patroller and a team lead see their grid; a supervisor the grids of their
street; a department what was dispatched to it; an admin everything. Reads
filter their queries through a :class:`Scope`; the write path asks the same
object whether a record may be touched, and the role table
(``server.services.rules``) which ops the role may do.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, or_, select

from server.errors import DomainError
from server.extensions import db
from server.models import Community, Grid, Record, User


@dataclass(frozen=True)
class Scope:
    """A user, as far as permissions go: role, own grid, and the grids and department they see."""

    user_id: int
    username: str
    role: str
    # None means every grid (admin).
    grid_ids: frozenset[int] | None
    street_id: int | None
    department_id: int | None
    grid_id: int | None = None  # the grid the user belongs to (patrollers and leads)

    @classmethod
    def system(cls) -> Scope:
        """The server acting on its own (scheduled sweeps): sees everything."""
        return cls(user_id=0, username="system", role="admin", grid_ids=None, street_id=None,
                   department_id=None)

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

    def filter_by_grid(self, query, column):
        """Restrict a query to rows whose ``column`` names a grid this user sees."""
        if self.grid_ids is None:
            return query
        return query.where(column.in_(self.grid_ids or [-1]))

    def can_see(self, grid_id: int | None, department_id: int | None) -> bool:
        """Whether a record of this grid, dispatched to this department (if any), is visible."""
        if self.grid_ids is None:
            return True
        if grid_id is not None and grid_id in self.grid_ids:
            return True
        return self.department_id is not None and department_id == self.department_id

    def can_see_record(self, record: Record) -> bool:
        return self.can_see(record.grid_id, record.department_id)

    def require_grid(self, grid_id: int | None) -> None:
        """404 (never 403: an id from another grid must not be confirmed to exist)."""
        if not self.can_see_grid(grid_id):
            raise DomainError("not_found", f"No grid {grid_id}.")

    @property
    def reads_personal_data(self) -> bool:
        """Admins, grid members and street supervisors read names and phone numbers; departments do not."""
        return self.grid_ids is None or bool(self.grid_ids)


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
        grid_id=user.grid_id,
    )
