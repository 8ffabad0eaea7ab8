"""The evening huddle (docs/PROTOCOL.md §12 "Tickets")."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import INCLUDE, Schema, fields

from server.api.context import current_scope, current_user
from server.api.guard import auth_required
from server.schemas.bounds import Day, Int32
from server.schemas.listing import RecordOutSchema
from server.schemas.sync import ConflictSchema
from server.services import huddle as huddle_service

blp = Blueprint("huddle", __name__, url_prefix="/api", description="The evening huddle (碰头会)")


class HuddleQuerySchema(Schema):
    grid = Int32()
    date = Day()


class ClusterSchema(Schema):
    report_ids = fields.List(fields.Str())
    score = fields.Float()
    reasons = fields.List(fields.Str())
    kind = fields.Str()


class TicketMatchSchema(Schema):
    report_id = fields.Str()
    ticket_id = fields.Str()
    score = fields.Float()
    reasons = fields.List(fields.Str())


class CommonProblemSchema(Schema):
    class Meta:
        unknown = INCLUDE

    category = fields.Str()
    name_zh = fields.Str()
    name_en = fields.Str()
    grid_count = fields.Int()
    street_count = fields.Int()
    grids = fields.List(fields.Int())
    scope = fields.Str()
    suggestion = fields.Str(metadata={"description": "English wording; screens translate suggestion_code"})
    suggestion_code = fields.Str(metadata={"description": "street_wide_check | grid_wide_check"})


class CheckinSummarySchema(Schema):
    member = fields.Str()
    display_name = fields.Str()
    count = fields.Int()
    first = fields.Str(allow_none=True)
    last = fields.Str(allow_none=True)
    checkpoints_covered = fields.Int()
    checkpoints_total = fields.Int()
    compliance = fields.Float(allow_none=True)
    flagged = fields.Int(metadata={"description": "check-ins with any flag"})
    off_beat = fields.Int(metadata={"description": "check-ins outside the grid, at another's checkpoint or far from it"})


class MapPointSchema(Schema):
    id = fields.Raw()
    name = fields.Str()
    kind = fields.Str()
    lat = fields.Float()
    lon = fields.Float()
    radius_m = fields.Int()


class MapBeatSchema(Schema):
    member = fields.Str()
    name = fields.Str()
    places = fields.List(fields.Nested(MapPointSchema))
    checkpoints = fields.List(fields.Nested(MapPointSchema))


class GridMapSchema(Schema):
    boundary = fields.Dict(allow_none=True, metadata={"description": "GeoJSON Polygon, WGS-84"})
    center = fields.List(fields.Float(), allow_none=True)
    beats = fields.List(fields.Nested(MapBeatSchema))
    tile_url = fields.Str(allow_none=True, metadata={"description": "GRIDWALK_TILE_URL, an optional raster layer"})
    datum = fields.Str()


class HuddleSchema(Schema):
    grid = fields.Dict()
    date = fields.Str()
    generated_at = fields.Str(metadata={"description": "when the server put this answer together"})
    reports = fields.List(fields.Nested(RecordOutSchema))
    clusters = fields.List(fields.Nested(ClusterSchema))
    ticket_matches = fields.List(fields.Nested(TicketMatchSchema))
    conflicts = fields.List(fields.Nested(ConflictSchema))
    common_problems = fields.List(fields.Nested(CommonProblemSchema))
    checkins = fields.List(fields.Nested(CheckinSummarySchema))
    visits = fields.Int()
    map = fields.Nested(GridMapSchema)


@blp.route("/huddle")
@auth_required("patroller", "lead", "supervisor", "admin")
@blp.arguments(HuddleQuerySchema, location="query")
@blp.response(200, HuddleSchema)
def huddle(query):
    """A grid's day: reports, duplicate clusters, ticket matches, conflicts, common problems, check-ins."""
    return huddle_service.huddle(current_scope(), current_user(), query.get("grid"), query.get("date"))


@blp.route("/checkins/summary")
@auth_required("patroller", "lead", "supervisor", "admin")
@blp.arguments(HuddleQuerySchema, location="query")
@blp.response(200, CheckinSummarySchema(many=True))
def checkin_summary(query):
    """Per member and day: first and last check-in, checkpoints covered, compliance."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from flask import current_app

    grid = huddle_service.resolve_grid(current_scope(), current_user(), query.get("grid"))
    day = query.get("date") or datetime.now(ZoneInfo(current_app.config["GRIDWALK_TIMEZONE"])).date()
    return huddle_service.checkin_summary(grid, day)
