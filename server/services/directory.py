"""Reference data for screens: the departments tickets go to, the people and grids a caller may name."""

from __future__ import annotations

from sqlalchemy import and_, or_, select, true

from server.extensions import db
from server.models import Community, Department, Grid, Street, User


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


# --- who the caller may name: people and grids ---------------------------------


def _people_visible_to(scope, user: User):
    """The condition on users whose display names the caller may read.

    Grid members see their team and their street's supervisors; a supervisor
    sees the grids of the street, fellow supervisors and the district's
    department desks (it dispatches to them); a department sees its own desk
    and the district's supervisors. Names of people met on a ticket come with
    the ticket (its dossier), not from here.
    """
    if scope.is_admin:
        return true()
    district = district_of(user)
    seen = [User.id == user.id]
    if scope.grid_ids:
        seen.append(User.grid_id.in_(scope.grid_ids))
    if user.street_id is not None:
        seen.append(and_(User.role == "supervisor", User.street_id == user.street_id))
    if user.role == "supervisor" and district is not None:
        seen.append(and_(User.role == "department", User.district_id == district))
    if user.role == "department":
        if user.department_id is not None:
            seen.append(User.department_id == user.department_id)
        if district is not None:
            seen.append(and_(User.role == "supervisor", User.district_id == district))
    return or_(*seen)


def person(user: User) -> dict:
    """A person as screens name them (no phone number, no scope ids beyond the grid)."""
    return {"username": user.username, "display_name": user.display_name or user.username,
            "role": user.role, "team_role": user.team_role, "grid_id": user.grid_id}


def people_for(scope, user: User, usernames: list[str] | None, limit: int) -> list[dict]:
    """The people the caller may name, all of them or those of ``usernames``, by username.

    Usernames the caller may not see are left out, exactly like ones that do
    not exist: the answer never tells which of the two it was.
    """
    query = select(User).where(_people_visible_to(scope, user)).order_by(User.username).limit(limit)
    if usernames is not None:
        query = query.where(User.username.in_(usernames))
    return [person(u) for u in db.session.execute(query).scalars()]


def display_names(usernames) -> dict[str, str]:
    """Display names of these users (for people met on a record the caller may read)."""
    wanted = sorted({u for u in usernames if isinstance(u, str) and u})
    if not wanted:
        return {}
    rows = db.session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
    return {username: name or username for username, name in rows}


def grids_for(scope, user: User) -> list[dict]:
    """The grids the caller works with: a member's own, a street's, a district's for a department, all for an admin."""
    query = select(Grid).join(Community, Grid.community_id == Community.id).order_by(Grid.id)
    if user.role == "department":
        district = district_of(user)
        if district is None:
            return []
        query = query.join(Street, Community.street_id == Street.id).where(Street.district_id == district)
    elif not scope.is_admin:
        query = query.where(Grid.id.in_(scope.grid_ids or [-1]))
    return [{"id": g.id, "code": g.code, "name": g.name, "kind": g.kind, "street_id": g.community.street_id,
             "community": g.community.name, "center_lat": g.center_lat, "center_lon": g.center_lon}
            for g in db.session.execute(query).scalars()]
