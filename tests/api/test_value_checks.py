"""The quick value checks on the push path never pass what the fields refuse."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from server.schemas.records import _QUICK, SCHEMAS, validate_values

FIELDS = [(entity, name) for entity, schema in SCHEMAS.items() for name in schema.load_fields
          if _QUICK[schema].get(name) is not None]

# Values around every bound and type edge the schemas use, and arbitrary JSON.
EDGES = st.sampled_from([
    None, True, False, 0, 1, 2, 3, 4, -1, 1000, 1001, 100_000, 100_001, 2 ** 53, -(2 ** 53), 2 ** 64,
    0.0, -0.0, 1.5, 90.0, 90.0000001, -90.0, -90.5, 180.0, 180.5, math.nan, math.inf, -math.inf,
    "", "x", "x" * 32, "x" * 48, "x" * 49, "x" * 60, "x" * 61, "x" * 120, "x" * 121, "x" * 200, "x" * 201,
    "x" * 500, "x" * 501, "x" * 2000, "x" * 2001, "井盖" * 1000, "facilities_damage", "household", "shop",
    "1", "2", [], {}, ["a"], {"add": []},
])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def _field_accepts(entity: str, name: str, value) -> bool:
    try:
        SCHEMAS[entity].load_fields[name].deserialize(value, name, {name: value})
    except ValidationError:
        return False
    return True


def test_the_quick_checks_cover_the_common_fields():
    covered = {f"{entity}.{name}" for entity, name in FIELDS}
    assert {"report.category", "report.description", "report.lat", "report.severity", "report.photos",
            "visit.place", "ticket.title"} <= covered


@pytest.mark.parametrize("entity,name", FIELDS)
@settings(max_examples=150, deadline=None)
@given(value=EDGES | JSON)
def test_a_value_the_quick_check_passes_is_one_the_field_accepts(entity, name, value):
    if _QUICK[SCHEMAS[entity]][name](value):
        assert _field_accepts(entity, name, value), (entity, name, value)


def _field_messages(entity: str, name: str, value) -> list[str]:
    try:
        SCHEMAS[entity].load_fields[name].deserialize(value, name, {name: value})
    except ValidationError as exc:
        return exc.messages
    return []


def test_values_the_quick_checks_refuse_are_answered_by_the_fields_own_messages():
    bad = {"category": "no_such_category", "description": "x" * 2001, "lat": 91.0, "lon": math.nan,
           "severity": True, "accuracy_m": -1, "photos": None}
    errors = validate_values("report", "create", {**bad, "place": None})
    assert errors == {name: _field_messages("report", name, value) for name, value in bad.items()}
    assert all(errors.values())
