"""The supervision clock a test server may move (server/clock.py): deadlines pass without sleeping."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from server.config import ConfigError, load_config
from tests.api.test_tickets import Desk

HOUR = 3600


@pytest.fixture
def clock_file(tmp_path):
    return tmp_path / "clock"


@pytest.fixture
def app_config(clock_file):
    return {"GRIDWALK_TEST_CLOCK_FILE": str(clock_file)}


@pytest.fixture
def desk(client, auth):
    return Desk(client, auth)


def _ticket(client, auth, ticket_id, caller="street1"):
    return client.get(f"/api/tickets/{ticket_id}", headers=auth.headers(caller)).get_json()


@pytest.mark.parametrize("hours, color", [(0, "green"), (30, "yellow"), (40, "orange"), (48, "red"), (500, "red")])
def test_moving_the_clock_turns_a_ticket_through_its_colours(client, auth, desk, clock_file, hours, color):
    # facilities_damage, severity 2: 48 hours to resolve.
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch"])
    clock_file.write_text(str(hours * HOUR + 60))
    assert _ticket(client, auth, ticket["id"])["color"] == color
    listed = client.get("/api/tickets", query_string={"color": color}, headers=auth.headers("dept1")).get_json()
    assert [t["id"] for t in listed["items"]] == [ticket["id"]]
    now = datetime.fromisoformat(listed["now"])
    assert now - datetime.now(timezone.utc) > timedelta(hours=hours)


def test_an_overdue_ticket_is_swept_to_its_department_and_the_supervisors(client, auth, desk, clock_file, runner):
    ticket = desk.create()
    desk.walk(ticket["id"], ["submit", "approve", "dispatch"])
    clock_file.write_text(str(49 * HOUR))
    assert runner.invoke(args=["notify-due"]).exit_code == 0  # the scheduled job, on the moved clock
    for user in ("dept1", "street1"):
        kinds = [n["kind"] for n in client.get("/api/notifications", headers=auth.headers(user)).get_json()[
            "notifications"] if n["entity_id"] == ticket["id"]]
        assert "ticket_overdue" in kinds, (user, kinds)


def test_deadlines_are_set_by_the_moved_clock(client, auth, desk, clock_file):
    clock_file.write_text(str(24 * HOUR))
    ticket = desk.create()
    due = datetime.fromisoformat(ticket["due_at"])
    assert timedelta(hours=71) < due - datetime.now(timezone.utc) < timedelta(hours=73)


@pytest.mark.parametrize("content", [None, "", "soon", "1e999", "nan", "-inf", "9e9", "  \n"])
def test_without_a_readable_offset_the_clock_is_the_wall_clock(client, auth, desk, clock_file, content):
    if content is not None:
        clock_file.write_text(content)
    ticket = desk.create()
    assert _ticket(client, auth, ticket["id"])["color"] == "green"
    due = datetime.fromisoformat(ticket["due_at"])
    assert timedelta(hours=47) < due - datetime.now(timezone.utc) <= timedelta(hours=48)


def test_production_refuses_a_test_clock(monkeypatch, tmp_path):
    monkeypatch.setenv("GRIDWALK_ENV", "production")
    monkeypatch.setenv("GRIDWALK_SECRET_KEY", "a-long-random-production-secret-value")
    monkeypatch.setenv("GRIDWALK_TEST_CLOCK_FILE", str(tmp_path / "clock"))
    with pytest.raises(ConfigError):
        load_config(str(tmp_path))
    monkeypatch.delenv("GRIDWALK_TEST_CLOCK_FILE")
    assert load_config(str(tmp_path))["GRIDWALK_TEST_CLOCK_FILE"] is None
