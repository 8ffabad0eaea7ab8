"""Devices with skewed clocks, offline spells and a lossy network converge on the real server.

Each hypothesis example is a scenario: four grid-1 phones (clocks up to ±3 days
off) file reports and check-ins, edit each other's reports concurrently, move
their status, go offline and come back, over a network that loses requests
before and after the server commits them and delivers old pushes again late.
After quiescence:

(a) every device's view equals the server's state;
(b) no mutation is lost or applied twice: every recorded mutation was
    answered, each applied once in the audit trail;
(c) every value that lost to an edit made without seeing it is listed in
    /api/conflicts.

`make test` runs a bounded number of scenarios per database; set
GRIDWALK_CHAOS_EXAMPLES=500 for many more.
"""

from __future__ import annotations

import random
import time
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sync.client import SyncClient, TransportError
from sync.hlc import HybridLogicalClock
from tests.chaos.conftest import SCENARIOS, examples
from tests.chaos.transports import Faults, FlakyAppTransport, Network
from tests.conftest import PASSWORD

USERS = ("g1-2", "g1-3", "g1-4", "g1-5")
DAY_MS = 24 * 3600 * 1000
FIELDS = {"description": ["井盖破损", "井盖缺失", "窨井盖松动", "manhole cover broken", "路面塌陷"],
          "severity": [1, 2, 3],
          "place": ["3幢", "5幢门口", "沿街商铺2号"]}


def reset_database(app) -> None:
    from server.extensions import db, limiter
    from server.seed import seed_demo
    from tests.conftest import _wipe

    with app.app_context():
        _wipe(app)
        seed_demo(password=PASSWORD)
        limiter.reset()
        db.session.remove()


class Phone:
    """A device: the reference sync client over a flaky in-process network."""

    def __init__(self, app, username: str, network: Network, faults: Faults, skew_ms: int):
        self.username = username
        self.network = network
        client = app.test_client()
        device_id = f"{username}-{uuid.uuid4().hex[:8]}"
        body = client.post("/api/auth/login", json={"username": username, "password": PASSWORD,
                                                    "device_id": device_id}).get_json()
        self.transport = FlakyAppTransport(client, {"Authorization": f"Bearer {body['access_token']}"},
                                           network, faults)
        clock = HybridLogicalClock(device_id, now_ms=lambda: int(time.time() * 1000) + skew_ms)
        self.sync = SyncClient(device_id, self.transport, clock=clock, actor=username, sleep=lambda _s: None,
                               retries=2, backoff_s=0.0, push_batch=7, pull_limit=5)
        self.seen_step = 0  # every delivery before this step was in a completed pull
        self.writes: list[dict] = []

    def record(self, entity, entity_id, op, data=None):
        m = self.sync.record(entity, entity_id, op, data)
        self.writes.append({"mutation": m, "seen_step": self.seen_step})
        return m

    def try_sync(self) -> None:
        try:
            self.sync.push()
            started = self.network.step
            self.sync.pull()
            self.seen_step = max(self.seen_step, started)
        except TransportError:
            pass  # the network failed this time; everything stays queued

    def reports(self) -> dict:
        return {k[1]: v for k, v in self.sync.view().items() if k[0] == "report"}


def run_scenario(app, data, backend: str) -> None:
    reset_database(app)
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    network = Network(rng)
    faults = Faults(lose_before=data.draw(st.sampled_from([0.0, 0.1, 0.25]), label="lose_before"),
                    lose_after=data.draw(st.sampled_from([0.0, 0.1, 0.25]), label="lose_after"),
                    redeliver=data.draw(st.sampled_from([0.0, 0.2]), label="redeliver"))
    phones = [Phone(app, user, network, faults, data.draw(st.integers(-3 * DAY_MS, 3 * DAY_MS), label="skew"))
              for user in USERS]
    steps = data.draw(st.integers(15, 45), label="steps")
    for _ in range(steps):
        phone = rng.choice(phones)
        action = rng.random()
        known = phone.reports()
        if action < 0.15:
            phone.transport.online = not phone.transport.online
        elif action < 0.35 or not known:
            phone.record("report", str(uuid.uuid4()), "create", {
                "category": "facilities_damage", "description": rng.choice(FIELDS["description"]),
                "severity": rng.choice(FIELDS["severity"]), "lat": 30.2985, "lon": 120.1498})
        elif action < 0.42:
            phone.record("checkin", str(uuid.uuid4()), "create", {"at": "2026-11-22T08:00:00+08:00",
                                                                  "lat": 30.2985, "lon": 120.1498})
        elif action < 0.72:
            report_id = rng.choice(sorted(known))
            name = rng.choice(sorted(FIELDS))
            phone.record("report", report_id, "update", {name: rng.choice(FIELDS[name])})
        elif action < 0.8:
            report_id = rng.choice(sorted(known))
            tag = rng.choice(["急", "复查", "夜间"])
            phone.record("report", report_id, "update", {"tags": {"add": [tag]} if rng.random() < 0.7
                                                         else {"remove": [tag]}})
        elif action < 0.86:
            report_id = rng.choice(sorted(known))
            status = known[report_id].get("status")
            op = {"open": "handoff", "needs_handoff": "solve", "solved_on_site": "reopen"}.get(status)
            if op:
                phone.record("report", report_id, op)
        else:
            phone.try_sync()

    # Quiescence: everyone online on a quiet network, syncing until nothing moves.
    for phone in phones:
        phone.transport.online = True
        phone.transport.faults = Faults.none()
    for _ in range(3):
        for phone in phones:
            phone.sync.sync()
            phone.seen_step = network.step
    check_convergence(app, phones, network)
    SCENARIOS[backend] = SCENARIOS.get(backend, 0) + 1


def check_convergence(app, phones, network) -> None:
    from server.extensions import db
    from server.models import AppliedMutation, AuditEntry

    lead = app.test_client()
    body = lead.post("/api/auth/login", json={"username": "g1-1", "password": PASSWORD,
                                              "device_id": f"lead-{uuid.uuid4().hex[:8]}"}).get_json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    server, cursor = {}, None
    while True:
        page = lead.get("/api/sync/pull", query_string={"limit": 500, **({"cursor": cursor} if cursor else {})},
                        headers=headers).get_json()
        for c in page["changes"]:
            if not c["deleted"]:
                server[(c["entity"], c["entity_id"])] = c["data"]
        cursor = page["cursor"]
        if not page["more"]:
            break
    conflicts = lead.get("/api/conflicts", query_string={"limit": 1000}, headers=headers).get_json()["conflicts"]

    # (a) every device sees what the server holds
    for phone in phones:
        assert not phone.sync.outbox, phone.username
        assert phone.sync.view() == server, phone.username

    # (b) nothing lost, nothing applied twice
    recorded = [w["mutation"] for phone in phones for w in phone.writes]
    rejected = [r for phone in phones for r in phone.sync.rejected]
    assert not rejected, [(r.mutation.op, r.error) for r in rejected]
    ids = [m.id for m in recorded]
    assert len(set(ids)) == len(ids)
    with app.app_context():
        applied = set(db.session.execute(select(AppliedMutation.id).where(AppliedMutation.id.in_(ids))).scalars())
        audit_counts = dict(db.session.execute(
            select(AuditEntry.mutation_id, func.count()).where(AuditEntry.mutation_id.in_(ids))
            .group_by(AuditEntry.mutation_id)).all())
    assert applied == set(ids)
    assert audit_counts == {i: 1 for i in ids}

    # (c) every value that lost to an edit made without seeing it is a conflict
    losing = {(c["entity_id"], c["field"], c["losing"]["mutation"]) for c in conflicts}
    for field in FIELDS:
        by_record: dict = {}
        for phone in phones:
            for w in phone.writes:
                m = w["mutation"]
                if m.entity == "report" and field in m.data:
                    by_record.setdefault(m.entity_id, []).append((phone, w))
        for report_id, writes in by_record.items():
            final = server[("report", report_id)][field]
            for phone in phones:
                mine = [w for p, w in writes if p is phone]
                if not mine:
                    continue
                last = mine[-1]["mutation"]
                if last.data[field] == final:
                    continue
                seen_by_another = any(
                    p is not phone and w["seen_step"] > network.delivered[last.id] for p, w in writes
                )
                if not seen_by_another:
                    assert (report_id, field, last.id) in losing, (field, last.data[field], final)


@settings(max_examples=examples(), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_devices_converge_through_loss_duplication_skew_and_concurrent_edits(app, database_url, data):
    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    run_scenario(app, data, backend)
