"""The rules the phone shares with the server, as one JSON document.

The PWA merges records locally, offers only the actions a role may take and
names ticket states exactly as the server does. Rather than a hand-kept copy,
it imports ``pwa/src/sync/entities.json``, written from ``sync.entities`` (the
fields, their kinds, the state machines) and the role table of
``server.services.rules``::

    python -m server.spec_document          # rewrite the file
    python -m server.spec_document --check  # exit 1 when it is stale

A test fails when the checked-in file differs from what this module writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from server.services.rules import OP_ROLES
from sync.entities import ENTITIES, RECORD_ENTITIES, StateMachine, Transition

SPEC_PATH = Path(__file__).resolve().parent.parent / "pwa" / "src" / "sync" / "entities.json"


def _machine(machine: StateMachine) -> dict:
    return {
        "field": machine.field,
        "initial": machine.initial,
        "creatable": sorted(machine.creatable),
        "done": sorted(machine.done),
        "transitions": [_transition(t) for t in machine.transitions],
    }


def _transition(t: Transition) -> dict:
    out = {"op": t.op, "sources": sorted(t.sources), "target": t.target}
    if t.when is not None:
        out["when"] = {"field": t.when[0], "value": t.when[1]}
    return out


def spec_document() -> dict:
    """Entities (fields, kinds, server fields, ops, state machines) and who may do each op."""
    entities = {}
    for name, spec in ENTITIES.items():
        entity = {
            "fields": dict(spec.fields),
            "serverFields": sorted(spec.server_fields),
            "opFields": {op: sorted(names) for op, names in sorted(spec.op_fields.items())},
            "ops": sorted(spec.ops),
        }
        if spec.state_machine is not None:
            entity["stateMachine"] = _machine(spec.state_machine)
        entities[name] = entity
    return {
        "recordEntities": sorted(RECORD_ENTITIES),
        "entities": entities,
        "roles": {entity: {op: sorted(roles) for op, roles in sorted(ops.items())}
                  for entity, ops in sorted(OP_ROLES.items())},
    }


def render() -> str:
    """The document as written to disk: stable key order, UTF-8, a final newline."""
    return json.dumps(spec_document(), ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = SPEC_PATH.read_text(encoding="utf-8") if SPEC_PATH.exists() else ""
        if current != text:
            print(f"{SPEC_PATH} is stale: run python -m server.spec_document", file=sys.stderr)
            return 1
        return 0
    SPEC_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SPEC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
