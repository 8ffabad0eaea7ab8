"""Intake accounts' API keys (admins) and the street's queue of cases that fell outside every grid."""

from __future__ import annotations

from flask_smorest import Blueprint

from server.api.context import current_scope, current_user
from server.api.guard import auth_required
from server.errors import DomainError
from server.extensions import db
from server.schemas.bounds import INT32_MAX
from server.schemas.open311 import AssignSchema, IssuedKeySchema, KeyCreateSchema, KeySchema, QueueSchema
from server.schemas.open311 import QueuedCaseSchema
from server.services import intake, intake_keys
from server.services.open311 import queue_entry

blp = Blueprint("intake", __name__, url_prefix="/api/intake", description="Open311 intake: keys and the street queue")


@blp.route("/keys", methods=["GET"])
@auth_required("admin")
@blp.response(200, KeySchema(many=True))
def list_keys():
    """Every intake API key (never the keys themselves: only their first characters)."""
    return intake_keys.list_keys()


@blp.route("/keys", methods=["POST"])
@auth_required("admin")
@blp.arguments(KeyCreateSchema)
@blp.response(201, IssuedKeySchema)
def create_key(body):
    """Issue a key to an intake account (made if new); the key is in this answer and nowhere else."""
    user = current_user()
    district = body.get("district_id") or user.district_id
    if district is None:
        raise DomainError("invalid", "Say which district the account hands cases to.", {"district_id": ["Missing."]})
    account = intake_keys.ensure_account(body["account"], body.get("account_name") or body["account"], district)
    row, key = intake_keys.issue_key(account, body["name"], user.username)
    db.session.commit()
    row.key = key  # answered once, never stored
    return row


@blp.route(f"/keys/<int(max={INT32_MAX}):key_id>/revoke", methods=["POST"])
@auth_required("admin")
@blp.response(200, KeySchema)
def revoke_key(key_id):
    """Revoke a key: its holder is refused (403) from now on."""
    row = intake_keys.revoke_key(key_id, current_user().username)
    db.session.commit()
    return row


@blp.route("/queue", methods=["GET"])
@auth_required("supervisor", "admin")
@blp.response(200, QueueSchema)
def queue():
    """Cases handed in whose point is inside no grid, waiting for the street to pick one."""
    return {"cases": [queue_entry(c) for c in intake.street_queue(current_scope())]}


@blp.route("/queue/<uuid:case_id>/assign", methods=["POST"])
@auth_required("supervisor", "admin")
@blp.arguments(AssignSchema)
@blp.response(200, QueuedCaseSchema)
def assign(body, case_id):
    """Send a queued case to one of the street's grids, where it becomes a report in the huddle."""
    return queue_entry(intake.assign(current_scope(), str(case_id), body["grid_id"]))
