"""The caller's team: members by display name, for the lead's screens (docs/ARCHITECTURE.md §4)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.context import current_scope, current_user
from server.api.guard import auth_required
from server.schemas.bounds import Int32
from server.services import huddle as huddle_service
from server.services import team as team_service

blp = Blueprint("team", __name__, url_prefix="/api", description="A grid's team")


class TeamQuerySchema(Schema):
    grid = Int32(validate=validate.Range(1, 2**31 - 1))


class TeamMemberSchema(Schema):
    username = fields.Str()
    display_name = fields.Str()
    role = fields.Str()
    team_role = fields.Str(allow_none=True)


class TeamRosterSchema(Schema):
    grid = fields.Dict()
    members = fields.List(fields.Nested(TeamMemberSchema))


@blp.route("/team")
@auth_required("patroller", "lead", "supervisor", "admin")
@blp.arguments(TeamQuerySchema, location="query")
@blp.response(200, TeamRosterSchema)
def team(query):
    """The members of a grid's team (the caller's grid by default): username, display name, roles."""
    grid = huddle_service.resolve_grid(current_scope(), current_user(), query.get("grid"))
    return {"grid": {"id": grid.id, "code": grid.code, "name": grid.name}, "members": team_service.members(grid)}
