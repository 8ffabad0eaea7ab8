"""The PWA's copy of the shared rules is written from the Python ones, never by hand."""

from __future__ import annotations

from server.spec_document import SPEC_PATH, render, spec_document
from server.services.rules import OP_ROLES
from sync.entities import ENTITIES


def test_the_checked_in_spec_is_what_the_python_rules_write():
    assert SPEC_PATH.read_text(encoding="utf-8") == render(), (
        "pwa/src/sync/entities.json is stale: run `python -m server.spec_document`"
    )


def test_the_spec_holds_every_entity_field_transition_and_role():
    document = spec_document()
    for name, spec in ENTITIES.items():
        entity = document["entities"][name]
        assert entity["fields"] == dict(spec.fields)
        assert set(entity["serverFields"]) == set(spec.server_fields)
        assert set(entity["ops"]) == set(spec.ops)
        if spec.state_machine:
            ops = [t["op"] for t in entity["stateMachine"]["transitions"]]
            assert ops == [t.op for t in spec.state_machine.transitions]
    for entity, ops in OP_ROLES.items():
        for op, roles in ops.items():
            assert set(document["roles"][entity][op]) == set(roles)
