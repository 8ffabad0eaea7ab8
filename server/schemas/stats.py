"""Statistics requests and answers (the dashboards and rankings)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.schemas.bounds import Day, Int32
from server.services.stats.periods import KINDS as PERIOD_KINDS
from server.services.stats.units import KINDS as UNIT_KINDS

LANGS = ("zh-CN", "en")


class StatsQuerySchema(Schema):
    """Which unit, which period, which language; everything optional (the caller's own unit, this month)."""

    scope = fields.Str(validate=validate.OneOf(UNIT_KINDS))
    id = Int32(validate=validate.Range(1, 2**31 - 1))
    period = fields.Str(load_default="month", validate=validate.OneOf(PERIOD_KINDS))
    date = Day(metadata={"description": "A day inside the period (default today)."})
    date_from = Day(data_key="from", metadata={"description": "First day of a custom period."})
    date_to = Day(data_key="to", metadata={"description": "Last day of a custom period."})
    lang = fields.Str(validate=validate.OneOf(LANGS),
                      metadata={"description": "UI language; default from Accept-Language, else zh-CN."})


class RankingQuerySchema(StatsQuerySchema):
    unit = fields.Str(validate=validate.OneOf(("grid", "street")),
                      metadata={"description": "What is ranked: grids (default) or, in a district, streets."})


class LangQuerySchema(Schema):
    lang = fields.Str(validate=validate.OneOf(LANGS))


class UnitSchema(Schema):
    kind = fields.Str()
    id = fields.Int()
    name = fields.Str()


class PeriodSchema(Schema):
    kind = fields.Str()
    from_ = fields.Str(data_key="from", attribute="from")
    to = fields.Str()
    start = fields.Str()
    end = fields.Str()


class MeasureValueSchema(Schema):
    key = fields.Str()
    label = fields.Str()
    doc = fields.Str()
    rate = fields.Bool()
    higher_is_better = fields.Bool()
    value = fields.Raw(allow_none=True, metadata={"description": "A count, or a rate from 0 (null: nothing to divide by)"})
    numerator = fields.Int()
    denominator = fields.Int(allow_none=True)
    previous = fields.Raw(allow_none=True, metadata={"description": "The value in the period before"})


class LevelSchema(Schema):
    level = fields.Str()
    label = fields.Str()
    count = fields.Int()
    share = fields.Float(allow_none=True)


class ColorCountSchema(Schema):
    color = fields.Str()
    label = fields.Str()
    count = fields.Int()


class TrendPointSchema(Schema):
    from_ = fields.Str(data_key="from", attribute="from")
    to = fields.Str()
    found = fields.Int()
    closed = fields.Int()
    overdue = fields.Int()


class CategoryCountSchema(Schema):
    category = fields.Str()
    label = fields.Str()
    count = fields.Int()
    this_week = fields.Int()
    last_week = fields.Int()
    week_change = fields.Float(allow_none=True)


class DepartmentRowSchema(Schema):
    department_id = fields.Int()
    name = fields.Str()
    acknowledged = fields.Int()
    ack_median_hours = fields.Float(allow_none=True)
    ack_p90_hours = fields.Float(allow_none=True)
    resolved = fields.Int()
    resolve_median_hours = fields.Float(allow_none=True)
    resolve_p90_hours = fields.Float(allow_none=True)
    open = fields.Int()
    overdue = fields.Int()


class CheckinsSchema(Schema):
    by_grid = fields.List(fields.Dict())
    by_member = fields.List(fields.Dict())


class GridFigureSchema(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    boundary = fields.Dict(allow_none=True)
    center = fields.List(fields.Float(), allow_none=True)
    found = fields.Int()
    open = fields.Int()
    open_overdue = fields.Int()
    on_time_rate = fields.Float(allow_none=True)
    closing_rate = fields.Float(allow_none=True)


class StatsSchema(Schema):
    scope = fields.Nested(UnitSchema)
    period = fields.Nested(PeriodSchema)
    previous_period = fields.Nested(PeriodSchema)
    as_of = fields.Str()
    lang = fields.Str()
    measures = fields.List(fields.Nested(MeasureValueSchema))
    counts = fields.Dict(keys=fields.Str(), values=fields.Int())
    levels = fields.List(fields.Nested(LevelSchema))
    open_by_color = fields.List(fields.Nested(ColorCountSchema))
    trend = fields.List(fields.Nested(TrendPointSchema))
    top_categories = fields.List(fields.Nested(CategoryCountSchema))
    departments = fields.List(fields.Nested(DepartmentRowSchema))
    checkins = fields.Nested(CheckinsSchema)
    grids = fields.List(fields.Nested(GridFigureSchema))


class WeightSchema(Schema):
    measure = fields.Str()
    label = fields.Str()
    weight = fields.Float()


class RankedUnitSchema(Schema):
    rank = fields.Int(allow_none=True)
    id = fields.Int()
    name = fields.Str()
    score = fields.Float(allow_none=True)
    flag = fields.Str(allow_none=True, metadata={"description": "horse (骏马), snail (蜗牛) or null"})
    flag_label = fields.Str(allow_none=True)
    measures = fields.Dict(keys=fields.Str(), values=fields.Float(allow_none=True))
    contributions = fields.Dict(keys=fields.Str(), values=fields.Float())


class RankingSchema(Schema):
    scope = fields.Nested(UnitSchema)
    unit = fields.Str()
    period = fields.Nested(PeriodSchema)
    lang = fields.Str()
    weights = fields.List(fields.Nested(WeightSchema))
    items = fields.List(fields.Nested(RankedUnitSchema))


class MeasureDefinitionSchema(Schema):
    key = fields.Str()
    label = fields.Str()
    doc = fields.Str()
    rate = fields.Bool()
    numerator = fields.List(fields.Str())
    denominator = fields.List(fields.Str())
    higher_is_better = fields.Bool()


class DefinitionsSchema(Schema):
    lang = fields.Str()
    measures = fields.List(fields.Nested(MeasureDefinitionSchema))
    counts = fields.Dict(keys=fields.Str(), values=fields.Str())
    weights = fields.List(fields.Nested(WeightSchema))
