"""A payee without billing information whose care has ended (the client left, or the provider's approval ended
and it records nothing more): its carried amount waits, run after run, and is paid whole, once, in the first
run after billing information arrives, though that run has no care of the provider of its own."""

from __future__ import annotations

from typing import Any

from .conftest import P1, P2, T
from .test_runs import BILLING


async def test_a_carried_amount_with_no_later_care_is_paid_once_billing_arrives(harness: Any) -> None:
    h = harness
    await h.seed(p1_billing=None)
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00, the provider's last care
    march = await h.run("2016-03")
    assert [(c["amount"], c["reason"]) for c in march["carried_over"]] == [("900.00", "no_billing_information")]
    april = await h.run("2016-04")  # nothing new: still carried, still 900.00
    assert april["payments"] == [] and [(c["amount"], c["line_count"]) for c in april["carried_over"]] == [
        ("900.00", 1)
    ]
    await h.publish("registry.provider.billing_changed", {"provider_id": P1, "site_id": None, "billing": BILLING},
                    tenant_id=None)
    may = await h.run("2016-05")
    assert h.payees(may) == {f"{P1}/-": "900.00"} and may["carried_over"] == []
    assert [(ln["event_id"], ln["start"]) for ln in may["payments"][0]["lines"]] == [("e-1", "2016-03-01")]
    payment_file = await h.client.get(f"/v1/tenants/{T}/runs/{may['id']}/payment-file", headers=h.admin)
    assert payment_file.status_code == 200 and b"900.00" in payment_file.content
    assert (await h.run("2016-06"))["total"] == "0.00"  # paid once


async def test_a_credit_larger_than_the_next_payment_never_puts_a_negative_amount_in_the_payment_file(
    harness: Any,
) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-31")  # 2790.00, paid in March
    await h.run("2016-03")
    await h.publish("events.credit.requested", {
        "credit_id": "c-1", "event_id": "e-1", "provider_id": P1, "producer_part": None, "client_ref": "A-1001",
        "content_id": "hoito", "service_id": "tehostettu", "amount": "-2790.00", "reason": "väärä asiakas",
        "month": "2016-04"})
    await h.event("e-2", "2016-04-01", "2016-04-10")  # 900.00: 1890.00 short
    await h.event("e-3", "2016-04-01", "2016-04-02", provider_id=P2, client_ref="B-1")  # 180.00
    april = await h.run("2016-04")
    assert h.payees(april) == {f"{P2}/-": "180.00"}
    assert [(c["provider_id"], c["amount"], c["reason"]) for c in april["carried_over"]] == [
        (P1, "-1890.00", "negative_balance")
    ]
    payment_file = await h.client.get(f"/v1/tenants/{T}/runs/{april['id']}/payment-file", headers=h.admin)
    assert payment_file.status_code == 200
    body = payment_file.content
    assert body.count(b"<CdtTrfTxInf>") == 1 and b'<InstdAmt Ccy="EUR">180.00</InstdAmt>' in body
    assert body.count(b"<CtrlSum>180.00</CtrlSum>") >= 1 and b"-1890.00" not in body
    await h.event("e-4", "2016-05-01", "2016-05-31")  # 2790.00 - 1890.00
    assert h.payees(await h.run("2016-05")) == {f"{P1}/-": "900.00"}
