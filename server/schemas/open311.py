"""Open311 GeoReport v2 requests (lenient about parameters the standard lets clients add)."""

from __future__ import annotations

from datetime import timezone

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from server.schemas.bounds import Int32
from server.catalogue import CATEGORY_CODES

SERVICE_CODE = validate.OneOf(sorted(CATEGORY_CODES))
LANG = validate.OneOf(("zh-CN", "en"))


class _Open311Schema(Schema):
    # Clients send jurisdiction_id, extensions, attribute[...] and more: what we do not use is ignored.
    class Meta:
        unknown = EXCLUDE

    api_key = fields.Str(validate=validate.Length(0, 200))
    lang = fields.Str(validate=LANG)


class LangOnlySchema(_Open311Schema):
    pass


class RequestQuerySchema(_Open311Schema):
    service_request_id = fields.Str(validate=validate.Length(1, 4000),
                                    metadata={"description": "One id, or several separated by commas."})
    service_code = fields.Str(validate=SERVICE_CODE)
    status = fields.Str(validate=validate.OneOf(("open", "closed")))
    start_date = fields.AwareDateTime(default_timezone=timezone.utc)
    end_date = fields.AwareDateTime(default_timezone=timezone.utc)
    page = Int32(load_default=1, validate=validate.Range(1, 1_000_000))
    page_size = Int32(load_default=100, validate=validate.Range(1, 1000))

    @validates_schema
    def _dates(self, data, **_):
        if data.get("start_date") and data.get("end_date") and data["start_date"] >= data["end_date"]:
            raise ValidationError("start_date is not before end_date.", "start_date")

    @post_load
    def _ids(self, data, **_):
        if "service_request_id" in data:
            ids = [i.strip() for i in data["service_request_id"].split(",") if i.strip()]
            if not ids or len(ids) > 100 or any(len(i) > 64 for i in ids):
                raise ValidationError("Between 1 and 100 ids of at most 64 characters.", "service_request_id")
            data["service_request_id"] = ids
        return data


class RequestPostSchema(_Open311Schema):
    """A case handed in. We route by the point, so lat and long are required (address alone is not enough)."""

    service_code = fields.Str(required=True, validate=SERVICE_CODE)
    lat = fields.Float(required=True, allow_nan=False, validate=validate.Range(-90, 90))
    long = fields.Float(required=True, allow_nan=False, validate=validate.Range(-180, 180))
    address_string = fields.Str(validate=validate.Length(0, 200))
    description = fields.Str(load_default="", validate=validate.Length(0, 2000))
    email = fields.Email(validate=validate.Length(0, 120))
    first_name = fields.Str(validate=validate.Length(0, 60))
    last_name = fields.Str(validate=validate.Length(0, 60))
    phone = fields.Str(validate=validate.Regexp(r"^\+?[0-9 -]{3,20}$"))
    device_id = fields.Str(validate=validate.Length(0, 64))
    account_id = fields.Str(validate=validate.Length(0, 64))
    media_url = fields.Url(validate=validate.Length(0, 500))


class KeyCreateSchema(Schema):
    account = fields.Str(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,23}$"),
                         metadata={"description": "The intake account's code, e.g. hotline-12345."})
    account_name = fields.Str(validate=validate.Length(1, 120))
    district_id = Int32(validate=validate.Range(1, 2**31 - 1))
    name = fields.Str(load_default="", validate=validate.Length(0, 120))


class KeySchema(Schema):
    id = fields.Int()
    account = fields.Str(attribute="account.code")
    account_name = fields.Str(attribute="account.name", metadata={"description": "The account's display name."})
    name = fields.Str()
    prefix = fields.Str()
    created_by = fields.Str()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class IssuedKeySchema(KeySchema):
    key = fields.Str(metadata={"description": "The key itself: shown this once, never again."})


class AssignSchema(Schema):
    grid_id = Int32(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))


class QueuedCaseSchema(Schema):
    id = fields.Str()
    state = fields.Str()
    street_id = fields.Int(allow_none=True)
    grid_id = fields.Int(allow_none=True)
    account = fields.Str(metadata={"description": "The code of the intake account that handed the case in."})
    account_name = fields.Str(metadata={"description": "That account's display name, e.g. 12345市民热线."})
    service_code = fields.Str()
    description = fields.Str()
    lat = fields.Float()
    lon = fields.Float()
    address = fields.Str(allow_none=True)
    contact = fields.Dict()
    requested_at = fields.DateTime()
    assigned_by = fields.Str(allow_none=True)


class QueueSchema(Schema):
    cases = fields.List(fields.Nested(QueuedCaseSchema))
