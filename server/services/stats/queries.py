"""The base counts of the measures, taken with SQL group-bys over indexed columns.

Each function answers small aggregates (a row per grid, per day, per
category, per department), never the records themselves. Times are compared
as stored; durations use :class:`epoch_seconds`, which PostgreSQL and SQLite
each spell their own way. A :class:`Target` says which records count: those
of a set of grids, and (for a department's figures) those dispatched to one
department.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Float, and_, case, distinct, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import FunctionElement

from server.extensions import db
from server.models import AuditEntry, Record, User
from server.services.stats.periods import Period
from sync.entities import TICKET_STATUS
from sync.sla import ORANGE_AT, YELLOW_AT

# Who is on a grid team, for check-in compliance.
MEMBER_ROLES = ("patroller", "lead")
OPEN_TICKET_STATES = tuple(sorted(TICKET_STATUS.open_states))
LEVEL_COUNTS = {"grid": "closed_grid", "community": "closed_community", "street": "closed_street",
                "district": "closed_district"}


class epoch_seconds(FunctionElement):  # noqa: N801 - reads as the SQL function it stands for
    """Seconds since 1970 of a stored time, as a float: the way to subtract times in SQL."""

    type = Float()
    inherit_cache = True


@compiles(epoch_seconds, "postgresql")
def _epoch_pg(element, compiler, **kw):
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    # SQLite keeps UTC times as text; julianday reads them (days since 4714 BC).
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@dataclass(frozen=True)
class Target:
    """The records a figure counts: of these grids (None: all), dispatched to this department (if set)."""

    grid_ids: frozenset[int] | None
    department_id: int | None = None

    def where(self, stmt):
        """``stmt`` (over :class:`Record`) restricted to the target's records."""
        if self.grid_ids is not None:
            stmt = stmt.where(Record.grid_id.in_(sorted(self.grid_ids) or [-1]))
        if self.department_id is not None:
            stmt = stmt.where(Record.department_id == self.department_id)
        return stmt

    @property
    def has_field_records(self) -> bool:
        """Reports, check-ins and visits belong to grids; a department's figures have none."""
        return self.department_id is None


def _live(entity: str):
    return and_(Record.entity == entity, Record.deleted.is_(False))


def _days(first: date, last: date):
    return and_(Record.day >= first.isoformat(), Record.day <= last.isoformat())


def _count_if(condition, label: str):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(label)


def _rows_by_grid(stmt) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for row in db.session.execute(stmt).mappings():
        values = dict(row)
        grid_id = values.pop("grid_id")
        out[grid_id] = {k: int(v or 0) for k, v in values.items()}
    return out


def report_counts(target: Target, period: Period) -> dict[int, dict[str, int]]:
    """found and solved_on_site, by grid."""
    if not target.has_field_records:
        return {}
    stmt = (select(Record.grid_id, func.count().label("found"),
                   _count_if(Record.status == "solved_on_site", "solved_on_site"))
            .where(_live("report"), _days(period.first, period.last)).group_by(Record.grid_id))
    return _rows_by_grid(target.where(stmt))


def _closed_in(period: Period):
    return and_(Record.status == "closed", Record.done_at >= period.start, Record.done_at < period.end)


def _open_overdue_at(as_of: datetime):
    """Created before ``as_of``, due before it, and not closed by then."""
    not_closed = or_(Record.status != "closed", Record.done_at.is_(None), Record.done_at > as_of)
    return and_(Record.created_at < as_of, Record.due_at < as_of, not_closed)


def ticket_counts(target: Target, period: Period, now: datetime) -> dict[int, dict[str, int]]:
    """opened, closed (on time, reworked, first time, by level) and open_overdue, by grid."""
    opened = _days(period.first, period.last)
    closed = _closed_in(period)
    overdue = _open_overdue_at(period.as_of(now))
    level = func.coalesce(Record.level, "grid")
    columns = [
        _count_if(opened, "opened"),
        _count_if(closed, "closed"),
        _count_if(and_(closed, Record.done_at <= Record.due_at), "closed_on_time"),
        _count_if(and_(closed, Record.reopens > 0), "closed_reopened"),
        _count_if(and_(closed, func.coalesce(Record.reopens, 0) == 0), "closed_first_time"),
        _count_if(overdue, "open_overdue"),
        *[_count_if(and_(closed, level == name), label) for name, label in LEVEL_COUNTS.items()],
    ]
    stmt = (select(Record.grid_id, *columns)
            .where(_live("ticket"), or_(opened, closed, overdue)).group_by(Record.grid_id))
    return _rows_by_grid(target.where(stmt))


def color_expression(now: datetime, created_at=Record.created_at, due_at=Record.due_at):
    """The three-colour supervision of ``sync.sla.ticket_color`` for an unfinished ticket, in SQL.

    ``created_at`` and ``due_at`` are the ticket's columns (a test passes literals).
    """
    created, due = epoch_seconds(created_at), epoch_seconds(due_at)
    used = literal(now.timestamp()) - created
    window = due - created
    return case(
        (due_at.is_(None), "none"),
        (due_at <= now, "red"),
        (used >= window * ORANGE_AT, "orange"),
        (used >= window * YELLOW_AT, "yellow"),
        else_="green",
    )


def open_by_color(target: Target, now: datetime) -> dict[int, dict[str, int]]:
    """Unfinished tickets by grid and colour now: ``{grid: {"open_red": n, ...}}``."""
    color = color_expression(now).label("color")
    stmt = (select(Record.grid_id, color, func.count().label("n"))
            .where(_live("ticket"), Record.status.in_(OPEN_TICKET_STATES))
            .group_by(Record.grid_id, color))
    out: dict[int, dict[str, int]] = {}
    for grid_id, name, n in db.session.execute(target.where(stmt)).all():
        if name != "none":
            out.setdefault(grid_id, {})[f"open_{name}"] = int(n)
    return out


def visit_counts(target: Target, period: Period) -> dict[int, dict[str, int]]:
    """visits, by grid."""
    if not target.has_field_records:
        return {}
    stmt = (select(Record.grid_id, func.count().label("visits"))
            .where(_live("visit"), _days(period.first, period.last)).group_by(Record.grid_id))
    return _rows_by_grid(target.where(stmt))


def _members(target: Target):
    stmt = select(User.id, User.username, User.display_name, User.team_role, User.grid_id).where(
        User.role.in_(MEMBER_ROLES), User.active.is_(True), User.grid_id.is_not(None))
    if target.grid_ids is not None:
        stmt = stmt.where(User.grid_id.in_(sorted(target.grid_ids) or [-1]))
    return stmt


def checkin_days(target: Target, period: Period) -> dict[tuple[int, str], int]:
    """Days with a check-in, by (grid, member username); members of the grid's team only."""
    if not target.has_field_records:
        return {}
    stmt = (select(Record.grid_id, Record.owner, func.count(distinct(Record.day)))
            .join(User, and_(User.username == Record.owner, User.grid_id == Record.grid_id))
            .where(_live("checkin"), _days(period.first, period.last), User.role.in_(MEMBER_ROLES),
                   User.active.is_(True))
            .group_by(Record.grid_id, Record.owner))
    return {(g, owner): int(n) for g, owner, n in db.session.execute(target.where(stmt)).all()}


def members(target: Target) -> list[dict]:
    """The team members (patrollers and leads) of the target's grids."""
    if not target.has_field_records:
        return []
    rows = db.session.execute(_members(target).order_by(User.grid_id, User.id)).mappings()
    return [dict(r) for r in rows]


def _bucket_of(column, period: Period):
    """The index of the trend bucket a time falls in (CASE over the buckets' UTC bounds)."""
    whens = []
    for i, (_, last) in enumerate(period.buckets()):
        bound = Period("day", last, last, period.tz).end
        whens.append((column < bound, i))
    return case(*whens, else_=None)


def trend(target: Target, period: Period, now: datetime) -> list[dict]:
    """Per day (or week) of the period: problems found, tickets closed, tickets that went overdue.

    A ticket goes overdue on the day its due time passes without it being closed
    by then (closed late, or still not closed).
    """
    buckets = period.buckets()
    out = [{"from": a.isoformat(), "to": b.isoformat(), "found": 0, "closed": 0, "overdue": 0} for a, b in buckets]
    index_of_day = {}
    for i, (a, b) in enumerate(buckets):
        for n in range((b - a).days + 1):
            index_of_day[(a + timedelta(days=n)).isoformat()] = i
    if target.has_field_records:
        found = (select(Record.day, func.count()).where(_live("report"), _days(period.first, period.last))
                 .group_by(Record.day))
        for day, n in db.session.execute(target.where(found)).all():
            if day in index_of_day:
                out[index_of_day[day]]["found"] += int(n)
    closed_bucket = _bucket_of(Record.done_at, period).label("bucket")
    closed = (select(closed_bucket, func.count()).where(_live("ticket"), _closed_in(period))
              .group_by(closed_bucket))
    for i, n in db.session.execute(target.where(closed)).all():
        if i is not None:
            out[int(i)]["closed"] += int(n)
    due_bucket = _bucket_of(Record.due_at, period).label("bucket")
    missed = (select(due_bucket, func.count())
              .where(_live("ticket"), Record.due_at >= period.start, Record.due_at < period.as_of(now),
                     or_(Record.status != "closed", Record.done_at.is_(None), Record.done_at > Record.due_at))
              .group_by(due_bucket))
    for i, n in db.session.execute(target.where(missed)).all():
        if i is not None:
            out[int(i)]["overdue"] += int(n)
    return out


def category_counts(target: Target, period: Period, now: datetime) -> list[dict]:
    """Reports by category: in the period, in its last week and in the week before."""
    if not target.has_field_records:
        return []
    last = min(period.last, now.astimezone(period.tz).date())
    this_week = (last - timedelta(days=6), last)
    last_week = (last - timedelta(days=13), last - timedelta(days=7))
    stmt = (select(Record.category,
                   _count_if(_days(period.first, period.last), "count"),
                   _count_if(_days(*this_week), "this_week"),
                   _count_if(_days(*last_week), "last_week"))
            .where(_live("report"), _days(min(period.first, last_week[0]), max(period.last, last)))
            .group_by(Record.category))
    return [{"category": c, "count": int(n), "this_week": int(w), "last_week": int(lw)}
            for c, n, w, lw in db.session.execute(target.where(stmt)).all() if c]


def _ranked_durations(target: Target, period: Period, action: str):
    """(department, seconds from the last dispatch to the op) for each ``action`` of the period."""
    op, dispatch, last = aliased(AuditEntry), aliased(AuditEntry), aliased(AuditEntry)
    tickets = target.where(select(Record.entity_id).where(Record.entity == "ticket"))
    last_dispatch = (select(func.max(last.seq))
                     .where(last.entity == "ticket", last.entity_id == op.entity_id,
                            last.action == "ticket.dispatch", last.status == "applied", last.seq < op.seq)
                     .scalar_subquery())
    stmt = (select(User.department_id.label("department_id"),
                   (epoch_seconds(op.at) - epoch_seconds(dispatch.at)).label("secs"))
            .select_from(op)
            .join(User, User.id == op.actor_id)
            .join(dispatch, dispatch.seq == last_dispatch)
            .where(op.entity == "ticket", op.action == action, op.status == "applied",
                   op.at >= period.start, op.at < period.end, User.department_id.is_not(None),
                   op.entity_id.in_(tickets)))
    if target.department_id is not None:
        stmt = stmt.where(User.department_id == target.department_id)
    return stmt.subquery()


def durations(target: Target, period: Period, action: str) -> dict[int, dict]:
    """Per department: how many ``action`` ops (acknowledge, resolve) and their median and p90, in hours.

    Measured from the ticket's last dispatch before the op, read from the
    audit trail. Percentiles are nearest-rank: the value at rank ⌈p·n⌉ of the
    n sorted durations (portable SQL window functions, no interpolation).
    """
    d = _ranked_durations(target, period, action)
    ranked = select(
        d.c.department_id, d.c.secs,
        func.row_number().over(partition_by=d.c.department_id, order_by=d.c.secs).label("rn"),
        func.count().over(partition_by=d.c.department_id).label("n"),
    ).subquery()
    # Integer division rounds down in both databases: (n + 1) / 2 = ⌈n/2⌉, (9n + 9) / 10 = ⌈0.9n⌉.
    stmt = (select(ranked.c.department_id, ranked.c.n,
                   func.max(case((ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.secs))),
                   func.max(case((ranked.c.rn == (ranked.c.n * 9 + 9) // 10, ranked.c.secs))))
            .group_by(ranked.c.department_id, ranked.c.n))
    return {dept: {"count": int(n), "median_hours": _hours(median), "p90_hours": _hours(p90)}
            for dept, n, median, p90 in db.session.execute(stmt).all()}


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600.0, 2)


def department_load(target: Target, now: datetime) -> dict[int, dict[str, int]]:
    """Per department: unfinished tickets it holds now, and how many of them are past due."""
    stmt = (select(Record.department_id, func.count().label("open"),
                   _count_if(Record.due_at <= now, "overdue"))
            .where(_live("ticket"), Record.department_id.is_not(None), Record.status.in_(OPEN_TICKET_STATES))
            .group_by(Record.department_id))
    return {d: {"open": int(o), "overdue": int(od)} for d, o, od in db.session.execute(target.where(stmt)).all()}
