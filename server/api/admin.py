"""Admin endpoints to set up grids, teams, users, beats, departments and devices."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate

from server.api.context import current_user
from server.api.guard import auth_required
from server.errors import DomainError
from server.extensions import db
from server.models import Beat, Community, Department, Device, Grid, Street, Team, User
from server.schemas.bounds import INT32_MAX, Int32
from server.schemas.common import PageQuerySchema
from server.schemas.org import (
    AdminUserSchema, BeatSchema, CommunitySchema, DepartmentSchema, DeviceSchema, GridSchema,
    StreetSchema, TeamSchema,
)
from server.services import admin as admin_service
from server.services import auth as auth_service

blp = Blueprint("admin", __name__, url_prefix="/api/admin", description="District set-up (admin only)")


def _get_or_404(model, obj_id):
    obj = db.session.get(model, obj_id)
    if obj is None:
        raise DomainError("not_found", f"No {model.__tablename__[:-1]} with id {obj_id}.")
    return obj


def _crud(path: str, model, schema_cls) -> None:
    """Register list/create and get/update views for one organisation resource."""
    name = model.__tablename__
    # A named subclass, so the OpenAPI document has a distinct "…Patch" schema.
    patch_schema = type(f"{schema_cls.__name__[:-6]}PatchSchema", (schema_cls,), {})(partial=True)

    class Collection(MethodView):
        @auth_required("admin")
        @blp.arguments(PageQuerySchema, location="query")
        @blp.response(200, schema_cls(many=True))
        def get(self, page):
            query = db.select(model).order_by(model.id).limit(page["limit"]).offset(page["offset"])
            return db.session.execute(query).scalars().all()

        @auth_required("admin")
        @blp.arguments(schema_cls)
        @blp.response(201, schema_cls)
        def post(self, body):
            return admin_service.create(model, body, current_user())

    class Item(MethodView):
        @auth_required("admin")
        @blp.response(200, schema_cls)
        def get(self, obj_id):
            return _get_or_404(model, obj_id)

        @auth_required("admin")
        @blp.arguments(patch_schema)
        @blp.response(200, schema_cls)
        def patch(self, body, obj_id):
            return admin_service.update(_get_or_404(model, obj_id), body, current_user())

    Collection.__name__ = f"{name}_collection"
    Item.__name__ = f"{name}_item"
    Collection.__doc__ = f"List or create {name}."
    Item.__doc__ = f"Read or change one of the {name}."
    blp.route(f"/{path}", endpoint=f"{name}_collection")(Collection)
    # Ids are PostgreSQL INTEGERs: a longer one matches no route (404) rather
    # than overflowing the database driver.
    blp.route(f"/{path}/<int(max={INT32_MAX}):obj_id>", endpoint=f"{name}_item")(Item)


_crud("streets", Street, StreetSchema)
_crud("communities", Community, CommunitySchema)
_crud("grids", Grid, GridSchema)
_crud("teams", Team, TeamSchema)
_crud("users", User, AdminUserSchema)
_crud("beats", Beat, BeatSchema)
_crud("departments", Department, DepartmentSchema)


class DeviceQuerySchema(PageQuerySchema):
    user = Int32(validate=validate.Range(1, 2**31 - 1))


@blp.route("/devices")
@auth_required("admin")
@blp.arguments(DeviceQuerySchema, location="query")
@blp.response(200, DeviceSchema(many=True))
def list_devices(page):
    """Every registered device (or one user's, `?user=<id>`), newest first, with when each was last seen."""
    query = db.select(Device).order_by(Device.created_at.desc()).limit(page["limit"]).offset(page["offset"])
    if page.get("user") is not None:
        query = query.where(Device.user_id == page["user"])
    return db.session.execute(query).scalars().all()


@blp.route("/devices/<device_id>/revoke", methods=["POST"])
@auth_required("admin")
@blp.response(200, DeviceSchema)
def revoke_device(device_id):
    """Revoke a lost phone: every token of it stops working at once."""
    return auth_service.revoke_device(current_user(), device_id)
