"""Ticket requests and answers."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from server.schemas.common import PageQuerySchema
from server.schemas.listing import RecordOutSchema

from sync.entities import ENTITIES

# Every ticket op but the generic ones, from the entity's spec.
ACTIONS = tuple(sorted(ENTITIES["ticket"].ops - {"create", "update", "delete"}))


class TicketCreateSchema(Schema):
    id = fields.UUID(load_default=None)
    mutation_id = fields.UUID(load_default=None)
    report_ids = fields.List(fields.Str(), required=True, validate=validate.Length(1, 50))
    title = fields.Str(required=True, validate=validate.Length(1, 200))
    category = fields.Str(required=True)
    severity = fields.Int(required=True, strict=True)
    grid_id = fields.Int(load_default=None)


class TicketActionSchema(Schema):
    """An op's parameters (reason, department, note, photos) plus optional concurrency control."""

    class Meta:
        unknown = INCLUDE

    base_version = fields.Int(load_default=None, validate=validate.Range(0))
    mutation_id = fields.UUID(load_default=None)


class TicketSchema(Schema):
    class Meta:
        unknown = INCLUDE

    id = fields.Str()
    grid_id = fields.Int()
    version = fields.Int()
    status = fields.Str()
    color = fields.Str(allow_none=True)
    level = fields.Str()
    title = fields.Str()
    category = fields.Str()
    severity = fields.Int()
    report_ids = fields.List(fields.Str())
    department = fields.Int(allow_none=True)
    department_id = fields.Int(allow_none=True)
    due_at = fields.Str(allow_none=True)
    ack_due_at = fields.Str(allow_none=True)
    reason = fields.Str(allow_none=True)
    resolution_note = fields.Str(allow_none=True)
    resolution_photos = fields.List(fields.Str())
    verification_note = fields.Str(allow_none=True)
    verification_photos = fields.List(fields.Str())
    reopen_count = fields.Int()
    place = fields.Str(allow_none=True)
    photos = fields.List(fields.Str())
    created_by = fields.Str()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class TicketQuerySchema(PageQuerySchema):
    status = fields.Str(validate=validate.Length(1, 24))
    color = fields.Str(validate=validate.OneOf(("green", "yellow", "orange", "red")))
    level = fields.Str(validate=validate.OneOf(("grid", "community", "street", "district")))
    department = fields.Int()
    grid = fields.Int()


class TicketPageSchema(Schema):
    items = fields.List(fields.Nested(TicketSchema))
    total = fields.Int()
    limit = fields.Int()
    offset = fields.Int()
    # The supervision time the colours were taken at: screens count time left from it.
    now = fields.DateTime()


class HistoryEntrySchema(Schema):
    at = fields.DateTime()
    actor = fields.Str()
    action = fields.Str()
    data = fields.Dict()
    # How the op was answered: "applied", or "conflict" when someone else acted first and it lost.
    status = fields.Str(allow_none=True)


class OverdueQuerySchema(Schema):
    week = fields.Str(validate=validate.Regexp(r"^\d{4}-W\d{2}$"))


class CountSchema(Schema):
    grid_id = fields.Int()
    department_id = fields.Int()
    count = fields.Int()


class OverdueSchema(Schema):
    week = fields.Str()
    start = fields.DateTime(data_key="from", attribute="from")
    to = fields.DateTime()
    total = fields.Int()
    by_grid = fields.List(fields.Nested(CountSchema))
    by_department = fields.List(fields.Nested(CountSchema))
    tickets = fields.List(fields.Nested(TicketSchema))


class DossierSchema(Schema):
    """A ticket's page in one answer: the ticket, its reports, reasons, trail, grid, department and names."""

    ticket = fields.Nested(TicketSchema)
    now = fields.DateTime()
    reports = fields.List(fields.Nested(RecordOutSchema))
    reasons = fields.List(fields.Str())
    history = fields.List(fields.Nested(HistoryEntrySchema))
    people = fields.Dict(keys=fields.Str(), values=fields.Str())
    grid = fields.Dict(allow_none=True)
    department = fields.Dict(allow_none=True)
