"""Conflicts: reading them (the value kept now and the one that lost) and resolving them."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timezone

from sqlalchemy import select

from server.extensions import db
from server.models import Conflict, Record
from server.schemas.records import validate_values
from server.services.batch import Batch, result
from server.services.rules import Rejection
from sync.mutation import Mutation, MutationError, parse_mutation


def _kept(record: Record | None, field: str) -> dict:
    if record is None:
        return {"value": None}
    if field == "deleted":
        return {"value": record.deleted}
    entries = (record.clocks or {}).get("fields", {}).get(field)
    if entries:
        winner = max(entries.values(), key=lambda s: (s["hlc"], s["mutation"]))
        return {"value": record.data.get(field), "hlc": winner["hlc"], "device": winner["device"],
                "actor": winner["actor"], "mutation": winner["mutation"]}
    history = (record.clocks or {}).get("state", {}).get("history") or []
    if field == (record.clocks or {}).get("state_field", "status") and history:
        last = history[-1]
        return {"value": record.data.get(field), "hlc": last.get("hlc"), "device": last.get("device"),
                "actor": last.get("actor"), "mutation": last.get("mutation")}
    return {"value": record.data.get(field)}


def open_conflicts(scope, *, entity=None, entity_id=None, grid=None, limit=200) -> list[dict]:
    query = select(Conflict).where(Conflict.resolved_at.is_(None), Conflict.superseded.is_(False))
    query = scope.filter_by_grid(query, Conflict.grid_id)
    if entity:
        query = query.where(Conflict.entity == entity)
    if entity_id:
        query = query.where(Conflict.entity_id == entity_id)
    if grid is not None:
        query = query.where(Conflict.grid_id == grid)
    rows = db.session.execute(query.order_by(Conflict.created_at, Conflict.id).limit(limit)).scalars().all()
    keys = {(c.entity, c.entity_id) for c in rows}
    records = {}
    by_entity: dict[str, list[str]] = {}
    for entity, entity_id in keys:
        by_entity.setdefault(entity, []).append(entity_id)
    for entity, ids in by_entity.items():
        for r in db.session.execute(
            select(Record).where(Record.entity == entity, Record.entity_id.in_(ids))
        ).scalars():
            records[(r.entity, r.entity_id)] = r
    return [
        {"id": c.id, "entity": c.entity, "entity_id": c.entity_id, "grid_id": c.grid_id, "field": c.field,
         "kind": c.kind, "kept": _kept(records.get((c.entity, c.entity_id)), c.field), "losing": c.losing,
         "created_at": c.created_at}
        for c in rows
    ]


# --- resolving ----------------------------------------------------------------------


def _resolution_update(m: Mutation, conflict: Conflict, value, state, clock) -> Mutation:
    """The update that puts the chosen value in place, checked as the client's own update would be.

    A resolution may not write what an update of the field could not: a
    severity of 99999 or an object for a description would be kept, and
    every later read of the record would have to cope with it.
    """
    # Checked under the resolving mutation's own stamp, then stamped by the
    # server's clock (whose node no client mutation may carry).
    raw = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"gridwalk:resolve:{m.id}")), "entity": conflict.entity,
           "entity_id": conflict.entity_id, "op": "update", "hlc": m.hlc,
           "base_version": state.version if state else None, "data": {conflict.field: value}}
    try:
        follow = dataclasses.replace(parse_mutation(raw, device_id=m.device_id, actor=m.actor), hlc=clock.send())
    except MutationError as exc:
        raise Rejection("invalid", f"That value cannot be written to {conflict.field}: {exc.message}",
                        {"value": [exc.message]}) from None
    errors = validate_values(conflict.entity, "update", follow.data)
    if errors:
        raise Rejection("invalid", f"That value is not a valid {conflict.field}.",
                        {"value": errors.get(conflict.field, errors)})
    return follow


def resolve_conflict(batch: Batch, m: Mutation, *, clock, apply) -> dict:
    """Apply a ``conflict.resolve`` mutation: keep the winner, take the loser, or set a new value.

    Taking another value is an update of the record applied through ``apply``
    (the push's own per-mutation step), in the same transaction.
    """
    errors = validate_values("conflict", "update", m.data)
    if errors or "choice" not in m.data:
        raise Rejection("invalid", "Say which value to keep: choice kept|losing|value.",
                        errors or {"choice": ["Missing."]})
    conflict = db.session.get(Conflict, m.entity_id)
    if conflict is None or not batch.scope.can_see_grid(conflict.grid_id):
        raise Rejection("not_found", f"No conflict {m.entity_id}.")
    if conflict.resolved_at is not None:
        return result(m.id, "applied", resolution=conflict.resolution)
    choice = m.data["choice"]
    if choice != "kept":
        if conflict.kind not in ("concurrent_write",):
            raise Rejection("invalid", "Only a losing field value can be taken; redo other changes as new edits.")
        value = conflict.losing.get("value") if choice == "losing" else m.data.get("value")
        state = batch.state_of(conflict.entity, conflict.entity_id)
        follow = _resolution_update(m, conflict, value, state, clock)
        answer = apply(batch, follow, server_built=True, clock=clock)
        if answer["status"] == "rejected":
            error = answer["error"]
            raise Rejection(error["code"], error["message"], error.get("details"))
    conflict.resolved_at = datetime.now(timezone.utc)
    conflict.resolved_by = batch.scope.username
    conflict.resolution = {"choice": choice, "value": m.data.get("value"), "note": m.data.get("note"),
                           "mutation": m.id}
    batch.note_applied(m, entity=conflict.entity, entity_id=conflict.entity_id,
                 data={"conflict": conflict.id, "field": conflict.field, **m.data})
    return result(m.id, "applied", resolution=conflict.resolution)
