"""A payee carried over entirely is told: the run publishes `settlement.payment.carried_over` for it, once,
with its amount to the cent; paid payees get their `settlement.payment.computed` and nothing else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from seteli_settlement.service import paying as paying_module
from seteli_settlement.worker import SettlementWorker

P1, P2 = "p-paivansade", "p-kotiapu"
CARRIED = "settlement.payment.carried_over"
SITE_BILLING = {
    "iban": "FI5810171000000122",
    "bic": "NDEAFIHH",
    "reference": "RF341234561",
    "email": "kuusela@paivansade.fi",
    "pdf_by_email": False,
}
SITES = [
    {"site_id": "s-1", "name": "Päivänsäde", "notification_email": "koti@paivansade.fi", "billing": None},
    {"site_id": "s-kuusela", "name": "Kuusela", "notification_email": "k@paivansade.fi", "billing": SITE_BILLING},
]


async def seed_without_company_billing(h: Any) -> None:
    """P1's company has no billing information (its site Kuusela has); P2 is billed as usual."""
    await h.seed(p1_billing=None, sites=SITES)
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="s-kuusela")  # 900.00 to Kuusela
    await h.event("e-2", "2016-03-01", "2016-03-02", share="45.55", producer_part="s-1")  # 91.10: the company
    # Home care of the company itself, 2.25 h x 33.33 = 74.9925 -> 74.99 on its line.
    await h.event(
        "e-3",
        "2016-03-08",
        "2016-03-08",
        service_id="kotihoito",
        content_id="kotihoito",
        segments=[h.segment("2016-03-08", "2016-03-08", "2.25", "33.33", "40.00")],
    )
    await h.event("e-4", "2016-03-01", "2016-03-03", provider_id=P2, client_ref="B-1")  # 270.00, paid


async def test_a_payee_without_billing_is_told_once_and_paid_payees_are_not(harness: Any) -> None:
    h = harness
    await seed_without_company_billing(h)
    run = await h.run("2016-03")
    assert h.payees(run) == {f"{P1}/s-kuusela": "900.00", f"{P2}/-": "270.00"}

    assert await h.published(CARRIED) == [
        {
            "run_id": run["id"],
            "month": "2016-03",
            "provider_id": P1,
            "site_id": None,
            "payee_name": "Hoivakoti Päivänsäde Oy",
            "amount": "166.09",  # 91.10 + 74.99
            "line_count": 2,
            "reason": "no_billing_information",
        }
    ]
    computed = await h.published("settlement.payment.computed")
    assert sorted((p["provider_id"], p["site_id"], p["amount"]) for p in computed) == [
        (P2, None, "270.00"),
        (P1, "s-kuusela", "900.00"),
    ]

    # Billing arrives; April pays March's carried amount and nobody is told of a carry-over again.
    await h.publish(
        "registry.provider.billing_changed",
        {"provider_id": P1, "site_id": None, "billing": {**SITE_BILLING, "email": "laskutus@paivansade.fi"}},
        tenant_id=None,
    )
    april = await h.run("2016-04")
    assert h.payees(april) == {f"{P1}/-": "166.09"}
    assert len(await h.published(CARRIED)) == 1


async def test_credits_carried_over_are_not_announced(harness: Any) -> None:
    """A negative balance is carried over too, but there is no payment the provider is missing."""
    h = harness
    await h.seed()
    await h.publish(
        "events.credit.requested",
        {
            "credit_id": "c-1",
            "event_id": "e-x",
            "provider_id": P1,
            "producer_part": None,
            "client_ref": "A-1001",
            "content_id": "hoito",
            "service_id": "tehostettu",
            "amount": "-50.00",
            "reason": "duplicate",
            "month": "2016-03",
        },
    )
    run = await h.run("2016-03")
    assert [(c["amount"], c["reason"]) for c in run["carried_over"]] == [("-50.00", "negative_balance")]
    assert await h.published(CARRIED) == []


async def test_a_retried_job_announces_the_carry_over_once(
    harness_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker crashes after writing everything but before its commit; the job is retried once the lease
    runs out. Like the payments, the carry-over and its event are written once."""
    async with harness_factory(inline_jobs=False, job_lease_seconds=30) as h:
        await seed_without_company_billing(h)
        run = await h.run("2016-03")
        assert run["state"] == "running"
        deps = h.runtime.extras["deps"]

        real_pay = paying_module.pay_provider

        async def crash_after_paying(*args: Any) -> None:
            await real_pay(*args)
            raise RuntimeError("killed")

        monkeypatch.setattr(paying_module, "pay_provider", crash_after_paying)
        crashing = SettlementWorker(deps, "crashing")
        while True:  # crash on P1's job (the one with the carry-over)
            claim = await crashing.claim()
            assert claim is not None
            if claim.provider_id == P1:
                break
            monkeypatch.setattr(paying_module, "pay_provider", real_pay)
            assert await crashing.process(claim) is True
            monkeypatch.setattr(paying_module, "pay_provider", crash_after_paying)
        with pytest.raises(RuntimeError):
            await crashing.process(claim)
        monkeypatch.setattr(paying_module, "pay_provider", real_pay)
        assert await h.published(CARRIED) == []  # rolled back with the rest of the job

        survivor = SettlementWorker(deps, "survivor")
        h.clock.advance(timedelta(seconds=31))  # the crashed worker's lease runs out
        await survivor.run_until_idle()
        assert await crashing.process(claim) is False  # the old claim, done by now, writes nothing
        assert await survivor.run_until_idle() == 0

        done = (await h.client.get(f"/v1/tenants/kouvola/runs/{run['id']}", headers=h.admin)).json()
        assert done["state"] == "completed"
        assert [(c["provider_id"], c["amount"]) for c in done["carried_over"]] == [(P1, "166.09")]
        carried = await h.published(CARRIED)
        assert [(p["run_id"], p["provider_id"], p["amount"], p["line_count"]) for p in carried] == [
            (run["id"], P1, "166.09", 2)
        ]
