"""The handoff-ticket workflow around the merge (filled in with the huddle)."""

from __future__ import annotations


def server_data(batch, m, state, grid_id) -> dict:
    return {}


def department_of(m, row: dict) -> int | None:
    return row.get("department_id")


def follow_ups(batch, m, state, *, clock) -> list:
    return []
