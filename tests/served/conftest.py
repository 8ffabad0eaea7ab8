"""The app as ``make run`` serves it: gunicorn with several workers, development
settings, no Redis and no configured signing key.

Each server is migrated and seeded in a folder of its own, with its own
instance folder, and stopped (SIGTERM to its process group) at the end.
"""

from __future__ import annotations

import pytest
import requests

from tests.live_server import LiveServer, prepare_database, server_env

PASSWORD = "gridwalk-demo"


def start_like_make_run(tmp_path, workers: int = 2, args: tuple[str, ...] = (), **extra: str) -> LiveServer:
    """A migrated, seeded gunicorn as ``make run`` starts it (``extra``: more GRIDWALK_ settings)."""
    env = server_env(f"sqlite:///{tmp_path / 'served.db'}", tmp_path / "media", GRIDWALK_ENV="development", **extra)
    for name in ("GRIDWALK_SECRET_KEY", "GRIDWALK_REDIS_URL", "GRIDWALK_TRUSTED_PROXIES"):
        if name not in extra:
            env.pop(name, None)
    prepare_database(env)
    server = LiveServer(env, tmp_path / "server.log", workers=workers, args=args)
    server.start()
    return server


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One server like ``make run`` for a test module (two workers, default settings)."""
    tmp = tmp_path_factory.mktemp("served")
    server = start_like_make_run(tmp)
    try:
        yield server
    finally:
        server.stop()


def log_in(base: str, username: str, device_id: str, password: str = PASSWORD) -> requests.Response:
    return requests.post(f"{base}/api/auth/login", json={
        "username": username, "password": password, "device_id": device_id,
    }, timeout=10)


def instance_path(server: LiveServer) -> str:
    return server.env["GRIDWALK_INSTANCE_PATH"]

