"""Policies across messages: the daily digest, duplicates to several recipients, the identity-code guard."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from seteli_common.auth import Role
from seteli_common.messaging.memory import InMemoryTransport

Harness = Any  # the `harness` fixture of conftest.py
NBSP = "\u00a0"


def text(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


async def log_of(h: Harness, tenant_id: str) -> list[dict[str, Any]]:
    admin = h.token_for(Role.TENANT_ADMIN, tenant_id=tenant_id)
    response = await h.client.get(f"/v1/tenants/{tenant_id}/messages", headers=admin)
    assert response.status_code == 200
    return list(response.json()["items"])


async def test_daily_digest_instead_of_one_mail_per_item(harness: Harness) -> None:
    harness.clock.set(datetime(2016, 3, 15, 3, 0, tzinfo=UTC))  # 05:00 in Helsinki, before the digest hour
    await harness.directory()
    provider_admin = harness.token_for(Role.PROVIDER_ADMIN, provider_id="p-fi")
    url = "/v1/providers/p-fi/notification-preferences"
    assert (await harness.client.put(url, json={"daily_digest": True}, headers=provider_admin)).status_code == 200
    other = harness.token_for(Role.PROVIDER_ADMIN, provider_id="p-sv")
    assert (await harness.client.put(url, json={"daily_digest": False}, headers=other)).status_code == 404

    await harness.publish(
        "vouchers.purchase.booked",
        {
            "booking_id": "b-1",
            "commitment_number": "2016-00042",
            "provider_id": "p-fi",
            "producer_part": None,
            "notification_email": None,
        },
        tenant_id="kouvola",
    )
    await harness.publish(
        "events.credit.requested",
        {"credit_id": "cr-1", "provider_id": "p-fi", "amount": "20"},
        tenant_id="kouvola",
    )
    await harness.publish("registry.registration.decided", {"provider_id": "p-fi", "decision": "approved"})
    # A decision is not a pending action: it goes at once; the other two wait.
    assert [m["Subject"] for m in harness.smtp.to("info@paivansade.fi")] == [
        "Rekisteröityminen hyväksytty: Hoivakoti Päivänsäde Oy"
    ]

    harness.clock.set(datetime(2016, 3, 15, 5, 0, tzinfo=UTC))  # 07:00 in Helsinki
    await harness.runtime.sender.flush()
    digest = harness.smtp.to("info@paivansade.fi")[1]
    assert digest["Subject"] == "Seteli: 2 odottavaa asiaa"
    body = text(digest)
    assert f"- Uusi ostopalveluvaraus, sitoumus 2016-00042\n- Hyvityspyyntö: 20,00{NBSP}€\n" in body
    await harness.runtime.sender.flush()  # the same day again: no second digest
    assert len(harness.smtp.to("info@paivansade.fi")) == 2
    states = {m["kind"]: m["state"] for m in await log_of(harness, "kouvola")}
    assert states == {"purchase_booked": "digested", "credit_requested": "digested"}


async def test_duplicate_tenant_notice_sends_one_email_per_recipient(harness: Harness) -> None:
    await harness.directory()
    for n in (1, 2):
        await harness.publish(
            "registry.user.created",
            {
                "user_id": f"u-{n}",
                "email": f"admin{n}@kouvola.fi",
                "role": "tenant_admin",
                "tenant_id": "kouvola",
            },
            tenant_id="kouvola",
        )
    envelope = await harness.publish(
        "events.event.awaiting_approval", {"event_id": "ev-1", "provider_id": "p-fi"}, tenant_id="kouvola"
    )
    await harness.publish(
        "events.event.awaiting_approval",
        {"event_id": "ev-1", "provider_id": "p-fi"},
        tenant_id="kouvola",
        event_id=envelope.event_id,
    )
    assert len(harness.smtp.to("admin1@kouvola.fi")) == 1 and len(harness.smtp.to("admin2@kouvola.fi")) == 1
    assert len(harness.smtp.received) == 2


async def test_identity_code_in_a_contact_message_is_refused(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(
        "registry.contact.requested",
        {
            "contact_request_id": "c-2",
            "organisation_ids": ["p-fi"],
            "message": "Henkilötunnukseni on 010180-9026",
        },
        tenant_id="kouvola",
    )
    assert harness.smtp.received == []
    [item] = await log_of(harness, "kouvola")
    assert item["state"] == "failed" and "identity code" in item["last_error"]


async def test_no_personal_data_in_logs_or_dead_letters(harness: Harness) -> None:
    records: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger().addHandler(handler)
    try:
        await harness.directory()
        harness.smtp.refuse_forever = True
        harness.smtp.refusal = "550 5.1.1 <info@paivansade.fi>: Recipient address rejected"
        await harness.publish("registry.registration.decided", {"provider_id": "p-fi", "decision": "approved"})
        # A payload that cannot be read: parked with the field path only, not the addresses it carried.
        await harness.publish("settlement.payment.computed", {
            "payment_id": "x", "month": "2016-02", "provider_id": "p-fi", "email": "laskutus@paivansade.fi",
            "payee_name": "Hoivakoti Päivänsäde Oy"}, tenant_id="kouvola")
    finally:
        logging.getLogger().removeHandler(handler)
    ours = [r for r in records if r.name.startswith("seteli")]
    assert ours, "the service logged nothing at all"
    for record in ours:
        assert "@" not in record.getMessage() and "Päivänsäde" not in record.getMessage(), record.getMessage()
    [dead] = await InMemoryTransport(harness.broker).dead_letters("notifications.mail")
    assert dead.reason == "PermanentError: settlement.payment.computed: invalid payload at amount"
    [row] = await harness.db_message(recipient="info@paivansade.fi")
    assert row["state"] == "failed" and "Recipient address rejected" in row["last_error"]


async def test_a_notice_to_a_sites_address_is_not_held_for_the_companys_digest(harness: Harness) -> None:
    """The digest goes to the company's address. A purchased service booked for a site is told at the site's
    notification address (domain.md, purchased service), at once: held, it reached only the company's digest and
    the site never heard of it."""
    harness.clock.set(datetime(2016, 3, 15, 3, 0, tzinfo=UTC))  # 05:00 in Helsinki, before the digest hour
    await harness.directory()
    provider_admin = harness.token_for(Role.PROVIDER_ADMIN, provider_id="p-fi")
    url = "/v1/providers/p-fi/notification-preferences"
    assert (await harness.client.put(url, json={"daily_digest": True}, headers=provider_admin)).status_code == 200
    await harness.publish("vouchers.purchase.booked", {
        "booking_id": "b-1", "commitment_number": "2016-00042", "provider_id": "p-fi", "producer_part": "site:s-fi"},
        tenant_id="kouvola")
    [site] = harness.smtp.to("kouvola@paivansade.fi")
    assert site["Subject"] == "Uusi ostopalveluvaraus, sitoumus 2016-00042"
    harness.clock.set(datetime(2016, 3, 15, 5, 0, tzinfo=UTC))  # 07:00 in Helsinki
    await harness.runtime.sender.flush()
    assert harness.smtp.to("info@paivansade.fi") == []  # nothing held for the company


async def test_a_link_mail_refused_for_an_identity_code_keeps_no_link(harness: Harness) -> None:
    """The tenant's request for more, with an identity code in its message: refused (never mailed), and, as it
    will never be sent, its stored copy keeps neither the code nor the link that opens the request."""
    await harness.directory()
    await harness.publish("registry.registration.more_requested", {
        "request_id": "r-7", "company_name": "Kotipalvelu Aurinko Oy", "email": "aino@aurinko.fi", "language": "fi",
        "message": "Vastuuhenkilön henkilötunnus 010180-9026 puuttuu.",
        "link": "https://seteli.fi/registration-request/answer?token=f1"}, tenant_id="kouvola")
    assert harness.smtp.received == []
    [stored] = await harness.db_message(recipient="aino@aurinko.fi")
    assert stored["state"] == "failed" and "identity code" in stored["last_error"]
    for body in (stored["body_text"], stored["body_html"]):
        assert "010180-9026" not in body and "token=f1" not in body


async def test_an_id_that_merely_contains_the_shape_of_an_identity_code_is_mailed(harness: Harness) -> None:
    """About one random UUID in 1,200 holds the shape of an identity code ('3f010180-9026-…' holds '010180-9026').
    The ids Seteli prints (event, application, credit) are no one's identity code: the notice goes (the tenant
    was never told of an over-limit event waiting for its approval). A code standing on its own is still refused."""
    await harness.directory()
    admin = {"user_id": "u-k", "email": "paakayttaja@kouvola.fi", "role": "tenant_admin", "tenant_id": "kouvola"}
    await harness.publish("registry.user.created", admin, tenant_id="kouvola")
    event_id = "3f010180-9026-4abc-8def-0123456789ab"
    await harness.publish("events.event.recorded", {"event_id": event_id, "provider_id": "p-fi", "revision": 1,
                                                    "status": "awaiting_approval"}, tenant_id="kouvola")
    [mail] = harness.smtp.to("paakayttaja@kouvola.fi")
    assert f"Tapahtuman tunnus: {event_id}" in text(mail)
    await harness.publish("events.credit.requested", {
        "credit_id": "cr-1", "provider_id": "p-fi", "amount": "-20.00", "reason": "Asiakkaan 010180-9026 tapahtuma"},
        tenant_id="kouvola")
    assert harness.smtp.to("info@paivansade.fi") == []


async def test_a_free_text_quoting_a_hex_id_is_mailed_and_one_with_a_code_is_not(harness: Harness) -> None:
    """The tenant's question to a company quotes an id cut short ('8a240892-5592-4b1e-…' holds '240892-5592'): it is
    no one's identity code, the company gets the question. The same question naming a code, in parentheses, is
    refused."""
    await harness.directory()
    question = "Liitteen 8a240892-5592-4b1e-… allekirjoitus puuttuu."
    await harness.publish("registry.registration.more_requested", {
        "request_id": "r-hex", "company_name": "Kotipalvelu Heksa Oy", "email": "heksa@heksa.fi", "language": "fi",
        "message": question, "link": "https://seteli.fi/registration-request/answer?token=h1"}, tenant_id="kouvola")
    [mail] = harness.smtp.to("heksa@heksa.fi")
    assert question in text(mail)
    await harness.publish("registry.registration.more_requested", {
        "request_id": "r-code", "company_name": "Kotipalvelu Koodi Oy", "email": "koodi@koodi.fi", "language": "fi",
        "message": "Vastuuhenkilö (131052a308t) puuttuu.",
        "link": "https://seteli.fi/registration-request/answer?token=h2"}, tenant_id="kouvola")
    assert harness.smtp.to("koodi@koodi.fi") == []


async def test_a_question_with_a_code_glued_to_asiakkaalle_is_not_mailed(harness: Harness) -> None:
    """Finnish words end in a or e, hex letters: a code glued to one ('Asiakkaalle010180-9026') is no id's hex."""
    await harness.directory()
    await harness.publish("registry.registration.more_requested", {
        "request_id": "r-glued", "company_name": "Kotipalvelu Liima Oy", "email": "liima@liima.fi", "language": "fi",
        "message": "Asiakkaalle010180-9026 ei löydy päätöstä.",
        "link": "https://seteli.fi/registration-request/answer?token=g1"}, tenant_id="kouvola")
    assert harness.smtp.to("liima@liima.fi") == []
