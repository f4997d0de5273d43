"""Beside a set-off credit withdrawn: (1) a new credit of the site arriving before the run that pays the deduction
back to the company; (2) the realisation report when the company is the debtor still carried and the site settled
(the mirror of test_provider_set_off's report tests). Both were found right; these keep them so."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .test_provider_set_off import (
    COMPANY,
    COMPANY_NAME,
    KUUSELA_NAME,
    SITE,
    april_partly_set_off,
    april_wholly_set_off,
    carried,
    credit,
    march_paid_to_the_company,
    realisation,
    spec_text,
    swedish_specification,
    withdrawn,
)
from .test_site_payees import COMPANY_IBAN, KUUSELA, MAY_5, lock, transfers


async def a_new_credit_of_kuusela_after_a_set_off_one_was_withdrawn(h: Any) -> None:
    """Kuusela's -300.00 of April (200.00 set off from the company's April, -100.00 carried) withdrawn, so the
    company is owed its 200.00 back; then a new credit of Kuusela's, -150.00, before May's run."""
    await april_partly_set_off(h)
    await withdrawn(h, "c-1", "e-1")
    await credit(h, "c-2", "e-1", "-150.00", "site:s-kuusela")


async def test_a_new_credit_of_the_site_is_borne_by_its_own_care_and_the_company_gets_its_repayment_whole(
        harness: Any) -> None:
    h = harness
    await a_new_credit_of_kuusela_after_a_set_off_one_was_withdrawn(h)
    await h.event("e-3", "2016-05-01", "2016-05-03", producer_part="site:s-kuusela")  # 270.00, Kuusela's
    may = await h.run("2016-05")
    assert h.payees(may) == {COMPANY: "200.00", SITE: "120.00"} and carried(may) == []
    assert sorted(await transfers(h, may)) == sorted([(COMPANY_IBAN, "200.00"), (KUUSELA["iban"], "120.00")])
    assert [(s["kind"], s["amount"]) for s in may["set_offs"]] == [("repaid", "200.00")]
    company = await spec_text(h, may, COMPANY)
    assert "Maksetaan: 200,00 €" in company
    assert f"Palautetaan aiemmin tästä maksunsaajasta kuitattu: {KUUSELA_NAME}, hyvitys peruttu, 200,00 €." in company
    site = await spec_text(h, may, SITE)
    assert "Yhteensä 120,00 €" in site and "Maksetaan: 120,00 €" in site


async def test_a_new_credit_the_site_cannot_bear_is_set_off_against_the_companys_payment_with_its_repayment(
        harness: Any) -> None:
    h = harness
    await a_new_credit_of_kuusela_after_a_set_off_one_was_withdrawn(h)  # Kuusela has no care in May to bear it
    may = await h.run("2016-05")
    # The provider is one debtor: the company gets its 200.00 back and bears Kuusela's new -150.00, both said.
    assert h.payees(may) == {COMPANY: "50.00", SITE: "0.00"} and carried(may) == []
    assert may["total"] == "50.00" and await transfers(h, may) == [(COMPANY_IBAN, "50.00")]
    assert sorted((s["kind"], s["from_site_id"], s["to_site_id"], s["amount"]) for s in may["set_offs"]) == [
        ("repaid", None, "s-kuusela", "200.00"), ("set_off", "s-kuusela", None, "150.00")]
    company = await spec_text(h, may, COMPANY)
    assert "Maksetaan: 50,00 €" in company
    assert f"Palautetaan aiemmin tästä maksunsaajasta kuitattu: {KUUSELA_NAME}, hyvitys peruttu, 200,00 €." in company
    assert f"Kuitattu tästä maksusta: {KUUSELA_NAME}, hyvitykset -150,00 €." in company
    site = await spec_text(h, may, SITE)
    assert "Yhteensä -150,00 €" in site and "Maksetaan: 0,00 €" in site
    assert f"Hyvitys on peruttu: maksunsaajan {COMPANY_NAME} maksusta kuitattu 200,00 € palautetaan sille." in site
    assert f"Hyvityksistä kuitattu maksunsaajan {COMPANY_NAME} maksusta: 150,00 €." in site
    assert (await h.run("2016-05"))["payments"] == []  # nothing twice


async def test_a_new_credit_after_a_wholly_set_off_credit_was_withdrawn(harness: Any) -> None:
    h = harness
    await april_wholly_set_off(h)
    await withdrawn(h, "c-1", "e-1")  # Kuusela's reversal +900.00, the company's 900.00 back
    await credit(h, "c-2", "e-1", "-200.00", "site:s-kuusela")
    may = await h.run("2016-05")
    # Kuusela's +900.00 reversal less the 900.00 given back is 0.00; its -200.00 is the company's to bear.
    assert h.payees(may) == {COMPANY: "700.00", SITE: "0.00"} and carried(may) == []
    company = await spec_text(h, may, COMPANY)
    assert f"Palautetaan aiemmin tästä maksunsaajasta kuitattu: {KUUSELA_NAME}, hyvitys peruttu, 900,00 €." in company
    assert f"Kuitattu tästä maksusta: {KUUSELA_NAME}, hyvitykset -200,00 €." in company
    # Paid in all: 900.00 + 180.00 + 700.00 = e-1 900.00 + e-2 1080.00 - c-2 200.00.
    assert await realisation(h, "2016-03", "2016-05") == {"A-1001": ("1780.00", "0.00")}


def test_swedish_specification_of_a_repayment_and_a_new_set_off_on_one_payment() -> None:
    rows = [
        {"kind": "repaid", "payment_id": 3, "settled_by": 9, "from_name": "Kotiapu Ab",
         "to_name": "Kotiapu Ab, Hemmet", "amount": Decimal("200.00")},
        {"kind": "set_off", "payment_id": 9, "settled_by": 8, "from_name": "Kotiapu Ab, Hemmet",
         "to_name": "Kotiapu Ab", "amount": Decimal("150.00")},
    ]
    company = {"id": 9, "payee_name": "Kotiapu Ab", "amount": Decimal("50.00"), "site_id": None}
    text = swedish_specification(company, rows)
    assert "Betalas: 50,00 €" in text
    assert ("Återbetalas det som tidigare kvittats mot denna betalningsmottagare: Kotiapu Ab, Hemmet, gottgörelsen "
            "återkallad, 200,00 €." in text)
    assert "Kotiapu Ab, Hemmet" in text and "-150,00 €" in text


async def test_the_report_when_the_companys_credit_is_still_carried_and_the_site_settled(harness: Any) -> None:
    h = harness
    march = await march_paid_to_the_company(h)
    assert h.payees(march) == {COMPANY: "900.00"}
    await credit(h, "c-1", "e-1", "-300.00")  # the company's
    await h.event("e-2", "2016-04-01", "2016-04-10", share="20.00", client_ref="A-1002",
                  producer_part="site:s-kuusela")  # 200.00, Kuusela's
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {SITE: "0.00"} and carried(april) == [(None, "-100.00", "negative_balance")]
    # Paid: 900.00 in March, nothing in April; of the company's credit 200.00 was deducted, -100.00 still carried.
    assert await realisation(h, "2016-03", "2016-05") == {"A-1001": ("700.00", "-100.00"),
                                                          "A-1002": ("200.00", "0.00")}
    assert await realisation(h, "2016-04", "2016-04") == {"A-1001": ("-200.00", "-100.00"),
                                                          "A-1002": ("200.00", "0.00")}
    assert await realisation(h, "2016-03", "2016-05", producer_part="site:s-kuusela") == {
        "A-1002": ("200.00", "0.00")}
    await withdrawn(h, "c-1", "e-1")  # Kuusela bore 200.00: its care is unsettled until May pays it back
    assert await realisation(h, "2016-03", "2016-05") == {"A-1001": ("900.00", "0.00"),
                                                          "A-1002": ("0.00", "200.00")}
    may = await h.run("2016-05")
    assert h.payees(may) == {COMPANY: "0.00", SITE: "200.00"} and carried(may) == []
    assert await realisation(h, "2016-03", "2016-05") == {"A-1001": ("900.00", "0.00"),
                                                          "A-1002": ("200.00", "0.00")}
