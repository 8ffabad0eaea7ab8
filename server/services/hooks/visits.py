"""Home and shop visits: names and phone numbers stay with the grid's street."""

from __future__ import annotations

from server.services.hooks.base import EntityHooks

PERSONAL_FIELDS = ("contact_name", "contact_phone")


def visible_data(scope, data: dict) -> dict:
    """The visit as ``scope`` may read it: personal fields masked outside the grid's street."""
    if scope.reads_personal_data:
        return data
    return {k: ("***" if k in PERSONAL_FIELDS and v else v) for k, v in data.items()}


HOOKS = EntityHooks(visible_data=visible_data)
