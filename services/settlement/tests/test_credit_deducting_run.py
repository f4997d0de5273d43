"""The run that deducts a credit is the next one settlement has not started: events labels a credit by the runs it
has heard of, and when it had not heard yet of a run already made (its news on the way), settlement tells the run
that really deducts it (`settlement.credit.deferred`), once, whatever the redeliveries."""

from __future__ import annotations

from typing import Any

from .conftest import P1

DEFERRED = "settlement.credit.deferred"


def _credit(credit_id: str, month: str) -> dict[str, Any]:
    return {"credit_id": credit_id, "event_id": "e-march", "provider_id": P1, "producer_part": None,
            "client_ref": "A-1001", "content_id": "hoito", "service_id": "tehostettu", "amount": "-900.00",
            "amount_co_payment": "-100.00", "reason": "Asiakas oli sairaalassa", "month": month, "kind": "event"}


async def test_a_credit_labelled_by_a_run_already_made_is_deducted_and_told_in_the_next(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-march", "2016-03-01", "2016-03-10")  # 900.00
    await h.run("2016-03")
    # events had not heard of March's run yet: it labelled the credit March
    envelope = await h.publish("events.credit.requested", _credit("c-late", "2016-03"))
    await h.deliver(envelope)  # redelivered
    assert await h.published(DEFERRED) == [
        {"credit_id": "c-late", "provider_id": P1, "requested_month": "2016-03", "month": "2016-04"}
    ]
    await h.event("e-april", "2016-04-01", "2016-04-30")  # 2700.00
    april = await h.run("2016-04")
    assert h.payees(april) == {f"{P1}/-": "1800.00"}  # the credit is deducted in April's run, as told


async def test_a_credit_labelled_by_the_next_run_is_not_told_again(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-march", "2016-03-01", "2016-03-10")
    await h.publish("events.credit.requested", _credit("c-before", "2016-03"))  # before March's run: in it
    await h.run("2016-03")
    await h.publish("events.credit.requested", _credit("c-after", "2016-04"))  # events knew of March's run
    assert await h.published(DEFERRED) == []
