"""Schemas shared by several resources."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.schemas.bounds import Int32, Int64

DEVICE_ID = validate.Regexp(r"^[A-Za-z0-9_.-]{8,64}$", error="Must be 8-64 letters, digits, '-', '_' or '.'.")


class HealthSchema(Schema):
    status = fields.Str(required=True)
    database = fields.Str()


class ErrorBodySchema(Schema):
    code = fields.Str(required=True)
    message = fields.Str(required=True)
    details = fields.Raw()


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class PageQuerySchema(Schema):
    limit = Int32(load_default=100, validate=validate.Range(1, 1000))
    offset = Int64(load_default=0, validate=validate.Range(0))
