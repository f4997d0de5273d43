"""Scale-out: the run's per-provider jobs worked by competing workers give the same payments as one
worker, also when a worker dies holding a job or crashes half-way through one."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from seteli_settlement.service import paying as paying_module
from seteli_settlement.worker import SettlementWorker

T = "kouvola"
PROVIDERS = [f"p-{n}" for n in range(1, 7)]
BUSINESS_IDS = ["0116297-6", "7019376-8", "2077474-0", "0112038-9", "0737546-2", "1572860-0"]
# Per provider n: n clients x 3 days x 90.00, and one home-care visit of 1.5 h x 33.33 (49.995 -> 50.00).
EXPECTED = {f"p-{n}/-": f"{n * 270 + 50}.00" for n in range(1, 7)}
EXPECTED_TOTAL = f"{sum(n * 270 + 50 for n in range(1, 7))}.00"


async def seed_many(h: Any) -> None:
    await h.seed()
    for provider_id, business_id in zip(PROVIDERS, BUSINESS_IDS, strict=True):
        await h.publish(
            "registry.provider.registered",
            {
                "provider_id": provider_id,
                "business_id": business_id,
                "name": f"Hoiva {provider_id} Oy",
                "language": "fi",
                "email": f"{provider_id}@hoiva.fi",
                "sites": [],
                "billing": {
                    "iban": "FI2112345600000785",
                    "bic": "NDEAFIHH",
                    "reference": "1234561",
                    "email": f"{provider_id}@hoiva.fi",
                    "pdf_by_email": True,
                },
            },
            tenant_id=None,
        )
        n = int(provider_id.split("-")[1])
        for client in range(n):
            await h.event(
                f"e-{provider_id}-{client}",
                "2016-03-01",
                "2016-03-03",
                provider_id=provider_id,
                client_ref=f"{provider_id}-A{client}",
            )
        await h.event(
            f"e-{provider_id}-hc",
            "2016-03-09",
            "2016-03-09",
            provider_id=provider_id,
            service_id="kotihoito",
            content_id="kotihoito",
            segments=[h.segment("2016-03-09", "2016-03-09", "1.5", "33.33", "40.00")],
        )


async def start(h: Any) -> dict[str, Any]:
    run = await h.run("2016-03")
    assert run["state"] == "running" and run["jobs"] == {"total": 6, "done": 0}
    return run


async def result(h: Any, run_id: str) -> dict[str, Any]:
    response = await h.client.get(f"/v1/tenants/{T}/runs/{run_id}", headers=h.admin)
    return response.json()  # type: ignore[no-any-return]


async def outcome(h: Any, run_id: str) -> tuple[str, str, dict[str, str], int]:
    run = await result(h, run_id)
    computed = await h.published("settlement.payment.computed")
    completed = await h.published("settlement.run.completed")
    assert len(computed) == 6 and len(completed) == 1
    return run["state"], run["total"], h.payees(run), len(computed)


async def test_two_workers_and_a_killed_worker_pay_the_same_as_one(
    harness_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = []
    # One worker.
    async with harness_factory(inline_jobs=False) as h:
        await seed_many(h)
        run = await start(h)
        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 6
        results.append(await outcome(h, run["id"]))

    # Two competing workers.
    async with harness_factory(inline_jobs=False) as h:
        await seed_many(h)
        run = await start(h)
        deps = h.runtime.extras["deps"]
        one, two = SettlementWorker(deps, "w1"), SettlementWorker(deps, "w2")
        await asyncio.gather(one.run_until_idle(), two.run_until_idle())
        assert one.jobs_done + two.jobs_done == 6
        results.append(await outcome(h, run["id"]))

    # A worker dies holding a job, another crashes half-way through one; the survivor finishes.
    async with harness_factory(inline_jobs=False, job_lease_seconds=30) as h:
        await seed_many(h)
        run = await start(h)
        deps = h.runtime.extras["deps"]
        dead = SettlementWorker(deps, "dead")
        held = await dead.claim()  # ...and is killed before working it
        assert held is not None

        real_pay = paying_module.pay_provider

        async def crash_after_paying(*args: Any) -> None:
            await real_pay(*args)  # everything written, then the process dies before the commit
            raise RuntimeError("killed")

        monkeypatch.setattr(paying_module, "pay_provider", crash_after_paying)
        crashing = SettlementWorker(deps, "crashing")
        crashed = await crashing.claim()
        assert crashed is not None
        with pytest.raises(RuntimeError):
            await crashing.process(crashed)
        monkeypatch.setattr(paying_module, "pay_provider", real_pay)

        survivor = SettlementWorker(deps, "survivor")
        assert await survivor.run_until_idle() == 4  # the two leased jobs are not free yet
        assert (await result(h, run["id"]))["state"] == "running"
        h.clock.advance(timedelta(seconds=31))  # the leases run out
        assert await survivor.run_until_idle() == 2
        assert await dead.process(held) is False  # the dead worker waking up late writes nothing
        results.append(await outcome(h, run["id"]))

    assert results == [("completed", EXPECTED_TOTAL, EXPECTED, 6)] * 3
