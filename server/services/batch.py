"""The unit of work of one push: what it loaded, what it will write, how it answers.

``server.services.sync`` runs a push; the per-entity hooks, conflict
resolution and notifications take part in it through this module's public
surface: :class:`Batch` (records loaded once per key, applied mutations noted
with their audit entry) and :func:`result` / :func:`rejected` (the push
contract's per-mutation answers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select

from server.errors import error_body
from server.extensions import db
from server.models import AuditEntry, Record
from server.services.scope import Scope
from sync.merge import EntityState
from sync.mutation import Mutation

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
_CHUNK = 500


@dataclass
class Batch:
    """What one push is doing: the records it touched and what it will write."""

    scope: Scope  # who is pushing: role, grid, what they may touch
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

    def load_applied_ids(self, mutation_ids: list[str]) -> None:
        """Remember which of these mutation ids were applied before, with their versions."""
        connection = db.session.connection()
        for chunk in _chunks(mutation_ids, _CHUNK):
            for mutation_id, version in connection.execute(_APPLIED_IDS, {"ids": chunk}):
                self.seen_ids[mutation_id] = version

    def load_records(self, keys: list) -> None:
        """Read the given ``(entity, id)`` records into the batch (each key once per push)."""
        keys = [k for k in keys if k not in self.loaded]
        self.loaded.update(keys)
        by_entity: dict[str, list[str]] = {}
        for entity, entity_id in keys:
            by_entity.setdefault(entity, []).append(entity_id)
        connection = db.session.connection()
        for entity, ids in by_entity.items():
            for chunk in _chunks(ids, _CHUNK):
                for row in connection.execute(_RECORDS, {"entity": entity, "ids": chunk}).mappings():
                    key = (row["entity"], row["entity_id"])
                    self.rows[key] = dict(row)
                    self.states[key] = EntityState(row["data"], row["clocks"], row["version"], row["deleted"])

    def state_of(self, entity: str, entity_id: str) -> EntityState | None:
        """A record's state in this push (loaded on first use); None when it does not exist."""
        key = (entity, entity_id)
        if key not in self.loaded:
            self.load_records([key])
        return self.states.get(key)

    def note_applied(self, m: Mutation, *, entity: str, entity_id: str, data: dict) -> None:
        """Remember a mutation that changed no record (resolve, read) as applied, and audit it."""
        self.seen_ids[m.id] = None
        self.audit(m, entity=entity, entity_id=entity_id, data=data, status="applied", version=None)

    def audit(self, m: Mutation, *, entity: str, entity_id: str, data: dict, status: str,
              version: int | None) -> None:
        """Queue the audit entry of an applied mutation (it also answers the mutation's retries)."""
        self.audits.append({
            "actor": self.scope.username, "actor_id": self.scope.user_id, "device_id": m.device_id,
            "action": f"{m.entity}.{m.op}", "entity": entity, "entity_id": entity_id, "mutation_id": m.id,
            "data": data, "status": status, "version": version,
        })


def result(mutation_id, status, **extra) -> dict:
    """One mutation's answer in the push contract; ``None`` extras are left out."""
    out = {"id": mutation_id, "status": status}
    for key, value in extra.items():
        if value is not None:
            out[key] = value
    return out


def rejected(mutation_id, code, message, details=None) -> dict:
    """The answer of a mutation that was refused and changed nothing."""
    return result(mutation_id, "rejected", error=error_body(code, message, details))


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
