"""The category catalogue the phone caches for offline reporting."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from server.api.guard import auth_required
from server.catalogue import CATEGORIES

blp = Blueprint("catalogue", __name__, url_prefix="/api", description="Report categories")


class SubcategorySchema(Schema):
    code = fields.Str()
    name_zh = fields.Str()
    name_en = fields.Str()


class CategorySchema(SubcategorySchema):
    icon = fields.Str()
    subcategories = fields.List(fields.Nested(SubcategorySchema))


class CatalogueSchema(Schema):
    categories = fields.List(fields.Nested(CategorySchema))


@blp.route("/catalogue")
@auth_required()
@blp.response(200, CatalogueSchema)
def catalogue():
    """Every report category and subcategory, in zh-CN and English."""
    return {"categories": CATEGORIES}
