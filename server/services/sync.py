"""The one write path: apply mutations; and the read side: pull changes.

``apply_mutations`` is used by ``POST /api/sync/push``, by REST actions (which
build mutations) and by the CLI. Per batch it takes the write lock, loads the
records and already-applied mutation ids in two queries, merges each mutation
with the pure rules of ``sync.merge``, and writes records, conflicts and audit
entries in one transaction: one entry per applied mutation, which also
answers its retries (``duplicate``). Each mutation stands alone: a
rejected one changes nothing and the rest still apply.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, select, update

from server.extensions import db
from server.models import AuditEntry, Conflict, Record
from server.models.types import utcnow
from server.schemas.records import validate_values
from server.services import notifications, photos, record_hooks
from server.services.audit import record_audits
from server.services.bulk import insert_many, update_many
from server.services.rules import Caller, Rejection, check_role, derived_columns, with_server_fields
from server.services.scope import Scope
from server.services.writes import lock_counter, next_seq
from sync.entities import RECORD_ENTITIES
from sync.hlc import HybridLogicalClock, admit_hlc
from sync.merge import EntityState, merge
from sync.mutation import Mutation, MutationError, parse_mutation

SERVER_NODE = "server"
MAX_BATCH = 1000


@dataclass
class Batch:
    """What one push is doing: the records it touched and what it will write."""

    caller: Caller
    scope: Scope
    device_id: str
    states: dict = field(default_factory=dict)  # (entity, id) -> EntityState | None
    rows: dict = field(default_factory=dict)  # (entity, id) -> Record row dict (existing)
    loaded: set = field(default_factory=set)  # keys looked up in the database already
    dirty: set = field(default_factory=set)
    seen_ids: dict = field(default_factory=dict)  # mutation id -> version
    conflicts: dict = field(default_factory=dict)  # conflict id -> (Conflict, grid_id)
    superseded: set = field(default_factory=set)
    audits: list = field(default_factory=list)
    notifications: list = field(default_factory=list)
    value_errors: dict = field(default_factory=dict)  # mutation id -> errors, checked before the lock
    now: datetime | None = None  # the time stamped on everything the push writes, taken with the lock


def _result(mutation_id, status, **extra) -> dict:
    out = {"id": mutation_id, "status": status}
    for key, value in extra.items():
        if value is not None:
            out[key] = value
    return out


def _rejected(mutation_id, code, message, details=None) -> dict:
    error = {"code": code, "message": message}
    if details:
        error["details"] = details
    return _result(mutation_id, "rejected", error=error)


def note_applied(batch: Batch, m: Mutation, *, entity: str, entity_id: str, data: dict) -> None:
    """Remember a mutation that changed no record (resolve, read) as applied and audit it."""
    batch.seen_ids[m.id] = None
    batch.audits.append({
        "actor": batch.caller.username, "actor_id": batch.caller.user_id, "device_id": m.device_id,
        "action": f"{m.entity}.{m.op}", "entity": entity, "entity_id": entity_id, "mutation_id": m.id,
        "data": data, "status": "applied", "version": None,
    })


def caller_of(user) -> Caller:
    return Caller(user.id, user.username, user.role, user.grid_id,
                  user.department_id if user.role == "department" else None)


def apply_mutations(user, scope: Scope, device_id: str, raw_mutations: list, *,
                    server_built: bool = False) -> dict:
    """Apply a batch of raw mutations; answer the push contract's body (and commit)."""
    cfg = current_app.config
    batch = Batch(caller_of(user), scope, device_id)
    results: list[dict | None] = [None] * len(raw_mutations)
    parsed: list[tuple[int, Mutation]] = []
    # Parsing and value checks need no lock: done first, they overlap with
    # another worker's push instead of queueing behind it.
    for i, raw in enumerate(raw_mutations):
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        raw = record_hooks.translate(raw)
        try:
            m = parse_mutation(raw, device_id=device_id, actor=user.username,
                               allow_server_fields=server_built)
        except MutationError as exc:
            results[i] = _rejected(raw_id, exc.code, exc.message, exc.details)
            continue
        if not server_built and m.id not in batch.value_errors:
            batch.value_errors[m.id] = validate_values(m.entity, m.op, m.data)
        parsed.append((i, m))

    counter = lock_counter()
    batch.now = utcnow()  # taken under the lock: writers' times follow their commit order
    clock = HybridLogicalClock(SERVER_NODE, last=counter.hlc)
    for n, (i, m) in enumerate(parsed):
        hlc, _clamped = admit_hlc(m.hlc, clock, max_ahead_ms=cfg["GRIDWALK_MAX_CLOCK_AHEAD_MS"])
        if hlc != m.hlc:
            parsed[n] = (i, dataclasses.replace(m, hlc=hlc))

    _load(batch, [m for _, m in parsed])
    for i, m in parsed:
        results[i] = _apply_one(batch, m, server_built=server_built, clock=clock)

    _write(batch, counter)
    counter.hlc = clock.last or counter.hlc
    db.session.commit()
    return {"results": results, "cursor": encode_cursor(counter.last_seq), "hlc": clock.send()}


# Built once: constructing and caching a statement per push cost more than
# running it for a small push. Run on the connection: nothing the ORM holds
# needs flushing first, records are written in Core.
#
# The ids (checked UUIDs) are written into the SQL, so each lookup is a
# statement of its own that PostgreSQL plans with the ids it holds. As bound
# parameters, psycopg prepared the statement after five runs and PostgreSQL
# could keep a generic plan made while the tables were small: the lookups
# stayed sequential scans as the tables grew (pushes of 100 fell from ~2,000
# to ~800 mutations/s on a new database in bench/sync_bench.py).
_IDS = bindparam("ids", expanding=True, literal_execute=True)
_APPLIED_IDS = select(AuditEntry.mutation_id, AuditEntry.version).where(AuditEntry.mutation_id.in_(_IDS))
# What a push reads of a record: `entity = ? AND entity_id IN (…)` is a
# primary-key range on both databases; a row-value IN over (entity,
# entity_id) made SQLite scan the whole table for every chunk.
_RECORDS = select(
    Record.entity, Record.entity_id, Record.grid_id, Record.department_id, Record.version, Record.deleted,
    Record.data, Record.clocks, Record.created_at,
).where(Record.entity == bindparam("entity"), Record.entity_id.in_(_IDS))


def _load(batch: Batch, mutations: list[Mutation]) -> None:
    connection = db.session.connection()
    ids = list({m.id for m in mutations})
    for chunk in _chunks(ids, 500):
        for mutation_id, version in connection.execute(_APPLIED_IDS, {"ids": chunk}):
            batch.seen_ids[mutation_id] = version
    keys = list({(m.entity, m.entity_id) for m in mutations if m.entity in RECORD_ENTITIES})
    load_records(batch, keys)


def load_records(batch: Batch, keys: list) -> None:
    """Read the given records into the batch (once per key)."""
    keys = [k for k in keys if k not in batch.loaded]
    batch.loaded.update(keys)
    by_entity: dict[str, list[str]] = {}
    for entity, entity_id in keys:
        by_entity.setdefault(entity, []).append(entity_id)
    connection = db.session.connection()
    for entity, ids in by_entity.items():
        for chunk in _chunks(ids, 500):
            for row in connection.execute(_RECORDS, {"entity": entity, "ids": chunk}).mappings():
                key = (row["entity"], row["entity_id"])
                batch.rows[key] = dict(row)
                batch.states[key] = EntityState(row["data"], row["clocks"], row["version"], row["deleted"])


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _apply_one(batch: Batch, m: Mutation, *, server_built: bool, clock) -> dict:
    if m.id in batch.seen_ids:
        return _result(m.id, "duplicate", version=batch.seen_ids[m.id])
    try:
        check_role(batch.caller, m, server_built=server_built)
        if m.entity == "conflict":
            return record_hooks.resolve_conflict(batch, m, clock=clock, apply=_apply_one)
        if m.entity == "notification":
            return notifications.mark_read(batch, m)
        key = (m.entity, m.entity_id)
        if key not in batch.loaded:  # a follow-up's record, or one a hook added
            load_records(batch, [key])
        state = batch.states.get(key)
        row = batch.rows.get(key)
        grid_id, department_id = _check_scope(batch, m, row)
        # Server-built mutations carry values the server made (ticket links).
        if server_built:
            errors = {}
        elif m.id in batch.value_errors:
            # Taken once: a later mutation reusing the id is checked on its own data.
            errors = batch.value_errors.pop(m.id)
        else:
            errors = validate_values(m.entity, m.op, m.data)
        if errors:
            raise Rejection("invalid", "Some values are not valid; see details.", errors)
        m = with_server_fields(batch.caller, m, record_hooks.server_data(batch, m, state, grid_id))
        merged = merge(state, m)
    except Rejection as exc:
        return _rejected(m.id, exc.code, exc.message, exc.details)
    if merged.error is not None:
        code, message = merged.error
        return _rejected(m.id, code, message)

    batch.states[key] = merged.state
    batch.dirty.add(key)
    if row is None:
        batch.rows[key] = {"entity": m.entity, "entity_id": m.entity_id, "grid_id": grid_id,
                           "department_id": department_id, "created_at": batch.now, "_new": True}
    elif department_id != row.get("department_id"):
        batch.rows[key]["department_id"] = department_id
    for c in merged.conflicts:
        batch.conflicts[c.id] = (c, grid_id)
        batch.superseded.discard(c.id)
    for cid in merged.superseded:
        batch.superseded.add(cid)
        batch.conflicts.pop(cid, None)
    mine = [c for c in merged.conflicts if c.losing.get("mutation") == m.id]
    status = "conflict" if mine else "applied"
    version = merged.state.version
    batch.seen_ids[m.id] = version
    batch.audits.append({
        "actor": batch.caller.username, "actor_id": batch.caller.user_id, "device_id": m.device_id,
        "action": f"{m.entity}.{m.op}", "entity": m.entity, "entity_id": m.entity_id,
        "mutation_id": m.id, "data": {"hlc": m.hlc, "base_version": m.base_version, **m.data},
        "status": status, "version": version,
    })
    if m.entity == "ticket" and status == "applied":
        batch.notifications.extend(notifications.on_ticket(m, merged.state, grid_id))
    for follow_up in record_hooks.follow_ups(batch, m, merged.state, clock=clock):
        result = _apply_one(batch, follow_up, server_built=True, clock=clock)
        if result["status"] == "rejected":
            raise RuntimeError(f"server follow-up rejected: {result}")
    return _result(m.id, status, version=version, conflict=mine[0].to_dict() if mine else None)


def _check_scope(batch: Batch, m: Mutation, row: dict | None) -> tuple[int | None, int | None]:
    """The record's grid and department, after checking the caller may touch it."""
    scope = batch.scope
    if row is not None:
        visible = scope.grid_ids is None or (row["grid_id"] in scope.grid_ids) or (
            scope.department_id is not None and row.get("department_id") == scope.department_id
        )
        if not visible:
            # The same answer as for an id that does not exist: other grids'
            # ids are not confirmed.
            raise Rejection("not_found", f"No {m.entity} {m.entity_id}.")
        if "grid_id" in m.data and m.data["grid_id"] != row["grid_id"]:
            raise Rejection("invalid", "A record cannot move to another grid.", {"grid_id": ["Cannot change."]})
        return row["grid_id"], record_hooks.department_of(m, row)
    if m.op != "create":
        raise Rejection("not_found", f"No {m.entity} {m.entity_id}.")
    grid_id = m.data.get("grid_id", batch.caller.grid_id)
    if grid_id is None or isinstance(grid_id, bool) or not isinstance(grid_id, int):
        raise Rejection("invalid", "Say which grid the record belongs to.", {"grid_id": ["Missing."]})
    if not scope.can_see_grid(grid_id):
        raise Rejection("forbidden", f"You may not create records in grid {grid_id}.")
    return grid_id, None


def _write(batch: Batch, counter) -> None:
    tz = current_app.config["GRIDWALK_TIMEZONE"]
    now = batch.now
    inserts, updates, photo_changes = [], [], []
    for key in sorted(batch.dirty, key=lambda k: (k[0], k[1])):
        state: EntityState = batch.states[key]
        row = batch.rows[key]
        photo_changes.append((key[0], key[1], row.get("data"), state.data))
        row["data"] = state.data
        values = {
            "version": state.version, "seq": next_seq(counter), "deleted": state.deleted,
            "data": state.data, "clocks": state.clocks, "updated_at": now,
            "department_id": row.get("department_id"),
            **derived_columns(key[0], state.data, row["created_at"], tz),
        }
        if row.get("_new"):
            inserts.append({"entity": key[0], "entity_id": key[1], "grid_id": row["grid_id"],
                            "created_at": row["created_at"], **values})
            row.pop("_new")
        else:
            updates.append({"k_entity": key[0], "k_entity_id": key[1], **values})
    insert_many(Record.__table__, inserts)
    update_many(Record.__table__, ("entity", "entity_id"), updates)
    photos.update_refs(photo_changes)
    _write_conflicts(batch)
    notifications.write(batch.notifications)
    record_audits(batch.audits, counter)
    batch.dirty.clear()


def _write_conflicts(batch: Batch) -> None:
    if batch.superseded:
        db.session.execute(
            update(Conflict).where(Conflict.id.in_(list(batch.superseded))).values(superseded=True)
        )
    if not batch.conflicts:
        return
    existing = set(db.session.execute(
        select(Conflict.id).where(Conflict.id.in_(list(batch.conflicts)))
    ).scalars())
    for cid, (c, grid_id) in batch.conflicts.items():
        if cid in existing:
            db.session.execute(
                update(Conflict).where(Conflict.id == cid).values(losing=c.losing, superseded=False)
            )
        else:
            db.session.add(Conflict(id=cid, entity=c.entity, entity_id=c.entity_id, grid_id=grid_id,
                                    field=c.field, kind=c.kind, losing=c.losing))


# --- pull ---------------------------------------------------------------------


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"s": int(seq)}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The sequence number inside a cursor; raises ValueError for anything else."""
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        seq = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())["s"]
    except Exception as exc:  # noqa: BLE001 - any garbage is the same error to the client
        raise ValueError("not a cursor this server made") from exc
    # The sequence is a BIGINT: a cursor beyond 63 bits was not made here and
    # would overflow the database driver in the comparison below.
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < 2**63:
        raise ValueError("not a cursor this server made")
    return seq


def pull_changes(scope: Scope, cursor: str | None, limit: int) -> dict:
    """Changes after ``cursor`` that the caller may see, oldest first."""
    after = decode_cursor(cursor)
    from server.models import SyncCounter

    counter = db.session.get(SyncCounter, 1)
    # Read the newest committed seq BEFORE the changes: a writer committing in
    # between only adds rows above it, which the query below may return or
    # the next pull will.
    newest = _newest_seq()
    query = (
        select(Record.entity, Record.entity_id, Record.version, Record.deleted, Record.data, Record.seq)
        .where(Record.seq > after)
        .order_by(Record.seq)
        .limit(limit + 1)
    )
    rows = db.session.execute(scope.filter_records(query, in_sequence=True)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if more:
        last = rows[-1].seq
    else:
        # Nothing visible is left: jump to the newest sequence number so the
        # next pull does not rescan invisible changes.
        last = max([after, newest] + [r.seq for r in rows])
    changes = []
    for r, waiting in photos.with_pending(rows):
        change = {"entity": r.entity, "entity_id": r.entity_id, "version": r.version, "deleted": r.deleted,
                  "data": record_hooks.visible_data(scope, r.entity, r.data)}
        if waiting:
            # Referenced but not uploaded yet (a contract extension clients may ignore).
            change["pending_photos"] = waiting
        changes.append(change)
    clock = HybridLogicalClock(SERVER_NODE, last=counter.hlc if counter else None)
    return {"changes": changes, "cursor": encode_cursor(last), "more": more, "hlc": clock.send()}


def _newest_seq() -> int:
    top = db.session.execute(select(db.func.max(Record.seq))).scalar()
    return int(top or 0)
