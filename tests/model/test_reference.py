"""The reference model itself, on the worked examples of shared/domain.md (seed 004 §4.3.5.1, §4.3.5.4,
§4.3.5.6, §4.3.8, price lists §1.3.7) and the rounding rule of libs/common money.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from decimal import Decimal
from fractions import Fraction

from generator import Content, Event, History, Interruption, PriceList, Provider, Site, Voucher, generate, schedule
from reference import expected, round_cents

CONTENTS = (Content("care", "day"), Content("help", "hour"))


def history(first: date, months: int, price_lists: list[PriceList], vouchers: list[Voucher], events: list[Event],
            interruptions: list[Interruption] = (), providers: tuple[Provider, ...] | None = None) -> History:  # type: ignore[assignment]
    return History(0, frozenset(), first, months, providers or (Provider("p0", 0, ()),), CONTENTS,
                   tuple(price_lists), tuple(vouchers), tuple(events), tuple(interruptions))


def care(value: str, start: date, end: date, part: str | None = None) -> Voucher:
    return Voucher("v", "c", "p0", part, "care", Decimal(value), Decimal(31), "month", start, end)


def help_(value: str, amount: int, period: str, start: date, end: date) -> Voucher:
    return Voucher("h", "c", "p0", None, "help", Decimal(value), Decimal(amount), period, start, end)  # type: ignore[arg-type]


def prices(care_price: str, help_price: str = "32.55") -> dict[str, Decimal]:
    return {"care": Decimal(care_price), "help": Decimal(help_price)}


def test_interruption_within_a_month_kouvola_rule() -> None:
    """004 §4.3.5.1: present 07-01, hospital 07-02..07-17, present 07-17..07-31. Paid: 07-01, the departure
    day and days 1-10, the return day once (the presence event does not pay it again), 07-18..07-31:
    27 days at the voucher value 140.00 (price 150.00): 3780.00; the client's share 27 x 10.00."""
    h = history(date(2015, 7, 1), 1, [PriceList("p0", None, date(2015, 1, 1), prices("150.00"))],
                [care("140.00", date(2015, 7, 1), date(2015, 7, 31))],
                [Event("e1", "v", date(2015, 7, 1), date(2015, 7, 1)),
                 Event("e2", "v", date(2015, 7, 17), date(2015, 7, 31))],
                [Interruption("i", "v", date(2015, 7, 2), date(2015, 7, 17), "hospital")])
    out = expected(h)
    assert out.runs[0] == (0, [("p0", "p0", "3780.00")], [])
    assert out.co_payments == {"c/care": "270.00"}


def test_interruption_across_months_is_paid_in_the_month_it_ended() -> None:
    """004 §4.3.5.4: interruption 11-05..12-08. November's run pays 11-01..11-04; December's pays the
    interruption by the rule (11-05..11-15 and the return day 12-08: 12 days) and December's presence
    12-09..12-31 (23 days)."""
    h = history(date(2015, 11, 1), 2, [PriceList("p0", None, date(2015, 1, 1), prices("150.00"))],
                [care("140.00", date(2015, 11, 1), date(2015, 12, 31))],
                [Event("e1", "v", date(2015, 11, 1), date(2015, 11, 4)),
                 Event("e2", "v", date(2015, 12, 8), date(2015, 12, 31))],
                [Interruption("i", "v", date(2015, 11, 5), date(2015, 12, 8), "hospital")])
    out = expected(h)
    assert out.runs[0] == (0, [("p0", "p0", "560.00")], [])
    assert out.runs[1] == (1, [("p0", "p0", f"{35 * 140}.00")], [])
    kinds = [step[0] for step in schedule(h)]
    assert kinds.index("start_interruption") < kinds.index("run") < kinds.index("end_interruption")


def _over_limit_week(decision: str) -> History:
    """004 §4.3.5.6: 10 h/week granted; 2 h + 2 h 15 + 2 h + 2 h 15 + 2 h = 10 h 30: the last goes to approval."""
    times = [(7, time(10), time(12)), (8, time(9), time(11, 15)), (9, time(9, 30), time(11, 30)),
             (10, time(9, 15), time(11, 30)), (11, time(10), time(12))]
    events = [Event(f"e{d}", "h", date(2016, 3, d), date(2016, 3, d), a, b,
                    decision if d == 11 else "approve") for d, a, b in times]  # type: ignore[arg-type]
    return history(date(2016, 3, 1), 1, [PriceList("p0", None, date(2016, 1, 1), prices("150.00", "32.55"))],
                   [help_("30.00", 10, "week", date(2016, 3, 1), date(2016, 3, 31))], events)


def test_over_limit_event_approved_rejected_or_credited() -> None:
    approved, rejected, credited = (expected(_over_limit_week(d)) for d in ("approve", "reject", "approve_and_credit"))
    assert approved.over_limit == rejected.over_limit == credited.over_limit == {"e11"}
    assert approved.runs[0][1] == [("p0", "p0", "315.00")]  # 10.5 h x 30.00
    assert rejected.runs[0][1] == [("p0", "p0", "255.00")]  # 8.5 h: the rejected event disappears
    # approved and credited on the 1st of April, before March's run: the credit of the whole event (2 h x 30.00)
    # goes into the next run not yet made, March's, which pays the event too (as when decided within March)
    assert credited.runs[0][1] == [("p0", "p0", "255.00")]
    assert credited.runs[1] == (1, [], [])
    assert approved.co_payments == {"c/help": "26.78"}  # per line: 3 x 5.10 + 2 x 5.74 (2 h 15 x 2.55 = 5.7375)


def test_credit_is_deducted_in_the_next_month() -> None:
    """004 §4.3.8: April, three events of 20.00, one wrong: April pays 60.00; the credit -20.00 is deducted
    from May's payment (May: two events of 20.00 -> 20.00)."""
    days = [date(2016, 4, 4), date(2016, 4, 5), date(2016, 4, 6), date(2016, 5, 2), date(2016, 5, 3)]
    events = [Event(f"e{i}", "h", d, d, time(10), time(11), credit=(i == 1)) for i, d in enumerate(days)]
    h = history(date(2016, 4, 1), 2, [PriceList("p0", None, date(2016, 1, 1), prices("150.00", "20.00"))],
                [help_("25.00", 40, "month", date(2016, 4, 1), date(2016, 5, 31))], events)
    out = expected(h)
    assert out.runs[0] == (0, [("p0", "p0", "60.00")], [])
    assert out.credits_accepted == {"e1": True}
    assert out.runs[1] == (1, [("p0", "p0", "20.00")], [])


def test_price_list_by_the_event_date() -> None:
    """A list from 2015-01-01 and another from 2016-01-01: days in 2015 use the first even when recorded
    in January 2016; the voucher value (200.00) is higher than the prices, so the tenant pays the price."""
    h = history(date(2015, 12, 1), 2,
                [PriceList("p0", None, date(2015, 1, 1), prices("100.00")),
                 PriceList("p0", None, date(2016, 1, 1), prices("110.00"))],
                [care("200.00", date(2015, 12, 1), date(2016, 1, 31))],
                [Event("e1", "v", date(2015, 12, 30), date(2015, 12, 31)),
                 Event("e2", "v", date(2016, 1, 1), date(2016, 1, 2))])
    out = expected(h)
    assert out.runs[0][1] == [("p0", "p0", "200.00")]
    assert out.runs[1][1] == [("p0", "p0", "220.00")]
    assert out.co_payments == {"c/care": "0.00"}


def test_site_with_own_billing_is_its_own_payee_and_a_provider_without_billing_is_carried_over() -> None:
    provider = Provider("p0", 1, (Site("s1", True, True), Site("s2", False, False)))
    vouchers = [Voucher("a", "c1", "p0", "s1", "care", Decimal("140.00"), Decimal(31), "month",
                        date(2016, 3, 1), date(2016, 4, 30)),
                Voucher("b", "c2", "p0", "s2", "care", Decimal("140.00"), Decimal(31), "month",
                        date(2016, 3, 1), date(2016, 4, 30))]
    events = [Event("e1", "a", date(2016, 3, 1), date(2016, 3, 10)),
              Event("e2", "b", date(2016, 3, 1), date(2016, 3, 2))]
    h = history(date(2016, 3, 1), 2, [PriceList("p0", None, date(2016, 1, 1), prices("150.00")),
                                      PriceList("p0", "s1", date(2016, 1, 1), prices("130.00"))],
                vouchers, events, providers=(provider,))
    out = expected(h)
    # s1 prices at its own list (130.00 < voucher value) and is paid to its own account; s2 is the
    # company's, which has no billing in March: carried over, paid in April's run
    assert out.runs[0] == (0, [("p0/s1", "p0/s1", "1300.00")], [("p0", "280.00")])
    assert out.runs[1] == (1, [("p0", "p0", "280.00")], [])


def test_rounding_half_away_from_zero_once_per_line() -> None:
    assert round_cents(Fraction(27125, 1000)) == Decimal("27.13")  # 50 min at 32.55 €/h
    assert round_cents(Fraction(5, 6) * Fraction(3255, 100)) == Decimal("27.13")
    assert round_cents(Fraction(-1, 8)) == Decimal("-0.13")
    assert round_cents(Fraction(1, 1000)) == Decimal("0.00")
    assert round_cents(Fraction(-1, 1000)) == Decimal("0.00")


def test_generation_is_deterministic_and_schedules_every_month_plus_one() -> None:
    a, b = generate(7), generate(7)
    assert a == b
    runs = [(index, tenant) for kind, index, tenant in schedule(a) if kind == "run"]
    assert runs == [(i, t) for i in range(a.months + 1) for t in range(a.tenants)]


def test_an_event_that_reaches_the_grant_exactly_is_not_over_the_limit() -> None:
    """Only more than the grant goes to manual approval: 2 h 55 + 1 h 55 + 1 h 15 + 1 h 10 + 1 h 50 +
    2 h 35 + 2 h 40 + 2 h 40 = 17 h, then 3 h: exactly 20 h of 20 h/month (units like 2.91666… h are
    summed exactly, not as rounded decimals); the next hour is over."""
    spans = [(1, (10, 30), (13, 25)), (5, (8, 15), (10, 10)), (6, (8, 5), (9, 20)), (7, (10, 30), (11, 40)),
             (8, (9, 10), (11, 0)), (11, (11, 25), (14, 0)), (15, (10, 45), (13, 25)), (19, (11, 55), (14, 35)),
             (20, (8, 10), (11, 10)), (22, (9, 0), (10, 0))]
    events = [Event(f"e{d}", "h", date(2025, 8, d), date(2025, 8, d), time(*a), time(*b)) for d, a, b in spans]
    h = history(date(2025, 8, 1), 1, [PriceList("p0", None, date(2025, 1, 1), prices("150.00", "30.70"))],
                [help_("37.19", 20, "month", date(2025, 8, 1), date(2025, 8, 31))], events)
    assert expected(h).over_limit == {"e22"}


def test_a_content_the_client_pays_from_a_date_is_valued_by_each_event_first_day() -> None:
    """Care becomes client-paid from 2016-03-10 (a scheduled change): the event 03-01..03-12 starts before the
    date, so the tenant pays all its 12 days at the voucher value; the event 03-13..03-31 starts after it: the
    client pays its whole price, the tenant nothing, and there is nothing of it the tenant could credit."""
    h = history(date(2016, 3, 1), 1, [PriceList("p0", None, date(2016, 1, 1), prices("150.00"))],
                [care("140.00", date(2016, 3, 1), date(2016, 3, 31))],
                [Event("e1", "v", date(2016, 3, 1), date(2016, 3, 12)),
                 Event("e2", "v", date(2016, 3, 13), date(2016, 3, 31), credit=True)])
    out = expected(replace(h, pays_change=("care", date(2016, 3, 10))))
    assert out.runs[0] == (0, [("p0", "p0", f"{12 * 140}.00")], [])
    assert out.co_payments == {"c/care": f"{12 * 10 + 19 * 150}.00"}
    assert out.credits_accepted == {"e2": False}


def test_an_ended_content_refuses_what_ends_on_or_after_its_end_and_pays_what_lies_before() -> None:
    """Care ended from 2016-03-20: the event 03-01..03-19 is paid; 03-15..03-20 (its last day on the end) and an
    absence departing on the end day are refused; an absence that departed before it is paid by the rule."""
    h = history(date(2016, 3, 1), 1, [PriceList("p0", None, date(2016, 1, 1), prices("150.00"))],
                [care("140.00", date(2016, 3, 1), date(2016, 3, 31))],
                [Event("e1", "v", date(2016, 3, 1), date(2016, 3, 9)),
                 Event("e2", "v", date(2016, 3, 12), date(2016, 3, 19)),
                 Event("e3", "v", date(2016, 3, 21), date(2016, 3, 31))],
                [Interruption("i1", "v", date(2016, 3, 10), date(2016, 3, 12), "hospital"),
                 Interruption("i2", "v", date(2016, 3, 20), date(2016, 3, 21), "hospital")])
    out = expected(replace(h, content_end=("care", date(2016, 3, 20))))
    assert set(out.refused) == {"e3", "i2"}
    assert out.runs[0] == (0, [("p0", "p0", f"{(9 + 3 + 7) * 140}.00")], [])  # 03-12 once (the return day)


def test_turning_interruption_approval_off_releases_the_waiting_ones_as_approved() -> None:
    """The tenant approves interruptions; March's stays undecided (not paid in March's run); the tenant turns
    the setting off on 1 April: it is released as approved and paid by April's run, and April's interruption
    does not wait."""
    h = history(date(2016, 3, 1), 2, [PriceList("p0", None, date(2016, 1, 1), prices("150.00"))],
                [care("140.00", date(2016, 3, 1), date(2016, 4, 30))], [],
                [Interruption("i1", "v", date(2016, 3, 10), date(2016, 3, 12), "hospital", decision="pending"),
                 Interruption("i2", "v", date(2016, 4, 10), date(2016, 4, 11), "hospital", decision="pending")])
    out = expected(replace(h, approving=frozenset({0}), approval_changes=((0, 1, False),)))
    assert out.interruptions_waiting == {"i1"}
    assert out.runs[0] == (0, [], [])
    assert out.runs[1] == (1, [("p0", "p0", f"{(3 + 2) * 140}.00")], [])
    kinds = [step[0] for step in schedule(replace(h, approving=frozenset({0}), approval_changes=((0, 1, False),)))]
    assert kinds.index("approval_setting") < kinds.index("start_interruption", kinds.index("run"))


def test_auto_recording_drafts_the_month_and_pays_only_what_is_confirmed() -> None:
    """004 §4.3.2: February's care recorded by hand (the first event is manual); on 4 March a draft for the whole
    of March (31 days), on 4 April one for April clipped to the validity (to 04-20). March's draft confirmed is paid
    by March's run (31 x 140.00); April's left unconfirmed is never paid. A second client away in hospital from
    02-20 with no return day by 4 March (an open interruption) gets no draft: March is recorded by hand."""
    h = replace(history(date(2016, 2, 1), 3, [PriceList("p0", None, date(2015, 1, 1), prices("150.00"))],
                        [care("140.00", date(2016, 2, 1), date(2016, 4, 20)),
                         replace(care("140.00", date(2016, 2, 1), date(2016, 4, 30)), key="w", client="d")],
                        [Event("e1", "v", date(2016, 2, 1), date(2016, 2, 29)),
                         Event("e2", "v", date(2016, 3, 1), date(2016, 3, 31)),  # not recorded: March's draft is it
                         Event("f1", "w", date(2016, 2, 1), date(2016, 2, 19)),
                         Event("f2", "w", date(2016, 3, 10), date(2016, 3, 31))],
                        [Interruption("i", "w", date(2016, 2, 20), date(2016, 3, 10), "hospital")]),
                auto_recording=True, confirm_all=False, draft_decisions=(("v", 2, "leave", 0),))
    out = expected(h)
    assert {(m, v, a, b) for m, v, a, b, _, _ in out.drafts} == {
        (1, "v", "2016-03-01", "2016-03-31"), (2, "v", "2016-04-01", "2016-04-20"),
        (2, "w", "2016-04-01", "2016-04-30")}
    # March: v's draft 31 days; w: the stay, paid in March, 02-20..03-01 (days 0-10) and the return day 03-10 at
    # 100 % (03-02..03-09 at 0 %): 12 days; the presence from 03-10 pays 03-11..03-31, 21 days
    assert out.runs[1] == (1, [("p0", "p0", f"{(31 + 12 + 21) * 140}.00")], [])
    assert out.runs[2] == (2, [("p0", "p0", f"{30 * 140}.00")], [])  # w's April confirmed; v's April left
