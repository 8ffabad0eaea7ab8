"""Liveness and readiness."""

from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import text

from server.extensions import db
from server.schemas.common import HealthSchema

blp = Blueprint("health", __name__, url_prefix="/api", description="Service health")


@blp.route("/health")
@blp.response(200, HealthSchema)
@blp.alt_response(503, description="The database cannot be reached")
def health():
    """Answer ok when the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means not ready
        db.session.rollback()
        from flask import abort

        abort(503, description="The database is not reachable.")
    return {"status": "ok", "database": db.engine.dialect.name}
