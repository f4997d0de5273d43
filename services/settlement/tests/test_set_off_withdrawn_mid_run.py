"""A credit withdrawn while a run is paying its provider (after the run locked the provider's lines, before its
job completed): the run pays what it locked, the credit included, and the withdrawal takes effect in the next run,
which pays back to the company what was deducted for the credit. Nothing is paid twice nor lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from seteli_settlement.repository import open_queue
from seteli_settlement.worker import SettlementWorker

from .test_provider_set_off import COMPANY, SITE, carried, credit, spec_text, withdrawn
from .test_site_payees import COMPANY_IBAN, KUUSELA, MAY_5, T, transfers

KUUSELA_IBAN = KUUSELA["iban"]


async def worked(h: Any, run: dict[str, Any]) -> dict[str, Any]:
    assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() >= 1
    done: dict[str, Any] = (await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}", headers=h.admin)).json()
    assert done["state"] == "completed"
    return done


@pytest.mark.parametrize("may_care", [True, False], ids=["set_off_again", "still_carried"])
@pytest.mark.parametrize("when", ["before_the_job", "during_the_job"])
async def test_a_credit_withdrawn_while_its_provider_is_paid_is_repaid_by_the_next_run(
    harness_factory: Any, monkeypatch: pytest.MonkeyPatch, when: str, may_care: bool
) -> None:
    async with harness_factory(inline_jobs=False) as h:
        await april_partly_set_off_by_worker(h)
        if may_care:
            await h.event("e-3", "2016-05-01", "2016-05-10", share="20.00", client_ref="A-1002")  # 200.00, company's

        may = await h.run("2016-05")  # locked: c-1's -300.00 is open, so is e-3
        if when == "before_the_job":
            await withdrawn(h, "c-1", "e-1")
        else:
            real_totals = open_queue.open_totals
            arriving: list[asyncio.Task[Any]] = []

            async def totals_then_withdrawn(*args: Any) -> Any:
                totals = await real_totals(*args)
                arriving.append(asyncio.create_task(withdrawn(h, "c-1", "e-1")))
                await asyncio.wait(arriving, timeout=1.0)  # time enough to commit, were it not kept waiting
                return totals

            monkeypatch.setattr(open_queue, "open_totals", totals_then_withdrawn)
        may = await worked(h, may)
        monkeypatch.undo()
        if when == "during_the_job":
            await asyncio.gather(*arriving)
        if may_care:  # May pays what it locked: Kuusela's -300.00 less April's 200.00 set off, 100.00 more now
            assert h.payees(may) == {COMPANY: "100.00", SITE: "0.00"} and carried(may) == []
            assert [(s["kind"], s["from_site_id"], s["amount"]) for s in may["set_offs"]] == [
                ("set_off", "s-kuusela", "100.00")]
            assert await transfers(h, may) == [(COMPANY_IBAN, "100.00")]
        else:  # May carries what it locked: nothing to set Kuusela's -100.00 off against
            assert may["payments"] == [] and carried(may) == [("s-kuusela", "-100.00", "negative_balance")]

        h.month_ended("2016-06")
        preview = await h.run("2016-06", dry_run=True)
        june = await worked(h, await h.run("2016-06"))
        assert (h.payees(preview), carried(preview)) == (h.payees(june), carried(june))
        # The credit's reversal (+300.00) is Kuusela's; the company bore 200.00 in April (and 100.00 in May) of it
        # and gets that back. Paid in all: March 900.00 + May + June = e-1 900.00 + e-2 200.00 (+ e-3 200.00).
        repaid = "300.00" if may_care else "200.00"
        assert h.payees(june) == {COMPANY: repaid, SITE: "0.00"} and carried(june) == []
        assert sorted((s["kind"], s["from_site_id"], s["to_site_id"], s["amount"]) for s in june["set_offs"]) == [
            ("repaid", None, "s-kuusela", amount) for amount in (["100.00", "200.00"] if may_care else ["200.00"])]
        assert await transfers(h, june) == [(COMPANY_IBAN, repaid)]
        site = await spec_text(h, june, SITE)
        assert "Maksetaan: 0,00 €" in site
        assert "Yhteensä 300,00 €" in site if may_care else "Yhteensä 0,00 €" in site
        company = await spec_text(h, june, COMPANY)
        assert f"Maksetaan: {repaid.replace('.', ',')} €" in company
        assert "hyvitys peruttu, 200,00 €." in company
        assert (await h.run("2016-06"))["payments"] == []
        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 0


async def march_paid_to_kuusela_by_worker(h: Any) -> None:
    from .test_site_payees import APRIL_5, KUUSELA, site_added

    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-kuusela")  # 900.00 to Kuusela
    h.clock.set(APRIL_5)
    march = await worked(h, await h.run("2016-03"))
    assert h.payees(march) == {SITE: "900.00"}


async def april_partly_set_off_by_worker(h: Any) -> None:
    """Kuusela's March paid by the worker; April: its credit -300.00 set off 200.00 against the company's 200.00,
    -100.00 carried; the clock at May 5th."""
    await h.seed()
    await march_paid_to_kuusela_by_worker(h)
    await credit(h, "c-1", "e-1", "-300.00", "site:s-kuusela")
    await h.event("e-2", "2016-04-01", "2016-04-10", share="20.00", client_ref="A-1002")  # 200.00, company's
    h.clock.set(MAY_5)
    april = await worked(h, await h.run("2016-04"))
    assert h.payees(april) == {COMPANY: "0.00"} and carried(april) == [("s-kuusela", "-100.00", "negative_balance")]


async def test_a_companys_credit_withdrawn_while_the_run_is_paid_is_repaid_to_the_site_by_the_next_run(
    harness_factory: Any,
) -> None:
    """The other level: the company's credit set off against its site's payment, withdrawn after May's lock."""
    from .test_site_payees import APRIL_5, KUUSELA, site_added

    async with harness_factory(inline_jobs=False) as h:
        await h.seed()
        await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
        await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00, the company's
        h.clock.set(APRIL_5)
        assert h.payees(await worked(h, await h.run("2016-03"))) == {COMPANY: "900.00"}
        await credit(h, "c-1", "e-1", "-300.00")  # the company's
        await h.event("e-2", "2016-04-01", "2016-04-10", share="20.00", client_ref="A-1002",
                      producer_part="site:s-kuusela")  # 200.00, Kuusela's
        h.clock.set(MAY_5)
        april = await worked(h, await h.run("2016-04"))
        assert h.payees(april) == {SITE: "0.00"} and carried(april) == [(None, "-100.00", "negative_balance")]
        await h.event("e-3", "2016-05-01", "2016-05-10", share="20.00", client_ref="A-1002",
                      producer_part="site:s-kuusela")  # 200.00, Kuusela's
        may = await h.run("2016-05")
        await withdrawn(h, "c-1", "e-1")  # after the lock, before the job
        may = await worked(h, may)
        assert h.payees(may) == {COMPANY: "0.00", SITE: "100.00"} and carried(may) == []
        h.month_ended("2016-06")
        preview = await h.run("2016-06", dry_run=True)
        june = await worked(h, await h.run("2016-06"))
        assert (h.payees(preview), carried(preview)) == (h.payees(june), carried(june))
        assert h.payees(june) == {COMPANY: "0.00", SITE: "300.00"} and carried(june) == []
        assert await transfers(h, june) == [(KUUSELA["iban"], "300.00")]


LEASE = 30


@asynccontextmanager
async def may_parked(harness_factory: Any, monkeypatch: Any, level: str) -> AsyncIterator[Any]:
    """c-1 (-300.00, Kuusela's at the site level, the company's at the company level) set off in April against the
    other payee's 200.00, withdrawn after May's run locked it, and May's job for the provider then failing until it
    is parked: nothing of May is paid. Yields the harness with June's care to be paid."""
    from seteli_settlement.config import SettlementSettings
    from seteli_settlement.service import paying

    from .test_site_payees import APRIL_5, KUUSELA, site_added

    attempts = SettlementSettings.model_fields["job_max_attempts"].default
    async with harness_factory(inline_jobs=False, job_lease_seconds=LEASE) as h:
        await h.seed()
        await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
        debtor, bearer = ("site:s-kuusela", None) if level == "site" else (None, "site:s-kuusela")
        await h.event("e-1", "2016-03-01", "2016-03-10", producer_part=debtor)  # 900.00
        h.clock.set(APRIL_5)
        await worked(h, await h.run("2016-03"))
        await credit(h, "c-1", "e-1", "-300.00", debtor)
        await h.event("e-2", "2016-04-01", "2016-04-10", share="20.00", client_ref="A-1002",
                      producer_part=bearer)  # 200.00
        h.clock.set(MAY_5)
        april = await worked(h, await h.run("2016-04"))
        assert h.payees(april) == {COMPANY if level == "site" else SITE: "0.00"}
        assert carried(april) == [(debtor and "s-kuusela", "-100.00", "negative_balance")]
        may = await h.run("2016-05")
        await withdrawn(h, "c-1", "e-1")  # May holds the provider's lines: the give-back waits for its job

        async def failing(*_: Any, **__: Any) -> None:
            raise RuntimeError("the payment cannot be stored")

        monkeypatch.setattr(paying, "pay_provider", failing)
        for _ in range(attempts):
            await SettlementWorker(h.runtime.extras["deps"]).run_until_idle()
            h.clock.advance(timedelta(seconds=LEASE + 1))
        monkeypatch.undo()
        may = (await h.client.get(f"/v1/tenants/{T}/runs/{may['id']}", headers=h.admin)).json()
        assert may["state"] == "completed" and h.payees(may) == {}
        yield h


async def test_a_credit_withdrawn_while_its_providers_job_waits_and_that_job_is_parked_repays_the_company(
    harness_factory: Any, monkeypatch: Any
) -> None:
    """June pays c-1 and its reversal together (they cancel); the 200.00 April set off against the company's payment
    goes back to the company then, not to Kuusela's own account."""
    async with may_parked(harness_factory, monkeypatch, "site") as h:
        june = await worked(h, await h.run("2016-06"))
        assert h.payees(june).get(COMPANY) == "200.00"
        assert h.payees(june).get(SITE, "0.00") == "0.00"
        july = await h.run("2016-07")  # nothing left to pay or set off
        assert july["state"] == "completed" and h.payees(july) == {}


async def test_a_companys_credit_withdrawn_while_its_providers_job_waits_and_that_job_is_parked_repays_the_site(
    harness_factory: Any, monkeypatch: Any
) -> None:
    """The other level: the 200.00 April set off against Kuusela's payment goes back to Kuusela's own account, not
    to the company's."""
    async with may_parked(harness_factory, monkeypatch, "company") as h:
        june = await worked(h, await h.run("2016-06"))
        assert h.payees(june).get(SITE) == "200.00"
        assert h.payees(june).get(COMPANY, "0.00") == "0.00"
        assert carried(june) == []
        assert await transfers(h, june) == [(KUUSELA_IBAN, "200.00")]
        assert "Maksetaan: 200,00 €" in await spec_text(h, june, SITE)
        july = await h.run("2016-07")  # nothing left to pay or set off
        assert july["state"] == "completed" and h.payees(july) == {}


@pytest.mark.parametrize("level", ["site", "company"])
async def test_the_preview_after_the_parked_job_shows_the_payee_the_next_run_gives_the_set_off_back_to(
    harness_factory: Any, monkeypatch: Any, level: str
) -> None:
    """The officer previews June before locking it: the 200.00 given back shows on the payee June pays it to."""
    async with may_parked(harness_factory, monkeypatch, level) as h:
        h.month_ended("2016-06")
        preview = await h.run("2016-06", dry_run=True)
        june = await worked(h, await h.run("2016-06"))
        assert h.payees(preview) == h.payees(june)
        assert preview["total"] == june["total"] == "200.00"
        assert carried(preview) == carried(june) == []
