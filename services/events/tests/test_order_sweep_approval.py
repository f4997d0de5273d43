"""The order sweep of the interruption approval step (registry.tenant.changed) against what is done meanwhile: the
provider finalises, corrects or deletes an absence and the officer approves or rejects it, while statements of the
step ("on", "off") are heard late, in any order, one of them redelivered. Settlement must end up holding what it
would hold had every statement been heard when it was stated: the same absences at the same amounts, each paid at
most once; and the officer's queue must be the same.

In true order an absence waits for the officer when the step was "on" (the latest statement before it was
finalised); a later "off" releases it (paid) unless the officer decided before that "off" was stated. A decision
on an absence the step had already released is refused in true order; made because the "off" was not heard yet, it
is void once the "off" is heard (the absence is paid, and shows when it was released and when the officer
decided)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from seteli_common.auth import Role
from seteli_common.messaging.envelope import Envelope

from .conftest import HOUSING_SERVICE, PROVIDER, Harness
from .test_order_sweep import (  # noqa: F401
    STATED,
    Statements,
    deliver,
    envelopes,
    known,
    provider,
    settlement_holds,
    sweep,
)

AT = datetime(2016, 3, 15, 10, 0, tzinfo=UTC)  # today (the statements are stamped when made: Statements)
STAY = {"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-03", "reason": "hospital"}  # 420.00
Step = tuple[int, str]  # (minute, what): "on"/"off" are statements, the rest is done in events at that minute

# name: (the step before, the steps in true order). Each absence action is on the one absence.
SCENARIOS: dict[str, tuple[bool, list[Step]]] = {
    # 1. the officer rejects after an "off" was stated, before it is heard (and its mirror, approving)
    "rejected_after_off": (True, [(1, "finalise"), (2, "off"), (3, "reject")]),
    "approved_after_off": (True, [(1, "finalise"), (2, "off"), (3, "approve")]),
    "rejected_after_off_then_corrected": (True, [(1, "finalise"), (2, "off"), (3, "reject"), (4, "shorten")]),
    "rejected_after_off_then_deleted": (True, [(1, "finalise"), (2, "off"), (3, "reject"), (4, "delete")]),
    "rejected_before_off": (True, [(1, "finalise"), (2, "reject"), (3, "off")]),
    # 2. an "off" and a later "on" stated before the absence is finalised, heard after it
    "off_and_on_before_finalised": (True, [(1, "off"), (2, "on"), (3, "finalise")]),
    "off_and_on_before_finalised_then_rejected": (True, [(1, "off"), (2, "on"), (3, "finalise"), (4, "reject")]),
    "off_and_on_before_finalised_then_corrected": (True, [(1, "off"), (2, "on"), (3, "finalise"), (4, "shorten")]),
    "off_and_on_before_finalised_then_deleted": (True, [(1, "off"), (2, "on"), (3, "finalise"), (4, "delete")]),
    "on_before_finalised": (False, [(1, "on"), (2, "finalise")]),
    "released_then_on_again": (True, [(1, "finalise"), (2, "off"), (3, "on"), (4, "approve")]),
    "on_off_on_around_it": (False, [(1, "on"), (2, "finalise"), (3, "off"), (4, "on"), (5, "reject")]),
}
OFFICER = {"approve", "reject"}
WHOLE = ("2016-03-01", "2016-03-03", "420.00", "45.00", ["420.00"])  # 3 days at 140.00 (155.00, 15.00 the client's)
SHORT = ("2016-03-01", "2016-03-02", "280.00", "30.00", ["280.00"])
# what settlement holds and the officer's queue shows in true order
TRUE_ORDER: dict[str, tuple[list[Any], list[tuple[str, str, str]]]] = {
    "rejected_after_off": ([WHOLE], []),  # released by the "off": the rejection is refused
    "approved_after_off": ([WHOLE], []),
    "rejected_after_off_then_corrected": ([SHORT], []),
    "rejected_after_off_then_deleted": ([], []),
    "rejected_before_off": ([], []),
    "off_and_on_before_finalised": ([], [WHOLE[:3]]),
    "off_and_on_before_finalised_then_rejected": ([], []),
    "off_and_on_before_finalised_then_corrected": ([], [SHORT[:3]]),
    "off_and_on_before_finalised_then_deleted": ([], []),
    "on_before_finalised": ([], [WHOLE[:3]]),
    "released_then_on_again": ([WHOLE], []),  # the approval is refused: released already
    "on_off_on_around_it": ([WHOLE], []),
}


def schedules(steps: list[Step]) -> list[list[Step]]:
    """Every order the statements may be heard in among the actions (never before they are stated: after every
    action before their minute), the true order first; each with one statement redelivered at the end."""
    actions = [s for s in steps if s[1] not in ("on", "off")]
    statements = [s for s in steps if s[1] in ("on", "off")]
    found: list[list[Step]] = []
    for heard in itertools.permutations(statements):
        earliest = [sum(1 for a in actions if a[0] < s[0]) for s in heard]
        for points in itertools.product(range(len(actions) + 1), repeat=len(heard)):
            if any(p < e for p, e in zip(points, earliest, strict=True)) or list(points) != sorted(points):
                continue
            order: list[Step] = []
            for i, action in enumerate([*actions, None]):
                order += [s for s, p in zip(heard, points, strict=True) if p == i]
                if action is not None:
                    order.append(action)
            if order not in found:
                found.append(order)
    true_order = sorted(steps)
    found.sort(key=lambda o: o != true_order)
    assert found[0] == true_order
    return [[*order, statements[n % len(statements)]] for n, order in enumerate(found)]


async def act(h: Harness, tenant: str, minute: int, what: str, stay: dict[str, str]) -> int:
    """Do `what` at its minute; returns the HTTP status (an officer's decision may be refused: 409)."""
    h.clock.set(AT + timedelta(minutes=minute))
    url = f"/v1/tenants/{tenant}/interruptions"
    officer = h.token_for(Role.TENANT_OFFICER, subject="u-officer", tenant_id=tenant)
    if what == "finalise":
        made = await h.client.post(url, headers=provider(h, tenant), json=STAY)
        assert made.status_code == 201, made.text
        stay["id"] = made.json()["id"]
        return made.status_code
    if what in OFFICER:
        decided = await h.client.post(f"{url}/{stay['id']}/decision", headers=officer,
                                      json={"decision": what, "reason": "Ei hyväksytä" if what == "reject" else ""})
        assert decided.status_code in (200, 409), decided.text
        return decided.status_code
    if what == "shorten":
        return (await h.client.patch(f"{url}/{stay['id']}", headers=provider(h, tenant),
                                     json={"end": "2016-03-02"})).status_code
    assert what == "delete"
    return (await h.client.delete(f"{url}/{stay['id']}", headers=provider(h, tenant))).status_code


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_settlement_holds_what_the_true_order_gives(sweep: Harness, name: str) -> None:  # noqa: F811
    h = sweep
    before, steps = SCENARIOS[name]
    expected: dict[str, Any] | None = None
    true_refused: set[Step] = set()
    differing: list[tuple[list[Step], Any, Any]] = []
    for n, order in enumerate(schedules(steps)):
        tenant = f"approval-{list(SCENARIOS).index(name)}-{n}"
        said = [(minute, what == "on") for minute, what in steps if what in ("on", "off")]
        statements = Statements(tenant, [(0, before), *said])
        await deliver(h, [*envelopes(tenant, known(tenant), STATED - timedelta(days=30)),
                          await statements.envelope(0)])
        stay: dict[str, str] = {}
        refused: set[Step] = set()
        for minute, what in order:
            if what in ("on", "off"):
                await deliver(h, [await statements.envelope(1 + said.index((minute, what == "on")))])
                continue
            await statements.made_before(minute)
            if await act(h, tenant, minute, what, stay) == 409:
                refused.add((minute, what))
        seen = await settlement_holds(h, tenant)
        if expected is None:
            expected, true_refused = seen, refused
            held, queue = TRUE_ORDER[name]
            assert seen == {"held": held, "queue": queue}, seen
            continue
        if refused - true_refused:
            # the officer was refused (the absence released as far as events knew, then held again by the "on"
            # heard late): settlement holds the same, and the absence is back in the queue to decide again
            if seen["held"] != expected["held"] or len(seen["queue"]) != 1:
                differing.append((order, seen, expected))
        elif seen != expected:
            differing.append((order, seen, expected))
    assert expected is not None
    assert not differing, f"{len(differing)} orders differ, e.g. {differing[0][0]}: {differing[0][1]} != " \
                          f"{differing[0][2]}"


async def test_a_rejection_made_after_the_step_was_turned_off_is_void_and_shown(sweep: Harness) -> None:  # noqa: F811
    """The officer rejected the absence after the admin had turned the step off, before events heard it: once heard,
    the absence is paid (as the "off" released it) and the officer sees when it was released and their decision."""
    h = sweep
    tenant = "void-rejection"
    statements = Statements(tenant, [(0, True), (2, False)])
    await deliver(h, [*envelopes(tenant, known(tenant), STATED - timedelta(days=30)), await statements.envelope(0)])
    stay: dict[str, str] = {}
    assert await act(h, tenant, 1, "finalise", stay) == 201
    off = await statements.envelope(1)
    assert await act(h, tenant, 3, "reject", stay) == 200
    await deliver(h, [off])
    officer = h.token_for(Role.TENANT_OFFICER, subject="u-officer", tenant_id=tenant)
    [shown] = (await h.client.get(f"/v1/tenants/{tenant}/interruptions", headers=officer)).json()["items"]
    assert (shown["approval"], shown["decision"], shown["decision_reason"]) == ("approved", "reject", "Ei hyväksytä")
    assert datetime.fromisoformat(shown["released_at"]) == off.occurred_at
    assert datetime.fromisoformat(shown["released_at"]) < datetime.fromisoformat(shown["decided_at"])
    assert await settlement_holds(h, tenant) == {"held": [WHOLE], "queue": []}
    # the provider was told of the rejection: it is told, once, that the rejection is void and the stay paid
    voided = await _told(h, tenant, "events.interruption.rejection_voided")
    assert [datetime.fromisoformat(e.payload.pop("decided_at")) for e in voided] == [
        datetime.fromisoformat(shown["decided_at"])]
    assert [datetime.fromisoformat(e.payload.pop("released_at")) for e in voided] == [off.occurred_at]
    assert [e.payload for e in voided] == [{
        "interruption_id": stay["id"], "provider_id": PROVIDER, "producer_part": None,
        "client_ref": shown["client_ref"], "start": "2016-03-01", "end": "2016-03-03", "service_id": HOUSING_SERVICE,
        "reason": "Ei hyväksytä", "amount_tenant": "420.00"}]
    await deliver(h, [off])  # heard again: nothing more
    assert await settlement_holds(h, tenant) == {"held": [WHOLE], "queue": []}
    assert [e.event_id for e in await _told(h, tenant, "events.interruption.rejection_voided")] == [
        e.event_id for e in voided]


async def _told(h: Harness, tenant: str, event_type: str) -> list[Envelope]:
    while await h.runtime.relay.run_once():
        pass
    told = [Envelope.model_validate(json.loads(b)) for b in h.broker.unrouted]
    return [e for e in told if e.tenant_id == tenant and e.type == event_type]


async def test_a_rejection_made_before_the_step_was_turned_off_stands_and_nothing_is_voided(
        sweep: Harness) -> None:  # noqa: F811
    h = sweep
    tenant = "rejection-stands"
    statements = Statements(tenant, [(0, True), (3, False)])
    await deliver(h, [*envelopes(tenant, known(tenant), STATED - timedelta(days=30)), await statements.envelope(0)])
    stay: dict[str, str] = {}
    assert await act(h, tenant, 1, "finalise", stay) == 201
    assert await act(h, tenant, 2, "reject", stay) == 200
    await deliver(h, [await statements.envelope(1)])
    assert await settlement_holds(h, tenant) == {"held": [], "queue": []}
    assert await _told(h, tenant, "events.interruption.rejection_voided") == []


async def test_a_voided_rejection_that_stands_again_is_told_once_per_change(sweep: Harness) -> None:  # noqa: F811
    """An "off" and a later "on" stated before the absence was finalised, heard after the officer rejected it: the
    "off" heard alone voids the rejection (the provider is told), the "on" heard then makes it stand again, and the
    provider is told that too, once whatever the redeliveries; heard again in the other order, nothing more."""
    h = sweep
    tenant = "rejection-stands-again"
    statements = Statements(tenant, [(0, True), (1, False), (2, True)])
    await deliver(h, [*envelopes(tenant, known(tenant), STATED - timedelta(days=30)), await statements.envelope(0)])
    off, on = await statements.envelope(1), await statements.envelope(2)  # stated now, heard after the decision
    stay: dict[str, str] = {}
    assert await act(h, tenant, 3, "finalise", stay) == 201
    assert await act(h, tenant, 4, "reject", stay) == 200
    await deliver(h, [off])
    [voided] = await _told(h, tenant, "events.interruption.rejection_voided")
    assert datetime.fromisoformat(voided.payload["released_at"]) == off.occurred_at
    await deliver(h, [on, on, off])
    officer = h.token_for(Role.TENANT_OFFICER, subject="u-officer", tenant_id=tenant)
    [shown] = (await h.client.get(f"/v1/tenants/{tenant}/interruptions", headers=officer)).json()["items"]
    assert (shown["approval"], shown["decision"], shown["released_at"]) == ("rejected", "reject", None)
    assert await settlement_holds(h, tenant) == {"held": [], "queue": []}
    [again] = await _told(h, tenant, "events.interruption.rejection_restored")
    assert datetime.fromisoformat(again.payload.pop("decided_at")) == datetime.fromisoformat(shown["decided_at"])
    assert datetime.fromisoformat(again.payload.pop("voided_by")) == off.occurred_at
    assert again.payload == {
        "interruption_id": stay["id"], "provider_id": PROVIDER, "producer_part": None,
        "client_ref": shown["client_ref"], "start": "2016-03-01", "end": "2016-03-03", "service_id": HOUSING_SERVICE,
        "reason": "Ei hyväksytä", "approval": "rejected"}
    assert len(await _told(h, tenant, "events.interruption.rejection_voided")) == 1
