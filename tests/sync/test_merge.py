"""Merge rules: last writer wins per field, add-wins sets, state machines, tombstones, conflicts."""

from __future__ import annotations

import json
import uuid
from collections import deque
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.clockpack import PACKED_VERSION, pack, unpack
from sync.entities import ENTITIES, StateMachine, Transition
from sync.hlc import HybridLogicalClock, format_hlc
from sync.merge import EntityState, kept_write, live_conflicts, merge, set_adders, state_from_snapshot
from sync.mutation import Mutation, parse_mutation

NOW = 1_750_000_000_000
DAY_MS = 86_400_000
TICKET = "7d3c1a9e-5b2f-4c8d-9e1a-2b3c4d5e6f70"


def mutation(op, data=None, *, device="phone-a", wall=NOW, counter=0, base=None,
             entity="ticket", entity_id=TICKET, mutation_id=None) -> Mutation:
    return parse_mutation(
        {
            "id": mutation_id or str(uuid.uuid4()),
            "entity": entity,
            "entity_id": entity_id,
            "op": op,
            "hlc": format_hlc(wall, counter, device),
            "base_version": base,
            "data": data or {},
        },
        device_id=device,
        actor=f"user-of-{device}",
        allow_server_fields=True,
    )


def stored(state: EntityState) -> EntityState:
    """``state`` as the server reads it back: clocks packed, through JSON, unpacked."""
    packed = pack(state.clocks)
    assert packed.get("v") == PACKED_VERSION, "merge made clocks that do not pack"
    again = unpack(json.loads(json.dumps(packed)))
    assert again == state.clocks
    return EntityState(state.data, again, state.version, state.deleted)


@dataclass
class Server:
    """What the server does with merge results: one record and its conflict table."""

    state: EntityState | None = None
    dedupe: bool = True

    def __post_init__(self):
        self.table: dict = {}
        self.seen: set[str] = set()

    def apply(self, m: Mutation):
        if self.dedupe and m.id in self.seen:
            return None
        self.seen.add(m.id)
        result = merge(self.state, m)
        if result.changed:
            self.state = stored(result.state)
        for conflict in result.conflicts:
            self.table[conflict.id] = conflict
        for cid in result.superseded:
            self.table.pop(cid, None)
        return result

    def apply_all(self, mutations):
        for m in mutations:
            result = self.apply(m)
            assert result is None or result.error is None, result.error
        return self


def created(**data) -> Server:
    """A ticket created by the team lead, at version 1."""
    server = Server()
    server.apply(mutation("create", {"title": "Broken manhole", **data}, device="lead", wall=NOW - 1000))
    return server


# --- creating, missing records ---------------------------------------------------


def test_create_starts_in_the_initial_state_with_empty_sets():
    result = merge(None, mutation("create", {"title": "t"}))
    assert result.changed and result.error is None
    assert result.state.version == 1
    assert result.state.data == {"title": "t", "status": "draft", "report_ids": [], "resolution_photos": [],
                                 "verification_photos": [], "photos": []}


def test_create_may_start_in_a_creatable_state():
    m = mutation("create", {"status": "solved_on_site", "after_photos": ["h1"]}, entity="report")
    assert merge(None, m).state.data["status"] == "solved_on_site"


@pytest.mark.parametrize("op", ["update", "delete", "submit", "escalate"])
def test_changing_a_missing_record_is_not_found(op):
    result = merge(None, mutation(op))
    assert result.error[0] == "not_found"
    assert not result.changed


def test_create_on_an_existing_record_merges_like_an_update():
    server = created()
    server.apply(mutation("create", {"title": "Newer title", "report_ids": ["r9"]}, wall=NOW, base=None))
    assert server.state.data["title"] == "Newer title"
    assert server.state.data["report_ids"] == ["r9"]
    assert server.state.data["status"] == "draft"


def test_merge_does_not_touch_its_input_state():
    server = created(report_ids=["r1"])
    frozen = json.dumps(server.state.to_dict(), sort_keys=True)
    merge(server.state, mutation("update", {"title": "x", "report_ids": {"remove": ["r1"]}}, base=1))
    assert json.dumps(server.state.to_dict(), sort_keys=True) == frozen


def test_state_round_trips_through_json():
    server = created(report_ids=["r1"])
    server.apply(mutation("update", {"title": "x"}, base=1))
    again = EntityState.from_dict(json.loads(json.dumps(server.state.to_dict())))
    assert again == server.state


# --- scalar fields ---------------------------------------------------------------


def test_the_last_writer_by_hlc_wins_whatever_the_arrival_order():
    early = mutation("update", {"title": "early"}, device="phone-a", wall=NOW, base=1)
    late = mutation("update", {"title": "late"}, device="phone-b", wall=NOW + 5, base=1)
    for order in ([early, late], [late, early]):
        assert created().apply_all(order).state.data["title"] == "late"


def test_a_concurrent_losing_value_is_kept_as_a_conflict():
    loser = mutation("update", {"title": "mine"}, device="phone-a", wall=NOW, base=1)
    winner = mutation("update", {"title": "theirs"}, device="phone-b", wall=NOW + 5, base=1)
    server = created().apply_all([winner, loser])
    [conflict] = server.table.values()
    assert conflict.kind == "concurrent_write" and conflict.field == "title"
    assert conflict.entity == "ticket" and conflict.entity_id == TICKET
    assert conflict.losing == {
        "value": "mine",
        "hlc": loser.hlc,
        "device": "phone-a",
        "actor": "user-of-phone-a",
        "mutation": loser.id,
    }


def test_a_conflict_id_is_the_same_whoever_computes_it():
    loser = mutation("update", {"title": "mine"}, device="phone-a", wall=NOW, base=1)
    winner = mutation("update", {"title": "theirs"}, device="phone-b", wall=NOW + 5, base=1)
    one = created().apply_all([loser, winner]).table
    two = created().apply_all([winner, loser]).table
    assert one == two and len(one) == 1


def test_concurrent_writes_of_the_same_value_are_no_conflict():
    a = mutation("update", {"title": "same"}, device="phone-a", wall=NOW, base=1)
    b = mutation("update", {"title": "same"}, device="phone-b", wall=NOW + 5, base=1)
    assert created().apply_all([a, b]).table == {}


def test_a_device_overwriting_its_own_value_is_never_a_conflict():
    first = mutation("update", {"title": "first"}, device="phone-a", wall=NOW, base=1)
    second = mutation("update", {"title": "second"}, device="phone-a", wall=NOW + 1, base=1)
    server = created().apply_all([first, second])
    assert server.state.data["title"] == "second" and server.table == {}


def test_a_devices_later_write_wins_over_its_earlier_one_arriving_late():
    first = mutation("update", {"title": "first"}, device="phone-a", wall=NOW, base=1)
    second = mutation("update", {"title": "second"}, device="phone-a", wall=NOW + 1, base=1)
    result = created().apply_all([second]).apply(first)
    assert not result.changed
    assert result.state.data["title"] == "second"


def test_a_write_made_after_seeing_the_other_value_is_no_conflict():
    server = created()
    server.apply(mutation("update", {"title": "a"}, device="phone-a", wall=NOW, base=1))
    seen_at = server.state.version
    server.apply(mutation("update", {"title": "b"}, device="phone-b", wall=NOW + 5, base=seen_at))
    assert server.state.data["title"] == "b" and server.table == {}


def test_a_losing_devices_later_write_supersedes_its_earlier_conflict():
    server = created()
    server.apply(mutation("update", {"title": "winner"}, device="phone-b", wall=NOW + 50, base=1))
    server.apply(mutation("update", {"title": "try 1"}, device="phone-a", wall=NOW, base=1))
    [old] = server.table
    result = server.apply(mutation("update", {"title": "try 2"}, device="phone-a", wall=NOW + 10, base=1))
    assert result.superseded == (old,)
    [fresh] = server.table.values()
    assert fresh.id != old and fresh.losing["value"] == "try 2"

    result = server.apply(mutation("update", {"title": "try 3"}, device="phone-a", wall=NOW + 99, base=1))
    assert server.state.data["title"] == "try 3"
    assert fresh.id in result.superseded
    # phone-b's value now lost to a write that did not see it.
    [flipped] = server.table.values()
    assert flipped.losing["device"] == "phone-b" and flipped.losing["value"] == "winner"


def test_writing_the_kept_value_after_seeing_the_conflict_resolves_it():
    server = created()
    server.apply(mutation("update", {"title": "a"}, device="phone-a", wall=NOW, base=1))
    server.apply(mutation("update", {"title": "b"}, device="phone-b", wall=NOW + 5, base=1))
    assert len(server.table) == 1
    result = server.apply(mutation("update", {"title": "b"}, device="lead", wall=NOW + 9, base=server.state.version))
    assert server.table == {} and len(result.superseded) == 1


# --- set fields -------------------------------------------------------------------


def test_concurrent_adds_are_all_kept_in_the_order_they_were_added():
    a = mutation("update", {"report_ids": ["r2"]}, device="phone-a", wall=NOW + 5, base=1)
    b = mutation("update", {"report_ids": ["r3", "r0"]}, device="phone-b", wall=NOW, base=1)
    server = created(report_ids=["r1"]).apply_all([a, b])
    assert server.state.data["report_ids"] == ["r1", "r3", "r0", "r2"]
    assert server.table == {}


def test_removing_an_element_that_was_seen_removes_it():
    server = created(report_ids=["r1", "r2"])
    server.apply(mutation("update", {"report_ids": {"remove": ["r1"]}}, base=1))
    assert server.state.data["report_ids"] == ["r2"] and server.table == {}


def test_a_concurrent_add_wins_over_a_remove_and_the_remove_is_kept_as_a_conflict():
    remove = mutation("update", {"report_ids": {"remove": ["r1"]}}, device="phone-a", wall=NOW + 9, base=1)
    add = mutation("update", {"report_ids": ["r1"]}, device="phone-b", wall=NOW, base=1)
    for order in ([remove, add], [add, remove]):
        server = created(report_ids=["r1"]).apply_all(order)
        assert server.state.data["report_ids"] == ["r1"]
        [conflict] = server.table.values()
        assert conflict.kind == "set_remove" and conflict.field == "report_ids"
        assert conflict.losing["value"] == {"remove": ["r1"]}
        assert conflict.losing["mutation"] == remove.id


def test_the_adders_of_an_element_are_those_whose_adds_keep_it_present_oldest_first():
    server = created(report_ids=["r1"])
    assert set_adders(server.state.clocks, "report_ids", "r1") == ["user-of-lead"]
    again = mutation("update", {"report_ids": ["r1", "r2"]}, device="phone-b", wall=NOW, base=1)
    server.apply(again)
    assert set_adders(server.state.clocks, "report_ids", "r1") == ["user-of-lead", "user-of-phone-b"]
    # The lead removes it having seen only its own add: the other add keeps it, and its adder.
    server.apply(mutation("update", {"report_ids": {"remove": ["r1"]}}, device="lead", wall=NOW + 5, base=1))
    assert server.state.data["report_ids"] == ["r1", "r2"]
    assert set_adders(server.state.clocks, "report_ids", "r1") == ["user-of-phone-b"]
    server.apply(mutation("update", {"report_ids": {"remove": ["r1"]}}, device="lead", wall=NOW + 9, base=2))
    assert set_adders(server.state.clocks, "report_ids", "r1") == []
    assert set_adders(server.state.clocks, "report_ids", "never-added") == []
    assert set_adders({}, "report_ids", "r2") == []


def test_a_devices_own_add_then_remove_leaves_the_element_out_in_any_order():
    add = mutation("update", {"report_ids": ["r5"]}, device="phone-a", wall=NOW, base=1)
    remove = mutation("update", {"report_ids": {"remove": ["r5"]}}, device="phone-a", wall=NOW + 1, base=1)
    for order in ([add, remove], [remove, add]):
        server = created().apply_all(order)
        assert server.state.data["report_ids"] == [] and server.table == {}


def test_an_add_made_after_seeing_a_remove_is_no_conflict():
    server = created(report_ids=["r1"])
    server.apply(mutation("update", {"report_ids": {"remove": ["r1"]}}, device="phone-a", base=1))
    server.apply(mutation("update", {"report_ids": ["r1"]}, device="phone-b", wall=NOW + 1, base=2))
    assert server.state.data["report_ids"] == ["r1"] and server.table == {}


# --- state machine ---------------------------------------------------------------


def submitted() -> Server:
    server = created()
    server.apply(mutation("submit", device="lead", wall=NOW, base=1))
    assert server.state.data["status"] == "submitted"
    return server


def test_an_allowed_transition_is_applied_with_its_fields():
    server = submitted()
    server.apply(mutation("return", {"reason": "wrong grid"}, device="street", wall=NOW + 1, base=2))
    assert server.state.data["status"] == "returned"
    assert server.state.data["reason"] == "wrong grid"


def test_a_transition_the_state_does_not_allow_is_an_error_that_changes_nothing():
    server = submitted()
    before = server.state
    result = merge(before, mutation("acknowledge", {"reason": "x"}, device="dept", wall=NOW + 1, base=2))
    assert result.error[0] == "invalid_state"
    assert not result.changed and result.state is before and result.conflicts == ()


def test_a_raced_transition_becomes_a_conflict_but_its_fields_still_merge():
    server = submitted()
    server.apply(mutation("approve", device="street-a", wall=NOW + 1, base=2))
    result = server.apply(mutation("return", {"reason": "blurry"}, device="street-b", wall=NOW + 2, base=2))
    assert result.error is None
    assert server.state.data["status"] == "approved"
    assert server.state.data["reason"] == "blurry"
    [conflict] = server.table.values()
    assert conflict.kind == "invalid_transition" and conflict.field == "status"
    assert conflict.losing["value"] == "returned" and conflict.losing["op"] == "return"


def test_two_devices_making_the_same_transition_is_no_conflict():
    server = submitted()
    server.apply(mutation("approve", device="street-a", wall=NOW + 1, base=2))
    result = server.apply(mutation("approve", device="street-b", wall=NOW + 2, base=2))
    assert result.error is None and server.table == {}
    assert server.state.data["status"] == "approved"


def test_a_devices_own_consecutive_transitions_never_race():
    server = Server()
    server.apply(mutation("create", {"description": "d"}, entity="report", device="phone-a"))
    server.apply(mutation("handoff", entity="report", device="phone-a", wall=NOW + 1))
    server.apply(mutation("solve", entity="report", device="phone-a", wall=NOW + 2))
    assert server.state.data["status"] == "solved_on_site" and server.table == {}


def test_a_lost_transition_is_superseded_when_its_device_moves_on():
    server = submitted()
    server.apply(mutation("approve", device="street-a", wall=NOW + 1, base=2))
    server.apply(mutation("return", device="street-b", wall=NOW + 2, base=2))
    assert len(server.table) == 1
    result = server.apply(mutation("dispatch", {"department": "cg"}, device="street-b", wall=NOW + 3, base=3))
    assert server.state.data["status"] == "dispatched"
    assert server.table == {} and len(result.superseded) == 1


def test_a_transition_applied_twice_is_applied_once():
    server = submitted()
    approve = mutation("approve", device="street-a", wall=NOW + 1, base=2)
    server.apply(approve)
    server.apply(mutation("dispatch", {"department": "cg"}, device="street-a", wall=NOW + 2, base=3))
    result = merge(server.state, approve)
    assert result.error is None and not result.changed
    assert result.state.data["status"] == "dispatched"


# --- delete ---------------------------------------------------------------------------


def test_delete_leaves_a_tombstone_and_bumps_the_version():
    server = created()
    server.apply(mutation("delete", device="lead", wall=NOW, base=1))
    assert server.state.deleted and server.state.version == 2
    assert server.state.data["title"] == "Broken manhole"


def test_an_update_concurrent_with_a_delete_is_merged_and_kept_as_a_conflict():
    delete = mutation("delete", device="lead", wall=NOW + 5, base=1)
    update = mutation("update", {"title": "still broken"}, device="phone-a", wall=NOW, base=1)
    for order in ([delete, update], [update, delete]):
        server = created().apply_all(order)
        assert server.state.deleted
        assert server.state.data["title"] == "still broken"
        [conflict] = server.table.values()
        assert conflict.kind == "update_deleted" and conflict.field == "deleted"
        assert conflict.losing["value"] == {"title": "still broken"}
        assert conflict.losing["op"] == "update"


def test_an_update_made_after_seeing_the_delete_is_no_conflict():
    server = created()
    server.apply(mutation("delete", device="lead", wall=NOW, base=1))
    server.apply(mutation("update", {"title": "noted"}, device="phone-a", wall=NOW + 1, base=2))
    assert server.state.deleted and server.table == {}


def test_the_deleting_devices_own_edits_are_no_conflict():
    server = created()
    server.apply(mutation("update", {"title": "x"}, device="lead", wall=NOW, base=1))
    server.apply(mutation("delete", device="lead", wall=NOW + 1, base=1))
    assert server.table == {}


# --- idempotence -----------------------------------------------------------------------


def test_merging_the_same_mutation_twice_changes_nothing_the_second_time():
    server = created(report_ids=["r1"])
    m = mutation("update", {"title": "x", "report_ids": {"add": ["r2"], "remove": ["r1"]}}, base=1)
    first = server.apply(m)
    again = merge(first.state, m)
    assert not again.changed and again.state.version == first.state.version
    assert again.conflicts == () and again.superseded == ()


# --- who wrote what is kept ----------------------------------------------------------


def test_kept_write_names_who_wrote_the_value_a_conflict_lost_to():
    server = submitted()
    winner = mutation("update", {"title": "theirs"}, device="phone-b", wall=NOW + 5, base=2)
    server.apply_all([mutation("update", {"title": "mine"}, device="phone-a", wall=NOW, base=2), winner])
    kept = kept_write("ticket", server.state, "title")
    assert kept == {"value": "theirs", "hlc": winner.hlc, "device": "phone-b",
                    "actor": "user-of-phone-b", "mutation": winner.id}
    assert kept_write("ticket", server.state, "status")["device"] == "lead"
    assert kept_write("ticket", server.state, "severity") is None
    assert kept_write("ticket", server.state, "deleted") is None
    server.apply(mutation("delete", device="lead", wall=NOW + 9, base=3))
    assert kept_write("ticket", server.state, "deleted")["value"] is True


# --- properties ----------------------------------------------------------------------------

SCALARS = ("title", "category", "severity")
SETS = ("report_ids", "resolution_photos")
ELEMENTS = ("r1", "r2", "r3")
VALUES = ("a", "b", "c")


def _set_edit(actions: dict):
    adds = [e for e, action in actions.items() if action == "add"]
    removes = [e for e, action in actions.items() if action == "remove"]
    return {"add": adds, "remove": removes} if removes else adds


set_edits = st.dictionaries(st.sampled_from(ELEMENTS), st.sampled_from(["add", "remove"]), max_size=3).map(_set_edit)
scalar_edits = st.dictionaries(st.sampled_from(SCALARS), st.sampled_from(VALUES))
set_fields = st.dictionaries(st.sampled_from(SETS), set_edits, max_size=2)
skews = st.integers(min_value=-DAY_MS, max_value=DAY_MS)


@st.composite
def concurrent_edits(draw):
    """A create by the lead, then updates from skewed devices that all saw version 1."""
    n_devices = draw(st.integers(min_value=2, max_value=4))
    clocks = []
    for i, skew in enumerate(draw(st.lists(skews, min_size=n_devices, max_size=n_devices))):
        t = [NOW + skew]
        clocks.append((t, HybridLogicalClock(f"phone-{i}", now_ms=lambda t=t: t[0])))
    create = mutation("create", {"title": "t0", "report_ids": ["r1", "r2"]}, device="lead", wall=NOW - DAY_MS * 2)
    updates = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        i = draw(st.integers(min_value=0, max_value=n_devices - 1))
        t, clock = clocks[i]
        t[0] += draw(st.integers(min_value=0, max_value=3))
        data = {**draw(scalar_edits), **draw(set_fields)}
        updates.append(
            parse_mutation(
                {"id": str(uuid.uuid4()), "entity": "ticket", "entity_id": TICKET, "op": "update",
                 "hlc": clock.send(), "base_version": 1, "data": data},
                device_id=f"phone-{i}", actor=f"user-{i}",
            )
        )
    return create, updates


@st.composite
def deliveries(draw):
    """Edits, and the order (with repeats) in which the server receives them."""
    create, updates = draw(concurrent_edits())
    repeats = draw(st.lists(st.sampled_from(updates), max_size=4))
    arrival = draw(st.permutations(updates + repeats))
    return create, updates, arrival


def _adds_and_removes(m: Mutation, field: str):
    value = m.data.get(field)
    if value is None:
        return [], []
    if isinstance(value, dict):
        return value.get("add", []), value.get("remove", [])
    return value, []


def _latest_per_device(writes):
    latest = {}
    for w in writes:
        if w.device_id not in latest or (w.hlc, w.id) > (latest[w.device_id].hlc, latest[w.device_id].id):
            latest[w.device_id] = w
    return latest


def expected_scalar_conflicts(updates, field):
    """(mutation id, value) of every device's latest write of ``field`` that lost."""
    writes = [m for m in updates if field in m.data]
    if not writes:
        return set()
    winner = max(writes, key=lambda m: (m.hlc, m.id))
    return {
        (w.id, w.data[field])
        for d, w in _latest_per_device(writes).items()
        if d != winner.device_id and w.data[field] != winner.data[field]
    }


def expected_set(create, updates, field):
    """Add-wins model: an add survives unless a remove saw it (the create's, or its device's earlier adds)."""
    present = {}
    tags = [(m, pos, e) for m in [create, *updates] for pos, e in enumerate(_adds_and_removes(m, field)[0])]
    for add, pos, element in tags:
        removed = any(
            element in _adds_and_removes(r, field)[1]
            and (add is create or (r.device_id == add.device_id and r.hlc > add.hlc))
            for r in updates
        )
        if not removed:
            present[element] = min(present.get(element, (add.hlc, add.id, pos)), (add.hlc, add.id, pos))
    return [e for e, _ in sorted(present.items(), key=lambda kv: kv[1])]


def expected_set_remove_conflicts(create, updates, field, final):
    out = set()
    for element in final:
        ops = [m for m in updates if element in sum(_adds_and_removes(m, field), [])]
        for device, last in _latest_per_device(ops).items():
            if element not in _adds_and_removes(last, field)[1]:
                continue
            others = [m for m in ops if m.device_id != device and element in _adds_and_removes(m, field)[0]]
            if others:
                out.add((last.id, element))
    return out


@given(deliveries())
def test_concurrent_writes_converge_in_any_order(case):
    create, updates, arrival = case
    reference = Server().apply_all([create, *updates])
    deduped = Server().apply_all([create, *arrival])
    assert deduped.state.data == reference.state.data
    assert deduped.table == reference.table


@given(deliveries())
def test_merge_itself_is_idempotent_without_server_dedupe(case):
    create, updates, arrival = case
    reference = Server().apply_all([create, *updates])
    raw = Server(dedupe=False).apply_all([create, *arrival])
    assert raw.state.data == reference.state.data
    assert raw.table == reference.table


@given(deliveries())
def test_the_recorded_conflicts_are_exactly_the_live_ones(case):
    create, _, arrival = case
    server = Server(dedupe=False).apply_all([create, *arrival])
    assert server.table == live_conflicts("ticket", TICKET, server.state)


@given(concurrent_edits())
def test_the_value_with_the_highest_hlc_wins_each_field(case):
    create, updates = case
    data = Server().apply_all([create, *updates]).state.data
    for field in SCALARS:
        writes = [m for m in [create, *updates] if field in m.data]
        if writes:
            assert data[field] == max(writes, key=lambda m: (m.hlc, m.id)).data[field]


@given(concurrent_edits())
def test_every_losing_value_from_another_device_appears_in_a_conflict(case):
    create, updates = case
    server = Server().apply_all([create, *updates])
    for field in SCALARS:
        found = {
            (c.losing["mutation"], c.losing["value"])
            for c in server.table.values()
            if c.field == field and c.kind == "concurrent_write"
        }
        assert found == expected_scalar_conflicts(updates, field)
    for conflict in server.table.values():
        m = next(u for u in updates if u.id == conflict.losing["mutation"])
        assert conflict.losing["device"] == m.device_id and conflict.losing["actor"] == m.actor
        assert conflict.losing["hlc"] == m.hlc


@given(concurrent_edits())
def test_sets_merge_as_add_wins_and_blocked_removes_become_conflicts(case):
    create, updates = case
    server = Server().apply_all([create, *updates])
    for field in SETS:
        final = server.state.data[field]
        assert final == expected_set(create, updates, field)
        found = {
            (c.losing["mutation"], c.losing["value"]["remove"][0])
            for c in server.table.values()
            if c.field == field and c.kind == "set_remove"
        }
        assert found == expected_set_remove_conflicts(create, updates, field, final)


@given(deliveries())
def test_a_devices_later_write_is_never_lost_to_its_own_earlier_one(case):
    create, updates, arrival = case
    server = Server().apply_all([create, *arrival])
    data = server.state.data
    for field in SCALARS:
        losing = {c.losing["mutation"] for c in server.table.values() if c.field == field}
        writes = [m for m in updates if field in m.data]
        latest = _latest_per_device(writes)
        for m in writes:
            if m is latest[m.device_id]:
                assert data[field] == m.data[field] or m.id in losing
            else:
                assert m.id not in losing


@given(deliveries(), st.integers(min_value=0, max_value=10), skews)
def test_a_concurrent_delete_converges_in_any_order_and_keeps_every_devices_edit(case, at, skew):
    create, updates, arrival = case
    delete = mutation("delete", device="remover", wall=NOW + skew, base=1)
    reference = Server().apply_all([create, delete, *updates])
    arrival = list(arrival)
    arrival.insert(min(at, len(arrival)), delete)
    server = Server().apply_all([create, *arrival])
    assert server.state.deleted
    assert server.state.data == reference.state.data
    assert server.table == reference.table
    found = {c.losing["mutation"] for c in server.table.values() if c.kind == "update_deleted"}
    assert found == {m.id for m in _latest_per_device(updates).values()}


def _paths(machine: StateMachine) -> dict[str, list[Transition]]:
    """The transitions that reach each state from the initial one (breadth first)."""
    paths = {machine.initial: []}
    queue = deque([machine.initial])
    while queue:
        state = queue.popleft()
        for t in machine.transitions:
            if state in t.sources and t.target not in paths:
                paths[t.target] = paths[state] + [t]
                queue.append(t.target)
    return paths


def _carries(t: Transition) -> dict:
    """The data an op needs to take transition ``t`` (a verify says whether the fix holds)."""
    return {t.when[0]: t.when[1]} if t.when else {}


RACES = [
    (entity, state, t1, t2)
    for entity, spec in ENTITIES.items()
    if spec.state_machine is not None
    for state in _paths(spec.state_machine)
    for i, t1 in enumerate(spec.state_machine.transitions)
    for t2 in spec.state_machine.transitions[i + 1:]
    if state in t1.sources and state in t2.sources and t1.target != t2.target
]


def test_there_are_races_to_check():
    races = {(entity, state, t1.op, t2.op) for entity, state, t1, t2 in RACES}
    assert ("ticket", "submitted", "approve", "return") in races
    # Two patrollers verifying one fix differently race too.
    assert ("ticket", "resolved", "verify", "verify") in races


@given(
    st.sampled_from(RACES),
    st.integers(min_value=-DAY_MS, max_value=DAY_MS),
    st.booleans(),
    st.booleans(),
)
def test_two_concurrent_transitions_from_the_same_state_leave_one_winner_and_one_conflict(
    race, skew, flip, repeat
):
    entity, state, t1, t2 = race
    machine = ENTITIES[entity].state_machine
    server = Server(dedupe=False)
    server.apply(mutation("create", entity=entity, device="lead", wall=NOW - 10_000))
    for i, t in enumerate(_paths(machine)[state]):
        server.apply(mutation(t.op, _carries(t), entity=entity, device="lead", wall=NOW - 9000 + i,
                              base=server.state.version))
    assert server.state.data[machine.field] == state
    base = server.state.version
    first = mutation(t1.op, _carries(t1), entity=entity, device="phone-a", wall=NOW, base=base)
    second = mutation(t2.op, _carries(t2), entity=entity, device="phone-b", wall=NOW + skew, base=base)
    if flip:
        first, second = second, first
    server.apply_all([first, second] + ([first, second] if repeat else []))

    assert server.state.data[machine.field] == machine.transition(first.op, first.data).target
    [conflict] = server.table.values()
    assert conflict.kind == "invalid_transition" and conflict.field == machine.field
    assert conflict.losing["mutation"] == second.id
    assert conflict.losing["value"] == machine.transition(second.op, second.data).target
    assert conflict.losing["op"] == second.op


# --- details the properties above do not pin ------------------------------------------


@pytest.mark.parametrize("mine, theirs", [(1, 1.0), (1, True), (0, False), ([1], [1.0]), ({"n": 1}, {"n": True})])
def test_values_equal_in_python_but_not_in_json_are_a_conflict(mine, theirs):
    # 1, 1.0 and true are three different JSON values: a phone that sent one must not be told
    # its write agreed with the other.
    a = mutation("update", {"title": mine}, device="phone-a", wall=NOW, base=1)
    b = mutation("update", {"title": theirs}, device="phone-b", wall=NOW + 5, base=1)
    [conflict] = created().apply_all([a, b]).table.values()
    assert conflict.losing["value"] == mine and type(conflict.losing["value"]) is type(mine)


@pytest.mark.parametrize("value, same", [
    (31.2304, 31.2304),
    ([31.2, 121.4], [31.2, 121.4]),
    ({"lat": 31.2, "lon": 121.4}, {"lon": 121.4, "lat": 31.2}),  # keys in another order
    ({"lon": 121.4, "lat": 31.2}, {"lon": 121.4, "lat": 31.2}),  # both out of order
])
def test_concurrent_writes_of_equal_json_values_are_no_conflict(value, same):
    a = mutation("update", {"title": value}, device="phone-a", wall=NOW, base=1)
    b = mutation("update", {"title": same}, device="phone-b", wall=NOW + 5, base=1)
    assert created().apply_all([a, b]).table == {}


def test_concurrent_writes_of_different_structured_values_are_a_conflict():
    a = mutation("update", {"title": {"lat": 31.2, "lon": 121.4}}, device="phone-a", wall=NOW, base=1)
    b = mutation("update", {"title": {"lat": 31.3, "lon": 121.4}}, device="phone-b", wall=NOW + 5, base=1)
    [conflict] = created().apply_all([a, b]).table.values()
    assert conflict.losing["value"] == {"lat": 31.2, "lon": 121.4}


def test_a_missing_record_answers_an_empty_unchanged_state_and_says_which_record():
    m = mutation("update", {"title": "x"})
    result = merge(None, m)
    assert result.changed is False
    assert result.state == EntityState({}, {})
    assert result.error == ("not_found", f"no ticket {TICKET}")


def test_an_invalid_transition_answers_the_state_it_was_given_unchanged():
    server = created()
    result = merge(server.state, mutation("approve", device="street", base=1))
    assert result.changed is False
    assert result.state is server.state
    assert result.error == ("invalid_state", "cannot approve a ticket that is draft")


def test_a_mutation_that_changes_nothing_says_so():
    server = created()
    same = merge(server.state, mutation("update", {"title": "Broken manhole"}, device="lead", wall=NOW - 2000,
                                        base=1))
    assert same.changed is False and same.state is server.state


def test_an_unknown_entity_is_refused_by_name():
    m = mutation("update", {"title": "x"})
    with pytest.raises(ValueError, match="unknown entity 'parcel'"):
        merge(None, Mutation(**{**m.__dict__, "entity": "parcel"}))


def test_a_field_the_op_may_not_write_is_refused_by_name_even_past_parsing():
    m = mutation("update", {"title": "x"}, base=1)
    for data in ({"colour": "red"}, {"status": "closed"}):
        with pytest.raises(ValueError, match=rf"ticket\.{next(iter(data))} cannot be written by 'update'"):
            merge(created().state, Mutation(**{**m.__dict__, "data": data}))


def test_a_transition_parameter_is_not_stored_and_the_fields_after_it_are():
    server = created()
    server.apply_all([
        mutation("submit", device="lead", wall=NOW, base=1),
        mutation("approve", device="street", wall=NOW + 1, base=2),
        mutation("dispatch", {"department": "roads"}, device="street", wall=NOW + 2, base=3),
        mutation("resolve", {"resolution_note": "patched"}, device="dept", wall=NOW + 3, base=4),
    ])
    server.apply(mutation("verify", {"fixed": True, "verification_note": "holds"}, device="phone-a",
                          wall=NOW + 4, base=5))
    assert server.state.data["status"] == "verified"
    assert server.state.data["verification_note"] == "holds"
    assert "fixed" not in server.state.data


def test_an_update_that_only_adds_to_a_set_keeps_what_was_there():
    server = created(report_ids=["r1"])
    server.apply(mutation("update", {"report_ids": {"add": ["r2"]}}, base=1))
    assert server.state.data["report_ids"] == ["r1", "r2"]
    server.apply(mutation("update", {"report_ids": {"remove": ["r1"]}}, wall=NOW + 1, base=2))
    assert server.state.data["report_ids"] == ["r2"]


def test_a_create_on_an_existing_record_in_another_state_keeps_the_state_and_the_loss():
    # Two phones made the same report (one id) and one of them closed it on the spot: the record
    # keeps the state it has, and the lead sees the other phone's state as a lost transition.
    first = mutation("create", {"description": "井盖破损"}, entity="report", device="phone-a", wall=NOW)
    second = mutation("create", {"description": "井盖破损", "status": "solved_on_site"}, entity="report",
                      device="phone-b", wall=NOW + 5)
    server = Server().apply_all([first, second])
    assert server.state.data["status"] == "open"
    [conflict] = server.table.values()
    assert (conflict.kind, conflict.field) == ("invalid_transition", "status")
    assert conflict.losing == {"value": "solved_on_site", "hlc": second.hlc, "device": "phone-b",
                               "actor": "user-of-phone-b", "mutation": second.id, "op": "create"}


@pytest.mark.parametrize("data", [{"description": "井盖破损"}, {"description": "井盖破损", "status": "open"}])
def test_a_create_on_an_existing_record_naming_no_other_state_is_no_conflict(data):
    first = mutation("create", {"description": "井盖破损"}, entity="report", device="phone-a", wall=NOW)
    second = mutation("create", data, entity="report", device="phone-b", wall=NOW + 5)
    server = Server().apply_all([first, second])
    assert server.state.data["status"] == "open" and server.table == {}


def test_a_lost_transition_still_counts_after_another_devices_lost_transition_was_superseded():
    server = submitted()
    approve = mutation("approve", device="street", wall=NOW + 10, base=2)
    ret_a = mutation("return", {"reason": "a"}, device="phone-a", wall=NOW + 1, base=2)
    ret_b = mutation("return", {"reason": "b"}, device="phone-b", wall=NOW + 2, base=2)
    server.apply_all([approve, ret_a, ret_b])
    assert {c.losing["device"] for c in server.table.values()} == {"phone-a", "phone-b"}
    # phone-a moves on (it saw the approval and edits again); phone-b's loss still stands.
    server.apply(mutation("update", {"title": "new"}, device="phone-a", wall=NOW + 20, base=server.state.version))
    server.apply(mutation("return", {"reason": "again"}, device="phone-a", wall=NOW + 21, base=server.state.version))
    live = live_conflicts("ticket", TICKET, server.state)
    assert "phone-b" in {c.losing["device"] for c in live.values()}


def test_an_unchanged_conflict_is_not_reported_again_by_a_later_write_of_its_field():
    server = created()
    server.apply_all([
        mutation("update", {"title": "mine"}, device="phone-a", wall=NOW, base=1),
        mutation("update", {"title": "theirs"}, device="phone-b", wall=NOW + 5, base=1),
    ])
    [conflict] = server.table.values()
    # phone-b writes the field again without having pulled: phone-a's value still lost, the same way.
    again = server.apply(mutation("update", {"title": "theirs, again"}, device="phone-b", wall=NOW + 6, base=1))
    assert again.changed and again.conflicts == () and again.superseded == ()
    assert server.table == {conflict.id: conflict}


def test_conflict_ids_are_stable_and_name_the_record_field_and_kind():
    # Ids are stored by the server and by phones: the derivation must never change.
    loser = mutation("update", {"title": "mine"}, device="phone-a", wall=NOW, base=1,
                     mutation_id="0b7e1f5c-1111-4aaa-8bbb-000000000001")
    winner = mutation("update", {"title": "theirs"}, device="phone-b", wall=NOW + 5, base=1)
    [cid] = created().apply_all([loser, winner]).table
    expected = uuid.uuid5(uuid.UUID("6b0f7c8e-3d1a-5e4b-9c2f-7a1d2e3f4b5c"),
                          "\x1f".join(("ticket", TICKET, "title", "concurrent_write", loser.id)))
    assert cid == str(expected)


def test_a_conflict_travels_as_the_documented_json_object():
    loser = mutation("update", {"title": {"words": ["mine"]}}, device="phone-a", wall=NOW, base=1)
    winner = mutation("update", {"title": "theirs"}, device="phone-b", wall=NOW + 5, base=1)
    [conflict] = created().apply_all([loser, winner]).table.values()
    body = conflict.to_dict()
    assert body == {"id": conflict.id, "entity": "ticket", "entity_id": TICKET, "field": "title",
                    "kind": "concurrent_write", "losing": conflict.losing}
    body["losing"]["value"]["words"].append("changed by the caller")
    assert conflict.losing["value"] == {"words": ["mine"]}
    # Nor does a change to the conflict itself reach the record's clocks it was read from.
    result = merge(created().apply(winner).state, loser)
    [conflict] = result.conflicts
    conflict.losing["value"]["words"].append("changed by the caller")
    assert result.state.clocks["fields"]["title"]["phone-a"]["value"] == {"words": ["mine"]}


def test_a_state_as_json_is_a_copy_in_both_directions():
    server = created(report_ids=["r1"])
    raw = server.state.to_dict()
    assert raw["deleted"] is False and raw["version"] == 1
    raw["data"]["report_ids"].append("r2")
    raw["clocks"]["sets"]["report_ids"].clear()
    assert server.state.data["report_ids"] == ["r1"] and server.state.clocks["sets"]["report_ids"]
    raw = server.state.to_dict()
    again = EntityState.from_dict(raw)
    raw["data"]["report_ids"].append("r3")
    raw["clocks"]["sets"]["report_ids"].clear()
    assert again.data["report_ids"] == ["r1"] and again.clocks["sets"]["report_ids"]


def test_a_state_read_from_json_defaults_to_a_live_record_never_written():
    assert EntityState.from_dict({}) == EntityState({}, {}, 0, False)
    assert EntityState.from_dict({"deleted": True, "version": "3"}) == EntityState({}, {}, 3, True)
    assert EntityState.from_dict({"data": None, "clocks": None}) == EntityState({}, {}, 0, False)


def test_kept_write_of_a_deleted_record_names_the_first_delete_and_the_fields_their_writers():
    server = created()
    server.apply(mutation("update", {"title": "mine"}, device="phone-a", wall=NOW, base=1))
    first = mutation("delete", device="phone-b", wall=NOW + 5, base=2)
    server.apply_all([mutation("delete", device="lead", wall=NOW + 9, base=2), first])
    kept = kept_write("ticket", server.state, "deleted")
    assert kept == {"value": True, "hlc": first.hlc, "device": "phone-b", "actor": "user-of-phone-b",
                    "mutation": first.id}
    assert kept_write("ticket", server.state, "title")["value"] == "mine"


def test_kept_write_of_the_state_names_its_last_move_and_nothing_before_any():
    # A record whose clocks hold no move of its state (a copy known only by its data).
    assert kept_write("ticket", EntityState({"status": "draft"}, {}), "status") is None
    server = submitted()
    approve = mutation("approve", device="street", wall=NOW + 1, base=2)
    server.apply_all([approve, mutation("dispatch", {"department": "roads"}, device="street2", wall=NOW + 2,
                                        base=3)])
    kept = kept_write("ticket", server.state, "status")
    assert (kept["value"], kept["device"]) == ("dispatched", "street2")
    server.apply(mutation("acknowledge", device="dept", wall=NOW + 3, base=4))
    assert kept_write("ticket", server.state, "status")["device"] == "dept"


# --- a client's pulled copy (state_from_snapshot) -------------------------------------------


def test_a_pulled_copy_defaults_to_a_live_record_of_version_0_written_by_no_device():
    snap = state_from_snapshot("report", {"description": "井盖破损", "status": "open"})
    assert (snap.version, snap.deleted) == (0, False)
    kept = kept_write("report", snap, "description")
    assert kept == {"value": "井盖破损", "hlc": "", "device": "", "actor": "", "mutation": ""}


def test_a_pulled_copy_of_an_unknown_entity_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown entity 'parcel'"):
        state_from_snapshot("parcel", {})


def test_a_pulled_copy_owns_its_data():
    data = {"description": "x", "photos": ["a" * 64], "place": {"road": "长江路", "near": ["3号楼"]}}
    snap = state_from_snapshot("report", data, version=3, device="phone-a")
    data["photos"].append("b" * 64)
    data["place"]["road"] = "黄河路"
    data["place"]["near"].append("5号楼")
    assert snap.data == {"description": "x", "photos": ["a" * 64], "place": {"road": "长江路", "near": ["3号楼"]}}
    assert kept_write("report", snap, "place")["value"] == {"road": "长江路", "near": ["3号楼"]}


def test_a_pulled_copy_keeps_its_state_and_set_order_under_local_edits():
    snap = state_from_snapshot("report", {"status": "open", "photos": ["c" * 64, "a" * 64]}, version=4,
                               device="phone-a")
    kept = kept_write("report", snap, "status")
    assert (kept["value"], kept["device"]) == ("open", "phone-a")
    # Nobody is named as having added what was pulled: the pulled copy has no author.
    assert set_adders(snap.clocks, "photos", "c" * 64) == []
    add = mutation("update", {"photos": {"add": ["b" * 64]}}, entity="report", device="phone-a", base=4)
    after = merge(snap, add).state
    assert after.data["photos"] == ["c" * 64, "a" * 64, "b" * 64]
    assert set_adders(after.clocks, "photos", "b" * 64) == ["user-of-phone-a"]


def test_a_pending_remove_takes_out_an_element_the_device_was_shown():
    snap = state_from_snapshot("report", {"photos": ["a" * 64, "b" * 64]}, version=2, device="phone-a")
    remove = mutation("update", {"photos": {"remove": ["a" * 64]}}, entity="report", device="phone-a", base=2)
    assert merge(snap, remove).state.data["photos"] == ["b" * 64]
