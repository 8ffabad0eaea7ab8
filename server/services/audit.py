"""The append-only, hash-chained audit trail (留痕留迹、责任倒查).

Each entry's hash covers its own fields and the previous entry's hash; the
newest hash is also kept on the counter row, so editing, deleting or
truncating entries is found by :func:`verify_chain`. Entries are written in
the same transaction as the change they describe, under the write lock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import orjson
from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEntry, SyncCounter
from server.models.types import utcnow
from server.services.bulk import insert_many
from server.services.write_lock import lock_counter

GENESIS = "0" * 64


_HASHED = ("actor_id", "actor", "device_id", "action", "entity", "entity_id", "mutation_id", "data", "prev_hash")


# The canonical form hashed: the entry's fields as JSON with sorted keys, no
# spaces, UTF-8. Entries are hashed with orjson; entries chained by earlier
# builds were hashed with the standard library's encoder, whose bytes are the
# same except in rare corners (a float's exponent: 1e-07 against 1e-7), so
# verification accepts either form for an entry. Changing a byte of either
# would make stored hashes fail to verify.
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
_legacy_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode


def _payload(values: dict, at: str | None) -> dict:
    payload = {key: values.get(key) for key in _HASHED}
    payload["at"] = at or values["at"].isoformat()
    return payload


def _values(entry) -> dict:
    return entry if isinstance(entry, dict) else {key: getattr(entry, key) for key in (*_HASHED, "at")}


def entry_hash(entry, at: str | None = None) -> str:
    """The hash of an entry (a row or a dict of its values), covering the previous hash.

    ``at`` is the entry's time already in ISO form, when the caller has it.
    """
    canonical = orjson.dumps(_payload(_values(entry), at), option=_ORJSON_OPTIONS, default=str)
    return hashlib.sha256(canonical).hexdigest()


def legacy_entry_hash(entry) -> str:
    """The hash of an entry as builds before orjson computed it."""
    return hashlib.sha256(_legacy_encode(_payload(_values(entry), None)).encode("utf-8")).hexdigest()


def hash_holds(entry) -> bool:
    """Whether an entry's stored hash is the hash of its fields (in either form)."""
    return entry.hash == entry_hash(entry) or entry.hash == legacy_entry_hash(entry)


def _now_ms_precision():
    now = utcnow()
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)


def record_audits(entries: list[dict], counter) -> None:
    """Append many entries at once (a push's worth), chained in order, in one INSERT."""
    if not entries:
        return
    at = _now_ms_precision()
    at_iso = at.isoformat()
    head = counter.audit_head or GENESIS
    rows = []
    for entry in entries:
        row = {"actor_id": None, "device_id": None, "entity": None, "entity_id": None, "mutation_id": None,
               "data": None, "status": None, "version": None, **entry, "at": at, "prev_hash": head}
        row["hash"] = head = entry_hash(row, at_iso)
        rows.append(row)
    insert_many(AuditEntry.__table__, rows)
    counter.audit_head = head


def record_audit(
    *,
    actor: str,
    action: str,
    actor_id: int | None = None,
    device_id: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    mutation_id: str | None = None,
    data: dict | None = None,
    counter=None,
) -> AuditEntry:
    """Append one entry in the current transaction (taking the write lock if needed)."""
    counter = counter or lock_counter()
    at = _now_ms_precision()
    entry = AuditEntry(
        at=at,
        actor_id=actor_id,
        actor=actor,
        device_id=device_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        mutation_id=mutation_id,
        data=data,
        prev_hash=counter.audit_head or GENESIS,
    )
    entry.hash = entry_hash(entry)
    counter.audit_head = entry.hash
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditProblem:
    seq: int | None
    problem: str


def verify_chain() -> list[AuditProblem]:
    """Walk the whole log and report every entry that was altered, removed or added."""
    problems: list[AuditProblem] = []
    prev = GENESIS
    last_seq = None
    rows = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for entry in rows:
        if entry.prev_hash != prev:
            problems.append(AuditProblem(entry.seq, "previous entry missing or altered"))
        if not hash_holds(entry):
            problems.append(AuditProblem(entry.seq, "entry altered"))
        prev = entry.hash
        last_seq = entry.seq
    counter = db.session.get(SyncCounter, 1)
    head = counter.audit_head if counter else None
    if (head or GENESIS) != prev:
        problems.append(AuditProblem(last_seq, "newest entries deleted or log truncated"))
    return problems


# What the district set-up writes to the trail (server.services.admin, device revocation).
# api_key: intake keys issued and revoked (server/services/intake_keys.py).
ADMIN_ENTITIES = ("streets", "communities", "grids", "teams", "users", "beats", "departments", "device", "api_key")


def admin_trail(*, entities: list[str] | None, actor: str | None, limit: int, offset: int) -> dict:
    """The trail of set-up changes (users, teams, grids, departments, devices, intake keys), newest first."""
    query = select(AuditEntry).where(AuditEntry.entity.in_(entities or ADMIN_ENTITIES))
    if actor:
        query = query.where(AuditEntry.actor == actor)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(query.order_by(AuditEntry.seq.desc()).limit(limit).offset(offset)).scalars().all()
    return {"items": rows, "total": total, "limit": limit, "offset": offset}
