"""The reports one step beside their tests (review-reports): a paid event credited in the next month with its right
days recorded again; a client moved mid-month from a site paid on its own account to the company; an absence across
the month end, paid and then credited. Voucher 90.00 €/day, price 100.00 €/day: the client pays 10.00 a day."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .conftest import P1, T
from .test_ledger import interruption
from .test_money_beside import _credit
from .test_site_payees import KUUSELA, site_added


async def _realisation(h: Any, start: str, end: str, **params: str) -> list[tuple[str, ...]]:
    response = await h.client.get(f"/v1/tenants/{T}/reports/realisation",
                                  params={"from": start, "to": end, **params}, headers=h.admin)
    assert response.status_code == 200, response.text
    return [(r["client_ref"], r["units_settled"], r["amount_settled"], r["co_payment"], r["amount_unsettled"])
            for r in response.json()["items"]]


async def _absences(h: Any, start: str, end: str) -> list[tuple[Any, ...]]:
    response = await h.client.get(f"/v1/tenants/{T}/reports/interruptions",
                                  params={"from": start, "to": end}, headers=h.admin)
    assert response.status_code == 200, response.text
    return [(r["interruption_id"], r["start"], r["end"], r["days"], r["amount_tenant"], r["amount_co_payment"],
             r["credit"]) for r in response.json()["items"]]


def _settled(rows: list[tuple[str, ...]]) -> tuple[Decimal, Decimal]:
    return sum((Decimal(r[2]) for r in rows), Decimal(0)), sum((Decimal(r[3]) for r in rows), Decimal(0))


async def test_a_credited_event_recorded_again_nets_over_the_months_to_what_the_runs_paid(harness: Any) -> None:
    """March's 10 days (900.00) paid, credited in April (-900.00), the right 8 days of March recorded again (720.00)
    and paid in April's run with April's care (1350.00): the months' reports add up to the range's, and the range
    shows the money once: 900.00 + 1170.00, the client's share 80.00 + 150.00."""
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    assert (await h.run("2016-03"))["total"] == "900.00"
    await h.publish("events.credit.requested", _credit("c-1", "e-1", "-900.00", "-100.00", "2016-04"))
    await h.event("e-2", "2016-03-03", "2016-03-10")
    await h.event("e-april", "2016-04-01", "2016-04-15")
    assert (await h.run("2016-04"))["total"] == "1170.00"  # 1350.00 + 720.00 - 900.00

    both = await _realisation(h, "2016-03", "2016-04")
    assert [(r[0], r[2], r[3], r[4]) for r in both] == [("A-1001", "2070.00", "230.00", "0.00")]
    months = [_settled(await _realisation(h, m, m)) for m in ("2016-03", "2016-04")]
    assert (sum(m[0] for m in months), sum(m[1] for m in months)) == (Decimal("2070.00"), Decimal("230.00"))


async def test_a_client_moved_from_a_site_with_its_own_account_to_the_company_is_reported_per_part(
        harness: Any) -> None:
    """1-15 March at the site Kuusela (paid on its own account), from the 16th at the company: the site's report
    has the site's half only, the whole company's both, each to the cent of what its payee was paid."""
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await h.event("e-site", "2016-03-01", "2016-03-15", producer_part="site:s-kuusela")
    await h.event("e-company", "2016-03-16", "2016-03-31")
    march = await h.run("2016-03")
    assert h.payees(march) == {f"{P1}/s-kuusela": "1350.00", f"{P1}/-": "1440.00"}
    assert await _realisation(h, "2016-03", "2016-03", producer_part="site:s-kuusela") == [
        ("A-1001", "15", "1350.00", "150.00", "0.00")]
    assert await _realisation(h, "2016-03", "2016-03") == [("A-1001", "31", "2790.00", "310.00", "0.00")]
    assert await _realisation(h, "2016-03", "2016-03", producer_part="site:s-1") == []


def _day_segment(h: Any, start: str, end: str, days: int, percentage: str) -> dict[str, Any]:
    """A segment of an absence as events values it: the client's share too by the day's percentage."""
    part = h.segment(start, end, days, percentage=percentage)
    return {**part, "amount_co_payment": str(Decimal(days) * 10 * Decimal(percentage) / 100)}


async def test_an_absence_across_the_month_end_is_reported_in_its_last_month_and_its_credit_in_the_next(
        harness: Any) -> None:
    """004 §4.3.5.4: hospital 5 Nov - 8 Dec 2015, the end entered in December: November's report has no absence (its
    run paid only 1-4 Nov), December's the whole absence by Kouvola's rule (days 0-10 and the return day: 12 x 90.00,
    the client 12 x 10.00); credited in January, January's report has the credit and the three months nothing."""
    h = harness
    await h.seed()
    await h.event("e-nov", "2015-11-01", "2015-11-04")
    assert (await h.run("2015-11"))["total"] == "360.00"
    stay = interruption(h, "i-1", "2015-11-05", "2015-12-08", [
        _day_segment(h, "2015-11-05", "2015-11-15", 11, "100"), _day_segment(h, "2015-11-16", "2015-11-30", 15, "0"),
        _day_segment(h, "2015-12-01", "2015-12-07", 7, "0"), _day_segment(h, "2015-12-08", "2015-12-08", 1, "100")])
    await h.publish("events.interruption.finalised", {**stay, "revision": 1})
    await h.event("e-dec", "2015-12-08", "2015-12-31")  # 24 days: 2160.00
    assert (await h.run("2015-12"))["total"] == "3240.00"
    assert await _absences(h, "2015-11", "2015-11") == []
    whole = ("i-1", "2015-11-05", "2015-12-08", 34, "1080.00", "120.00", False)
    assert await _absences(h, "2015-12", "2015-12") == [whole]
    assert await _absences(h, "2015-11", "2015-12") == [whole]

    await h.publish("events.credit.requested", {**_credit("c-1", "i-1", "-1080.00", "-120.00", "2016-01"),
                                                "kind": "interruption"})
    await h.event("e-jan", "2016-01-01", "2016-01-31")  # 2790.00
    assert (await h.run("2016-01"))["total"] == "1710.00"
    assert await _absences(h, "2015-12", "2015-12") == [whole]  # what December paid stays December's
    assert await _absences(h, "2016-01", "2016-01") == [
        ("i-1", "2015-11-05", "2015-12-08", 34, "-1080.00", "-120.00", True)]
    assert await _absences(h, "2015-11", "2016-01") == [
        ("i-1", "2015-11-05", "2015-12-08", 34, "0.00", "0.00", False)]
    assert _settled(await _realisation(h, "2015-11", "2016-01")) == (Decimal("5310.00"), Decimal("590.00"))
