"""The reports against the runs (money-hunt-3): over the months of the runs, the realisation report's settled
amounts are what the runs paid, to the cent, and its CSV is its JSON; the interruptions report's amounts are what
the runs paid for the interruptions. A month with a voucher stay, a purchased stay (the tenant pays the price), an
absence paid by the rule and a site's care carried for want of billing; the next month a credit of the stay and
the site's billing arriving."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from .conftest import P1, P2, T
from .test_ledger import interruption
from .test_site_payees import KUUSELA, billing_changed, site_added


async def _report(h: Any, name: str, **params: str) -> Any:
    response = await h.client.get(f"/v1/tenants/{T}/reports/{name}",
                                  params={"from": "2016-02", "to": "2016-03", **params}, headers=h.admin)
    assert response.status_code == 200, response.text
    return response


def _paid(runs: list[dict[str, Any]], kind: str | None = None) -> Decimal:
    return sum((Decimal(ln["amount"]) for run in runs for p in run["payments"] for ln in p["lines"]
                if kind is None or ln["kind"] == kind), Decimal("0.00"))


async def test_the_reports_of_the_run_months_add_up_to_what_the_runs_paid(harness: Any) -> None:
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", None)
    await h.event("e-1", "2016-02-01", "2016-02-10")  # 900.00
    await h.event("e-o", "2016-02-01", "2016-02-10", provider_id=P2, client_ref="O-3", share="120.33",
                  price="120.33")  # 1203.30, the price
    await h.publish("events.interruption.finalised", interruption(
        h, "i-1", "2016-02-11", "2016-02-24",
        [h.segment("2016-02-11", "2016-02-21", 11), h.segment("2016-02-22", "2016-02-24", 3, percentage="33.33")]))
    await h.event("e-s", "2016-02-01", "2016-02-03", share="45.55", client_ref="A-1002",
                  producer_part="site:s-kuusela")  # 136.65, carried: the site has no billing
    february = await h.run("2016-02")
    await h.publish("events.credit.requested", {
        "credit_id": "c-1", "event_id": "e-1", "provider_id": P1, "producer_part": None, "client_ref": "A-1001",
        "content_id": "hoito", "service_id": "tehostettu", "amount": "-900.00", "amount_co_payment": "-100.00",
        "reason": "väärät päivät", "month": "2016-03", "kind": "event"})
    await billing_changed(h, "s-kuusela", KUUSELA)
    await h.event("e-2", "2016-03-01", "2016-03-31")  # 2790.00
    march = await h.run("2016-03")
    runs = [february, march]
    assert sum(Decimal(r["total"]) for r in runs) == _paid(runs)
    realisation = (await _report(h, "realisation")).json()["items"]
    assert sum(Decimal(r["amount_settled"]) for r in realisation) == _paid(runs)
    assert all(r["amount_unsettled"] == "0.00" for r in realisation)
    as_csv = list(csv.DictReader(io.StringIO((await _report(h, "realisation", format="csv")).text)))
    assert as_csv == realisation
    away = (await _report(h, "interruptions")).json()["items"]
    # 11 x 90.00 + 3 x 90.00 x 33.33 % (89.99)
    assert [r["amount_tenant"] for r in away] == ["1079.99"]
    assert sum(Decimal(r["amount_tenant"]) for r in away) == _paid(runs, "interruption")
