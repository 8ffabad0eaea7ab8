"""Plain JSON data: deep copies that share nothing, and what every store of ours can hold."""

from __future__ import annotations

import pytest

from sync.jsondata import MAX_DEPTH, MAX_INT, MIN_INT, copy_json, storable_problem


def _nested(depth: int, leaf=1):
    """A value nested ``depth`` levels deep: lists and objects in turn around ``leaf``."""
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"x": value}
    return value


def test_a_copy_shares_no_object_or_list_with_the_original():
    original = {"tags": ["a"], "where": {"lat": 31.2}, "rows": [{"n": 1}, [2]], "note": "x"}
    copy = copy_json(original)
    copy["tags"].append("b")
    copy["where"]["lat"] = 0
    copy["rows"][0]["n"] = 9
    copy["rows"][1].append(3)
    assert original == {"tags": ["a"], "where": {"lat": 31.2}, "rows": [{"n": 1}, [2]], "note": "x"}
    assert copy == {"tags": ["a", "b"], "where": {"lat": 0}, "rows": [{"n": 9}, [2, 3]], "note": "x"}


def test_a_copy_of_a_list_of_objects_shares_none_of_them():
    original = [{"n": 1}, ["a"], "s", 2, None, True, 1.5]
    copy = copy_json(original)
    copy[0]["n"] = 2
    copy[1].append("b")
    assert original == [{"n": 1}, ["a"], "s", 2, None, True, 1.5]


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, MIN_INT, MAX_INT, 1.5, -0.0, "", "街道", [], {}, {"a": [1, {"b": None}]},
     _nested(MAX_DEPTH)],
)
def test_plain_json_within_the_limits_is_storable(value):
    assert storable_problem(value) is None


@pytest.mark.parametrize(
    "value, problem",
    [
        ("a\x00b", "a NUL character in text"),
        ({"note": "a\x00b"}, "a NUL character in text"),
        ([1, ["a\x00"]], "a NUL character in text"),
        (MAX_INT + 1, "an integer beyond 64 bits"),
        (MIN_INT - 1, "an integer beyond 64 bits"),
        ({"n": [MAX_INT + 1]}, "an integer beyond 64 bits"),
        (float("nan"), "not a finite number"),
        (float("inf"), "not a finite number"),
        (float("-inf"), "not a finite number"),
        ({1: "a"}, "an object key that is not text without NUL"),
        ({"a\x00": 1}, "an object key that is not text without NUL"),
        ((1, 2), "not a JSON value (tuple)"),
        ({"when": {1, 2}}, "not a JSON value (set)"),
        (_nested(MAX_DEPTH + 1), f"nested deeper than {MAX_DEPTH} levels"),
        (_nested(MAX_DEPTH + 1, leaf=[]), f"nested deeper than {MAX_DEPTH} levels"),
    ],
)
def test_a_value_no_store_can_hold_is_named(value, problem):
    assert storable_problem(value) == problem


def test_the_first_problem_in_a_list_is_the_one_named():
    assert storable_problem([True, None, 1, "a\x00", float("nan")]) == "a NUL character in text"
