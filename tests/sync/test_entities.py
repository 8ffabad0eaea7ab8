"""The declared state machines: which transition an op takes."""

from __future__ import annotations

from sync.entities import TICKET_STATUS


def test_a_verification_that_finds_the_fix_holding_verifies_the_ticket():
    assert TICKET_STATUS.transition("verify", {"fixed": True}).target == "verified"


def test_a_verification_that_finds_the_fix_failing_reopens_the_ticket():
    assert TICKET_STATUS.transition("verify", {"fixed": False}).target == "reopened"


def test_without_data_an_op_takes_the_first_transition_declared_for_it():
    assert TICKET_STATUS.transition("verify").target == "verified"


def test_an_op_the_machine_does_not_know_takes_no_transition():
    assert TICKET_STATUS.transition("teleport", {"fixed": True}) is None
