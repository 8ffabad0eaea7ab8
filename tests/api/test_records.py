"""Reading reports, check-ins and visits: filters, pagination, scoping."""

from __future__ import annotations

import uuid

import pytest

from tests.api.sync_helpers import SyncSession, report


@pytest.fixture
def team(client, auth):
    return {name: SyncSession(client, auth, name) for name in ("g1-1", "g1-2", "g1-3")}


def test_reports_filter_by_member_status_category_and_day(client, team):
    a, b = team["g1-2"], team["g1-3"]
    a.push(a.mutation("report", "create", report(device_time="2026-11-20T09:00:00+08:00")),
           a.mutation("report", "create", report(category="sanitation", device_time="2026-11-21T23:30:00+08:00")))
    b.push(b.mutation("report", "create", report(status="solved_on_site", device_time="2026-11-21T10:00:00+08:00")))
    h = team["g1-1"].headers

    def ids(**q):
        body = client.get("/api/reports", query_string=q, headers=h).get_json()
        return body["total"], [item["data"]["reporter"] for item in body["items"]]

    assert ids()[0] == 3
    assert ids(member="g1-3") == (1, ["g1-3"])
    assert ids(status="solved_on_site") == (1, ["g1-3"])
    assert ids(category="sanitation")[0] == 1
    # 23:30 in Shanghai is still the 21st, though it is the 21st 15:30 UTC.
    assert ids(date_from="2026-11-21", date_to="2026-11-21")[0] == 2
    page = client.get("/api/reports", query_string={"limit": 2, "offset": 2}, headers=h).get_json()
    assert page["total"] == 3 and len(page["items"]) == 1


def test_another_grids_records_are_not_listed_or_readable(client, auth, team):
    a = team["g1-2"]
    m = a.mutation("report", "create", report())
    a.push(m)
    outsider = auth.headers("g2-2")
    assert client.get("/api/reports", headers=outsider).get_json()["total"] == 0
    assert client.get(f"/api/reports/{m['entity_id']}", headers=outsider).status_code == 404
    assert client.get("/api/reports?grid=1", headers=outsider).status_code == 404
    assert client.get(f"/api/reports/{m['entity_id']}", headers=a.headers).status_code == 200
    assert client.get(f"/api/reports/{uuid.uuid4()}", headers=a.headers).status_code == 404


def test_bad_filters_are_a_422(client, team):
    h = team["g1-1"].headers
    backwards = client.get("/api/reports?date_from=2026-11-30&date_to=2026-11-01", headers=h)
    assert backwards.status_code == 422
    assert "date_from" in backwards.get_json()["error"]["details"]
    nonsense = client.get("/api/reports?limit=0&date_to=yesterday", headers=h)
    assert nonsense.status_code == 422
    assert {"limit", "date_to"} <= set(nonsense.get_json()["error"]["details"])


def test_a_report_says_which_photos_are_still_pending(client, team):
    a = team["g1-2"]
    sha = "ab" * 32
    m = a.mutation("report", "create", report(photos=[sha]))
    a.push(m)
    body = client.get(f"/api/reports/{m['entity_id']}", headers=a.headers).get_json()
    assert body["data"]["photos"] == [sha]
    assert body["pending_photos"] == [sha]


def test_visits_keep_personal_data_for_the_grid_and_its_street(client, auth, team):
    a = team["g1-2"]
    m = a.mutation("visit", "create", {"place_kind": "household", "place": "3幢2单元501", "contact_name": "李阿姨",
                                       "contact_phone": "13800001111", "needs": "独居老人，需要助餐",
                                       "follow_up": True, "visited_at": "2026-11-22T10:00:00+08:00"})
    assert a.push_one(m)["status"] == "applied"
    for reader in ("g1-1", "street1"):
        item = client.get("/api/visits", headers=auth.headers(reader)).get_json()["items"][0]
        assert item["data"]["contact_phone"] == "13800001111"
    assert client.get("/api/visits", headers=auth.headers("street2")).get_json()["total"] == 0
    assert client.get("/api/visits", headers=auth.headers("dept1")).get_json()["total"] == 0


def test_visit_values_are_validated(team):
    a = team["g1-2"]
    bad = a.push_one(a.mutation("visit", "create", {"place_kind": "castle", "place": "",
                                                    "contact_phone": "call me", "follow_up": "yes"}))
    assert bad["status"] == "rejected"
    assert {"place_kind", "place", "contact_phone", "follow_up"} <= set(bad["error"]["details"])


def test_report_values_are_validated_field_by_field(team):
    a = team["g1-2"]
    bad = a.push_one(a.mutation("report", "create", report(category="weather", lat="30.1", severity=True,
                                                           description="x" * 2001)))
    assert bad["status"] == "rejected"
    assert {"category", "lat", "severity", "description"} <= set(bad["error"]["details"])
    wrong_sub = a.push_one(a.mutation("report", "create", report(category="sanitation", subcategory="manhole")))
    assert wrong_sub["error"]["details"] == {"subcategory": ["Not a subcategory of sanitation."]}
    bad_photo = a.push_one(a.mutation("report", "create", report(photos=["not-a-hash"])))
    assert "photos" in bad_photo["error"]["details"]
    fine = a.push_one(a.mutation("report", "create", report(subcategory="manhole", description="井盖缺失")))
    assert fine["status"] == "applied"


def test_visit_exports_mask_names_and_phone_numbers(client, auth, team):
    a = team["g1-2"]
    a.push_one(a.mutation("visit", "create", {"place_kind": "household", "place": "3幢2单元501",
                                              "contact_name": "李秀英", "contact_phone": "13800001111",
                                              "visited_at": "2026-11-22T10:00:00+08:00"}))
    response = client.get("/api/visits/export.csv", headers=auth.headers("g1-1"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    assert "李**" in text and "138****1111" in text
    assert "李秀英" not in text and "13800001111" not in text
    assert "3幢2单元501" in text
    assert client.get("/api/visits/export.csv", headers=auth.headers("g1-2")).status_code == 403
    other_street = client.get("/api/visits/export.csv", headers=auth.headers("street2")).data.decode("utf-8-sig")
    assert "3幢2单元501" not in other_street
