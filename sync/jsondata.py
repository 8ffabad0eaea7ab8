"""Copying plain JSON data (dicts, lists, scalars) quickly."""

from __future__ import annotations

from typing import Any


def copy_json(value: Any) -> Any:
    """A deep copy of plain JSON data.

    Several times faster than ``copy.deepcopy``: JSON data has no cycles or
    shared objects to track. Merge and mutation parsing copy on every write.
    """
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value
