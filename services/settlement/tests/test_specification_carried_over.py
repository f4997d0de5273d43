"""A provider's specification says what of the provider moved to the next run, how much and why, in the
provider's language (fi, sv)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from seteli_common.clock import Month
from seteli_settlement.domain.documents import specification_pdf

from .test_specification import CREATED, flat_text

T, P1 = "kouvola", "p-paivansade"
SITE_BILLING = {
    "iban": "FI5810171000000122",
    "bic": "NDEAFIHH",
    "reference": "RF341234561",
    "email": "kuusela@paivansade.fi",
    "pdf_by_email": False,
}


async def test_site_specification_notes_the_company_amount_carried_over_without_billing(harness: Any) -> None:
    h = harness
    await h.seed(
        p1_billing=None,  # the company has no billing information; its site Kuusela has its own
        sites=[
            {"site_id": "s-1", "name": "Päivänsäde", "notification_email": "koti@paivansade.fi", "billing": None},
            {
                "site_id": "s-kuusela",
                "name": "Kuusela",
                "notification_email": "k@paivansade.fi",
                "billing": SITE_BILLING,
            },
        ],
    )
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="s-kuusela")
    await h.event("e-2", "2016-03-01", "2016-03-02", producer_part="s-1")
    run = await h.run("2016-03")
    assert h.payees(run) == {f"{P1}/s-kuusela": "900.00"}
    assert [(c["payee_name"], c["amount"]) for c in run["carried_over"]] == [("Hoivakoti Päivänsäde Oy", "180.00")]
    payment = run["payments"][0]
    response = await h.client.get(
        f"/v1/tenants/{T}/runs/{run['id']}/payments/{payment['payment_id']}/specification.pdf", headers=h.admin
    )
    assert response.status_code == 200
    text = flat_text(response.content).replace("\u00a0", " ")
    assert "Maksetaan: 900,00 €" in text
    assert "Siirtyy seuraavaan tilitykseen: Hoivakoti Päivänsäde Oy 180,00 € (laskutustiedot puuttuvat)." in text


def test_swedish_specification_notes_a_negative_balance_carried_over() -> None:
    payment = {
        "id": 7,
        "provider_id": "p-kotiapu",
        "payee_name": "Kotiapu Ab",
        "iban": "FI5810171000000122",
        "reference": None,
        "amount": Decimal("90.00"),
        "language": "sv",
    }
    line = {
        "id": 1,
        "entry": "line",
        "reverses": None,
        "kind": "event",
        "client_ref": "A-1001",
        "content_id": "hoito",
        "units": Decimal(1),
        "unit": "day",
        "unit_price": Decimal("100.00"),
        "amount": Decimal("90.00"),
        "co_payment": Decimal("10.00"),
        "start": date(2016, 3, 1),
        "end": date(2016, 3, 1),
    }
    carried = [
        {
            "provider_id": "p-kotiapu",
            "payee_name": "Kotiapu Ab, Hemmet",
            "amount": Decimal("-45.50"),
            "reason": "negative_balance",
        },
        {
            "provider_id": "p-other",
            "payee_name": "Other Oy",
            "amount": Decimal("10.00"),
            "reason": "no_billing_information",
        },
    ]
    pdf = specification_pdf(
        {"name_sv": "Kouvola stad"},
        {"business_id": "2077474-0"},
        payment,
        [line],
        [],
        Month.parse("2016-03"),
        CREATED,
        carried,
    )
    assert pdf is not None
    text = flat_text(pdf).replace("\u00a0", " ")
    assert "Betalas: 90,00 €" in text
    assert (
        "Överförs till nästa redovisning: Kotiapu Ab, Hemmet -45,50 € (gottgörelserna överstiger beloppet att "
        "betala, skillnaden dras av i nästa redovisning)." in text
    )
    assert "Other Oy" not in text  # another provider's carry-over is not this provider's business
