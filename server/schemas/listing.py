"""Query and answer schemas for listing records."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.schemas.bounds import Day, Int32, Int64


class RecordQuerySchema(Schema):
    grid = Int32()
    date_from = Day()
    date_to = Day()
    member = fields.Str(validate=validate.Length(1, 64))
    status = fields.Str(validate=validate.Length(1, 24))
    category = fields.Str(validate=validate.Length(1, 48))
    include_deleted = fields.Bool(load_default=False)
    limit = Int32(load_default=100, validate=validate.Range(1, 500))
    offset = Int64(load_default=0, validate=validate.Range(0))

    @validates_schema
    def _range(self, data, **_):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("date_from is after date_to.", "date_from")


class RecordOutSchema(Schema):
    entity = fields.Str()
    id = fields.Str(attribute="entity_id")
    grid_id = fields.Int(allow_none=True)
    version = fields.Int()
    deleted = fields.Bool()
    day = fields.Str(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    data = fields.Dict()
    pending_photos = fields.List(fields.Str())


class RecordPageSchema(Schema):
    items = fields.List(fields.Nested(RecordOutSchema))
    total = fields.Int()
    limit = fields.Int()
    offset = fields.Int()
