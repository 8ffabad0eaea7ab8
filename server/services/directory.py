"""Reference data every signed-in user may read: the departments tickets go to."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import Department, User


def district_of(user: User) -> int | None:
    """The district a user works in, whatever level their role sits at (None for a district-less admin)."""
    if user.district_id is not None:
        return user.district_id
    if user.street is not None:
        return user.street.district_id
    if user.grid is not None:
        return user.grid.community.street.district_id
    return None


def departments_for(user: User) -> list[dict]:
    """The departments of the user's district (every one for an admin), with the categories each handles.

    A supervisor dispatches from this list; the department whose categories
    cover a ticket's is the one suggested.
    """
    query = select(Department).order_by(Department.id)
    district = district_of(user)
    if district is not None:
        query = query.where(Department.district_id == district)
    elif user.role != "admin":
        return []
    return [{"id": d.id, "code": d.code, "name": d.name, "name_en": d.name_en, "categories": list(d.categories or [])}
            for d in db.session.execute(query).scalars()]
