"""The realisation report after a deduction given back (money-settlement): the company's credit, partly set off
against its site's payment while the rest was carried, is withdrawn; what the company still owes (an event of it
deleted after it was paid) keeps part of the deduction, the rest is owed back to the site. The company's next run
settles the deduction, the site is still carried: the report's settled amounts stay what the runs paid, and what
is owed back stays unsettled until it is paid."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .test_money_next_to_examples import credit_of
from .test_provider_set_off import COMPANY, SITE, april_wholly_set_off, carried
from .test_site_payees import APRIL_5, KUUSELA, MAY_5, T, lock, site_added

KUUSELA_PART = "site:s-kuusela"
JUNE_5 = datetime(2016, 6, 5, 7, 0, tzinfo=UTC)


async def _report(h: Any) -> tuple[Decimal, Decimal]:
    """(settled, unsettled) of the report of March to May."""
    response = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-03", "to": "2016-05"},
                                  headers=h.admin)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    return (sum((Decimal(r["amount_settled"]) for r in items), Decimal("0.00")),
            sum((Decimal(r["amount_unsettled"]) for r in items), Decimal("0.00")))


async def test_a_deduction_given_back_and_settled_by_the_companys_next_run_is_unsettled_until_repaid(
    harness: Any,
) -> None:
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00, the company's
    await h.event("e-0", "2016-03-11", "2016-03-12")  # 180.00, the company's
    march = await lock(h, "2016-03", APRIL_5)
    assert h.payees(march) == {COMPANY: "1080.00"}

    await credit_of(h, "c-1", "e-1", "-900.00", None, "2016-04")
    await h.publish("events.event.deleted", {"event_id": "e-0", "revision": 2})  # -180.00 to take back
    await h.event("e-2", "2016-04-01", "2016-04-05", client_ref="A-1002", producer_part=KUUSELA_PART)  # 450.00
    april = await lock(h, "2016-04", MAY_5)
    # the company's -1080.00: 450.00 set off against Kuusela's payment, -630.00 carried
    assert h.payees(april) == {SITE: "0.00"}
    assert carried(april) == [(None, "-630.00", "negative_balance")]
    assert await _report(h) == (Decimal("1080.00"), Decimal("-630.00"))

    # The credit is withdrawn: the company still owes the 180.00, the 270.00 left of the deduction goes back to
    # Kuusela; Kuusela's own care is credited, so it is carried (-450.00 + 270.00) while the company is settled.
    await h.publish("events.credit.withdrawn", {"credit_id": "c-1", "event_id": "e-1", "kind": "event",
                                               "reason": "peruttu"})
    await credit_of(h, "c-2", "e-2", "-450.00", KUUSELA_PART, "2016-05")
    assert await _report(h) == (Decimal("1080.00"), Decimal("-180.00"))
    may = await lock(h, "2016-05", JUNE_5)
    assert h.payees(may) == {COMPANY: "0.00"}
    assert carried(may) == [("s-kuusela", "-180.00", "negative_balance")]
    paid = sum((Decimal(r["total"]) for r in (march, april, may)), Decimal("0.00"))
    assert paid == Decimal("1080.00")
    assert await _report(h) == (paid, Decimal("-180.00"))


async def test_a_paid_credit_withdrawn_and_its_debtor_paid_again_leaves_the_repayment_unsettled(harness: Any) -> None:
    """Kuusela's credit wholly set off against the company's April payment, then withdrawn in May: its reversal and
    the deduction given back cancel in Kuusela's May payment (0.00); the company, whose own care is credited in May,
    is carried. The 900.00 owed back to it is unsettled until it is paid."""
    h = harness
    await april_wholly_set_off(h)
    await h.publish("events.credit.withdrawn", {"credit_id": "c-1", "event_id": "e-1", "kind": "event",
                                               "reason": "peruttu"})
    await credit_of(h, "c-2", "e-2", "-1080.00", None, "2016-05")
    may = await lock(h, "2016-05", JUNE_5)
    assert h.payees(may) == {SITE: "0.00"}
    assert carried(may) == [(None, "-180.00", "negative_balance")]
    runs = (await h.client.get(f"/v1/tenants/{T}/runs", headers=h.admin)).json()["items"]
    paid = sum((Decimal(r["total"]) for r in runs), Decimal("0.00"))
    assert paid == Decimal("1080.00")  # 900.00 to Kuusela in March, 180.00 to the company in April
    assert await _report(h) == (paid, Decimal("-180.00"))


async def test_the_embedded_sqlite_report_after_a_deduction_given_back_is_the_same(harness_factory: Any) -> None:
    async with harness_factory(sqlite=True) as h:
        await test_a_deduction_given_back_and_settled_by_the_companys_next_run_is_unsettled_until_repaid(h)
