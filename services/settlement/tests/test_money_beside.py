"""Money paths one step beside the worked examples (review 2): a provider without billing information whose
billing arrives in the middle of the next month while a credit of its carried care is pending; a "client pays"
content beside the tenant-paid one in the realisation report; a purchased service (the tenant
pays the price) in the report. Price 100.00, tenant's share 90.00 unless said."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .conftest import P1, P2, T
from .test_runs import BILLING


def _credit(credit_id: str, event_id: str, amount: str, co_payment: str, month: str, *,
            content_id: str = "hoito") -> dict[str, Any]:
    return {"credit_id": credit_id, "event_id": event_id, "provider_id": P1, "producer_part": None,
            "client_ref": "A-1001", "content_id": content_id, "service_id": "tehostettu", "amount": amount,
            "amount_co_payment": co_payment, "reason": "väärät päivät", "month": month, "kind": "event"}


async def test_billing_arriving_mid_month_pays_the_carried_care_less_its_pending_credit_once(harness: Any) -> None:
    h = harness
    await h.seed(p1_billing=None)
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00, carried: no billing information
    march = await h.run("2016-03")
    assert [(c["amount"], c["reason"]) for c in march["carried_over"]] == [("900.00", "no_billing_information")]
    # the officer finds three days of it wrong: credit the whole event, the right days recorded again
    await h.publish("events.credit.requested", _credit("c-1", "e-1", "-900.00", "-100.00", "2016-04"))
    await h.event("e-2", "2016-03-04", "2016-03-10")  # 630.00
    h.clock.set(datetime(2016, 4, 15, 9, 0, tzinfo=UTC))
    await h.publish("registry.provider.billing_changed", {"provider_id": P1, "site_id": None, "billing": BILLING},
                    tenant_id=None)
    await h.event("e-3", "2016-04-01", "2016-04-15")  # 1350.00
    april = await h.run("2016-04")
    # 900.00 carried + 630.00 + 1350.00 - 900.00: the wrong days never reach the provider's account
    assert h.payees(april) == {f"{P1}/-": "1980.00"} and april["carried_over"] == []
    transfer = await h.client.get(f"/v1/tenants/{T}/runs/{april['id']}/payment-file", headers=h.admin)
    assert b'<InstdAmt Ccy="EUR">1980.00</InstdAmt>' in transfer.content
    assert (await h.run("2016-05"))["total"] == "0.00"  # paid once


async def test_a_credit_of_carried_care_while_billing_is_still_missing_stays_carried_net(harness: Any) -> None:
    h = harness
    await h.seed(p1_billing=None)
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00 carried
    await h.run("2016-03")
    await h.publish("events.credit.requested", _credit("c-1", "e-1", "-900.00", "-100.00", "2016-04"))
    await h.event("e-3", "2016-04-01", "2016-04-02")  # 180.00
    april = await h.run("2016-04")
    assert april["payments"] == [] and [c["amount"] for c in april["carried_over"]] == ["180.00"]
    await h.publish("registry.provider.billing_changed", {"provider_id": P1, "site_id": None, "billing": BILLING},
                    tenant_id=None)
    may = await h.run("2016-05")
    assert h.payees(may) == {f"{P1}/-": "180.00"}


async def test_client_pays_rent_beside_the_care_is_left_out_of_the_payment_and_the_report(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-care", "2016-03-01", "2016-03-31")  # 2790.00, the client 310.00
    # the rent (a month unit the client pays): never the tenant's, shown as the client's 650.00
    await h.event("e-rent", "2016-03-01", "2016-03-31", units="1", content_id="vuokra",
                  segments=[h.segment("2016-03-01", "2016-03-31", 1, "0.00", "650.00")])
    march = await h.run("2016-03")
    assert h.payees(march) == {f"{P1}/-": "2790.00"}
    report = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-03", "to": "2016-03"},
                                headers=h.admin)
    assert report.status_code == 200, report.text
    rows = {i["content_id"]: (i["amount_settled"], i["co_payment"]) for i in report.json()["items"]}
    # the report is of what the tenant settled: the rent is never settled (the client's breakdown shows it)
    assert rows == {"hoito": ("2790.00", "310.00")}
    # the rent is never settled: events never learns it paid, so no credit of it can come (events' tests)


async def test_a_purchased_service_in_the_report_is_the_price_with_no_co_payment(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-o", "2016-03-01", "2016-03-10", provider_id=P2, client_ref="O-3", share="120.00",
                  price="120.00")
    march = await h.run("2016-03")
    assert h.payees(march) == {f"{P2}/-": "1200.00"}
    report = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-03", "to": "2016-03"},
                                headers=h.admin)
    [row] = report.json()["items"]
    assert (row["client_ref"], row["units_settled"], row["amount_settled"], row["co_payment"]) == (
        "O-3", "10", "1200.00", "0.00")


async def test_a_new_decision_after_the_month_was_paid_is_settled_as_the_difference(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-feb", "2016-02-01", "2016-02-29", share="140.00", price="155.00")  # 4060.00
    assert h.payees(await h.run("2016-02")) == {f"{P1}/-": "4060.00"}
    # a new decision: 145.00 €/day from 16 February; events clips the paid event to the old voucher's last day
    await h.event("e-feb", "2016-02-01", "2016-02-15", share="140.00", price="155.00", revision=2,
                  corrected=True)  # 2100.00
    await h.event("e-new", "2016-02-16", "2016-02-29", share="145.00", price="155.00")  # 2030.00
    await h.event("e-mar", "2016-03-01", "2016-03-31", share="145.00", price="155.00")  # 4495.00
    march = await h.run("2016-03")
    # 4495.00 + 2030.00 + 2100.00 - 4060.00: February's difference of 14 x 5.00 with March's care
    assert h.payees(march) == {f"{P1}/-": "4565.00"}
    report = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-02", "to": "2016-03"},
                                headers=h.admin)
    assert report.status_code == 200, report.text
    # February's 29 days once (15 + 14, the reversed 29 taken off) and March's 31; the client 15 x 15.00 +
    # 14 x 10.00 in February and 31 x 10.00 in March
    [row] = report.json()["items"]
    assert (row["units_settled"], row["amount_settled"], row["co_payment"]) == ("60", "8625.00", "675.00")


async def test_a_sites_billing_arriving_mid_month_pays_its_carried_care_less_its_pending_credit(harness: Any) -> None:
    h = harness
    await h.seed(p1_billing=None)  # neither the company nor its site has billing information
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-1")  # 900.00, carried
    march = await h.run("2016-03")
    # a site without billing of its own is the company's payee
    assert [(c["site_id"], c["amount"]) for c in march["carried_over"]] == [(None, "900.00")]
    credit = _credit("c-1", "e-1", "-900.00", "-100.00", "2016-04")
    await h.publish("events.credit.requested", {**credit, "producer_part": "site:s-1"})
    await h.event("e-2", "2016-03-04", "2016-03-10", producer_part="site:s-1")  # 630.00
    h.clock.set(datetime(2016, 4, 15, 9, 0, tzinfo=UTC))
    await h.publish("registry.provider.billing_changed", {"provider_id": P1, "site_id": "s-1", "billing": BILLING},
                    tenant_id=None)
    await h.event("e-3", "2016-04-01", "2016-04-15")  # 1350.00 of the company: still no billing, carried
    april = await h.run("2016-04")
    # the site's own account now: its carried 900.00 + 630.00 - the credit 900.00
    assert h.payees(april) == {f"{P1}/s-1": "630.00"}
    assert [(c["site_id"], c["amount"]) for c in april["carried_over"]] == [(None, "1350.00")]
