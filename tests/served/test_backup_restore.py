"""``flask backup`` of a live server while phones push, ``restore`` into an empty database.

On each backend: a server takes pushes from several phones while the backup runs;
the database is then emptied and the photo store replaced by an empty one, the
backup restored into them, the audit chain verified, and a phone that pulled up to
just before the backup continues from its old cursor: every record comes once,
none is missing, and changes made after the restore follow on.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
import time

import pytest
import requests
from sqlalchemy import create_engine, text

from server.config import normalise_database_url
from tests.live_server import BIN, ROOT, LiveServer, prepare_database, server_env
from tests.served.test_two_hosts import Phone, report

PG_URL = os.environ.get("GRIDWALK_TEST_DATABASE_URL")


def flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def empty_database(url: str) -> None:
    if url.startswith("sqlite"):
        os.remove(url.removeprefix("sqlite:///"))
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'live.db'}"
    if not PG_URL:
        pytest.skip("the PostgreSQL backup needs GRIDWALK_TEST_DATABASE_URL")
    url = normalise_database_url(PG_URL)
    empty_database(url)
    return url


def reports_seen(changes: list[dict]) -> list[str]:
    return [c["entity_id"] for c in changes if c["entity"] == "report"]


def test_a_backup_taken_while_phones_push_restores_and_a_phone_pulls_on_from_its_old_cursor(database, tmp_path):
    from tests.photos.conftest import encode, photographic

    env = server_env(database, tmp_path / "media", GRIDWALK_ENV="development")
    prepare_database(env)
    server = LiveServer(env, tmp_path / "server.log", workers=2)
    server.start()
    try:
        reader = Phone(server.base, "g1-1")
        writers = [Phone(server.base, f"g1-{m}") for m in range(2, 6)]
        jpeg = encode(photographic(320, 240, seed=4), "JPEG", quality=80)
        sha = hashlib.sha256(jpeg).hexdigest()
        put = requests.put(f"{server.base}/api/photos/{sha}", data=jpeg, timeout=60,
                           headers={**writers[0].headers, "Content-Type": "image/jpeg"})
        assert put.status_code == 201, put.text
        for phone in writers:  # some history before the reader's cursor
            assert phone.push(server.base, *[phone.mutation("report", "create", report(i)) for i in range(3)]).ok
        before = reports_seen(reader.pull(server.base))
        old_cursor = reader.cursor

        stop = threading.Event()
        answered: list[int] = []

        def keep_pushing(phone: Phone) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                answer = phone.push(server.base, *[phone.mutation("report", "create", report(n * 10 + i))
                                                   for i in range(5)])
                answered.append(answer.status_code)

        threads = [threading.Thread(target=keep_pushing, args=(phone,)) for phone in writers]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        backed = flask(env, "backup", str(tmp_path / "backup"))
        stop.set()
        for thread in threads:
            thread.join()
        assert backed.returncode == 0, backed.stderr[-2000:]
        assert answered and set(answered) == {200}
        assert flask(env, "backup", str(tmp_path / "backup")).returncode != 0  # never over an earlier backup
    finally:
        server.stop()

    # The host is lost: an empty database and an empty photo store.
    empty_database(database)
    shutil.rmtree(tmp_path / "media")
    restored = flask(env, "restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr[-2000:]
    again = flask(env, "restore", str(tmp_path / "backup"))
    assert again.returncode != 0 and "not empty" in again.stderr  # never over a live database
    verified = flask(env, "audit-verify")
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout + verified.stderr
    assert flask(env, "db", "upgrade").returncode == 0  # the restored schema is the current one

    server = LiveServer(env, tmp_path / "restored.log", workers=2)
    server.start()
    try:
        reader.cursor = old_cursor
        after = reports_seen(reader.pull(server.base))
        assert len(after) == len(set(after)), "a change came twice"
        assert not set(after) & set(before), "a change before the cursor came again"
        engine = create_engine(database)
        with engine.connect() as conn:
            stored = set(conn.execute(text("SELECT entity_id FROM records WHERE entity = 'report' "
                                           "AND grid_id = (SELECT id FROM grids WHERE code = 'G1')")).scalars())
        engine.dispose()
        assert set(before) | set(after) == stored, "a change the backup holds was not pulled"
        assert len(after) > 0
        # Life goes on: a push after the restore is the next thing the reader pulls.
        writer = writers[0]
        fresh = writer.mutation("report", "create", report(999))
        assert writer.push(server.base, fresh).json()["results"][0]["status"] == "applied"
        assert reports_seen(reader.pull(server.base)) == [fresh["entity_id"]]
        photo = requests.get(f"{server.base}/api/photos/{sha}", params={"size": "thumb"}, headers=writer.headers,
                             timeout=30)
        assert photo.status_code == 200 and photo.content[:2] == b"\xff\xd8"
    finally:
        server.stop()
