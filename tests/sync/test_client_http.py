"""HttpTransport against a real local HTTP server that records what it is sent and answers as scripted."""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from sync.client import HttpTransport, Lost, SyncClient, TransportError, Unauthorized
from sync.hlc import HybridLogicalClock

PHONE = "0b6f8a52-1c3e-4d7a-9f20-5e8b7c6d4a31"
HANG_S = 3  # how long a "hang" answer keeps the connection open without a word


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Talk to the local server directly, whatever proxy the machine's environment names."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


class Handler(BaseHTTPRequestHandler):
    server: Recorder

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self._answer()

    def log_message(self, *args):
        pass

    def _answer(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        self.server.requests.append({
            "method": self.command,
            "path": url.path,
            "query": parse_qs(url.query, keep_blank_values=True),
            "headers": dict(self.headers),
            "body": self.rfile.read(length) if length else b"",
        })
        kind, *rest = self.server.answers.popleft() if self.server.answers else ("json", 200, {})
        if kind == "hang":
            self.server.released.wait(HANG_S)
            self.close_connection = True
            return
        if kind == "redirect":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if kind == "json":
            status, body = rest
            payload, content_type = json.dumps(body).encode(), "application/json"
        else:
            status, payload, content_type = rest
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[dict] = []
        self.answers: deque = deque()
        self.released = threading.Event()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def answer_json(self, status: int, body) -> None:
        self.answers.append(("json", status, body))

    def answer_raw(self, status: int, payload: bytes, content_type: str) -> None:
        self.answers.append(("raw", status, payload, content_type))


@pytest.fixture
def server():
    recorder = Recorder()
    thread = threading.Thread(target=recorder.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield recorder
    recorder.released.set()
    recorder.shutdown()
    recorder.server_close()
    thread.join()


def test_push_posts_the_body_as_json_with_the_bearer_token(server):
    answer = {"results": [{"id": "m1", "status": "applied", "version": 1}], "cursor": "4"}
    server.answer_json(200, answer)
    body = {"device_id": PHONE, "mutations": [{"id": "m1", "data": {"description": "井盖破损"}}],
            "pull": {"cursor": None, "limit": 200}}
    transport = HttpTransport(server.url + "/", "tok-1")  # no session given: it makes its own
    assert transport.push(body) == answer
    [sent] = server.requests
    assert (sent["method"], sent["path"], sent["query"]) == ("POST", "/api/sync/push", {})
    assert sent["headers"]["Authorization"] == "Bearer tok-1"
    assert sent["headers"]["Content-Type"] == "application/json"
    assert json.loads(sent["body"]) == body


def test_pull_asks_with_limit_and_cursor_in_the_query(server):
    page = {"changes": [], "cursor": "9", "more": False}
    server.answer_json(200, page)
    server.answer_json(200, page)
    transport = HttpTransport(server.url, "tok-2")
    assert transport.pull(None, 50) == page
    assert transport.pull("c9", 200) == page
    first, second = server.requests
    assert (first["method"], first["path"], first["query"]) == ("GET", "/api/sync/pull", {"limit": ["50"]})
    assert second["query"] == {"limit": ["200"], "cursor": ["c9"]}
    assert first["body"] == second["body"] == b""
    assert first["headers"]["Authorization"] == second["headers"]["Authorization"] == "Bearer tok-2"


def test_a_server_under_a_path_prefix_is_reached_under_it(server):
    transport = HttpTransport(server.url + "/SANDBOX/", "tok")
    transport.pull(None, 10)
    assert server.requests[0]["path"] == "/SANDBOX/api/sync/pull"


def test_a_transport_made_without_options_waits_thirty_seconds():
    assert HttpTransport("http://127.0.0.1:1", "tok").timeout == 30.0


def test_a_refused_token_is_unauthorized_and_not_retryable(server):
    server.answer_json(401, {"error": {"code": "token_expired", "message": "the access token expired"}})
    with pytest.raises(Unauthorized) as info:
        HttpTransport(server.url, "old").pull("3", 10)
    assert str(info.value) == "GET /api/sync/pull: 401"
    assert info.value.status == 401 and info.value.retryable is False


@pytest.mark.parametrize(
    "status, retryable",
    [(400, False), (403, False), (404, False), (422, False), (429, True), (500, True), (502, True), (503, True)],
)
def test_an_error_answer_is_a_transport_error_with_its_status_and_text(server, status, retryable):
    error = {"error": {"code": "some_code", "message": "what went wrong"}}
    server.answer_json(status, error)
    with pytest.raises(TransportError) as info:
        HttpTransport(server.url, "tok").push({"device_id": PHONE, "mutations": []})
    assert type(info.value) is TransportError
    assert info.value.status == status and info.value.retryable is retryable
    assert str(info.value) == f"POST /api/sync/push: {status} {json.dumps(error)}"


def test_a_long_error_text_is_cut_to_200_characters(server):
    text = "x" * 150 + "y" * 150
    server.answer_raw(500, text.encode(), "text/plain")
    with pytest.raises(TransportError) as info:
        HttpTransport(server.url, "tok").pull(None, 10)
    assert str(info.value) == "GET /api/sync/pull: 500 " + "x" * 150 + "y" * 50


def test_an_answer_that_is_not_json_is_a_retryable_transport_error(server):
    server.answer_raw(200, b"<html>Please log in to the hotel Wi-Fi</html>", "text/html")
    with pytest.raises(TransportError) as info:
        HttpTransport(server.url, "tok").pull(None, 10)
    assert type(info.value) is TransportError
    assert str(info.value) == "GET /api/sync/pull: answer is not JSON"
    assert info.value.status == 200 and info.value.retryable is True


def test_a_refused_connection_is_lost():
    with socket.socket() as s:
        # Bound but never listening: a connection is refused, and no other process can take the port.
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        with pytest.raises(Lost) as info:
            HttpTransport(f"http://127.0.0.1:{port}", "tok").push({"device_id": PHONE, "mutations": []})
    assert str(info.value).startswith("POST /api/sync/push: ")
    assert info.value.status is None and info.value.retryable is True


def test_a_server_that_does_not_answer_in_time_is_lost(server):
    server.answers.append(("hang",))
    with pytest.raises(Lost) as info:
        HttpTransport(server.url, "tok", timeout=0.2).pull(None, 10)
    assert str(info.value).startswith("GET /api/sync/pull: ")
    assert "timed out" in str(info.value)


def test_any_other_failure_of_the_request_is_a_transport_error_naming_it(server):
    server.answers.extend([("redirect",)] * 40)  # a proxy sending the request round in circles
    with pytest.raises(TransportError) as info:
        HttpTransport(server.url, "tok").pull(None, 10)
    assert not isinstance(info.value, Lost)
    assert str(info.value).startswith("GET /api/sync/pull: ")
    assert "redirects" in str(info.value)


def test_a_transport_error_carries_what_it_was_given():
    plain = TransportError()
    assert (str(plain), plain.status, plain.retryable) == ("", None, True)
    refused = TransportError("409 device_in_use", status=409, retryable=False)
    assert (str(refused), refused.status, refused.retryable) == ("409 device_in_use", 409, False)


def test_a_new_client_s_first_sync_asks_for_everything_from_the_start(server):
    client = SyncClient(PHONE, HttpTransport(server.url, "tok"), sleep=lambda s: None,
                        clock=HybridLogicalClock(PHONE, now_ms=lambda: 1_750_000_000_000))
    m = client.record("checkin", "6f1c0d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f", "create", {"note": "东门"})
    server.answer_json(200, {"results": [{"id": m.id, "status": "applied", "version": 1}], "cursor": "1"})
    server.answer_json(200, {"changes": [], "cursor": "1", "more": False})
    assert client.sync() == {"results": [{"id": m.id, "status": "applied", "version": 1}], "pulled": 0}
    push, pull = server.requests
    assert (push["method"], push["path"]) == ("POST", "/api/sync/push")
    sent = json.loads(push["body"])
    assert sent["device_id"] == PHONE and [x["id"] for x in sent["mutations"]] == [m.id]
    assert sent["pull"] == {"cursor": None, "limit": 200}
    assert (pull["method"], pull["path"], pull["query"]) == ("GET", "/api/sync/pull", {"limit": ["200"]})
    assert client.cursor == "1"
