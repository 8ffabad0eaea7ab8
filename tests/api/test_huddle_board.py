"""What the huddle board writes and reads: split decisions, team notices, the map, the roster."""

from __future__ import annotations

import uuid

import pytest

from tests.api.sync_helpers import SyncSession, report
from tests.api.test_huddle import DAY, at, file, huddle, team  # noqa: F401 - helpers and the team fixture



def manholes(team) -> list[str]:
    return [
        file(team[2], description="3幢楼下井盖破损，有人差点踩空", lat=30.29850, lon=120.14980, device_time=at(9)),
        file(team[3], description="井盖坏了，在3幢楼下", lat=30.29855, lon=120.14986, device_time=at(10)),
        file(team[4], description="3号楼门口窨井盖破损", lat=30.29846, lon=120.14975, device_time=at(11)),
    ]


def split(lead: SyncSession, report_id: str, others: list[str], **extra) -> dict:
    m = lead.mutation("keep_apart", "create", {"grid_id": 1, "report_id": report_id, "apart_from": others, **extra})
    return lead.push_one(m) | {"entity_id": m["entity_id"]}


def test_a_report_split_out_of_a_cluster_stays_out_of_it(client, auth, team):
    ids = manholes(team)
    [before] = huddle(client, auth)["clusters"]
    assert sorted(before["report_ids"]) == sorted(ids)
    result = split(team[1], ids[2], ids[:2])
    assert result["status"] == "applied"
    [after] = huddle(client, auth)["clusters"]
    assert sorted(after["report_ids"]) == sorted(ids[:2])


def test_undoing_a_split_brings_the_report_back(client, auth, team):
    ids = manholes(team)
    made = split(team[1], ids[2], ids[:2])
    undo = team[1].mutation("keep_apart", "delete", entity_id=made["entity_id"], base_version=made["version"])
    assert team[1].push_one(undo)["status"] == "applied"
    [cluster] = huddle(client, auth)["clusters"]
    assert sorted(cluster["report_ids"]) == sorted(ids)


def test_splitting_one_of_two_leaves_no_cluster(client, auth, team):
    a = file(team[2], description="5幢门口路灯不亮", device_time=at(9))
    b = file(team[3], description="5幢门口消防栓漏水", device_time=at(10))
    assert [sorted(c["report_ids"]) for c in huddle(client, auth)["clusters"]] == [sorted([a, b])]
    split(team[1], b, [a])
    assert huddle(client, auth)["clusters"] == []


def test_a_split_syncs_to_the_team_with_its_author(client, auth, team):
    ids = manholes(team)
    made = split(team[1], ids[0], ids[1:])
    pulled = team[2].pull_all()[("keep_apart", made["entity_id"])]
    assert pulled["data"]["created_by"] == "g1-1" and pulled["data"]["report_id"] == ids[0]
    assert sorted(pulled["data"]["apart_from"]) == sorted(ids[1:])


@pytest.mark.parametrize("user", ["g1-2", "street1", "dept1"])
def test_only_the_team_lead_splits_reports(client, auth, team, user):
    ids = manholes(team)
    session = SyncSession(client, auth, user)
    result = split(session, ids[2], ids[:2])
    assert result["status"] == "rejected" and result["error"]["code"] in ("forbidden", "not_found")
    [cluster] = huddle(client, auth)["clusters"]
    assert len(cluster["report_ids"]) == 3


@pytest.mark.parametrize("data, field", [
    ({"report_id": "not-a-uuid", "apart_from": []}, "report_id"),
    ({"report_id": str(uuid.uuid4()), "apart_from": ["nope"]}, "apart_from"),
    ({"report_id": str(uuid.uuid4())}, "apart_from"),
    ({"apart_from": [str(uuid.uuid4())]}, "report_id"),
    ({"report_id": 7, "apart_from": [str(uuid.uuid4())]}, "report_id"),
    ({"report_id": str(uuid.uuid4()), "apart_from": [str(uuid.uuid4())], "colour": "red"}, "colour"),
])
def test_a_malformed_split_is_rejected_with_the_field_named(client, auth, team, data, field):
    m = team[1].mutation("keep_apart", "create", {"grid_id": 1, **data})
    result = team[1].push_one(m)
    assert result["status"] == "rejected" and result["error"]["code"] in ("invalid", "unknown_field")
    assert field in str(result["error"].get("details", "")) + result["error"]["message"]


def notice(lead: SyncSession, **data) -> dict:
    m = lead.mutation("notice", "create", {"grid_id": 1, "kind": "focus_check", "category": "sanitation",
                                           "for_day": "2026-11-21", **data})
    return lead.push_one(m) | {"entity_id": m["entity_id"]}


def test_a_team_notice_reaches_every_member_of_the_grid_and_no_one_else(client, auth, team):
    made = notice(team[1], note="重点看垃圾桶满溢")
    assert made["status"] == "applied"
    for member in (team[2], team[3]):
        pulled = member.pull_all()[("notice", made["entity_id"])]
        assert pulled["data"]["category"] == "sanitation" and pulled["data"]["created_by"] == "g1-1"
        assert pulled["data"]["for_day"] == "2026-11-21"
    outsider = SyncSession(client, auth, "g2-2")
    assert ("notice", made["entity_id"]) not in outsider.pull_all()


def test_a_patroller_cannot_post_a_team_notice(client, auth, team):
    assert notice(team[2])["error"]["code"] == "forbidden"


@pytest.mark.parametrize("data, field", [
    ({"category": "nonsense"}, "category"),
    ({"for_day": "tomorrow"}, "for_day"),
    ({"kind": "party"}, "kind"),
    ({"note": "x" * 501}, "note"),
    ({"created_by": "g1-2"}, "created_by"),
])
def test_a_malformed_notice_is_rejected(client, auth, team, data, field):
    result = notice(team[1], **data)
    assert result["status"] == "rejected" and result["error"]["code"] in ("invalid", "server_field")
    assert field in str(result["error"].get("details", "")) + result["error"]["message"]


def test_a_ticket_made_at_the_huddle_keeps_its_place_and_chosen_photos(client, auth, team):
    sha = "a" * 64
    ids = manholes(team)
    m = team[1].mutation("ticket", "create", {"grid_id": 1, "title": "3幢井盖破损", "category": "facilities_damage",
                                              "severity": 3, "report_ids": ids, "place": "3幢楼下",
                                              "photos": [sha]})
    assert team[1].push_one(m)["status"] == "applied"
    ticket = team[2].pull_all()[("ticket", m["entity_id"])]
    assert ticket["data"]["place"] == "3幢楼下" and ticket["data"]["photos"] == [sha]
    assert sorted(ticket["data"]["report_ids"]) == sorted(ids)
    served = client.get(f"/api/tickets/{m['entity_id']}", headers=auth.headers("street1")).get_json()
    assert served["place"] == "3幢楼下" and served["photos"] == [sha]
    bad = team[1].mutation("ticket", "create", {"grid_id": 1, "title": "t", "category": "sanitation", "severity": 1,
                                                "report_ids": [], "place": "p" * 121})
    assert team[1].push_one(bad)["error"]["code"] == "invalid"


def test_recurring_problems_carry_a_suggestion_code_screens_translate(client, auth, team):
    for hour in (8, 9, 10):
        file(team[2], category="sanitation", description=f"垃圾堆积{hour}", device_time=at(hour),
             lat=30.2990 + hour / 10000, lon=120.1490)
    [flagged] = huddle(client, auth)["common_problems"]
    assert flagged["suggestion_code"] == "grid_wide_check" and flagged["scope"] == "grid"
    assert flagged["suggestion"]  # the English wording stays for older clients


def test_the_board_map_is_drawn_from_our_own_data(client, auth, team):
    body = huddle(client, auth)
    drawn = body["map"]
    assert drawn["boundary"]["type"] == "Polygon" and drawn["datum"] == "WGS-84"
    assert drawn["tile_url"] is None
    assert {b["member"] for b in drawn["beats"]} == {f"g1-{n}" for n in range(1, 7)}
    assert all(len(b["checkpoints"]) == 2 and b["places"] for b in drawn["beats"])
    assert body["generated_at"].endswith("+00:00")


@pytest.mark.parametrize("app_config", [{"GRIDWALK_TILE_URL": "https://tiles.example/{z}/{x}/{y}.png"}])
def test_a_configured_tile_layer_is_offered_to_the_board(client, auth, app_config):
    assert huddle(client, auth)["map"]["tile_url"] == "https://tiles.example/{z}/{x}/{y}.png"


def test_the_team_roster_names_people_by_display_name(client, auth):
    body = client.get("/api/team", headers=auth.headers("g1-2")).get_json()
    assert [m["username"] for m in body["members"]][0] == "g1-1"
    assert len(body["members"]) == 6 and all(m["display_name"] for m in body["members"])
    assert body["members"][0]["role"] == "lead"
    assert client.get("/api/team?grid=1", headers=auth.headers("street1")).status_code == 200


@pytest.mark.parametrize("user, query, status", [
    ("g2-1", "?grid=1", 404), ("street2", "?grid=1", 404), ("dept1", "", 403), ("street1", "", 422),
    ("g1-1", "?grid=99999999999999", 422), ("g1-1", "?grid=abc", 422), ("g1-1", "?grid=0", 422),
])
def test_the_team_roster_is_scoped_and_its_query_checked(client, auth, user, query, status):
    response = client.get(f"/api/team{query}", headers=auth.headers(user))
    assert response.status_code == status
    assert "error" in response.get_json()


def test_compliance_counts_check_ins_away_from_the_beat(client, auth, team):
    me = client.get("/api/me", headers=team[2].headers).get_json()
    first, second = me["beat"]["checkpoints"]
    far = {"lat": second["lat"] + 0.003, "lon": second["lon"]}  # some 330 m north of its checkpoint
    for hour, spot, cp in ((8, first, first), (17, far, second)):
        team[2].push_one(team[2].mutation("checkin", "create", {"at": at(hour), "lat": spot["lat"], "lon": spot["lon"],
                                                                "checkpoint_id": cp["id"]}))
    team[3].push_one(team[3].mutation("checkin", "create", {"at": at(9), "lat": None, "lon": None}))
    rows = {r["member"]: r for r in huddle(client, auth)["checkins"]}
    assert (rows["g1-2"]["off_beat"], rows["g1-2"]["checkpoints_covered"]) == (1, 1)
    assert (rows["g1-3"]["off_beat"], rows["g1-3"]["flagged"]) == (0, 1)  # no GPS is flagged, not off the beat
