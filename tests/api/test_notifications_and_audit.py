"""Notifications for ticket events, and the tamper-evident audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from tests.api.sync_helpers import SyncSession
from tests.api.test_tickets import Desk


def kinds(client, auth, user, **query):
    body = client.get("/api/notifications", query_string=query, headers=auth.headers(user)).get_json()
    return [(n["kind"], n["data"]["title"]) for n in body["notifications"]]


def test_ticket_events_notify_the_right_people(client, auth):
    desk = Desk(client, auth)
    ticket = desk.create()
    assert kinds(client, auth, "street1") == []
    desk.act(ticket["id"], "submit")
    assert kinds(client, auth, "street1") == [("ticket_submitted", "卖鱼桥3幢井盖破损")]
    assert kinds(client, auth, "street2") == []
    desk.act(ticket["id"], "return", reason="请补充照片")
    assert [k for k, _ in kinds(client, auth, "g1-1")] == ["ticket_returned"]
    assert kinds(client, auth, "g1-2") == []
    desk.walk(ticket["id"], ["submit", "approve"])
    desk.act(ticket["id"], "dispatch", department=1)
    assert [k for k, _ in kinds(client, auth, "dept1")] == ["ticket_dispatched"]
    assert kinds(client, auth, "dept2") == []


def test_a_notification_is_marked_read_by_a_mutation_only_by_its_owner(client, auth):
    desk = Desk(client, auth)
    desk.act(desk.create()["id"], "submit")
    supervisor = SyncSession(client, auth, "street1")
    [note] = client.get("/api/notifications", headers=supervisor.headers).get_json()["notifications"]
    intruder = SyncSession(client, auth, "street2")
    denied = intruder.push_one(intruder.mutation("notification", "read", entity_id=note["id"]))
    assert denied["error"]["code"] == "not_found"
    assert supervisor.push_one(supervisor.mutation("notification", "read", entity_id=note["id"]))["status"] == "applied"
    assert kinds(client, auth, "street1", unread=True) == []
    assert len(kinds(client, auth, "street1")) == 1


def test_tickets_nearing_due_and_overdue_notify_owner_and_supervisor_once(app, runner, client, auth):
    desk = Desk(client, auth)
    ticket = desk.create()
    desk.act(ticket["id"], "submit")
    from server.extensions import db
    from server.models import Record

    with app.app_context():
        record = db.session.get(Record, ("ticket", ticket["id"]))
        now = datetime.now(timezone.utc)
        record.created_at = now - timedelta(hours=10)
        record.data = {**record.data, "due_at": (now - timedelta(minutes=5)).isoformat(timespec="seconds")}
        db.session.commit()
    for _ in range(2):  # a second sweep adds nothing
        assert runner.invoke(args=["notify-due"]).exit_code == 0
        assert [k for k, _ in kinds(client, auth, "g1-1")].count("ticket_overdue") == 1
        assert [k for k, _ in kinds(client, auth, "street1")].count("ticket_overdue") == 1
    assert kinds(client, auth, "g1-2") == []


def test_audit_verify_passes_on_an_untouched_trail(app, runner, client, auth):
    desk = Desk(client, auth)
    desk.act(desk.create()["id"], "submit")
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "intact" in result.output


def _tamper(app, sql):
    from server.extensions import db

    with app.app_context():
        db.session.execute(text(sql))
        db.session.commit()


def test_audit_verify_finds_an_altered_entry(app, runner, client, auth):
    desk = Desk(client, auth)
    desk.act(desk.create()["id"], "submit")
    _tamper(app, "UPDATE audit_log SET actor = 'g1-2' WHERE action = 'ticket.submit'")
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "altered" in result.output


def test_audit_verify_finds_a_deleted_entry_in_the_middle(app, runner, client, auth):
    desk = Desk(client, auth)
    desk.act(desk.create()["id"], "submit")
    _tamper(app, "DELETE FROM audit_log WHERE action = 'ticket.create'")
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and "missing" in result.output


def test_audit_verify_finds_the_newest_entries_deleted(app, runner, client, auth):
    desk = Desk(client, auth)
    desk.act(desk.create()["id"], "submit")
    _tamper(app, "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and "truncated" in result.output


def test_audit_verify_finds_an_emptied_log_and_says_no_entry_is_left(app, runner, client, auth):
    desk = Desk(client, auth)
    desk.act(desk.create()["id"], "submit")
    _tamper(app, "DELETE FROM audit_log")
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "audit trail (no entry left): newest entries deleted or log truncated" in result.output
    assert "None" not in result.output


def _seqs(app, sql):
    from server.extensions import db

    with app.app_context():
        return [row[0] for row in db.session.execute(text(sql))]


def _problems(runner):
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    return [line for line in result.output.splitlines() if line.startswith("audit entry")]


def test_audit_verify_names_the_one_entry_that_was_altered(app, runner, client, auth):
    desk = Desk(client, auth)
    desk.act(desk.create()["id"], "submit")
    [seq] = _seqs(app, "SELECT seq FROM audit_log WHERE action = 'ticket.create'")
    _tamper(app, "UPDATE audit_log SET data = NULL WHERE action = 'ticket.create'")
    assert _problems(runner) == [f"audit entry {seq}: entry altered"]


def test_audit_verify_names_the_entry_after_one_deleted_in_the_middle(app, runner, client, auth):
    desk = Desk(client, auth)
    desk.act(desk.create()["id"], "submit")
    [deleted] = _seqs(app, "SELECT seq FROM audit_log WHERE action = 'ticket.create'")
    [after] = _seqs(app, f"SELECT min(seq) FROM audit_log WHERE seq > {deleted}")
    _tamper(app, f"DELETE FROM audit_log WHERE seq = {deleted}")
    assert _problems(runner) == [f"audit entry {after}: previous entry missing or altered"]


def test_audit_verify_names_the_last_entry_left_when_the_newest_were_deleted(app, runner, client, auth):
    desk = Desk(client, auth)
    desk.act(desk.create()["id"], "submit")
    [newest] = _seqs(app, "SELECT max(seq) FROM audit_log")
    _tamper(app, f"DELETE FROM audit_log WHERE seq = {newest}")
    [left] = _seqs(app, "SELECT max(seq) FROM audit_log")
    assert _problems(runner) == [f"audit entry {left}: newest entries deleted or log truncated"]


def test_audit_verify_finds_the_trail_head_removed(app, runner, client, auth):
    """Deleting the counter row that keeps the newest hash is tampering too, not a crash."""
    desk = Desk(client, auth)
    desk.act(desk.create()["id"], "submit")
    [newest] = _seqs(app, "SELECT max(seq) FROM audit_log")
    _tamper(app, "DELETE FROM sync_counter")
    assert _problems(runner) == [f"audit entry {newest}: newest entries deleted or log truncated"]


def _entry(**data):
    from datetime import datetime, timezone

    return {"actor_id": 7, "actor": "g1-2", "device_id": "phone-1", "action": "report.create", "entity": "report",
            "entity_id": "r-1", "mutation_id": "m-1",
            "data": {"description": "井盖破损", "severity": 2, "lat": 30.2985, **data},
            "prev_hash": "0" * 64, "at": datetime(2026, 11, 22, 1, 2, 3, 456000, tzinfo=timezone.utc)}


def test_the_hashed_form_of_an_entry_is_pinned():
    """A stored trail verifies only while the bytes hashed stay the same."""
    from server.services.audit import entry_hash, legacy_entry_hash

    plain, exponent = _entry(), _entry(accuracy_m=1e-07)
    assert entry_hash(plain) == legacy_entry_hash(plain) == (
        "158013547acd11aff98ea1d76788cd544feb52f699d65f3d4f432b7208986a1f")
    assert entry_hash(plain, "2026-11-22T01:02:03.456000+00:00") == entry_hash(plain)
    # The two forms part only in corners such as a float's exponent.
    assert entry_hash(exponent) == "909803d0d1a683c0f7b72196ef3ea83c7b3ebe87e2aed58991cb493c76d0d0d6"
    assert legacy_entry_hash(exponent) == "d35caba6dee525193979cb42c7684dc8f151a5c0db2dfdb98997222e2d3a9841"


def test_a_trail_chained_by_earlier_builds_still_verifies_and_tampering_with_it_is_found(app, runner):
    from server.extensions import db
    from server.models import AuditEntry
    from server.services.audit import GENESIS, legacy_entry_hash, verify_chain
    from server.services.write_lock import lock_counter

    with app.app_context():
        counter = lock_counter()
        head = counter.audit_head or GENESIS
        for n in range(3):
            values = {**_entry(accuracy_m=1e-07 * (n + 1)), "mutation_id": f"legacy-{n}", "prev_hash": head}
            entry = AuditEntry(**values)
            entry.hash = head = legacy_entry_hash(values)
            db.session.add(entry)
            db.session.flush()
        counter.audit_head = head
        db.session.commit()
        assert verify_chain() == []
    _tamper(app, "UPDATE audit_log SET actor = 'g1-3' WHERE mutation_id = 'legacy-1'")
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and "altered" in result.output


def notes(client, auth, user, kind):
    body = client.get("/api/notifications", headers=auth.headers(user)).get_json()
    return [n["data"] for n in reversed(body["notifications"]) if n["kind"] == kind]


def test_a_resubmitted_ticket_is_announced_without_the_reason_of_an_earlier_return(app, runner, client, auth):
    desk = Desk(client, auth)
    ticket = desk.create()
    reasons = ["请补充照片", "描述不清，请补充照片\n并注明楼栋", "=HYPERLINK(\"x\")", "r" * 2000]
    desk.act(ticket["id"], "submit")
    for reason in reasons:
        desk.act(ticket["id"], "return", reason=reason)
        desk.act(ticket["id"], "submit")
    desk.walk(ticket["id"], ["approve"])
    desk.act(ticket["id"], "dispatch", department=1)

    submitted = notes(client, auth, "street1", "ticket_submitted")
    assert len(submitted) == len(reasons) + 1
    assert [n["reason"] for n in submitted] == [None] * len(submitted)
    # Each return is announced with its own reason, in order.
    assert [n["reason"] for n in notes(client, auth, "g1-1", "ticket_returned")] == reasons
    assert [n["reason"] for n in notes(client, auth, "dept1", "ticket_dispatched")] == [None]

    # Nor does a due-date sweep repeat the last return's reason.
    from server.extensions import db
    from server.models import Record

    with app.app_context():
        record = db.session.get(Record, ("ticket", ticket["id"]))
        assert record.data.get("reason") == reasons[-1]  # still on the ticket, where it belongs
        now = datetime.now(timezone.utc)
        record.data = {**record.data, "due_at": (now - timedelta(minutes=5)).isoformat(timespec="seconds")}
        db.session.commit()
    assert runner.invoke(args=["notify-due"]).exit_code == 0
    overdue = notes(client, auth, "street1", "ticket_overdue")
    assert overdue and [n["reason"] for n in overdue] == [None] * len(overdue)
