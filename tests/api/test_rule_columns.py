"""The columns a record's data is indexed by: its local day, owner, status and a ticket's deadlines.

Lists, statistics and the due sweep filter on these columns, so a wrong one
hides a record from a list or counts a ticket in the wrong day or colour.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from server.services.rules import derived_columns, local_day, ticket_columns, with_server_fields
from sync.hlc import format_hlc
from sync.mutation import parse_mutation

SHANGHAI = "Asia/Shanghai"
CREATED = datetime(2026, 1, 1, 16, 30, tzinfo=timezone.utc)  # 00:30 on 2 January in Shanghai
UTC = timezone.utc


@pytest.mark.parametrize(
    "value, day",
    [
        ("2026-11-22T23:30:00+00:00", "2026-11-23"),  # after 16:00 UTC it is tomorrow in Shanghai
        ("2026-11-22T23:30:00Z", "2026-11-23"),
        ("2026-11-22T23:30:00", "2026-11-22"),  # no offset: a local time already
        ("2026-11-22T08:30:00-08:00", "2026-11-23"),
        ("not a time", "2026-01-02"),
        ("", "2026-01-02"),
        (None, "2026-01-02"),
        ("9999-12-31T23:59:59-12:00", "2026-01-02"),  # past the calendar in Shanghai: the creation day
    ],
)
def test_a_records_day_is_its_own_time_in_the_district_else_its_creation(value, day):
    assert local_day(value, CREATED, SHANGHAI) == day


def test_a_report_is_indexed_by_its_status_category_reporter_and_local_day():
    data = {"status": "open", "category": "sanitation", "reporter": "g1-2", "device_time": "2026-11-22T23:30:00Z"}
    assert derived_columns("report", data, CREATED, SHANGHAI) == {
        "status": "open", "category": "sanitation", "owner": "g1-2", "day": "2026-11-23",
        "due_at": None, "done_at": None, "level": None, "reopens": None,
    }


@pytest.mark.parametrize("entity, owner_field, day_field", [
    ("checkin", "user", "at"), ("visit", "visitor", "visited_at"), ("notice", "created_by", "for_day"),
])
def test_each_record_kind_is_owned_and_dated_by_its_own_fields(entity, owner_field, day_field):
    data = {owner_field: "g1-3", day_field: "2026-11-22T23:30:00Z"}
    columns = derived_columns(entity, data, CREATED, SHANGHAI)
    assert (columns["owner"], columns["day"]) == ("g1-3", "2026-11-23")


def test_values_that_are_not_text_are_not_indexed_as_status_or_category():
    columns = derived_columns("report", {"status": 3, "category": ["x"]}, CREATED, SHANGHAI)
    assert (columns["status"], columns["category"], columns["owner"], columns["day"]) == (None, None, None, "2026-01-02")


def test_a_ticket_is_indexed_by_its_creator_creation_day_and_deadlines():
    data = {"status": "dispatched", "category": "sanitation", "created_by": "g1-1", "due_at": "2026-11-22T10:00:00Z",
            "level": "grid", "reopen_count": 1}
    assert derived_columns("ticket", data, CREATED, SHANGHAI) == {
        "status": "dispatched", "category": "sanitation", "owner": "g1-1", "day": "2026-01-02",
        "due_at": datetime(2026, 11, 22, 10, tzinfo=UTC), "done_at": None, "level": "grid", "reopens": 1,
    }


def test_a_finished_ticket_is_indexed_by_its_deadline_finish_level_and_reopens_in_utc():
    data = {"status": "closed", "due_at": "2026-11-22T10:00:00Z", "done_at": "2026-11-22T09:00:00+08:00",
            "level": "community", "reopen_count": 2}
    assert ticket_columns("ticket", data) == {
        "due_at": datetime(2026, 11, 22, 10, tzinfo=UTC), "done_at": datetime(2026, 11, 22, 1, tzinfo=UTC),
        "level": "community", "reopens": 2,
    }


@pytest.mark.parametrize("status", ["dispatched", "reopened", "acknowledged"])
def test_an_open_ticket_has_no_finish_time_though_its_data_kept_one(status):
    data = {"status": status, "done_at": "2026-11-22T09:00:00Z"}
    assert ticket_columns("ticket", data)["done_at"] is None


@pytest.mark.parametrize("status", ["resolved", "verified", "closed"])
def test_a_done_ticket_has_its_finish_time(status):
    data = {"status": status, "done_at": "2026-11-22T09:00:00Z"}
    assert ticket_columns("ticket", data)["done_at"] == datetime(2026, 11, 22, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "due, column",
    [
        ("2026-11-22T10:00:00", datetime(2026, 11, 22, 10, tzinfo=UTC)),  # the server writes UTC
        ("2026-11-22T18:00:00+08:00", datetime(2026, 11, 22, 10, tzinfo=UTC)),
        ("unreadable", None),
        (1_795_334_400, None),
        (None, None),
    ],
)
def test_a_ticket_deadline_is_read_as_utc_or_left_empty(due, column):
    assert ticket_columns("ticket", {"due_at": due})["due_at"] == column


@pytest.mark.parametrize("level, reopens, columns", [
    (3, True, (None, 0)), ("street", 4, ("street", 4)), (None, "2", (None, 0)), (None, None, (None, 0)),
])
def test_a_ticket_level_is_text_and_its_reopen_count_a_whole_number(level, reopens, columns):
    values = ticket_columns("ticket", {"level": level, "reopen_count": reopens})
    assert (values["level"], values["reopens"]) == columns


def test_records_other_than_tickets_have_empty_ticket_columns():
    assert ticket_columns("report", {"due_at": "2026-11-22T10:00:00Z", "level": "grid", "reopen_count": 1}) == {
        "due_at": None, "done_at": None, "level": None, "reopens": None}


def _mutation(op, data, entity="report"):
    return parse_mutation(
        {"id": "0b5f2a33-8a7e-4e43-9a55-1d9f1a7c2b10", "entity": entity,
         "entity_id": "1b5f2a33-8a7e-4e43-9a55-1d9f1a7c2b11", "op": op, "hlc": format_hlc(1, 0, "phone"),
         "base_version": None if op == "create" else 1, "data": data},
        device_id="phone", actor="g1-2",
    )


def test_the_server_names_the_creator_of_a_new_record():
    m = with_server_fields("g1-2", _mutation("create", {"description": "x"}))
    assert m.data == {"description": "x", "reporter": "g1-2"}


def test_a_create_sent_again_for_a_record_that_exists_keeps_its_creator():
    m = with_server_fields("g1-3", _mutation("create", {"description": "x"}), exists=True)
    assert m.data == {"description": "x"}


def test_an_update_names_no_creator_but_carries_what_the_server_adds():
    m = with_server_fields("g1-2", _mutation("update", {"description": "x"}), {"ticket_id": "t-1"})
    assert m.data == {"description": "x", "ticket_id": "t-1"}


def test_a_mutation_the_server_adds_nothing_to_is_returned_as_it_came():
    m = _mutation("update", {"description": "x"})
    assert with_server_fields("g1-2", m) is m


def test_a_deadline_without_an_offset_is_utc_whatever_the_servers_own_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert ticket_columns("ticket", {"due_at": "2026-11-22T10:00:00"})["due_at"] == datetime(
            2026, 11, 22, 10, tzinfo=UTC)
    finally:
        monkeypatch.undo()
        time.tzset()
