"""One month with a mix of every path (money-settlement): the company paid to its own account and a site to its
own, a credit of the month, a correction of an earlier month's paid event, a payee carried with a negative total,
a payee without billing information, a voucher ended mid-month, care of a unit and of an employee (the company's),
an interruption paid by the rule. The preview before the lock, the run's payments, the payment file's transfers,
each specification's "to be paid" and the realisation report's settled sums agree to the cent, per payee and in
all; a second run of the month pays nothing. Price 100.00, the tenant's share 90.00 a day unless said."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .conftest import BILLING2, P1, P2, T
from .test_ledger import interruption
from .test_money_next_to_examples import to_be_paid
from .test_provider_set_off import COMPANY, SITE, carried, spec_text
from .test_site_payees import APRIL_5, COMPANY_IBAN, KUUSELA, MAY_5, fact, lock, site_added, transfers

P3 = "p-ilman-tilia"
KUUSELA_PART = "site:s-kuusela"
P3_BILLING = {"iban": "FI4950009420028730", "bic": "OKOYFIHH", "reference": "1232", "email": "l@ilman.fi",
              "pdf_by_email": True}


async def _report(h: Any, first: str, last: str, **params: str) -> list[dict[str, Any]]:
    response = await h.client.get(f"/v1/tenants/{T}/reports/realisation",
                                  params={"from": first, "to": last, **params}, headers=h.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _sum(rows: list[dict[str, Any]], key: str) -> Decimal:
    return sum((Decimal(r[key]) for r in rows), Decimal("0.00"))


async def _credit(h: Any, credit_id: str, event_id: str, amount: str, co_payment: str, month: str,
                  provider_id: str = P1, producer_part: str | None = None, client_ref: str = "A-1001") -> None:
    await h.publish("events.credit.requested", {
        "credit_id": credit_id, "event_id": event_id, "provider_id": provider_id, "producer_part": producer_part,
        "client_ref": client_ref, "content_id": "hoito", "service_id": "tehostettu", "amount": amount,
        "amount_co_payment": co_payment, "reason": "väärät päivät", "month": month, "kind": "event"})


async def _april_with_every_path(h: Any) -> dict[str, Any]:
    """March paid; April's mix previewed. Returns the preview taken on 5 May before the lock."""
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await fact(h, "registry.provider.registered", {
        "provider_id": P3, "business_id": "0112038-9", "name": "Ilman Tiliä Oy", "language": "fi",
        "email": "info@ilman.fi", "billing": None,
        "sites": [{"site_id": "s-3", "name": "Ilman", "notification_email": "i@ilman.fi", "billing": None}]})
    await h.event("e-m1", "2016-03-01", "2016-03-10")  # 900.00, the company's
    await h.event("e-m2", "2016-03-01", "2016-03-05", provider_id=P2, share="45.55", client_ref="K-1")  # 227.75
    march = await lock(h, "2016-03", APRIL_5)
    assert h.payees(march) == {COMPANY: "900.00", f"{P2}/-": "227.75"}

    # the company: a unit's and an employee's care are its own (33.33 x 30 = 999.90; 12.34 x 3 = 37.02)
    await h.event("e-a1", "2016-04-01", "2016-04-30", share="33.33", client_ref="A-1002", producer_part="unit:u-1")
    await h.event("e-a2", "2016-04-01", "2016-04-03", share="12.34", client_ref="A-1003",
                  producer_part="employee:t-1")
    # a voucher ended 17 April: the auto-recorded month cut to 17 days (1530.00)
    await h.event("e-a3", "2016-04-01", "2016-04-30", client_ref="A-1004")
    await h.event("e-a3", "2016-04-01", "2016-04-17", client_ref="A-1004", revision=2, corrected=True)
    # a credit of March's paid care, in April: -900.00
    await _credit(h, "c-1", "e-m1", "-900.00", "-100.00", "2016-04")
    # an absence paid by the rule: 10 days at 100 %, 3 at 0 % (900.00)
    await h.publish("events.interruption.finalised", interruption(
        h, "i-1", "2016-04-05", "2016-04-17",
        [h.segment("2016-04-05", "2016-04-14", 10), h.segment("2016-04-15", "2016-04-17", 3, percentage="0")]))
    # the site Kuusela, its own account: 77.77 x 15 = 1166.55
    await h.event("e-a4", "2016-04-01", "2016-04-15", share="77.77", client_ref="A-1005", producer_part=KUUSELA_PART)
    # Kotiapu: March's event shortened to 3 days (136.65 instead of 227.75: -91.10) and April's 50.00: -41.10
    await h.event("e-m2", "2016-03-01", "2016-03-03", provider_id=P2, share="45.55", client_ref="K-1", revision=2,
                  corrected=True)
    await h.event("e-a5", "2016-04-01", "2016-04-01", provider_id=P2, share="50.00", client_ref="K-2")
    # a provider with no billing information: 60.00 x 4 = 240.00 carried
    await h.event("e-a6", "2016-04-01", "2016-04-04", provider_id=P3, share="60.00", client_ref="I-1")
    h.clock.set(MAY_5)
    preview: dict[str, Any] = await h.run("2016-04", dry_run=True)
    return preview


async def test_one_month_of_every_path_agrees_to_the_cent_everywhere_and_a_second_run_pays_nothing(
    harness: Any,
) -> None:
    await _every_path_agrees(harness)


async def test_the_embedded_sqlite_suite_agrees_to_the_cent_the_same(harness_factory: Any) -> None:
    async with harness_factory(sqlite=True) as h:
        await _every_path_agrees(h)


async def _every_path_agrees(h: Any) -> None:
    preview = await _april_with_every_path(h)
    company = Decimal("999.90") + Decimal("37.02") + Decimal("1530.00") - Decimal("900.00") + Decimal("900.00")
    expected = {COMPANY: f"{company:.2f}", SITE: "1166.55"}
    assert h.payees(preview) == expected
    assert sorted(carried(preview)) == [(None, "-41.10", "negative_balance"), (None, "240.00",
                                                                                "no_billing_information")]
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == expected
    assert sorted(carried(april)) == sorted(carried(preview))
    assert april["total"] == preview["total"] == f"{company + Decimal('1166.55'):.2f}"
    assert await transfers(h, april) == sorted([(COMPANY_IBAN, expected[COMPANY]), (KUUSELA["iban"], "1166.55")])
    for key, amount in expected.items():
        assert to_be_paid(await spec_text(h, april, key)) == Decimal(amount), key

    # The realisation report of March-April settles what the two runs paid, per provider, to the cent
    march_paid = {P1: Decimal("900.00"), P2: Decimal("227.75")}
    rows = await _report(h, "2016-03", "2016-04")
    for provider_id, paid in [(P1, march_paid[P1] + company + Decimal("1166.55")), (P2, march_paid[P2]),
                              (P3, Decimal("0.00"))]:
        of_provider = [r for r in rows if r["provider_id"] == provider_id]
        assert _sum(of_provider, "amount_settled") == paid, provider_id
    assert _sum([r for r in rows if r["provider_id"] == P2], "amount_unsettled") == Decimal("-41.10")
    assert _sum([r for r in rows if r["provider_id"] == P3], "amount_unsettled") == Decimal("240.00")
    # per payee: the site's producer part alone
    kuusela = await _report(h, "2016-03", "2016-04", provider_id=P1, producer_part=KUUSELA_PART)
    assert _sum(kuusela, "amount_settled") == Decimal("1166.55")

    # the interruptions report of April: what the run paid for the absence
    away = await h.client.get(f"/v1/tenants/{T}/reports/interruptions", params={"from": "2016-04", "to": "2016-04"},
                              headers=h.admin)
    paid_away = sum((Decimal(ln["amount"]) for p in april["payments"] for ln in p["lines"]
                     if ln["kind"] == "interruption"), Decimal("0.00"))
    assert [r["amount_tenant"] for r in away.json()["items"]] == ["900.00"] and paid_away == Decimal("900.00")

    again = await h.run("2016-04")
    assert again["payments"] == [] and again["total"] == "0.00"
    assert sorted(carried(again)) == sorted(carried(april))


async def test_the_next_month_pays_what_was_carried_to_the_account_given_after_the_preview(harness: Any) -> None:
    """May after the mixed April: Kotiapu's carried -41.10 is deducted from its May care, the provider without
    billing gets it (and is paid April's 240.00 with May's care on the account given after the preview), Kuusela's
    lines net to exactly 0.00. The preview, the run, the file, the specifications and the report agree."""
    h = harness
    await _april_with_every_path(h)
    april = await lock(h, "2016-04", MAY_5)
    await h.event("e-b1", "2016-05-01", "2016-05-02", provider_id=P2, share="50.00", client_ref="K-2")  # 100.00
    await h.event("e-b2", "2016-05-01", "2016-05-01", provider_id=P3, share="60.00", client_ref="I-1")  # 60.00
    await h.event("e-b3", "2016-05-01", "2016-05-15", share="77.77", client_ref="A-1005",
                  producer_part=KUUSELA_PART)  # 1166.55
    await _credit(h, "c-2", "e-a4", "-1166.55", "-333.45", "2016-05", producer_part=KUUSELA_PART, client_ref="A-1005")
    h.clock.set(datetime(2016, 6, 5, 7, 0, tzinfo=UTC))
    preview = await h.run("2016-05", dry_run=True)
    assert carried(preview) == [(None, "300.00", "no_billing_information")]
    await fact(h, "registry.provider.billing_changed", {"provider_id": P3, "site_id": None, "billing": P3_BILLING})
    expected = {f"{P2}/-": "58.90", f"{P3}/-": "300.00", SITE: "0.00"}
    preview = await h.run("2016-05", dry_run=True)
    assert h.payees(preview) == expected and carried(preview) == []
    may = await h.run("2016-05")
    assert h.payees(may) == expected and carried(may) == []
    assert may["total"] == preview["total"] == "358.90"
    assert await transfers(h, may) == sorted([(BILLING2["iban"], "58.90"), (P3_BILLING["iban"], "300.00")])
    for key, amount in expected.items():
        assert to_be_paid(await spec_text(h, may, key)) == Decimal(amount), key
    paid = sum((Decimal(r["total"]) for r in (april, may)), Decimal("900.00") + Decimal("227.75"))
    rows = await _report(h, "2016-03", "2016-05")
    assert _sum(rows, "amount_settled") == paid
    assert _sum(rows, "amount_unsettled") == Decimal("0.00")
    assert (await h.run("2016-05"))["payments"] == []
