"""The shape of an entity's hooks, and the defaults an entity without any gets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from server.services.batch import Batch
from sync.merge import EntityState
from sync.mutation import Mutation


def _nothing(batch: Batch, m: Mutation, state: EntityState | None, grid_id: int) -> dict:
    return {}


def _department_as_stored(m: Mutation, row: dict) -> int | None:
    return row.get("department_id")


def _no_follow_ups(batch: Batch, m: Mutation, state: EntityState, *, clock) -> list[Mutation]:
    return []


def _no_notifications(m: Mutation, state: EntityState, grid_id: int) -> list[dict]:
    return []


def _as_stored(scope, data: dict) -> dict:
    return data


@dataclass(frozen=True)
class EntityHooks:
    """The server's part in applying and reading one entity.

    * ``server_data(batch, m, state, grid_id)``: fields only the server writes
      (check-in distance and flags, ticket deadlines), merged with the mutation;
    * ``department_of(m, row)``: which department the record is visible to;
    * ``follow_ups(batch, m, state, clock=)``: mutations the server applies in
      the same transaction because of this one (a ticket taking in its reports);
    * ``notifications(m, state, grid_id)``: rows to notify of an applied mutation;
    * ``visible_data(scope, data)``: the data as a caller may read it;
    * ``op_params``: per op, contract parameter names → the fields they are stored in.
    """

    server_data: Callable = _nothing
    department_of: Callable = _department_as_stored
    follow_ups: Callable = _no_follow_ups
    notifications: Callable = _no_notifications
    visible_data: Callable = _as_stored
    op_params: dict = field(default_factory=dict)


DEFAULT = EntityHooks()
