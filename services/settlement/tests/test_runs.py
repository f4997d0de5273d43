"""The monthly run over PostgreSQL: exact amounts per payee, carry-over, never paying twice, outputs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree
from seteli_common.auth import Role
from seteli_common.clock import today_in_helsinki
from seteli_settlement.domain.payment_file import validate_pain001
from seteli_settlement.worker import SettlementWorker

T = "kouvola"
P1, P2 = "p-paivansade", "p-kotiapu"
BILLING = {
    "iban": "FI2112345600000785",
    "bic": "NDEAFIHH",
    "reference": "1234561",
    "email": "laskutus@paivansade.fi",
    "pdf_by_email": True,
}


async def march_events(h: Any) -> None:
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 10 days x 90.00
    await h.event("e-2", "2016-03-01", "2016-03-31", client_ref="A-1002")  # 31 days x 90.00
    # Home care, 2.25 h at a tenant share of 33.33/h: 74.9925 rounds to 74.99 on its line.
    await h.event(
        "e-3",
        "2016-03-08",
        "2016-03-08",
        provider_id=P2,
        service_id="kotihoito",
        content_id="kotihoito",
        segments=[h.segment("2016-03-08", "2016-03-08", "2.25", "33.33", "40.00")],
    )
    await h.event("e-4", "2016-04-01", "2016-04-02")  # April: not in the March run
    await h.event("e-5", "2016-03-11", "2016-03-12", status="awaiting_approval")  # over the limit: waits
    await h.event("e-6", "2016-03-01", "2016-03-31", content_id="vuokra")  # rent: the client pays, never us


async def test_run_pays_each_payee_its_payable_lines_of_the_month(harness: Any) -> None:
    await harness.seed()
    await march_events(harness)
    run = await harness.run("2016-03")
    assert run["state"] == "completed"
    assert run["total"] == "3764.99"
    assert harness.payees(run) == {f"{P1}/-": "3690.00", f"{P2}/-": "74.99"}
    p1 = next(p for p in run["payments"] if p["provider_id"] == P1)
    assert p1["payee_name"] == "Hoivakoti Päivänsäde Oy"
    assert p1["event_ids"] == ["e-1", "e-2"]
    assert [(ln["event_id"], ln["amount"]) for ln in p1["lines"]] == [("e-1", "900.00"), ("e-2", "2790.00")]
    assert run["carried_over"] == []

    completed = await harness.published("settlement.run.completed")
    assert completed == [
        {"run_id": run["id"], "month": "2016-03", "total": "3764.99", "payments": 2, "carried_over": 0}
    ]
    computed = sorted(await harness.published("settlement.payment.computed"), key=lambda p: p["provider_id"])
    assert [(p["provider_id"], p["amount"], p["language"], p["email"], p["pdf_by_email"]) for p in computed] == [
        (P2, "74.99", "sv", "talous@kotiapu.fi", False),
        (P1, "3690.00", "fi", "laskutus@paivansade.fi", True),
    ]
    settled = await harness.published("settlement.events.settled")
    assert sorted(e for s in settled for e in s["event_ids"]) == ["e-1", "e-2", "e-3"]

    fetched = await harness.client.get(f"/v1/tenants/{T}/runs/{run['id']}", headers=harness.admin)
    assert fetched.status_code == 200 and fetched.json()["total"] == "3764.99"


async def test_re_run_and_re_delivered_messages_pay_nothing_twice(harness: Any) -> None:
    await harness.seed()
    recorded = await harness.event("e-1", "2016-03-01", "2016-03-10")
    first = await harness.run("2016-03")
    assert first["total"] == "900.00"
    await harness.deliver(recorded)  # the broker re-delivers the same message
    await harness.event("e-1", "2016-03-01", "2016-03-10")  # the events service re-publishes the same revision
    again = await harness.run("2016-03")
    assert again["total"] == "0.00" and again["payments"] == []
    april = await harness.run("2016-04")
    assert april["total"] == "0.00"
    lines = await harness.client.get(f"/v1/tenants/{T}/events/e-1/lines", headers=harness.admin)
    assert [(ln["amount"], ln["run_id"]) for ln in lines.json()["items"]] == [("900.00", first["id"])]


async def test_payee_without_billing_is_carried_over_and_paid_once_billing_arrives(harness: Any) -> None:
    await harness.seed(p1_billing=None)
    await harness.event("e-1", "2016-03-01", "2016-03-10")
    march = await harness.run("2016-03")
    assert march["total"] == "0.00" and march["payments"] == []
    assert [(c["provider_id"], c["amount"], c["reason"]) for c in march["carried_over"]] == [
        (P1, "900.00", "no_billing_information")
    ]
    await harness.publish(
        "registry.provider.billing_changed",
        {"provider_id": P1, "site_id": None, "billing": BILLING},
        tenant_id=None,
    )
    await harness.event("e-2", "2016-04-01", "2016-04-05")
    april = await harness.run("2016-04")
    assert harness.payees(april) == {f"{P1}/-": "1350.00"}  # March's 900.00 carried over + April's 450.00
    assert (await harness.run("2016-04"))["total"] == "0.00"


async def test_site_with_its_own_billing_is_paid_separately(harness: Any) -> None:
    site_billing = {
        "iban": "FI5810171000000122",
        "bic": "NDEAFIHH",
        "reference": "RF341234561",
        "email": "kuusela@paivansade.fi",
        "pdf_by_email": False,
    }
    await harness.seed(
        sites=[
            {
                "site_id": "s-1",
                "name": "Päivänsäde",
                "notification_email": "koti@paivansade.fi",
                "billing": None,
            },
            {
                "site_id": "s-kuusela",
                "name": "Kuusela",
                "notification_email": "kuusela@paivansade.fi",
                "billing": site_billing,
            },
        ]
    )
    await harness.event("e-1", "2016-03-01", "2016-03-10", producer_part="s-kuusela")
    await harness.event("e-2", "2016-03-01", "2016-03-02", producer_part="s-1")
    run = await harness.run("2016-03")
    assert harness.payees(run) == {f"{P1}/-": "180.00", f"{P1}/s-kuusela": "900.00"}
    site = next(p for p in run["payments"] if p["site_id"] == "s-kuusela")
    assert site["payee_name"] == "Hoivakoti Päivänsäde Oy, Kuusela" and site["reference"] == "RF341234561"


async def test_payment_file_validates_against_the_xsd_with_references(harness: Any) -> None:
    await harness.seed()
    await march_events(harness)
    run = await harness.run("2016-03")
    for version in ("pain.001.001.03", "pain.001.001.09"):
        response = await harness.client.get(
            f"/v1/tenants/{T}/runs/{run['id']}/payment-file",
            params={"version": version},
            headers=harness.admin,
        )
        assert response.status_code == 200, response.text
        validate_pain001(response.content, version)  # type: ignore[arg-type]
        root = etree.fromstring(response.content)
        ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}
        assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "3764.99"
        txs = root.findall(".//p:CdtTrfTxInf", namespaces=ns)
        amounts = sorted(
            (tx.findtext(".//p:Ref", namespaces=ns), tx.findtext(".//p:InstdAmt", namespaces=ns)) for tx in txs
        )
        assert amounts == [("1234561", "3690.00"), ("RF341234561", "74.99")]
        # The execution date is the transfer day of the following month (the 4th).
        assert "2016-04-04" in response.text


async def test_a_payment_file_asked_for_a_day_already_past_is_refused_and_names_the_field(harness: Any) -> None:
    """The bank cannot pay on a day gone by (it refuses the file or pays at once without saying): a date before
    today (Helsinki) is refused with the field and the reason; today and later days go into the file."""
    await harness.seed()
    await march_events(harness)
    run = await harness.run("2016-03")
    url = f"/v1/tenants/{T}/runs/{run['id']}/payment-file"
    today = today_in_helsinki(harness.clock)
    past = await harness.client.get(url, params={"execution_date": str(today - timedelta(days=1))},
                                    headers=harness.admin)
    assert past.status_code == 422, past.text
    assert past.json()["errors"][0]["field"] == "execution_date", past.text
    for day in (today, today + timedelta(days=10)):
        chosen = await harness.client.get(url, params={"execution_date": str(day)}, headers=harness.admin)
        assert chosen.status_code == 200, chosen.text
        assert f"{day.isoformat()}</" in chosen.text


async def test_only_the_tenants_own_staff_run_and_bad_input_is_named(harness: Any) -> None:
    await harness.seed()
    other = harness.token_for(Role.TENANT_ADMIN, tenant_id="eksote")
    response = await harness.client.post(f"/v1/tenants/{T}/runs", json={"month": "2016-03"}, headers=other)
    assert response.status_code == 404
    provider = harness.token_for(Role.PROVIDER_ADMIN, provider_id=P1)
    response = await harness.client.post(f"/v1/tenants/{T}/runs", json={"month": "2016-03"}, headers=provider)
    assert response.status_code == 403
    response = await harness.client.post(f"/v1/tenants/{T}/runs", json={"month": "2016-13"}, headers=harness.admin)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["month"]
    listing = await harness.client.get(f"/v1/tenants/{T}/runs", headers=harness.admin)
    assert listing.json() == {"items": [], "total": 0}


async def test_the_officer_previews_locks_and_downloads_the_months_payment_file(harness: Any) -> None:
    """journeys.md, officer 7: the municipality's caseworker previews the month's settlement, locks it and
    downloads the payment file (the tenant admin need not be at hand on the transfer day)."""
    await harness.seed()
    await march_events(harness)
    officer = harness.token_for(Role.TENANT_OFFICER, tenant_id=T)
    harness.month_ended("2016-03")
    runs = f"/v1/tenants/{T}/runs"
    preview = await harness.client.post(runs, json={"month": "2016-03", "dry_run": True}, headers=officer)
    assert preview.status_code == 200 and preview.json()["total"] == "3764.99"
    locked = await harness.client.post(runs, json={"month": "2016-03"}, headers=officer)
    assert locked.status_code == 201, locked.text
    assert locked.json()["state"] == "completed" and locked.json()["total"] == "3764.99"
    payment_file = await harness.client.get(f"{runs}/{locked.json()['id']}/payment-file", headers=officer)
    assert payment_file.status_code == 200 and b"FI2112345600000785" in payment_file.content


async def test_concurrent_and_retried_run_requests_pay_once(harness: Any) -> None:
    await harness.seed()
    await march_events(harness)
    harness.month_ended("2016-04")  # both months can be locked
    url, body = f"/v1/tenants/{T}/runs", {"month": "2016-03"}
    responses = await asyncio.gather(*(harness.client.post(url, json=body, headers=harness.admin) for _ in range(3)))
    # one run pays every payee; the others are told a run is under way, or (once it completed) re-run for nothing
    assert all(r.status_code in (201, 409) for r in responses)
    started = [r.json() for r in responses if r.status_code == 201]
    assert sorted(Decimal(run["total"]) for run in started) == [Decimal("0.00")] * (len(started) - 1) + [
        Decimal("3764.99")]
    paid = [(p["provider_id"], p["amount"]) for run in started for p in run["payments"]]
    assert sorted(paid) == sorted([(P1, "3690.00"), (P2, "74.99")])
    refused = [r.json() for r in responses if r.status_code == 409]
    assert all(problem["reason"] == "run_in_progress" for problem in refused)
    retried = {**harness.admin, "Idempotency-Key": "run-2016-04-a"}
    first = await harness.client.post(url, json={"month": "2016-04"}, headers=retried)
    again = await harness.client.post(url, json={"month": "2016-04"}, headers=retried)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and first.json()["total"] == "180.00"
    other = await harness.client.post(url, json={"month": "2016-05"}, headers=retried)
    assert other.status_code == 409
    listing = (await harness.client.get(f"/v1/tenants/{T}/runs", headers=harness.admin)).json()
    assert listing["total"] == len(started) + 1


async def test_embedded_mode_on_sqlite_pays_the_same_amounts(harness_factory: Any) -> None:
    async with harness_factory(sqlite=True) as h:
        await h.seed()
        await march_events(h)
        run = await h.run("2016-03")
        assert (run["state"], run["total"]) == ("completed", "3764.99")
        assert h.payees(run) == {f"{P1}/-": "3690.00", f"{P2}/-": "74.99"}
        assert (await h.run("2016-03"))["total"] == "0.00"
        response = await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}/payment-file", headers=h.admin)
        validate_pain001(response.content)


async def test_two_workers_that_find_the_same_job_on_sqlite_pay_it_once(tmp_path: Path) -> None:
    """SQLite has no SKIP LOCKED: two workers may find the same pending job. Only one takes it, and a
    job finished meanwhile is not taken again (it was paid twice: a unique-key error and a 500)."""
    from seteli_settlement import repository as repo
    from seteli_settlement.models import run_jobs
    from sqlalchemy import insert
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    # the job table alone, with no service running (its own worker would take the job first)
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(run_jobs.metadata.create_all, tables=[run_jobs])
    now = datetime(2016, 4, 5, tzinfo=UTC)
    try:
        async with AsyncSession(engine) as session, session.begin():
            await session.execute(insert(run_jobs).values(tenant_id=T, run_id="run-1", provider_id=P1,
                                                          state="pending", attempts=0))
        async with AsyncSession(engine) as session:
            found_by_a = await repo.claim_job(session, now)
            found_by_b = await repo.claim_job(session, now)
        assert found_by_a is not None and found_by_b is not None  # both looked before either took it
        async with AsyncSession(engine) as session, session.begin():
            assert await repo.take_job(session, found_by_a, now, state="running", lease_token="a")
        async with AsyncSession(engine) as session, session.begin():
            assert not await repo.take_job(session, found_by_b, now, state="running", lease_token="b")
            await repo.update_job(session, T, "run-1", P1, state="done")
        async with AsyncSession(engine) as session, session.begin():
            assert not await repo.take_job(session, found_by_b, now, state="running", lease_token="b")
            [row] = (await session.execute(run_jobs.select())).mappings().all()
        assert (row["state"], row["lease_token"]) == ("done", "a")
    finally:
        await engine.dispose()


async def test_a_second_lock_while_a_run_is_being_paid_is_refused_so_no_payee_is_split_off(
    harness_factory: Any,
) -> None:
    """Two officers lock at once (or the scheduler and an officer): while a run of the tenant is being paid,
    another run would race its jobs for the same providers' lines (a run of M pays M and earlier), and the
    month's payees would end up split over two runs and two payment files. The second is told which run is
    under way; once it has completed, a re-run pays only what is new."""
    async with harness_factory(inline_jobs=False) as h:  # the runs' jobs wait for a worker
        await h.seed()
        await march_events(h)
        h.month_ended("2016-04")
        url = f"/v1/tenants/{T}/runs"
        first = await h.client.post(url, json={"month": "2016-03"}, headers=h.admin)
        assert first.status_code == 201 and first.json()["state"] == "running"
        for month in ("2016-03", "2016-04"):
            again = await h.client.post(url, json={"month": month}, headers=h.admin)
            assert again.status_code == 409, again.text
            assert again.headers["content-type"].startswith("application/problem+json")
            problem = again.json()
            assert problem["reason"] == "run_in_progress" and problem["run_id"] == first.json()["id"]
            assert problem["running_month"] == "2016-03"
            assert [e["field"] for e in problem["errors"]] == ["month"]
        listing = (await h.client.get(url, headers=h.admin)).json()
        assert listing["total"] == 1

        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 2
        paid = (await h.client.get(f"{url}/{first.json()['id']}", headers=h.admin)).json()
        assert paid["state"] == "completed" and paid["total"] == "3764.99"
        rerun = await h.client.post(url, json={"month": "2016-03"}, headers=h.admin)
        assert rerun.status_code == 201 and rerun.json()["jobs"]["total"] == 0
        assert rerun.json()["total"] == "0.00"


async def test_the_scheduled_run_waits_for_a_run_still_being_paid_and_starts_after_it(harness_factory: Any) -> None:
    from seteli_common.auth import Role

    async with harness_factory(inline_jobs=False) as h:
        await h.seed()
        await h.event("e-1", "2016-02-01", "2016-02-10")
        h.clock.set(datetime(2016, 4, 3, 7, 0, tzinfo=UTC))
        february = (await h.client.post(f"/v1/tenants/{T}/runs", json={"month": "2016-02"}, headers=h.admin)).json()
        h.clock.set(datetime(2016, 4, 4, 7, 0, tzinfo=UTC))  # March's transfer day: February is still being paid
        platform = h.token_for(Role.PLATFORM_ADMIN)
        due = await h.client.post("/v1/settlement/scheduler/run-due", headers=platform)
        assert due.status_code == 200 and due.json()["started"] == []
        await h.event("e-2", "2016-03-01", "2016-03-02")
        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 1
        due = await h.client.post("/v1/settlement/scheduler/run-due", headers=platform)
        assert [s["month"] for s in due.json()["started"]] == ["2016-03"]
        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 1
        runs = {r["id"]: r for r in (await h.client.get(f"/v1/tenants/{T}/runs", headers=h.admin)).json()["items"]}
        assert runs[february["id"]]["total"] == "900.00"
        assert runs[due.json()["started"][0]["run_id"]]["total"] == "180.00"
