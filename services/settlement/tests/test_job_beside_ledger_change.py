"""A payment job and a ledger change of the same provider never interleave: a line that arrives while a
job is paying the provider waits for the job and is paid by the next run, on PostgreSQL (advisory lock)
and on SQLite (the embedded mode, where the job holds the database's write lock)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from seteli_settlement.repository import open_queue
from seteli_settlement.worker import SettlementWorker

from .conftest import P1, T


@pytest.mark.parametrize("sqlite", [True, False], ids=["sqlite", "postgres"])
async def test_an_event_arriving_while_its_provider_is_paid_waits_for_the_next_run(
    harness_factory: Any, monkeypatch: pytest.MonkeyPatch, sqlite: bool
) -> None:
    async with harness_factory(sqlite=sqlite, inline_jobs=False) as h:
        await h.seed()
        await h.event("e-1", "2016-03-01", "2016-03-03")
        run = await h.run("2016-03")
        assert run["jobs"] == {"total": 1, "done": 0}

        real_totals = open_queue.open_totals
        arriving: list[asyncio.Task[Any]] = []

        async def totals_then_an_event_arrives(*args: Any) -> Any:
            totals = await real_totals(*args)
            # The provider records another event just after the job summed its lines.
            arriving.append(asyncio.create_task(h.event("e-2", "2016-03-10", "2016-03-11")))
            await asyncio.wait(arriving, timeout=1.0)  # time enough to commit, were it not kept waiting
            return totals

        monkeypatch.setattr(open_queue, "open_totals", totals_then_an_event_arrives)
        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 1
        monkeypatch.setattr(open_queue, "open_totals", real_totals)
        await asyncio.gather(*arriving)  # the event lands once the job has committed

        paid = await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}", headers=h.admin)
        assert paid.json()["state"] == "completed"
        assert h.payees(paid.json()) == {f"{P1}/-": "270.00"}  # e-1's three days only
        following = await h.run("2016-04")
        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 1
        paid = await h.client.get(f"/v1/tenants/{T}/runs/{following['id']}", headers=h.admin)
        assert h.payees(paid.json()) == {f"{P1}/-": "180.00"}  # e-2's two days, once


async def test_a_job_that_fails_leaves_the_run_running_and_is_worked_again(
    harness_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from seteli_settlement.service import paying as paying_module

    async with harness_factory(job_lease_seconds=30) as h:  # the API works its run's jobs inline
        await h.seed()
        await h.event("e-1", "2016-03-01", "2016-03-03")
        real_pay = paying_module.pay_provider

        async def fails(*args: Any) -> None:
            raise RuntimeError("the database went away mid-job")

        monkeypatch.setattr(paying_module, "pay_provider", fails)
        run = await h.run("2016-03")  # 201, not 500: the officer sees the run under way
        assert run["state"] == "running" and run["payments"] == []
        monkeypatch.setattr(paying_module, "pay_provider", real_pay)

        h.clock.advance(timedelta(seconds=31))  # the failed job's lease runs out
        # Worked again by this worker, or by the API's own background one, which a late wake-up (the failure's
        # NOTIFY) may send looking after the clock moved: it then holds the job a moment, so look until done.
        done: dict[str, Any] = {}
        for _ in range(100):
            await SettlementWorker(h.runtime.extras["deps"]).run_until_idle()
            done = (await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}", headers=h.admin)).json()
            if done["state"] == "completed":
                break
            await asyncio.sleep(0.1)
        assert done["state"] == "completed" and done["jobs"] == {"total": 1, "done": 1}
        assert h.payees(done) == {f"{P1}/-": "270.00"}


async def test_the_locked_run_pays_what_was_open_at_the_lock_and_later_changes_go_to_the_next_run(
    harness_factory: Any,
) -> None:
    """The officer locks the total the preview showed; the run's jobs are worked a moment later (by a worker, or
    one provider after another by the API). An event, a correction, an approval or a credit arriving in between
    changed what the locked run paid, so its total and payment file differed from the total the officer
    confirmed. Now the run pays the lines open at the lock, as they were, and the rest goes to the next run."""
    async with harness_factory(inline_jobs=False) as h:
        await h.seed()
        await h.event("e-1", "2016-03-01", "2016-03-03")  # 270.00
        await h.event("e-2", "2016-03-10", "2016-03-10", provider_id="p-kotiapu")  # 90.00
        await h.event("e-5", "2016-03-15", "2016-03-15", status="awaiting_approval")  # 90.00, waits
        preview = await h.run("2016-03", dry_run=True)
        assert preview["total"] == "360.00"
        run = await h.run("2016-03")
        assert run["jobs"] == {"total": 2, "done": 0}
        # After the lock, before any job: a new event, a correction, an approval and a credit.
        await h.event("e-3", "2016-03-20", "2016-03-21")  # 180.00
        await h.event("e-2", "2016-03-10", "2016-03-11", provider_id="p-kotiapu", revision=2, corrected=True)
        await h.publish("events.event.approved", {"event_id": "e-5", "revision": 1})
        await h.publish("events.credit.requested", {
            "credit_id": "c-1", "event_id": "e-0", "provider_id": P1, "producer_part": None, "client_ref": "A-1001",
            "content_id": "hoito", "service_id": "tehostettu", "amount": "-50.00", "reason": "wrong",
            "month": "2016-03"})
        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 2
        locked = (await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}", headers=h.admin)).json()
        assert locked["state"] == "completed" and locked["total"] == "360.00"  # what the officer confirmed
        assert h.payees(locked) == {f"{P1}/-": "270.00", "p-kotiapu/-": "90.00"}
        following = await h.run("2016-04")
        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 2
        paid = (await h.client.get(f"/v1/tenants/{T}/runs/{following['id']}", headers=h.admin)).json()
        # e-3 180.00 + e-5 90.00 - the credit 50.00; e-2's correction: -90.00 + 180.00
        assert h.payees(paid) == {f"{P1}/-": "220.00", "p-kotiapu/-": "90.00"}
        lines = (await h.client.get(f"/v1/tenants/{T}/events/e-2/lines", headers=h.admin)).json()["items"]
        assert [(ln["entry"], ln["amount"], ln["run_id"]) for ln in lines] == [
            ("line", "90.00", run["id"]), ("reversal", "-90.00", following["id"]), ("line", "180.00", following["id"])]
        assert (await h.run("2016-04"))["total"] == "0.00"


async def _waiting_on_a_lock(h: Any) -> None:
    """Until a transaction of the harness's database waits on an advisory lock (a run start or a ledger
    change blocked at the tenant's run lock): the order of the two is then fixed, not left to timing."""
    from sqlalchemy import text

    engine = h.runtime.extras["deps"].db.engine
    for _ in range(500):
        async with engine.connect() as connection:
            waiting = (await connection.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ))).scalar_one()
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("nobody waited on the tenant's run lock")


async def test_a_run_started_while_a_ledger_change_is_in_flight_waits_for_it_and_pays_its_line(
    harness_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The barrier, one way: an event being written (its line opened, not yet committed) when the officer
    locks the month is in the locked run, never left between the lock and the next run."""
    async with harness_factory(inline_jobs=False) as h:
        await h.seed()
        await h.event("e-1", "2016-03-01", "2016-03-03")
        inside, gate = asyncio.Event(), asyncio.Event()

        def then_held(real: Any) -> Any:
            async def opened_then_held(*args: Any, **kwargs: Any) -> None:
                await real(*args, **kwargs)
                inside.set()
                await gate.wait()  # the event's transaction stays open, holding the tenant's run lock shared
            return opened_then_held

        # a new event's lines are opened by one of these (on PostgreSQL in the statement that inserts them)
        for name in ("open_payable", "insert_new_source_lines"):
            monkeypatch.setattr(open_queue, name, then_held(getattr(open_queue, name)))
        arriving = asyncio.create_task(h.event("e-2", "2016-03-10", "2016-03-11"))
        await asyncio.wait_for(inside.wait(), 10)
        locking = asyncio.create_task(h.run("2016-03"))
        await _waiting_on_a_lock(h)
        assert not locking.done()  # the lock waits for the event's commit
        gate.set()
        await arriving
        run = await locking
        monkeypatch.undo()

        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 1
        paid = (await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}", headers=h.admin)).json()
        assert paid["state"] == "completed"
        assert h.payees(paid) == {f"{P1}/-": "450.00"}  # e-1's three days and e-2's two


async def test_a_ledger_change_arriving_while_a_run_starts_waits_and_goes_to_the_next_run(
    harness_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The barrier, the other way: an event arriving while the officer's lock is being written waits for
    it, and its line is held for the next run: the locked run pays what the officer confirmed."""
    from seteli_settlement.service import runs as runs_module

    async with harness_factory(inline_jobs=False) as h:
        await h.seed()
        await h.event("e-1", "2016-03-01", "2016-03-03")
        real_calendar = runs_module.tenant_calendar
        inside, gate = asyncio.Event(), asyncio.Event()

        async def calendar_then_held(*args: Any) -> Any:
            calendar = await real_calendar(*args)
            inside.set()
            await gate.wait()  # the run's transaction stays open, holding the tenant's run lock
            return calendar

        monkeypatch.setattr(runs_module, "tenant_calendar", calendar_then_held)
        locking = asyncio.create_task(h.run("2016-03"))
        await asyncio.wait_for(inside.wait(), 10)
        arriving = asyncio.create_task(h.event("e-2", "2016-03-10", "2016-03-11"))
        await _waiting_on_a_lock(h)
        assert not arriving.done()  # the event waits for the lock's commit
        gate.set()
        run = await locking
        await arriving
        monkeypatch.setattr(runs_module, "tenant_calendar", real_calendar)

        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 1
        paid = (await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}", headers=h.admin)).json()
        assert h.payees(paid) == {f"{P1}/-": "270.00"}  # e-1 only: what was open at the lock
        following = await h.run("2016-04")
        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 1
        paid = (await h.client.get(f"/v1/tenants/{T}/runs/{following['id']}", headers=h.admin)).json()
        assert h.payees(paid) == {f"{P1}/-": "180.00"}  # e-2, once
