"""What the server decides when a ticket is made, and which reports it may take in, whether at
once or added through sync."""

from __future__ import annotations

from tests.api.sync_helpers import SyncSession, report
from tests.api.test_tickets import Desk


def test_a_refused_ticket_names_each_report_and_why(client, auth):
    desk = Desk(client, auth)
    other_grid = SyncSession(client, auth, "g2-2")
    theirs = other_grid.mutation("report", "create", report())
    other_grid.push(theirs)
    gone, taken, fine = desk.reports(3)
    [deleted] = desk.lead.push(desk.lead.mutation("report", "delete", entity_id=gone, base_version=1))["results"]
    assert deleted["status"] == "applied", deleted
    desk.create([taken])
    err = desk.create([theirs["entity_id"], gone, taken, fine], expect=422)["error"]
    assert err["code"] == "invalid" and err["message"] == "Some reports cannot join this ticket."
    assert err["details"] == {"report_ids": {
        theirs["entity_id"]: "No such report in this grid.",
        gone: "No such report in this grid.",
        taken: "Already part of another ticket.",
    }}
    # Nothing of the refused ticket was kept: the fine report is still free to join another.
    assert desk.create([fine])["report_ids"] == [fine]


def test_a_lead_adds_reports_to_a_ticket_through_sync_and_the_same_rules_hold(client, auth):
    desk = Desk(client, auth)
    ticket = desk.create()
    extra, elsewhere = desk.reports(2)
    desk.create([elsewhere])
    add = desk.lead.mutation("ticket", "update", {"report_ids": {"add": [extra]}}, entity_id=ticket["id"],
                             base_version=ticket["version"])
    [result] = desk.lead.push(add)["results"]
    assert result["status"] == "applied", result
    data = client.get(f"/api/reports/{extra}", headers=desk.lead.headers).get_json()["data"]
    assert data["ticket_id"] == ticket["id"] and data["status"] == "in_ticket"
    refused = desk.lead.mutation("ticket", "update", {"report_ids": {"add": [elsewhere]}}, entity_id=ticket["id"],
                                 base_version=ticket["version"] + 1)
    [result] = desk.lead.push(refused)["results"]
    assert result["status"] == "rejected"
    assert result["error"]["details"] == {"report_ids": {elsewhere: "Already part of another ticket."}}


def test_a_new_ticket_starts_at_the_grid_with_a_deadline_and_a_create_sent_again_restarts_neither(
        client, auth):
    desk = Desk(client, auth)
    ticket = desk.create()
    assert ticket["level"] == "grid" and ticket["due_at"]
    desk.act(ticket["id"], "submit")
    escalated = desk.act(ticket["id"], "escalate", as_user="g1-1")
    assert escalated["level"] == "community"
    # A tablet that never heard the answer to its create sends another create for the same ticket.
    again = desk.lead.mutation("ticket", "create", {"title": "卖鱼桥3幢井盖破损", "category": "facilities_damage",
                                                    "severity": 2, "report_ids": ticket["report_ids"]},
                               entity_id=ticket["id"])
    [result] = desk.lead.push(again)["results"]
    assert result["status"] in ("applied", "duplicate"), result
    now = client.get(f"/api/tickets/{ticket['id']}", headers=desk.lead.headers).get_json()
    assert now["level"] == "community" and now["due_at"] == ticket["due_at"]


def test_a_ticket_may_list_its_own_reports_again_and_let_one_go(client, auth):
    desk = Desk(client, auth)
    kept, released = desk.reports(2)
    ticket = desk.create([kept, released])
    # Its own reports are not "part of another ticket": listing them again changes nothing.
    again = desk.lead.mutation("ticket", "update", {"report_ids": {"add": [kept]}}, entity_id=ticket["id"],
                               base_version=ticket["version"])
    [result] = desk.lead.push(again)["results"]
    assert result["status"] == "applied", result
    let_go = desk.lead.mutation("ticket", "update", {"report_ids": {"remove": [released]}}, entity_id=ticket["id"],
                                base_version=ticket["version"])
    [result] = desk.lead.push(let_go)["results"]
    assert result["status"] == "applied", result
    now = client.get(f"/api/tickets/{ticket['id']}", headers=desk.lead.headers).get_json()
    assert now["report_ids"] == [kept]
