"""The guide's nginx site, verbatim, in front of a real gunicorn, over TLS.

The ```nginx block of docs/DEPLOY.md is written to a file with only its addresses,
certificate paths and the PWA's folder replaced (see ``site``), and included in the
``http`` context the way Debian's nginx.conf includes a site; nginx then runs it in front
of gunicorn started with the guide's env file and unit options on the ``installed`` host
(tests/deploy/conftest.py).
Everything a phone meets is checked through it: the API, photo-sized bodies and the
refusal of larger ones, the cache headers of the service worker and of hashed assets,
the security headers, and the client address and scheme the app reads from nginx.

Where nginx is not installed these tests are skipped LOUDLY, unless
GRIDWALK_REQUIRE_DEPLOY_TOOLS=1 (CI), where that is a failure.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import itertools
import os
import re
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image
from requests.adapters import HTTPAdapter

from tests.deploy import guide
from tests.deploy.conftest import DIST, require_tool
from tests.live_server import LiveServer, free_port
from tests.photos.conftest import encode

PASSWORD = "gridwalk-demo"
# The app's login limit per address is 30 a minute; a lower one keeps the test short.
ADDRESS_LIMIT = 3
# Security headers the app sets on every answer (server/security_headers.py).
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for gridwalk.example.org and 127.0.0.1, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gridwalk.example.org")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("gridwalk.example.org"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "fullchain.pem", folder / "privkey.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return cert, private


def site(upstream: str, https_port: int, http_port: int, cert: Path, key: Path) -> str:
    """The guide's nginx block with this machine's addresses, certificate and PWA folder."""
    (block,) = guide.blocks("nginx")
    return guide.replace(block, {
        # Both app hosts of the guide's upstream are the one gunicorn of the test.
        "server 10.0.0.11:8000;": f"server {upstream};",
        "server 10.0.0.12:8000;": f"server {upstream};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "/etc/letsencrypt/live/gridwalk.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/gridwalk.example.org/privkey.pem": str(key),
        "root /opt/gridwalk/pwa/dist;": f"root {DIST};",
    })


def main_config(folder: Path, site_file: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf provides around a site, with every path in ``folder``."""
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                            "uwsgi", "scgi"))
    # Started by root, nginx would run its workers as `nobody`, who may not enter the root-only
    # temporary folder that holds the built site's neighbours and the request-body buffers.
    return f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {folder / "access.log"};
{temp}
    include {site_file};
}}
"""


class Nginx:
    """nginx in the foreground with the test's configuration; ``stop`` is SIGQUIT, then SIGKILL."""

    def __init__(self, binary: str, folder: Path, config: Path):
        self.command = [binary, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(config)]
        self.folder = folder
        self.process = None

    def start(self, port: int, cert: Path) -> None:
        checked = subprocess.run([*self.command, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, "nginx refuses the guide's configuration:\n" + checked.stderr
        assert "[warn]" not in checked.stderr, checked.stderr
        self.process = subprocess.Popen([*self.command, "-g", "daemon off;"], start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                requests.get(f"https://127.0.0.1:{port}/", verify=str(cert), timeout=1)
                return
            except requests.ConnectionError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("nginx did not start: " + (self.folder / "error.log").read_text()[-2000:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def guide_gunicorn_options() -> tuple[str, ...]:
    """The options of the guide's gunicorn unit other than the address, workers and worker class."""
    argv = guide.exec_start(guide.units()["gridwalk.service"])
    options, skip = [], False
    for word in argv[1:-1]:  # between the binary and ``wsgi:app``
        if skip:
            skip = False
        elif word in ("--bind", "--workers", "--worker-class"):
            skip = True
        else:
            options.append(word)
    return tuple(options)


class Proxied:
    """The site behind nginx: ``url`` over TLS, ``plain`` on port 80's stand-in, ``direct`` to gunicorn."""

    def __init__(self, https_port: int, http_port: int, direct: str, cert: Path):
        self.https_port = https_port
        self.url = f"https://127.0.0.1:{https_port}"
        self.plain = f"http://127.0.0.1:{http_port}"
        self.direct = direct
        self.cert = str(cert)
        self._addresses = (f"127.0.1.{n}" for n in itertools.count(1))

    def session(self, source: str | None = None) -> requests.Session:
        """A client trusting the test certificate, from ``source`` or an address no other client used.

        Each client its own address, so the login limit per address (counted by the address
        nginx forwards) holds for one test's logins only.
        """
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE or a proxy from the environment would win over these
        session.verify = self.cert
        session.mount("https://", FromAddress(source or next(self._addresses)))
        return session

    def log_in(self, session: requests.Session, username: str, password: str = PASSWORD, **headers):
        return session.post(f"{self.url}/api/auth/login", headers=headers, timeout=30, json={
            "username": username, "password": password, "device_id": f"nginx-{username}-{time.time_ns()}"})


class FromAddress(HTTPAdapter):
    """Connections from a chosen local address, so two clients of one machine differ as two phones do."""

    def __init__(self, source: str):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


@pytest.fixture(scope="module")
def proxied(installed, tmp_path_factory):
    """nginx with the guide's site in front of gunicorn with the guide's env file and options."""
    binary = require_tool("nginx", "nginx-light")
    if not (DIST / "index.html").exists():
        pytest.fail("pwa/dist is not built: run `make pwa` (make test builds it first)")
    tmp = tmp_path_factory.mktemp("nginx")
    env = installed.process_env(**installed.settings(),
                                GRIDWALK_LOGIN_LIMIT_PER_ADDRESS=f"{ADDRESS_LIMIT} per minute")
    server = LiveServer(env, tmp / "gunicorn.log", workers=2, args=guide_gunicorn_options())
    server.start()
    https_port, http_port = free_port(), free_port()
    cert, key = self_signed_certificate(tmp)
    site_file = tmp / "gridwalk.conf"
    site_file.write_text(site(f"127.0.0.1:{server.port}", https_port, http_port, cert, key))
    config = tmp / "nginx.conf"
    config.write_text(main_config(tmp, site_file))
    nginx = Nginx(binary, tmp, config)
    try:
        nginx.start(https_port, cert)
        yield Proxied(https_port, http_port, server.base, cert)
    finally:
        nginx.stop()
        server.stop()


def noisy_jpeg(width: int, height: int) -> bytes:
    """A real JPEG that barely compresses: about 1.1 bytes a pixel."""
    return encode(Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)), "JPEG", quality=95)


def test_the_api_answers_through_nginx_over_tls(proxied):
    answer = proxied.session().get(f"{proxied.url}/api/health", timeout=10)
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    logged_in = proxied.log_in(proxied.session(), "g1-2")
    assert logged_in.status_code == 200 and logged_in.json()["user"]["username"] == "g1-2"


def test_nginx_offers_http2(proxied):
    context = ssl.create_default_context(cafile=proxied.cert)
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", proxied.https_port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="gridwalk.example.org") as tls:
            assert tls.selected_alpn_protocol() == "h2"


def test_plain_http_is_sent_to_https(proxied):
    answer = requests.get(f"{proxied.plain}/api/health?x=1", allow_redirects=False, timeout=10)
    assert answer.status_code == 301
    assert answer.headers["Location"].startswith("https://") and answer.headers["Location"].endswith(
        "/api/health?x=1")


def test_an_8_mb_photo_passes_the_proxy_and_is_stored(proxied):
    session = proxied.session()
    token = proxied.log_in(session, "g1-3").json()["access_token"]
    photo = noisy_jpeg(3200, 2400)
    assert len(photo) > 8 * 10**6
    sha = hashlib.sha256(photo).hexdigest()
    answer = session.put(f"{proxied.url}/api/photos/{sha}", data=photo, timeout=120,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["sha256"] == sha


def test_a_body_over_the_limits_is_refused_in_the_api_error_shape(proxied):
    session = proxied.session()
    headers = {"Authorization": f"Bearer {proxied.log_in(session, 'g1-4').json()['access_token']}",
               "Content-Type": "image/jpeg"}
    # Over the app's photo limit (15 MiB) but within nginx's (16m): the app refuses it.
    by_app = session.put(f"{proxied.url}/api/photos/{'a' * 64}", data=b"\0" * (15 * 2**20 + 2**19),
                         headers=headers, timeout=60)
    # Over nginx's limit: nginx refuses it before gunicorn sees a byte.
    by_nginx = session.put(f"{proxied.url}/api/photos/{'b' * 64}", data=b"\0" * (17 * 2**20),
                           headers=headers, timeout=60)
    for answer in (by_app, by_nginx):
        assert answer.status_code == 413
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.json()["error"]["code"] == "too_large"
    assert by_nginx.json() == by_app.json()


def test_nginx_admits_every_body_the_app_admits(tmp_path):
    (block,) = guide.blocks("nginx")
    size = block.split("client_max_body_size", 1)[1].split(";", 1)[0].strip()
    assert size.endswith("m")
    from server.config import load_config

    config = load_config(str(tmp_path))
    assert int(size[:-1]) * 2**20 >= max(config["GRIDWALK_PHOTO_MAX_BYTES"], config["GRIDWALK_JSON_MAX_BYTES"])


def test_nginx_serves_assets_from_the_build_the_app_serves():
    (block,) = guide.blocks("nginx")
    root = re.search(r"location /assets/ \{\s*root ([^;]+);", block).group(1)
    assert root == guide.unquoted(guide.env_lines(guide.env_file())["GRIDWALK_PWA_DIST"])


@pytest.mark.parametrize("path", ["/sw.js", "/manifest.webmanifest", "/", "/huddle"])
def test_the_service_worker_and_app_shell_are_never_cached(proxied, path):
    answer = proxied.session().get(f"{proxied.url}{path}", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"


def test_every_hashed_asset_the_app_loads_is_served_by_nginx_cached_for_a_year(proxied):
    session = proxied.session()
    index = session.get(f"{proxied.url}/", timeout=10).text
    assets = sorted({part.split('"')[0] for part in index.split('"/assets/')[1:]})
    assert assets, "index.html loads no hashed asset"
    worker = next(p.name for p in (DIST / "assets").glob("*.worker-*.js"))
    for name in [*assets, worker]:
        answer = session.get(f"{proxied.url}/assets/{name}", timeout=10)
        assert answer.status_code == 200, name
        assert answer.content == (DIST / "assets" / name).read_bytes()
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        kind = "text/css" if name.endswith(".css") else "application/javascript"
        assert answer.headers["Content-Type"].startswith(kind), name
    assert session.get(f"{proxied.url}/assets/missing-0000.js", timeout=10).status_code == 404


@pytest.mark.parametrize("path", ["/api/health", "/", "/sw.js", "asset", "worker"])
def test_security_headers_are_those_the_app_sets(proxied, path):
    """Proxied or served by nginx from disk, an answer carries the headers the app gives it."""
    if path in ("asset", "worker"):
        scripts = sorted(p.name for p in (DIST / "assets").glob("*.js"))
        path = "/assets/" + next(n for n in scripts if (".worker-" in n) == (path == "worker"))
    through = proxied.session().get(f"{proxied.url}{path}", timeout=10)
    direct = requests.get(f"{proxied.direct}{path}", timeout=10)
    assert through.status_code == direct.status_code == 200
    for name in SECURITY_HEADERS:
        assert through.headers.get(name) == direct.headers[name], (path, name)


def test_the_app_reads_the_scheme_from_nginx(proxied):
    """HSTS goes only on answers over TLS; gunicorn sees plain HTTP and believes nginx's X-Forwarded-Proto."""
    assert "Strict-Transport-Security" not in requests.get(f"{proxied.direct}/api/health", timeout=10).headers
    through = proxied.session().get(f"{proxied.url}/api/health", timeout=10)
    assert through.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_login_limit_counts_each_client_address_and_ignores_forged_ones(proxied):
    """Two clients of one nginx have limits of their own; a client's own X-Forwarded-For changes nothing."""
    phone = proxied.session(source="127.0.0.2")
    for n in range(ADDRESS_LIMIT):
        assert proxied.log_in(phone, f"g2-{n + 2}", password="wrong").status_code == 401
    assert proxied.log_in(phone, "g2-1").status_code == 429
    assert proxied.log_in(phone, "g2-1", **{"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    other = proxied.session(source="127.0.0.3")
    assert proxied.log_in(other, "g2-1").status_code == 200
