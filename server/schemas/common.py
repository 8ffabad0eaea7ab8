"""Schemas shared by several resources."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

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
    limit = fields.Int(load_default=100, validate=validate.Range(1, 1000))
    offset = fields.Int(load_default=0, validate=validate.Range(0))
