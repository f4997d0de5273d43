"""Money one step beside the worked examples: a supplementary run of a month after a correction of care it paid,
billing changing between runs, a credit followed by a corrected event, a month not ended yet, facts heard out of
order. Each asserts what a user sees: the run page's payments, the payment file, the specification's total.
Price 100.00, the tenant's share 90.00 a day unless said."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from .conftest import P1, P2
from .test_provider_set_off import COMPANY, SITE, carried, credit, spec_text
from .test_set_off_withdrawn_mid_run import worked
from .test_site_payees import (
    APRIL_5,
    COMPANY_IBAN,
    KOIVULA,
    KUUSELA,
    MAY_5,
    T,
    billing_changed,
    site_added,
    transfers,
)

KUUSELA_PART = "site:s-kuusela"
JUNE_5 = datetime(2016, 6, 5, 7, 0, tzinfo=UTC)


def to_be_paid(text: str) -> Decimal:
    """The specification's "to be paid" (fi Maksetaan, sv Betalas) as a number."""
    found = re.search(r"(?:Maksetaan|Betalas): (-?[\d ]+,\d\d) €", text)
    assert found, text
    return Decimal(found.group(1).replace(" ", "").replace(",", "."))


async def line_total(h: Any, event_id: str) -> str:
    lines = await h.client.get(f"/v1/tenants/{T}/events/{event_id}/lines", headers=h.admin)
    assert lines.status_code == 200, lines.text
    return str(sum((Decimal(ln["amount"]) for ln in lines.json()["items"]), Decimal("0.00")))


async def payee_of(h: Any, level: str) -> tuple[str | None, str, str]:
    """(producer part, payee key, IBAN) of the company, or of its site Kuusela with an account of its own."""
    if level == "company":
        return None, COMPANY, COMPANY_IBAN
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    return KUUSELA_PART, SITE, KUUSELA["iban"]


async def credit_of(h: Any, credit_id: str, event_id: str, amount: str, part: str | None, month: str) -> None:
    await h.publish("events.credit.requested", {
        "credit_id": credit_id, "event_id": event_id, "provider_id": P1, "producer_part": part,
        "client_ref": "A-1001", "content_id": "hoito", "service_id": "tehostettu", "amount": amount,
        "reason": "yli myönnetyn", "month": month, "kind": "event"})


async def lock(h: Any, month: str, at: datetime) -> dict[str, Any]:
    """The officer previews the month, then locks it: the run pays what the preview showed."""
    h.clock.set(at)
    preview = await h.run(month, dry_run=True)
    run: dict[str, Any] = await h.run(month)
    assert (h.payees(run), run["total"], carried(run)) == (h.payees(preview), preview["total"], carried(preview))
    return run


async def march_paid(h: Any, level: str) -> tuple[str | None, str, str]:
    """March's run pays e-1 (1.-10.3., 900.00) to the company or to its site: (producer part, payee key, IBAN)."""
    await h.seed()
    part, payee, iban = await payee_of(h, level)
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part=part)  # 900.00
    assert h.payees(await lock(h, "2016-03", APRIL_5)) == {payee: "900.00"}
    return part, payee, iban


async def paid_alike(h: Any, run: dict[str, Any], payee: str, iban: str, amount: str) -> None:
    """The run pays `amount` to the payee alone and carries nothing; its payment file and the specification agree."""
    assert h.payees(run) == {payee: amount} and carried(run) == []
    assert await transfers(h, run) == [(iban, amount)]
    assert to_be_paid(await spec_text(h, run, payee)) == Decimal(amount)


async def paid_to_koivulas_account(h: Any, run: dict[str, Any], amount: str) -> None:
    """The site is paid `amount` on its new account (Koivula's) in the file, and its specification says so."""
    assert await transfers(h, run) == [(KOIVULA["iban"], amount)]
    site = await spec_text(h, run, SITE)
    assert to_be_paid(site) == Decimal(amount) and "FI49 5000 9420 0287 30" in site


LEVELS = pytest.mark.parametrize("level", ["company", "site"])


@LEVELS
async def test_a_second_run_of_a_month_pays_only_a_correction_of_care_its_first_run_paid(
    harness: Any, level: str
) -> None:
    h = harness
    part, payee, iban = await march_paid(h, level)
    # the provider had two more days: events corrects the event before it heard March was paid
    await h.event("e-1", "2016-03-01", "2016-03-12", revision=2, corrected=True, producer_part=part)  # 1080.00
    again = await h.run("2016-03")  # the officer's supplementary run of March
    await paid_alike(h, again, payee, iban, "180.00")
    assert (await h.run("2016-03"))["payments"] == []
    assert (await lock(h, "2016-04", MAY_5))["payments"] == []
    assert await line_total(h, "e-1") == "1080.00"


@LEVELS
async def test_a_second_run_of_a_month_deducts_a_shortened_event_from_care_recorded_late(
    harness: Any, level: str
) -> None:
    h = harness
    part, payee, iban = await march_paid(h, level)
    await h.event("e-1", "2016-03-01", "2016-03-08", revision=2, corrected=True, producer_part=part)  # 720.00
    await h.event("e-2", "2016-03-20", "2016-03-22", producer_part=part)  # 270.00, recorded late
    again = await h.run("2016-03")
    await paid_alike(h, again, payee, iban, "90.00")
    assert (await h.run("2016-03"))["payments"] == []
    assert (await lock(h, "2016-04", MAY_5))["payments"] == []


async def test_a_site_whose_wrong_reference_is_corrected_is_paid_its_carried_care_on_the_new_account(
    harness: Any,
) -> None:
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", {**KUUSELA, "reference": "RF341234562"})  # wrong check digits
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part=KUUSELA_PART)  # 900.00
    march = await lock(h, "2016-03", APRIL_5)
    assert march["payments"] == [] and carried(march) == [("s-kuusela", "900.00", "invalid_reference")]
    await billing_changed(h, "s-kuusela", KOIVULA)  # the site's new account, before April's run
    await h.event("e-2", "2016-04-01", "2016-04-02", producer_part=KUUSELA_PART)  # 180.00
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {SITE: "1080.00"} and carried(april) == []
    await paid_to_koivulas_account(h, april, "1080.00")


async def test_a_billing_change_after_the_run_leaves_its_file_and_specification_on_the_account_paid(
    harness: Any,
) -> None:
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part=KUUSELA_PART)
    march = await lock(h, "2016-03", APRIL_5)
    await billing_changed(h, "s-kuusela", KOIVULA)  # after the lock, before the file is fetched
    assert await transfers(h, march) == [(KUUSELA["iban"], "900.00")]
    assert "FI58 1017 1000 0001 22" in await spec_text(h, march, SITE)
    await h.event("e-2", "2016-04-01", "2016-04-02", producer_part=KUUSELA_PART)
    april = await lock(h, "2016-04", MAY_5)
    assert await transfers(h, april) == [(KOIVULA["iban"], "180.00")]


@LEVELS
@pytest.mark.parametrize("timing", ["one_run", "two_runs"])
async def test_a_credit_and_the_corrected_event_recorded_after_it_pay_the_right_care_once(
    harness: Any, level: str, timing: str
) -> None:
    """March paid e-1 (900.00) though two of its days were wrong: the officer credits e-1 whole and the provider
    records the right days again (e-1b, 720.00), before April's run or after it."""
    h = harness
    part, payee, iban = await march_paid(h, level)
    await credit(h, "c-1", "e-1", "-900.00", part)
    await h.event("e-2", "2016-04-01", "2016-04-05", producer_part=part)  # 450.00
    if timing == "one_run":
        await h.event("e-1b", "2016-03-01", "2016-03-08", producer_part=part)  # 720.00
        april = await lock(h, "2016-04", MAY_5)
        await paid_alike(h, april, payee, iban, "270.00")
        may = await lock(h, "2016-05", JUNE_5)
        assert may["payments"] == [] and carried(may) == []
    else:
        april = await lock(h, "2016-04", MAY_5)
        assert april["payments"] == [] or h.payees(april) == {payee: "0.00"}
        assert carried(april) == [(part and "s-kuusela", "-450.00", "negative_balance")]
        await h.event("e-1b", "2016-03-01", "2016-03-08", producer_part=part)  # 720.00
        may = await lock(h, "2016-05", JUNE_5)
        await paid_alike(h, may, payee, iban, "270.00")
    # paid in all: 900.00 + 270.00 = e-1b 720.00 + e-2 450.00
    assert await line_total(h, "e-1") == "0.00"


async def agree_to_the_cent(h: Any, run: dict[str, Any], total: str) -> None:
    """The run's total, its payments, the file's transfers and the specifications' "to be paid" are all `total`."""
    paid = sum((Decimal(p["amount"]) for p in run["payments"]), Decimal(0))
    assert Decimal(run["total"]) == paid == Decimal(total)
    assert sum((Decimal(a) for _, a in await transfers(h, run)), Decimal(0)) == paid
    specified = [to_be_paid(await spec_text(h, run, f"{p['provider_id']}/{p['site_id'] or '-'}"))
                 for p in run["payments"]]
    assert sum(specified, Decimal(0)) == paid


async def test_the_payment_file_the_specifications_and_the_run_page_agree_to_the_cent(harness: Any) -> None:
    """A run with a set-off (Kuusela's credit against the company), a carried payee (a site whose reference is
    wrong) and a Swedish-speaking provider: the file's transfers, the specifications' "to be paid" and the run's
    total and payments are the same money."""
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await site_added(h, "s-koivula", "Koivula", {**KOIVULA, "reference": "1233"})  # wrong check digit
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part=KUUSELA_PART)  # 900.00
    await lock(h, "2016-03", APRIL_5)
    await credit(h, "c-1", "e-1", "-333.33", KUUSELA_PART)
    await h.event("e-2", "2016-04-01", "2016-04-03", share="33.33")  # 99.99, the company's
    await h.event("e-3", "2016-04-01", "2016-04-02", share="77.77", producer_part=KUUSELA_PART)  # 155.54
    await h.event("e-4", "2016-04-01", "2016-04-07", producer_part="site:s-koivula")  # 630.00, carried
    await h.event("e-5", "2016-04-01", "2016-04-09", provider_id=P2, share="45.55")  # 409.95
    april = await lock(h, "2016-04", MAY_5)
    # Kuusela: 155.54 - 333.33 = -177.79, set off against the company's 99.99; -77.80 carried
    assert h.payees(april) == {COMPANY: "0.00", f"{P2}/-": "409.95"}
    assert sorted(carried(april)) == [("s-koivula", "630.00", "invalid_reference"),
                                      ("s-kuusela", "-77.80", "negative_balance")]
    await agree_to_the_cent(h, april, "409.95")
    assert "Betalas" in await spec_text(h, april, f"{P2}/-")

    await billing_changed(h, "s-koivula", KOIVULA)
    await h.event("e-6", "2016-05-01", "2016-05-02", producer_part=KUUSELA_PART)  # 180.00
    await h.event("e-7", "2016-05-01", "2016-05-01", share="11.11")  # 11.11, the company's
    may = await lock(h, "2016-05", JUNE_5)
    assert h.payees(may) == {COMPANY: "11.11", SITE: "102.20", f"{P1_SITE_KOIVULA}": "630.00"}
    await agree_to_the_cent(h, may, "743.31")


P1_SITE_KOIVULA = COMPANY.replace("/-", "/s-koivula")


async def test_a_preview_of_the_month_not_ended_is_what_its_run_after_the_month_end_pays(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00, March
    await lock(h, "2016-03", APRIL_5)
    await h.event("e-2", "2016-04-01", "2016-04-10")  # 900.00
    h.clock.set(datetime(2016, 4, 15, 9, 0, tzinfo=UTC))
    refused = await h.client.post(f"/v1/tenants/{T}/runs", json={"month": "2016-04"}, headers=h.admin)
    assert refused.status_code == 409 and refused.json()["reason"] == "month_not_ended"
    preview = await h.run("2016-04", dry_run=True)
    assert h.payees(preview) == {COMPANY: "900.00"} and preview["total"] == "900.00"
    await h.event("e-3", "2016-04-20", "2016-04-30")  # 990.00, recorded before the month ended
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "1890.00"}
    assert await transfers(h, april) == [(COMPANY_IBAN, "1890.00")]
    # May's care recorded early is not April's
    await h.event("e-4", "2016-05-02", "2016-05-03")
    assert (await h.run("2016-04"))["payments"] == []


async def test_a_correction_heard_before_its_event_is_paid_once_at_its_value(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-08", revision=2, corrected=True)  # 720.00
    await h.event("e-1", "2016-03-01", "2016-03-10")  # the recording, heard late
    march = await lock(h, "2016-03", APRIL_5)
    assert h.payees(march) == {COMPANY: "720.00"}
    assert (await lock(h, "2016-04", MAY_5))["payments"] == []


async def test_a_vouchers_end_heard_after_care_past_it_was_paid_takes_back_the_days_past_it(harness: Any) -> None:
    """The voucher ended 20 March, heard after March's run paid the month and April's care was recorded: events
    cuts the paid event at the end and deletes April's; April's run takes back the 11 days, once."""
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-31")  # 2790.00
    await h.event("e-x", "2016-03-01", "2016-03-31", provider_id=P2, share="50.00")  # 1550.00, another provider
    assert h.payees(await lock(h, "2016-03", APRIL_5)) == {COMPANY: "2790.00", f"{P2}/-": "1550.00"}
    await h.event("e-2", "2016-04-01", "2016-04-30")  # 2700.00, auto-recorded
    await h.event("e-1", "2016-03-01", "2016-03-20", revision=2, corrected=True)  # 1800.00
    await h.publish("events.event.deleted", {"event_id": "e-2", "revision": 2})
    await h.event("e-3", "2016-04-01", "2016-04-30", client_ref="A-1002", share="50.00")  # 1500.00
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "510.00"}  # 1500.00 - 990.00
    assert to_be_paid(await spec_text(h, april, COMPANY)) == Decimal("510.00")
    assert (await lock(h, "2016-05", JUNE_5))["payments"] == []


async def test_a_sites_account_changed_between_the_lock_and_its_job_is_paid_to_and_specified_alike(
    harness_factory: Any,
) -> None:
    async with harness_factory(inline_jobs=False) as h:
        await h.seed()
        await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
        await h.event("e-1", "2016-03-01", "2016-03-10", producer_part=KUUSELA_PART)
        h.clock.set(APRIL_5)
        march = await h.run("2016-03")
        await billing_changed(h, "s-kuusela", KOIVULA)  # after the lock, before the job pays
        march = await worked(h, march)
        [payment] = march["payments"]
        assert (payment["amount"], payment["iban"]) == ("900.00", KOIVULA["iban"])
        await paid_to_koivulas_account(h, march, "900.00")


async def test_billing_removed_between_the_lock_and_the_job_carries_and_the_next_run_pays_the_new_account(
    harness_factory: Any,
) -> None:
    async with harness_factory(inline_jobs=False) as h:
        await h.seed()
        await h.event("e-1", "2016-03-01", "2016-03-10")
        h.clock.set(APRIL_5)
        march = await h.run("2016-03")
        await billing_changed(h, None, None)
        march = await worked(h, march)
        assert march["payments"] == [] and carried(march) == [(None, "900.00", "no_billing_information")]
        await billing_changed(h, None, KOIVULA)
        await h.event("e-2", "2016-04-01", "2016-04-02")
        h.clock.set(MAY_5)
        april = await worked(h, await h.run("2016-04"))
        await paid_alike(h, april, COMPANY, KOIVULA["iban"], "1080.00")


@LEVELS
async def test_a_credited_event_clipped_to_the_vouchers_end_after_both_were_paid_nets_to_nothing(
    harness: Any, level: str
) -> None:
    """An over-limit event approved and credited before it was paid (c-1 with it in March's run), then clipped to
    the voucher's end before events heard it was paid: events withdraws c-1, corrects the event and credits the
    clipped value again (c-2). The provider is paid nothing for the event in all."""
    h = harness
    await h.seed()
    part, payee, iban = await payee_of(h, level)
    await h.event("e-0", "2016-03-01", "2016-03-05", producer_part=part, client_ref="A-1002")  # 450.00
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part=part)  # 900.00
    await credit_of(h, "c-1", "e-1", "-900.00", part, "2016-03")  # deducted with the event it takes back
    march = await lock(h, "2016-03", APRIL_5)
    assert h.payees(march) == {payee: "450.00"}
    await h.publish("events.credit.withdrawn", {"credit_id": "c-1", "event_id": "e-1", "kind": "event",
                                                 "reason": "the voucher's validity ended"})
    await h.event("e-1", "2016-03-01", "2016-03-08", revision=2, corrected=True, producer_part=part)  # 720.00
    await credit(h, "c-2", "e-1", "-720.00", part)
    await h.event("e-2", "2016-04-01", "2016-04-02", producer_part=part, client_ref="A-1002")  # 180.00
    april = await lock(h, "2016-04", MAY_5)
    await paid_alike(h, april, payee, iban, "180.00")
    assert (await lock(h, "2016-05", JUNE_5))["payments"] == []


async def test_a_second_run_of_a_month_pays_a_sites_carried_care_once_its_account_is_known(harness: Any) -> None:
    h = harness
    await h.seed(p1_billing=None)
    await site_added(h, "s-kuusela", "Kuusela", None)
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part=KUUSELA_PART)
    march = await lock(h, "2016-03", APRIL_5)
    assert march["payments"] == [] and carried(march) == [(None, "900.00", "no_billing_information")]
    await billing_changed(h, "s-kuusela", KUUSELA)
    again = await h.run("2016-03")
    assert h.payees(again) == {SITE: "900.00"} and carried(again) == []
    assert await transfers(h, again) == [(KUUSELA["iban"], "900.00")]
    assert (await h.run("2016-03"))["payments"] == []
    assert (await lock(h, "2016-04", MAY_5))["payments"] == []


async def test_a_paid_event_moved_from_the_company_to_its_site_is_not_paid_again(harness: Any) -> None:
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await h.event("e-1", "2016-03-01", "2016-03-10")
    assert h.payees(await lock(h, "2016-03", APRIL_5)) == {COMPANY: "900.00"}
    await h.event("e-1", "2016-03-01", "2016-03-10", revision=2, corrected=True, producer_part=KUUSELA_PART)
    april = await lock(h, "2016-04", MAY_5)
    paid = sum((Decimal(p["amount"]) for p in april["payments"]), Decimal(0))
    assert paid == Decimal(april["total"]) == Decimal("0.00") and carried(april) == []
    assert (await lock(h, "2016-05", JUNE_5))["payments"] == []


async def test_an_interruption_paid_then_ended_a_month_earlier_is_not_paid_twice_by_a_second_run_of_that_month(
    harness: Any,
) -> None:
    """004 §4.3.5.4's hospital stay 11-05..12-08 paid in the January settlement (the run of December); then the
    voucher's end (11-20) is heard: events ends the stay on 11-20. A second run of November takes back what was
    paid of the stay with what it pays of the stay as ended (the same 12 days), never paying them twice."""
    from .test_ledger import interruption

    h = harness
    await h.seed()
    await h.event("e-nov", "2015-11-01", "2015-11-04")
    assert h.payees(await h.run("2015-11")) == {COMPANY: "360.00"}
    stay = [h.segment("2015-11-05", "2015-11-05", 1), h.segment("2015-11-06", "2015-11-15", 10),
            h.segment("2015-11-16", "2015-11-30", 15, percentage="0"),
            h.segment("2015-12-01", "2015-12-07", 7, percentage="0"), h.segment("2015-12-08", "2015-12-08", 1)]
    await h.publish("events.interruption.finalised", interruption(h, "i-2", "2015-11-05", "2015-12-08", stay))
    assert h.payees(await h.run("2015-12")) == {COMPANY: "1080.00"}  # 12 days by the rule
    ended = [*stay[:2], h.segment("2015-11-16", "2015-11-19", 4, percentage="0"),
             h.segment("2015-11-20", "2015-11-20", 1)]
    await h.publish("events.interruption.finalised",
                    {**interruption(h, "i-2", "2015-11-05", "2015-11-20", ended), "revision": 2})
    again = await h.run("2015-11")
    assert again["payments"] == [] or h.payees(again) == {COMPANY: "0.00"}
    assert carried(again) == []
    assert (await h.run("2015-12"))["payments"] == []


@LEVELS
async def test_a_paid_stay_across_the_month_end_shortened_into_its_first_month_is_taken_back_by_its_second_run(
    harness: Any, level: str
) -> None:
    """A stay 25.3.-5.4. (events cuts it at the month end: 7 days of March, 5 of April) paid by the runs of March and
    April; then shortened to end on 31.3. A second run of March takes back April's five days with it."""
    h = harness
    await h.seed()
    part, payee, iban = await payee_of(h, level)
    stay = [h.segment("2016-03-25", "2016-03-31", 7), h.segment("2016-04-01", "2016-04-05", 5)]
    await h.event("e-1", "2016-03-25", "2016-04-05", segments=stay, producer_part=part)
    await h.event("e-2", "2016-03-01", "2016-03-10", producer_part=part, client_ref="A-1002")  # 900.00
    assert h.payees(await lock(h, "2016-03", APRIL_5)) == {payee: "1530.00"}
    assert h.payees(await lock(h, "2016-04", MAY_5)) == {payee: "450.00"}
    await h.event("e-1", "2016-03-25", "2016-03-31", revision=2, corrected=True, producer_part=part,
                  segments=stay[:1])
    await h.event("e-3", "2016-03-11", "2016-03-20", producer_part=part, client_ref="A-1002")  # 900.00, late
    again = await lock(h, "2016-03", JUNE_5)
    await paid_alike(h, again, payee, iban, "450.00")  # 900.00 - 450.00
    assert (await h.run("2016-05"))["payments"] == []
    assert await line_total(h, "e-1") == "630.00"


async def test_the_embedded_sqlite_suite_takes_back_an_interruption_ended_a_month_earlier_the_same(
    harness_factory: Any,
) -> None:
    from .test_ledger import interruption

    async with harness_factory(sqlite=True) as h:
        await h.seed()
        stay = [h.segment("2015-11-05", "2015-11-15", 11), h.segment("2015-12-08", "2015-12-08", 1)]
        await h.publish("events.interruption.finalised", interruption(h, "i-2", "2015-11-05", "2015-12-08", stay))
        assert h.payees(await h.run("2015-12")) == {COMPANY: "1080.00"}
        ended = [stay[0], h.segment("2015-11-20", "2015-11-20", 1)]
        await h.publish("events.interruption.finalised",
                        {**interruption(h, "i-2", "2015-11-05", "2015-11-20", ended), "revision": 2})
        again = await h.run("2015-11")
        assert h.payees(again) in ({}, {COMPANY: "0.00"}) and carried(again) == []
        assert (await h.run("2015-12"))["payments"] == []


async def test_a_paid_event_moved_to_an_earlier_month_and_approved_over_the_limit_is_not_paid_twice(
    harness: Any,
) -> None:
    """April's run paid e-1 (1.-10.4.); the provider corrects it to 20.-29.3., over the voucher's limit: it waits for
    the tenant, who approves it. A second run of March pays it with April's days taken back, never both."""
    h = harness
    await h.seed()
    await h.event("e-1", "2016-04-01", "2016-04-10")  # 900.00
    assert h.payees(await lock(h, "2016-04", MAY_5)) == {COMPANY: "900.00"}
    await h.event("e-1", "2016-03-20", "2016-03-29", revision=2, corrected=True, status="awaiting_approval")
    await h.publish("events.event.approved", {"event_id": "e-1", "revision": 2})
    await h.event("e-2", "2016-03-01", "2016-03-02")  # 180.00, recorded late
    again = await lock(h, "2016-03", JUNE_5)
    assert h.payees(again) == {COMPANY: "180.00"} and carried(again) == []
    assert (await h.run("2016-05"))["payments"] == []
