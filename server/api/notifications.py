"""The in-app notification feed."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.context import current_user
from server.api.guard import auth_required
from server.schemas.bounds import Int32
from server.services import notifications as notification_service

blp = Blueprint("notifications", __name__, url_prefix="/api", description="In-app notifications")


class NotificationQuerySchema(Schema):
    unread = fields.Bool(load_default=False)
    limit = Int32(load_default=100, validate=validate.Range(1, 500))


class NotificationSchema(Schema):
    id = fields.Str()
    kind = fields.Str()
    entity = fields.Str()
    entity_id = fields.Str()
    data = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationListSchema(Schema):
    notifications = fields.List(fields.Nested(NotificationSchema))


@blp.route("/notifications")
@auth_required()
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, NotificationListSchema)
def list_notifications(query):
    """The caller's notifications, newest first; mark one read with a `notification.read` mutation.

    Only reads: due and overdue notices are made by the `notify-due` job, not here.
    """
    return {"notifications": notification_service.list_for(current_user(), **query)}
