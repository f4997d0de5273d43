"""A payment specification mailed to the provider names its clients (client numbers with their care): the mail
that goes out with the PDF is a disclosure of their data, told to vouchers' access log (Client Data Act 703/2023
§11) as `notifications.client_data.disclosed`, once per mail sent, at the time it was sent."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport
from seteli_notifications.models import metadata
from sqlalchemy import select

Harness = Any  # the `harness` fixture of conftest.py
PDF = b"%PDF-1.4\n% Seteli test specification\n%%EOF\n"
CLIENTS = [{"provider_id": "p-fi", "client_ref": "A-1001"}, {"provider_id": "p-fi", "client_ref": "A-1002"}]
SPEC = {"payment_id": "pay-1", "run_id": "run-1", "provider_id": "p-fi", "site_id": None, "language": "fi",
        "email": "laskutus@paivansade.fi", "month": "2016-02", "pdf_base64": base64.b64encode(PDF).decode(),
        "clients": CLIENTS}


async def disclosures(h: Harness) -> list[Envelope]:
    outbox = metadata.tables["outbox"]
    async with h.runtime.db.system_transaction() as session:
        rows = (await session.execute(select(outbox).where(outbox.c.type == "notifications.client_data.disclosed")
                                      .order_by(outbox.c.id))).mappings().all()
    return [Envelope.model_validate(dict(r)) for r in rows]


async def deliver(h: Harness, envelope: Envelope) -> None:
    await InMemoryTransport(h.broker).publish(envelope, {}, timeout=1)
    await h.settle()


async def test_the_mailed_specification_is_in_each_clients_access_log_once(harness: Harness) -> None:
    h = harness
    await h.directory()
    envelope = Envelope(event_id=uuid.uuid4(), type="settlement.specification.ready", tenant_id="kouvola",
                        payload=SPEC)
    await deliver(h, envelope)
    [mail] = h.smtp.to("laskutus@paivansade.fi")
    assert [a.get_filename() for a in mail.iter_attachments()] == ["maksuerittely-2016-02.pdf"]
    [told] = await disclosures(h)
    assert told.tenant_id == "kouvola" and told.causation_id == str(envelope.event_id)
    assert told.payload == {
        "clients": CLIENTS, "actor": "system", "actor_name": "Seteli", "actor_role": "system", "actor_org": "p-fi",
        "what": "payment.specification.emailed", "why": "payment specification", "at": "2016-03-15T10:00:00Z"}
    await deliver(h, envelope)  # redelivered: no second mail, nothing told twice
    assert len(h.smtp.to("laskutus@paivansade.fi")) == 1 and len(await disclosures(h)) == 1


async def test_nothing_is_told_until_the_mail_goes_out(harness: Harness) -> None:
    """Refused for now by the recipient's server: not disclosed yet; sent on the retry, at the retry's time."""
    h = harness
    await h.directory()
    h.smtp.refuse_next = 1
    await h.publish("settlement.specification.ready", SPEC, tenant_id="kouvola")
    assert h.smtp.to("laskutus@paivansade.fi") == [] and await disclosures(h) == []
    h.clock.set(datetime(2016, 3, 15, 10, 5, tzinfo=UTC))
    await h.settle()
    assert len(h.smtp.to("laskutus@paivansade.fi")) == 1
    [told] = await disclosures(h)
    assert told.payload["at"] == "2016-03-15T10:05:00Z"


async def test_a_provider_not_opted_in_gets_no_pdf_and_no_client_is_logged(harness: Harness) -> None:
    h = harness
    await h.directory()
    await h.publish("registry.provider.billing_changed", {
        "provider_id": "p-fi", "site_id": None,
        "billing": {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "email": "laskutus@paivansade.fi",
                    "pdf_by_email": False}})
    await h.publish("settlement.specification.ready", SPEC, tenant_id="kouvola")
    assert h.smtp.to("laskutus@paivansade.fi") == []  # the specification mail is skipped, the PDF never leaves
    assert await disclosures(h) == []
