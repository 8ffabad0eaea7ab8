"""Due and overdue notices come from the ``notify-due`` job, never from reading the feed."""

from __future__ import annotations

import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_tickets import Desk
from tests.live_server import BIN, ROOT, server_env

SWEPT = {"ticket_nearing_due", "ticket_overdue"}


def _make_due(app, ticket_id: str, *, age_hours: float, due_in_minutes: float) -> None:
    from server.extensions import db
    from server.models import Record

    with app.app_context():
        record = db.session.get(Record, ("ticket", ticket_id))
        now = datetime.now(timezone.utc)
        record.created_at = now - timedelta(hours=age_hours)
        record.data = {**record.data, "due_at": (now + timedelta(minutes=due_in_minutes)).isoformat(timespec="seconds")}
        db.session.commit()


def _swept(client, auth, user: str) -> list[str]:
    body = client.get("/api/notifications", headers=auth.headers(user)).get_json()
    return sorted(n["kind"] for n in body["notifications"] if n["kind"] in SWEPT)


def _count_swept(app) -> int:
    from sqlalchemy import func, select

    from server.extensions import db
    from server.models import Notification

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind.in_(SWEPT)))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(due_in=st.sampled_from([-600, -5, 30, 90]), reads=st.integers(1, 3))
def test_reading_the_feed_never_makes_a_due_notice(app, client, auth, due_in, reads):
    desk = Desk(client, auth)
    ticket = desk.create()
    desk.act(ticket["id"], "submit")
    _make_due(app, ticket["id"], age_hours=10, due_in_minutes=due_in)
    for _ in range(reads):
        for user in ("g1-1", "street1", "street2"):
            assert _swept(client, auth, user) == []
    assert _count_swept(app) == 0


def test_the_job_notifies_once_however_often_it_runs(app, runner, client, auth):
    desk = Desk(client, auth)
    overdue, nearing = desk.create(), desk.create()
    for ticket in (overdue, nearing):
        desk.act(ticket["id"], "submit")
    _make_due(app, overdue["id"], age_hours=10, due_in_minutes=-5)
    _make_due(app, nearing["id"], age_hours=10, due_in_minutes=20)
    for _ in range(3):
        result = runner.invoke(args=["notify-due"])
        assert result.exit_code == 0, result.output
        assert _swept(client, auth, "g1-1") == ["ticket_nearing_due", "ticket_overdue"]
        assert _swept(client, auth, "street1") == ["ticket_nearing_due", "ticket_overdue"]
        assert _swept(client, auth, "street2") == [] and _swept(client, auth, "g1-2") == []
    assert _count_swept(app) == 4


@pytest.mark.parametrize("every", ["0", "-1", "soon"])
def test_a_loop_period_that_is_not_a_positive_number_is_refused(runner, every):
    result = runner.invoke(args=["notify-due", "--every", every])
    assert result.exit_code == 2 and "--every" in result.output
    assert runner.invoke(args=["notify-due", "--every", "1", "--parent-pid", "0"]).exit_code == 2


def _loop_env(app, tmp_path) -> dict:
    return server_env(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "media", GRIDWALK_ENV="development")


def test_the_loop_sweeps_until_it_is_told_to_stop(app, client, auth, tmp_path):
    desk = Desk(client, auth)
    ticket = desk.create()
    desk.act(ticket["id"], "submit")
    loop = subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "notify-due", "--every", "0.2"], cwd=ROOT,
                            env=_loop_env(app, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(1.0)
        assert _swept(client, auth, "g1-1") == []  # not due yet: nothing to say
        _make_due(app, ticket["id"], age_hours=10, due_in_minutes=-5)  # it turns red while the job runs
        for _ in range(100):
            if _swept(client, auth, "g1-1"):
                break
            time.sleep(0.1)
        time.sleep(0.6)  # a few more ticks
        assert _swept(client, auth, "g1-1") == ["ticket_overdue"]
    finally:
        loop.terminate()
    output, _ = loop.communicate(timeout=10)
    assert loop.returncode == 0 and "notify-due: stopped" in output, output


def test_the_loop_ends_with_the_process_that_started_it(app, tmp_path):
    # `make run` starts it beside gunicorn; if that shell is gone, the loop must not linger.
    flask = BIN / "flask"
    shell = subprocess.run(["sh", "-c", f"'{flask}' --app wsgi notify-due --every 60 --parent-pid $$ "
                                        ">/dev/null 2>&1 & echo $!"],
                           cwd=ROOT, env=_loop_env(app, tmp_path), capture_output=True, text=True, check=True)
    pid = int(shell.stdout.strip())
    for _ in range(100):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().split(") ")[-1].startswith("Z"):
                    break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        subprocess.run(["kill", str(pid)], check=False)
        pytest.fail("the loop outlived the shell that started it")
