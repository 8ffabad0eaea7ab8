"""Tickets: the handoff-ticket workflow around the merge.

A ticket is a synced entity; its state machine is in ``sync.entities`` and
who may do which op in ``server.services.rules``. This module adds what the
server decides: deadlines from the SLA table, the escalation level, which
department sees the ticket, and the follow-up mutations on its reports (taken
in when the ticket is made, closed when it is closed, released when it is
deleted) — applied in the same transaction through the same write path.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from server.clock import now as supervision_now
from server.extensions import db
from server.models import Department
from server.services import notifications
from server.services.batch import Batch
from server.services.hooks.base import EntityHooks
from server.services.rules import Rejection
from sync import sla
from sync.entities import REPORT_STATUS
from sync.merge import EntityState
from sync.mutation import Mutation

# The reports a ticket may take in: those its link_ticket transition starts from.
OPEN_REPORT_STATES = REPORT_STATUS.transition("link_ticket").sources


def _now() -> datetime:
    return supervision_now()


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")


def _added_reports(m: Mutation) -> list[str]:
    value = m.data.get("report_ids")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else list(value.get("add", []))


def _check_reports(batch: Batch, report_ids: list[str], grid_id, ticket_id: str) -> None:
    keys = [("report", rid) for rid in report_ids]
    batch.load_records(keys)
    problems = {}
    for key in keys:
        state, row = batch.states.get(key), batch.rows.get(key)
        if state is None or row is None or row["grid_id"] != grid_id or state.deleted:
            problems[key[1]] = "No such report in this grid."
        elif state.data.get("ticket_id") not in (None, ticket_id):
            problems[key[1]] = "Already part of another ticket."
        elif state.data.get("status") not in OPEN_REPORT_STATES and state.data.get("ticket_id") != ticket_id:
            problems[key[1]] = f"A {state.data.get('status')} report cannot join a ticket."
    if problems:
        raise Rejection("invalid", "Some reports cannot join this ticket.", {"report_ids": problems})


def server_data(batch: Batch, m: Mutation, state: EntityState | None, grid_id: int) -> dict:
    """Deadlines, level and timestamps the server sets on a ticket mutation."""
    now = _now()
    out: dict = {}
    if m.op in ("create", "update") and _added_reports(m):
        _check_reports(batch, _added_reports(m), grid_id, m.entity_id)
    if m.op == "create" and state is None:
        # Only a ticket's first create starts its clock and level; a create
        # re-sent for an existing ticket must not restart its SLA or undo an
        # escalation.
        out["level"] = "grid"
        out["due_at"] = _iso(sla.resolve_due(m.data.get("category", ""), m.data.get("severity", 2), now))
    elif m.op == "dispatch":
        department = m.data.get("department")
        if isinstance(department, bool) or not isinstance(department, int) or db.session.get(Department, department) is None:
            raise Rejection("invalid", "Dispatch to an existing department.", {"department": ["No such department."]})
        severity = (state.data.get("severity") if state else None) or 2
        out["dispatched_at"] = _iso(now)
        out["ack_due_at"] = _iso(sla.acknowledge_due(severity, now))
    elif m.op == "escalate":
        level = sla.next_level((state.data.get("level") if state else None) or "grid")
        if level is None:
            raise Rejection("invalid_state", "The ticket is already at the district level.")
        if batch.scope.role == "lead" and level != "community":
            raise Rejection("forbidden", "A team lead escalates to the community; the street takes it further.")
        out["level"] = level
    elif m.op in ("resolve", "close"):
        out["done_at"] = _iso(now)
    elif m.op == "send_back":
        if not (m.data.get("reason") or "").strip():
            raise Rejection("invalid", "Say why the ticket is not yours.", {"reason": ["Missing."]})
        # Back with the supervisor: the department no longer holds it.
        out["department"] = None
        out["ack_due_at"] = None
    elif m.op == "verify":
        fixed = m.data.get("fixed")
        if not isinstance(fixed, bool):
            raise Rejection("invalid", "Say whether the fix holds: fixed true or false.", {"fixed": ["Missing."]})
        if not fixed:  # rework (返工): counted, and the clock runs again
            out["done_at"] = None
            out["reopen_count"] = _reopens(state) + 1
    elif m.op == "reopen":
        out["done_at"] = None
        out["reopen_count"] = _reopens(state) + 1
    return out


def _reopens(state: EntityState | None) -> int:
    count = state.data.get("reopen_count") if state else None
    return count if isinstance(count, int) and not isinstance(count, bool) else 0


def department_of(m: Mutation, row: dict) -> int | None:
    """The department that sees the ticket: the one it was last dispatched to, until it is sent back."""
    if m.op == "send_back":
        return None
    department = m.data.get("department") if m.op == "dispatch" else None
    if isinstance(department, int) and not isinstance(department, bool):
        return department
    return row.get("department_id")


def _report_op(m: Mutation, report_id: str, op: str, data: dict, batch, clock) -> Mutation:
    state = batch.states.get(("report", report_id))
    return Mutation(
        # Derived from the ticket mutation, so a retried push cannot repeat it.
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"gridwalk:{m.id}:{op}:{report_id}")),
        entity="report", entity_id=report_id, op=op, hlc=clock.send(),
        base_version=state.version if state else None, data=data,
        device_id=m.device_id, actor=m.actor,
    )


def follow_ups(batch: Batch, m: Mutation, state: EntityState, *, clock) -> list[Mutation]:
    """Mutations on the ticket's reports that this ticket mutation implies."""
    if m.op in ("create", "update"):
        return [
            _report_op(m, rid, "link_ticket", {"ticket_id": m.entity_id}, batch, clock)
            for rid in _added_reports(m)
            if batch.states[("report", rid)].data.get("status") != "in_ticket"
        ]
    report_ids = state.data.get("report_ids") or []
    if m.op == "close" and state.data.get("status") == "closed":
        return [_report_op(m, rid, "close", {}, batch, clock) for rid in report_ids
                if _report_status(batch, rid) == "in_ticket"]
    if m.op == "delete":
        return [_report_op(m, rid, "unlink_ticket", {"ticket_id": None}, batch, clock) for rid in report_ids
                if _report_status(batch, rid) == "in_ticket"]
    return []


def _report_status(batch: Batch, report_id: str) -> str | None:
    state = batch.state_of("report", report_id)
    return state.data.get("status") if state else None


def _notify(m: Mutation, state: EntityState, grid_id: int) -> list[dict]:
    return notifications.on_ticket(m, state, grid_id)


HOOKS = EntityHooks(
    server_data=server_data,
    department_of=department_of,
    follow_ups=follow_ups,
    notifications=_notify,
    # The contract's parameter names of some ops, and the fields they are stored in.
    op_params={"resolve": {"note": "resolution_note", "photos": "resolution_photos"},
               "verify": {"note": "verification_note", "photos": "verification_photos"}},
)
