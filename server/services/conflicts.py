"""Reading conflicts: each with the value kept now and the one that lost."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import Conflict, Record


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
    if scope.grid_ids is not None:
        query = query.where(Conflict.grid_id.in_(scope.grid_ids or [-1]))
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
