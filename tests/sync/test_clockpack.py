"""The stored form of a record's clocks: lossless, a fraction of the size, and old rows still read."""

from __future__ import annotations

import json
import uuid

from sync.clockpack import PACKED_VERSION, pack, unpack
from sync.hlc import format_hlc
from sync.merge import merge, state_from_snapshot
from sync.mutation import parse_mutation

NOW = 1_750_000_000_000
REPORT = "0b5f2a33-8a7e-4e43-9a55-1d9f1a7c2b10"


def report_mutation(op, data, *, device="phone-a", wall=NOW, base=None):
    return parse_mutation(
        {"id": str(uuid.uuid4()), "entity": "report", "entity_id": REPORT, "op": op,
         "hlc": format_hlc(wall, 0, device), "base_version": base, "data": data},
        device_id=device, actor=f"user-of-{device}", allow_server_fields=True,
    )


def busy_report():
    """A report two phones edited concurrently, moved through its states, then deleted."""
    state = merge(None, report_mutation("create", {
        "category": "facilities_damage", "description": "3幢楼下井盖破损", "lat": 30.2985, "lon": 120.1498,
        "severity": 2, "photos": ["a" * 64, "b" * 64], "tags": ["急"]})).state
    edits = [
        report_mutation("update", {"description": "井盖完全缺失", "photos": {"remove": ["a" * 64]}},
                        device="phone-b", wall=NOW + 10, base=1),
        report_mutation("update", {"description": "manhole cover loose", "tags": ["复查"]},
                        device="phone-c", wall=NOW + 20, base=1),
        report_mutation("handoff", {}, device="phone-b", wall=NOW + 30, base=1),
        report_mutation("solve", {}, device="phone-c", wall=NOW + 40, base=1),
        report_mutation("delete", {}, device="phone-a", wall=NOW + 50, base=3),
        report_mutation("update", {"severity": 3}, device="phone-b", wall=NOW + 60, base=3),
    ]
    for m in edits:
        result = merge(state, m)
        assert result.error is None, result.error
        state = result.state
    return state


def test_every_section_round_trips_through_json():
    clocks = busy_report().clocks
    assert all(clocks[s] for s in ("fields", "sets", "writes", "deletes")) and clocks["state"]["lost"]
    packed = pack(clocks)
    assert packed["v"] == PACKED_VERSION
    assert unpack(json.loads(json.dumps(packed, ensure_ascii=False))) == clocks


def test_a_new_report_stores_each_stamp_once_in_a_third_of_the_space():
    created = merge(None, report_mutation("create", {
        "category": "sanitation", "description": "垃圾桶满溢", "lat": 30.29, "lon": 120.15, "accuracy_m": 8.0,
        "severity": 1, "device_time": "2026-11-22T09:00:00+08:00", "photos": ["c" * 64]})).state
    packed = pack(created.clocks)
    assert len(packed["s"]) == 1
    assert len(json.dumps(packed)) * 3 < len(json.dumps(created.clocks))


def test_a_phones_snapshot_clocks_round_trip():
    snapshot = state_from_snapshot("report", {"description": "x", "photos": ["a" * 64], "status": "open"},
                                   version=4, device="phone-a")
    assert unpack(pack(snapshot.clocks)) == snapshot.clocks


def test_clocks_of_another_shape_are_stored_and_read_back_as_they_are():
    legacy_like = busy_report().clocks
    legacy_like["fields"]["description"]["phone-b"]["note"] = "an extra key"
    odd = [{}, {"fields": {}}, {"v": 1, "s": []}, {**legacy_like, "extra": {}}, legacy_like, None, []]
    for clocks in odd:
        assert pack(clocks) is clocks
        assert unpack(clocks) is clocks


def test_a_stamp_filed_under_another_devices_key_is_not_packed():
    clocks = busy_report().clocks
    entries = clocks["fields"]["description"]
    entries["someone-else"] = entries.pop("phone-b")
    assert pack(clocks) is clocks


def test_a_history_or_write_entry_with_a_key_of_another_build_is_stored_as_it_is():
    """Packing keeps only the keys it knows; an entry with one more would lose it."""
    for section in ("history", "lost", "writes"):
        clocks = busy_report().clocks
        entry = clocks["writes"]["phone-b"] if section == "writes" else clocks["state"][section][0]
        entry["note"] = "an extra key"
        assert pack(clocks) is clocks
        assert unpack(pack(clocks)) == clocks
