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

import orjson
from flask import current_app
from sqlalchemy import Text, cast, select, update

from server.extensions import db
from server.models import Conflict, Record, SyncCounter
from server.models.types import utcnow
from server.schemas.records import validate_values
from server.services import notifications, photos
from server.services.audit import record_audits
from server.services.batch import Batch, rejected, result
from server.services.bulk import insert_many, update_many
from server.services.conflicts import resolve_conflict
from server.services.hooks import hooks_for, translate, visible_data
from server.services.photo_access import pending_among, referenced
from server.services.rules import Rejection, check_role, derived_columns, with_server_fields
from server.services.scope import Scope
from server.services.write_lock import lock_counter, next_seq
from sync.entities import RECORD_ENTITIES
from sync.hlc import SERVER_NODE, HybridLogicalClock, admit_hlc
from sync.merge import EntityState, merge
from sync.mutation import Mutation, MutationError, parse_mutation

MAX_BATCH = 1000


def apply_mutations(user, scope: Scope, device_id: str, raw_mutations: list, *,
                    server_built: bool = False) -> dict:
    """Apply a batch of raw mutations; answer the push contract's body (and commit)."""
    results: list[dict | None] = [None] * len(raw_mutations)
    value_errors: dict = {}
    parsed: list[tuple[int, Mutation]] = []
    # Parsing and value checks need no lock: done first, they overlap with
    # another worker's push instead of queueing behind it.
    for i, raw in enumerate(raw_mutations):
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        try:
            m = parse_mutation(translate(raw), device_id=device_id, actor=user.username,
                               allow_server_fields=server_built)
            if not server_built and m.id not in value_errors:
                value_errors[m.id] = validate_values(m.entity, m.op, m.data)
        except MutationError as exc:
            results[i] = rejected(raw_id, exc.code, exc.message, exc.details)
            continue
        except Exception:  # noqa: BLE001 - a value no check foresaw: this mutation's fault alone
            current_app.logger.exception("mutation %r could not be checked", raw_id)
            results[i] = rejected(raw_id, "invalid", "A value of this mutation cannot be read.")
            continue
        parsed.append((i, m))

    while True:
        batch = Batch(scope, device_id, value_errors=dict(value_errors))
        try:
            return _apply_locked(batch, parsed, results, server_built=server_built)
        except _Poisoned as poisoned:
            # Something no rule foresaw failed while merging one mutation.
            # Nothing is written yet: start the batch again without it, so the
            # rest still applies and the phone's outbox is not stuck behind it.
            db.session.rollback()
            current_app.logger.error("mutation %s could not be applied", poisoned.mutation.id,
                                     exc_info=poisoned.__cause__)
            results[poisoned.index] = rejected(poisoned.mutation.id, "unprocessable",
                                                "The server could not apply this mutation.")
            parsed = [(i, m) for i, m in parsed if i != poisoned.index]


class _Poisoned(Exception):
    """An unexpected failure while applying the mutation at ``index`` of its push."""

    def __init__(self, index: int, mutation: Mutation):
        super().__init__(mutation.id)
        self.index = index
        self.mutation = mutation


def _apply_locked(batch: Batch, parsed: list, results: list, *, server_built: bool) -> dict:
    counter = lock_counter()
    batch.now = utcnow()  # taken under the lock: writers' times follow their commit order
    clock = HybridLogicalClock(SERVER_NODE, last=counter.hlc)
    max_ahead_ms = current_app.config["GRIDWALK_MAX_CLOCK_AHEAD_MS"]
    admitted = []
    for i, m in parsed:
        hlc, _clamped = admit_hlc(m.hlc, clock, max_ahead_ms=max_ahead_ms)
        admitted.append((i, m if hlc == m.hlc else dataclasses.replace(m, hlc=hlc)))

    _load(batch, [m for _, m in admitted])
    for i, m in admitted:
        try:
            results[i] = _apply_one(batch, m, server_built=server_built, clock=clock)
        except Exception as exc:
            raise _Poisoned(i, m) from exc

    _write(batch, counter)
    counter.hlc = clock.last or counter.hlc
    db.session.commit()
    return {"results": results, "cursor": encode_cursor(counter.last_seq), "hlc": clock.send()}


def _load(batch: Batch, mutations: list[Mutation]) -> None:
    batch.load_applied_ids(list({m.id for m in mutations}))
    batch.load_records(list({(m.entity, m.entity_id) for m in mutations if m.entity in RECORD_ENTITIES}))


def _apply_one(batch: Batch, m: Mutation, *, server_built: bool, clock) -> dict:
    if m.id in batch.seen_ids:
        return result(m.id, "duplicate", version=batch.seen_ids[m.id])
    try:
        check_role(batch.scope.role, m, server_built=server_built)
        if m.entity == "conflict":
            return resolve_conflict(batch, m, clock=clock, apply=_apply_one)
        if m.entity == "notification":
            return notifications.mark_read(batch, m)
        hooks = hooks_for(m.entity)
        key = (m.entity, m.entity_id)
        state = batch.state_of(m.entity, m.entity_id)  # loaded already, unless a follow-up's or a hook's
        row = batch.rows.get(key)
        grid_id, department_id = _check_scope(batch, m, row, hooks)
        _check_base_version(m, state)
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
        m = with_server_fields(batch.scope.username, m, hooks.server_data(batch, m, state, grid_id),
                               exists=state is not None)
        merged = merge(state, m)
    except Rejection as exc:
        return rejected(m.id, exc.code, exc.message, exc.details)
    if merged.error is not None:
        code, message = merged.error
        return rejected(m.id, code, message)

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
    batch.audit(m, entity=m.entity, entity_id=m.entity_id,
                data={"hlc": m.hlc, "base_version": m.base_version, **m.data}, status=status, version=version)
    if status == "applied":
        batch.notifications.extend(hooks.notifications(m, merged.state, grid_id))
    for follow_up in hooks.follow_ups(batch, m, merged.state, clock=clock):
        answer = _apply_one(batch, follow_up, server_built=True, clock=clock)
        if answer["status"] == "rejected":
            raise RuntimeError(f"server follow-up rejected: {answer}")
    return result(m.id, status, version=version, conflict=mine[0].to_dict() if mine else None)


def _check_base_version(m: Mutation, state: EntityState | None) -> None:
    """Refuse a base version the server never issued for this record.

    The base version says which writes the device had seen; one above the
    record's version would claim to have seen writes still to come, and
    its value would then overwrite a teammate's concurrent edit without a
    conflict.
    """
    if m.base_version is None:
        return
    current = state.version if state is not None else 0
    if m.base_version > current:
        raise Rejection("invalid", f"base_version {m.base_version} is newer than the record (version {current}).",
                        {"base_version": [f"At most {current}."]})


def _check_scope(batch: Batch, m: Mutation, row: dict | None, hooks) -> tuple[int | None, int | None]:
    """The record's grid and department, after checking the caller may touch it."""
    scope = batch.scope
    if row is not None:
        if not scope.can_see(row["grid_id"], row.get("department_id")):
            # The same answer as for an id that does not exist: other grids'
            # ids are not confirmed.
            raise Rejection("not_found", f"No {m.entity} {m.entity_id}.")
        if "grid_id" in m.data and m.data["grid_id"] != row["grid_id"]:
            raise Rejection("invalid", "A record cannot move to another grid.", {"grid_id": ["Cannot change."]})
        return row["grid_id"], hooks.department_of(m, row)
    if m.op != "create":
        raise Rejection("not_found", f"No {m.entity} {m.entity_id}.")
    grid_id = m.data.get("grid_id", scope.grid_id)
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
    photos.update_refs(photo_changes, batch.scope)
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
    # Read the newest committed seq BEFORE the changes: a writer committing in
    # between only adds rows above it, which the query below may return or
    # the next pull will. The server's clock comes in the same round trip.
    server_hlc, newest = db.session.execute(select(
        select(SyncCounter.hlc).where(SyncCounter.id == 1).scalar_subquery(),
        select(db.func.max(Record.seq)).scalar_subquery(),
    )).one()
    newest = int(newest or 0)
    # The data comes as its stored JSON text and, shown as stored, goes out
    # as that text: parsed once (for its photos), never rebuilt or re-encoded.
    query = (
        select(Record.entity, Record.entity_id, Record.version, Record.deleted, cast(Record.data, Text), Record.seq)
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
    stored = [orjson.loads(r[4]) for r in rows]
    waiting = pending_among([(r.entity, r.entity_id) for r in rows], [referenced(d) for d in stored])
    changes = []
    for (entity, entity_id, version, deleted, text, _seq), data, pending in zip(rows, stored, waiting):
        shown = visible_data(scope, entity, data)
        change = {"entity": entity, "entity_id": entity_id, "version": version, "deleted": deleted,
                  "data": orjson.Fragment(text) if shown is data else shown}
        if pending:
            # Referenced but not uploaded yet (a contract extension clients may ignore).
            change["pending_photos"] = pending
        changes.append(change)
    clock = HybridLogicalClock(SERVER_NODE, last=server_hlc)
    return {"changes": changes, "cursor": encode_cursor(last), "more": more, "hlc": clock.send()}
