"""Value rules for the data of synced records (report, check-in, visit, ticket).

``sync.mutation`` checks a mutation's shape; these schemas check its values:
lengths, ranges, enums, catalogue codes. Set fields are checked element by
element. A create must carry the required fields; updates are partial.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from server.catalogue import CATEGORY_CODES, SUBCATEGORY_CODES

SHA256 = re.compile(r"^[0-9a-f]{64}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

LAT = validate.Range(-90, 90)
LON = validate.Range(-180, 180)


class StrictFloat(fields.Float):
    """A number, but not a boolean or a numeric string."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


# What our columns and JSON encoder hold (signed 64 bits); narrower ranges
# are the fields' own validators.
INT64 = validate.Range(-(2**63), 2**63 - 1)
# Times a phone may report: before 1970 or from 2200 on is a broken clock or a
# crafted value, and near year 1 or 9999 an offset alone overflows datetime.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2199


class StrictInt(fields.Integer):
    """An integer within 64 bits, but not a boolean or a float."""

    def __init__(self, **kwargs):
        validators = kwargs.pop("validate", None)
        validators = [validators] if callable(validators) else list(validators or [])
        super().__init__(strict=True, validate=[INT64, *validators], **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictStr(fields.String):
    pass


class StrictBool(fields.Boolean):
    """true or false, and nothing a truthiness test would take for one (1, "yes", "false")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not bool:
            raise self.make_error("invalid", input=value)
        return value


class SaneDateTime(fields.DateTime):
    """An ISO date-time from 1970 to 2199, with or without an offset."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        try:
            parsed = super()._deserialize(value, attr, data, **kwargs)
        except OverflowError as exc:  # an offset pushing a date past year 1 or 9999
            raise ValidationError(f"Must be between {EARLIEST_YEAR} and {LATEST_YEAR}.") from exc
        if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
            raise ValidationError(f"Must be between {EARLIEST_YEAR} and {LATEST_YEAR}.")
        return parsed


class _RecordSchema(Schema):
    class Meta:
        unknown = RAISE

    grid_id = StrictInt()

    def validate_schema_rules(self, data: dict) -> None:
        """Rules across fields; raise ValidationError."""


class ReportSchema(_RecordSchema):
    category = StrictStr(validate=validate.OneOf(sorted(CATEGORY_CODES)))
    subcategory = StrictStr(allow_none=True, validate=validate.Length(1, 48))
    description = StrictStr(validate=validate.Length(0, 2000))
    lat = StrictFloat(allow_none=True, validate=LAT)
    lon = StrictFloat(allow_none=True, validate=LON)
    accuracy_m = StrictFloat(allow_none=True, validate=validate.Range(0, 100_000))
    place = StrictStr(allow_none=True, validate=validate.Length(0, 120))
    severity = StrictInt(validate=validate.Range(1, 3))
    device_time = SaneDateTime(allow_none=True)
    status = StrictStr()
    photos = fields.Raw()
    after_photos = fields.Raw()
    tags = fields.Raw()

    def validate_schema_rules(self, data: dict) -> None:
        sub, cat = data.get("subcategory"), data.get("category")
        if sub and cat and sub not in SUBCATEGORY_CODES.get(cat, ()):
            raise ValidationError(f"Not a subcategory of {cat}.", "subcategory")


class CheckinSchema(_RecordSchema):
    at = SaneDateTime()
    lat = StrictFloat(allow_none=True, validate=LAT)
    lon = StrictFloat(allow_none=True, validate=LON)
    accuracy_m = StrictFloat(allow_none=True, validate=validate.Range(0, 100_000))
    checkpoint_id = StrictInt(allow_none=True)
    note = StrictStr(allow_none=True, validate=validate.Length(0, 500))
    photos = fields.Raw()


class VisitSchema(_RecordSchema):
    visited_at = SaneDateTime()
    place_kind = StrictStr(validate=validate.OneOf(("household", "shop")))
    place = StrictStr(validate=validate.Length(1, 120))
    people_met = StrictInt(allow_none=True, validate=validate.Range(0, 1000))
    contact_name = StrictStr(allow_none=True, validate=validate.Length(0, 60))
    contact_phone = StrictStr(allow_none=True, validate=validate.Regexp(r"^\+?[0-9 -]{5,20}$"))
    needs = StrictStr(allow_none=True, validate=validate.Length(0, 2000))
    notes = StrictStr(allow_none=True, validate=validate.Length(0, 2000))
    follow_up = StrictBool()
    photos = fields.Raw()


class TicketSchema(_RecordSchema):
    title = StrictStr(validate=validate.Length(1, 200))
    category = StrictStr(validate=validate.OneOf(sorted(CATEGORY_CODES)))
    severity = StrictInt(validate=validate.Range(1, 3))
    department = StrictInt(allow_none=True)
    reason = StrictStr(allow_none=True, validate=validate.Length(0, 2000))
    resolution_note = StrictStr(allow_none=True, validate=validate.Length(0, 2000))
    status = StrictStr()
    report_ids = fields.Raw()
    resolution_photos = fields.Raw()
    fixed = StrictBool()
    verification_note = StrictStr(allow_none=True, validate=validate.Length(0, 2000))
    verification_photos = fields.Raw()
    place = StrictStr(allow_none=True, validate=validate.Length(0, 120))
    photos = fields.Raw()


class NoticeSchema(_RecordSchema):
    """A team notice from the huddle: look for this category on the round of ``for_day``."""

    kind = StrictStr(validate=validate.OneOf(("focus_check",)))
    category = StrictStr(validate=validate.OneOf(sorted(CATEGORY_CODES)))
    for_day = fields.Date()
    note = StrictStr(allow_none=True, validate=validate.Length(0, 500))


class KeepApartSchema(_RecordSchema):
    """A split decision: ``report_id`` is not the same problem as those in ``apart_from``."""

    report_id = StrictStr(validate=validate.Regexp(UUID))
    apart_from = fields.Raw()


class ConflictResolutionSchema(Schema):
    class Meta:
        unknown = RAISE

    def validate_schema_rules(self, data: dict) -> None:
        """No rules across fields."""

    choice = StrictStr(required=True, validate=validate.OneOf(("kept", "losing", "value")))
    value = fields.Raw(allow_none=True)
    note = StrictStr(allow_none=True, validate=validate.Length(0, 500))


SCHEMAS = {
    "report": ReportSchema(),
    "checkin": CheckinSchema(),
    "visit": VisitSchema(),
    "ticket": TicketSchema(),
    "conflict": ConflictResolutionSchema(),
    "notice": NoticeSchema(),
    "keep_apart": KeepApartSchema(),
}

REQUIRED_ON_CREATE = {
    "report": ("category",),
    "checkin": ("at",),
    "visit": ("place_kind", "place"),
    "ticket": ("title", "category", "severity", "report_ids"),
    "notice": ("kind", "category", "for_day"),
    "keep_apart": ("report_id", "apart_from"),
}

# What the elements of each set field must look like.
SET_ELEMENTS = {
    "photos": (SHA256, "a lower-case SHA-256 hex digest"),
    "after_photos": (SHA256, "a lower-case SHA-256 hex digest"),
    "resolution_photos": (SHA256, "a lower-case SHA-256 hex digest"),
    "verification_photos": (SHA256, "a lower-case SHA-256 hex digest"),
    "report_ids": (UUID, "a record id (UUID)"),
    "apart_from": (UUID, "a record id (UUID)"),
    "tags": (re.compile(r"^.{1,32}$", re.S), "a tag of 1-32 characters"),
}
MAX_SET_CHANGE = 50
# The set fields that hold photos (by hash): what photo references and pending photos are made of.
PHOTO_FIELDS = tuple(name for name, (pattern, _what) in SET_ELEMENTS.items() if pattern is SHA256)


def _quick_check(field: fields.Field) -> Callable[[Any], bool] | None:
    """A check that passes only values ``field`` accepts, in a fraction of its time.

    A value it does not pass still goes to the field, which answers with its
    own message; None when the field's type or validators are not covered.
    """
    kind = type(field)
    if kind is fields.Raw:
        accepts = _not_none
    elif kind is StrictStr:
        accepts = _is_str
    elif kind is StrictInt:
        accepts = _is_int
    elif kind is StrictFloat:
        accepts = _is_plain_float
    else:
        return None
    checks = [accepts]
    for validator in field.validators:
        if type(validator) is validate.Length and validator.equal is None:
            checks.append(_length(validator.min, validator.max))
        elif type(validator) is validate.OneOf:
            checks.append(frozenset(validator.choices).__contains__)
        elif type(validator) is validate.Range:
            checks.append(_range(validator))
        else:
            return None
    accepts = _all_of(checks)
    return (lambda v: v is None or accepts(v)) if field.allow_none else accepts


def _all_of(checks: list[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    first, *rest = checks
    if not rest:
        return first
    others = _all_of(rest)
    return lambda v: first(v) and others(v)


def _not_none(v: Any) -> bool:
    return v is not None


def _is_str(v: Any) -> bool:
    return type(v) is str


def _is_int(v: Any) -> bool:
    return type(v) is int


def _is_plain_float(v: Any) -> bool:
    # Integers only where a float holds them exactly; no NaN or infinity.
    return (type(v) is float and math.isfinite(v)) or (type(v) is int and -(2 ** 53) < v < 2 ** 53)


def _length(low: int | None, high: int | None) -> Callable[[Any], bool]:
    return lambda v: (low is None or len(v) >= low) and (high is None or len(v) <= high)


def _range(r: validate.Range) -> Callable[[Any], bool]:
    def within(v: Any) -> bool:
        if r.min is not None and (v < r.min if r.min_inclusive else v <= r.min):
            return False
        return r.max is None or not (v > r.max if r.max_inclusive else v >= r.max)

    return within


_QUICK = {schema: {name: _quick_check(field) for name, field in schema.load_fields.items()}
          for schema in SCHEMAS.values()}


def _field_errors(schema: Schema, data: dict) -> dict:
    """Run each given field's own deserialisation and validators.

    The same marshmallow fields as ``schema.load``, without the schema-level
    machinery around them, which cost more than the fields themselves on the
    push path (hundreds of mutations per request). Values a quick check
    passes (see ``_quick_check``) skip the field.
    """
    errors: dict = {}
    fields_ = schema.load_fields
    quick = _QUICK.get(schema, {})
    for name, value in data.items():
        check = quick.get(name)
        if check is not None and check(value):
            continue
        field = fields_.get(name)
        if field is None:
            errors[name] = ["Unknown field."]
            continue
        try:
            field.deserialize(value, name, data)
        except ValidationError as exc:
            errors[name] = exc.messages
    if not errors:
        try:
            schema.validate_schema_rules(data)
        except ValidationError as exc:
            errors.update(exc.normalized_messages())
    return errors


def validate_values(entity: str, op: str, data: dict) -> dict:
    """Per-field error messages for the values of ``data`` ({} when all is well)."""
    schema = SCHEMAS.get(entity)
    if schema is None:
        return {}
    errors = _field_errors(schema, data)
    if op == "create":
        for name in REQUIRED_ON_CREATE.get(entity, ()):
            if name not in data or data[name] in (None, "", []):
                errors.setdefault(name, ["Missing data for required field."])
    for name, (pattern, what) in SET_ELEMENTS.items():
        value = data.get(name)
        if value is None:
            continue
        elements = value if isinstance(value, list) else [*value.get("add", []), *value.get("remove", [])]
        if len(elements) > MAX_SET_CHANGE:
            errors[name] = [f"At most {MAX_SET_CHANGE} elements per change."]
        bad = [e for e in elements if not isinstance(e, str) or not pattern.match(e)]
        if bad:
            errors[name] = [f"Each element must be {what}."]
    return errors
