"""Home and shop visits: names and phone numbers stay with the grid's street."""

from __future__ import annotations

from server.services.hooks.base import EntityHooks

PERSONAL_FIELDS = ("contact_name", "contact_phone")


def visible_data(scope, data: dict) -> dict:
    """The visit as ``scope`` may read it: personal fields masked outside the grid's street."""
    if scope.grid_ids is None or scope.grid_ids:
        # Admins, grid members and street supervisors (whose scope holds the
        # grid, or the record would not be visible) read everything.
        return data
    return {k: ("***" if k in PERSONAL_FIELDS and v else v) for k, v in data.items()}


HOOKS = EntityHooks(visible_data=visible_data)
