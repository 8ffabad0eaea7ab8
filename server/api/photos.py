"""Photos by SHA-256 (docs/PROTOCOL.md §11 "Photos"): HEAD, resumable PUT, GET renditions."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.context import current_scope
from server.api.guard import auth_required
from server.services import photos as photo_service

blp = Blueprint("photos", __name__, url_prefix="/api/photos", description="Content-addressed photos")


class PhotoSchema(Schema):
    sha256 = fields.Str()
    status = fields.Str()
    width = fields.Int()
    height = fields.Int()
    format = fields.Str()
    phash = fields.Str()
    taken_at = fields.Str(allow_none=True)
    size = fields.Int()
    offset = fields.Int()


class SizeQuerySchema(Schema):
    size = fields.Str(load_default="display", validate=validate.OneOf(photo_service.SIZES))


@blp.before_request
def _limit_body():
    # A chunk may be a whole photo; the photo size is the ceiling.
    request.max_content_length = current_app.config["GRIDWALK_PHOTO_MAX_BYTES"]


@blp.route("/<sha>", methods=["HEAD"])
@auth_required()
@blp.doc(responses={"200": {"description": "You may read the photo (Photo-Status: complete)"},
                    "404": {"description": "Photo-Status: partial (your upload; Upload-Offset: bytes received) "
                                           "or missing (also when stored but not yours to read)"}})
def head_photo(sha):
    """Whether the server holds the photo for you, and how much of your partial upload it holds."""
    state = photo_service.upload_state(current_scope(), sha)
    status = 200 if state.status == "complete" else 404
    return Response(status=status, headers={"Photo-Status": state.status, "Upload-Offset": str(state.offset)})


# Written in ASCII digits (a 400 otherwise).
_BYTE_COUNT = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}


@blp.route("/<sha>", methods=["PUT"])
@auth_required()
@blp.doc(
    parameters=[
        {"in": "header", "name": "Upload-Offset", "schema": _BYTE_COUNT, "description": "first byte of this chunk"},
        {"in": "header", "name": "Upload-Length", "schema": _BYTE_COUNT, "description": "size of the whole photo"},
    ],
    requestBody={"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                             "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
)
@blp.alt_response(201, schema=PhotoSchema, description="The last chunk: the photo is stored and rendered")
@blp.alt_response(200, schema=PhotoSchema, description="You may already read this photo")
@blp.alt_response(204, description="Chunk stored; Upload-Offset says where to continue")
@blp.alt_response(409, description="offset_mismatch: details.expected_offset says where to continue")
def put_photo(sha):
    """Upload a photo, or one chunk of it from Upload-Offset.

    A stored photo you may not read uploads as a new one: the whole bytes make you one of its holders.
    """
    status, body = photo_service.put_chunk(
        current_scope(), sha, request.get_data(cache=False),
        request.headers.get("Upload-Offset"), request.headers.get("Upload-Length"),
    )
    if status == 204:
        return Response(status=204, headers={"Upload-Offset": str(body["offset"]), "Photo-Status": "partial"})
    response = jsonify(body)
    response.status_code = status
    response.headers["Photo-Status"] = "complete"
    return response


@blp.route("/<sha>", methods=["GET"])
@auth_required()
@blp.arguments(SizeQuerySchema, location="query")
@blp.doc(responses={"200": {"description": "A JPEG rendition without EXIF",
                            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}})
def get_photo(query, sha):
    """A rendition (display ≤ 1600 px or thumb) for whoever may read a record that uses it."""
    data = photo_service.read_photo(current_scope(), sha, query["size"])
    response = Response(data, mimetype="image/jpeg")
    # Content-addressed, so it never changes; private because access is scoped.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["ETag"] = f'"{sha}-{query["size"]}"'
    return response
