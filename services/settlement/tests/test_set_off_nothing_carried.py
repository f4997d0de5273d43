"""A payee that cannot be paid (a site not known here yet, a company without billing information) whose credit was
set off and then withdrawn has nothing left to carry: its set-off and what was given back of it net to zero and no
line of it is open. The officer's run page, the preview and the other payees' specifications show no 0.00 carry-over
row for it (a carry-over row says money waits; none does)."""

from __future__ import annotations

from typing import Any

from .test_provider_set_off import COMPANY, carried, spec_text, withdrawn
from .test_site_payees import MAY_5, P1, lock


async def test_a_withdrawn_credit_of_a_site_not_known_leaves_no_zero_carry_over_row(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.publish("events.credit.requested", {  # a site settlement has not heard of yet (no account known)
        "credit_id": "c-1", "event_id": "e-0", "provider_id": P1, "producer_part": "site:s-uusi",
        "client_ref": "A-1001", "content_id": "hoito", "service_id": "tehostettu", "amount": "-300.00",
        "reason": "väärä asiakas", "month": "2016-04", "kind": "event"})
    await h.event("e-2", "2016-04-01", "2016-04-10", share="20.00", client_ref="A-1002")  # 200.00, the company's
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "0.00"} and carried(april) == [("s-uusi", "-100.00", "site_not_known")]
    await withdrawn(h, "c-1", "e-0")
    await h.event("e-3", "2016-05-01", "2016-05-10", share="20.00", client_ref="A-1002")  # 200.00, the company's
    h.month_ended("2016-05")
    preview = await h.run("2016-05", dry_run=True)
    assert h.payees(preview) == {COMPANY: "400.00"} and carried(preview) == []
    may = await h.run("2016-05")
    assert h.payees(may) == {COMPANY: "400.00"} and carried(may) == []  # the 200.00 deducted in April back
    company = await spec_text(h, may, COMPANY)
    assert "Maksetaan: 400,00 €" in company and "Siirtyy seuraavaan tilitykseen" not in company
    await h.event("e-4", "2016-06-01", "2016-06-01", share="20.00", client_ref="A-1002")  # 20.00
    june = await h.run("2016-06")
    assert h.payees(june) == {COMPANY: "20.00"} and carried(june) == [] and june["set_offs"] == []


async def test_a_withdrawn_credit_of_a_company_without_billing_leaves_no_zero_carry_over_row(harness: Any) -> None:
    from .test_provider_set_off import SITE, credit
    from .test_site_payees import KUUSELA, site_added

    h = harness
    await h.seed(p1_billing=None)
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await credit(h, "c-1", "e-0", "-300.00")  # the company's, which has no billing information
    await h.event("e-2", "2016-04-01", "2016-04-10", share="20.00", client_ref="A-1002",
                  producer_part="site:s-kuusela")  # 200.00, Kuusela's
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {SITE: "0.00"} and carried(april) == [(None, "-100.00", "no_billing_information")]
    await withdrawn(h, "c-1", "e-0")
    may = await h.run("2016-05")
    assert h.payees(may) == {SITE: "200.00"} and carried(may) == []  # Kuusela's 200.00 back, nothing carried
    site = await spec_text(h, may, SITE)
    assert "Maksetaan: 200,00 €" in site and "Siirtyy seuraavaan tilitykseen" not in site
