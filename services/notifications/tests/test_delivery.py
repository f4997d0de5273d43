"""Delivery on PostgreSQL with an in-process SMTP server: the payment-computed mail, duplicates,
retries, permanent failure, the delivery log API, embedded-mode files and the identity-code guard."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from seteli_common.auth import Role
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport
from seteli_notifications.sender import MailSender

Harness = Any  # the `harness` fixture of conftest.py

NBSP = "\u00a0"


def payment(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "payment_id": "pay-1",
        "run_id": "run-1",
        "month": "2016-02",
        "provider_id": "p-sv",
        "site_id": None,
        "payee_name": "Vårdhem Solsidan Ab",
        "amount": "1234.50",
        "language": "sv",
        "email": "ekonomi@solsidan.fi",
        "pdf_by_email": True,
        "lines": [{"ignored": True}],
    }
    return {**body, **overrides}


async def test_payment_computed_mail_reaches_provider_in_its_language(harness: Harness) -> None:
    await harness.directory()
    await harness.publish("settlement.payment.computed", payment(), tenant_id="kouvola")

    [mail] = harness.smtp.to("ekonomi@solsidan.fi")
    assert mail["Subject"] == "Betalning beräknad: februari 2016"
    assert mail["Content-Language"] == "sv"
    assert mail["Message-ID"].endswith("@seteli.fi>")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"1{NBSP}234,50{NBSP}€" in text and f"1{NBSP}234,50{NBSP}€" in html
    assert "Kouvola stad har beräknat servicesedelbetalningen för februari 2016" in text
    assert "Detta är ett automatiskt meddelande" in text

    await harness.publish(
        "settlement.payment.computed",
        payment(
            payment_id="pay-2",
            provider_id="p-fi",
            payee_name="Hoivakoti Päivänsäde Oy",
            amount="87.05",
            language="fi",
            email="laskutus@paivansade.fi",
        ),
        tenant_id="kouvola",
    )
    [fi_mail] = harness.smtp.to("laskutus@paivansade.fi")
    assert fi_mail["Subject"] == "Maksu laskettu: helmikuu 2016"
    assert f"Maksettava summa: 87,05{NBSP}€" in fi_mail.get_body(("plain",)).get_content()


async def test_duplicate_event_sends_one_email(harness: Harness) -> None:
    await harness.directory()
    event_id = uuid.uuid4()
    await harness.publish("settlement.payment.computed", payment(), tenant_id="kouvola", event_id=event_id)
    await harness.publish("settlement.payment.computed", payment(), tenant_id="kouvola", event_id=event_id)
    assert len(harness.smtp.to("ekonomi@solsidan.fi")) == 1
    assert len(await harness.db_message(recipient="ekonomi@solsidan.fi")) == 1


async def test_smtp_refusing_for_a_while_gets_the_email_later(harness: Harness) -> None:
    await harness.directory()
    harness.smtp.refuse_next = 2
    await harness.publish("settlement.payment.computed", payment(), tenant_id="kouvola")
    assert harness.smtp.to("ekonomi@solsidan.fi") == []
    [row] = await harness.db_message(recipient="ekonomi@solsidan.fi")
    assert row["state"] == "queued" and row["attempts"] == 1 and "451" in row["last_error"]

    harness.clock.advance(timedelta(seconds=30))  # not yet: the first wait is 60 s
    assert await harness.runtime.sender.flush() == 0
    harness.clock.advance(timedelta(seconds=30))
    assert await harness.runtime.sender.flush() == 1  # second refusal
    harness.clock.advance(timedelta(seconds=300))
    assert await harness.runtime.sender.flush() == 1
    [mail] = harness.smtp.to("ekonomi@solsidan.fi")
    first = await harness.db_message(recipient="ekonomi@solsidan.fi")
    assert mail["Message-ID"] == first[0]["message_id"]

    admin = harness.token_for(Role.TENANT_ADMIN, tenant_id="kouvola")
    page = (await harness.client.get("/v1/tenants/kouvola/messages", headers=admin)).json()
    [item] = page["items"]
    assert item["state"] == "sent" and item["attempts"] == 3
    assert [e["outcome"] for e in item["log"]] == ["queued", "retry", "retry", "sent"]


async def test_smtp_refusing_forever_leaves_message_failed_with_reason(harness: Harness) -> None:
    await harness.directory()
    harness.smtp.refuse_forever = True
    await harness.publish("settlement.payment.computed", payment(), tenant_id="kouvola")
    for wait in (60, 300):
        harness.clock.advance(timedelta(seconds=wait))
        await harness.runtime.sender.flush()
    harness.clock.advance(timedelta(days=1))
    assert await harness.runtime.sender.flush() == 0  # given up: no more attempts
    assert harness.smtp.received == [] and harness.smtp.attempts == 3

    admin = harness.token_for(Role.TENANT_ADMIN, tenant_id="kouvola")
    response = await harness.client.get(
        "/v1/tenants/kouvola/messages", params={"recipient": "ekonomi@solsidan.fi"}, headers=admin
    )
    [item] = response.json()["items"]
    assert item["state"] == "failed"
    assert item["last_error"] == "451 4.3.0 Mailbox busy, try again later"
    assert [e["outcome"] for e in item["log"]] == ["queued", "retry", "retry", "failed"]
    assert item["log"][-1]["detail"] == "451 4.3.0 Mailbox busy, try again later"


async def test_permanent_refusal_fails_at_once(harness: Harness) -> None:
    await harness.directory()
    harness.smtp.refuse_forever = True
    harness.smtp.refusal = "550 5.1.1 Mailbox does not exist"
    await harness.publish("settlement.payment.computed", payment(), tenant_id="kouvola")
    [row] = await harness.db_message(recipient="ekonomi@solsidan.fi")
    assert row["state"] == "failed" and row["attempts"] == 1
    assert row["last_error"] == "550 5.1.1 Mailbox does not exist"


async def test_delivery_log_is_per_tenant_paginated_and_filtered(harness: Harness) -> None:
    await harness.directory()
    for n in range(3):
        await harness.publish("settlement.payment.computed", payment(payment_id=f"k{n}"), tenant_id="kouvola")
    await harness.publish("settlement.payment.computed", payment(email="talous@solsidan.fi"), tenant_id="kouvola")
    await harness.publish("settlement.payment.computed", payment(), tenant_id="porvoo")

    admin = harness.token_for(Role.TENANT_ADMIN, tenant_id="kouvola")
    url = "/v1/tenants/kouvola/messages"
    page = (await harness.client.get(url, params={"limit": 2}, headers=admin)).json()
    assert page["total"] == 4 and len(page["items"]) == 2
    rest = (
        await harness.client.get("/v1/tenants/kouvola/messages", params={"limit": 2, "offset": 2}, headers=admin)
    ).json()
    assert len(rest["items"]) == 2
    assert {i["id"] for i in page["items"]}.isdisjoint({i["id"] for i in rest["items"]})
    only = (await harness.client.get(url, params={"recipient": "TALOUS@solsidan.fi"}, headers=admin)).json()
    assert only["total"] == 1 and only["items"][0]["recipient"] == "talous@solsidan.fi"

    assert (await harness.client.get("/v1/tenants/porvoo/messages", headers=admin)).status_code == 404
    officer = harness.token_for(Role.TENANT_OFFICER, tenant_id="kouvola")
    assert (await harness.client.get("/v1/tenants/kouvola/messages", headers=officer)).status_code == 403
    assert (await harness.client.get("/v1/tenants/kouvola/messages")).status_code == 401

    message_pk = page["items"][0]["id"]
    assert (await harness.client.get(f"/v1/messages/{message_pk}", headers=admin)).status_code == 403
    platform = harness.token_for(Role.PLATFORM_ADMIN)
    detail = (await harness.client.get(f"/v1/messages/{message_pk}", headers=platform)).json()
    assert detail["kind"] == "payment_computed" and "1\u00a0234,50\u00a0€" in detail["body_text"]
    assert (await harness.client.get("/v1/messages/999999", headers=platform)).status_code == 404


async def test_identity_code_is_never_mailed(harness: Harness) -> None:
    await harness.directory()
    await harness.publish("settlement.payment.computed", payment(payee_name="Asiakas 010180-9026"), tenant_id="kouvola")
    assert harness.smtp.received == []
    [row] = await harness.db_message(recipient="ekonomi@solsidan.fi")
    assert row["state"] == "failed" and "identity code" in row["last_error"]
    assert "010180-9026" not in row["body_text"] and "010180-9026" not in row["subject"]


async def test_embedded_mode_writes_openable_files(embedded: Harness, tmp_path: Path) -> None:
    await embedded.directory()
    await embedded.publish("settlement.payment.computed", payment(), tenant_id="kouvola")
    await embedded.publish("settlement.payment.computed", payment(), tenant_id="kouvola")  # another event
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    mail = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert mail["To"] == "ekonomi@solsidan.fi"
    assert mail["Subject"] == "Betalning beräknad: februari 2016"
    assert "1\u00a0234,50\u00a0€" in mail.get_body(("plain",)).get_content()


async def test_embedded_mode_on_sqlite(embedded_sqlite: Harness, tmp_path: Path) -> None:
    await embedded_sqlite.directory()
    event = await embedded_sqlite.publish("settlement.payment.computed", payment(), tenant_id="kouvola")
    await embedded_sqlite.publish(
        "settlement.payment.computed", payment(), tenant_id="kouvola", event_id=event.event_id
    )  # duplicate
    [file] = list((tmp_path / "mail").glob("*.eml"))
    mail = message_from_bytes(file.read_bytes(), policy=policy.default)
    assert mail["Subject"] == "Betalning beräknad: februari 2016"
    [row] = await embedded_sqlite.db_message(recipient="ekonomi@solsidan.fi")
    assert row["state"] == "sent" and mail["Message-ID"] == row["message_id"]


async def test_background_sender_sends_without_being_asked(harness: Harness) -> None:
    await harness.directory()
    envelope = Envelope(type="settlement.payment.computed", tenant_id="kouvola", payload=payment())
    await InMemoryTransport(harness.broker).publish(envelope, {}, timeout=1)
    await harness.broker.drain()
    for _ in range(200):  # the consumer's commit wakes the sender; no flush() here
        if harness.smtp.to("ekonomi@solsidan.fi"):
            break
        await asyncio.sleep(0.025)
    assert len(harness.smtp.to("ekonomi@solsidan.fi")) == 1


async def test_two_senders_never_send_the_same_message(harness: Harness) -> None:
    await harness.directory()
    await harness.runtime.sender.stop()  # hold the queue: nothing sends while we fill it
    transport = InMemoryTransport(harness.broker)
    for n in range(8):
        body = payment(payment_id=f"p{n}", email=f"talous{n}@solsidan.fi")
        await transport.publish(
            Envelope(type="settlement.payment.computed", tenant_id="kouvola", payload=body), {}, timeout=1
        )
    await harness.broker.drain()
    settings = harness.runtime.settings
    first = MailSender(harness.runtime.db, settings, harness.clock)
    second = MailSender(harness.runtime.db, settings, harness.clock)
    sent = await asyncio.gather(first.flush(), second.flush())
    assert sum(sent) == 8
    assert sorted(r[0][0] for r in harness.smtp.received) == sorted(f"talous{n}@solsidan.fi" for n in range(8))


async def test_a_message_that_cannot_be_written_fails_and_the_others_still_go(harness: Harness) -> None:
    """An address with a line break in it (a header injection: `Bcc:` on a line of its own) cannot be put in a
    header. That message fails at once, with its reason in the log; it never holds up the mail after it."""
    await harness.directory()
    await harness.publish("settlement.payment.computed",
                          payment(payment_id="bad", email="ekonomi@solsidan.fi\r\nBcc: kaikki@example.com"),
                          tenant_id="kouvola")
    await harness.publish("settlement.payment.computed", payment(payment_id="good"), tenant_id="kouvola")
    assert len(harness.smtp.to("ekonomi@solsidan.fi")) == 1
    assert harness.smtp.to("kaikki@example.com") == [] and len(harness.smtp.received) == 1

    admin = harness.token_for(Role.TENANT_ADMIN, tenant_id="kouvola")
    items = (await harness.client.get("/v1/tenants/kouvola/messages", headers=admin)).json()["items"]
    bad = next(i for i in items if i["state"] != "sent")
    assert bad["state"] == "failed" and bad["attempts"] == 1
    assert "cannot be written" in bad["last_error"] and "kaikki@example.com" not in bad["last_error"]
    assert [e["outcome"] for e in bad["log"]] == ["queued", "failed"]
    harness.clock.advance(timedelta(days=1))
    assert await harness.runtime.sender.flush() == 0  # given up: not tried again


async def test_a_sign_in_link_that_could_not_be_sent_is_not_kept(harness: Harness) -> None:
    """A password-reset mail the server refuses for good: nobody will send it, so the stored copy the platform
    admin reads keeps no link (the link signs its holder in, as it does once a mail has gone)."""
    harness.smtp.refuse_forever = True
    harness.smtp.refusal = "550 5.1.1 Mailbox does not exist"
    link = "https://seteli.fi/reset/abc123"
    await harness.publish("registry.password_reset.requested", {
        "email": "maija@paivansade.fi", "language": "fi", "link": link, "expires_at": "2016-03-15T11:00:00Z"})
    [row] = await harness.db_message(recipient="maija@paivansade.fi")
    assert row["state"] == "failed"
    assert link not in row["body_text"] and link not in row["body_html"]
    assert "[link removed after sending]" in row["body_text"]


async def test_a_relay_refusing_our_sender_for_a_while_does_not_fail_the_mail_for_good(harness: Harness) -> None:
    """The relay refuses Seteli itself (credentials or sender policy changed on the server: 530, 550 at MAIL FROM)
    for a while. That says nothing of this message or its recipient: it is tried again, as a busy mailbox is,
    instead of every message sent meanwhile failing for good."""
    await harness.directory()
    harness.smtp.refuse_sender_next = 1
    await harness.publish("settlement.payment.computed", payment(), tenant_id="kouvola")
    [row] = await harness.db_message(recipient="ekonomi@solsidan.fi")
    assert row["state"] == "queued" and "530" in row["last_error"]
    harness.smtp.refuse_sender_next = 1
    harness.smtp.sender_refusal = "550 5.7.1 Sender address not allowed"
    harness.clock.advance(timedelta(seconds=60))
    await harness.runtime.sender.flush()
    harness.clock.advance(timedelta(seconds=300))
    await harness.runtime.sender.flush()
    assert len(harness.smtp.to("ekonomi@solsidan.fi")) == 1
    [row] = await harness.db_message(recipient="ekonomi@solsidan.fi")
    assert row["state"] == "sent" and row["attempts"] == 3
