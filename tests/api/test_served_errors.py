"""Requests gunicorn refuses before Flask sees them are answered in the API's JSON error shape too.

The server is gunicorn as ``make serve`` runs it (its worker class), on a
migrated SQLite database; requests are written byte for byte on a socket,
since an HTTP client would refuse to send most of them.
"""

from __future__ import annotations

import json
import socket

import pytest

from tests.live_server import LiveServer, prepare_database, server_env

HOST = b"Host: 127.0.0.1\r\n"
REFUSED = {
    "a request line over 4094 bytes": (b"GET /api/health?q=" + b"a" * 5000 + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414),
    "a path of 64 KB": (b"GET /" + b"x" * 65536 + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414),
    "too many header fields": (b"GET /api/health HTTP/1.1\r\n" + HOST
                               + b"".join(b"X-H%d: a\r\n" % i for i in range(150)) + b"\r\n", 431),
    "a header field over 8190 bytes": (b"GET /api/health HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * 9000
                                       + b"\r\n\r\n", 431),
    "a method with a NUL byte": (b"G\x00T /api/health HTTP/1.1\r\n" + HOST + b"\r\n", 400),
    "a header name with a space": (b"GET /api/health HTTP/1.1\r\n" + HOST + b"Bad Name: x\r\n\r\n", 400),
    "an unknown HTTP version": (b"GET /api/health HTTP/9.9\r\n" + HOST + b"\r\n", 400),
    "a request line of garbage": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("served")
    server = LiveServer(server_env("sqlite:///" + str(tmp / "gridwalk.db"), tmp / "media"), tmp / "server.log")
    try:
        prepare_database(server.env)
        server.start()
        yield server
    finally:
        server.stop()


def _exchange(port: int, raw: bytes) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
    return int(status_line.split(" ")[1]), headers, body


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_request_gunicorn_refuses_is_answered_in_json(served, case):
    raw, status = REFUSED[case]
    got, headers, body = _exchange(served.port, raw)
    assert got == status, (case, got, body[:200])
    assert headers["content-type"] == "application/json", (case, headers)
    assert int(headers["content-length"]) == len(body)
    error = json.loads(body)["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)


def test_a_request_gunicorn_accepts_still_reaches_the_app(served):
    status, headers, body = _exchange(served.port, b"GET /api/nowhere HTTP/1.1\r\n" + HOST
                                      + b"Connection: close\r\n\r\n")
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found"
