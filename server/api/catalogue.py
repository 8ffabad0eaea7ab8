"""The category catalogue the phone caches for offline reporting."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from server.api.context import current_user
from server.api.guard import auth_required
from server.catalogue import CATEGORIES
from server.services.directory import departments_for

blp = Blueprint("catalogue", __name__, url_prefix="/api", description="Report categories and departments")


class SubcategorySchema(Schema):
    code = fields.Str()
    name_zh = fields.Str()
    name_en = fields.Str()


class CategorySchema(SubcategorySchema):
    icon = fields.Str()
    subcategories = fields.List(fields.Nested(SubcategorySchema))


class DispatchDepartmentSchema(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    name_en = fields.Str()
    categories = fields.List(fields.Str())


class CatalogueSchema(Schema):
    categories = fields.List(fields.Nested(CategorySchema))
    departments = fields.List(fields.Nested(DispatchDepartmentSchema))


@blp.route("/catalogue")
@auth_required()
@blp.response(200, CatalogueSchema)
def catalogue():
    """Every report category and subcategory (zh-CN and English), and the district's departments."""
    return {"categories": CATEGORIES, "departments": departments_for(current_user())}
