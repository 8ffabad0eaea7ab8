"""The reference sync client against an in-memory server and a transport that loses things."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque

import pytest

from sync.client import HttpTransport, Lost, SyncClient, TransportError, Unauthorized
from sync.hlc import HybridLogicalClock, admit_hlc, parse_hlc
from sync.merge import merge
from sync.mutation import MutationError, parse_mutation

NOW = 1_750_000_000_000
YEAR_MS = 365 * 86_400_000
PHONE = "0b6f8a52-1c3e-4d7a-9f20-5e8b7c6d4a31"
TABLET = "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d"


class FakeTime:
    def __init__(self, ms: int = NOW) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


class FakeServer:
    """Just enough of the sync endpoints: dedupe, admission, merge, a change sequence."""

    def __init__(self, now: FakeTime | None = None, max_ahead_ms: int = 300_000) -> None:
        self.now = now or FakeTime()
        self.clock = HybridLogicalClock("server", now_ms=self.now)
        self.max_ahead_ms = max_ahead_ms
        self.records: dict = {}
        self.seqs: dict = {}
        self.seq = 0
        self.applied: dict[str, int] = {}
        self.conflicts: dict = {}
        self.merged: list = []
        self.pulls_with_push = False  # as a server from before pulls rode on pushes

    def push(self, body: dict) -> dict:
        results = []
        for raw in body["mutations"]:
            if raw["id"] in self.applied:
                results.append({"id": raw["id"], "status": "duplicate", "version": self.applied[raw["id"]]})
                continue
            try:
                m = parse_mutation(raw, device_id=body["device_id"], actor="g1-2")
            except MutationError as exc:
                results.append({"id": raw["id"], "status": "rejected", "error": exc.to_dict()})
                continue
            hlc, _ = admit_hlc(m.hlc, self.clock, max_ahead_ms=self.max_ahead_ms)
            m = dataclasses.replace(m, hlc=hlc)
            key = (m.entity, m.entity_id)
            result = merge(self.records.get(key), m)
            if result.error:
                code, message = result.error
                results.append({"id": m.id, "status": "rejected", "error": {"code": code, "message": message}})
                continue
            self.merged.append(m)
            if result.changed:
                self.records[key] = result.state
                self.seq += 1
                self.seqs[key] = self.seq
            for conflict in result.conflicts:
                self.conflicts[conflict.id] = conflict
            for cid in result.superseded:
                self.conflicts.pop(cid, None)
            self.applied[m.id] = result.state.version
            status = "conflict" if result.conflicts else "applied"
            out = {"id": m.id, "status": status, "version": result.state.version}
            if result.conflicts:
                out["conflict"] = result.conflicts[0].to_dict()
            results.append(out)
        answer = {"results": results, "cursor": str(self.seq), "hlc": self.clock.send()}
        if self.pulls_with_push and body.get("pull") is not None:
            answer["pull"] = self.pull(body["pull"]["cursor"], body["pull"]["limit"])
        return answer

    def pull(self, cursor: str | None, limit: int) -> dict:
        after = int(cursor or 0)
        pending = sorted((seq, key) for key, seq in self.seqs.items() if seq > after)
        page = pending[:limit]
        changes = [
            {
                "entity": key[0],
                "entity_id": key[1],
                "version": self.records[key].version,
                "deleted": self.records[key].deleted,
                "data": self.records[key].data,
            }
            for _, key in page
        ]
        return {
            "changes": changes,
            "cursor": str(page[-1][0]) if page else str(after),
            "more": len(pending) > limit,
            "hlc": self.clock.send(),
        }


class FlakyTransport:
    """Hands requests to the server; ``plan`` says what goes wrong with the next ones."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.plan: deque[str] = deque()
        self.calls: list[str] = []

    def push(self, body: dict) -> dict:
        return self._call("push", lambda: self.server.push(copy.deepcopy(body)))

    def pull(self, cursor, limit) -> dict:
        return self._call("pull", lambda: self.server.pull(cursor, limit))

    def _call(self, name, handle):
        self.calls.append(name)
        fate = self.plan.popleft() if self.plan else "ok"
        if fate == "lost-request":
            raise Lost("connection reset before the server saw it")
        if fate == "unauthorized":
            raise Unauthorized("token expired")
        answer = handle()
        if fate == "lost-answer":
            raise Lost("connection reset after the server answered")
        return json.loads(json.dumps(answer))


@pytest.fixture
def server():
    return FakeServer()


@pytest.fixture
def transport(server):
    return FlakyTransport(server)


def new_client(transport, device=PHONE, **kwargs) -> SyncClient:
    kwargs.setdefault("sleep", lambda s: None)
    kwargs.setdefault("clock", HybridLogicalClock(device, now_ms=FakeTime()))
    return SyncClient(device, transport, **kwargs)


def new_id() -> str:
    return str(uuid.uuid4())


def test_push_sends_the_outbox_in_order_and_empties_it(server, transport):
    client = new_client(transport)
    report = new_id()
    made = [
        client.record("report", report, "create", {"description": "blocked drain"}),
        client.record("report", report, "update", {"description": "blocked drain, smells"}),
        client.record("report", report, "solve", {"after_photos": ["h1"]}),
    ]
    results = client.push()
    assert [r["id"] for r in results] == [m.id for m in made]
    assert [m.id for m in server.merged] == [m.id for m in made]
    assert client.outbox == []
    assert server.records[("report", report)].data["status"] == "solved_on_site"


def test_push_goes_in_batches(server, transport):
    client = new_client(transport, push_batch=2)
    for _ in range(5):
        client.record("checkin", new_id(), "create", {"note": "here"})
    client.push()
    assert transport.calls == ["push", "push", "push"]
    assert len(server.applied) == 5


def test_a_lost_answer_is_retried_and_answered_as_duplicate(server, transport):
    client = new_client(transport)
    m = client.record("visit", new_id(), "create", {"notes": "elderly resident, needs ramp"})
    transport.plan.extend(["lost-answer"])
    [result] = client.push()
    assert result == {"id": m.id, "status": "duplicate", "version": 1}
    assert [x.id for x in server.merged] == [m.id]
    assert client.outbox == []


def test_failed_requests_back_off_exponentially_then_give_up_keeping_the_outbox(transport):
    sleeps = []
    client = new_client(transport, sleep=sleeps.append, retries=5)
    m = client.record("checkin", new_id(), "create", {"note": "stairwell B"})
    transport.plan.extend(["lost-request"] * 6)
    with pytest.raises(Lost):
        client.push()
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert client.outbox == [m]


def test_backoff_is_capped_and_jitter_spreads_it(transport):
    sleeps = []
    client = new_client(transport, sleep=sleeps.append, retries=6, max_backoff_s=3.0, jitter=lambda: 0.5)
    transport.plan.extend(["lost-request"] * 6)
    client.pull()
    assert sleeps == [0.375, 0.75, 1.5, 2.25, 2.25, 2.25]


def test_unauthorized_is_not_retried(transport):
    sleeps = []
    client = new_client(transport, sleep=sleeps.append)
    client.record("checkin", new_id(), "create", {"note": "x"})
    transport.plan.append("unauthorized")
    with pytest.raises(Unauthorized):
        client.sync()
    assert sleeps == [] and len(client.outbox) == 1


def test_a_non_retryable_transport_error_is_raised_at_once(server):
    class Refusing:
        def push(self, body):
            raise TransportError("400 bad request", status=400, retryable=False)

        def pull(self, cursor, limit):
            raise AssertionError("not reached")

    sleeps = []
    client = new_client(Refusing(), sleep=sleeps.append)
    client.record("checkin", new_id(), "create", {"note": "x"})
    with pytest.raises(TransportError):
        client.push()
    assert sleeps == [] and len(client.outbox) == 1


def test_rejected_mutations_are_kept_with_their_error_and_the_rest_still_apply(server, transport):
    client = new_client(transport)
    ticket = new_id()
    create = client.record("ticket", ticket, "create", {"title": "Broken streetlight"})
    approve = client.record("ticket", ticket, "approve")  # a draft cannot be approved
    update = client.record("ticket", ticket, "update", {"severity": "high"})
    results = client.push()
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert client.outbox == []
    [rejection] = client.rejected
    assert rejection.mutation == approve and rejection.error["code"] == "invalid_state"
    assert {m.id for m in server.merged} == {create.id, update.id}


def test_a_mutation_the_server_did_not_answer_stays_queued_in_order(server):
    class Forgetful(FlakyTransport):
        def push(self, body):
            answer = super().push(body)
            answer["results"] = answer["results"][1:]
            return answer

    client = new_client(Forgetful(server))
    first = client.record("checkin", new_id(), "create", {"note": "1"})
    second = client.record("checkin", new_id(), "create", {"note": "2"})
    assert [r["id"] for r in client.push()] == [second.id]
    assert client.outbox == [first]
    assert second not in client.outbox


def test_record_refuses_a_malformed_change(transport):
    client = new_client(transport)
    with pytest.raises(MutationError) as info:
        client.record("report", new_id(), "update", {"colour": "red"})
    assert info.value.code == "unknown_field"
    assert client.outbox == []


def test_record_uses_the_version_of_the_local_copy_as_base(transport):
    client = new_client(transport)
    report = new_id()
    assert client.record("report", report, "create", {"description": "d"}).base_version is None
    client.sync()
    assert client.record("report", report, "update", {"description": "e"}).base_version == 1


def test_pull_follows_the_pages_until_there_are_no_more(transport):
    writer = new_client(transport, device=TABLET)
    for _ in range(5):
        writer.record("checkin", new_id(), "create", {"note": "n"})
    writer.push()
    reader = new_client(transport, pull_limit=2)
    transport.calls.clear()
    assert reader.pull() == 5
    assert transport.calls == ["pull", "pull", "pull"]
    assert len(reader.view()) == 5


def test_a_sync_pulls_with_its_push_when_the_server_does(server, transport):
    server.pulls_with_push = True
    teammate, phone = new_client(transport, device=TABLET), new_client(transport)
    seen = new_id()
    teammate.record("checkin", seen, "create", {"note": "东门"})
    teammate.push()
    mine = new_id()
    phone.record("report", mine, "create", {"description": "井盖破损"})
    transport.calls.clear()
    assert phone.sync()["pulled"] == 2
    assert transport.calls == ["push"]
    assert phone.acked == [] and phone.outbox == []
    assert phone.view()[("checkin", seen)]["note"] == "东门"
    assert phone.cursor == str(server.seq)


def test_a_sync_goes_on_pulling_while_the_push_s_pull_says_more(server, transport):
    server.pulls_with_push = True
    teammate, phone = new_client(transport, device=TABLET), new_client(transport, pull_limit=2)
    for _ in range(4):
        teammate.record("checkin", new_id(), "create", {"note": "n"})
    teammate.push()
    phone.record("report", new_id(), "create", {"description": "x"})
    transport.calls.clear()
    assert phone.sync()["pulled"] == 5
    assert transport.calls == ["push", "pull", "pull"]
    assert len(phone.view()) == 5


def test_the_view_shows_pending_edits_on_top_of_pulled_records(transport):
    lead, phone = new_client(transport, device=TABLET), new_client(transport)
    ticket = new_id()
    lead.record("ticket", ticket, "create", {"title": "Graffiti", "report_ids": ["r1"]})
    lead.sync()
    phone.sync()
    phone.record("ticket", ticket, "update", {"title": "Graffiti on wall 3", "report_ids": ["r2"]})
    lead.record("ticket", ticket, "update", {"severity": "low"})
    lead.sync()
    phone.pull()
    data = phone.view()[("ticket", ticket)]
    assert data["title"] == "Graffiti on wall 3"
    assert data["severity"] == "low"
    assert data["report_ids"] == ["r1", "r2"]


def test_the_view_does_not_flip_back_between_push_and_pull(transport):
    client = new_client(transport, retries=0)
    report = new_id()
    client.record("report", report, "create", {"description": "old"})
    client.sync()
    client.record("report", report, "update", {"description": "new"})
    client.push()
    transport.plan.append("lost-request")
    with pytest.raises(Lost):
        client.pull()
    assert client.view()[("report", report)]["description"] == "new"
    client.pull()
    assert client.acked == []
    assert client.view()[("report", report)]["description"] == "new"


def test_a_pending_remove_hides_an_element_the_device_was_shown(transport):
    client = new_client(transport)
    report = new_id()
    client.record("report", report, "create", {"photos": ["h1", "h2"]})
    client.sync()
    client.record("report", report, "update", {"photos": {"remove": ["h1"]}})
    assert client.view()[("report", report)]["photos"] == ["h2"]


def test_a_pending_transition_shows_in_the_view(transport):
    client = new_client(transport)
    report = new_id()
    client.record("report", report, "create", {"description": "d"})
    client.sync()
    client.record("report", report, "handoff")
    assert client.view()[("report", report)]["status"] == "needs_handoff"


def test_deleted_records_leave_the_view(transport):
    client = new_client(transport)
    visit = new_id()
    client.record("visit", visit, "create", {"notes": "n"})
    client.sync()
    client.record("visit", visit, "delete")
    assert ("visit", visit) not in client.view()
    client.sync()
    assert ("visit", visit) not in client.view()
    assert client.records[("visit", visit)]["deleted"]


def concurrent_description_edits(lead: SyncClient, phone: SyncClient) -> str:
    """The lead files a report; both then edit its description, the lead later by the clock.

    Both push, the phone first: the lead's value wins and the phone's is kept as a conflict.
    Answers the report's id.
    """
    report = new_id()
    lead.record("report", report, "create", {"description": "pothole"})
    lead.sync()
    phone.sync()
    phone.record("report", report, "update", {"description": "pothole, 1 m wide"})
    lead.clock.now_ms.ms += 10
    lead.record("report", report, "update", {"description": "pothole near gate 2"})
    phone.sync()
    lead.sync()
    return report


def test_two_devices_editing_the_same_field_converge_and_keep_the_loser(server, transport):
    lead, phone = new_client(transport, device=TABLET), new_client(transport)
    report = concurrent_description_edits(lead, phone)
    phone.sync()
    assert phone.view() == lead.view()
    assert phone.view()[("report", report)]["description"] == "pothole near gate 2"
    [conflict] = server.conflicts.values()
    assert conflict.losing["value"] == "pothole, 1 m wide"
    assert lead.conflicts and lead.conflicts[0]["status"] == "conflict"


def test_a_client_restarted_from_its_store_loses_nothing_and_resends_safely(tmp_path, server, transport):
    store = tmp_path / "phone.json"
    client = new_client(transport, store=store, retries=0)
    report = new_id()
    made = [
        client.record("report", report, "create", {"description": "fallen tree", "photos": ["h1"]}),
        client.record("report", report, "update", {"severity": "high"}),
    ]
    last = client.clock.last
    transport.plan.append("lost-answer")  # the server applies both, the phone never hears
    with pytest.raises(Lost):
        client.push()
    del client  # killed

    again = SyncClient(PHONE, transport, store=store, sleep=lambda s: None)
    assert again.outbox == made
    assert again.clock.last == last
    results = again.sync()["results"]
    assert [r["status"] for r in results] == ["duplicate", "duplicate"]
    assert len(server.merged) == 2
    assert again.view()[("report", report)]["severity"] == "high"
    assert again.record("report", report, "update", {"place": "gate 2"}).hlc > last

    third = SyncClient(PHONE, transport, store=store, sleep=lambda s: None)
    assert third.cursor == again.cursor and third.records == again.records
    assert len(third.outbox) == 1


def test_rejections_survive_a_restart(tmp_path, transport):
    store = tmp_path / "phone.json"
    client = new_client(transport, store=store)
    client.record("ticket", new_id(), "close")
    client.push()
    again = SyncClient(PHONE, transport, store=store)
    assert again.rejected == client.rejected and again.rejected[0].error["code"] == "not_found"


def test_the_store_is_replaced_atomically(tmp_path, transport, monkeypatch):
    store = tmp_path / "phone.json"
    client = new_client(transport, store=store)
    client.record("checkin", new_id(), "create", {"note": "1"})
    before = store.read_text()
    assert json.loads(before)["device_id"] == PHONE

    def crash(src, dst):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        client.record("checkin", new_id(), "create", {"note": "2"})
    assert store.read_text() == before
    assert os.listdir(tmp_path) == ["phone.json"]


def test_a_store_of_another_device_is_refused(tmp_path, transport):
    store = tmp_path / "phone.json"
    new_client(transport, store=store).record("checkin", new_id(), "create", {"note": "1"})
    with pytest.raises(ValueError, match=f"belongs to device '{PHONE}'"):
        SyncClient(TABLET, transport, store=store)


def test_a_phone_a_year_fast_comes_back_to_server_time_and_its_later_edit_wins(server, transport):
    phone_time = FakeTime(NOW + YEAR_MS)
    client = new_client(transport, clock=HybridLogicalClock(PHONE, now_ms=phone_time))
    report = new_id()
    first = client.record("report", report, "create", {"description": "from the future"})
    assert parse_hlc(first.hlc).wall_ms == NOW + YEAR_MS
    client.sync()
    stored = server.merged[-1].hlc
    assert parse_hlc(stored).wall_ms <= NOW + server.max_ahead_ms  # re-stamped on admission

    phone_time.ms += 1000
    server.now.ms += 1000
    second = client.record("report", report, "update", {"description": "fixed clock"})
    assert second.hlc > stored
    assert abs(parse_hlc(second.hlc).wall_ms - (NOW + 1000)) < 100
    client.sync()
    assert server.records[("report", report)].data["description"] == "fixed clock"


def test_a_slow_phone_orders_its_edit_after_what_it_pulled(server, transport):
    lead = new_client(transport, device=TABLET)
    report = new_id()
    lead.record("report", report, "create", {"description": "today"})
    lead.sync()
    slow = new_client(transport, clock=HybridLogicalClock(PHONE, now_ms=FakeTime(NOW - 3 * 86_400_000)))
    slow.sync()
    edit = slow.record("report", report, "update", {"description": "seen and corrected"})
    assert edit.hlc > server.records[("report", report)].clocks["fields"]["description"][TABLET]["hlc"]
    slow.sync()
    assert server.records[("report", report)].data["description"] == "seen and corrected"
    assert server.conflicts == {}


def test_records_of_an_entity_the_client_does_not_know_are_shown_as_pulled(transport):
    client = new_client(transport)
    report = new_id()
    client._apply_change({"entity": "poster", "entity_id": "p1", "version": 2, "deleted": False, "data": {"a": 1}})
    client._apply_change({"entity": "poster", "entity_id": "p2", "version": 3, "deleted": True, "data": {"a": 2}})
    client._apply_change({"entity": "report", "entity_id": report, "version": 1, "deleted": False,
                          "data": {"description": "d"}})
    assert client.view() == {("poster", "p1"): {"a": 1}, ("report", report): {"description": "d"}}


class ScriptedTransport:
    """Answers each request with the next scripted answer and records what was asked."""

    def __init__(self, pushes=(), pulls=()) -> None:
        self.pushes, self.pulls = deque(pushes), deque(pulls)
        self.pushed: list[dict] = []
        self.pulled: list[tuple] = []

    def push(self, body):
        self.pushed.append(copy.deepcopy(body))
        return copy.deepcopy(self.pushes.popleft())

    def pull(self, cursor, limit):
        self.pulled.append((cursor, limit))
        return copy.deepcopy(self.pulls.popleft())


def change(entity_id, version, data, entity="report", deleted=False) -> dict:
    return {"entity": entity, "entity_id": entity_id, "version": version, "deleted": deleted, "data": data}


def test_a_new_client_starts_empty_stamps_by_its_own_clock_and_pulls_200_at_a_time():
    transport = ScriptedTransport(pulls=[{"changes": [], "cursor": "0", "more": False}])
    client = SyncClient(PHONE, transport)
    assert (client.outbox, client.acked, client.rejected, client.conflicts) == ([], [], [], [])
    assert (client.records, client.cursor, client.view()) == ({}, None, {})
    assert (client.clock.last, client.clock.offset_ms) == (None, 0)
    client.pull()
    assert transport.pulled == [(None, 200)]
    m = client.record("checkin", new_id(), "create", {"note": "here"})
    assert (m.device_id, m.actor) == (PHONE, "")


def test_the_actor_given_is_on_every_change_and_survives_a_restart(tmp_path, transport):
    store = tmp_path / "phone.json"
    client = new_client(transport, store=store, actor="g1-2")
    m = client.record("report", new_id(), "create", {"description": "d"})
    assert (m.device_id, m.actor) == (PHONE, "g1-2")
    assert SyncClient(PHONE, transport, store=store).outbox[0].actor == "g1-2"


def test_by_default_a_request_is_tried_six_times_with_backoff_from_half_a_second_up_to_thirty(transport):
    sleeps = []
    client = new_client(transport, sleep=sleeps.append)
    client.record("checkin", new_id(), "create", {"note": "x"})
    transport.plan.extend(["lost-request"] * 6)
    with pytest.raises(Lost):
        client.push()
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0]

    sleeps.clear()
    patient = new_client(transport, sleep=sleeps.append, retries=7)
    transport.plan.extend(["lost-request"] * 7)
    patient.pull()
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0]


def test_by_default_a_push_sends_at_most_100_mutations(server, transport):
    client = new_client(transport)
    for _ in range(101):
        client.record("checkin", new_id(), "create", {"note": "n"})
    client.push()
    assert transport.calls == ["push", "push"]
    assert len(server.applied) == 101


def test_each_batch_s_pull_counts_in_the_sync(server, transport):
    server.pulls_with_push = True
    client = new_client(transport, push_batch=1)
    client.record("checkin", new_id(), "create", {"note": "1"})
    client.record("checkin", new_id(), "create", {"note": "2"})
    assert client.sync()["pulled"] == 2
    assert transport.calls == ["push", "push"]


def test_a_push_answered_without_results_keeps_the_outbox():
    transport = ScriptedTransport(pushes=[{"cursor": "3"}])
    client = new_client(transport)
    m = client.record("checkin", new_id(), "create", {"note": "x"})
    assert client.push() == []
    assert client.outbox == [m] and client.acked == []


def test_a_stale_page_never_takes_a_record_back_to_an_older_version():
    report = new_id()
    transport = ScriptedTransport(pulls=[
        {"changes": [change(report, 2, {"description": "new"})], "cursor": "5", "more": False},
        {"changes": [change(report, 1, {"description": "old"})], "cursor": "5", "more": False},  # a cached page
    ])
    client = new_client(transport)
    client.pull()
    client.pull()
    assert client.records[("report", report)]["version"] == 2
    assert client.view()[("report", report)] == {"description": "new"}


def test_a_page_without_a_cursor_keeps_the_one_the_client_has():
    transport = ScriptedTransport(pulls=[
        {"changes": [], "cursor": "7", "more": False},
        {"changes": [], "more": False},
        {"changes": [], "cursor": "7", "more": False},
    ])
    client = new_client(transport)
    client.pull()
    client.pull()
    assert client.cursor == "7"
    client.pull()
    assert [cursor for cursor, _ in transport.pulled] == [None, "7", "7"]


def test_a_pending_remove_hides_an_element_of_a_record_pulled_after_it_was_made(server, transport):
    """The phone made the report and removed a photo before ever pulling it; the create went out
    and pulled the report back with both photos, the remove's push was lost."""
    server.pulls_with_push = True
    client = new_client(transport, push_batch=1, retries=0)
    report = new_id()
    client.record("report", report, "create", {"description": "d", "photos": ["h1", "h2"]})
    client.record("report", report, "update", {"photos": {"remove": ["h1"]}})
    transport.plan.extend(["ok", "lost-request"])
    with pytest.raises(Lost):
        client.push()
    assert client.records[("report", report)]["data"]["photos"] == ["h1", "h2"]
    assert client.view()[("report", report)]["photos"] == ["h2"]


def test_a_fast_phone_keeps_its_clock_while_a_pushed_edit_is_not_pulled_yet(server, transport):
    client = new_client(transport, clock=HybridLogicalClock(PHONE, now_ms=FakeTime(NOW + YEAR_MS)))
    report = new_id()
    client.record("report", report, "create", {"description": "from the future"})
    client.push()
    assert client.acked and not client.outbox
    client.record("report", report, "update", {"description": "corrected"})
    assert client.view()[("report", report)]["description"] == "corrected"
    client.sync()
    assert server.records[("report", report)].data["description"] == "corrected"
    assert client.view()[("report", report)]["description"] == "corrected"


@pytest.mark.parametrize("ahead_ms, next_wall_ms", [(3_600_000, NOW + 3_600_000), (3_600_001, NOW)])
def test_by_default_a_phone_more_than_an_hour_ahead_comes_back_to_server_time(transport, ahead_ms, next_wall_ms):
    client = new_client(transport, clock=HybridLogicalClock(PHONE, now_ms=FakeTime(NOW + ahead_ms)))
    client.record("checkin", new_id(), "create", {"note": "x"})
    client.sync()
    assert parse_hlc(client.record("checkin", new_id(), "create", {"note": "y"}).hlc).wall_ms == next_wall_ms


def test_pushed_edits_not_yet_pulled_survive_a_restart_and_stay_in_view(tmp_path, transport):
    store = tmp_path / "phone.json"
    client = new_client(transport, store=store)
    report = new_id()
    created = client.record("report", report, "create", {"description": "fallen tree"})
    client.push()
    assert client.acked == [created]
    again = SyncClient(PHONE, transport, store=store, sleep=lambda s: None)
    assert again.acked == [created] and again.outbox == []
    assert again.view()[("report", report)]["description"] == "fallen tree"


def test_conflicts_survive_a_restart(tmp_path, transport):
    store = tmp_path / "lead.json"
    lead, phone = new_client(transport, device=TABLET, store=store), new_client(transport)
    concurrent_description_edits(lead, phone)
    assert lead.conflicts
    assert SyncClient(TABLET, transport, store=store).conflicts == lead.conflicts


def test_a_clock_corrected_by_the_server_stays_corrected_after_a_restart(tmp_path):
    """Without a clock given, the client runs on the system clock; this server is a year behind it."""
    server = FakeServer(FakeTime(time.time_ns() // 1_000_000 - YEAR_MS))
    store = tmp_path / "phone.json"
    client = SyncClient(PHONE, FlakyTransport(server), store=store, sleep=lambda s: None)
    client.record("checkin", new_id(), "create", {"note": "x"})
    client.sync()
    assert client.clock.offset_ms < -YEAR_MS / 2

    again = SyncClient(PHONE, FlakyTransport(server), store=store, sleep=lambda s: None)
    assert again.clock.offset_ms == client.clock.offset_ms
    stamp = again.record("checkin", new_id(), "create", {"note": "y"}).hlc
    assert parse_hlc(stamp).wall_ms < server.now.ms + 60_000


def test_a_clock_given_never_stamps_below_what_the_store_saw_nor_goes_back(tmp_path, transport):
    store = tmp_path / "phone.json"
    client = new_client(transport, store=store)
    client.record("checkin", new_id(), "create", {"note": "x"})
    saved = client.clock.last

    behind = SyncClient(PHONE, transport, store=store, clock=HybridLogicalClock(PHONE, now_ms=FakeTime(NOW - 60_000)))
    assert behind.clock.last == saved
    assert behind.record("checkin", new_id(), "create", {"note": "y"}).hlc > saved

    ahead_stamp = HybridLogicalClock(PHONE, now_ms=FakeTime(NOW + 60_000)).send()
    for given_store in (store, None):
        ahead = HybridLogicalClock(PHONE, now_ms=FakeTime(NOW), last=ahead_stamp)
        assert SyncClient(PHONE, transport, store=given_store, clock=ahead).clock.last == ahead_stamp


def test_a_store_with_only_its_format_and_device_loads_as_an_empty_client(tmp_path, transport):
    store = tmp_path / "phone.json"
    store.write_text(json.dumps({"format": 1, "device_id": PHONE}))
    client = SyncClient(PHONE, transport, store=store)
    assert (client.outbox, client.acked, client.rejected, client.conflicts) == ([], [], [], [])
    assert (client.records, client.cursor, client.clock.last, client.clock.offset_ms) == ({}, None, None, 0)


def test_a_store_of_an_unknown_format_is_refused(tmp_path, transport):
    store = tmp_path / "phone.json"
    store.write_text(json.dumps({"format": 2, "device_id": PHONE}))
    with pytest.raises(ValueError, match="unknown store format 2$"):
        SyncClient(PHONE, transport, store=store)


def test_the_store_is_compact_utf8_json_holding_every_part_of_the_state(tmp_path, server, transport):
    store = tmp_path / "phone.json"
    client = new_client(transport, store=store)
    client.record("report", new_id(), "create", {"description": "井盖破损"})
    client.record("ticket", new_id(), "close")  # refused by the server
    client.sync()
    client.record("checkin", new_id(), "create", {"note": "东门"})
    text = store.read_bytes().decode("utf-8")
    saved = json.loads(text)
    # Compact (it is rewritten after every change), non-ASCII text as it is.
    assert text == json.dumps(saved, ensure_ascii=False, separators=(",", ":"))
    assert "井盖破损" in text and "东门" in text
    assert set(saved) == {"format", "device_id", "clock", "cursor", "outbox", "acked", "rejected", "conflicts",
                          "records"}
    assert saved["format"] == 1 and saved["device_id"] == PHONE
    assert saved["clock"] == {"last": client.clock.last, "offset_ms": client.clock.offset_ms}
    assert saved["cursor"] == client.cursor == str(server.seq)
    assert [m["id"] for m in saved["outbox"]] == [m.id for m in client.outbox]
    assert len(saved["rejected"]) == 1 and saved["rejected"][0]["error"]["code"] == "not_found"
    [record] = saved["records"]
    assert record["data"]["description"] == "井盖破损" and record["version"] == 1


def test_the_store_is_written_through_a_hidden_temporary_file_beside_it(tmp_path, transport, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-system-temp"))  # e.g. a phone's sandbox
    written = []
    replace = os.replace

    def recording_replace(src, dst):
        written.append(src)
        replace(src, dst)

    monkeypatch.setattr(os, "replace", recording_replace)
    store = tmp_path / "phone.json"
    new_client(transport, store=store).record("checkin", new_id(), "create", {"note": "1"})
    [src] = written
    assert os.path.dirname(src) == str(tmp_path)
    assert os.path.basename(src).startswith(".sync-") and src.endswith(".tmp")
    assert os.listdir(tmp_path) == ["phone.json"]


# A phone whose locale is plain ASCII: Python in the C locale with UTF-8 mode off, where open()
# without an encoding would write and read ASCII. Run apart, so the mode and locale are real;
# the script itself is ASCII (井盖破损 escaped), as a C-locale command line must be.
ASCII_LOCALE_SCRIPT = """
import json, locale, sys
from sync.client import SyncClient
assert not sys.flags.utf8_mode and locale.getpreferredencoding(False).upper() in ("ANSI_X3.4-1968", "ASCII")
class Offline:
    def push(self, body):
        raise OSError("offline")
    def pull(self, cursor, limit):
        raise OSError("offline")
store = sys.argv[1]
client = SyncClient("0b6f8a52-1c3e-4d7a-9f20-5e8b7c6d4a31", Offline(), store=store)
client.record("report", "7d3c1a9e-5b2f-4c8d-9e1a-2b3c4d5e6f70", "create", {"description": "\\u4e95\\u76d6\\u7834\\u635f"})
again = SyncClient("0b6f8a52-1c3e-4d7a-9f20-5e8b7c6d4a31", Offline(), store=store)
print(json.dumps(again.view()[("report", "7d3c1a9e-5b2f-4c8d-9e1a-2b3c4d5e6f70")]["description"]))
"""


def test_the_store_is_utf8_whatever_the_locale_says(tmp_path):
    store = tmp_path / "phone.json"
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0",
           "PYTHONIOENCODING": "utf-8", "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-X", "utf8=0", "-c", ASCII_LOCALE_SCRIPT, str(store)], env=env,
                          capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == "井盖破损"
    assert json.loads(store.read_bytes().decode("utf-8"))["outbox"][0]["data"]["description"] == "井盖破损"


class StubResponse:
    def __init__(self, status, body=None, text=""):
        self.status_code = status
        self._body = body
        self.text = text

    def json(self):
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


class StubSession:
    def __init__(self, outcome):
        self.outcome = outcome
        self.requests = []

    def request(self, method, url, **kwargs):
        self.requests.append((method, url, kwargs))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_http_transport_speaks_the_sync_contract():
    session = StubSession(StubResponse(200, {"results": [], "cursor": "3", "hlc": "x"}))
    transport = HttpTransport("https://grid.example/", "tok", session)
    transport.push({"device_id": PHONE, "mutations": []})
    transport.pull(None, 50)
    transport.pull("3", 50)
    (m1, u1, k1), (m2, u2, k2), (_, _, k3) = session.requests
    assert (m1, u1) == ("POST", "https://grid.example/api/sync/push")
    assert k1["json"] == {"device_id": PHONE, "mutations": []}
    assert k1["headers"] == {"Authorization": "Bearer tok"}
    assert (m2, u2) == ("GET", "https://grid.example/api/sync/pull")
    assert k2["params"] == {"limit": 50} and k3["params"] == {"limit": 50, "cursor": "3"}


@pytest.mark.parametrize(
    "outcome, error, retryable",
    [
        (StubResponse(401, text="expired"), Unauthorized, False),
        (StubResponse(503, text="busy"), TransportError, True),
        (StubResponse(429, text="slow down"), TransportError, True),
        (StubResponse(400, text="bad"), TransportError, False),
        (StubResponse(200, None), TransportError, True),
    ],
)
def test_http_transport_maps_failures_to_transport_errors(outcome, error, retryable):
    transport = HttpTransport("http://h", "tok", StubSession(outcome))
    with pytest.raises(error) as info:
        transport.pull(None, 10)
    assert info.value.retryable is retryable


def test_http_transport_reports_a_dropped_connection_as_lost():
    import requests

    transport = HttpTransport("http://h", "tok", StubSession(requests.ConnectionError("reset")))
    with pytest.raises(Lost):
        transport.push({"device_id": PHONE, "mutations": []})
