"""What the server adds around a merge, per entity.

* ``server_data``: fields only the server writes (check-in distance and flags).
* ``department_of``: which department a record is visible to.
* ``follow_ups``: mutations the server applies because of another (a ticket
  taking in its reports, a closed ticket closing them).
* ``resolve_conflict``: the ``conflict.resolve`` mutation.
* ``visible_data``: personal data hidden from callers outside the grid's street.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from server.extensions import db
from server.models import Beat, Conflict, Grid
from server.schemas.records import validate_values
from server.services.rules import Rejection
from sync.geo import haversine_m
from sync.mutation import Mutation, MutationError, parse_mutation

# Check-ins further than this from their checkpoint (beyond its radius) are flagged.
LOW_ACCURACY_M = 100
PERSONAL_FIELDS = {"visit": ("contact_name", "contact_phone")}


# Contract parameter names of some ops, and the fields they are stored in.
OP_PARAMS = {("ticket", "resolve"): {"note": "resolution_note", "photos": "resolution_photos"}}


def translate(raw):
    """Rename an op's contract parameters to the entity's field names."""
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), dict):
        return raw
    names = OP_PARAMS.get((raw.get("entity"), raw.get("op")))
    if not names:
        return raw
    return {**raw, "data": {names.get(k, k): v for k, v in raw["data"].items()}}


def server_data(batch, m: Mutation, state, grid_id) -> dict:
    if m.entity == "checkin" and m.op in ("create", "update"):
        return _checkin_flags(batch, m, state, grid_id)
    if m.entity == "ticket":
        from server.services import tickets

        return tickets.server_data(batch, m, state, grid_id)
    return {}


def department_of(m: Mutation, row: dict) -> int | None:
    if m.entity == "ticket":
        from server.services import tickets

        return tickets.department_of(m, row)
    return row.get("department_id")


def follow_ups(batch, m: Mutation, state, *, clock) -> list[Mutation]:
    if m.entity == "ticket":
        from server.services import tickets

        return tickets.follow_ups(batch, m, state, clock=clock)
    return []


def visible_data(scope, entity: str, data: dict) -> dict:
    hidden = PERSONAL_FIELDS.get(entity)
    if not hidden or scope.grid_ids is None or scope.grid_ids:
        # Admins, grid members and street supervisors (whose scope holds the
        # grid, or the record would not be visible) read everything.
        return data
    return {k: ("***" if k in hidden and v else v) for k, v in data.items()}


# --- check-ins ------------------------------------------------------------------


def _point_in_polygon(lat: float, lon: float, polygon: dict | None) -> bool | None:
    if not polygon or polygon.get("type") != "Polygon":
        return None
    ring = polygon["coordinates"][0]
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def _checkin_flags(batch, m: Mutation, state, grid_id) -> dict:
    """Distance to the checkpoint and flags; a check-in is never refused for them."""
    data = {**(state.data if state else {}), **m.data}
    lat, lon = data.get("lat"), data.get("lon")
    flags: list[str] = []
    distance = None
    if lat is None or lon is None:
        flags.append("no_location")
    else:
        if (data.get("accuracy_m") or 0) > LOW_ACCURACY_M:
            flags.append("low_accuracy")
        grid = db.session.get(Grid, grid_id)
        if grid is not None and _point_in_polygon(lat, lon, grid.boundary) is False:
            flags.append("outside_grid")
        checkpoint_id = data.get("checkpoint_id")
        if checkpoint_id is not None:
            beat = db.session.execute(
                db.select(Beat).filter_by(user_id=batch.caller.user_id)
            ).scalar_one_or_none()
            checkpoint = next((c for c in (beat.checkpoints if beat else []) if c.id == checkpoint_id), None)
            if checkpoint is None:
                flags.append("not_my_checkpoint")
            else:
                distance = round(haversine_m(lat, lon, checkpoint.lat, checkpoint.lon), 1)
                if distance > checkpoint.radius_m:
                    flags.append("far_from_checkpoint")
    # Flags are replaced as a whole: remove the old ones, add the new ones.
    old = set((state.data.get("flags") or []) if state else [])
    change = {"add": sorted(set(flags) - old), "remove": sorted(old - set(flags))}
    out: dict = {"distance_m": distance}
    if change["add"] or change["remove"]:
        out["flags"] = change
    return out


# --- conflicts ------------------------------------------------------------------


def _resolution_update(m: Mutation, conflict: Conflict, value, state, clock) -> Mutation:
    """The update that puts the chosen value in place, checked as the client's own update would be.

    A resolution may not write what an update of the field could not: a
    severity of 99999 or an object for a description would be kept, and
    every later read of the record would have to cope with it.
    """
    raw = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"gridwalk:resolve:{m.id}")), "entity": conflict.entity,
           "entity_id": conflict.entity_id, "op": "update", "hlc": clock.send(),
           "base_version": state.version if state else None, "data": {conflict.field: value}}
    try:
        follow = parse_mutation(raw, device_id=m.device_id, actor=m.actor)
    except MutationError as exc:
        raise Rejection("invalid", f"That value cannot be written to {conflict.field}: {exc.message}",
                        {"value": [exc.message]}) from None
    errors = validate_values(conflict.entity, "update", follow.data)
    if errors:
        raise Rejection("invalid", f"That value is not a valid {conflict.field}.",
                        {"value": errors.get(conflict.field, errors)})
    return follow


def resolve_conflict(batch, m: Mutation, *, clock, apply) -> dict:
    """Resolve one conflict: keep the winner, take the loser, or set a new value."""
    from server.services.sync import _result, note_applied

    errors = validate_values("conflict", "update", m.data)
    if errors or "choice" not in m.data:
        raise Rejection("invalid", "Say which value to keep: choice kept|losing|value.",
                        errors or {"choice": ["Missing."]})
    conflict = db.session.get(Conflict, m.entity_id)
    if conflict is None or not batch.scope.can_see_grid(conflict.grid_id):
        raise Rejection("not_found", f"No conflict {m.entity_id}.")
    if conflict.resolved_at is not None:
        return _result(m.id, "applied", resolution=conflict.resolution)
    choice = m.data["choice"]
    if choice != "kept":
        if conflict.kind not in ("concurrent_write",):
            raise Rejection("invalid", "Only a losing field value can be taken; redo other changes as new edits.")
        value = conflict.losing.get("value") if choice == "losing" else m.data.get("value")
        key = (conflict.entity, conflict.entity_id)
        state = batch.states.get(key)
        if state is None:
            from server.services.sync import load_records

            load_records(batch, [key])
            state = batch.states.get(key)
        follow = _resolution_update(m, conflict, value, state, clock)
        result = apply(batch, follow, server_built=True, clock=clock)
        if result["status"] == "rejected":
            raise Rejection(result["error"]["code"], result["error"]["message"], result["error"].get("details"))
    conflict.resolved_at = datetime.now(timezone.utc)
    conflict.resolved_by = batch.caller.username
    conflict.resolution = {"choice": choice, "value": m.data.get("value"), "note": m.data.get("note"),
                           "mutation": m.id}
    note_applied(batch, m, entity=conflict.entity, entity_id=conflict.entity_id,
                 data={"conflict": conflict.id, "field": conflict.field, **m.data})
    return _result(m.id, "applied", resolution=conflict.resolution)
