"""The one error shape of the API: ``{"error": {"code", "message", "details"?}}``."""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

# The one table from an error's code to its HTTP status. Services and the
# write path name what went wrong (``DomainError``, a mutation's rejection);
# only this table says how the API answers it. A code not listed is a 422.
STATUS_OF = {
    # the request itself
    "bad_request": 400, "malformed_json": 400, "too_deep": 400, "invalid_cursor": 400, "invalid_header": 400,
    "unauthorized": 401, "invalid_credentials": 401, "token_expired": 401, "token_revoked": 401,
    "invalid_token": 401,
    "forbidden": 403, "account_disabled": 403, "device_revoked": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409, "invalid_state": 409, "device_in_use": 409, "offset_mismatch": 409, "length_mismatch": 409,
    "too_large": 413,
    "not_an_image": 415, "unsupported_format": 415, "unsupported_media_type": 415,
    "invalid": 422, "empty": 422, "empty_chunk": 422, "hash_mismatch": 422, "too_long": 422,
    "too_many_pixels": 422, "truncated": 422, "corrupt": 422,
    # a mutation's own shape, when a REST action is refused for it
    "unknown_entity": 422, "unknown_op": 422, "unknown_field": 422, "server_field": 422, "invalid_hlc": 422,
    "unprocessable": 422,
    "rate_limited": 429,
}
# The code of an HTTP error Flask or an extension raises by itself.
_CODE_OF_STATUS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                   405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                   422: "invalid", 429: "rate_limited"}


def error_body(code: str, message: str, details=None) -> dict:
    """The contract's error object: ``{"code", "message", "details"?}`` (details only when there are some)."""
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    return body


def status_of(code: str) -> int:
    """The HTTP status the API answers an error code with."""
    return STATUS_OF.get(code, 422)


class DomainError(Exception):
    """A refusal decided by a service, named by ``code`` (its HTTP status comes from ``STATUS_OF``)."""

    def __init__(self, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def status(self) -> int:
        return status_of(self.code)


def domain_error_response(err: DomainError):
    """The JSON answer to a refusal."""
    return jsonify(error=error_body(err.code, err.message, err.details)), err.status


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
    code = _CODE_OF_STATUS.get(status, "error")
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
    response = jsonify(error=error_body(code, message, details))
    response.status_code = status
    for key, value in (error.get_headers() if hasattr(error, "get_headers") else []):
        if key.lower() not in ("content-type", "content-length"):
            response.headers[key] = value
    return response


def register_error_handlers(app) -> None:
    """Make every error, 404 and 405 included, a JSON answer."""

    app.register_error_handler(DomainError, domain_error_response)
    app.register_error_handler(HTTPException, error_response)

    @app.errorhandler(Exception)
    def unexpected(error):  # pragma: no cover - a 500 is always a bug
        if isinstance(error, HTTPException):
            return error_response(error)
        app.logger.exception("unhandled error")
        return jsonify(error=error_body("internal", "Internal server error.")), 500
