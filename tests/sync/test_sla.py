"""SLA deadlines and colours at their boundaries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sync.sla import acknowledge_due, color_of_ticket, next_level, resolve_due, ticket_color

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)


def test_urgent_fire_hazard_is_due_in_four_hours():
    assert resolve_due("public_safety", 3, T0) == T0 + timedelta(hours=4)


def test_unknown_category_uses_the_default_window():
    assert resolve_due("something_new", 1, T0) == T0 + timedelta(hours=168)


def test_departments_must_acknowledge_urgent_tickets_within_two_hours():
    assert acknowledge_due(3, T0) == T0 + timedelta(hours=2)


@pytest.mark.parametrize(
    "minutes_used, color",
    [(0, "green"), (59, "green"), (60, "yellow"), (95, "yellow"), (96, "orange"), (119, "orange"),
     (120, "red"), (600, "red")],
)
def test_colour_changes_at_half_four_fifths_and_due(minutes_used, color):
    due = T0 + timedelta(minutes=120)
    assert ticket_color(T0, due, T0 + timedelta(minutes=minutes_used)) == color


def test_a_finished_ticket_keeps_the_colour_it_had_when_finished():
    due = T0 + timedelta(hours=10)
    assert ticket_color(T0, due, T0 + timedelta(days=30), done_at=T0 + timedelta(hours=1)) == "green"
    assert ticket_color(T0, due, T0 + timedelta(days=30), done_at=T0 + timedelta(hours=11)) == "red"


def test_escalation_climbs_grid_community_street_district_and_stops():
    assert [next_level(x) for x in ("grid", "community", "street", "district")] == [
        "community", "street", "district", None]


def test_a_severity_above_urgent_gets_the_urgent_windows():
    assert resolve_due("public_safety", 4, T0) == T0 + timedelta(hours=4)
    assert acknowledge_due(9, T0) == T0 + timedelta(hours=2)


def test_a_severity_below_minor_gets_the_minor_windows():
    assert resolve_due("public_safety", 0, T0) == T0 + timedelta(hours=48)
    assert acknowledge_due(-1, T0) == T0 + timedelta(hours=24)


def test_a_ticket_at_an_unknown_level_escalates_to_the_community():
    assert next_level("household") == "community"


def test_the_colour_is_the_share_used_of_even_a_sub_second_window():
    due = T0 + timedelta(milliseconds=500)
    assert ticket_color(T0, due, T0) == "green"
    assert ticket_color(T0, due, T0 + timedelta(milliseconds=450)) == "orange"


def test_a_ticket_due_the_moment_it_starts_is_orange_until_then():
    """A phone whose clock runs behind sees it before it starts: used up, not a crash."""
    assert ticket_color(T0, T0, T0 - timedelta(minutes=5)) == "orange"


def _ticket(status: str, *, due_hours: float | None = 10, done_hours: float | None = None) -> dict:
    data = {"status": status}
    if due_hours is not None:
        data["due_at"] = (T0 + timedelta(hours=due_hours)).isoformat()
    if done_hours is not None:
        data["done_at"] = (T0 + timedelta(hours=done_hours)).isoformat()
    return data


def test_a_ticket_without_a_deadline_has_no_colour():
    assert color_of_ticket(_ticket("open", due_hours=None), T0, T0 + timedelta(days=9)) is None


@pytest.mark.parametrize("hours_seen, color", [(1, "green"), (6, "yellow"), (9, "orange"), (10, "red")])
def test_an_open_ticket_is_coloured_by_the_share_of_its_window_used_now(hours_seen, color):
    assert color_of_ticket(_ticket("dispatched"), T0, T0 + timedelta(hours=hours_seen)) == color


@pytest.mark.parametrize("status", ["resolved", "verified", "closed"])
def test_a_done_ticket_keeps_the_colour_it_had_when_done(status):
    ticket = _ticket(status, done_hours=1)
    assert color_of_ticket(ticket, T0, T0 + timedelta(days=30)) == "green"


def test_a_done_ticket_without_a_done_time_is_coloured_by_now():
    assert color_of_ticket(_ticket("closed"), T0, T0 + timedelta(hours=11)) == "red"


def test_the_done_time_of_a_ticket_still_open_is_ignored():
    """A ticket reopened after it was resolved is judged again by the clock."""
    ticket = _ticket("reopened", done_hours=1)
    assert color_of_ticket(ticket, T0, T0 + timedelta(hours=11)) == "red"
