"""A real Gridwalk server in a subprocess: migrated, seeded, served by gunicorn."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# The worker `make serve` runs, so a live server answers as the served app does.
WORKER_CLASS = "server.workers.JsonErrorWorker"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, media_dir: Path, **extra: str) -> dict:
    """The environment of a test server: cheap password hashing, no shared Redis.

    Its instance folder (where the signing key is made) sits beside the media
    folder, not in the checkout.
    """
    env = {**os.environ, "GRIDWALK_DATABASE_URL": database_url, "GRIDWALK_MEDIA_URL": f"file://{media_dir}",
           "GRIDWALK_INSTANCE_PATH": str(Path(media_dir).parent / "instance"),
           "GRIDWALK_ARGON2_TIME_COST": "1", "GRIDWALK_ARGON2_MEMORY_KIB": "64", **extra}
    env.pop("GRIDWALK_REDIS_URL", None)
    return env


def prepare_database(env: dict) -> None:
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True)


class LiveServer:
    """gunicorn on a free port of 127.0.0.1; ``kill`` is SIGKILL of the whole process group."""

    def __init__(self, env: dict, log: Path, *, workers: int = 1, args: tuple[str, ...] = ()):
        self.env = env
        self.log = log
        self.workers = workers
        self.args = tuple(args)  # more gunicorn options, e.g. an access log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(self.workers), "--worker-class", WORKER_CLASS,
             "--bind", f"127.0.0.1:{self.port}", *self.args, "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        for _ in range(150):
            try:
                if requests.get(f"{self.base}/api/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("the server did not start: " + self.log.read_text()[-2000:])

    def sweep(self) -> None:
        """Run the due/overdue sweep once against this server's database, as its scheduled job does."""
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", "notify-due"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
