"""Push and pull (docs/PROTOCOL.md §6 "Push" and §7 "Pull")."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, jsonify, request
from flask_smorest import Blueprint

from server.api.context import current_device, current_scope, current_user
from server.api.guard import auth_required
from server.errors import DomainError
from server.models.types import utcnow
from server.schemas.sync import PullAnswerSchema, PullQuerySchema, PushAnswerSchema, PushSchema
from server.services import sync as sync_service

LAST_SEEN_STEP = timedelta(minutes=1)

blp = Blueprint("sync", __name__, url_prefix="/api/sync", description="Offline sync: push and pull")


@blp.before_request
def _limit_body():
    request.max_content_length = current_app.config["GRIDWALK_JSON_MAX_BYTES"]


@blp.route("/push", methods=["POST"])
@auth_required()
@blp.arguments(PushSchema)
@blp.response(200, PushAnswerSchema)
def push(body):
    """Apply a device's queued mutations; each one is answered on its own."""
    device = current_device()
    if body["device_id"] != device.id:
        raise DomainError("invalid", "device_id is not the device of this session.",
                       {"device_id": ["Does not match the token's device."]})
    now = utcnow()
    # Minute precision is enough for the device list and spares most pushes a write.
    if device.last_seen_at is None or now - device.last_seen_at >= LAST_SEEN_STEP:
        device.last_seen_at = now
    wanted = body["pull"]
    if wanted is not None:
        _checked_cursor(wanted["cursor"])  # a bad cursor refuses the request before anything is applied
    answer = sync_service.apply_mutations(current_user(), current_scope(), device.id, body["mutations"])
    if wanted is not None:
        # After the commit: this pull begins after the push, so it holds the push's own changes.
        answer["pull"] = sync_service.pull_changes(current_scope(), wanted["cursor"], wanted["limit"])
    # The schema documents the answer; the hot path skips re-serialising it.
    return jsonify(answer)


@blp.route("/pull", methods=["GET"])
@auth_required()
@blp.arguments(PullQuerySchema, location="query")
@blp.response(200, PullAnswerSchema)
def pull(query):
    """Changes after the cursor that the caller may see, oldest first."""
    _checked_cursor(query["cursor"])
    return jsonify(sync_service.pull_changes(current_scope(), query["cursor"], query["limit"]))


def _checked_cursor(cursor: str | None) -> None:
    try:
        sync_service.decode_cursor(cursor)
    except ValueError as exc:
        raise DomainError("invalid_cursor", "The cursor was not made by this server.") from exc
