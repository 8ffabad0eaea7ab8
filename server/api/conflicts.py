"""Unresolved sync conflicts, side by side, for the huddle."""

from __future__ import annotations

from flask_smorest import Blueprint

from server.api.context import current_scope
from server.api.guard import auth_required
from server.schemas.sync import ConflictListSchema, ConflictQuerySchema
from server.services import conflicts as conflict_service

blp = Blueprint("conflicts", __name__, url_prefix="/api", description="Sync conflicts")


@blp.route("/conflicts")
@auth_required()
@blp.arguments(ConflictQuerySchema, location="query")
@blp.response(200, ConflictListSchema)
def list_conflicts(query):
    """Unresolved conflicts the caller may see: the value kept and the value(s) that lost."""
    return {"conflicts": conflict_service.open_conflicts(current_scope(), **query)}
