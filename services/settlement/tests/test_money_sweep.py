"""A random sweep of one provider's months (money-settlement): care recorded at the company or its site Kuusela,
corrected (other days, the other payee), deleted, credited and the credit withdrawn, Kuusela's and the company's
own accounts coming and going, a preview and a run at each month's end and sometimes a second run. Whatever the
order, the run pays what its preview showed and, once both accounts are known: no payment is negative, every
payment file transfers what the run pays, the runs together paid exactly the care as it stands less what credits
take back (a credit takes back its event's whole value as it stands) but for a negative balance the provider still
owes, and the realisation report settles what was paid and leaves that balance open."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader
from seteli_common.clock import Month
from seteli_common.money import to_cents

from .conftest import BILLING, P1, T
from .test_ledger import interruption
from .test_money_next_to_examples import to_be_paid
from .test_set_off_withdrawn_mid_run import worked
from .test_site_payees import KUUSELA, billing_changed, site_added, transfers

MONTHS = ["2016-03", "2016-04", "2016-05", "2016-06"]
PARTS = [None, "site:s-kuusela", "unit:u-1"]


async def _credit(h: Any, credit_id: str, event_id: str, amount: Decimal, part: str | None, month: str) -> None:
    await h.publish("events.credit.requested", {
        "credit_id": credit_id, "event_id": event_id, "provider_id": P1, "producer_part": part,
        "client_ref": "A-1001", "content_id": "hoito", "service_id": "tehostettu", "amount": str(-amount),
        "reason": "väärin", "month": month, "kind": "event"})


async def _spec_text(h: Any, run: dict[str, Any], payment: dict[str, Any]) -> str:
    """The specification's text as a PDF reader extracts it (a long one is compressed)."""
    response = await h.client.get(
        f"/v1/tenants/{T}/runs/{run['id']}/payments/{payment['payment_id']}/specification.pdf", headers=h.admin)
    assert response.status_code == 200, response.text
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).replace("\u00a0", " ").split())


def _value(days: int, share: str) -> Decimal:
    return Decimal(days) * Decimal(share)


def _shown(run: dict[str, Any]) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Who a run (a preview) pays how much, and who it carries over, how much and why."""
    paid = {f"{p['provider_id']}/{p['site_id'] or '-'}": p["amount"] for p in run["payments"]}
    return paid, sorted((c["site_id"] or "", c["amount"], c["reason"]) for c in run["carried_over"])


async def _run(h: Any, month: str, by_worker: bool) -> dict[str, Any]:
    run: dict[str, Any] = await h.run(month)
    return await worked(h, run) if by_worker and run["state"] != "completed" else run


@pytest.mark.parametrize("seed", range(5))  # (about 170 seeds passed when written)
async def test_a_random_sequence_of_months_pays_the_care_as_it_stands_once(harness: Any, seed: int) -> None:
    await _sweep(harness, seed, mid_run=False)


@pytest.mark.parametrize("seed", range(3))  # (120 seeds passed when written)
async def test_the_same_with_facts_arriving_while_each_run_is_paid(harness_factory: Any, seed: int) -> None:
    async with harness_factory(inline_jobs=False) as h:
        await _sweep(h, seed, mid_run=True)


async def _sweep(h: Any, seed: int, *, mid_run: bool) -> None:
    rnd = random.Random(seed)
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    events: dict[str, dict[str, Any]] = {}  # live events: month, days, share, part, revision
    credits: dict[str, str] = {}  # live credit -> its event
    runs: list[dict[str, Any]] = []
    counter = 0
    log: list[Any] = []  # what happened, for the failure's message
    absences: dict[str, dict[str, Any]] = {}  # live interruptions: month, days, percentage, part, revision

    async def act(month: str) -> None:
        nonlocal counter
        counter += 1
        action = rnd.choice(["record", "record", "correct", "delete", "credit", "withdraw", "billing",
                             "company_billing", "absence", "absence"])
        if action == "record" or not events:
            first = rnd.randint(1, 20)
            ev = {"month": month, "first": first, "last": first + rnd.randint(0, 7), "share": rnd.choice(
                ["90.00", "33.33", "45.55", "12.34"]), "part": rnd.choice(PARTS), "revision": 1}
            events[f"e-{counter}"] = ev
            await h.event(f"e-{counter}", f"{month}-{ev['first']:02d}", f"{month}-{ev['last']:02d}",
                          share=ev["share"], producer_part=ev["part"])
            log.append((month, "record", f"e-{counter}", dict(ev)))
        elif action == "correct":
            event_id = rnd.choice(sorted(events))
            ev = events[event_id]
            ev.update(last=ev["first"] + rnd.randint(0, 5), part=rnd.choice(PARTS), revision=ev["revision"] + 1)
            await h.event(event_id, f"{ev['month']}-{ev['first']:02d}", f"{ev['month']}-{ev['last']:02d}",
                          share=ev["share"], producer_part=ev["part"], revision=ev["revision"], corrected=True)
            log.append((month, "correct", event_id, dict(ev)))
        elif action == "delete":
            event_id = rnd.choice(sorted(events))
            if event_id in credits.values():
                return
            del events[event_id]
            await h.publish("events.event.deleted", {"event_id": event_id, "revision": 99})
            log.append((month, "delete", event_id))
        elif action == "credit":
            uncredited = sorted(set(events) - set(credits.values()))
            if not uncredited:
                return
            event_id = rnd.choice(uncredited)
            ev = events[event_id]
            credits[f"c-{counter}"] = event_id
            await _credit(h, f"c-{counter}", event_id, _value(ev["last"] - ev["first"] + 1, ev["share"]),
                          ev["part"], month)
            log.append((month, "credit", f"c-{counter}", event_id))
        elif action == "withdraw":
            if not credits:
                return
            credit_id = rnd.choice(sorted(credits))
            event_id = credits.pop(credit_id)
            await h.publish("events.credit.withdrawn", {"credit_id": credit_id, "event_id": event_id,
                                                       "kind": "event", "reason": "peruttu"})
            log.append((month, "withdraw", credit_id, event_id))
        elif action == "absence":  # a new absence, or the next revision of one, or its removal
            absence_id = rnd.choice([f"i-{counter}", *sorted(absences)])
            if absence_id in absences and rnd.random() < 0.3:
                await h.publish("events.interruption.deleted", {"interruption_id": absence_id,
                                                                "revision": absences[absence_id]["revision"] + 1})
                del absences[absence_id]
                log.append((month, "absence_deleted", absence_id))
                return
            first = rnd.randint(1, 20)
            ab = {"first": first, "last": first + rnd.randint(0, 7), "pct": rnd.choice(["100", "33.33", "0"]),
                  "part": rnd.choice(PARTS), "revision": absences.get(absence_id, {}).get("revision", 0) + 1,
                  "month": month}
            absences[absence_id] = ab
            start, end = f"{month}-{ab['first']:02d}", f"{month}-{ab['last']:02d}"
            await h.publish("events.interruption.finalised", {
                **interruption(h, absence_id, start, end, [
                    h.segment(start, end, ab["last"] - ab["first"] + 1, percentage=ab["pct"])]),
                "producer_part": ab["part"], "revision": ab["revision"]})
            log.append((month, "absence", absence_id, dict(ab)))
        elif action == "company_billing":
            company = rnd.choice([BILLING, None])
            await billing_changed(h, None, company)
            log.append((month, "company_billing", bool(company)))
        else:
            billing = rnd.choice([KUUSELA, None])
            await billing_changed(h, "s-kuusela", billing)
            log.append((month, "billing", bool(billing)))

    for month in MONTHS:
        m = Month.parse(month)
        for _ in range(rnd.randint(3, 8)):
            await act(month)
        h.clock.set(datetime.combine(m.next().first.replace(day=5), datetime.min.time(), tzinfo=UTC))
        preview = await h.run(month, dry_run=True)
        started = await h.run(month)
        meanwhile = rnd.randint(0, 3) if mid_run else 0  # late care, credits, accounts: while its jobs wait
        for _ in range(meanwhile):
            await act(month)
        runs.append(await worked(h, started) if mid_run and started["state"] != "completed" else started)
        log.append((month, "RUN", h.payees(runs[-1])))
        assert meanwhile or _shown(preview) == _shown(runs[-1]), log
        if rnd.random() < 0.3:
            runs.append(await _run(h, month, mid_run))
            log.append((month, "RUN2", h.payees(runs[-1])))
    await billing_changed(h, "s-kuusela", KUUSELA)
    await billing_changed(h, None, BILLING)
    runs.append(await _run(h, MONTHS[-1], mid_run))
    runs.append(await _run(h, MONTHS[-1], mid_run))
    assert runs[-1]["payments"] == [], log
    # what is left is a balance the provider owes (credits beyond its care since), never care unpaid
    owed = sum((Decimal(c["amount"]) for c in runs[-1]["carried_over"]), Decimal("0.00"))
    assert all(c["reason"] == "negative_balance" for c in runs[-1]["carried_over"]) and owed <= 0, log

    for run in runs:
        assert all(Decimal(p["amount"]) >= 0 for p in run["payments"]), run["payments"]
        if any(Decimal(p["amount"]) > 0 for p in run["payments"]):
            assert sum((Decimal(a) for _, a in await transfers(h, run)), Decimal(0)) == Decimal(run["total"])
        for payment in run["payments"]:
            text = await _spec_text(h, run, payment)
            assert to_be_paid(text) == Decimal(payment["amount"]), log
    paid = sum((Decimal(r["total"]) for r in runs), Decimal("0.00"))
    standing = sum((_value(ev["last"] - ev["first"] + 1, ev["share"]) for event_id, ev in events.items()
                    if event_id not in credits.values()), Decimal("0.00"))
    standing += sum((to_cents(Decimal(ab["last"] - ab["first"] + 1) * Decimal("90.00") * Decimal(ab["pct"]) / 100)
                     for ab in absences.values()), Decimal("0.00"))
    assert paid + owed == standing, log
    report = await h.client.get(f"/v1/tenants/{T}/reports/realisation",
                                params={"from": MONTHS[0], "to": MONTHS[-1]}, headers=h.admin)
    items = report.json()["items"]
    assert sum((Decimal(r["amount_settled"]) for r in items), Decimal("0.00")) == paid, log
    assert sum((Decimal(r["amount_unsettled"]) for r in items), Decimal("0.00")) == owed, log
