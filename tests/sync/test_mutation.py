"""Shape validation of incoming mutations."""

from __future__ import annotations

import uuid

import pytest

from sync.hlc import format_hlc
from sync.jsondata import MAX_INT
from sync.mutation import Mutation, MutationError, mutation_to_dict, parse_mutation

HLC = format_hlc(1_750_000_000_000, 0, "phone-1")


def raw(**overrides):
    base = {
        "id": str(uuid.uuid4()),
        "entity": "report",
        "entity_id": str(uuid.uuid4()),
        "op": "update",
        "hlc": HLC,
        "base_version": 3,
        "data": {"description": "manhole cover missing"},
    }
    base.update(overrides)
    return base


def parse(mutation, **kwargs):
    return parse_mutation(mutation, device_id="phone-1", actor="g1-2", **kwargs)


def error_code(mutation, **kwargs) -> str:
    with pytest.raises(MutationError) as info:
        parse(mutation, **kwargs)
    assert info.value.message
    return info.value.code


def test_a_well_formed_update_parses_into_a_mutation():
    incoming = raw()
    m = parse(incoming)
    assert m == Mutation(
        id=incoming["id"],
        entity="report",
        entity_id=incoming["entity_id"],
        op="update",
        hlc=HLC,
        base_version=3,
        data={"description": "manhole cover missing"},
        device_id="phone-1",
        actor="g1-2",
    )


def test_ids_are_normalised_to_lower_case():
    m = parse(raw(id="A" * 8 + "-1111-4111-8111-" + "B" * 12))
    assert m.id == "a" * 8 + "-1111-4111-8111-" + "b" * 12


def test_missing_or_null_data_means_no_fields():
    incoming = raw()
    del incoming["data"]
    assert parse(incoming).data == {}
    assert parse(raw(data=None)).data == {}


def test_unknown_top_level_keys_are_ignored():
    assert parse(raw(client_note="newer client")).op == "update"


def test_data_is_copied_not_shared():
    incoming = raw(data={"tags": ["a"]})
    m = parse(incoming)
    incoming["data"]["tags"].append("b")
    assert m.data == {"tags": ["a"]}


def test_wire_form_round_trips():
    m = parse(raw(data={"photos": {"add": ["h1"], "remove": ["h2"]}}))
    wire = mutation_to_dict(m)
    assert set(wire) == {"id", "entity", "entity_id", "op", "hlc", "base_version", "data"}
    assert parse(wire) == m


@pytest.mark.parametrize(
    "mutation",
    [
        [],
        "report",
        raw(id="not-a-uuid"),
        raw(id=None),
        raw(id=str(uuid.uuid4()).replace("-", "")),
        raw(entity_id="{" + str(uuid.uuid4()) + "}"),
        raw(entity_id=12),
        raw(base_version=-1),
        raw(base_version=True),
        raw(base_version=1.0),
        raw(base_version="3"),
        raw(data=["description"]),
        raw(data="text"),
        raw(data={"photos": "h1"}),
        raw(data={"photos": [1, 2]}),
        raw(data={"photos": {"add": ["h1"], "drop": ["h2"]}}),
        raw(data={"photos": {"add": ["h1"], "remove": ["h1"]}}),
        raw(op="create", data={"photos": {"add": ["h1"]}}),
        raw(op="delete", data={"description": "x"}),
    ],
)
def test_malformed_shapes_are_invalid(mutation):
    assert error_code(mutation) == "invalid"


def test_an_unknown_entity_is_refused():
    assert error_code(raw(entity="spaceship")) == "unknown_entity"
    assert error_code(raw(entity=None)) == "unknown_entity"


@pytest.mark.parametrize("op", ["approve", "explode", None, 3])
def test_an_op_the_entity_does_not_have_is_refused(op):
    assert error_code(raw(op=op)) == "unknown_op"


def test_a_field_the_entity_does_not_have_is_refused():
    with pytest.raises(MutationError) as info:
        parse(raw(data={"colour": "red", "description": "x"}))
    assert info.value.code == "unknown_field"
    assert info.value.details == {"fields": ["colour"]}


def test_a_server_field_is_refused_unless_the_server_sends_it():
    mutation = raw(data={"reporter": "g1-1"})
    assert error_code(mutation) == "server_field"
    assert parse(mutation, allow_server_fields=True).data == {"reporter": "g1-1"}


@pytest.mark.parametrize("hlc", [None, "", "yesterday", "1750000000000:0:phone", 17])
def test_an_unparseable_hlc_is_refused(hlc):
    assert error_code(raw(hlc=hlc)) == "invalid_hlc"


def test_the_state_field_may_be_set_only_by_create_to_a_creatable_value():
    assert parse(raw(op="create", base_version=None, data={"status": "solved_on_site"})).data == {
        "status": "solved_on_site"
    }
    assert error_code(raw(op="create", data={"status": "closed"})) == "invalid_state"
    assert error_code(raw(op="create", data={"status": ["open"]})) == "invalid_state"
    assert error_code(raw(op="update", data={"status": "open"})) == "invalid_state"
    assert error_code(raw(op="solve", data={"status": "solved_on_site"})) == "invalid_state"


def test_a_transition_may_carry_other_fields():
    m = parse(raw(entity="ticket", op="return", data={"reason": "wrong grid"}))
    assert m.op == "return" and m.data == {"reason": "wrong grid"}
    m = parse(raw(entity="ticket", op="resolve", data={"resolution_note": "fixed", "resolution_photos": ["h"]}))
    assert m.data["resolution_photos"] == ["h"]


def test_set_fields_accept_a_list_or_an_add_remove_object():
    assert parse(raw(data={"tags": ["a", "b"]})).data == {"tags": ["a", "b"]}
    assert parse(raw(data={"tags": {"remove": ["a"]}})).data == {"tags": {"remove": ["a"]}}
    assert parse(raw(op="create", data={"tags": ["a"]})).data == {"tags": ["a"]}


def test_value_level_checks_are_left_to_the_server():
    assert parse(raw(data={"lat": 1234.5, "severity": "apocalyptic"})).data["lat"] == 1234.5


def test_a_mutation_error_has_a_wire_form():
    error = MutationError("unknown_field", "no such field", {"fields": ["x"]})
    assert error.to_dict() == {"code": "unknown_field", "message": "no such field", "details": {"fields": ["x"]}}
    assert MutationError("invalid", "bad").to_dict() == {"code": "invalid", "message": "bad"}


def test_with_data_is_replace_of_the_data_alone():
    import dataclasses

    m = parse(raw())
    data = {"description": "换了"}
    assert m.with_data(data) == dataclasses.replace(m, data=data)
    assert m.with_data(data).data is data and m.data != data


BAD_BASE_VERSION = {"code": "invalid", "message": "'base_version' must be null or an integer from 0 to 2**63-1",
                    "details": {"field": "base_version"}}
NEW_REPORT = {"category": "sanitation", "description": "x", "lat": 30.0, "lon": 120.0, "severity": 1}


@pytest.mark.parametrize(
    "mutation, wire_error",
    [
        (raw(data={"tags": {"add": ["a"], "drop": ["b"]}}),
         {"code": "invalid", "message": "set field 'tags' takes only 'add' and 'remove'",
          "details": {"field": "tags", "keys": ["drop"]}}),
        (raw(data={"tags": "a"}),
         {"code": "invalid", "message": "set field 'tags' needs a list of strings", "details": {"field": "tags"}}),
        (raw(data={"photos": {"add": [1]}}),
         {"code": "invalid", "message": "set field 'photos' needs a list of strings", "details": {"field": "photos"}}),
        (raw(data={"status": "solved"}),
         {"code": "invalid_state",
          "message": "'status' changes only through the transition ops "
                     "(close, handoff, link_ticket, reopen, solve, unlink_ticket), not 'update'",
          "details": {"field": "status"}}),
        (raw(op="create", base_version=None, data={**NEW_REPORT, "status": "handed_off"}),
         {"code": "invalid_state", "message": "a report cannot be created as 'handed_off'",
          "details": {"field": "status", "allowed": ["needs_handoff", "open", "solved_on_site"]}}),
        (raw(op="delete", data={"description": "x"}), {"code": "invalid", "message": "'delete' carries no data"}),
        (raw(data={"zzz": 1, "aaa": 2}),
         {"code": "unknown_field", "message": "report has no field 'aaa', 'zzz'", "details": {"fields": ["aaa", "zzz"]}}),
        (raw(data={"reporter": "g1-1", "ticket_id": "t"}),
         {"code": "server_field", "message": "'reporter', 'ticket_id' of a report is set by the server",
          "details": {"fields": ["reporter", "ticket_id"]}}),
        (raw(entity="ticket", data={"department": 1}),
         {"code": "server_field", "message": "'department' of a ticket is set by the server",
          "details": {"fields": ["department"]}}),
        (raw(entity="ticket", data={"fixed": True}),
         {"code": "invalid", "message": "'fixed' is a parameter of a ticket's ops, not a field",
          "details": {"field": "fixed"}}),
        ([1], {"code": "invalid", "message": "a mutation must be a JSON object"}),
        (raw(data=[1]), {"code": "invalid", "message": "'data' must be a JSON object"}),
        (raw(data={"description": "a\x00b"}),
         {"code": "invalid", "message": "'data' holds a NUL character in text", "details": {"field": "data"}}),
        (raw(id="nope"), {"code": "invalid", "message": "'id' must be a UUID string", "details": {"field": "id"}}),
        (raw(entity="teleport"),
         {"code": "unknown_entity", "message": "unknown entity 'teleport'", "details": {"entity": "teleport"}}),
        (raw(op="fly"),
         {"code": "unknown_op", "message": "report has no op 'fly'",
          "details": {"op": "fly", "allowed": ["close", "create", "delete", "handoff", "link_ticket", "reopen",
                                               "solve", "unlink_ticket", "update"]}}),
        (raw(hlc="bad"),
         {"code": "invalid_hlc", "message": "HLC 'bad' is not '<15-digit wall ms>:<5-digit counter>:<node>'"}),
        (raw(base_version=-1), BAD_BASE_VERSION),
        (raw(base_version=MAX_INT + 1), BAD_BASE_VERSION),
        (raw(data={"tags": {"add": ["a"], "remove": ["a", "b"]}}),
         {"code": "invalid", "message": "set field 'tags' adds and removes the same element",
          "details": {"field": "tags", "elements": ["a"]}}),
        (raw(data={"tags": {"remove": [1]}}),
         {"code": "invalid", "message": "set field 'tags' needs a list of strings", "details": {"field": "tags"}}),
    ],
)
def test_a_refused_value_tells_the_phone_which_field_and_why(mutation, wire_error):
    with pytest.raises(MutationError) as refused:
        parse(mutation)
    assert refused.value.to_dict() == wire_error
    assert str(refused.value) == wire_error["message"]


def test_a_dispatch_names_its_department_though_an_update_may_not():
    assert parse(raw(entity="ticket", op="dispatch", data={"department": 1})).data == {"department": 1}


@pytest.mark.parametrize("base_version", [0, MAX_INT])
def test_base_versions_at_both_ends_of_the_range_are_accepted(base_version):
    assert parse(raw(base_version=base_version)).base_version == base_version


def test_a_set_change_may_only_add_or_only_remove():
    assert parse(raw(data={"tags": {"add": ["a"]}})).data == {"tags": {"add": ["a"]}}
    assert parse(raw(data={"tags": {"remove": ["a"]}})).data == {"tags": {"remove": ["a"]}}
