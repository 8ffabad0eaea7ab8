"""The phone's copy of the entity specs (pwa/src/sync/entities.ts) must not drift from sync/entities.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sync.entities import ENTITIES

SOURCE = (Path(__file__).resolve().parents[2] / "pwa" / "src" / "sync" / "entities.ts").read_text()
# Entities the phone never writes, so it need not know them.
SERVER_ONLY = {"notification"}


def _block(name: str) -> str:
    match = re.search(rf"\n  {name}: \{{\n(.*?)\n  \}},", SOURCE, re.S)
    assert match, f"{name} is missing from entities.ts"
    return match.group(1)


def _fields(block: str) -> dict[str, str]:
    inner = re.search(r"fields: \{(.*?)\}", block, re.S).group(1)
    return dict(re.findall(r"(\w+): \"(scalar|set|state)\"", inner))


def _server_fields(block: str) -> set[str]:
    return set(re.findall(r"\"(\w+)\"", re.search(r"serverFields: \[(.*?)\]", block, re.S).group(1)))


@pytest.mark.parametrize("name", sorted(set(ENTITIES) - SERVER_ONLY))
def test_the_phone_knows_each_entity_with_the_same_fields_and_kinds(name):
    block = _block(name)
    assert _fields(block) == dict(ENTITIES[name].fields)
    assert _server_fields(block) == set(ENTITIES[name].server_fields)
