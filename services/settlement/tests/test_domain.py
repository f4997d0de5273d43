"""Pure rules: payee split, carry-over, totals to the cent whatever the order, the calendar."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from seteli_common.clock import Month
from seteli_settlement.domain.settling import Calendar, month_due_on, plan_provider, tenant_calendar

BILLING = {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": None, "email": None, "pdf_by_email": True}
PROVIDER = {
    "name": "Hoiva Oy",
    "language": "fi",
    "email": "info@hoiva.fi",
    "business_id": "7019376-8",
    "billing": BILLING,
}
SITES = {
    "s-own": {"id": "s-own", "name": "Kuusela", "billing": {**BILLING, "iban": "FI5810171000000122"}},
    "s-plain": {"id": "s-plain", "name": "Koivula", "billing": None},
}

amounts = st.decimals(
    min_value=Decimal("-500"), max_value=Decimal("5000"), places=2, allow_nan=False, allow_infinity=False
)
parts = st.sampled_from([None, "s-own", "site:s-own", "s-plain", "unit:9", "employee:e-1"])


@given(st.lists(st.tuples(amounts, parts), min_size=1, max_size=40), st.randoms())
def test_every_line_goes_to_exactly_one_payee_and_totals_do_not_depend_on_order(lines, rnd) -> None:  # type: ignore[no-untyped-def]
    rows = [{"id": i, "amount": a, "producer_part": p} for i, (a, p) in enumerate(lines)]
    paid, carried = plan_provider("p-1", PROVIDER, SITES, rows)
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    paid2, carried2 = plan_provider("p-1", PROVIDER, SITES, shuffled)
    groups = paid + carried
    assert sorted(ln["id"] for g in groups for ln in g.lines) == list(range(len(rows)))
    assert sum(g.amount for g in groups) == sum(a for a, _ in lines)
    assert {g.payee.key: g.amount for g in paid} == {g.payee.key: g.amount for g in paid2}
    assert {g.payee.key: g.amount for g in carried} == {g.payee.key: g.amount for g in carried2}
    for group in paid:
        assert group.amount >= 0
        # Only a site with billing of its own is a payee of its own.
        assert group.payee.site_id in (None, "s-own")
    for group in carried:
        assert group.amount < 0 and group.reason == "negative_balance"


def test_a_company_without_billing_is_carried_over_but_its_billed_site_is_paid() -> None:
    rows = [
        {"id": 1, "amount": Decimal("90.00"), "producer_part": "s-own"},
        {"id": 2, "amount": Decimal("45.50"), "producer_part": "s-plain"},
    ]
    paid, carried = plan_provider("p-1", {**PROVIDER, "billing": None}, SITES, rows)
    assert [(g.payee.key, g.amount) for g in paid] == [("p-1/s-own", Decimal("90.00"))]
    assert [(g.payee.key, g.amount, g.reason) for g in carried] == [
        ("p-1/-", Decimal("45.50"), "no_billing_information")
    ]


def test_transfer_day_follows_the_tenants_latest_service_calendar() -> None:
    calendar = tenant_calendar(
        [
            {"provider_deadline_day": 2, "approval_deadline_day": 3, "transfer_day": 4},
            {"provider_deadline_day": 2, "approval_deadline_day": 5, "transfer_day": 6},
            None,
        ]
    )
    assert calendar == Calendar(2, 5, 6)
    assert tenant_calendar([]) == Calendar(2, 3, 4)
    assert Calendar().transfer_date(Month(2016, 12)) == date(2017, 1, 4)
    assert month_due_on(date(2016, 4, 3), Calendar()) is None
    assert month_due_on(date(2016, 4, 4), Calendar()) == Month(2016, 3)
    assert month_due_on(date(2016, 1, 30), Calendar()) == Month(2015, 12)
