"""The synced entities, declared as data.

Each entity lists its fields and how each merges:

* ``SCALAR`` — last writer by HLC wins, per field; concurrent losing values are
  kept as conflicts.
* ``SET`` — an add-wins set of strings (photo hashes, tags, linked ids).
* ``STATE`` — the entity's status, moved only by the named transitions of its
  state machine; a transition that a concurrent one made invalid becomes a
  conflict instead of being dropped.
* ``PARAM`` — a parameter of a transition op that picks its outcome (a
  ``verify``'s ``fixed``). It is read by the transition and kept in the audit
  trail, never stored on the record: the state says what came of it, so two
  racing ops cannot leave a state and a parameter that disagree.

``server_fields`` are written by the server (who reported, derived flags, due
times, the department a ticket is with); a client mutation that tries to set
one is rejected, unless it is the parameter of the op that moves it
(``op_fields``: a ``dispatch`` names its department). Who may perform
which op is a server rule (``server/services``), not a merge rule, so it is
not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

SCALAR = "scalar"
SET = "set"
STATE = "state"
PARAM = "param"

# Ops every entity understands; entity-specific ops are its state transitions.
CREATE = "create"
UPDATE = "update"
DELETE = "delete"
GENERIC_OPS = frozenset({CREATE, UPDATE, DELETE})


@dataclass(frozen=True)
class Transition:
    """An op that moves the state field from one of ``sources`` to ``target``.

    ``when`` is ``(field, value)`` for an op whose outcome depends on what it
    carries: a ``verify`` that found the fix holding moves a ticket to
    ``verified``, one that found it failing sends it back (``reopened``).
    """

    op: str
    sources: frozenset[str]
    target: str
    when: tuple[str, object] | None = None

    def applies_to(self, data: dict | None) -> bool:
        """Whether this transition is the one an op carrying ``data`` takes."""
        return self.when is None or data is None or data.get(self.when[0]) == self.when[1]


@dataclass(frozen=True)
class StateMachine:
    """The status field of an entity and the transitions that move it."""

    field: str
    initial: str
    # States a `create` may start in besides `initial` (a report can be filed
    # already solved on site).
    creatable: frozenset[str]
    transitions: tuple[Transition, ...]
    # States in which the work is finished (a ticket resolved or closed): the
    # SLA clock stops and the record no longer counts as open.
    done: frozenset[str] = frozenset()

    def transition(self, op: str, data: dict | None = None) -> Transition | None:
        """The transition ``op`` takes with ``data`` (the first declared for ``op`` without data)."""
        for t in self.transitions:
            if t.op == op and t.applies_to(data):
                return t
        return None

    @property
    def ops(self) -> frozenset[str]:
        return frozenset(t.op for t in self.transitions)

    @property
    def states(self) -> frozenset[str]:
        """Every state the field can hold."""
        named = {self.initial, *self.creatable}
        for t in self.transitions:
            named.update(t.sources)
            named.add(t.target)
        return frozenset(named)

    @property
    def open_states(self) -> frozenset[str]:
        """The states in which the work is not finished."""
        return self.states - self.done


@dataclass(frozen=True)
class EntitySpec:
    """How one entity's fields merge, and which of them only the server writes."""

    name: str
    fields: Mapping[str, str]
    state_machine: StateMachine | None = None
    server_fields: frozenset[str] = field(default_factory=frozenset)
    # Extra ops that change no state field but are still meaningful (e.g. a
    # ticket's `escalate` moves its level, a conflict's `resolve`).
    extra_ops: frozenset[str] = field(default_factory=frozenset)
    # Server fields an op carries as its parameter (a dispatch names its
    # department); every other write of them is the server's own.
    op_fields: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def ops(self) -> frozenset[str]:
        state_ops = self.state_machine.ops if self.state_machine else frozenset()
        return GENERIC_OPS | state_ops | self.extra_ops

    def kind(self, name: str) -> str | None:
        return self.fields.get(name)


def _t(op: str, sources: str, target: str, when: tuple[str, object] | None = None) -> Transition:
    # Runs only while this module is imported, before `make mutation` can switch a mutant on,
    # so its mutants could never fail a test; the tables it builds are pinned by
    # tests/sync/test_spec_document.py and tests/sync/test_entities.py instead.
    return Transition(op, frozenset(sources.split()), target, when)  # pragma: no mutate


REPORT_STATUS = StateMachine(
    field="status",
    initial="open",
    creatable=frozenset({"open", "solved_on_site", "needs_handoff"}),
    transitions=(
        _t("solve", "open needs_handoff", "solved_on_site"),
        _t("handoff", "open solved_on_site", "needs_handoff"),
        _t("reopen", "solved_on_site needs_handoff closed", "open"),
        # Moved by the ticket workflow on the server, never by a phone.
        _t("link_ticket", "open needs_handoff solved_on_site", "in_ticket"),
        _t("unlink_ticket", "in_ticket", "needs_handoff"),
        _t("close", "in_ticket solved_on_site", "closed"),
    ),
    done=frozenset({"closed"}),
)

TICKET_STATUS = StateMachine(
    field="status",
    initial="draft",
    creatable=frozenset({"draft"}),
    transitions=(
        _t("submit", "draft returned reopened", "submitted"),
        _t("approve", "submitted", "approved"),
        _t("return", "submitted approved resolved", "returned"),
        _t("dispatch", "approved reopened sent_back", "dispatched"),
        # Not this department's job (退回改派): back to the supervisor to dispatch again.
        _t("send_back", "dispatched acknowledged reopened", "sent_back"),
        _t("acknowledge", "dispatched reopened", "acknowledged"),
        _t("resolve", "dispatched acknowledged reopened", "resolved"),
        # Checked on site (核查): fixed lets the lead close it (销号); not fixed is rework (返工).
        _t("verify", "resolved", "verified", when=("fixed", True)),
        _t("verify", "resolved", "reopened", when=("fixed", False)),
        _t("close", "approved resolved verified", "closed"),
        _t("reopen", "resolved verified closed", "reopened"),
    ),
    done=frozenset({"resolved", "verified", "closed"}),
)

ENTITIES: Mapping[str, EntitySpec] = MappingProxyType(
    {
        "report": EntitySpec(
            name="report",
            fields=MappingProxyType(
                {
                    "grid_id": SCALAR,
                    "category": SCALAR,
                    "subcategory": SCALAR,
                    "description": SCALAR,
                    "lat": SCALAR,
                    "lon": SCALAR,
                    "accuracy_m": SCALAR,
                    "place": SCALAR,
                    "severity": SCALAR,
                    "device_time": SCALAR,
                    "photos": SET,
                    "after_photos": SET,
                    "tags": SET,
                    "status": STATE,
                    "reporter": SCALAR,
                    "ticket_id": SCALAR,
                }
            ),
            state_machine=REPORT_STATUS,
            server_fields=frozenset({"reporter", "ticket_id"}),
        ),
        "checkin": EntitySpec(
            name="checkin",
            fields=MappingProxyType(
                {
                    "grid_id": SCALAR,
                    "at": SCALAR,
                    "lat": SCALAR,
                    "lon": SCALAR,
                    "accuracy_m": SCALAR,
                    "checkpoint_id": SCALAR,
                    "note": SCALAR,
                    "photos": SET,
                    "user": SCALAR,
                    "distance_m": SCALAR,
                    "flags": SET,
                }
            ),
            server_fields=frozenset({"user", "distance_m", "flags"}),
        ),
        "visit": EntitySpec(
            name="visit",
            fields=MappingProxyType(
                {
                    "grid_id": SCALAR,
                    "visited_at": SCALAR,
                    "place_kind": SCALAR,
                    "place": SCALAR,
                    "people_met": SCALAR,
                    "contact_name": SCALAR,
                    "contact_phone": SCALAR,
                    "needs": SCALAR,
                    "notes": SCALAR,
                    "follow_up": SCALAR,
                    "photos": SET,
                    "visitor": SCALAR,
                }
            ),
            server_fields=frozenset({"visitor"}),
        ),
        "ticket": EntitySpec(
            name="ticket",
            fields=MappingProxyType(
                {
                    "grid_id": SCALAR,
                    "title": SCALAR,
                    "category": SCALAR,
                    "severity": SCALAR,
                    "report_ids": SET,
                    "level": SCALAR,
                    "department": SCALAR,
                    "status": STATE,
                    "due_at": SCALAR,
                    "ack_due_at": SCALAR,
                    "reason": SCALAR,
                    "resolution_note": SCALAR,
                    "resolution_photos": SET,
                    "created_by": SCALAR,
                    "dispatched_at": SCALAR,
                    "done_at": SCALAR,
                    "fixed": PARAM,
                    "verification_note": SCALAR,
                    "verification_photos": SET,
                    "reopen_count": SCALAR,
                    # Pre-filled at the huddle from the merged reports, editable.
                    "place": SCALAR,
                    "photos": SET,
                }
            ),
            state_machine=TICKET_STATUS,
            server_fields=frozenset(
                {"due_at", "ack_due_at", "created_by", "level", "dispatched_at", "done_at", "department",
                 "reopen_count"}
            ),
            extra_ops=frozenset({"escalate"}),
            op_fields=MappingProxyType({"dispatch": frozenset({"department"})}),
        ),
        # Not a record: resolving a conflict is a mutation on it, so it syncs
        # and is audited like any other change (docs/PROTOCOL.md §9 "Conflicts").
        "conflict": EntitySpec(
            name="conflict",
            fields=MappingProxyType({"choice": SCALAR, "value": SCALAR, "note": SCALAR}),
            extra_ops=frozenset({"resolve"}),
        ),
        # Marking an in-app notification read.
        "notification": EntitySpec(
            name="notification",
            fields=MappingProxyType({}),
            extra_ops=frozenset({"read"}),
        ),
        # A team notice from the huddle (专项排查): a problem every member looks
        # for on the round of ``for_day``. Codes, not sentences: each phone
        # words it in its own language.
        "notice": EntitySpec(
            name="notice",
            fields=MappingProxyType(
                {
                    "grid_id": SCALAR,
                    "kind": SCALAR,
                    "category": SCALAR,
                    "for_day": SCALAR,
                    "note": SCALAR,
                    "created_by": SCALAR,
                }
            ),
            server_fields=frozenset({"created_by"}),
        ),
        # The huddle's decision that ``report_id`` is not the same problem as
        # the reports in ``apart_from`` (a report split out of a suggested
        # cluster); duplicate clustering never links such a pair again.
        # Deleting the record undoes the split.
        "keep_apart": EntitySpec(
            name="keep_apart",
            fields=MappingProxyType(
                {
                    "grid_id": SCALAR,
                    "report_id": SCALAR,
                    "apart_from": SET,
                    "created_by": SCALAR,
                }
            ),
            server_fields=frozenset({"created_by"}),
        ),
    }
)

# Entities that are stored as records (everything but the conflict pseudo-entity).
RECORD_ENTITIES = frozenset({"report", "checkin", "visit", "ticket", "notice", "keep_apart"})


def entity_spec(name: str) -> EntitySpec | None:
    """The spec of a synced entity, or None when there is no such entity."""
    return ENTITIES.get(name)
