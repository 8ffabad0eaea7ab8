"""What the chaos tests share: the properties every run must end with, and its summary.

``GRIDWALK_CHAOS_EXAMPLES`` sets the number of hypothesis scenarios per
database (15 by default, so that ``make test`` stays within a minute);
``GRIDWALK_CHAOS_SEED`` draws other scenarios than the fixed default ones.
How many ran, how long it took and what was injected is written at the end
of the pytest session.

The properties are checked from plain data (what the devices recorded, the
server's records, conflicts, applied mutations and audit counts), so that the
in-process scenarios and the live-server crash test share them. Whether one
device "saw" another's write is the protocol's notion: its mutation's base
version is at least the version at which that write landed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from sync.entities import SCALAR, SET, entity_spec
from sync.mutation import Mutation

LINES: list[str] = []


def examples() -> int:
    """Scenarios per database: a bounded number in `make test`, more with GRIDWALK_CHAOS_EXAMPLES."""
    return int(os.environ.get("GRIDWALK_CHAOS_EXAMPLES", "15"))


def chaos_seed() -> int | None:
    """A seed for other scenarios than the fixed default ones (GRIDWALK_CHAOS_SEED), or None."""
    value = os.environ.get("GRIDWALK_CHAOS_SEED")
    return int(value) if value else None


def record_line(line: str) -> None:
    """Print a line about a chaos run (seen with ``-s``) and repeat it in the session summary."""
    print(line)
    LINES.append(line)


def record_run(backend: str, scenarios: int, seconds: float, faults: dict[str, int]) -> None:
    """Remember how many scenarios ran on a database, how long they took and what they injected."""
    injected = ", ".join(f"{name} {n}" for name, n in sorted(faults.items()))
    record_line(f"chaos: {scenarios} scenarios on {backend} in {seconds:.1f} s (requests: {injected})")


def pytest_terminal_summary(terminalreporter):
    for line in LINES:
        terminalreporter.write_line(line)


# --- the properties (b) and (c) of tests/chaos/test_convergence.py, from plain data ---------


@dataclass
class History:
    """What one device recorded, in order, and what the server rejected of it (id -> code).

    ``sources`` holds the status the phone showed when it recorded each transition.
    """

    device: str
    recorded: list[Mutation]
    rejected: dict[str, str]
    sources: dict[str, str] = field(default_factory=dict)


def same_json(a, b) -> bool:
    """JSON equality (so that 1, 1.0 and true stay different values)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def assert_nothing_lost(histories: list[History], records: dict, conflicts: list[dict], applied: dict,
                        audits: dict, allowed_rejections: dict) -> None:
    """No mutation lost or applied twice, and every losing value kept as a conflict.

    ``records`` are the server's records as pulled (``{(entity, id): {"version",
    "deleted", "data"}}``), ``conflicts`` what GET /api/conflicts lists,
    ``applied`` the server's applied mutations (``{id: {"status", "version"}}``),
    ``audits`` the number of audit entries per mutation id, and
    ``allowed_rejections`` the error codes a scenario may cause, by op.
    """
    assert_applied_once(histories, applied, audits, allowed_rejections)
    open_conflicts = {(c["entity_id"], c["field"], c["kind"], c["losing"].get("mutation")): c for c in conflicts}
    recorded = {m.id: m for h in histories for m in h.recorded}
    sources = {i: status for h in histories for i, status in h.sources.items()}
    for c in conflicts:
        assert c["losing"].get("mutation") in recorded, c
        record = records[(c["entity"], c["entity_id"])]
        now = record["deleted"] if c["field"] == "deleted" else record["data"].get(c["field"])
        assert same_json(c["kept"]["value"], now), ("the conflict shows a kept value the record does not hold", c)
        if c["kind"] == "concurrent_write":
            assert not same_json(c["losing"]["value"], now), ("a conflict whose losing value is the kept one", c)

    def at(m: Mutation) -> int:
        return applied[m.id]["version"]

    def saw(x: Mutation, y: Mutation) -> bool:
        """Whether the device writing x had pulled y's write (the protocol's notion of 'seen')."""
        return x.id in applied and x.base_version is not None and x.base_version >= at(y)

    def kept(key: tuple) -> dict | None:
        return open_conflicts.get(key)

    writes: dict[tuple, list[tuple[str, Mutation]]] = {}
    for h in histories:
        for m in h.recorded:
            if m.id in applied:
                writes.setdefault((m.entity, m.entity_id), []).append((h.device, m))
    for (entity, entity_id), ws in writes.items():
        record = records[(entity, entity_id)]
        spec = entity_spec(entity)
        for name, kind in spec.fields.items():
            if kind == SCALAR:
                _check_scalar(entity_id, name, record, ws, saw, kept)
            elif kind == SET:
                _check_set(entity_id, name, record, ws, saw, kept)
        if spec.state_machine is not None:
            _check_transitions(spec.state_machine, entity_id, record, ws, applied, sources, kept)
        if record["deleted"]:
            _check_deleted(entity_id, ws, saw, kept)


def assert_applied_once(histories, applied: dict, audits: dict, allowed_rejections: dict) -> None:
    ids = [m.id for h in histories for m in h.recorded]
    assert len(set(ids)) == len(ids)
    assert set(applied) <= set(ids), "the server applied mutations nobody recorded"
    assert set(audits) == set(applied), "audit entries and applied mutations differ"
    assert all(n == 1 for n in audits.values()), {i: n for i, n in audits.items() if n != 1}
    for h in histories:
        for m in h.recorded:
            if m.id not in applied:
                code = h.rejected.get(m.id)
                assert code in allowed_rejections.get(m.op, ()), (h.device, m, code or "never answered")


def _last_by_device(ws, wanted):
    last = {}
    for device, m in ws:
        if wanted(m):
            last[device] = m
    return last


def _check_scalar(entity_id, name, record, ws, saw, kept) -> None:
    touched = [(d, m) for d, m in ws if name in m.data]
    for device, last in _last_by_device(touched, lambda m: True).items():
        if same_json(record["data"].get(name), last.data[name]):
            continue
        if any(d != device and saw(m, last) for d, m in touched):
            continue  # overwritten by someone who had seen it
        conflict = kept((entity_id, name, "concurrent_write", last.id))
        assert conflict is not None, (f"{device}'s {name}={last.data[name]!r} lost to {record['data'].get(name)!r} "
                                      f"on {entity_id} without a conflict")
        assert same_json(conflict["losing"]["value"], last.data[name]), conflict


def _set_ops(m: Mutation, name: str) -> list[tuple[str, str]]:
    value = m.data.get(name)
    if value is None:
        return []
    if isinstance(value, list):
        return [("add", e) for e in value]
    return [(kind, e) for kind in ("add", "remove") for e in value.get(kind, [])]


def _check_set(entity_id, name, record, ws, saw, kept) -> None:
    present = set(record["data"].get(name) or [])
    ops: dict[str, list[tuple[str, str, Mutation]]] = {}
    for device, m in ws:
        for kind, element in _set_ops(m, name):
            ops.setdefault(element, []).append((device, kind, m))
    for element, element_ops in ops.items():
        last = {device: (kind, m) for device, kind, m in element_ops}
        for device, (kind, m) in last.items():
            others = [(k, o) for d, k, o in element_ops if d != device]
            if kind == "add" and element not in present:
                assert any(k == "remove" and saw(o, m) for k, o in others), (
                    f"{device}'s add of {element} to {name} of {entity_id} vanished")
            if kind == "remove" and element in present:
                knowingly_added = any(k == "add" and saw(o, m) for k, o in others)
                assert knowingly_added or kept((entity_id, name, "set_remove", m.id)), (
                    f"{device}'s removal of {element} from {name} of {entity_id} lost without a conflict")


def _check_transitions(machine, entity_id, record, ws, applied, sources, kept) -> None:
    def target(m: Mutation) -> str:
        return machine.transition(m.op).target

    moves = [(d, m) for d, m in ws if m.op in machine.ops]
    for device, last in _last_by_device(moves, lambda m: True).items():
        listed = kept((entity_id, machine.field, "invalid_transition", last.id))
        if applied[last.id]["status"] == "conflict" and not record["deleted"]:
            assert listed, f"{device}'s {last.op} of {entity_id} answered conflict, but none is listed"
        if listed or record["data"].get(machine.field) == target(last):
            continue
        # Otherwise the state it asked for was reached, and left later by a
        # move made on a phone that showed that state.
        landed = applied[last.id]["version"]
        assert any(applied[m.id]["version"] > landed and sources.get(m.id) == target(last) for _, m in moves), (
            f"{device}'s {last.op} of {entity_id} lost without a conflict")


def _check_deleted(entity_id, ws, saw, kept) -> None:
    deletes = [(d, m) for d, m in ws if m.op == "delete"]
    for device, last in _last_by_device(ws, lambda m: m.op != "delete").items():
        unseen = any(d != device and not saw(last, m) and not saw(m, last) for d, m in deletes)
        if unseen:
            assert kept((entity_id, "deleted", "update_deleted", last.id)), (
                f"{device}'s {last.op} of deleted {entity_id} lost without a conflict")
