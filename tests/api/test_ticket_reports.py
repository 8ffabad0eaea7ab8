"""Which reports a ticket may take in, whether made at once or added to through sync."""

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
