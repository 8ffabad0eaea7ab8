"""The one error shape of the API: ``{"error": {"code", "message", "details"?}}``."""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

# Codes for the HTTP errors Flask and its extensions raise by themselves.
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


class ApiError(Exception):
    """A failure the caller caused, answered with ``status`` and a JSON body."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def api_error_response(err: ApiError):
    body = {"code": err.code, "message": err.message}
    if err.details is not None:
        body["details"] = err.details
    return jsonify(error=body), err.status


def _webargs_details(error: HTTPException) -> dict | None:
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if not messages:
        return None
    # webargs nests by location ("json", "query"); the location is noise for a client.
    if isinstance(messages, dict) and len(messages) == 1:
        (only,) = messages.values()
        return only if isinstance(only, dict) else {"_schema": only}
    return messages


def error_response(error: HTTPException):
    status = error.code or 500
    code = _STATUS_CODES.get(status, "error")
    message = error.description or error.name
    details = _webargs_details(error)
    if status == 400 and ("JSON" in (message or "") or "JSON" in str(details or "")):
        code = "malformed_json"
        message = "The request body is not valid JSON."
        details = None
    if status == 413:
        message = "The request body is too large."
    if status == 422 and details is not None:
        message = "The request has invalid fields; see details."
    body = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    response = jsonify(error=body)
    response.status_code = status
    for key, value in (error.get_headers() if hasattr(error, "get_headers") else []):
        if key.lower() not in ("content-type", "content-length"):
            response.headers[key] = value
    return response


def register_error_handlers(app) -> None:
    """Make every error, 404 and 405 included, a JSON answer."""

    app.register_error_handler(ApiError, api_error_response)
    app.register_error_handler(HTTPException, error_response)

    @app.errorhandler(Exception)
    def unexpected(error):  # pragma: no cover - a 500 is always a bug
        if isinstance(error, HTTPException):
            return error_response(error)
        app.logger.exception("unhandled error")
        return jsonify(error={"code": "internal", "message": "Internal server error."}), 500
