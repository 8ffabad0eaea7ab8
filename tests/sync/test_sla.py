"""SLA deadlines and colours at their boundaries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sync.sla import acknowledge_due, next_level, resolve_due, ticket_color

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
