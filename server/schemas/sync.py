"""The sync protocol's bodies (docs/PROTOCOL.md §6, §7)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.schemas.bounds import Int32
from server.schemas.common import DEVICE_ID
from server.services.sync import MAX_BATCH


class PullQuerySchema(Schema):
    cursor = fields.Str(load_default=None, allow_none=True, validate=validate.Length(0, 200))
    limit = Int32(load_default=500, validate=validate.Range(1, 5000))


class PushSchema(Schema):
    device_id = fields.Str(required=True, validate=DEVICE_ID)
    # Each mutation is validated on its own so one bad one is `rejected` and
    # the rest still apply; here they only need to be a list.
    mutations = fields.List(fields.Raw(), required=True, validate=validate.Length(0, MAX_BATCH))
    # Pull in the same round trip: the answer's "pull" is what GET /pull with
    # these parameters would answer once the push has committed.
    pull = fields.Nested(PullQuerySchema, load_default=None,
                         metadata={"description": "Also pull from this cursor once the push is committed."})


class ErrorDetailSchema(Schema):
    code = fields.Str()
    message = fields.Str()
    details = fields.Raw()


class PushResultSchema(Schema):
    id = fields.Raw(allow_none=True)
    status = fields.Str(validate=validate.OneOf(("applied", "duplicate", "conflict", "rejected")))
    version = fields.Int(allow_none=True)
    error = fields.Nested(ErrorDetailSchema)
    conflict = fields.Dict()
    resolution = fields.Dict()


class ChangeSchema(Schema):
    entity = fields.Str()
    entity_id = fields.Str()
    version = fields.Int()
    deleted = fields.Bool()
    data = fields.Dict()
    pending_photos = fields.List(fields.Str())


class PullAnswerSchema(Schema):
    changes = fields.List(fields.Nested(ChangeSchema))
    cursor = fields.Str()
    more = fields.Bool()
    hlc = fields.Str()


class PushAnswerSchema(Schema):
    results = fields.List(fields.Nested(PushResultSchema))
    cursor = fields.Str()
    hlc = fields.Str()
    pull = fields.Nested(PullAnswerSchema, metadata={"description": "Present when the push asked to pull."})


class ConflictSideSchema(Schema):
    value = fields.Raw(allow_none=True)
    hlc = fields.Str(allow_none=True)
    device = fields.Str(allow_none=True)
    actor = fields.Str(allow_none=True)
    mutation = fields.Str(allow_none=True)


class ConflictSchema(Schema):
    id = fields.Str()
    entity = fields.Str()
    entity_id = fields.Str()
    grid_id = fields.Int(allow_none=True)
    field = fields.Str()
    kind = fields.Str()
    kept = fields.Nested(ConflictSideSchema)
    losing = fields.Dict()
    created_at = fields.DateTime()


class ConflictListSchema(Schema):
    conflicts = fields.List(fields.Nested(ConflictSchema))


class ConflictQuerySchema(Schema):
    entity = fields.Str(validate=validate.Length(1, 24))
    entity_id = fields.Str(validate=validate.Length(1, 36))
    grid = Int32()
    limit = Int32(load_default=200, validate=validate.Range(1, 1000))
