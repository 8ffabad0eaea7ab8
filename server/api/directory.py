"""People and grids a caller may name on screen: display names, never usernames (DESIGN.md "Screens")."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from server.api.context import current_scope, current_user
from server.api.guard import auth_required
from server.schemas.bounds import Int32
from server.services import directory

blp = Blueprint("directory", __name__, url_prefix="/api", description="People and grids by name")

MAX_PEOPLE = 2000


class UsernameList(fields.Str):
    """A comma-separated list of usernames (``?usernames=g1-2,street1``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        names = [n.strip() for n in text.split(",") if n.strip()]
        if not names or len(names) > 500 or any(len(n) > 64 for n in names):
            raise ValidationError("Give 1 to 500 usernames, comma-separated.")
        return names


class PeopleQuerySchema(Schema):
    usernames = UsernameList()
    limit = Int32(load_default=MAX_PEOPLE, validate=validate.Range(1, MAX_PEOPLE))


class PersonSchema(Schema):
    username = fields.Str()
    display_name = fields.Str()
    role = fields.Str()
    team_role = fields.Str(allow_none=True)
    grid_id = fields.Int(allow_none=True)


class PeopleSchema(Schema):
    people = fields.List(fields.Nested(PersonSchema))


class GridItemSchema(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    kind = fields.Str()
    street_id = fields.Int()
    community = fields.Str()
    center_lat = fields.Float(allow_none=True)
    center_lon = fields.Float(allow_none=True)


class GridListSchema(Schema):
    grids = fields.List(fields.Nested(GridItemSchema))


@blp.route("/people")
@auth_required()
@blp.arguments(PeopleQuerySchema, location="query")
@blp.response(200, PeopleSchema)
def people(query):
    """People the caller may name (their team, their street's supervisors, the desks they work with).

    With `usernames`, only those of them the caller may see; the others are
    left out, whether or not they exist.
    """
    return {"people": directory.people_for(current_scope(), current_user(), query.get("usernames"),
                                           query["limit"])}


@blp.route("/grids")
@auth_required()
@blp.response(200, GridListSchema)
def grids():
    """The grids the caller works with, by name: filters and headings on the desk screens."""
    return {"grids": directory.grids_for(current_scope(), current_user())}
