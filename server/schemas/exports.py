"""Export requests: the list endpoints' filters, plus the language of the headers."""

from __future__ import annotations

from marshmallow import fields, validate

from server.schemas.bounds import Int32
from server.schemas.listing import RecordQuerySchema
from sync.sla import LEVELS


class ExportQuerySchema(RecordQuerySchema):
    """Filters as the lists take them (tickets also by department and level); no paging."""

    class Meta:
        exclude = ("limit", "offset", "include_deleted")

    department = Int32(validate=validate.Range(1, 2**31 - 1))
    level = fields.Str(validate=validate.OneOf(LEVELS))
    lang = fields.Str(validate=validate.OneOf(("zh-CN", "en")),
                      metadata={"description": "Language of headers and names; default from Accept-Language."})
