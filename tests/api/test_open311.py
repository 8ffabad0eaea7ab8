"""Open311 GeoReport v2: cases handed in by the 12345 hotline, routed by point; requests read out."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest

from server.extensions import db
from server.models import ApiKey, Record
from server.services.intake_keys import DEMO_KEY
from server.services.open311 import REQUEST_FIELDS
from tests.api.sync_helpers import SyncSession, report

# Inside grid 3 (左家新村第一网格, centre 30.2957, 120.1556), and between grids 1, 2 and 4 (in no grid).
IN_GRID_3 = {"lat": 30.2961, "long": 120.1550}
IN_NO_GRID = {"lat": 30.3015, "long": 120.1498}
CASE = {"service_code": "facilities_damage", "description": "市民来电：左家新村3幢门口井盖松动",
        "address_string": "左家新村3幢门口", "first_name": "建华", "last_name": "王", "phone": "13900001111",
        "email": "caller@example.com", "jurisdiction_id": "gongshu"}
SPEC_SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}


def post_case(client, *, key=DEMO_KEY, fmt="json", as_json=False, **fields):
    body = {**CASE, **IN_GRID_3, **fields}
    if key is not None:
        body["api_key"] = key
    if as_json:
        return client.post(f"/open311/v2/requests.{fmt}", json=body)
    return client.post(f"/open311/v2/requests.{fmt}", data=body)


def get(client, path, key=DEMO_KEY, **params):
    return client.get(path, query_string={"api_key": key, **params} if key else params)


def assert_spec_request(item: dict) -> None:
    """The GeoReport v2 fields of a service request, with their types."""
    assert set(REQUEST_FIELDS) <= set(item)
    assert item["status"] in ("open", "closed")
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert datetime.fromisoformat(item[key]).tzinfo is not None, key
    assert isinstance(item["lat"], float) and isinstance(item["long"], float)
    assert isinstance(item["service_request_id"], str) and item["service_code"] and item["service_name"]


def test_a_hotline_case_inside_grid_3_shows_in_grid_3s_huddle(client, auth):
    response = post_case(client)
    assert response.status_code == 201, response.get_json()
    [answer] = response.get_json()
    case_id = answer["service_request_id"]
    assert answer["service_notice"] == "已转入网格处理"
    huddle = client.get("/api/huddle", query_string={"grid": 3}, headers=auth.headers("g3-1")).get_json()
    [mine] = [r for r in huddle["reports"] if r["id"] == case_id]
    assert mine["data"]["reporter"] == "hotline-12345"
    assert "source:open311" in mine["data"]["tags"] and "via:hotline-12345" in mine["data"]["tags"]
    assert mine["data"]["place"] == "左家新村3幢门口" and mine["data"]["status"] == "open"
    # The caller's name and phone stay with the case, not in the grid's report.
    assert "13900001111" not in json.dumps(mine, ensure_ascii=False)
    # Grid 2's team sees nothing of it.
    other = client.get("/api/huddle", query_string={"grid": 2}, headers=auth.headers("g2-1")).get_json()
    assert all(r["id"] != case_id for r in other["reports"])


def test_the_posted_case_reads_back_as_an_open_request_due_by_the_sla(client):
    case_id = post_case(client).get_json()[0]["service_request_id"]
    [item] = get(client, f"/open311/v2/requests/{case_id}.json").get_json()
    assert_spec_request(item)
    assert (item["status"], item["service_code"], item["agency_responsible"]) == ("open", "facilities_damage",
                                                                                  "左家新村第一网格")
    # facilities_damage at the default severity (2) is due in 48 hours.
    due = datetime.fromisoformat(item["expected_datetime"]) - datetime.fromisoformat(item["requested_datetime"])
    assert timedelta(hours=47, minutes=59) <= due <= timedelta(hours=48)
    assert "13900001111" not in json.dumps(item, ensure_ascii=False) and "王" not in item["description"][:1]


@pytest.mark.parametrize("key", [None, "", "gw311_not-a-key", DEMO_KEY + "x"])
def test_a_bad_api_key_is_refused_with_403(client, key):
    response = post_case(client, key=key)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert get(client, "/open311/v2/requests.json", key=key).status_code == 403
    assert get(client, "/open311/v2/services.json", key=key).status_code == 403


def test_a_point_outside_every_grid_waits_in_its_streets_queue_until_assigned(client, auth):
    response = post_case(client, **IN_NO_GRID)
    assert response.status_code == 201
    case_id = response.get_json()[0]["service_request_id"]
    queue = client.get("/api/intake/queue", headers=auth.headers("street1")).get_json()["cases"]
    [queued] = [c for c in queue if c["id"] == case_id]
    assert queued["street_id"] == 1 and queued["contact"]["phone"] == "13900001111"
    # The supervisor sees which system handed it in.
    assert (queued["account"], queued["account_name"]) == ("hotline-12345", "12345市民热线")
    assert client.get("/api/intake/queue", headers=auth.headers("street2")).get_json()["cases"] == []
    assert client.get("/api/intake/queue", headers=auth.headers("g1-1")).status_code == 403
    [item] = get(client, f"/open311/v2/requests/{case_id}.json").get_json()
    assert_spec_request(item)
    assert item["status"] == "open" and item["agency_responsible"] == "米市巷街道"
    # No grid's huddle has it yet.
    for grid, lead in ((1, "g1-1"), (2, "g2-1"), (4, "g4-1")):
        reports = client.get("/api/huddle", query_string={"grid": grid}, headers=auth.headers(lead)).get_json()["reports"]
        assert all(r["id"] != case_id for r in reports)
    # street2 cannot take it; street1 sends it to grid 2, where it becomes a report.
    assert client.post(f"/api/intake/queue/{case_id}/assign", json={"grid_id": 5},
                       headers=auth.headers("street2")).status_code == 404
    assert client.post(f"/api/intake/queue/{case_id}/assign", json={"grid_id": 5},
                       headers=auth.headers("street1")).status_code == 404
    assigned = client.post(f"/api/intake/queue/{case_id}/assign", json={"grid_id": 2},
                           headers=auth.headers("street1"))
    assert assigned.status_code == 200 and assigned.get_json()["state"] == "assigned"
    reports = client.get("/api/huddle", query_string={"grid": 2}, headers=auth.headers("g2-1")).get_json()["reports"]
    assert [r["data"]["reporter"] for r in reports if r["id"] == case_id] == ["hotline-12345"]
    again = client.post(f"/api/intake/queue/{case_id}/assign", json={"grid_id": 1}, headers=auth.headers("street1"))
    assert again.status_code == 409
    assert client.get("/api/intake/queue", headers=auth.headers("street1")).get_json()["cases"] == []


def test_a_point_far_from_the_district_is_refused(client):
    response = post_case(client, lat=39.9042, long=116.4074)  # Beijing
    assert response.status_code == 422 and "lat" in response.get_json()["error"]["details"]


@pytest.mark.parametrize("fields, field", [
    ({"service_code": "volcano"}, "service_code"),
    ({"service_code": ""}, "service_code"),
    ({"lat": 95}, "lat"),
    ({"long": "east"}, "long"),
    ({"description": "x" * 2001}, "description"),
    ({"email": "not-mail"}, "email"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
])
def test_a_bad_case_is_a_422_naming_the_field(client, fields, field):
    response = post_case(client, **fields)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


def test_a_case_without_a_point_is_a_422(client):
    response = client.post("/open311/v2/requests.json", data={"api_key": DEMO_KEY, "service_code": "sanitation",
                                                               "address_string": "湖墅新村"})
    assert response.status_code == 422 and {"lat", "long"} <= set(response.get_json()["error"]["details"])


def test_a_case_may_come_as_json_too(client):
    response = post_case(client, as_json=True)
    assert response.status_code == 201 and response.get_json()[0]["service_request_id"]


def test_services_are_our_categories(client):
    services = get(client, "/open311/v2/services.json").get_json()
    assert {s["service_code"] for s in services} >= {"facilities_damage", "sanitation", "livelihood"}
    for service in services:
        assert SPEC_SERVICE_FIELDS <= set(service)
        assert service["metadata"] is False and service["type"] == "realtime"
    english = get(client, "/open311/v2/services.json", lang="en").get_json()
    assert any(s["service_name"] == "Sanitation" for s in english)


def test_services_and_requests_come_as_xml_too(client):
    root = ET.fromstring(get(client, "/open311/v2/services.xml").data)
    assert root.tag == "services" and root[0].tag == "service"
    assert root[0].find("metadata").text == "false" and root[0].find("service_code").text
    posted = ET.fromstring(post_case(client, fmt="xml").data)
    case_id = posted.find("request/service_request_id").text
    response = get(client, f"/open311/v2/requests/{case_id}.xml")
    assert response.headers["Content-Type"].startswith("text/xml")
    request = ET.fromstring(response.data).find("request")
    assert {child.tag for child in request} >= set(REQUEST_FIELDS)
    assert request.find("status").text == "open" and request.find("long").text.startswith("120.155")
    errors = ET.fromstring(get(client, "/open311/v2/requests.xml", key="nope").data)
    assert errors.tag == "errors" and errors.find("error/code").text == "403"


def test_requests_list_the_districts_reports_with_filters_and_pages(client, auth):
    patroller = SyncSession(client, auth, "g5-2")
    patroller.push(patroller.mutation("report", "create", report(status="solved_on_site", lat=30.2921, lon=120.1462)),
                   patroller.mutation("report", "create", report(category="sanitation", lat=30.2921, lon=120.1462)))
    ids = [post_case(client).get_json()[0]["service_request_id"] for _ in range(3)]
    queued = post_case(client, **IN_NO_GRID).get_json()[0]["service_request_id"]
    everything = get(client, "/open311/v2/requests.json")
    assert everything.headers["X-Total-Count"] == "6"
    items = everything.get_json()
    for item in items:
        assert_spec_request(item)
    assert {i["service_request_id"] for i in items} >= {*ids, queued}
    assert len(get(client, "/open311/v2/requests.json", status="closed").get_json()) == 1
    assert len(get(client, "/open311/v2/requests.json", status="open").get_json()) == 5
    assert len(get(client, "/open311/v2/requests.json", service_code="sanitation").get_json()) == 1
    two = get(client, "/open311/v2/requests.json", service_request_id=f"{ids[0]},{queued}").get_json()
    assert {i["service_request_id"] for i in two} == {ids[0], queued}
    pages = [get(client, "/open311/v2/requests.json", page=p, page_size=4).get_json() for p in (1, 2, 3)]
    seen = [i["service_request_id"] for page in pages for i in page]
    assert [len(p) for p in pages] == [4, 2, 0] and len(set(seen)) == 6
    future = (datetime.now().astimezone() + timedelta(days=1)).isoformat()
    assert get(client, "/open311/v2/requests.json", start_date=future).get_json() == []
    assert len(get(client, "/open311/v2/requests.json", end_date=future).get_json()) == 6


@pytest.mark.parametrize("params, field", [
    ({"status": "pending"}, "status"),
    ({"start_date": "yesterday"}, "start_date"),
    ({"start_date": "2026-11-02T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}, "start_date"),
    ({"page": 0}, "page"),
    ({"page_size": 5000}, "page_size"),
    ({"service_request_id": ",,"}, "service_request_id"),
])
def test_bad_request_filters_are_a_422(client, params, field):
    response = get(client, "/open311/v2/requests.json", **params)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


def test_an_unknown_request_or_format_is_a_404(client):
    assert get(client, "/open311/v2/requests/4f0c0c6e-0000-4000-8000-000000000000.json").status_code == 404
    assert get(client, "/open311/v2/services.csv").status_code == 404


def test_an_admin_issues_and_revokes_keys_stored_only_as_hashes(app, client, auth):
    assert client.post("/api/intake/keys", json={"account": "hotline-12345"},
                       headers=auth.headers("street1")).status_code == 403
    made = client.post("/api/intake/keys", json={"account": "city-app", "account_name": "市民随手拍",
                                                 "name": "手机应用"}, headers=auth.headers("admin"))
    assert made.status_code == 201
    key = made.get_json()["key"]
    assert key.startswith("gw311_") and len(key) > 40 and made.get_json()["prefix"] == key[:10]
    case = post_case(client, key=key)
    assert case.status_code == 201
    with app.app_context():
        stored = db.session.execute(db.select(ApiKey.key_hash, ApiKey.prefix)).all()
        assert all(key not in row for row in stored)
        report_ = db.session.get(Record, ("report", case.get_json()[0]["service_request_id"]))
        assert report_.data["reporter"] == "city-app"
    listed = client.get("/api/intake/keys", headers=auth.headers("admin")).get_json()
    assert {k["account"] for k in listed} == {"hotline-12345", "city-app"} and all("key" not in k for k in listed)
    assert {k["account"]: k["account_name"] for k in listed}["city-app"] == "市民随手拍"
    key_id = made.get_json()["id"]
    assert client.post(f"/api/intake/keys/{key_id}/revoke", headers=auth.headers("admin")).status_code == 200
    assert post_case(client, key=key).status_code == 403
    assert client.post("/api/intake/keys/9999/revoke", headers=auth.headers("admin")).status_code == 404


def test_the_cli_issues_a_key_that_works(client, runner):
    result = runner.invoke(args=["intake-key", "create", "--account", "wechat-311", "--name", "公众号"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().split(": ")[-1]
    assert post_case(client, key=key).status_code == 201
    key_id = result.output.split()[1]
    assert runner.invoke(args=["intake-key", "revoke", key_id]).exit_code == 0
    assert post_case(client, key=key).status_code == 403
    missing = runner.invoke(args=["intake-key", "revoke", "9999"])
    assert missing.exit_code == 1 and "No API key 9999" in missing.output


def test_the_street_queue_lists_cases_oldest_first(client, auth):
    first = post_case(client, **IN_NO_GRID, description="先来的").get_json()[0]["service_request_id"]
    second = post_case(client, **IN_NO_GRID, description="后来的").get_json()[0]["service_request_id"]
    queue = client.get("/api/intake/queue", headers=auth.headers("street1")).get_json()["cases"]
    assert [c["id"] for c in queue] == [first, second]
    assert [c["account"] for c in client.get("/api/intake/queue", headers=auth.headers("admin")).get_json()["cases"]] \
        == ["hotline-12345", "hotline-12345"]
