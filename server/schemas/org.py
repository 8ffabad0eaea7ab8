"""Grids, teams, users, beats and departments, for /api/me and the admin API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.models.org import GRID_KINDS
from server.models.people import ROLES, TEAM_ROLES
from server.schemas.auth import UserSchema
from server.schemas.bounds import Int32

LAT = validate.Range(-90, 90)
LON = validate.Range(-180, 180)


class GeoJSONPolygon(fields.Dict):
    """A GeoJSON Polygon: {"type": "Polygon", "coordinates": [[[lon, lat], ...]]}."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value.get("type") != "Polygon" or not isinstance(value.get("coordinates"), list):
            raise self.make_error("invalid_polygon")
        for ring in value["coordinates"]:
            if not isinstance(ring, list) or len(ring) < 4:
                raise self.make_error("invalid_polygon")
            for point in ring:
                if (
                    not isinstance(point, list)
                    or len(point) != 2
                    or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in point)
                    or not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90)
                ):
                    raise self.make_error("invalid_polygon")
        return value

    default_error_messages = {
        "invalid_polygon": "Must be a GeoJSON Polygon with closed rings of [lon, lat] points."
    }


class GridSchema(Schema):
    id = fields.Int(dump_only=True)
    community_id = Int32(required=True)
    street_id = fields.Int(dump_only=True)
    code = fields.Str(required=True, validate=validate.Length(1, 32))
    name = fields.Str(required=True, validate=validate.Length(1, 120))
    kind = fields.Str(load_default="residential", validate=validate.OneOf(GRID_KINDS))
    boundary = GeoJSONPolygon(allow_none=True, load_default=None)
    center_lat = fields.Float(allow_none=True, validate=LAT)
    center_lon = fields.Float(allow_none=True, validate=LON)
    population = Int32(load_default=0, validate=validate.Range(0))
    households = Int32(load_default=0, validate=validate.Range(0))
    buildings = Int32(load_default=0, validate=validate.Range(0))
    shops = Int32(load_default=0, validate=validate.Range(0))


class StreetSchema(Schema):
    id = fields.Int(dump_only=True)
    district_id = Int32(required=True)
    code = fields.Str(required=True, validate=validate.Length(1, 32))
    name = fields.Str(required=True, validate=validate.Length(1, 120))


class CommunitySchema(Schema):
    id = fields.Int(dump_only=True)
    street_id = Int32(required=True)
    code = fields.Str(required=True, validate=validate.Length(1, 32))
    name = fields.Str(required=True, validate=validate.Length(1, 120))


class TeamSchema(Schema):
    id = fields.Int(dump_only=True)
    grid_id = Int32(required=True)
    name = fields.Str(required=True, validate=validate.Length(1, 120))
    member_ids = fields.Method("_member_ids", dump_only=True)

    def _member_ids(self, team):
        return [m.id for m in team.members]


class AdminUserSchema(Schema):
    id = fields.Int(dump_only=True)
    username = fields.Str(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{2,64}$"))
    display_name = fields.Str(load_default="", validate=validate.Length(0, 120))
    phone = fields.Str(allow_none=True, load_default=None, validate=validate.Regexp(r"^\+?[0-9 -]{5,20}$"))
    password = fields.Str(load_only=True, required=True, validate=validate.Length(8, 256))
    role = fields.Str(required=True, validate=validate.OneOf(ROLES))
    team_role = fields.Str(allow_none=True, load_default=None, validate=validate.OneOf(TEAM_ROLES))
    district_id = Int32(allow_none=True, load_default=None)
    street_id = Int32(allow_none=True, load_default=None)
    grid_id = Int32(allow_none=True, load_default=None)
    team_id = Int32(allow_none=True, load_default=None)
    department_id = Int32(allow_none=True, load_default=None)
    active = fields.Bool(load_default=True)


class PlaceSchema(Schema):
    id = fields.Str(required=True, validate=validate.Length(1, 64))
    name = fields.Str(required=True, validate=validate.Length(1, 120))
    kind = fields.Str(required=True, validate=validate.OneOf(("building", "unit", "street", "shop", "household")))
    lat = fields.Float(allow_none=True, validate=LAT)
    lon = fields.Float(allow_none=True, validate=LON)


class CheckpointSchema(Schema):
    id = fields.Int(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(1, 120))
    lat = fields.Float(required=True, validate=LAT)
    lon = fields.Float(required=True, validate=LON)
    radius_m = Int32(load_default=50, validate=validate.Range(5, 2000))


class BeatSchema(Schema):
    id = fields.Int(dump_only=True)
    user_id = Int32(required=True)
    grid_id = fields.Int(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(1, 120))
    places = fields.List(fields.Nested(PlaceSchema), load_default=list)
    responsibilities = fields.List(fields.Str(validate=validate.Length(1, 200)), load_default=list)
    checkpoints = fields.List(fields.Nested(CheckpointSchema), load_default=list)


class DepartmentSchema(Schema):
    id = fields.Int(dump_only=True)
    district_id = Int32(required=True)
    code = fields.Str(required=True, validate=validate.Length(1, 32))
    name = fields.Str(required=True, validate=validate.Length(1, 120))
    name_en = fields.Str(load_default="", validate=validate.Length(0, 120))
    categories = fields.List(fields.Str(validate=validate.Length(1, 48)), load_default=list)


class DeviceSchema(Schema):
    id = fields.Str()
    user_id = fields.Int()
    name = fields.Str()
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class MeGridSchema(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    kind = fields.Str()
    street_id = fields.Int()
    center_lat = fields.Float(allow_none=True)
    center_lon = fields.Float(allow_none=True)
    boundary = fields.Dict(allow_none=True)


class MeTeamSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    members = fields.Method("_members")

    def _members(self, team):
        return [
            {"id": m.id, "username": m.username, "display_name": m.display_name,
             "role": m.role, "team_role": m.team_role}
            for m in team.members
        ]


class MeSchema(Schema):
    user = fields.Nested(UserSchema)
    grid = fields.Nested(MeGridSchema, allow_none=True)
    team = fields.Nested(MeTeamSchema, allow_none=True)
    beat = fields.Nested(BeatSchema, allow_none=True)
    street = fields.Dict(allow_none=True)
    department = fields.Dict(allow_none=True)
