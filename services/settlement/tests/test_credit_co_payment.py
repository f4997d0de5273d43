"""A credit takes back the credited event's co-payment too, as a reversal does: the event was wrong, so the
provider bills its client nothing for it. The specification and the realisation report then show the client's
co-payment of the corrected care once, never the wrong event's beside it. (Price 100.00, tenant's share 90.00:
the client pays 10.00 a day.)"""

from __future__ import annotations

from typing import Any

from .conftest import P1, T
from .test_specification import flat_text


def _credit(amount: str, co_payment: str | None) -> dict[str, Any]:
    credit = {"credit_id": "c-1", "event_id": "e-wrong", "provider_id": P1, "producer_part": None,
              "client_ref": "A-1001", "content_id": "hoito", "service_id": "tehostettu", "amount": amount,
              "reason": "Asiakas tuli vasta 3.3.", "month": "2016-04", "kind": "event"}
    if co_payment is not None:
        credit["amount_co_payment"] = co_payment
    return credit


async def test_a_credit_takes_back_the_credited_events_co_payment_in_the_specification_and_report(
    harness: Any,
) -> None:
    h = harness
    await h.seed()
    await h.event("e-wrong", "2016-03-01", "2016-03-10")  # 900.00, the client 100.00
    march = await h.run("2016-03")
    assert h.payees(march) == {f"{P1}/-": "900.00"}
    await h.publish("events.credit.requested", _credit("-900.00", "-100.00"))
    await h.event("e-right", "2016-03-03", "2016-03-10")  # the right days: 720.00, the client 80.00
    await h.event("e-april", "2016-04-01", "2016-04-30")  # 2700.00, the client 300.00
    april = await h.run("2016-04")
    assert h.payees(april) == {f"{P1}/-": "2520.00"}  # 720.00 + 2700.00 - 900.00
    payment = april["payments"][0]
    assert sorted((ln["kind"], ln["amount"], ln["co_payment"]) for ln in payment["lines"]) == [
        ("credit", "-900.00", "-100.00"),
        ("event", "2700.00", "300.00"),
        ("event", "720.00", "80.00"),
    ]
    pdf = await h.client.get(
        f"/v1/tenants/{T}/runs/{april['id']}/payments/{payment['payment_id']}/specification.pdf", headers=h.admin
    )
    text = flat_text(pdf.content).replace("\u00a0", " ")
    assert "Yhteensä 2 520,00 € 280,00 €" in text  # co-payments: 80.00 - 100.00 + 300.00
    report = await h.client.get(
        f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-03", "to": "2016-04"}, headers=h.admin
    )
    assert [(i["units_settled"], i["amount_settled"], i["co_payment"]) for i in report.json()["items"]] == [
        ("48", "3420.00", "380.00")  # 8 + 30 days of care given; the client pays 80.00 + 300.00
    ]


async def test_a_credit_from_a_publisher_that_does_not_say_its_co_payment_takes_back_none(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-wrong", "2016-03-01", "2016-03-10")
    await h.run("2016-03")
    await h.publish("events.credit.requested", _credit("-900.00", None))
    await h.event("e-april", "2016-04-01", "2016-04-30")
    april = await h.run("2016-04")
    assert sorted((ln["kind"], ln["co_payment"]) for ln in april["payments"][0]["lines"]) == [
        ("credit", "0.00"), ("event", "300.00")
    ]
