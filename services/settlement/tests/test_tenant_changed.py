"""A municipality's new payer account (registry.tenant.changed) is on the next payment file; a change heard
before the tenant itself waits for it and is not overwritten by it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

from .conftest import SERVICE, T

NEW_ACCOUNT = {"tenant_id": T, "languages": ["fi", "sv"], "payer_iban": "FI5810171000000122",
               "payer_bic": "NDEAFIHH"}


async def payer_iban(h: Any, run_id: str) -> str | None:
    response = await h.client.get(f"/v1/tenants/{T}/runs/{run_id}/payment-file", headers=h.admin)
    assert response.status_code == 200, response.text
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    return etree.fromstring(response.content).findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=ns)  # type: ignore[no-any-return]


async def test_the_next_payment_file_is_paid_from_the_new_account(harness: Any) -> None:
    await harness.seed()
    await harness.event("e-1", "2016-03-01", "2016-03-03")
    march = await harness.run("2016-03")
    assert await payer_iban(harness, march["id"]) == "FI4950009420028730"
    await harness.publish("registry.tenant.changed", NEW_ACCOUNT)
    await harness.event("e-2", "2016-04-01", "2016-04-02")
    april = await harness.run("2016-04")
    assert await payer_iban(harness, april["id"]) == "FI5810171000000122"


async def test_a_change_heard_before_the_tenant_waits_for_it(harness_factory: Any) -> None:
    async with harness_factory(retry_delays_seconds=[0.3, 0.3, 0.3]) as h:
        early = Envelope(type="registry.tenant.changed", tenant_id=T, payload=NEW_ACCOUNT)
        await InMemoryTransport(h.broker).publish(early, {}, timeout=1)
        await asyncio.sleep(0.1)  # heard and refused for now: the tenant is not known yet
        await h.seed()  # registry.tenant.created arrives, with the old account; drain waits for the retry too
        await h.event("e-1", "2016-03-01", "2016-03-03")
        run = await h.run("2016-03")
        assert await payer_iban(h, run["id"]) == "FI5810171000000122"


async def test_an_older_change_heard_after_a_newer_one_leaves_the_newer_account(harness: Any) -> None:
    """The admin corrected the payer account twice; the first change was retried and arrived last."""
    await harness.seed()
    stated = datetime.now(UTC)
    older = Envelope(type="registry.tenant.changed", tenant_id=T, occurred_at=stated - timedelta(minutes=1),
                     payload={**NEW_ACCOUNT, "payer_iban": "FI2112345600000785", "payer_bic": "NDEAFIHH"})
    newer = Envelope(type="registry.tenant.changed", tenant_id=T, occurred_at=stated, payload=NEW_ACCOUNT)
    await harness.deliver(newer)
    await harness.deliver(older)
    await harness.event("e-1", "2016-03-01", "2016-03-03")
    run = await harness.run("2016-03")
    assert await payer_iban(harness, run["id"]) == "FI5810171000000122"


async def test_an_older_service_calendar_heard_after_a_newer_one_does_not_move_the_transfer_day(
        harness: Any) -> None:
    """The admin moved the payment day and then changed the service again; the definitions were heard in the
    other order."""
    await harness.seed()
    defined = datetime.now(UTC) + timedelta(minutes=1)
    service = {"service_id": SERVICE, "name_fi": "Tehostettu palveluasuminen", "name_sv": "Serviceboende",
               "contents": [{"content_id": "hoito", "name_fi": "Hoito ja hoiva", "name_sv": "Vård", "unit": "day",
                             "client_pays": False}]}
    for transfer_day, at in ((6, defined), (4, defined - timedelta(seconds=20))):
        await harness.deliver(Envelope(type="applications.service.defined", tenant_id=T, occurred_at=at, payload={
            **service, "calendar": {"provider_deadline_day": 2, "approval_deadline_day": 3,
                                    "transfer_day": transfer_day}}))
    await harness.event("e-1", "2016-03-01", "2016-03-03")
    preview = await harness.run("2016-03", dry_run=True)
    assert preview["calendar"]["transfer_date"] == "2016-04-06"


async def test_a_change_whose_envelope_names_another_tenant_is_dead_lettered_and_changes_nothing(
        harness: Any) -> None:
    await harness.seed()
    await harness.deliver(Envelope(type="registry.tenant.changed", tenant_id="lahti", payload=NEW_ACCOUNT))
    reasons = [d.reason for q in harness.broker.queues.values() for d in q.dead]
    assert len(reasons) == 1 and "tenant" in reasons[0]
    await harness.event("e-1", "2016-03-01", "2016-03-03")
    run = await harness.run("2016-03")
    assert await payer_iban(harness, run["id"]) == "FI4950009420028730"
