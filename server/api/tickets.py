"""Handoff tickets: lists, history, the weekly overdue report, and workflow actions.

Actions are mutations applied through the same write path as the phones' sync.
"""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from server import clock

from server.api.context import current_device, current_scope, current_user
from server.api.guard import auth_required
from server.schemas.tickets import (
    ACTIONS, DossierSchema, HistoryEntrySchema, OverdueQuerySchema, OverdueSchema, TicketCreateSchema,
    TicketPageSchema, TicketQuerySchema, TicketSchema,
)
from server.services import ticket_queries
from server.services.dossier import ticket_dossier
from server.services.actions import apply_action

blp = Blueprint("tickets", __name__, url_prefix="/api/tickets", description="Handoff tickets (问题交接单)")


def _ticket(ticket_id: str) -> dict:
    record = ticket_queries.get_ticket(current_scope(), ticket_id)
    return ticket_queries.serialise(record, clock.now())


@blp.route("", methods=["GET"])
@auth_required()
@blp.arguments(TicketQuerySchema, location="query")
@blp.response(200, TicketPageSchema)
def list_tickets(query):
    """Tickets the caller may see, by status, colour, level and department."""
    return ticket_queries.list_tickets(current_scope(), query)


@blp.route("", methods=["POST"])
@auth_required()
@blp.arguments(TicketCreateSchema)
@blp.response(201, TicketSchema)
def create_ticket(body):
    """Turn reports into a draft ticket (team lead)."""
    ticket_id = str(body.pop("id") or uuid.uuid4())
    mutation_id = body.pop("mutation_id")
    data = {k: v for k, v in body.items() if v is not None}
    apply_action(current_user(), current_scope(), current_device().id, "ticket", ticket_id, "create", data,
                 mutation_id=str(mutation_id) if mutation_id else None)
    return _ticket(ticket_id)


@blp.route("/overdue", methods=["GET"])
@auth_required()
@blp.arguments(OverdueQuerySchema, location="query")
@blp.response(200, OverdueSchema)
def overdue(query):
    """The weekly overdue report: tickets past due in the week, by grid and department."""
    return ticket_queries.overdue_report(current_scope(), query.get("week"))


@blp.route("/<uuid:ticket_id>", methods=["GET"])
@auth_required()
@blp.response(200, TicketSchema)
def get_ticket(ticket_id):
    """One ticket with its colour."""
    return _ticket(str(ticket_id))


@blp.route("/<uuid:ticket_id>/history", methods=["GET"])
@auth_required()
@blp.response(200, HistoryEntrySchema(many=True))
def history(ticket_id):
    """The ticket's trail from the append-only audit log, oldest first."""
    return ticket_queries.ticket_history(current_scope(), str(ticket_id))


@blp.route("/<uuid:ticket_id>/dossier", methods=["GET"])
@auth_required()
@blp.response(200, DossierSchema)
def dossier(ticket_id):
    """Everything the ticket's page and its printed handoff sheet show, with the names of everyone on it."""
    return ticket_dossier(current_scope(), str(ticket_id))


def _register_action(action: str, schema) -> None:
    """One route per op, so the OpenAPI document states the parameters each op takes."""

    @blp.route(f"/<uuid:ticket_id>/{action}", methods=["POST"], endpoint=f"ticket_{action}")
    @auth_required()
    @blp.arguments(schema)
    @blp.response(200, TicketSchema)
    @blp.doc(summary=f"Do the workflow op `{action}` on the ticket (a mutation through the write path).")
    def act(body, ticket_id):
        """Build the op's mutation from the body and answer the ticket as it is afterwards."""
        base_version = body.pop("base_version")
        mutation_id = body.pop("mutation_id")
        if base_version is None:
            base_version = ticket_queries.get_ticket(current_scope(), str(ticket_id)).version
        answer = apply_action(current_user(), current_scope(), current_device().id, "ticket", str(ticket_id),
                              action, body, base_version=base_version,
                              mutation_id=str(mutation_id) if mutation_id else None)
        return ticket_queries.ticket_after_action(current_scope(), str(ticket_id), answer.get("version"))


for _action, _schema in ACTIONS.items():
    _register_action(_action, _schema)
