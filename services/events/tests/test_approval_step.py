"""The approval step's rule (domain/approval_step.py): whether an interruption waits for the officer, by the
statements in the order they were made, whatever order they were heard in."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from seteli_events.domain.approval_step import ApprovalOutcome, Statement, approval_outcome

T0 = datetime(2016, 3, 15, 10, 0, tzinfo=UTC)


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def said(*steps: tuple[int, bool]) -> list[Statement]:
    return [Statement(at(m), on) for m, on in steps]


def test_it_waits_when_the_step_was_on_and_an_off_releases_it() -> None:
    assert approval_outcome([], at(5)) == ApprovalOutcome("not_held")
    assert approval_outcome(said((1, True)), at(5)) == ApprovalOutcome("pending")
    assert approval_outcome(said((1, True), (3, False)), at(5)) == ApprovalOutcome("not_held", at(3))
    assert approval_outcome(said((1, True), (7, False)), at(5)) == ApprovalOutcome("released", at(7))
    # an "off" and a later "on", both before it was finalised: it waits
    assert approval_outcome(said((0, True), (1, False), (2, True)), at(3)) == ApprovalOutcome("pending")


def test_a_decision_stands_when_made_before_the_off_and_is_void_after_it() -> None:
    on_then_off = said((1, True), (7, False))
    assert approval_outcome(on_then_off, at(5), "reject", at(6)) == ApprovalOutcome("rejected")
    assert approval_outcome(on_then_off, at(5), "approve", at(6)) == ApprovalOutcome("approved")
    assert approval_outcome(on_then_off, at(5), "reject", at(8)) == ApprovalOutcome("released", at(7))
    # finalised while off: a decision made on it (the "off" not heard yet) is void
    assert approval_outcome(said((1, True), (3, False)), at(5), "reject", at(6)) == ApprovalOutcome("not_held", at(3))
    # only the first "off" after it counts: on again later changes nothing
    assert approval_outcome(said((1, True), (7, False), (8, True)), at(5), "reject", at(9)).paid


def test_the_order_heard_does_not_matter() -> None:
    steps = said((0, True), (2, False), (4, True), (6, False))
    for finalised, decided in itertools.product(range(-1, 8), (None, 1, 3, 5, 7)):
        outcomes = {approval_outcome(list(order), at(finalised), "reject" if decided else None,
                                     at(decided) if decided and decided > finalised else None)
                    for order in itertools.permutations(steps)}
        assert len(outcomes) == 1
