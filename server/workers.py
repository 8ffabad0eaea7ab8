"""The gunicorn worker ``make serve`` runs: gunicorn's own error answers in the API's JSON shape.

Some requests never reach Flask: gunicorn refuses a request line over 4094
bytes (414), too many or too large header fields (431), a malformed request
line, method or header (400) and a few more, and answers each with a small
HTML page written by ``gunicorn.util.write_error``. A client of this API reads
``{"error": {"code", "message"}}`` everywhere else, so this worker keeps
gunicorn's decision (status, reason, logging) and replaces only the page.
"""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.workers.sync import SyncWorker

# Codes for the statuses gunicorn answers by itself (others fall back to "error").
CODES = {
    400: "bad_request",
    403: "forbidden",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "headers_too_large",
    500: "internal",
    501: "not_implemented",
}
MESSAGES = {
    400: "The request is not valid HTTP.",
    414: "The request line is longer than the server accepts.",
    431: "The request's header fields are larger than the server accepts.",
    500: "Internal server error.",
}


class _Recorder:
    """Stands in for the client socket while gunicorn writes its page, keeping the bytes."""

    def __init__(self, sock):
        self._sock = sock
        self.sent = b""

    def gettimeout(self):
        return 0.0

    def sendall(self, data: bytes) -> None:
        self.sent += data

    def __getattr__(self, name):
        return getattr(self._sock, name)


def json_error(status: int, reason: str) -> bytes:
    """The raw HTTP answer for a request gunicorn refused: status line, headers, JSON body."""
    body = json.dumps({"error": {"code": CODES.get(status, "error"), "message": MESSAGES.get(status, reason)}})
    return (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
        f"{body}"
    ).encode("latin-1")


class JsonErrorWorker(SyncWorker):
    """gunicorn's sync worker, answering the requests it refuses itself with the API's JSON error body."""

    def handle_error(self, req, client, addr, exc):
        recorder = _Recorder(client)
        super().handle_error(req, recorder, addr, exc)
        status_line = recorder.sent.split(b"\r\n", 1)[0].decode("latin-1")
        try:
            _version, status, reason = status_line.split(" ", 2)
            answer = json_error(int(status), reason)
        except ValueError:
            # Nothing (or nothing we can read) was written: answer as gunicorn would have.
            answer = recorder.sent
        try:
            util.write_nonblock(client, answer)
        except Exception:  # noqa: BLE001 - the client may be gone; gunicorn ignores this too
            self.log.debug("Failed to send error message.")
