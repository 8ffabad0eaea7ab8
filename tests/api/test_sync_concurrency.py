"""Pulls never skip a change, even while other pushes commit concurrently."""

from __future__ import annotations

import threading

import pytest

from tests.api.sync_helpers import SyncSession, report


def test_pulling_during_concurrent_pushes_never_skips_a_change(client, auth, app):
    writers = [SyncSession(app.test_client(), auth.__class__(app.test_client()), f"g1-{n}") for n in (2, 3, 4)]
    reader = SyncSession(app.test_client(), auth.__class__(app.test_client()), "g1-1")
    created: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    done = threading.Event()
    seen: set[str] = set()

    def write(session):
        try:
            for _ in range(15):
                batch = [session.mutation("report", "create", report()) for _ in range(4)]
                answer = session.push(*batch)
                assert all(r["status"] == "applied" for r in answer["results"])
                with lock:
                    created.extend(m["entity_id"] for m in batch)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    def read():
        try:
            while not done.is_set():
                seen.update(entity_id for (_, entity_id) in reader.pull_all(limit=7))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    reader_thread = threading.Thread(target=read)
    reader_thread.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader_thread.join()
    assert not errors, errors
    # One last pull from where the reader's cursor stopped: if any pull had
    # jumped past an uncommitted change, that change would now be missing.
    seen.update(entity_id for (_, entity_id) in reader.pull_all())
    assert len(created) == 3 * 15 * 4
    assert set(created) <= seen


def test_a_transaction_that_already_wrote_never_deadlocks_with_a_queued_writer(app):
    """On SQLite, pushers queue for the write lock; one that holds SQLite's lock must not join that queue.

    Here a transaction writes (and so holds SQLite's lock) before it takes the
    counter, while a push has queued and waits for SQLite's lock: if the
    first one queued behind the push, each would wait for the other until
    SQLite's busy timeout failed one of them.
    """
    from sqlalchemy import text

    from server.extensions import db
    from server.services.write_lock import lock_counter

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL queues writers on the counter row's lock itself")
    wrote, queued = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def early_writer():
        try:
            with app.app_context():
                db.session.execute(text("UPDATE devices SET name = name"))  # holds SQLite's write lock now
                wrote.set()
                queued.wait(10)
                lock_counter()
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
            wrote.set()

    def pusher():
        try:
            with app.app_context():
                wrote.wait(10)
                threading.Timer(0.3, queued.set).start()  # let it reach SQLite's lock first
                lock_counter()
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=early_writer), threading.Thread(target=pusher)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(25)  # under SQLite's 30 s busy timeout: a deadlock would still be waiting
    assert not any(t.is_alive() for t in threads), "writers deadlocked"
    assert not errors, errors
