"""Statistics: each measure pinned on a hand-built month, at every scope; rankings and flags; denials.

The month (tests/api/stats_scenario.py) is built once per database through the
real write path and read at 2026-12-01 10:00 Asia/Shanghai.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import literal, select

from server import create_app
from server.extensions import db
from server.models import Record
from server.models.types import UTCDateTime
from tests.api import stats_scenario as scenario
from tests.api.stats_scenario import built, month  # noqa: F401 - fixtures
from tests.api.test_seed_and_schema import scratch_database  # noqa: F401 - a fixture
from tests.conftest import TEST_CONFIG

MONTH = {"period": "month", "date": "2026-11-15"}
RATES = ("closing_rate", "on_time_rate", "rework_rate", "first_time_rate", "grid_solved_rate", "checkin_compliance")


def measures(answer: dict) -> dict:
    return {m["key"]: m["value"] for m in answer["measures"]}


def assert_measures(got: dict, expected: dict) -> None:
    for key, value in expected.items():
        if value is None:
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(value), key


def test_each_measure_of_the_street_is_what_the_month_holds(month):
    answer = month.ok("/api/stats", "street1", **MONTH)
    assert answer["scope"] == {"kind": "street", "id": 1, "name": "米市巷街道"}
    assert answer["period"]["from"] == "2026-11-01" and answer["period"]["to"] == "2026-11-30"
    assert_measures(measures(answer), scenario.EXPECTED_STREET)


@pytest.mark.parametrize("grid", [1, 2, 3, 4])
def test_each_measure_of_each_grid_is_what_the_month_holds(month, grid):
    answer = month.ok("/api/stats", "street1", scope="grid", id=grid, **MONTH)
    assert_measures(measures(answer), scenario.EXPECTED_GRIDS[grid])


def test_a_communitys_measures_are_those_of_its_grids_together(month):
    # Community 1 holds grids 1 and 2: 9 found, 5 opened, 3 closed (2 on time, 1 reworked), 1 overdue.
    got = measures(month.ok("/api/stats", "street1", scope="community", id=1, **MONTH))
    assert_measures(got, {"found": 9, "opened": 5, "closed": 3, "closing_rate": 3 / 5, "on_time_rate": 2 / 4,
                          "rework_rate": 1 / 3, "first_time_rate": 2 / 3, "grid_solved_rate": 5 / 6,
                          "checkin_compliance": 4 / 360, "visits": 2})


def test_the_district_counts_every_street_and_every_member(month):
    got = measures(month.ok("/api/stats", "admin", scope="district", id=1, **MONTH))
    street = dict(scenario.EXPECTED_STREET, checkin_compliance=4 / 1440)
    assert_measures(got, street)


def test_a_departments_figures_are_its_own_tickets_and_nothing_of_the_grids(month):
    got = measures(month.ok("/api/stats", "dept1", **MONTH))
    # A and B were dispatched to D1: both closed on time, B reworked once.
    assert_measures(got, {"opened": 2, "closed": 2, "closed_on_time": 2, "open_overdue": 0, "on_time_rate": 1.0,
                          "rework_rate": 0.5, "first_time_rate": 0.5, "found": None, "visits": None,
                          "checkin_compliance": None})
    # A supervisor reads the same department within the street.
    assert measures(month.ok("/api/stats", "street1", scope="department", id=1, **MONTH))["closed"] == 2


def test_an_overdue_open_ticket_lowers_the_on_time_rate_from_the_day_it_passes_due(month):
    # Ticket C (grid 1) is due Nov 12 09:00 and never closed; A and B closed on time before.
    before = measures(month.ok("/api/stats", "street1", scope="grid", id=1, period="custom",
                               **{"from": "2026-11-01", "to": "2026-11-11"}))
    after = measures(month.ok("/api/stats", "street1", scope="grid", id=1, period="custom",
                              **{"from": "2026-11-01", "to": "2026-11-12"}))
    assert before["on_time_rate"] == 1.0 and before["open_overdue"] == 0
    assert after["on_time_rate"] == pytest.approx(2 / 3) and after["open_overdue"] == 1


def test_a_reworked_ticket_lowers_the_first_time_fix_rate_once_it_is_closed(month):
    # A closed Nov 3 never reopened; B reworked and closed Nov 6.
    early = measures(month.ok("/api/stats", "street1", scope="grid", id=1, period="custom",
                              **{"from": "2026-11-01", "to": "2026-11-04"}))
    later = measures(month.ok("/api/stats", "street1", scope="grid", id=1, period="custom",
                              **{"from": "2026-11-01", "to": "2026-11-06"}))
    assert early["first_time_rate"] == 1.0 and early["rework_rate"] == 0.0
    assert later["first_time_rate"] == 0.5 and later["rework_rate"] == 0.5


def test_the_period_before_is_the_month_before(month):
    answer = month.ok("/api/stats", "street1", **MONTH)
    previous = {m["key"]: m["previous"] for m in answer["measures"]}
    assert answer["previous_period"]["from"] == "2026-10-01" and answer["previous_period"]["to"] == "2026-10-31"
    assert previous["found"] == 1 and previous["opened"] == 0 and previous["closing_rate"] is None


def test_a_day_belongs_to_the_local_calendar_not_to_utc(month):
    # A report at Dec 1 00:30 in Hangzhou is Nov 30 in UTC: it is December's.
    dec1 = measures(month.ok("/api/stats", "street1", scope="grid", id=1, period="day", date="2026-12-01"))
    nov30 = measures(month.ok("/api/stats", "street1", scope="grid", id=1, period="day", date="2026-11-30"))
    assert dec1["found"] == 1 and nov30["found"] == 0


def test_problems_are_counted_by_the_level_they_were_solved_at(month):
    levels = {row["level"]: (row["count"], row["share"])
              for row in month.ok("/api/stats", "street1", **MONTH)["levels"]}
    assert levels == {"on_site": (4, 0.5), "grid": (2, 0.25), "community": (1, 0.125), "street": (1, 0.125),
                      "district": (0, 0.0)}


def test_open_tickets_are_counted_by_their_colour_now(month):
    colours = {row["color"]: row["count"] for row in month.ok("/api/stats", "street1", **MONTH)["open_by_color"]}
    # C is long past due; E (due Dec 6, made Nov 29) has used under half its window.
    assert colours == {"green": 1, "yellow": 0, "orange": 0, "red": 1}


def test_the_trend_has_a_point_a_day_with_found_closed_and_overdue(month):
    trend = month.ok("/api/stats", "street1", **MONTH)["trend"]
    assert len(trend) == 30 and trend[0]["from"] == "2026-11-01"
    by_day = {p["from"]: (p["found"], p["closed"], p["overdue"]) for p in trend}
    assert by_day["2026-11-02"] == (2, 0, 0)
    assert by_day["2026-11-03"] == (1, 1, 0)  # A closed
    assert by_day["2026-11-05"] == (1, 0, 1)  # D's deadline passed unclosed
    assert by_day["2026-11-12"] == (1, 1, 1)  # F closed, C's deadline passed
    assert sum(p["found"] for p in trend) == 13 and sum(p["closed"] for p in trend) == 4


def test_the_department_league_reads_acknowledge_and_fix_times_from_the_trail(month):
    league = {row["department_id"]: row for row in month.ok("/api/stats", "street1", lang="en", **MONTH)["departments"]}
    d1, d2 = league[1], league[2]
    assert d1["name"] == "City management"
    # D1 acknowledged after 1 h and 2 h; fixed after 24 h, 8 h and (rework) 28 h.
    assert (d1["acknowledged"], d1["ack_median_hours"], d1["ack_p90_hours"]) == (2, 1.0, 2.0)
    assert (d1["resolved"], d1["resolve_median_hours"], d1["resolve_p90_hours"]) == (3, 24.0, 28.0)
    assert (d2["acknowledged"], d2["ack_median_hours"], d2["resolved"], d2["resolve_median_hours"]) == (1, 4.0, 1, 96.0)


def test_top_categories_come_with_their_week_on_week_change(month):
    top = month.ok("/api/stats", "street1", lang="en", **MONTH)["top_categories"]
    assert [(c["category"], c["count"]) for c in top] == [
        ("facilities_damage", 6), ("sanitation", 5), ("city_appearance", 1), ("livelihood", 1)]
    assert top[0]["label"] == "Facilities damage"
    # The month's last week (Nov 24-30) had the livelihood report; the week before none.
    livelihood = next(c for c in top if c["category"] == "livelihood")
    assert (livelihood["this_week"], livelihood["last_week"], livelihood["week_change"]) == (1, 0, None)


def test_check_in_compliance_is_given_by_grid_and_for_a_grid_by_member(month):
    grid1 = month.ok("/api/stats", "g1-1", **MONTH)["checkins"]
    members = {m["username"]: m["checkin_days"] for m in grid1["by_member"]}
    assert members["g1-1"] == 2 and members["g1-2"] == 1 and members["g1-3"] == 0 and len(members) == 6
    street = month.ok("/api/stats", "street1", **MONTH)["checkins"]
    assert {g["grid_id"]: g["checkin_days"] for g in street["by_grid"]} == {1: 3, 2: 1, 3: 0, 4: 0}
    assert street["by_member"] == []


def test_the_map_gives_each_grid_its_boundary_and_figures(month):
    grids = {g["id"]: g for g in month.ok("/api/stats", "street1", **MONTH)["grids"]}
    assert sorted(grids) == [1, 2, 3, 4]
    assert grids[1]["boundary"]["type"] == "Polygon" and grids[1]["open"] == 1 and grids[1]["open_overdue"] == 1
    assert grids[3]["on_time_rate"] == 1.0 and grids[4]["on_time_rate"] is None


def test_measures_are_answered_in_the_ui_language(month):
    zh = {m["key"]: m["label"] for m in month.ok("/api/stats", "street1", lang="zh-CN", **MONTH)["measures"]}
    en = {m["key"]: m["label"] for m in month.ok("/api/stats", "street1", lang="en", **MONTH)["measures"]}
    assert zh["on_time_rate"] == "按期结案率" and en["on_time_rate"] == "On-time closing rate"
    headers_en = month.get("/api/stats/measures", "street1")
    assert headers_en.status_code == 200
    assert all(m["doc"] for m in month.ok("/api/stats/measures", "street1", lang="en")["measures"])


def test_grids_of_the_street_are_ranked_with_horse_and_snail_flags(month):
    ranking = month.ok("/api/stats/rankings", "street1", **MONTH)
    assert [(i["id"], i["flag"]) for i in ranking["items"]] == scenario.EXPECTED_RANKING
    assert [i["rank"] for i in ranking["items"]] == [1, 2, 3, 4]
    first = ranking["items"][0]
    assert first["flag_label"] == "骏马" and first["score"] == pytest.approx(75.0)
    assert sum(first["contributions"].values()) == pytest.approx(first["score"])
    assert first["measures"]["on_time_rate"] == 1.0
    assert [w["measure"] for w in ranking["weights"]][0] == "on_time_rate"
    english = month.ok("/api/stats/rankings", "street1", lang="en", **MONTH)
    assert english["items"][-1]["flag_label"] == "Snail"


def test_streets_of_the_district_are_ranked_for_an_admin(month):
    ranking = month.ok("/api/stats/rankings", "admin", scope="district", id=1, **MONTH)
    assert ranking["unit"] == "street"
    items = {i["id"]: i for i in ranking["items"]}
    # Street 2 did nothing but is judged on check-ins (0) alone; street 1 ranks first.
    assert items[1]["rank"] == 1 and items[1]["flag"] == "horse" and items[2]["flag"] == "snail"


@pytest.mark.parametrize("user, params, status", [
    ("g1-2", {}, 403),                                         # a patroller has no statistics
    ("g1-2", {"scope": "grid", "id": 1}, 403),
    ("street2", {"scope": "grid", "id": 1}, 404),               # another street's supervisor
    ("street2", {"scope": "street", "id": 1}, 404),
    ("street2", {"scope": "community", "id": 1}, 404),
    ("street1", {"scope": "district", "id": 1}, 403),           # the district is the admins' view
    ("dept1", {"scope": "grid", "id": 1}, 404),                 # a department sees no grid
    ("dept1", {"scope": "department", "id": 2}, 404),           # nor another department's tickets
    ("dept2", {"scope": "street", "id": 1}, 404),
    ("g1-1", {"scope": "grid", "id": 2}, 404),                  # a lead sees their own grid only
    ("street1", {"scope": "grid", "id": 999}, 404),
])
def test_figures_outside_the_callers_scope_are_refused(month, user, params, status):
    response = month.get("/api/stats", user, **MONTH, **params)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == ("forbidden" if status == 403 else "not_found")
    ranked = month.get("/api/stats/rankings", user, **MONTH, **params)
    assert ranked.status_code in (403, 404, 422)


def test_another_streets_supervisor_sees_none_of_street_1_in_their_own_figures(month):
    got = measures(month.ok("/api/stats", "street2", **MONTH))
    assert got["found"] == 0 and got["opened"] == 0 and got["closing_rate"] is None
    league = month.ok("/api/stats", "street2", **MONTH)["departments"]
    assert all(row["acknowledged"] == 0 and row["resolved"] == 0 for row in league)


@pytest.mark.parametrize("params, field", [
    ({"period": "year"}, "period"),
    ({"period": "custom"}, "from"),
    ({"period": "custom", "from": "2026-11-10", "to": "2026-11-01"}, "from"),
    ({"period": "custom", "from": "2025-01-01", "to": "2026-11-01"}, "to"),
    ({"date": "2026-13-01"}, "date"),
    ({"scope": "planet"}, "scope"),
    ({"id": "abc"}, "id"),
    ({"id": 0}, "id"),
    ({"lang": "fr"}, "lang"),
])
def test_a_bad_period_or_scope_is_a_422_naming_the_field(month, params, field):
    response = month.get("/api/stats", "street1", **params)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]


def test_a_grid_or_department_is_not_ranked(month):
    response = month.get("/api/stats/rankings", "street1", scope="grid", id=1)
    assert response.status_code == 422 and "scope" in response.get_json()["error"]["details"]
    response = month.get("/api/stats/rankings", "street1", unit="street")
    assert response.status_code == 422


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(window_h=st.floats(0.5, 400), used=st.floats(-0.2, 1.6))
def test_the_sql_colour_is_the_colour_of_sync_sla(app, window_h, used):
    from server.services.stats.queries import color_expression
    from sync.sla import ORANGE_AT, YELLOW_AT, ticket_color

    # Away from the thresholds by more than a second: the databases' time arithmetic rounds.
    seconds = window_h * 3600
    for threshold in (YELLOW_AT, ORANGE_AT, 1.0):
        assume(abs(used - threshold) * seconds > 1.0)
    created = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
    due = created + timedelta(seconds=seconds)
    now = created + timedelta(seconds=used * seconds)
    expression = color_expression(now, created_at=literal(created, UTCDateTime()), due_at=literal(due, UTCDateTime()))
    with app.app_context():
        assert db.session.execute(select(expression)).scalar() == ticket_color(created, due, now)


def test_the_migration_fills_the_ticket_columns_of_existing_tickets(scratch_database):
    import json

    from flask_migrate import upgrade
    from sqlalchemy import text

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": scratch_database})
    tickets = [
        ("t-closed", {"status": "closed", "due_at": "2026-11-04T01:00:00+00:00", "done_at": "2026-11-03T08:00:00+00:00",
                      "level": "community", "reopen_count": 2}),
        ("t-reopened", {"status": "reopened", "due_at": "2026-11-04T01:00:00+00:00", "done_at": None,
                        "level": "grid", "reopen_count": 1}),
        ("t-old", {"status": "draft"}),
    ]
    with app.app_context():
        upgrade(revision="d8b2e6a4c9f1")  # the revision before the columns
        for seq, (entity_id, data) in enumerate(tickets, start=1):
            db.session.execute(
                text("INSERT INTO records (entity, entity_id, version, seq, deleted, data, clocks, created_at, "
                     "updated_at) VALUES ('ticket', :i, 1, :s, false, :d, '{}', :t, :t)"),
                {"i": entity_id, "s": seq, "d": json.dumps(data), "t": "2026-11-02 08:00:00"})
        db.session.commit()
        upgrade()
        rows = {r.entity_id: r for r in db.session.execute(select(Record).where(Record.entity == "ticket")).scalars()}
        db.session.remove()
        db.engine.dispose()
    closed = rows["t-closed"]
    assert closed.done_at == datetime(2026, 11, 3, 8, tzinfo=timezone.utc)
    assert closed.due_at == datetime(2026, 11, 4, 1, tzinfo=timezone.utc)
    assert (closed.level, closed.reopens) == ("community", 2)
    assert rows["t-reopened"].done_at is None and rows["t-reopened"].reopens == 1
    assert rows["t-old"].due_at is None and rows["t-old"].reopens == 0
