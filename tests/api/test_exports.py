"""Exports: CSV and XLSX read back in Chinese, GeoJSON validated, scoping, filters and masking.

The hand-built month of tests/api/stats_scenario.py is the data: 18 reports,
6 tickets with their histories, 5 check-ins and 3 visits, in street 1.
"""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import openpyxl
import pytest

from server.services.export_files import writers
from tests.api.stats_scenario import built, month  # noqa: F401 - fixtures
from tests.api.sync_helpers import SyncSession, report

ALL_MONTH = {"date_from": "2026-10-01", "date_to": "2026-12-31"}

# RFC 7946 as far as our exports go: a FeatureCollection of Features whose geometry is
# null, a Point or a MultiPoint, positions [longitude, latitude] in WGS-84 degrees.
POSITION = {"type": "array", "minItems": 2, "maxItems": 3,
            "prefixItems": [{"type": "number", "minimum": -180, "maximum": 180},
                            {"type": "number", "minimum": -90, "maximum": 90}]}
GEOJSON = {
    "type": "object", "required": ["type", "features"], "not": {"required": ["crs"]},
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": {
            "type": "object", "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"const": "Feature"},
                "id": {"type": ["string", "number"]},
                "properties": {"type": ["object", "null"]},
                "geometry": {"oneOf": [
                    {"type": "null"},
                    {"type": "object", "required": ["type", "coordinates"],
                     "properties": {"type": {"const": "Point"}, "coordinates": POSITION}},
                    {"type": "object", "required": ["type", "coordinates"],
                     "properties": {"type": {"const": "MultiPoint"},
                                    "coordinates": {"type": "array", "items": POSITION}}},
                ]},
            }}},
    },
}


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.data[:300]
    assert response.data.startswith(b"\xef\xbb\xbf"), "a byte-order mark, so Excel reads UTF-8"
    assert response.headers["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def read_xlsx(response) -> dict[str, list[dict]]:
    assert response.status_code == 200, response.data[:300]
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        sheets[sheet.title] = [dict(zip(rows[0], row)) for row in rows[1:]]
    return sheets


def read_geojson(response) -> dict:
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Content-Type"] == "application/geo+json"
    body = json.loads(response.data)
    jsonschema.validate(body, GEOJSON)
    return body


def test_reports_csv_reads_back_in_chinese(month):
    rows = read_csv(month.get("/api/exports/reports.csv", "street1", **ALL_MONTH))
    assert len(rows) == 15  # 13 in November, one in October, one on December 1
    assert list(rows[0])[:5] == ["编号", "网格", "日期", "上报时间", "上报人"]
    categories = {r["类别"] for r in rows}
    assert {"设施损坏", "环境卫生", "民生服务", "市容环境"} == categories
    on_site = [r for r in rows if r["状态"] == "现场解决"]
    assert len(on_site) == 4 and all(r["网格"] for r in on_site)
    assert rows[0]["日期"] == "2026-10-28" and rows[0]["上报时间"] == "2026-10-28 10:00"


def test_the_csv_headers_follow_the_language(month):
    rows = read_csv(month.get("/api/exports/reports.csv", "street1", lang="en", **ALL_MONTH))
    assert list(rows[0])[:3] == ["ID", "Grid", "Day"] and rows[0]["Category"] == "Facilities damage"
    browser = read_csv(month.get("/api/exports/reports.csv", "street1", headers={"Accept-Language": "en-GB,en"}))
    assert "Category" in browser[0]


def test_tickets_xlsx_has_zh_headers_and_a_timeline_sheet(month):
    sheets = read_xlsx(month.get("/api/exports/tickets.xlsx", "street1"))
    tickets, steps = sheets["交接单"], sheets["处理过程"]
    assert len(tickets) == 6
    by_id = {t["编号"]: t for t in tickets}
    b = by_id[month.ids["B"]]
    assert (b["状态"], b["承办部门"], b["返工次数"], b["层级"]) == ("已销号", "区城管局", 1, "网格")
    assert isinstance(b["严重程度"], int)
    assert "未修好，返工; 仍然松动" in b["处理过程"]
    b_steps = [s for s in steps if s["交接单编号"] == month.ids["B"]]
    assert [s["操作"] for s in b_steps] == ["新建", "提交", "审批通过", "派发", "部门报到", "办结", "核查",
                                          "办结", "核查", "销号"]
    assert b_steps[3]["说明"] == "区城管局" and b_steps[0]["时间"] == "2026-11-05 09:00"
    d = by_id[month.ids["D"]]
    assert d["层级"] == "社区" and d["督办颜色"] == "红"  # closed four days late


def test_tickets_csv_carries_the_timeline_in_a_cell(month):
    rows = read_csv(month.get("/api/exports/tickets.csv", "street1"))
    a = next(r for r in rows if r["编号"] == month.ids["A"])
    lines = a["处理过程"].split("\n")
    assert lines[0] == "2026-11-02 09:00 g1-1 新建" and lines[-1] == "2026-11-03 16:00 g1-1 销号"


def test_visits_are_masked_in_every_format(month):
    for user in ("street1", "admin", "g1-1"):
        rows = read_csv(month.get("/api/exports/visits.csv", user))
        assert rows and all(r["联系人"] == "李**" and r["联系电话"] == "138****0001" for r in rows)
    sheet = read_xlsx(month.get("/api/exports/visits.xlsx", "street1"))["入户走访"]
    assert len(sheet) == 3 and {r["联系电话"] for r in sheet} == {"138****0001"}
    every_cell = json.dumps(read_xlsx(month.get("/api/exports/visits.xlsx", "admin")), ensure_ascii=False, default=str)
    assert "李秀英" not in every_cell and "13805710001" not in every_cell


def test_reports_geojson_is_valid_wgs84_named_as_the_api(month):
    body = read_geojson(month.get("/api/exports/reports.geojson", "street1", **ALL_MONTH))
    assert len(body["features"]) == 15
    feature = body["features"][0]
    lon, lat = feature["geometry"]["coordinates"]
    assert (lat, lon) == (feature["properties"]["lat"], feature["properties"]["lon"])
    assert 120 < lon < 121 and 30 < lat < 31
    api = month.ok(f"/api/reports/{feature['id']}", "street1")
    assert set(api["data"]) <= set(feature["properties"])
    assert {"id", "grid_id", "day", "created_at"} <= set(feature["properties"])


def test_tickets_geojson_places_each_ticket_at_its_reports_with_its_timeline(month):
    body = read_geojson(month.get("/api/exports/tickets.geojson", "street1"))
    features = {f["id"]: f for f in body["features"]}
    a = features[month.ids["A"]]
    assert a["geometry"]["type"] == "MultiPoint" and len(a["geometry"]["coordinates"]) == 2
    assert features[month.ids["C"]]["geometry"]["type"] == "Point"
    api = month.ok(f"/api/tickets/{month.ids['A']}", "street1")
    for key in ("id", "status", "color", "level", "due_at", "department_id", "report_ids"):
        assert a["properties"][key] == api[key], key
    assert [s["action"] for s in a["properties"]["timeline"]][-1] == "close"


def test_check_ins_export_as_points_and_rows(month):
    body = read_geojson(month.get("/api/exports/checkins.geojson", "street1"))
    assert len(body["features"]) == 5
    rows = read_csv(month.get("/api/exports/checkins.csv", "g1-1"))
    assert sorted(r["人员"] for r in rows) == ["g1-1", "g1-1", "g1-2", "g1-2"]


@pytest.mark.parametrize("user, kind, expected", [
    ("street2", "reports", 0),    # another street sees none of street 1
    ("street2", "tickets", 0),
    ("g1-1", "reports", 7),       # a lead: their grid only
    ("g2-1", "tickets", 2),
    ("dept1", "tickets", 2),      # a department: what was dispatched to it (A and B)
    ("dept2", "tickets", 1),
    ("dept1", "reports", 0),
    ("admin", "reports", 15),
])
def test_exports_hold_only_what_the_caller_may_list(month, user, kind, expected):
    rows = read_csv(month.get(f"/api/exports/{kind}.csv", user, **({} if kind == "tickets" else ALL_MONTH)))
    assert len(rows) == expected
    sheets = read_xlsx(month.get(f"/api/exports/{kind}.xlsx", user, **({} if kind == "tickets" else ALL_MONTH)))
    assert len(next(iter(sheets.values()))) == expected


@pytest.mark.parametrize("params, expected", [
    ({"status": "closed"}, 4),
    ({"level": "community"}, 1),
    ({"department": 2}, 1),
    ({"grid": 1}, 3),
    ({"date_from": "2026-11-10", "date_to": "2026-11-30"}, 3),
    ({"category": "livelihood"}, 1),
])
def test_ticket_exports_filter_as_the_list_does(month, params, expected):
    assert len(read_csv(month.get("/api/exports/tickets.csv", "street1", **params))) == expected


def test_record_exports_filter_as_the_list_does(month):
    listed = month.ok("/api/reports", "street1", member="g1-2", status="needs_handoff", limit=500)
    rows = read_csv(month.get("/api/exports/reports.csv", "street1", member="g1-2", status="needs_handoff"))
    assert len(rows) == listed["total"] == 2
    assert {r["编号"] for r in rows} == {item["id"] for item in listed["items"]}


@pytest.mark.parametrize("user, path, params, status", [
    ("g1-2", "/api/exports/reports.csv", {}, 403),           # patrollers export nothing
    ("street2", "/api/exports/reports.csv", {"grid": 1}, 404),
    ("g1-1", "/api/exports/tickets.xlsx", {"grid": 2}, 404),
    ("street1", "/api/exports/visits.geojson", {}, 404),      # visits have no point
    ("street1", "/api/exports/photos.csv", {}, 404),
    ("street1", "/api/exports/reports.pdf", {}, 404),
    ("street1", "/api/exports/reports.csv", {"department": 1}, 422),
    ("street1", "/api/exports/tickets.csv", {"member": "g1-2"}, 422),
    ("street1", "/api/exports/reports.csv", {"date_from": "2026-11-30", "date_to": "2026-11-01"}, 422),
    ("street1", "/api/exports/tickets.csv", {"level": "planet"}, 422),
    ("street1", "/api/exports/tickets.csv", {"lang": "fr"}, 422),
])
def test_bad_or_forbidden_exports_are_json_errors(month, user, path, params, status):
    response = month.get(path, user, **params)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] in ("forbidden", "not_found", "invalid")


def test_a_csv_is_sent_in_chunks_as_it_is_read(month, monkeypatch):
    monkeypatch.setattr(writers, "CHUNK_ROWS", 4)
    response = month.get("/api/exports/reports.csv", "street1", buffered=False, **ALL_MONTH)
    chunks = [c for c in response.response if c]
    response.close()
    assert len(chunks) >= 4
    assert b"".join(chunks).decode("utf-8-sig").count("\n") >= 16


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook(client, auth):
    lead = SyncSession(client, auth, "g1-2")
    lead.push(lead.mutation("report", "create", report(description='=HYPERLINK("http://x","点我")')))
    response = client.get("/api/exports/reports.xlsx", headers=auth.headers("g1-1"))
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("问题描述") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"点我\")", "@SUM(A1:A9)", "+1+1", "-2+3", "＝1+1"])
def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted_in_every_csv_export(client, auth, text):
    patroller = SyncSession(client, auth, "g1-2")
    patroller.push_one(patroller.mutation("report", "create", report(description=text, place=text)))
    rows = read_csv(client.get("/api/exports/reports.csv", headers=auth.headers("g1-1")))
    cells = [v for r in rows for v in r.values() if v and text in v]
    assert len(cells) == 2, rows[:1]  # the description and the place
    assert all(v == "'" + text for v in cells), cells
