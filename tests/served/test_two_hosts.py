"""Two app hosts on one PostgreSQL, one Redis and one S3-compatible store behave as one service.

Each host is a gunicorn of its own (a separate process group and port, as on two
machines) with the same settings; nothing is shared between them but the three
stores and the signing key. Runs only on PostgreSQL (``GRIDWALK_TEST_DATABASE_URL``):
SQLite is one file on one machine and has no second host.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import boto3
import pytest
import redis
import requests
from sqlalchemy import create_engine, text

from server.config import normalise_database_url
from tests.live_server import BIN, ROOT, LiveServer, prepare_database, server_env
from tests.served.conftest import log_in

PG_URL = os.environ.get("GRIDWALK_TEST_DATABASE_URL")
REDIS_URL = "redis://127.0.0.1:6379/13"  # a db number of this test's own, flushed before use
pytestmark = pytest.mark.skipif(not PG_URL, reason="two hosts need a shared PostgreSQL: set GRIDWALK_TEST_DATABASE_URL")


@pytest.fixture(scope="module")
def s3_media():
    """A bucket on moto's S3 server (a real HTTP endpoint) and the media URL both hosts use."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    bucket = f"gridwalk-{uuid.uuid4().hex[:12]}"
    boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1") \
        .client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    yield f"s3://{bucket}/media?endpoint_url={endpoint}&region=us-east-1"
    server.stop()


@pytest.fixture(scope="module")
def hosts(tmp_path_factory, s3_media):
    """Hosts A and B, each with two workers, on the shared stores."""
    tmp = tmp_path_factory.mktemp("two-hosts")
    url = normalise_database_url(PG_URL)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    redis.Redis.from_url(REDIS_URL).flushdb()
    servers = []
    for name in ("a", "b"):
        env = server_env(url, tmp / f"media-{name}", GRIDWALK_ENV="production", GRIDWALK_MEDIA_URL=s3_media,
                         GRIDWALK_SECRET_KEY="two-hosts-one-service-" + "k" * 40,
                         GRIDWALK_LOGIN_LIMIT_PER_USER="3 per minute",
                         GRIDWALK_LOGIN_LIMIT_PER_ADDRESS="10000 per minute",
                         AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                         AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
                         AWS_CONFIG_FILE=str(tmp / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp / "none"))
        env["GRIDWALK_REDIS_URL"] = REDIS_URL
        env["GRIDWALK_INSTANCE_PATH"] = str(tmp / f"instance-{name}")
        if name == "a":
            prepare_database(env)  # one migration and seed, as a deploy runs them once
        servers.append(LiveServer(env, tmp / f"{name}.log", workers=2))
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


class Phone:
    """A logged-in device that talks to whichever host it is pointed at."""

    def __init__(self, base: str, username: str):
        self.device_id = f"{username}-{uuid.uuid4().hex[:8]}"
        response = log_in(base, username, self.device_id)
        assert response.status_code == 200, response.text
        self.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        self.cursor = ""
        self.tick = 0

    def mutation(self, entity: str, op: str, data: dict, entity_id: str | None = None) -> dict:
        self.tick += 1
        return {"id": str(uuid.uuid4()), "entity": entity, "entity_id": entity_id or str(uuid.uuid4()), "op": op,
                "hlc": f"{int(time.time() * 1000):015d}:{self.tick:05d}:{self.device_id}", "base_version": None,
                "data": data}

    def push(self, base: str, *mutations: dict) -> requests.Response:
        return requests.post(f"{base}/api/sync/push", json={"device_id": self.device_id, "mutations": list(mutations)},
                             headers=self.headers, timeout=60)

    def pull(self, base: str) -> list[dict]:
        changes = []
        while True:
            response = requests.get(f"{base}/api/sync/pull", params={"cursor": self.cursor, "limit": 50},
                                    headers=self.headers, timeout=60)
            assert response.status_code == 200, response.text
            body = response.json()
            changes += body["changes"]
            self.cursor = body["cursor"]
            if not body["more"]:
                return changes


def report(n: int) -> dict:
    return {"category": "facilities_damage", "description": f"井盖破损 {n}", "lat": 30.2985, "lon": 120.1498,
            "severity": 2}


def test_pushes_on_a_are_pulled_from_b_without_a_gap_or_a_duplicate(hosts):
    a, b = hosts
    writers = [Phone(a.base, f"g1-{m}") for m in (2, 3, 4)]
    reader = Phone(b.base, "g1-1")
    reader.pull(b.base)
    pushed: set[str] = set()
    seen: list[str] = []

    def write(phone: Phone, round_: int) -> list[str]:
        mutations = [phone.mutation("report", "create", report(round_ * 10 + i)) for i in range(5)]
        answer = phone.push(a.base, *mutations)
        assert answer.status_code == 200 and {r["status"] for r in answer.json()["results"]} == {"applied"}
        return [m["entity_id"] for m in mutations]

    with ThreadPoolExecutor(3) as pool:
        for round_ in range(6):  # the reader pulls from B while A is still taking pushes
            futures = [pool.submit(write, phone, round_) for phone in writers]
            seen += [c["entity_id"] for c in reader.pull(b.base) if c["entity"] == "report"]
            for future in futures:
                pushed.update(future.result())
    seen += [c["entity_id"] for c in reader.pull(b.base) if c["entity"] == "report"]
    assert len(seen) == len(set(seen)), "a change came twice"
    assert set(seen) == pushed and len(pushed) == 6 * 3 * 5


def test_a_device_revoked_on_a_is_refused_on_b_at_once(hosts):
    a, b = hosts
    phone = Phone(a.base, "g2-2")
    assert requests.get(f"{b.base}/api/me", headers=phone.headers, timeout=10).status_code == 200
    admin = Phone(a.base, "admin")
    revoked = requests.post(f"{a.base}/api/admin/devices/{phone.device_id}/revoke", headers=admin.headers, timeout=10)
    assert revoked.status_code == 200, revoked.text
    for base in (b.base, a.base, b.base):  # every worker of both hosts, the first request after
        answer = requests.get(f"{base}/api/me", headers=phone.headers, timeout=10)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "device_revoked"
    assert phone.push(b.base, phone.mutation("report", "create", report(0))).status_code == 401


@pytest.mark.parametrize("user", ["g3-2", "g3-3"])
def test_login_limits_are_shared_by_both_hosts(hosts, user):
    a, b = hosts
    attempts = [log_in((a, b)[i % 2].base, user, f"phone-{user}-{i:04d}", password=f"wrong-{i}").status_code for i in range(3)]
    assert attempts == [401, 401, 401]
    for server in (b, a, b, a):
        assert log_in(server.base, user, f"phone-{user}-late").status_code == 429


def test_a_photo_uploaded_through_a_is_served_by_b(hosts):
    from tests.photos.conftest import encode, photographic

    a, b = hosts
    phone = Phone(a.base, "g4-2")
    jpeg = encode(photographic(640, 480, seed=16), "JPEG", quality=80)
    sha = hashlib.sha256(jpeg).hexdigest()
    put = requests.put(f"{a.base}/api/photos/{sha}", data=jpeg, timeout=60,
                       headers={**phone.headers, "Content-Type": "image/jpeg"})
    assert put.status_code == 201, put.text
    assert requests.head(f"{b.base}/api/photos/{sha}", headers=phone.headers, timeout=10).headers["Photo-Status"] == \
        "complete"
    served = requests.get(f"{b.base}/api/photos/{sha}", params={"size": "thumb"}, headers=phone.headers, timeout=30)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert served.content[:2] == b"\xff\xd8"
    assert served.content == requests.get(f"{a.base}/api/photos/{sha}", params={"size": "thumb"},
                                          headers=phone.headers, timeout=30).content


def test_the_due_sweep_run_on_both_hosts_notifies_once(hosts):
    a, b = hosts
    lead, patroller = Phone(a.base, "g5-1"), Phone(b.base, "g5-2")
    handoff = patroller.mutation("report", "create", {**report(1), "lat": 30.2921, "lon": 120.1462,
                                                      "status": "needs_handoff"})
    assert patroller.push(b.base, handoff).json()["results"][0]["status"] == "applied"
    created = requests.post(f"{a.base}/api/tickets", headers=lead.headers, timeout=30, json={
        "report_ids": [handoff["entity_id"]], "title": "井盖破损", "category": "facilities_damage", "severity": 2})
    assert created.status_code == 201, created.text
    ticket_id = created.json()["id"]
    submitted = requests.post(f"{b.base}/api/tickets/{ticket_id}/submit", json={}, headers=lead.headers, timeout=30)
    assert submitted.status_code == 200, submitted.text
    engine = create_engine(normalise_database_url(PG_URL))
    due = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat(timespec="seconds")
    with engine.begin() as conn:
        conn.execute(text("UPDATE records SET created_at = now() - interval '10 hours', "
                          "data = jsonb_set(data::jsonb, '{due_at}', to_jsonb(CAST(:due AS text)))::json "
                          "WHERE entity = 'ticket' AND entity_id = :id"), {"due": due, "id": ticket_id})

    def sweep(server: LiveServer) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "flask"), "--app", "wsgi", "notify-due"], cwd=ROOT, env=server.env,
                              capture_output=True, text=True, timeout=120, check=False)

    with ThreadPoolExecutor(4) as pool:  # both hosts' jobs, twice each, at the same moment
        runs = list(pool.map(sweep, [a, b, a, b]))
    assert all(run.returncode == 0 for run in runs), [run.stderr[-1000:] for run in runs]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT user_id, count(*) FROM notifications WHERE kind = 'ticket_overdue' "
                                 "AND entity_id = :id GROUP BY user_id"), {"id": ticket_id}).all()
    engine.dispose()
    assert rows and all(count == 1 for _, count in rows), rows
    for base in (a.base, b.base):
        kinds = [n["kind"] for n in requests.get(f"{base}/api/notifications", headers=lead.headers,
                                                 timeout=10).json()["notifications"]]
        assert kinds.count("ticket_overdue") == 1
