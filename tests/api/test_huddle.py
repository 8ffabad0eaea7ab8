"""The evening huddle: clusters, ticket matches, common problems, check-ins, scoping."""

from __future__ import annotations

import pytest

from tests.api.sync_helpers import SyncSession, report

DAY = "2026-11-20"


def at(hour: int, day: str = DAY) -> str:
    return f"{day}T{hour:02d}:00:00+08:00"


@pytest.fixture
def team(client, auth):
    return {n: SyncSession(client, auth, f"g1-{n}") for n in range(1, 5)}


def file(session, **data):
    m = session.mutation("report", "create", report(**data))
    assert session.push_one(m)["status"] == "applied"
    return m["entity_id"]


def huddle(client, auth, user="g1-1", **query):
    response = client.get("/api/huddle", query_string={"date": DAY, **query}, headers=auth.headers(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_three_people_reporting_one_manhole_form_one_cluster(client, auth, team):
    same = [
        file(team[2], description="3幢楼下井盖破损，有人差点踩空", lat=30.29850, lon=120.14980, device_time=at(9)),
        file(team[3], description="井盖坏了，在3幢楼下", lat=30.29855, lon=120.14986, device_time=at(10)),
        file(team[4], description="3号楼门口窨井盖破损", lat=30.29846, lon=120.14975, device_time=at(11)),
    ]
    next_door = file(team[2], category="sanitation", description="垃圾桶满了没人清运", lat=30.29851,
                     lon=120.14981, device_time=at(12))
    body = huddle(client, auth)
    assert len(body["reports"]) == 4
    assert len(body["clusters"]) == 1
    cluster = body["clusters"][0]
    assert sorted(cluster["report_ids"]) == sorted(same)
    assert cluster["kind"] == "many_reporters" and cluster["reasons"]
    assert next_door not in cluster["report_ids"]


def test_one_person_filing_again_days_later_is_clustered(client, auth, team):
    earlier = file(team[2], description="12幢东侧路灯不亮", lat=30.3012, lon=120.1531,
                   device_time=at(20, "2026-11-17"))
    again = file(team[2], description="12幢东边的路灯还是不亮", lat=30.30122, lon=120.15312, device_time=at(19))
    clusters = huddle(client, auth)["clusters"]
    assert [sorted(c["report_ids"]) for c in clusters] == [sorted([earlier, again])]
    assert clusters[0]["kind"] == "same_reporter"


def test_todays_report_is_matched_to_a_still_open_ticket(client, auth, team):
    old = file(team[2], description="5幢消防通道被电动车堵塞", category="public_safety", lat=30.2986, lon=120.1502,
               device_time=at(9, "2026-11-18"), status="needs_handoff")
    created = client.post("/api/tickets", json={"report_ids": [old], "title": "5幢消防通道堵塞",
                                                "category": "public_safety", "severity": 3},
                          headers=auth.headers("g1-1"))
    assert created.status_code == 201
    new = file(team[3], description="5幢消防通道又被电动车堵了", category="public_safety", lat=30.29862,
               lon=120.15021, device_time=at(15))
    matches = huddle(client, auth)["ticket_matches"]
    assert [(m["report_id"], m["ticket_id"]) for m in matches] == [(new, created.get_json()["id"])]


def test_a_category_recurring_across_the_street_is_flagged(client, auth, team):
    for hour in (8, 9):
        file(team[2], category="sanitation", description=f"垃圾堆积{hour}", device_time=at(hour),
             lat=30.2990 + hour / 10000, lon=120.1490)
    grid2 = SyncSession(client, auth, "g2-2")
    for hour in (10, 11):
        m = grid2.mutation("report", "create", report(category="sanitation", description="垃圾没清运",
                                                      lat=30.3012, lon=120.1531, device_time=at(hour)))
        grid2.push_one(m)
    flagged = huddle(client, auth)["common_problems"]
    assert [(f["category"], f["street_count"], f["scope"]) for f in flagged] == [("sanitation", 4, "street")]
    assert flagged[0]["grids"] == [1, 2]


def test_checkin_compliance_per_member(client, auth, team):
    me = client.get("/api/me", headers=team[2].headers).get_json()
    cps = me["beat"]["checkpoints"]
    for hour, cp in ((8, cps[0]), (17, cps[1])):
        team[2].push_one(team[2].mutation("checkin", "create", {"at": at(hour), "lat": cp["lat"], "lon": cp["lon"],
                                                                "checkpoint_id": cp["id"]}))
    rows = {r["member"]: r for r in huddle(client, auth)["checkins"]}
    assert rows["g1-2"]["compliance"] == 1.0 and rows["g1-2"]["count"] == 2
    assert rows["g1-2"]["first"] == at(8) and rows["g1-2"]["last"] == at(17)
    assert rows["g1-3"]["compliance"] == 0.0 and rows["g1-3"]["first"] is None
    summary = client.get("/api/checkins/summary", query_string={"date": DAY}, headers=auth.headers("g1-1"))
    assert summary.get_json() == huddle(client, auth)["checkins"]


def test_huddle_is_scoped_to_what_the_caller_may_see(client, auth, team):
    file(team[2], device_time=at(9))
    assert client.get("/api/huddle?grid=1", headers=auth.headers("g2-1")).status_code == 404
    assert client.get("/api/huddle?grid=1", headers=auth.headers("street2")).status_code == 404
    assert client.get("/api/huddle?grid=1", headers=auth.headers("dept1")).status_code == 403
    assert client.get("/api/huddle", headers=auth.headers("street1")).status_code == 422
    assert len(huddle(client, auth, user="street1", grid=1)["reports"]) == 1
    assert huddle(client, auth, user="g2-1")["reports"] == []


def test_a_photo_pending_on_a_report_lends_it_no_likeness_until_its_lister_holds_it(client, auth):
    import hashlib

    from tests.photos.conftest import encode, photographic

    photo = encode(photographic(640, 480, seed=41), "JPEG", quality=90)
    digest = hashlib.sha256(photo).hexdigest()
    assert client.put(f"/api/photos/{digest}", data=photo, headers=auth.headers("g1-2")).status_code == 201
    listers = [SyncSession(client, auth, name) for name in ("g5-2", "g5-3")]
    ids = [file(listers[0], grid_id=5, description="路灯不亮", lat=30.30, lon=120.15, device_time=at(9),
                photos=[digest]),
           file(listers[1], grid_id=5, description="晚上这里一片漆黑", lat=30.30002, lon=120.15001,
                device_time=at(10), photos=[digest])]

    def photo_reasons():
        body = huddle(client, auth, "g5-1")
        return [r for c in body["clusters"] if set(ids) <= set(c["report_ids"])
                for r in c["reasons"] if r.startswith("photo_distance")]

    assert photo_reasons() == []
    for lister in listers:
        assert client.put(f"/api/photos/{digest}", data=photo, headers=lister.headers).status_code == 201
    assert photo_reasons() == ["photo_distance=0"]
