"""Read APIs for reports, check-ins and visits: by grid, day, member, status, category."""

from __future__ import annotations

from flask_smorest import Blueprint

from server.api.context import current_scope
from server.api.guard import auth_required
from server.schemas.listing import RecordOutSchema, RecordPageSchema, RecordQuerySchema
from server.services import listing

blp = Blueprint("records", __name__, url_prefix="/api", description="Field records (read)")


def _register(entity: str, plural: str) -> None:
    @blp.route(f"/{plural}", endpoint=f"list_{plural}")
    @auth_required()
    @blp.arguments(RecordQuerySchema, location="query")
    @blp.response(200, RecordPageSchema)
    def list_view(query):
        return listing.list_records(current_scope(), entity, query)

    @blp.route(f"/{plural}/<uuid:entity_id>", endpoint=f"get_{entity}")
    @auth_required()
    @blp.response(200, RecordOutSchema)
    def item_view(entity_id):
        return listing.get_record(current_scope(), entity, str(entity_id))

    list_view.__doc__ = f"List {plural} the caller may see, newest day first, paginated."
    item_view.__doc__ = f"One {entity}, with the photos it references that are not uploaded yet."


@blp.route("/visits/export.csv", endpoint="export_visits")
@auth_required("lead", "supervisor", "admin")
@blp.arguments(RecordQuerySchema, location="query")
@blp.doc(responses={"200": {"description": "CSV of visits with names and phone numbers masked",
                            "content": {"text/csv": {"schema": {"type": "string"}}}}})
def export_visits(query):
    """Visits as CSV for the desk; personal data is masked in every export."""
    from flask import Response

    from server.services.exports import visits_csv

    body = visits_csv(current_scope(), query)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="visits.csv"'})


for _entity, _plural in (("report", "reports"), ("checkin", "checkins"), ("visit", "visits")):
    _register(_entity, _plural)
