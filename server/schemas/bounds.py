"""Bounded request fields: the integers, days and ISO weeks every schema accepts.

A value the database or ``datetime`` cannot hold (an id beyond PostgreSQL's
32-bit ``INTEGER``, an offset beyond 64 bits, the day after 9999-12-31, the
Monday of week 0001-W01 in a zone with a second-precise offset …) used to reach
SQLAlchemy or date arithmetic and answer 500. These fields refuse it while the
request is parsed, so the caller gets the usual 422 with details, and they
declare the same bounds in the OpenAPI document (``minimum``/``maximum`` for
integers, a ``pattern`` for days and weeks) so clients and schemathesis know
them. A parsed value is exactly what the document promises: a field accepts no
spelling its declared schema does not (no ``1.5`` read as 1, no ``+5``).
"""

from __future__ import annotations

import numbers
import re
from datetime import date

from marshmallow import fields
from marshmallow import validate as validate_module

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# The calendar the service works in. Records are made by phones in use today;
# the window only keeps arithmetic (a day's bounds in a time zone, a week's
# Monday plus seven days) inside what ``datetime`` and the database hold.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2200, 12, 31)

_YEAR = r"(?:19[7-9][0-9]|2[01][0-9]{2}|2200)"
DAY_PATTERN = rf"^{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"
# Week 53 exists only in some years; naming them keeps the pattern exact, so
# every week it allows is a real one.
_LONG_YEARS = [y for y in range(FIRST_DAY.year, LAST_DAY.year + 1) if date(y, 12, 28).isocalendar()[1] == 53]
WEEK_PATTERN = (
    rf"^(?:{_YEAR}-W(?:0[1-9]|[1-4][0-9]|5[0-2])"
    rf"|(?:{'|'.join(str(y) for y in _LONG_YEARS)})-W53)$"
)
_DIGITS = re.compile(r"-?[0-9]+")


def _validators(validate_arg) -> list:
    if validate_arg is None:
        return []
    if callable(validate_arg):
        return [validate_arg]
    return list(validate_arg)


class _BoundedInt(fields.Integer):
    low: int
    high: int
    openapi_format: str

    default_error_messages = {"invalid": "Not a valid integer."}

    def __init__(self, *, validate=None, metadata=None, **kwargs):
        super().__init__(
            validate=[validate_module.Range(self.low, self.high), *_validators(validate)],
            metadata={"format": self.openapi_format, **(metadata or {})},
            **kwargs,
        )

    def _validated(self, value):
        # Only the spellings of an integer: a query's digits, a JSON integer
        # (1.0 counts, as JSON Schema says), never 1.5 silently made 1.
        if isinstance(value, str):
            if not _DIGITS.fullmatch(value):
                raise self.make_error("invalid")
        elif isinstance(value, bool) or not isinstance(value, numbers.Number):
            raise self.make_error("invalid")
        elif not isinstance(value, numbers.Integral) and value != value // 1:
            raise self.make_error("invalid")
        return super()._validated(value)


class Int64(_BoundedInt):
    """A signed 64-bit integer: what SQLite's INTEGER and PostgreSQL's BIGINT hold (offsets, sequences)."""

    low, high, openapi_format = INT64_MIN, INT64_MAX, "int64"


class Int32(_BoundedInt):
    """A signed 32-bit integer: what PostgreSQL's INTEGER holds (every id, count and version column)."""

    low, high, openapi_format = INT32_MIN, INT32_MAX, "int32"


class Day(fields.Date):
    """A calendar day written ``YYYY-MM-DD`` between 1970-01-01 and 2200-12-31."""

    default_error_messages = {
        "out_of_window": f"Must be a day written YYYY-MM-DD between {FIRST_DAY} and {LAST_DAY}.",
    }

    def __init__(self, *, metadata=None, **kwargs):
        super().__init__(metadata={"pattern": DAY_PATTERN, **(metadata or {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if (isinstance(value, str) and not re.fullmatch(DAY_PATTERN, value)) or not FIRST_DAY <= day <= LAST_DAY:
            raise self.make_error("out_of_window")
        return day


class IsoWeek(fields.String):
    """An ISO week ``YYYY-Www`` in the same window, loaded as the date of its Monday."""

    default_error_messages = {
        "not_a_week": "Must be an ISO week such as 2026-W47 between 1970-W01 and 2200-W52.",
    }

    def __init__(self, *, metadata=None, **kwargs):
        super().__init__(metadata={"pattern": WEEK_PATTERN, **(metadata or {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(WEEK_PATTERN, text):
            raise self.make_error("not_a_week")
        year, week = text.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
