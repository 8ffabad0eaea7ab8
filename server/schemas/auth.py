"""Login, tokens and the user as the API shows it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.schemas.common import DEVICE_ID


class LoginSchema(Schema):
    username = fields.Str(required=True, validate=validate.Length(1, 64))
    password = fields.Str(required=True, validate=validate.Length(1, 256))
    device_id = fields.Str(required=True, validate=DEVICE_ID)
    device_name = fields.Str(load_default="", validate=validate.Length(0, 120))


class UserSchema(Schema):
    id = fields.Int()
    username = fields.Str()
    display_name = fields.Str()
    role = fields.Str()
    team_role = fields.Str(allow_none=True)
    grid_id = fields.Int(allow_none=True)
    street_id = fields.Int(allow_none=True)
    department_id = fields.Int(allow_none=True)


class LoginResultSchema(Schema):
    access_token = fields.Str(required=True)
    refresh_token = fields.Str(required=True)
    user = fields.Nested(UserSchema, required=True)


class AccessTokenSchema(Schema):
    access_token = fields.Str(required=True)
