"""A provider is one debtor: in a run, a payee of the provider whose total is negative (a credit of care paid
before) is set off against the same provider's other payees paid in the run (the company's first, then its
sites' by id), so the provider's payments sum to its net, no payment is ever negative, and only what cannot be
set off is carried over as the payee's negative balance. A payee carried over itself (no billing information)
is not paid, so nothing is set off against it. Each specification says what was set off, and a re-run sets
nothing off twice."""

from __future__ import annotations

import asyncio
import base64
from datetime import date
from decimal import Decimal
from typing import Any

from seteli_common.clock import Month
from seteli_settlement.domain.documents import specification_pdf

from .test_site_payees import APRIL_5, COMPANY_IBAN, KUUSELA, MAY_5, P1, T, billing_changed, lock, site_added, transfers
from .test_specification import CREATED, flat_text

COMPANY, SITE = f"{P1}/-", f"{P1}/s-kuusela"
KUUSELA_NAME = "Hoivakoti Päivänsäde Oy, Kuusela"
COMPANY_NAME = "Hoivakoti Päivänsäde Oy"


async def credit(h: Any, credit_id: str, event_id: str, amount: str, producer_part: str | None = None) -> None:
    await h.publish("events.credit.requested", {
        "credit_id": credit_id, "event_id": event_id, "provider_id": P1, "producer_part": producer_part,
        "client_ref": "A-1001", "content_id": "hoito", "service_id": "tehostettu", "amount": amount,
        "reason": "väärä asiakas", "month": "2016-04", "kind": "event"})


async def spec_text(h: Any, run: dict[str, Any], payee_key: str) -> str:
    payment = next(p for p in run["payments"] if f"{p['provider_id']}/{p['site_id'] or '-'}" == payee_key)
    response = await h.client.get(
        f"/v1/tenants/{T}/runs/{run['id']}/payments/{payment['payment_id']}/specification.pdf", headers=h.admin)
    assert response.status_code == 200, response.text
    return flat_text(response.content).replace("\u00a0", " ")


async def no_payment_file(h: Any, run: dict[str, Any]) -> bool:
    response = await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}/payment-file", headers=h.admin)
    return response.status_code == 409 and response.json()["code"] == "nothing_paid"


def carried(run: dict[str, Any]) -> list[tuple[str | None, str, str]]:
    return [(c["site_id"], c["amount"], c["reason"]) for c in run["carried_over"]]


async def march_paid_to_kuusela(h: Any, **seed: Any) -> None:
    await h.seed(**seed)
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-kuusela")  # 900.00 to Kuusela
    march = await lock(h, "2016-03", APRIL_5)
    assert await transfers(h, march) == [(KUUSELA["iban"], "900.00")]


async def march_paid_to_the_company(h: Any) -> dict[str, Any]:
    """The provider has its site Kuusela as a payee, but March's care (A-1001, e-1) is the company's: 900.00."""
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00, the company's
    march = await lock(h, "2016-03", APRIL_5)
    assert await transfers(h, march) == [(COMPANY_IBAN, "900.00")]
    return march


async def april_wholly_set_off(h: Any) -> None:
    """Kuusela's credit of -900.00 (of March's care, paid to it) set off whole against the company's April 1080.00."""
    await march_paid_to_kuusela(h)
    await credit(h, "c-1", "e-1", "-900.00", "site:s-kuusela")
    await h.event("e-2", "2016-04-01", "2016-04-12")  # 1080.00, the company's
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "180.00", SITE: "0.00"}  # the credit paid by Kuusela's 0.00


KOTIAPU_PAYMENT = {"provider_id": "p-kotiapu", "iban": "FI5810171000000122", "reference": None, "language": "sv"}


def swedish_specification(payment: dict[str, Any], set_offs: list[dict[str, Any]], month: str = "2016-05",
                          lines: list[dict[str, Any]] | None = None) -> str:
    """The text of a payment's specification in Swedish (of Kotiapu Ab, paid by Kouvola), as the PDF says it."""
    pdf = specification_pdf({"name_sv": "Kouvola stad"}, {"business_id": "2077474-0"},
                            {**KOTIAPU_PAYMENT, **payment}, lines or [], [], Month.parse(month), CREATED, [], set_offs)
    assert pdf is not None
    return flat_text(pdf).replace("\u00a0", " ")



async def test_a_closed_sites_credit_is_set_off_against_the_companys_payment(harness: Any) -> None:
    h = harness
    await march_paid_to_kuusela(h)
    await credit(h, "c-1", "e-1", "-900.00", "site:s-kuusela")  # Kuusela closed: no more care there
    await h.event("e-2", "2016-04-01", "2016-04-12")  # 1080.00, the company's
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "180.00", SITE: "0.00"}
    assert april["total"] == "180.00" and carried(april) == []
    assert await transfers(h, april) == [(COMPANY_IBAN, "180.00")]
    assert [(s["from_site_id"], s["to_site_id"], s["amount"]) for s in april["set_offs"]] == [
        ("s-kuusela", None, "900.00")]
    company = await spec_text(h, april, COMPANY)
    assert "Yhteensä 1 080,00 €" in company and "Maksetaan: 180,00 €" in company
    assert f"Kuitattu tästä maksusta: {KUUSELA_NAME}, hyvitykset -900,00 €." in company
    site = await spec_text(h, april, SITE)
    assert "Maksetaan: 0,00 €" in site
    assert f"Hyvityksistä kuitattu maksunsaajan {COMPANY_NAME} maksusta: 900,00 €." in site
    # The realisation report settles what was paid: 900.00 in March, 180.00 in April (1080.00 less the credit).
    report = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-03", "to": "2016-04"},
                                headers=h.admin)
    assert report.status_code == 200, report.text
    items = report.json()["items"]
    assert sum(Decimal(i["amount_settled"]) for i in items) == Decimal("1080.00")
    assert sum(Decimal(i["amount_unsettled"]) for i in items) == 0
    # A second run of the month deducts nothing again, and May pays Kuusela's new care in full.
    again = await h.run("2016-04")
    assert again["payments"] == [] and again["set_offs"] == [] and carried(again) == []
    await h.event("e-3", "2016-05-01", "2016-05-02", producer_part="site:s-kuusela")  # 180.00
    may = await h.run("2016-05")
    assert h.payees(may) == {SITE: "180.00"} and may["set_offs"] == []
    assert await transfers(h, may) == [(KUUSELA["iban"], "180.00")]


async def test_what_the_company_cannot_absorb_is_carried_and_deducted_from_the_sites_next_care(harness: Any) -> None:
    h = harness
    await march_paid_to_kuusela(h)
    await credit(h, "c-1", "e-1", "-900.00", "site:s-kuusela")
    await h.event("e-2", "2016-04-01", "2016-04-05")  # 450.00, the company's
    await h.event("e-3", "2016-04-01", "2016-04-02", producer_part="site:s-kuusela")  # 180.00
    h.clock.set(MAY_5)
    preview = await h.run("2016-04", dry_run=True)  # the preview shows what the run will pay
    assert h.payees(preview) == {COMPANY: "0.00"} and preview["total"] == "0.00"
    assert carried(preview) == [("s-kuusela", "-270.00", "negative_balance")]
    april = await lock(h, "2016-04", MAY_5)  # Kuusela -720.00: 450.00 set off, -270.00 carried
    assert h.payees(april) == {COMPANY: "0.00"}
    assert april["total"] == "0.00"
    assert await no_payment_file(h, april)  # never a zero nor a negative payment in a file
    assert carried(april) == [("s-kuusela", "-270.00", "negative_balance")]
    assert [(s["from_site_id"], s["to_site_id"], s["amount"]) for s in april["set_offs"]] == [
        ("s-kuusela", None, "450.00")]
    company = await spec_text(h, april, COMPANY)
    assert f"Kuitattu tästä maksusta: {KUUSELA_NAME}, hyvitykset -450,00 €." in company
    assert f"Siirtyy seuraavaan tilitykseen: {KUUSELA_NAME} -270,00 €" in company
    again = await h.run("2016-04")  # a re-run: the carried -270.00 stays -270.00
    assert again["payments"] == [] and again["set_offs"] == []
    assert carried(again) == [("s-kuusela", "-270.00", "negative_balance")]
    await h.event("e-4", "2016-05-01", "2016-05-10", producer_part="site:s-kuusela")  # 900.00
    h.month_ended("2016-05")
    assert h.payees(await h.run("2016-05", dry_run=True)) == {SITE: "630.00"}
    may = await h.run("2016-05")
    assert h.payees(may) == {SITE: "630.00"}  # 180.00 + 900.00 - 900.00 + 450.00 set off in April
    assert await transfers(h, may) == [(KUUSELA["iban"], "630.00")]
    assert may["set_offs"] == [] and carried(may) == []
    site = await spec_text(h, may, SITE)
    assert "Yhteensä 180,00 €" in site and "Maksetaan: 630,00 €" in site
    assert f"Hyvityksistä kuitattu maksunsaajan {COMPANY_NAME} maksusta: 450,00 €." in site


async def test_the_embedded_sqlite_suite_sets_off_and_carries_the_same(harness_factory: Any) -> None:
    async with harness_factory(sqlite=True) as h:
        await march_paid_to_kuusela(h)
        await credit(h, "c-1", "e-1", "-900.00", "site:s-kuusela")
        await h.event("e-2", "2016-04-01", "2016-04-05")  # 450.00, the company's
        april = await lock(h, "2016-04", MAY_5)
        assert h.payees(april) == {COMPANY: "0.00"}
        assert carried(april) == [("s-kuusela", "-450.00", "negative_balance")]
        await h.event("e-4", "2016-05-01", "2016-05-10", producer_part="site:s-kuusela")  # 900.00
        may = await h.run("2016-05")
        assert h.payees(may) == {SITE: "450.00"} and may["set_offs"] == []
        assert await transfers(h, may) == [(KUUSELA["iban"], "450.00")]


async def test_a_companys_credit_is_set_off_against_its_sites_payment(harness: Any) -> None:
    h = harness
    await march_paid_to_the_company(h)
    await credit(h, "c-1", "e-1", "-900.00")
    await h.event("e-2", "2016-04-01", "2016-04-12", producer_part="site:s-kuusela")  # 1080.00
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "0.00", SITE: "180.00"}
    assert await transfers(h, april) == [(KUUSELA["iban"], "180.00")]
    assert [(s["from_site_id"], s["to_site_id"], s["amount"]) for s in april["set_offs"]] == [
        (None, "s-kuusela", "900.00")]
    assert carried(april) == []


async def test_a_credit_is_set_off_against_the_company_first_then_the_sites_in_order(harness: Any) -> None:
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await site_added(h, "s-a", "Aalto", {**KUUSELA, "iban": "FI4950009420028730", "reference": "1232"})
    await site_added(h, "s-b", "Berg", {**KUUSELA, "iban": "FI5810171000000122", "reference": "1245"})
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-kuusela")  # 900.00
    await lock(h, "2016-03", APRIL_5)
    await credit(h, "c-1", "e-1", "-900.00", "site:s-kuusela")
    await h.event("e-2", "2016-04-01", "2016-04-02")  # 180.00, the company's
    await h.event("e-3", "2016-04-01", "2016-04-05", producer_part="site:s-b")  # 450.00
    await h.event("e-4", "2016-04-01", "2016-04-05", producer_part="site:s-a")  # 450.00
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "0.00", f"{P1}/s-a": "0.00", f"{P1}/s-b": "180.00", SITE: "0.00"}
    assert [(s["to_site_id"], s["amount"]) for s in april["set_offs"]] == [
        (None, "180.00"), ("s-a", "450.00"), ("s-b", "270.00")]
    assert april["total"] == "180.00"


async def test_both_negative_nothing_is_set_off(harness: Any) -> None:
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-kuusela")  # 900.00
    await h.event("e-2", "2016-03-01", "2016-03-05")  # 450.00, the company's
    await lock(h, "2016-03", APRIL_5)
    await credit(h, "c-1", "e-1", "-900.00", "site:s-kuusela")
    await credit(h, "c-2", "e-2", "-450.00")
    april = await lock(h, "2016-04", MAY_5)
    assert april["payments"] == [] and april["set_offs"] == []
    assert sorted(carried(april), key=lambda c: c[0] or "") == [
        (None, "-450.00", "negative_balance"), ("s-kuusela", "-900.00", "negative_balance")]


async def test_nothing_is_set_off_against_a_company_carried_over_without_billing(harness: Any) -> None:
    h = harness
    await march_paid_to_kuusela(h, p1_billing=None)
    await credit(h, "c-1", "e-1", "-900.00", "site:s-kuusela")
    await h.event("e-2", "2016-04-01", "2016-04-12")  # 1080.00, the company's, which has no billing
    april = await lock(h, "2016-04", MAY_5)
    assert april["payments"] == [] and april["set_offs"] == []  # the 1080.00 is not paid: it cannot absorb
    assert sorted(carried(april), key=lambda c: c[0] or "") == [
        (None, "1080.00", "no_billing_information"), ("s-kuusela", "-900.00", "negative_balance")]
    assert await no_payment_file(h, april)
    # Once the company has billing information, its carried amount is paid less the site's credit.
    await billing_changed(h, None, {**KUUSELA, "iban": COMPANY_IBAN, "reference": "1232"})
    may = await h.run("2016-05")
    assert h.payees(may) == {COMPANY: "180.00", SITE: "0.00"}
    assert await transfers(h, may) == [(COMPANY_IBAN, "180.00")]
    assert carried(may) == []


def test_swedish_specification_notes_the_set_off() -> None:
    payment = {"id": 7, "payee_name": "Kotiapu Ab", "amount": Decimal("45.00"), "site_id": None}
    line = {"id": 1, "entry": "line", "reverses": None, "kind": "event", "client_ref": "A-1001",
            "content_id": "hoito", "units": Decimal(1), "unit": "day", "unit_price": Decimal("100.00"),
            "amount": Decimal("90.00"), "co_payment": Decimal("10.00"), "start": date(2016, 3, 1),
            "end": date(2016, 3, 1)}
    set_offs = [{"provider_id": "p-kotiapu", "payment_id": 7, "settled_by": None, "from_name": "Kotiapu Ab, Hemmet",
                 "to_name": "Kotiapu Ab", "amount": Decimal("45.00")}]
    text = swedish_specification(payment, set_offs, "2016-03", [line])
    assert "Betalas: 45,00 €" in text
    assert "Kvittat mot denna betalning: Kotiapu Ab, Hemmet, gottgörelser -45,00 €." in text


async def specifications_emailed(h: Any, run: dict[str, Any]) -> dict[str, str]:
    """The text of each specification of the run handed to notifications for email, by payee key."""
    from seteli_settlement.worker import SettlementWorker

    from .test_outputs import pdf_text

    keys = {str(p["payment_id"]): f"{p['provider_id']}/{p['site_id'] or '-'}" for p in run["payments"]}
    found: dict[str, str] = {}
    for _ in range(50):  # rendered by whichever worker is free (the API's own one may hold it a moment)
        await SettlementWorker(h.runtime.extras["deps"]).run_until_idle()
        found = {keys[r["payment_id"]]: pdf_text(base64.b64decode(r["pdf_base64"]))
                 for r in await h.published("settlement.specification.ready") if r["payment_id"] in keys}
        if len(found) == len(keys):
            break
        await asyncio.sleep(0.1)
    return found


async def test_a_payee_whose_credits_are_all_set_off_gets_its_specification_by_email(harness: Any) -> None:
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", {**KUUSELA, "pdf_by_email": True})
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-kuusela")  # 900.00 to Kuusela
    await lock(h, "2016-03", APRIL_5)
    await credit(h, "c-1", "e-1", "-900.00", "site:s-kuusela")
    await h.event("e-2", "2016-04-01", "2016-04-12")  # 1080.00, the company's
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "180.00", SITE: "0.00"}
    assert await transfers(h, april) == [(COMPANY_IBAN, "180.00")]  # the 0.00 is never a transfer
    emailed = await specifications_emailed(h, april)
    assert sorted(emailed) == [COMPANY, SITE]
    assert "Maksetaan: 0,00 €" in emailed[SITE]
    assert f"Hyvityksistä kuitattu maksunsaajan {COMPANY_NAME} maksusta: 900,00 €." in emailed[SITE]
    assert f"Kuitattu tästä maksusta: {KUUSELA_NAME}, hyvitykset -900,00 €." in emailed[COMPANY]


async def test_lines_that_cancel_out_without_a_set_off_email_nothing(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00, the company's
    await lock(h, "2016-03", APRIL_5)
    await credit(h, "c-1", "e-1", "-900.00")
    await h.event("e-2", "2016-04-01", "2016-04-10")  # 900.00: the month nets to zero
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "0.00"} and april["set_offs"] == []
    assert await no_payment_file(h, april)
    payment = april["payments"][0]
    listed = await h.client.get(f"/v1/tenants/{T}/payments", params={"month": "2016-04"}, headers=h.admin)
    assert listed.status_code == 200, listed.text
    assert [p["specification_state"] for p in listed.json()["items"] if p["payment_id"] == payment["payment_id"]] \
        == ["none"]


async def realisation(h: Any, first: str, last: str, **params: str) -> dict[str, tuple[str, str]]:
    """(settled, unsettled) per client of the realisation report, as JSON; the CSV download says the same."""
    query = {"from": first, "to": last, **params}
    response = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params=query, headers=h.admin)
    assert response.status_code == 200, response.text
    rows = {i["client_ref"]: (i["amount_settled"], i["amount_unsettled"]) for i in response.json()["items"]}
    csv = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params={**query, "format": "csv"},
                             headers=h.admin)
    assert csv.status_code == 200, csv.text
    for client, (settled, unsettled) in rows.items():
        assert any(client in line and settled in line and unsettled in line for line in csv.text.splitlines())
    return rows


async def test_the_realisation_report_settles_what_a_partial_set_off_deducted_and_leaves_the_rest_open(
        harness: Any) -> None:
    h = harness
    await march_paid_to_kuusela(h)  # A-1001: 900.00 paid to Kuusela
    await credit(h, "c-1", "e-1", "-300.00", "site:s-kuusela")  # A-1001's, Kuusela's
    await h.event("e-2", "2016-04-01", "2016-04-10", share="20.00", client_ref="A-1002")  # 200.00, the company's
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "0.00"} and carried(april) == [("s-kuusela", "-100.00", "negative_balance")]
    # Paid so far: 900.00 in March, nothing in April. Of the credit 200.00 was deducted, 100.00 is still carried.
    assert await realisation(h, "2016-03", "2016-05") == {"A-1001": ("700.00", "-100.00"),
                                                          "A-1002": ("200.00", "0.00")}
    assert await realisation(h, "2016-04", "2016-04") == {"A-1001": ("-200.00", "-100.00"),
                                                          "A-1002": ("200.00", "0.00")}
    assert await realisation(h, "2016-03", "2016-05", producer_part="site:s-kuusela") == {
        "A-1001": ("700.00", "-100.00")}
    assert await realisation(h, "2016-03", "2016-05", client_ref="A-1002") == {"A-1002": ("200.00", "0.00")}
    assert (await h.run("2016-04"))["payments"] == []  # a re-run changes nothing
    assert (await realisation(h, "2016-03", "2016-05"))["A-1001"] == ("700.00", "-100.00")
    # May deducts the rest from the company's new care: all of the credit is settled.
    await h.event("e-3", "2016-05-01", "2016-05-10", share="20.00", client_ref="A-1002")  # 200.00
    may = await h.run("2016-05")
    assert h.payees(may) == {COMPANY: "100.00", SITE: "0.00"} and carried(may) == []
    assert await realisation(h, "2016-03", "2016-05") == {"A-1001": ("600.00", "0.00"),
                                                          "A-1002": ("400.00", "0.00")}  # 900.00 + 0.00 + 100.00


async def test_the_embedded_sqlite_report_settles_a_partial_set_off_the_same(harness_factory: Any) -> None:
    async with harness_factory(sqlite=True) as h:
        await march_paid_to_kuusela(h)
        await credit(h, "c-1", "e-1", "-300.00", "site:s-kuusela")
        await h.event("e-2", "2016-04-01", "2016-04-10", share="20.00", client_ref="A-1002")  # 200.00
        await lock(h, "2016-04", MAY_5)
        assert await realisation(h, "2016-03", "2016-05") == {"A-1001": ("700.00", "-100.00"),
                                                              "A-1002": ("200.00", "0.00")}


async def withdrawn(h: Any, credit_id: str, event_id: str) -> None:
    await h.publish("events.credit.withdrawn", {"credit_id": credit_id, "event_id": event_id, "kind": "event",
                                                 "reason": "the voucher's validity ended"})


async def april_partly_set_off(h: Any) -> dict[str, Any]:
    """Kuusela's credit of -300.00 against the company's 200.00: 200.00 set off, -100.00 carried."""
    await march_paid_to_kuusela(h)
    await credit(h, "c-1", "e-1", "-300.00", "site:s-kuusela")
    await h.event("e-2", "2016-04-01", "2016-04-10", share="20.00", client_ref="A-1002")  # 200.00, the company's
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "0.00"} and carried(april) == [("s-kuusela", "-100.00", "negative_balance")]
    return april


async def test_a_credit_withdrawn_after_a_partial_set_off_pays_the_deduction_back_to_the_company(
        harness: Any) -> None:
    h = harness
    april = await april_partly_set_off(h)
    assert [s["kind"] for s in april["set_offs"]] == ["set_off"]
    await withdrawn(h, "c-1", "e-1")
    # Until May pays it back, the company's April care is not settled: its payment was 0.00.
    assert await realisation(h, "2016-03", "2016-05") == {"A-1001": ("900.00", "0.00"),
                                                          "A-1002": ("0.00", "200.00")}
    await h.event("e-3", "2016-05-01", "2016-05-10", share="20.00", client_ref="A-1002")  # 200.00, the company's
    may = await h.run("2016-05")
    # The company gets back the 200.00 deducted in April; Kuusela's -100.00 still carried simply disappears.
    assert h.payees(may) == {COMPANY: "400.00", SITE: "0.00"} and carried(may) == []
    # May's run lists what it pays back: to the company, for Kuusela's withdrawn credit, deducted in April.
    company_in = {f"{p['provider_id']}/{p['site_id'] or '-'}": p["payment_id"] for p in may["payments"]}
    assert may["set_offs"] == [{
        "kind": "repaid", "provider_id": P1, "from_site_id": None, "from_payee_name": COMPANY_NAME,
        "to_site_id": "s-kuusela", "to_payee_name": KUUSELA_NAME, "payment_id": april["payments"][0]["payment_id"],
        "repaid_by_payment_id": company_in[COMPANY], "amount": "200.00"}]
    assert may["total"] == "400.00"  # March 900.00 + April 0.00 + May 400.00 = the provider's 1300.00
    assert await transfers(h, may) == [(COMPANY_IBAN, "400.00")]
    company = await spec_text(h, may, COMPANY)
    assert "Yhteensä 200,00 €" in company and "Maksetaan: 400,00 €" in company
    assert (f"Palautetaan aiemmin tästä maksunsaajasta kuitattu: {KUUSELA_NAME}, hyvitys peruttu, 200,00 €."
            in company)
    site = await spec_text(h, may, SITE)
    assert "Maksetaan: 0,00 €" in site
    assert (f"Hyvitys on peruttu: maksunsaajan {COMPANY_NAME} maksusta kuitattu 200,00 € palautetaan "
            "sille." in site)
    assert await realisation(h, "2016-03", "2016-05") == {"A-1001": ("900.00", "0.00"),
                                                          "A-1002": ("400.00", "0.00")}
    again = await h.run("2016-05")  # a re-run pays nothing twice
    assert again["payments"] == [] and carried(again) == []
    june = await h.run("2016-06")
    assert june["payments"] == [] and carried(june) == []


async def test_a_withdrawn_credit_gives_back_only_what_the_debtors_other_credits_do_not_need(harness: Any) -> None:
    h = harness
    await march_paid_to_kuusela(h)
    await credit(h, "c-1", "e-1", "-300.00", "site:s-kuusela")
    await h.publish("events.credit.requested", {
        "credit_id": "c-2", "event_id": "e-1", "provider_id": P1, "producer_part": "site:s-kuusela",
        "client_ref": "A-1001", "content_id": "hoito", "service_id": "tehostettu", "amount": "-50.00",
        "reason": "väärä päivä", "month": "2016-04", "kind": "event"})
    await h.event("e-2", "2016-04-01", "2016-04-10", share="20.00", client_ref="A-1002")  # 200.00, the company's
    april = await lock(h, "2016-04", MAY_5)
    assert carried(april) == [("s-kuusela", "-150.00", "negative_balance")]
    await withdrawn(h, "c-1", "e-1")  # Kuusela's -50.00 stays, covered by 50.00 of April's deduction
    may = await h.run("2016-05")
    assert h.payees(may) == {COMPANY: "150.00", SITE: "0.00"} and carried(may) == []
    assert await transfers(h, may) == [(COMPANY_IBAN, "150.00")]
    site = await spec_text(h, may, SITE)
    assert "Yhteensä -50,00 €" in site and "Maksetaan: 0,00 €" in site
    assert f"Hyvityksistä kuitattu maksunsaajan {COMPANY_NAME} maksusta: 200,00 €." in site


async def test_the_embedded_sqlite_suite_pays_a_withdrawn_set_off_back_the_same(harness_factory: Any) -> None:
    async with harness_factory(sqlite=True) as h:
        await april_partly_set_off(h)
        await withdrawn(h, "c-1", "e-1")
        preview = await h.run("2016-05", dry_run=True)  # no line open: the deduction given back alone
        assert h.payees(preview) == {COMPANY: "200.00", SITE: "0.00"}
        may = await h.run("2016-05")
        assert h.payees(may) == {COMPANY: "200.00", SITE: "0.00"} and carried(may) == []
        assert await transfers(h, may) == [(COMPANY_IBAN, "200.00")]
        assert (await h.run("2016-05"))["payments"] == []


def test_swedish_specifications_note_a_deduction_given_back() -> None:
    given_back = [
        {"kind": "set_off", "payment_id": 3, "settled_by": 8, "from_name": "Kotiapu Ab, Hemmet",
         "to_name": "Kotiapu Ab",
         "amount": Decimal("200.00")},
        {"kind": "withdrawn", "payment_id": 3, "settled_by": 8, "from_name": "Kotiapu Ab, Hemmet",
         "to_name": "Kotiapu Ab", "amount": Decimal("-200.00")},
        {"kind": "repaid", "payment_id": 3, "settled_by": 9, "from_name": "Kotiapu Ab",
         "to_name": "Kotiapu Ab, Hemmet", "amount": Decimal("200.00")},
    ]
    site = {"id": 8, "payee_name": "Kotiapu Ab, Hemmet", "amount": Decimal("0.00"), "site_id": "s-hemmet"}
    company = {"id": 9, "payee_name": "Kotiapu Ab", "amount": Decimal("200.00"), "site_id": None}
    texts = {payment["id"]: swedish_specification(
        payment, [s for s in given_back if payment["id"] in (s["payment_id"], s["settled_by"])])
        for payment in (site, company)}
    assert "Betalas: 0,00 €" in texts[8]
    assert ("Gottgörelsen har återkallats: 200,00 € som kvittats mot betalningen till Kotiapu Ab återbetalas dit."
            in texts[8])
    assert "Betalas: 200,00 €" in texts[9]
    assert ("Återbetalas det som tidigare kvittats mot denna betalningsmottagare: Kotiapu Ab, Hemmet, gottgörelsen "
            "återkallad, 200,00 €." in texts[9])


async def test_a_credit_withdrawn_after_it_was_wholly_set_off_pays_the_deduction_back_to_the_company(
        harness: Any) -> None:
    h = harness
    await april_wholly_set_off(h)
    await withdrawn(h, "c-1", "e-1")  # the credit's reversal (+900.00) is Kuusela's, but the company bore it
    # Paid: 900.00 in March, 180.00 in April; the credit deducted in April is open again (its reversal, paid back).
    assert await realisation(h, "2016-03", "2016-05") == {"A-1001": ("1080.00", "900.00")}
    may = await h.run("2016-05")
    assert h.payees(may) == {COMPANY: "900.00", SITE: "0.00"} and carried(may) == []
    assert await transfers(h, may) == [(COMPANY_IBAN, "900.00")]
    site = await spec_text(h, may, SITE)
    assert "Yhteensä 900,00 €" in site and "Maksetaan: 0,00 €" in site
    assert (f"Hyvitys on peruttu: maksunsaajan {COMPANY_NAME} maksusta kuitattu 900,00 € palautetaan "
            "sille." in site)
    company = await spec_text(h, may, COMPANY)
    assert (f"Palautetaan aiemmin tästä maksunsaajasta kuitattu: {KUUSELA_NAME}, hyvitys peruttu, 900,00 €."
            in company)
    again = await h.run("2016-05")
    assert again["payments"] == [] and carried(again) == []
    assert await realisation(h, "2016-03", "2016-05") == {"A-1001": ("1980.00", "0.00")}  # 900 + 180 + 900
