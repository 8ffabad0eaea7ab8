"""Ticket requests and answers."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from server.catalogue import CATEGORY_CODES
from server.schemas.bounds import Int32, IsoWeek
from server.schemas.common import PageQuerySchema
from server.schemas.listing import RecordOutSchema
from server.schemas.records import StrictBool

UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SHA256 = r"^[0-9a-f]{64}$"


class TicketCreateSchema(Schema):
    id = fields.UUID(load_default=None)
    mutation_id = fields.UUID(load_default=None)
    # The same rules a ticket's create mutation is held to, stated here for the document.
    report_ids = fields.List(fields.Str(validate=validate.Regexp(UUID)), required=True, validate=validate.Length(1, 50))
    title = fields.Str(required=True, validate=validate.Length(1, 200))
    category = fields.Str(required=True, validate=validate.OneOf(sorted(CATEGORY_CODES)))
    severity = Int32(required=True, strict=True, validate=validate.Range(1, 3))
    grid_id = Int32(load_default=None)


class TicketActionSchema(Schema):
    """What every workflow op takes: optional concurrency control and retry id."""

    base_version = Int32(load_default=None, validate=validate.Range(0))
    mutation_id = fields.UUID(load_default=None)


class ReasonActionSchema(TicketActionSchema):
    """``return`` and ``reopen``: why the ticket goes back."""

    reason = fields.Str(allow_none=True, validate=validate.Length(0, 2000))


class DispatchActionSchema(TicketActionSchema):
    """``dispatch``: the department that is to handle the ticket."""

    department = Int32(required=True)


class ResolveActionSchema(TicketActionSchema):
    """``resolve``: what the department did, with photos of the result."""

    note = fields.Str(allow_none=True, validate=validate.Length(0, 2000))
    photos = fields.List(fields.Str(validate=validate.Regexp(SHA256)), validate=validate.Length(0, 50))


class SendBackActionSchema(TicketActionSchema):
    """``send_back``: why the ticket is not this department's job (退回改派)."""

    reason = fields.Str(required=True, validate=validate.Length(1, 2000))


class VerifyActionSchema(TicketActionSchema):
    """``verify``: whether the fix holds on site (核查), with what was seen."""

    fixed = StrictBool(required=True)
    note = fields.Str(allow_none=True, validate=validate.Length(0, 2000))
    photos = fields.List(fields.Str(validate=validate.Regexp(SHA256)), validate=validate.Length(0, 50))


# Each op a ticket page can do over REST, with the parameters it takes
# (every transition and extra op of the ticket spec; a test holds them equal).
ACTIONS = {
    "submit": TicketActionSchema,
    "approve": TicketActionSchema,
    "return": ReasonActionSchema,
    "dispatch": DispatchActionSchema,
    "acknowledge": TicketActionSchema,
    "resolve": ResolveActionSchema,
    "close": TicketActionSchema,
    "reopen": ReasonActionSchema,
    "escalate": TicketActionSchema,
    "send_back": SendBackActionSchema,
    "verify": VerifyActionSchema,
}


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
    dispatched_at = fields.Str(allow_none=True)
    done_at = fields.Str(allow_none=True)
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
    department = Int32()
    grid = Int32()


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
    week = IsoWeek()


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
