"""A live server killed with SIGKILL in the middle of pushes loses nothing and applies nothing twice.

The server is gunicorn (one worker) on a real database: SQLite in a temporary
folder and, when GRIDWALK_TEST_DATABASE_URL is set, PostgreSQL in a database
of this test's own (the session's ``database_url`` fixture may be using the
``test`` database at the same time). Two phones with the reference client and
its HTTP transport record large batches (new reports and concurrent edits of
the same reports); one pushes while the server is SIGKILLed, several times:
at a random moment of the push (inside its transaction, most likely) or as
soon as the push has committed (before its answer is out, most likely). The
server is restarted each time and the phones retry.
After quiescence the properties of ``test_convergence`` hold, read through the
live server's API and, for applied mutations and the audit log, straight from
the database.
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

from server.config import normalise_database_url
from sync.client import HttpTransport, SyncClient, TransportError
from tests.chaos.conftest import History, assert_nothing_lost, record_line
from tests.chaos.transports import Network, RecordingTransport
from tests.conftest import PASSWORD
from tests.live_server import LiveServer, prepare_database, server_env

PG_URL = os.environ.get("GRIDWALK_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
KILLS = 4
BATCH = 300
SHARED = 12  # reports both phones edit
DESCRIPTIONS = ["垃圾堆积", "垃圾已清运一半", "垃圾满溢", "bins overflowing"]


def _admin_connect():
    import psycopg

    return psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


@pytest.fixture(params=BACKENDS)
def live_server(request, tmp_path):
    """``(server, database_url)``: a migrated, seeded, running server; killed at teardown."""
    pg_database = None
    if request.param == "sqlite":
        database = f"sqlite:///{tmp_path / 'crash.db'}"
    else:
        from sqlalchemy.engine import make_url

        pg_database = f"gridwalk_crash_{uuid.uuid4().hex[:8]}"
        with _admin_connect() as conn:
            conn.execute(f'CREATE DATABASE "{pg_database}"')
        database = make_url(PG_URL).set(database=pg_database).render_as_string(hide_password=False)
    server = LiveServer(server_env(database, tmp_path / "media"), tmp_path / "server.log")
    try:
        prepare_database(server.env)
        server.start()
        yield server, database
    finally:
        server.kill()
        if pg_database:
            with _admin_connect() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')


def _phone(server, username: str, network: Network) -> SyncClient:
    device_id = f"{username}-crash-{uuid.uuid4().hex[:6]}"
    answer = requests.post(f"{server.base}/api/auth/login", timeout=10, json={
        "username": username, "password": PASSWORD, "device_id": device_id})
    answer.raise_for_status()
    transport = RecordingTransport(HttpTransport(server.base, answer.json()["access_token"], timeout=20), network)
    return SyncClient(device_id, transport, actor=username, sleep=lambda _s: None, retries=1, backoff_s=0.0,
                      push_batch=BATCH, pull_limit=500)


def _record_batch(phone: SyncClient, rng: random.Random, shared: list[str], recorded: list) -> None:
    """A large batch: mostly new reports, and edits of the shared ones."""
    for n in range(BATCH):
        if rng.random() < 0.25:
            field = rng.choice(["description", "severity"])
            value = rng.choice(DESCRIPTIONS) if field == "description" else rng.randint(1, 3)
            recorded.append(phone.record("report", rng.choice(shared), "update", {field: value}))
        else:
            recorded.append(phone.record("report", str(uuid.uuid4()), "create", {
                "category": "sanitation", "description": f"{rng.choice(DESCRIPTIONS)} {n}", "severity": 2,
                "lat": 30.2985, "lon": 120.1498}))


def _push_quietly(phone: SyncClient) -> None:
    try:
        phone.push()
    except TransportError:
        pass  # the server died under it; the outbox keeps everything


def _sync_until_quiet(phones: list[SyncClient], rounds: int = 4) -> None:
    for _ in range(rounds):
        pulled = sum(phone.sync()["pulled"] for phone in phones)
        if pulled == 0 and not any(phone.outbox for phone in phones):
            return
    raise AssertionError(f"no quiescence after {rounds} rounds")


def _kill_when_committed(server, database: str, applied_before: int, timeout_s: float = 20.0) -> None:
    """SIGKILL the server as soon as the push in flight has committed: its answer may not be out yet."""
    engine = create_engine(normalise_database_url(database))
    deadline = time.monotonic() + timeout_s
    try:
        with engine.connect() as conn:
            while time.monotonic() < deadline:
                if conn.execute(text("SELECT count(*) FROM audit_log WHERE status IS NOT NULL")).scalar() > applied_before:
                    break
                conn.rollback()  # a fresh snapshot for the next look
                time.sleep(0.001)
    finally:
        server.kill()
        engine.dispose()


def _applied_count(database: str) -> int:
    engine = create_engine(normalise_database_url(database))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM audit_log WHERE status IS NOT NULL")).scalar()
    finally:
        engine.dispose()


def _database_ledger(database: str) -> tuple[dict, dict]:
    engine = create_engine(normalise_database_url(database))
    try:
        with engine.connect() as conn:
            applied = {row.mutation_id: {"status": row.status, "version": row.version} for row in conn.execute(
                text("SELECT mutation_id, status, version FROM audit_log WHERE status IS NOT NULL"))}
            audits = dict(conn.execute(text(
                "SELECT mutation_id, count(*) FROM audit_log WHERE mutation_id IS NOT NULL GROUP BY mutation_id"
            )).all())
    finally:
        engine.dispose()
    return applied, audits


def test_sigkill_mid_push_loses_nothing_and_applies_nothing_twice(live_server):
    server, database = live_server
    backend = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    started = time.monotonic()
    rng = random.Random(20261122)
    network = Network(faulty=False)
    pusher, editor = _phone(server, "g1-2", network), _phone(server, "g1-3", network)
    recorded: dict[str, list] = {"g1-2": [], "g1-3": []}
    shared = [str(uuid.uuid4()) for _ in range(SHARED)]
    for report_id in shared:
        recorded["g1-2"].append(pusher.record("report", report_id, "create", {
            "category": "sanitation", "description": "垃圾堆积", "severity": 2, "lat": 30.2985, "lon": 120.1498}))
    _sync_until_quiet([pusher, editor])

    # How long a push of one batch takes here, so that the kills land inside one.
    _record_batch(pusher, rng, shared, recorded["g1-2"])
    push_started = time.monotonic()
    pusher.push()
    push_seconds = time.monotonic() - push_started

    interrupted = 0
    for kill in range(KILLS):
        _record_batch(pusher, rng, shared, recorded["g1-2"])
        _record_batch(editor, rng, shared, recorded["g1-3"])
        applied_before = _applied_count(database)
        thread = threading.Thread(target=_push_quietly, args=(pusher,))
        thread.start()
        if kill % 2:
            _kill_when_committed(server, database, applied_before)
        else:
            time.sleep(rng.uniform(0.05, 0.95) * push_seconds)  # most likely inside the transaction
            server.kill()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the push hung on a dead server"
        interrupted += bool(pusher.outbox)
        server.start()
        _push_quietly(editor)  # the other phone's concurrent edits land in between
    _sync_until_quiet([pusher, editor])

    # (a) both phones hold what a fresh session of the lead pulls
    lead = _phone(server, "g1-1", Network(faulty=False))
    lead.pull()
    for phone in (pusher, editor):
        assert not phone.outbox and not phone.acked
        assert phone.records == lead.records
        assert phone.view() == {k: r["data"] for k, r in lead.records.items() if not r["deleted"]}
    # (b) and (c): each mutation applied and audited once, every losing value kept
    network.check_never_applied_twice()
    conflicts = requests.get(f"{server.base}/api/conflicts", params={"limit": 1000}, timeout=10, headers={
        "Authorization": f"Bearer {lead.transport.inner.access_token}"}).json()["conflicts"]
    applied, audits = _database_ledger(database)
    histories = [History(name, ms, {r.mutation.id: r.error.get("code") for r in phone.rejected})
                 for (name, ms), phone in zip(recorded.items(), (pusher, editor))]
    assert_nothing_lost(histories, lead.records, conflicts, applied, audits, allowed_rejections={})
    assert len(applied) == sum(len(ms) for ms in recorded.values())

    # The kills landed while pushes were in flight, not only between them.
    assert interrupted >= KILLS // 2, f"only {interrupted} of {KILLS} kills interrupted a push"
    committed_unanswered = sum(1 for statuses in network.answers.values() if statuses[0] == "duplicate")
    record_line(f"crash: {KILLS} SIGKILLs on {backend}, {interrupted} mid-push, {committed_unanswered} mutations "
                f"committed with the answer lost, {len(applied)} applied once, {len(conflicts)} conflicts kept, "
                f"in {time.monotonic() - started:.1f} s")
