"""The period a statistic covers: a day, an ISO week, a calendar month or a custom range.

Periods are made of local calendar days (``GRIDWALK_TIMEZONE``): a record's
``day`` column is its local day, and times (a ticket's close) are compared
with the UTC instants at which the period's first and last local days begin
and end. Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

KINDS = ("day", "week", "month", "custom")
# A custom range longer than this is refused: a year is the longest anyone reports on.
MAX_DAYS = 366
# Trend charts have a point a day up to this many days, then a point a week.
DAILY_POINTS_UP_TO = 62


class PeriodError(ValueError):
    """A period that cannot be made from what was asked (the field at fault, and why)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Period:
    """Local days ``first`` .. ``last`` (inclusive) in ``tz``."""

    kind: str
    first: date
    last: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        """The UTC instant the first day begins."""
        return _midnight(self.first, self.tz)

    @property
    def end(self) -> datetime:
        """The UTC instant after the last day ends (exclusive)."""
        return _midnight(self.last + timedelta(days=1), self.tz)

    @property
    def length(self) -> int:
        return (self.last - self.first).days + 1

    def as_of(self, now: datetime) -> datetime:
        """The instant the period's state is judged at: its end, or now while it is running."""
        return min(self.end, now)

    def previous(self) -> Period:
        """The period just before, of the same kind (the month before for a month)."""
        if self.kind == "month":
            last = self.first - timedelta(days=1)
            return Period("month", last.replace(day=1), last, self.tz)
        span = timedelta(days=self.length)
        return Period(self.kind, self.first - span, self.last - span, self.tz)

    def days_until(self, now: datetime) -> int:
        """How many of the period's days have begun by ``now`` (what a member could have checked in on)."""
        today = now.astimezone(self.tz).date()
        if today < self.first:
            return 0
        return (min(today, self.last) - self.first).days + 1

    def buckets(self) -> list[tuple[date, date]]:
        """The trend chart's points: each day, or each week (Monday first) of a long period."""
        if self.length <= DAILY_POINTS_UP_TO:
            return [(d, d) for d in _days(self.first, self.last)]
        out = []
        start = self.first
        while start <= self.last:
            end = min(start + timedelta(days=6 - start.weekday()), self.last)
            out.append((start, end))
            start = end + timedelta(days=1)
        return out

    def to_dict(self) -> dict:
        return {"kind": self.kind, "from": self.first.isoformat(), "to": self.last.isoformat(),
                "start": self.start.isoformat(), "end": self.end.isoformat()}


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tz).astimezone(timezone.utc)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def make_period(kind: str, tz: ZoneInfo, today: date, *, anchor: date | None = None,
                first: date | None = None, last: date | None = None) -> Period:
    """The period of ``kind`` holding ``anchor`` (default ``today``), or ``first``..``last`` for custom."""
    if kind not in KINDS:
        raise PeriodError("period", f"One of {', '.join(KINDS)}.")
    if kind == "custom":
        if first is None or last is None:
            raise PeriodError("from", "A custom period needs from and to.")
        if first > last:
            raise PeriodError("from", "from is after to.")
        if (last - first).days + 1 > MAX_DAYS:
            raise PeriodError("to", f"At most {MAX_DAYS} days.")
        return Period("custom", first, last, tz)
    day = anchor or today
    if kind == "day":
        return Period("day", day, day, tz)
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return Period("week", monday, monday + timedelta(days=6), tz)
    month_first = day.replace(day=1)
    next_month = (month_first + timedelta(days=32)).replace(day=1)
    return Period("month", month_first, next_month - timedelta(days=1), tz)
