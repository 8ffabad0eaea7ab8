"""Statistics: a unit's measures for a period, grid rankings with 骏马 / 蜗牛 flags, the measures' definitions."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from server.api.context import current_scope, current_user
from server.api.guard import auth_required
from server.schemas.stats import (
    LANGS, DefinitionsSchema, LangQuerySchema, RankingQuerySchema, RankingSchema, StatsQuerySchema, StatsSchema,
)
from server.services import stats

blp = Blueprint("stats", __name__, url_prefix="/api/stats", description="Statistics and rankings")

# Team leads see their grid's figures; patrollers have none.
READERS = ("lead", "supervisor", "department", "admin")


def _with_lang(query: dict) -> dict:
    """The query with its UI language: as asked, else the browser's (Accept-Language), else zh-CN."""
    if not query.get("lang"):
        query["lang"] = request.accept_languages.best_match(LANGS) or "zh-CN"
    return query


@blp.route("", methods=["GET"])
@auth_required(*READERS)
@blp.arguments(StatsQuerySchema, location="query")
@blp.response(200, StatsSchema)
def figures(query):
    """Measures of a grid, community, street, district or department for a period, with the period before."""
    return stats.statistics(current_scope(), current_user(), _with_lang(query))


@blp.route("/rankings", methods=["GET"])
@auth_required(*READERS)
@blp.arguments(RankingQuerySchema, location="query")
@blp.response(200, RankingSchema)
def rankings(query):
    """Grids of a community or street (streets of a district) ranked by the weighted score, with flags."""
    return stats.rankings(current_scope(), current_user(), _with_lang(query))


@blp.route("/measures", methods=["GET"])
@auth_required(*READERS)
@blp.arguments(LangQuerySchema, location="query")
@blp.response(200, DefinitionsSchema)
def measures(query):
    """Every measure's definition, the base counts and the ranking's weight table."""
    return stats.definitions(_with_lang(query)["lang"])
