"""A live server killed with SIGKILL in the middle of pushes loses nothing and applies nothing twice.

The server is gunicorn on a real database (SQLite in a temporary folder, and
PostgreSQL in a database of its own when GRIDWALK_TEST_DATABASE_URL is set).
A phone pushes large batches through the reference client's HTTP transport;
the server is killed at random moments, restarted, and the phone retries.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid

import pytest
import requests
from sqlalchemy import create_engine, text

from sync.client import HttpTransport, SyncClient, TransportError
from tests.live_server import LiveServer, prepare_database, server_env

PG_URL = os.environ.get("GRIDWALK_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
ROUNDS, BATCH = 5, 400


def _pg_crash_database() -> str:
    """A PostgreSQL database of this test's own, so the suite's `test` database is left alone."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL.replace("postgresql+psycopg://", "postgresql://"))
    admin = url.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS gridwalk_crash")
        conn.execute("CREATE DATABASE gridwalk_crash")
    return url.set(database="gridwalk_crash").render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def crash_server(request, tmp_path):
    database = f"sqlite:///{tmp_path / 'crash.db'}" if request.param == "sqlite" else _pg_crash_database()
    env = server_env(database, tmp_path / "media")
    prepare_database(env)
    server = LiveServer(env, tmp_path / "server.log")
    server.start()
    try:
        yield server, database
    finally:
        server.kill()


def test_sigkill_mid_push_loses_nothing_and_applies_nothing_twice(crash_server):
    server, database = crash_server
    rng = random.Random(20261122)
    device_id = f"crash-phone-{uuid.uuid4().hex[:6]}"
    token = requests.post(f"{server.base}/api/auth/login", json={
        "username": "g1-2", "password": "gridwalk-demo", "device_id": device_id}).json()["access_token"]
    phone = SyncClient(device_id, HttpTransport(server.base, token, timeout=10), actor="g1-2",
                       sleep=lambda _s: None, retries=1, backoff_s=0.0, push_batch=BATCH)
    created: list[str] = []
    interrupted = 0
    for _ in range(ROUNDS):
        for n in range(BATCH):
            if created and n % 5 == 0:
                phone.record("report", rng.choice(created), "update", {"severity": rng.randint(1, 3)})
            else:
                created.append(str(uuid.uuid4()))
                phone.record("report", created[-1], "create", {"category": "sanitation", "description": f"垃圾堆积{n}",
                                                               "lat": 30.2985, "lon": 120.1498})
        pusher = threading.Thread(target=lambda: _quietly(phone.push))
        pusher.start()
        time.sleep(rng.uniform(0.01, 0.1))
        server.kill()
        pusher.join(timeout=60)
        interrupted += bool(phone.outbox)
        server.start()
    for _ in range(3):
        phone.sync()
    assert not phone.outbox and not phone.rejected

    engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        applied = conn.execute(text("SELECT count(*), count(DISTINCT id) FROM applied_mutations")).one()
        audited = dict(conn.execute(text(
            "SELECT mutation_id, count(*) FROM audit_log WHERE mutation_id IS NOT NULL GROUP BY mutation_id"
        )).all())
        records = conn.execute(text("SELECT count(*) FROM records WHERE entity = 'report'")).scalar()
    engine.dispose()
    recorded = ROUNDS * BATCH
    assert applied == (recorded, recorded)
    assert len(audited) == recorded and set(audited.values()) == {1}
    assert records == len(created)
    # The phone's view is the server's state.
    lead = SyncClient(f"lead-{uuid.uuid4().hex[:6]}", HttpTransport(server.base, requests.post(
        f"{server.base}/api/auth/login", json={"username": "g1-1", "password": "gridwalk-demo",
                                               "device_id": "crash-lead-01"}).json()["access_token"]))
    lead.pull()
    assert phone.view() == lead.view()
    # The kills landed while pushes were in flight (not only between them).
    assert interrupted >= 1


def _quietly(push) -> None:
    try:
        push()
    except TransportError:
        pass  # the server died under it; the outbox keeps everything
