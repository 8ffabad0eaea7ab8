"""The role table as the write path applies it, one mutation at a time."""

from __future__ import annotations

import pytest

from server.services.rules import Rejection, check_role
from sync.hlc import format_hlc
from sync.mutation import parse_mutation


def _mutation(entity, op):
    return parse_mutation(
        {"id": "0b5f2a33-8a7e-4e43-9a55-1d9f1a7c2b10", "entity": entity,
         "entity_id": "1b5f2a33-8a7e-4e43-9a55-1d9f1a7c2b11", "op": op, "hlc": format_hlc(1, 0, "phone"),
         "base_version": 1, "data": {}},
        device_id="phone", actor="g1-2",
    )


def test_a_refusal_says_who_may_not_do_what_to_which_record():
    with pytest.raises(Rejection) as refused:
        check_role("patroller", _mutation("checkin", "delete"))
    assert (refused.value.code, str(refused.value)) == ("forbidden", "A patroller may not delete a checkin.")


def test_a_mutation_from_a_device_is_checked_against_the_table_unless_the_server_built_it():
    ticket_approval = _mutation("ticket", "approve")
    with pytest.raises(Rejection):
        check_role("lead", ticket_approval)
    check_role("lead", ticket_approval, server_built=True)
    check_role("supervisor", ticket_approval)
