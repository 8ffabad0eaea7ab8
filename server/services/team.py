"""A grid's team as screens show it: who is in it, by display name."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import Grid, User


def members(grid: Grid) -> list[User]:
    """The grid's patrollers and team lead, lead first, then by username."""
    users = db.session.execute(
        select(User).where(User.grid_id == grid.id, User.role.in_(("patroller", "lead")))
        .order_by(User.username)
    ).scalars().all()
    return sorted(users, key=lambda u: (u.role != "lead", u.username))
