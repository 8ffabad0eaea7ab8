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
    # The grids are every grid there is (a district that is the whole database):
    # a query that checks scope through a join may leave the check out.
    all_grids: bool = False

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


def ticket_counts(target: Target, period: Period, now: datetime) -> dict[int, dict[str, int]]:
    """opened, closed (on time, reworked, first time, by level) and open_overdue, by grid.

    Three group-bys, each read through its own index: tickets made in the
    period (by grid and day), closed in it (by finishing time), and overdue
    and not closed at its end (the unfinished ones by deadline, and those
    closed only after the period).
    """
    opened = (select(Record.grid_id, func.count().label("opened"))
              .where(_live("ticket"), _days(period.first, period.last)).group_by(Record.grid_id))
    level = func.coalesce(Record.level, "grid")
    closed = (select(Record.grid_id, func.count().label("closed"),
                     _count_if(Record.done_at <= Record.due_at, "closed_on_time"),
                     _count_if(Record.reopens > 0, "closed_reopened"),
                     _count_if(func.coalesce(Record.reopens, 0) == 0, "closed_first_time"),
                     *[_count_if(level == name, label) for name, label in LEVEL_COUNTS.items()])
              .where(_live("ticket"), _closed_in(period)).group_by(Record.grid_id))
    as_of = period.as_of(now)
    overdue_then = and_(Record.created_at < as_of, Record.due_at < as_of)
    not_closed = (select(Record.grid_id, func.count().label("open_overdue"))
                  .where(_live("ticket"), Record.status != "closed", overdue_then).group_by(Record.grid_id))
    # A closed ticket always has its closing time (the write path sets it), so
    # "closed after the period" is one range of ix_records_ticket_done.
    closed_later = (select(Record.grid_id, func.count().label("open_overdue"))
                    .where(_live("ticket"), Record.status == "closed", overdue_then, Record.done_at > as_of)
                    .group_by(Record.grid_id))
    out: dict[int, dict[str, int]] = {}
    for stmt in (opened, closed):
        for grid_id, counts in _rows_by_grid(target.where(stmt)).items():
            out.setdefault(grid_id, {}).update(counts)
    for stmt in (not_closed, closed_later):
        for grid_id, counts in _rows_by_grid(target.where(stmt)).items():
            row = out.setdefault(grid_id, {})
            row["open_overdue"] = row.get("open_overdue", 0) + counts["open_overdue"]
    return out


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


def _unfinished():
    """Tickets not yet finished. ``status <> 'closed'`` is said too, in the words of the partial
    index ix_records_ticket_open, so the database reads the few unfinished tickets through it."""
    return and_(Record.status != "closed", Record.status.in_(OPEN_TICKET_STATES))


def open_by_color(target: Target, now: datetime) -> dict[int, dict[str, int]]:
    """Unfinished tickets by grid and colour now: ``{grid: {"open_red": n, ...}}``."""
    color = color_expression(now).label("color")
    stmt = (select(Record.grid_id, color, func.count().label("n"))
            .where(_live("ticket"), _unfinished())
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


def trend(target: Target, period: Period, now: datetime, days: dict | None = None) -> list[dict]:
    """Per day (or week) of the period: problems found, tickets closed, tickets that went overdue.

    A ticket goes overdue on the day its due time passes without it being closed
    by then (closed late, or still not closed). ``days``: the reports by day and
    category (``report_days``), when the caller has them.
    """
    buckets = period.buckets()
    out = [{"from": a.isoformat(), "to": b.isoformat(), "found": 0, "closed": 0, "overdue": 0} for a, b in buckets]
    index_of_day = {}
    for i, (a, b) in enumerate(buckets):
        for n in range((b - a).days + 1):
            index_of_day[(a + timedelta(days=n)).isoformat()] = i
    if target.has_field_records:
        by_day = report_days(target, period.first, period.last) if days is None else days
        for (day, _category), n in by_day.items():
            if day in index_of_day:
                out[index_of_day[day]]["found"] += n
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


def category_window(period: Period, now: datetime) -> tuple[date, date]:
    """The days ``category_counts`` reads: the period and the two weeks before its last day so far."""
    last = min(period.last, now.astimezone(period.tz).date())
    return min(period.first, last - timedelta(days=13)), period.last


def report_days(target: Target, first: date, last: date) -> dict[tuple[str, str], int]:
    """Reports by (day, category) from ``first`` to ``last``: one scan for the trend and the top categories."""
    if not target.has_field_records:
        return {}
    stmt = (select(Record.day, Record.category, func.count())
            .where(_live("report"), _days(first, last)).group_by(Record.day, Record.category))
    return {(day, category or ""): int(n) for day, category, n in db.session.execute(target.where(stmt)).all()}


def category_counts(target: Target, period: Period, now: datetime, days: dict | None = None) -> list[dict]:
    """Reports by category: in the period, in its last week and in the week before.

    ``days``: the reports by day and category over ``category_window``, when the caller has them.
    """
    if not target.has_field_records:
        return []
    if days is None:
        days = report_days(target, *category_window(period, now))
    last = min(period.last, now.astimezone(period.tz).date())
    weeks = {"this_week": ((last - timedelta(days=6)).isoformat(), last.isoformat()),
             "last_week": ((last - timedelta(days=13)).isoformat(), (last - timedelta(days=7)).isoformat())}
    first_day, last_day = period.first.isoformat(), period.last.isoformat()
    out: dict[str, dict] = {}
    for (day, category), n in days.items():
        if not category:
            continue
        row = out.setdefault(category, {"category": category, "count": 0, "this_week": 0, "last_week": 0})
        if first_day <= day <= last_day:
            row["count"] += n
        for key, (a, b) in weeks.items():
            if a <= day <= b:
                row[key] += n
    return list(out.values())


TIMED_OPS = ("ticket.acknowledge", "ticket.resolve")


def _durations(target: Target, period: Period):
    """(op, department, seconds from the ticket's last dispatch) for each acknowledge and resolve of the period.

    The period's ops name their tickets (through ix_audit_ticket_action_at);
    each such ticket's steps are read once (through ix_audit_ticket) and a
    window carries the latest dispatch time down to every later step. A
    lookup of the last dispatch per op was three times slower on a district's
    month (docs/BENCHMARKS.md).
    """
    timed = (AuditEntry.entity == "ticket", AuditEntry.status == "applied")
    in_period = (select(AuditEntry.entity_id)
                 .where(*timed, AuditEntry.action.in_(TIMED_OPS), AuditEntry.at >= period.start,
                        AuditEntry.at < period.end)
                 .distinct())
    if not (target.all_grids and target.department_id is None):
        # Only the target's tickets (a ticket lookup per op: most of this query's time on a district).
        in_period = in_period.where(AuditEntry.entity_id.in_(
            target.where(select(Record.entity_id).where(Record.entity == "ticket"))))
    step = aliased(AuditEntry)
    dispatched = func.max(case((step.action == "ticket.dispatch", epoch_seconds(step.at)))).over(
        partition_by=step.entity_id, order_by=step.seq, rows=(None, 0))
    steps = (select(step.action, step.at, step.actor_id, dispatched.label("dispatched"))
             .where(step.entity == "ticket", step.status == "applied", step.entity_id.in_(in_period),
                    step.action.in_(("ticket.dispatch", *TIMED_OPS)))
             .subquery())
    stmt = (select(steps.c.action.label("action"), User.department_id.label("department_id"),
                   (epoch_seconds(steps.c.at) - steps.c.dispatched).label("secs"))
            .join(User, User.id == steps.c.actor_id)
            .where(steps.c.action.in_(TIMED_OPS), steps.c.at >= period.start, steps.c.at < period.end,
                   steps.c.dispatched.is_not(None), User.department_id.is_not(None)))
    if target.department_id is not None:
        stmt = stmt.where(User.department_id == target.department_id)
    return stmt.subquery()


def durations(target: Target, period: Period) -> dict[str, dict[int, dict]]:
    """Per op (acknowledge, resolve) and department: how many, and their median and p90 in hours.

    Measured from the ticket's last dispatch before the op, read from the
    audit trail (both ops in one pass over the period's entries).
    Percentiles are nearest-rank: the value at rank ⌈p·n⌉ of the n sorted
    durations (portable SQL window functions, no interpolation).
    """
    d = _durations(target, period)
    group = (d.c.action, d.c.department_id)
    ranked = select(
        d.c.action, d.c.department_id, d.c.secs,
        func.row_number().over(partition_by=group, order_by=d.c.secs).label("rn"),
        func.count().over(partition_by=group).label("n"),
    ).subquery()
    # Integer division rounds down in both databases: (n + 1) / 2 = ⌈n/2⌉, (9n + 9) / 10 = ⌈0.9n⌉.
    stmt = (select(ranked.c.action, ranked.c.department_id, ranked.c.n,
                   func.max(case((ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.secs))),
                   func.max(case((ranked.c.rn == (ranked.c.n * 9 + 9) // 10, ranked.c.secs))))
            .group_by(ranked.c.action, ranked.c.department_id, ranked.c.n))
    out: dict[str, dict[int, dict]] = {action: {} for action in TIMED_OPS}
    for action, dept, n, median, p90 in db.session.execute(stmt).all():
        out[action][dept] = {"count": int(n), "median_hours": _hours(median), "p90_hours": _hours(p90)}
    return out


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600.0, 2)


def department_load(target: Target, now: datetime) -> dict[int, dict[str, int]]:
    """Per department: unfinished tickets it holds now, and how many of them are past due."""
    stmt = (select(Record.department_id, func.count().label("open"),
                   _count_if(Record.due_at <= now, "overdue"))
            .where(_live("ticket"), Record.department_id.is_not(None), _unfinished())
            .group_by(Record.department_id))
    return {d: {"open": int(o), "overdue": int(od)} for d, o, od in db.session.execute(target.where(stmt)).all()}
