"""Merge one mutation into a record's state, and say which conflicts it leaves.

The state of a record is its ``data`` plus ``clocks``: the writes that explain
the data. Every write is remembered as a *stamp* ``{hlc, mutation, device,
actor, base, at}`` where ``base`` is the mutation's base version (the version
of the record its device had seen; None = nothing) and ``at`` the version at
which it landed here. Write X *saw* write Y when ``X.base >= Y.at``; a device
always saw its own earlier writes (lower HLC).

Rules, per field kind (``sync.entities``):

* **SCALAR** — the clocks keep, per field, the latest write of every device
  that wrote it. The value is the one with the highest ``(hlc, mutation id)``,
  whatever the arrival order. A device's write that lost to another device's
  value, and that no other device's write saw, is a ``concurrent_write``
  conflict. So a device overwriting its own value is never a conflict, and a
  device's newer write replaces (supersedes) its older losing one.
* **SET** — an observed-remove set where adds win. Each add is a tag (one per
  mutation and element); a remove deletes only the tags it observed: those
  that landed at or before its base version, and its own device's earlier
  adds. An element is present while any tag survives. Adds win because a
  photo or a linked report someone added is worth more than a removal made
  without seeing it; the removal is not dropped silently either: it becomes a
  ``set_remove`` conflict while the element stays present because of another
  device's add that the remove did not see and that did not see the remove.
  Elements are listed in the order they were added (by HLC, then as listed
  in the mutation).
* **STATE** — moved only by transition ops. A transition is applied when the
  current state allows it and no other device moved the state since the
  transition's base version. When another device did (the two raced), it is
  not applied but kept as an ``invalid_transition`` conflict, unless the state
  already is its target; its other fields still merge. This is stricter than
  "allowed from the current state": ``approve`` and ``return`` raced from
  ``submitted`` give exactly one winner in either order, even though
  ``return`` is also allowed from ``approved``. A transition that is not
  allowed and did not race is an ``invalid_state`` error and changes nothing.
  Mutations built by the server for a caller who sees the record as it is now
  should carry its current version as base version.
* **delete** — a tombstone: ``deleted`` becomes true forever. Later writes
  still merge into the tombstone's data (nothing typed is lost); the latest
  write of another device that did not see the delete, and that the delete
  did not see, is an ``update_deleted`` conflict.

Conflicts are a function of the state: :func:`live_conflicts`. ``merge``
reports the difference between before and after, so a server that upserts
``conflicts`` by id (clearing any superseded mark) and marks ``superseded`` ids
holds exactly the live conflicts of each record whatever the arrival order.
Conflict ids are uuid5 over the record, field, kind and losing mutation (and
element, for sets), so recording one twice is idempotent.

Merging the same mutation twice changes nothing the second time.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from typing import Any, Iterable

from sync.entities import CREATE, DELETE, PARAM, SCALAR, SET, EntitySpec, entity_spec
from sync.jsondata import copy_json
from sync.mutation import Mutation

CONCURRENT_WRITE = "concurrent_write"
INVALID_TRANSITION = "invalid_transition"
SET_REMOVE = "set_remove"
UPDATE_DELETED = "update_deleted"
# The `field` of an update_deleted conflict (it concerns the whole record).
DELETED_FIELD = "deleted"

CONFLICT_NAMESPACE = uuid.UUID("6b0f7c8e-3d1a-5e4b-9c2f-7a1d2e3f4b5c")


@dataclass
class EntityState:
    """A record's merged data, the clocks that explain it, its version and tombstone."""

    data: dict
    clocks: dict
    version: int = 0
    deleted: bool = False

    def to_dict(self) -> dict:
        """A JSON-serialisable copy."""
        return {
            "data": copy.deepcopy(self.data),
            "clocks": copy.deepcopy(self.clocks),
            "version": self.version,
            "deleted": self.deleted,
        }

    @classmethod
    def from_dict(cls, raw: dict) -> EntityState:
        """The inverse of :meth:`to_dict`."""
        return cls(
            data=copy.deepcopy(raw.get("data") or {}),
            clocks=copy.deepcopy(raw.get("clocks") or {}),
            version=int(raw.get("version", 0)),
            deleted=bool(raw.get("deleted", False)),
        )


@dataclass(frozen=True)
class Conflict:
    """A value (or transition, removal, edit) that lost and is kept for the huddle."""

    id: str
    entity: str
    entity_id: str
    field: str
    kind: str
    losing: dict

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "field": self.field,
            "kind": self.kind,
            "losing": copy.deepcopy(self.losing),
        }


@dataclass(frozen=True)
class MergeResult:
    """What merging one mutation did.

    ``conflicts`` are to be upserted by id (an upsert also clears a superseded
    mark), ``superseded`` are ids of earlier conflicts that no longer hold.
    ``error`` is ``(code, message)`` when the mutation could not apply; then
    ``state`` is the input state (an empty one for a missing record) and
    nothing changed.
    """

    state: EntityState
    changed: bool
    conflicts: tuple[Conflict, ...] = ()
    superseded: tuple[str, ...] = ()
    error: tuple[str, str] | None = None


# --- stamps -----------------------------------------------------------------


def _stamp(m: Mutation, at: int) -> dict:
    return {
        "hlc": m.hlc,
        "mutation": m.id,
        "device": m.device_id,
        "actor": m.actor,
        "base": m.base_version,
        "at": at,
    }


def _key(stamp: dict) -> tuple[str, str]:
    return stamp["hlc"], stamp["mutation"]


def _saw(x: dict, y: dict) -> bool:
    """Whether write ``x`` was made by a device that had seen write ``y``."""
    if x["device"] == y["device"]:
        return _key(x) > _key(y)
    return x["base"] is not None and x["base"] >= y["at"]


_PLAIN = frozenset((str, int, bool, type(None)))


def _same(a: Any, b: Any) -> bool:
    """JSON equality (so that ``1``, ``1.0`` and ``true`` stay different values)."""
    if type(a) is type(b) and type(a) in _PLAIN:
        return a == b
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _empty_clocks() -> dict:
    return {"fields": {}, "sets": {}, "state": {"history": [], "lost": []}, "writes": {}, "deletes": {}}


def _clocks(state: EntityState, *, writable: bool = True) -> dict:
    """The state's clocks with every section present.

    Writable clocks are copied on write: each section is a new container, but
    what it holds is shared with ``state`` and must be replaced, never changed
    in place (the writers below copy the part of the path they change). A full
    copy of the clocks on every merge was the most expensive step of an edit.
    """
    clocks = _empty_clocks()
    clocks.update(state.clocks)
    if writable:
        for section in ("fields", "sets", "writes", "deletes"):
            clocks[section] = dict(clocks[section])
        old_state = clocks["state"]
        clocks["state"] = {**old_state, "history": list(old_state.get("history", [])),
                           "lost": list(old_state.get("lost", []))}
    return clocks


# --- applying writes ----------------------------------------------------------


def _write_scalar(data: dict, clocks: dict, name: str, value: Any, stamp: dict) -> None:
    old = clocks["fields"].get(name)
    if not old:
        # The first write of the field: it is the value.
        clocks["fields"][name] = {stamp["device"]: {**stamp, "value": copy_json(value)}}
        data[name] = copy_json(value)
        return
    current = old.get(stamp["device"])
    if current is not None and _key(current) >= _key(stamp):
        return  # this device already wrote something newer (or this very write)
    entries = dict(old)
    entries[stamp["device"]] = {**stamp, "value": copy_json(value)}
    clocks["fields"][name] = entries
    data[name] = copy_json(max(entries.values(), key=_key)["value"])


def _surviving_adds(element: dict) -> list[dict]:
    removes = element["remove"].values()
    return [t for t in element["add"].values() if not any(_saw(r, t) for r in removes)]


def _set_value(tags: dict) -> list[str]:
    """The elements of a SET field's clocks, in order of their first surviving add."""
    present = []
    for name, element in tags.items():
        surviving = _surviving_adds(element)
        if surviving:
            present.append((min((*_key(t), t.get("pos", 0)) for t in surviving), name))
    return [name for _, name in sorted(present)]


def _write_set(data: dict, clocks: dict, name: str, value: Any, stamp: dict) -> None:
    if isinstance(value, dict):
        adds, removes = value.get("add", []), value.get("remove", [])
    else:
        adds, removes = value, []
    tags = dict(clocks["sets"].get(name, {}))
    for kind, elements in (("add", adds), ("remove", removes)):
        for pos, element in enumerate(elements):
            old = tags.get(element) or {"add": {}, "remove": {}}
            if stamp["mutation"] in old[kind]:
                continue
            entry = {**old, kind: dict(old[kind])}
            # `pos` keeps the elements of one add in the order the device listed them.
            entry[kind][stamp["mutation"]] = {**stamp, "pos": pos}
            tags[element] = entry
    clocks["sets"][name] = tags
    data[name] = _set_value(tags)


def _write_data(spec: EntitySpec, data: dict, clocks: dict, m: Mutation, stamp: dict) -> None:
    kinds = spec.fields
    for name, value in m.data.items():
        kind = kinds.get(name)
        if kind == SCALAR:
            _write_scalar(data, clocks, name, value, stamp)
        elif kind == SET:
            _write_set(data, clocks, name, value, stamp)
        elif kind == PARAM:
            continue  # read by the transition, not stored
        elif kind is None or m.op != CREATE:
            # Only a create may name the state field; parse_mutation enforces it.
            raise ValueError(f"{spec.name}.{name} cannot be written by {m.op!r}; use parse_mutation")


def _remember_write(clocks: dict, m: Mutation, stamp: dict) -> None:
    """Keep each device's latest non-delete write, in case the record is (or was) deleted."""
    current = clocks["writes"].get(m.device_id)
    if current is None or _key(current) < _key(stamp):
        clocks["writes"][m.device_id] = {**stamp, "op": m.op, "data": copy_json(m.data)}


def _known_transition(state_clocks: dict, mutation_id: str) -> bool:
    return any(e["mutation"] == mutation_id for e in state_clocks["history"] + state_clocks["lost"])


def _apply_state(spec: EntitySpec, data: dict, clocks: dict, m: Mutation, stamp: dict, exists: bool):
    """Move the STATE field for a create or transition; returns an error or None."""
    machine = spec.state_machine
    if machine is None or _known_transition(clocks["state"], m.id):
        return None
    current = data.get(machine.field)
    if m.op == CREATE:
        wanted = m.data.get(machine.field, machine.initial)
        if not exists:
            data[machine.field] = wanted
            clocks["state"]["history"].append({**stamp, "op": CREATE, "from": None, "to": wanted})
        elif m.data.get(machine.field) is not None and wanted != current:
            clocks["state"]["lost"].append({**stamp, "op": CREATE, "to": wanted})
        return None
    transition = machine.transition(m.op, m.data)
    if transition is None:
        return None
    raced = any(
        h["device"] != m.device_id
        and h["op"] != CREATE
        and h["from"] != h["to"]
        and (m.base_version is None or h["at"] > m.base_version)
        for h in clocks["state"]["history"]
    )
    if raced and current != transition.target:
        clocks["state"]["lost"].append({**stamp, "op": m.op, "to": transition.target})
    elif current in transition.sources or raced:
        clocks["state"]["history"].append(
            {**stamp, "op": m.op, "from": current, "to": transition.target}
        )
        data[machine.field] = transition.target
    else:
        return ("invalid_state", f"cannot {m.op} a {spec.name} that is {current}")
    return None


# --- conflicts ----------------------------------------------------------------


def _conflict_id(entity: str, entity_id: str, name: str, kind: str, *parts: str) -> str:
    return str(uuid.uuid5(CONFLICT_NAMESPACE, "\x1f".join((entity, entity_id, name, kind, *parts))))


def _losing(stamp: dict, value: Any, **extra: Any) -> dict:
    return {
        "value": copy.deepcopy(value),
        "hlc": stamp["hlc"],
        "device": stamp["device"],
        "actor": stamp["actor"],
        "mutation": stamp["mutation"],
        **extra,
    }


def _scalar_conflicts(name: str, entries: dict) -> Iterable[tuple[str, str, dict, tuple]]:
    if len(entries) < 2:
        return  # one device's writes never conflict with each other
    winner = max(entries.values(), key=_key)
    for write in entries.values():
        if write["device"] == winner["device"] or _same(write["value"], winner["value"]):
            continue
        if any(_saw(other, write) for other in entries.values() if other is not write):
            continue  # someone overwrote it knowingly
        yield name, CONCURRENT_WRITE, _losing(write, write["value"]), (write["mutation"],)


def _set_conflicts(name: str, tags: dict) -> Iterable[tuple[str, str, dict, tuple]]:
    for element, entry in tags.items():
        surviving = _surviving_adds(entry)
        for remove in entry["remove"].values():
            own = [s for s in (*entry["add"].values(), *entry["remove"].values())
                   if s["device"] == remove["device"]]
            if max(own, key=_key) is not remove:
                continue  # the device added or removed it again since
            if any(t["device"] != remove["device"] and not _saw(t, remove) for t in surviving):
                value = {"remove": [element]}
                yield name, SET_REMOVE, _losing(remove, value), (remove["mutation"], element)


def _transition_conflicts(name: str, state_clocks: dict) -> Iterable[tuple[str, str, dict, tuple]]:
    moves = [h for h in state_clocks["history"] if h["op"] != CREATE] + state_clocks["lost"]
    for lost in state_clocks["lost"]:
        if any(o["device"] == lost["device"] and _key(o) > _key(lost) for o in moves):
            continue  # the device has moved on since
        yield name, INVALID_TRANSITION, _losing(lost, lost["to"], op=lost["op"]), (lost["mutation"],)


def _deleted_conflicts(clocks: dict) -> Iterable[tuple[str, str, dict, tuple]]:
    deletes = list(clocks["deletes"].values())
    for write in clocks["writes"].values():
        if any(
            d["device"] != write["device"] and not _saw(write, d) and not _saw(d, write)
            for d in deletes
        ):
            losing = _losing(write, write["data"], op=write["op"])
            yield DELETED_FIELD, UPDATE_DELETED, losing, (write["mutation"],)


def live_conflicts(
    entity: str, entity_id: str, state: EntityState | None, fields: frozenset[str] | None = None
) -> dict[str, Conflict]:
    """Every conflict that holds for this state of a record, by id.

    With ``fields``, only the scalar and set fields named there are examined
    (transition and delete conflicts always are): merge compares the before
    and after of just the fields a mutation wrote, whose conflicts are the
    only ones that can change.
    """
    if state is None:
        return {}
    spec = entity_spec(entity)
    clocks = _clocks(state, writable=False)
    found = [
        *(c for name, entries in clocks["fields"].items() if fields is None or name in fields
          for c in _scalar_conflicts(name, entries)),
        *(c for name, tags in clocks["sets"].items() if fields is None or name in fields
          for c in _set_conflicts(name, tags)),
    ]
    if spec is not None and spec.state_machine is not None:
        found.extend(_transition_conflicts(spec.state_machine.field, clocks["state"]))
    if state.deleted:
        found.extend(_deleted_conflicts(clocks))
    out = {}
    for name, kind, losing, parts in found:
        cid = _conflict_id(entity, entity_id, name, kind, *parts)
        out[cid] = Conflict(cid, entity, entity_id, name, kind, losing)
    return out


def kept_write(entity: str, state: EntityState, name: str) -> dict | None:
    """Who wrote the value a record keeps for ``name``, for showing next to a conflict.

    ``{"value", "hlc", "device", "actor", "mutation"}`` for a scalar field, the
    state field (its last move) or ``"deleted"`` (the first delete); None when
    nothing is known, and for set fields, whose value has no single writer.
    """
    spec = entity_spec(entity)
    clocks = _clocks(state, writable=False)
    if name == DELETED_FIELD and state.deleted and clocks["deletes"]:
        return _losing(min(clocks["deletes"].values(), key=_key), True)
    if spec is not None and spec.state_machine is not None and name == spec.state_machine.field:
        moves = [h for h in clocks["state"]["history"] if h["from"] != h["to"]]
        return _losing(moves[-1], state.data.get(name)) if moves else None
    entries = clocks["fields"].get(name)
    if not entries:
        return None
    winner = max(entries.values(), key=_key)
    return _losing(winner, winner["value"])


def set_adders(clocks: dict, name: str, element: str) -> list[str]:
    """Who keeps ``element`` in the SET field ``name``: the actors of its surviving adds, oldest first.

    Empty when the element is not present (or the clocks hold no tags for it).
    """
    entry = (clocks.get("sets") or {}).get(name, {}).get(element)
    if not entry:
        return []
    actors: list[str] = []
    for tag in sorted(_surviving_adds(entry), key=_key):
        if tag.get("actor") and tag["actor"] not in actors:
            actors.append(tag["actor"])
    return actors


# --- merge --------------------------------------------------------------------


def merge(state: EntityState | None, mutation: Mutation) -> MergeResult:
    """Merge one (validated) mutation into a record's state; pure, never mutates ``state``."""
    spec = entity_spec(mutation.entity)
    if spec is None:
        raise ValueError(f"unknown entity {mutation.entity!r}")
    if state is None and mutation.op != CREATE:
        return MergeResult(
            EntityState({}, {}),
            False,
            error=("not_found", f"no {spec.name} {mutation.entity_id}"),
        )
    exists = state is not None
    before = state if state is not None else EntityState({}, _empty_clocks())
    # Values are replaced, never changed in place, so a shallow copy will do.
    data, clocks = dict(before.data), _clocks(before)
    deleted = before.deleted
    stamp = _stamp(mutation, before.version + 1)

    if not exists:
        for name, kind in spec.fields.items():
            if kind == SET:
                data[name] = []
    if mutation.op == DELETE:
        clocks["deletes"].setdefault(mutation.id, stamp)
        deleted = True
    else:
        error = _apply_state(spec, data, clocks, mutation, stamp, exists)
        if error is not None:
            return MergeResult(before, False, error=error)
        _write_data(spec, data, clocks, mutation, stamp)
        _remember_write(clocks, mutation, stamp)

    # A create always changes; only an edit needs the (deep) comparison.
    changed = not exists or (data, clocks, deleted) != (
        before.data, _clocks(before, writable=False), before.deleted
    )
    if not changed:
        return MergeResult(before, False)
    after = EntityState(data, clocks, before.version + 1, deleted)
    if not exists:
        # One write by one device holds no conflict of any kind.
        return MergeResult(state=after, changed=True)
    touched = frozenset(mutation.data)
    old = live_conflicts(spec.name, mutation.entity_id, state, touched)
    new = live_conflicts(spec.name, mutation.entity_id, after, touched)
    return MergeResult(
        state=after,
        changed=True,
        conflicts=tuple(c for cid, c in sorted(new.items()) if old.get(cid) != c),
        superseded=tuple(sorted(cid for cid in old if cid not in new)),
    )


def state_from_snapshot(
    entity: str, data: dict, *, version: int = 0, deleted: bool = False, device: str = ""
) -> EntityState:
    """A state for a record known only by its data: a client's pulled copy.

    Its values count as written before anything else by ``device`` (the
    client holding the copy), so that client's pending mutations merged on
    top of it win and its removes take out the elements it was shown.
    Conflicts computed from such a state mean nothing.
    """
    spec = entity_spec(entity)
    if spec is None:
        raise ValueError(f"unknown entity {entity!r}")
    stamp = {"hlc": "", "mutation": "", "device": device, "actor": "", "base": version, "at": 0}
    clocks = _empty_clocks()
    for name, value in data.items():
        kind = spec.kind(name)
        if kind == SCALAR:
            clocks["fields"][name] = {"": {**stamp, "value": copy.deepcopy(value)}}
        elif kind == SET and isinstance(value, list):
            # Ordered as pulled, and before any real (non-empty) HLC.
            clocks["sets"][name] = {
                e: {"add": {"": {**stamp, "pos": i}}, "remove": {}} for i, e in enumerate(value)
            }
        elif spec.state_machine is not None and name == spec.state_machine.field:
            clocks["state"]["history"].append({**stamp, "op": CREATE, "from": None, "to": value})
    return EntityState(copy.deepcopy(data), clocks, version, deleted)
