"""A live Gridwalk server and Debian's Chromium, for end-to-end tests of the PWA.

The server is the real thing (gunicorn, migrations, demo district) on a free
port of 127.0.0.1 — a secure context, so the service worker registers. The
browser is /usr/bin/chromium driven by Playwright; no tool downloads a browser.
Where no Chromium exists these tests are skipped LOUDLY, unless
GRIDWALK_REQUIRE_CHROMIUM=1 (CI), where that is a failure.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.live_server import LiveServer, prepare_database, server_env

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "gridwalk-demo"
# Inside grid 1 (卖鱼桥第一网格), near its members' checkpoints.
GRID1_POSITION = {"latitude": 30.2985, "longitude": 120.1498, "accuracy": 8}


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        message = (f"Chromium not found at {CHROMIUM}: browser tests SKIPPED — "
                   "apt-get install -y chromium fonts-noto-cjk")
        if os.environ.get("GRIDWALK_REQUIRE_CHROMIUM") == "1":
            pytest.fail(message)
        sys.stderr.write(f"\n\n*** {message} ***\n\n")
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def clock_file(tmp_path_factory) -> Path:
    """The live server's supervision clock (server/clock.py): seconds written here move it forward."""
    path = tmp_path_factory.mktemp("clock") / "offset"
    path.write_text("0")
    return path


@pytest.fixture
def supervision_clock(clock_file):
    """Moves the live server's supervision time by some seconds (instead of sleeping); reset after the test."""
    def move(seconds: float) -> None:
        clock_file.write_text(str(seconds))

    yield move
    clock_file.write_text("0")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, clock_file):
    """`flask db upgrade`, `seed-demo`, then gunicorn; yields the base URL."""
    if not (ROOT / "pwa" / "dist" / "index.html").exists():
        pytest.fail("pwa/dist is not built: run `make pwa` (make test builds it first)")
    tmp = tmp_path_factory.mktemp("e2e")
    env = server_env(f"sqlite:///{tmp / 'e2e.db'}", tmp / "media",
                     GRIDWALK_LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
                     GRIDWALK_LOGIN_LIMIT_PER_USER="1000 per minute",
                     GRIDWALK_TEST_CLOCK_FILE=str(clock_file))
    prepare_database(env)
    server = LiveServer(env, tmp / "server.log", workers=2)
    server.start()
    _servers.append(server)
    try:
        yield server.base
    finally:
        _servers.remove(server)
        server.stop()


_servers: list[LiveServer] = []


@pytest.fixture
def due_sweep(live_server):
    """Runs the due/overdue sweep once against the live server's database, as its scheduled job would."""
    return _servers[-1].sweep


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# What the pages of a test reported as refused by the Content-Security-Policy.
CSP_VIOLATIONS: list[str] = []
_REPORT_CSP = """addEventListener("securitypolicyviolation", (e) => console.error(
    `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile || location.href}`));"""


def _watch_csp(page) -> None:
    def seen(message) -> None:
        if "CSP violation" in message.text or "Content Security Policy" in message.text:
            CSP_VIOLATIONS.append(message.text)

    page.on("console", seen)


@pytest.fixture(autouse=True)
def no_csp_violations():
    """Every browser test also proves the app runs under its Content-Security-Policy."""
    CSP_VIOLATIONS.clear()
    yield
    assert CSP_VIOLATIONS == [], "the app broke its Content-Security-Policy"


def phone_context(browser, base_url: str, locale: str = "zh-CN"):
    """A new phone: its own storage, a 390 x 844 touch screen, GPS inside grid 1."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale=locale, geolocation=GRID1_POSITION, permissions=["geolocation"],
    )
    context.add_init_script(_REPORT_CSP)
    context.on("page", _watch_csp)
    return context


class Api:
    """The server's HTTP API, as a desk user or a test would call it."""

    def __init__(self, base_url: str, username: str, device_id: str | None = None):
        self.base = base_url
        body = requests.post(f"{base_url}/api/auth/login", json={
            "username": username, "password": PASSWORD, "device_id": device_id or f"api-{username}-{time.time_ns()}",
        }, timeout=10).json()
        self.headers = {"Authorization": f"Bearer {body['access_token']}"}

    def get(self, path: str, **kwargs):
        return requests.get(f"{self.base}{path}", headers=self.headers, timeout=10, **kwargs)

    def head(self, path: str):
        return requests.head(f"{self.base}{path}", headers=self.headers, timeout=10)

    def post(self, path: str, json=None):
        return requests.post(f"{self.base}{path}", headers=self.headers, json=json or {}, timeout=10)


@pytest.fixture(scope="session")
def phone_jpeg(tmp_path_factory) -> Path:
    """A real phone photo: 3000 x 2000 JPEG, held sideways (EXIF orientation 6), with GPS."""
    from tests.photos.conftest import encode, phone_exif, photographic

    path = tmp_path_factory.mktemp("photos") / "manhole.jpg"
    path.write_bytes(encode(photographic(3000, 2000, seed=11), "JPEG", quality=88, exif=phone_exif(orientation=6)))
    return path


def jpeg_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(data)).size
