"""Exports for the desk: reports, tickets (with their timeline), check-ins and visits as CSV, XLSX, GeoJSON."""

from __future__ import annotations

from flask import Response, request, stream_with_context
from flask_smorest import Blueprint

from server.api.context import current_scope
from server.api.guard import auth_required
from server.schemas.exports import ExportQuerySchema
from server.services import export_files

blp = Blueprint("exports", __name__, url_prefix="/api/exports", description="Exports (CSV, XLSX, GeoJSON)")

_FILE = {"200": {"description": "The file, streamed: CSV (UTF-8 with BOM), XLSX or GeoJSON (WGS-84)",
                 "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}
                             for mimetype in export_files.FORMATS.values()}}}


@blp.route("/<kind>.<fmt>", methods=["GET"])
@auth_required("lead", "supervisor", "department", "admin")
@blp.arguments(ExportQuerySchema, location="query")
@blp.doc(responses=_FILE, parameters=[
    {"in": "path", "name": "kind", "required": True, "schema": {"type": "string", "enum": list(export_files.KINDS)}},
    {"in": "path", "name": "fmt", "required": True, "schema": {"type": "string", "enum": list(export_files.FORMATS)}},
])
def export(query, kind, fmt):
    """Everything of a kind the caller may list, filtered as the lists are; personal data masked."""
    if not query.get("lang"):
        query["lang"] = request.accept_languages.best_match(("zh-CN", "en")) or "zh-CN"
    prepared = export_files.prepare(current_scope(), kind, fmt, query)
    return Response(stream_with_context(prepared.chunks()), content_type=prepared.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{prepared.filename}"'})
