"""The set-up changes in the audit trail, for the admin's screen (every admin change is shown there)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.guard import auth_required
from server.schemas.bounds import Int32, Int64
from server.services import audit as audit_service

blp = Blueprint("audit", __name__, url_prefix="/api/admin", description="The audit trail of set-up changes")


class AuditQuerySchema(Schema):
    entity = fields.List(fields.Str(validate=validate.OneOf(audit_service.ADMIN_ENTITIES)))
    actor = fields.Str(validate=validate.Length(1, 64))
    limit = Int32(load_default=100, validate=validate.Range(1, 500))
    offset = Int64(load_default=0, validate=validate.Range(0))


class AuditEntrySchema(Schema):
    seq = fields.Int()
    at = fields.DateTime()
    actor = fields.Str()
    action = fields.Str()
    entity = fields.Str(allow_none=True)
    entity_id = fields.Str(allow_none=True)
    data = fields.Dict(allow_none=True)


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    total = fields.Int()
    limit = fields.Int()
    offset = fields.Int()


@blp.route("/audit")
@auth_required("admin")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema)
def audit_trail(query):
    """Set-up changes (users, teams, grids, departments, beats, device revocations, intake keys), newest first."""
    return audit_service.admin_trail(entities=query.get("entity"), actor=query.get("actor"),
                                     limit=query["limit"], offset=query["offset"])
