"""What the server adds around a merge, looked up per entity.

Each entity with server-side behaviour has a module of its own here
(``checkins``, ``tickets``, ``visits``) that declares an :class:`EntityHooks`;
``HOOKS`` is the registry the write and read paths consult. An entity without
an entry (reports) gets the defaults: nothing added, no follow-ups, data
shown as stored.
"""

from __future__ import annotations

from server.services.hooks import checkins, tickets, visits
from server.services.hooks.base import DEFAULT, EntityHooks

HOOKS: dict[str, EntityHooks] = {
    "checkin": checkins.HOOKS,
    "ticket": tickets.HOOKS,
    "visit": visits.HOOKS,
}


def hooks_for(entity: str) -> EntityHooks:
    """The hooks of ``entity`` (the defaults when it has none)."""
    return HOOKS.get(entity, DEFAULT)


def translate(raw):
    """Rename an op's contract parameters to the entity's field names (before parsing)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), dict):
        return raw
    names = hooks_for(raw.get("entity")).op_params.get(raw.get("op")) if isinstance(raw.get("entity"), str) else None
    if not names:
        return raw
    return {**raw, "data": {names.get(k, k): v for k, v in raw["data"].items()}}


def visible_data(scope, entity: str, data: dict) -> dict:
    """A record's data as ``scope`` may read it (personal fields masked where needed)."""
    return hooks_for(entity).visible_data(scope, data)
