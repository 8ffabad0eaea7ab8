"""The compact stored form of a record's clocks.

In memory (``sync.merge``) every field value, set tag, state move,
remembered write and delete carries its writer's whole stamp (HLC, mutation,
device, actor, base version, version written at). One mutation writes the
same stamp into every field it touches, so a new report's clocks repeat one
stamp ten times: ≈ 2.5 KB of JSON beside ≈ 0.3 KB of data. Stored, each
distinct stamp is written once and referred to by its index, which cuts the
clocks to about a third; the database writes, serialises and parses that
much less on every push.

``unpack(pack(clocks)) == clocks`` for every clocks ``merge`` makes. Clocks
of another shape (an older build's, or hand-made) are stored as they are, and
``unpack`` hands back anything not packed unchanged, so both forms can sit
side by side in one table.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

PACKED_VERSION = 2
STAMP_KEYS = ("hlc", "mutation", "device", "actor", "base", "at")
SECTIONS = frozenset(("fields", "sets", "state", "writes", "deletes"))


class _Unpackable(Exception):
    """These clocks do not have the shape merge makes; store them as they are."""


_stamp_of = itemgetter(*STAMP_KEYS)
_VALUE_ENTRY_LEN = len(STAMP_KEYS) + 1


class _Stamps:
    """The table of distinct stamps, filled while packing."""

    def __init__(self) -> None:
        self.rows: list[list] = []
        self.index_of: dict[tuple, int] = {}

    def ref(self, entry: dict, n_extra: int) -> int:
        """The index of ``entry``'s stamp.

        ``entry`` must hold the stamp and ``n_extra`` more keys; the caller
        reads those, which makes the key set exact.
        """
        if type(entry) is not dict or len(entry) != len(STAMP_KEYS) + n_extra:
            raise _Unpackable
        key = _stamp_of(entry)
        index = self.index_of.get(key)
        if index is None:
            index = self.index_of[key] = len(self.rows)
            self.rows.append(list(key))
        return index


def pack(clocks: Any) -> Any:
    """The stored form of ``clocks``: packed when they have merge's shape, else unchanged."""
    if not isinstance(clocks, dict) or clocks.keys() != SECTIONS:
        return clocks
    try:
        return _pack(clocks)
    except _Unpackable:
        return clocks


def _keyed(entries: dict, stamps: _Stamps, by: str, extra: tuple[str, ...]) -> list[list]:
    """``[[stamp, *extra values]]`` of a dict keyed by each entry's own ``by`` (device or mutation)."""
    out = []
    ref = stamps.ref
    n_extra = len(extra)
    for key, entry in entries.items():
        index = ref(entry, n_extra)
        if entry[by] != key:
            raise _Unpackable
        out.append([index, *[entry[k] for k in extra]])
    return out


def _values(entries: dict, stamps: _Stamps) -> list[list]:
    """``_keyed(entries, stamps, "device", ("value",))``, the commonest section, unrolled."""
    out = []
    index_of, rows = stamps.index_of, stamps.rows
    for device, entry in entries.items():
        if type(entry) is not dict or len(entry) != _VALUE_ENTRY_LEN or entry["device"] != device:
            raise _Unpackable
        key = _stamp_of(entry)
        index = index_of.get(key)
        if index is None:
            index = index_of[key] = len(rows)
            rows.append(list(key))
        out.append([index, entry["value"]])
    return out


def _pack(clocks: dict) -> dict:
    stamps = _Stamps()
    state = clocks["state"]
    if not isinstance(state, dict) or state.keys() != {"history", "lost"}:
        raise _Unpackable
    try:
        fields = {name: _values(entries, stamps) for name, entries in clocks["fields"].items()}
        sets = {name: {element: _tag(tag, stamps) for element, tag in tags.items()}
                for name, tags in clocks["sets"].items()}
        history = [[stamps.ref(h, 3), h["op"], h["from"], h["to"]] for h in state["history"]]
        lost = [[stamps.ref(h, 2), h["op"], h["to"]] for h in state["lost"]]
        writes = _keyed(clocks["writes"], stamps, "device", ("op", "data"))
        deletes = [row[0] for row in _keyed(clocks["deletes"], stamps, "mutation", ())]
    except (AttributeError, KeyError, TypeError):  # a section or entry of another shape
        raise _Unpackable from None
    return {"v": PACKED_VERSION, "s": stamps.rows, "f": fields, "e": sets, "h": history, "l": lost,
            "w": writes, "d": deletes}


def _tag(tag: dict, stamps: _Stamps) -> list[list]:
    """``[adds, removes]`` of one set element."""
    if tag.keys() != {"add", "remove"}:
        raise _Unpackable
    return [_keyed(tag["add"], stamps, "mutation", ("pos",)), _keyed(tag["remove"], stamps, "mutation", ("pos",))]


def unpack(stored: Any) -> Any:
    """The in-memory clocks of a stored value (packed or not)."""
    if not isinstance(stored, dict) or stored.get("v") != PACKED_VERSION:
        return stored
    stamps = [dict(zip(STAMP_KEYS, row)) for row in stored["s"]]

    def entry(ref: int, **extra: Any) -> dict:
        return {**stamps[ref], **extra}

    return {
        "fields": {name: {stamps[ref]["device"]: entry(ref, value=value) for ref, value in entries}
                   for name, entries in stored["f"].items()},
        "sets": {name: {element: {"add": {stamps[ref]["mutation"]: entry(ref, pos=pos) for ref, pos in adds},
                                  "remove": {stamps[ref]["mutation"]: entry(ref, pos=pos) for ref, pos in removes}}
                        for element, (adds, removes) in tags.items()}
                 for name, tags in stored["e"].items()},
        "state": {"history": [entry(ref, op=op, **{"from": from_, "to": to}) for ref, op, from_, to in stored["h"]],
                  "lost": [entry(ref, op=op, to=to) for ref, op, to in stored["l"]]},
        "writes": {stamps[ref]["device"]: entry(ref, op=op, data=data) for ref, op, data in stored["w"]},
        "deletes": {stamps[ref]["mutation"]: entry(ref) for ref in stored["d"]},
    }
