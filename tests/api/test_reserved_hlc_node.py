"""The HLC node ``server`` is the server's own: a device's stamp that names it is refused."""

from __future__ import annotations

import pytest

from tests.api.sync_helpers import SyncSession, mutation, report
from tests.api.test_tickets import Desk

SERVER_SPELLINGS = ["server", "Server", "SERVER", "sErVeR", "serveR"]


@pytest.fixture
def phone(client, auth):
    return SyncSession(client, auth, "g1-2")


@pytest.mark.parametrize("node", SERVER_SPELLINGS)
def test_a_mutation_stamped_with_the_server_node_is_rejected_and_the_rest_apply(phone, node):
    for position in range(3):
        good = [phone.mutation("report", "create", report()) for _ in range(2)]
        sent = good[:position] + [mutation("report", "create", report(), device=node)] + good[position:]
        results = phone.push(*sent)["results"]
        assert [r["status"] for r in results] == ["applied"] * position + ["rejected"] + ["applied"] * (2 - position)
        assert results[position]["error"]["code"] == "invalid_hlc"
        assert "reserved" in results[position]["error"]["message"]


@pytest.mark.parametrize("node", ["server1", "servers", "my-server", "serve"])
def test_nodes_that_only_resemble_the_server_are_accepted(phone, node):
    assert phone.push_one(mutation("report", "create", report(), device=node))["status"] == "applied"


def test_the_server_still_stamps_the_changes_it_makes_itself(client, auth):
    """Creating a ticket links its reports by the server's own follow-up mutations."""
    desk = Desk(client, auth)
    report_ids = desk.reports()
    ticket = desk.create(report_ids)
    changes = desk.patroller.pull_all()
    assert all(changes[("report", rid)]["data"]["ticket_id"] == ticket["id"] for rid in report_ids)
