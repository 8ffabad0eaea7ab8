"""Copying plain JSON data (dicts, lists, scalars) quickly."""

from __future__ import annotations

from typing import Any


_IMMUTABLE = frozenset((str, int, float, bool, type(None)))


def copy_json(value: Any) -> Any:
    """A deep copy of plain JSON data.

    Several times faster than ``copy.deepcopy``: JSON data has no cycles or
    shared objects to track. Merge and mutation parsing copy on every write.
    """
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _IMMUTABLE else copy_json(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _IMMUTABLE else copy_json(v) for v in value]
    return value
