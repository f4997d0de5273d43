"""A credit of care paid to a site's own account is deducted from that site's next payment (the same account
that was paid too much); what exceeds the site's care is set off against the company's payment of the run (the
provider is one debtor, tests/test_provider_set_off.py), the rest waits as the site's negative balance, and no
negative amount ever enters the payment file."""

from __future__ import annotations

from typing import Any

from .test_site_payees import APRIL_5, KUUSELA, MAY_5, P1, lock, site_added, transfers


async def test_a_credit_of_a_sites_care_is_deducted_from_the_sites_own_payments(harness: Any) -> None:
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-kuusela")  # 900.00 to Kuusela
    march = await lock(h, "2016-03", APRIL_5)
    assert await transfers(h, march) == [(KUUSELA["iban"], "900.00")]
    await h.publish("events.credit.requested", {
        "credit_id": "c-1", "event_id": "e-1", "provider_id": P1, "producer_part": "site:s-kuusela",
        "client_ref": "A-1001", "content_id": "hoito", "service_id": "tehostettu", "amount": "-900.00",
        "reason": "väärä asiakas", "month": "2016-04", "kind": "event"})
    await h.event("e-2", "2016-04-01", "2016-04-05")  # 450.00, the company's
    await h.event("e-3", "2016-04-01", "2016-04-02", producer_part="site:s-kuusela")  # 180.00
    april = await lock(h, "2016-04", MAY_5)
    assert [(p["site_id"], p["amount"]) for p in april["payments"]] == [(None, "0.00")]  # 450.00 set off
    assert [(c["site_id"], c["amount"], c["reason"]) for c in april["carried_over"]] == [
        ("s-kuusela", "-270.00", "negative_balance")  # 180.00 - 900.00 + 450.00
    ]
    await h.event("e-4", "2016-05-01", "2016-05-10", producer_part="site:s-kuusela")  # 900.00
    may = await h.run("2016-05")
    assert await transfers(h, may) == [(KUUSELA["iban"], "630.00")]  # 900.00 - 270.00
