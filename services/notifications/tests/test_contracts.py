"""The payload shapes the other services actually publish (their events.py), end to end."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from typing import Any

from seteli_common.auth import Role

Harness = Any  # the `harness` fixture of conftest.py


def text(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


async def test_rejected_registration_request_without_company_goes_to_applicant(harness: Harness) -> None:
    await harness.publish(
        "registry.registration.decided",
        {
            "provider_id": None,
            "decision": "rejected",
            "reason": "Y-tunnus ei ole kaupparekisterissä.",
            "request_id": "r-1",
            "email": "hakija@uusiyritys.fi",
            "language": "fi",
        },
    )
    [mail] = harness.smtp.to("hakija@uusiyritys.fi")
    assert mail["Subject"] == "Rekisteröitymistä ei hyväksytty"
    assert "rekisteröitymistänne Seteli-palveluun ei hyväksytty." in text(mail)
    assert "Perustelu: Y-tunnus ei ole kaupparekisterissä." in text(mail)


async def test_contact_request_with_resolved_recipients_reaches_associations_too(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(
        "registry.contact.requested",
        {
            "contact_request_id": "c-9",
            "organisation_ids": ["p-sv", "assoc-1"],
            "tenant_id": "porvoo",
            "recipients": [
                {
                    "organisation_id": "p-sv",
                    "name": "Vårdhem Solsidan Ab",
                    "email": "info@solsidan.fi",
                    "language": "sv",
                },
                {
                    "organisation_id": "assoc-1",
                    "name": "Porvoon Seniorit ry",
                    "email": "hallitus@seniorit.fi",
                    "language": "fi",
                },
            ],
            "summary": "2 organisations",
            "language": "fi",
            "contact": {"name": "Aino Asukas", "phone": "040 765 4321", "email": None, "message": None},
        },
    )
    [sv] = harness.smtp.to("info@solsidan.fi")
    [fi] = harness.smtp.to("hallitus@seniorit.fi")
    assert sv["Subject"] == "Kontaktbegäran från tjänsten Seteli" and "Namn: Aino Asukas" in text(sv)
    assert "Porvoon Seniorit ry on saanut yhteydenottopyynnön" in text(fi)
    assert "Puhelin: 040 765 4321" in text(fi) and "Sähköposti" not in text(fi)
    admin = harness.token_for(Role.TENANT_ADMIN, tenant_id="porvoo")
    log = (await harness.client.get("/v1/tenants/porvoo/messages", headers=admin)).json()
    assert log["total"] == 2


async def test_over_limit_event_from_recorded_stream_notifies_tenant_once(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(
        "registry.user.created",
        {
            "user_id": "u-k",
            "email": "paakayttaja@kouvola.fi",
            "role": "tenant_admin",
            "tenant_id": "kouvola",
            "provider_id": None,
            "language": "fi",
        },
        tenant_id="kouvola",
    )
    recorded = {
        "event_id": "ev-5",
        "revision": 1,
        "service_id": "kotihoito",
        "provider_id": "p-fi",
        "producer_part": None,
        "booking_id": "b-1",
        "voucher_id": "v-1",
        "client_ref": "c-ref",
        "content_id": "hour",
        "unit": "hour",
        "start": "2016-03-11",
        "end": "2016-03-11",
        "units": "2",
        "status": "payable",
        "segments": [],
        "amount_tenant": "60.00",
        "amount_co_payment": "0.00",
    }
    await harness.publish("events.event.recorded", recorded, tenant_id="kouvola")
    assert harness.smtp.received == []  # within the grant: nobody needs to act
    await harness.publish(
        "events.event.recorded", {**recorded, "event_id": "ev-6", "status": "awaiting_approval"}, tenant_id="kouvola"
    )
    # The same fact announced again by its own event: still one notice.
    await harness.publish(
        "events.event.awaiting_approval",
        {"event_id": "ev-6", "provider_id": "p-fi", "revision": 1},
        tenant_id="kouvola",
    )
    [mail] = harness.smtp.to("paakayttaja@kouvola.fi")
    assert mail["Subject"] == "Palvelutapahtuma odottaa hyväksyntää: Hoivakoti Päivänsäde Oy"
    assert "ev-6" in text(mail) and "c-ref" not in text(mail)
    # The company renamed itself in the registry: the next notice names it as it is named now.
    await harness.publish("registry.provider.renamed", {"provider_id": "p-fi", "name": "Päivänsäde Hoiva Oy"})
    await harness.publish(
        "events.event.recorded", {**recorded, "event_id": "ev-7", "status": "awaiting_approval"}, tenant_id="kouvola"
    )
    assert [m["Subject"] for m in harness.smtp.to("paakayttaja@kouvola.fi")][-1] == (
        "Palvelutapahtuma odottaa hyväksyntää: Päivänsäde Hoiva Oy")


async def test_passivated_admin_gets_no_more_notices_and_new_site_gets_its_own(harness: Harness) -> None:
    await harness.directory()
    for n in (1, 2):
        await harness.publish(
            "registry.user.created",
            {
                "user_id": f"u-{n}",
                "email": f"admin{n}@kouvola.fi",
                "role": "tenant_admin",
                "tenant_id": "kouvola",
                "language": "fi",
            },
            tenant_id="kouvola",
        )
    await harness.publish("registry.user.passivated", {"user_id": "u-1"})
    await harness.publish(
        "registry.site.added",
        {
            "provider_id": "p-fi",
            "site_id": "s-fi-2",
            "name": "Päivänsäde Kuusankoski",
            "notification_email": "kuusankoski@paivansade.fi",
            "billing": None,
        },
    )
    await harness.publish(
        "events.feedback.given",
        {
            "feedback_id": "f9",
            "kind": "complaint",
            "provider_id": "p-fi",
            "producer_part": "site:s-fi-2",
            "service_id": "kotihoito",
            "needs_reply": True,
            "event_id": None,
            "notify_provider": True,
            "notify_tenant": True,
        },
        tenant_id="kouvola",
    )
    assert harness.smtp.to("admin1@kouvola.fi") == []
    [tenant_mail] = harness.smtp.to("admin2@kouvola.fi")
    assert tenant_mail["Subject"] == "Uusi reklamaatio: Hoivakoti Päivänsäde Oy"
    [site_mail] = harness.smtp.to("kuusankoski@paivansade.fi")
    assert "Hoivakoti Päivänsäde Oy (Päivänsäde Kuusankoski) on saanut asiakkaalta palautteen" in text(site_mail)


async def test_settlement_specification_shape(harness: Harness) -> None:
    await harness.directory()
    pdf = b"%PDF-1.4\n%%EOF\n"
    await harness.publish(
        "settlement.specification.ready",
        {
            "payment_id": "pay-3",
            "run_id": "run-1",
            "provider_id": "p-fi",
            "site_id": "s-fi",
            "language": "fi",
            "email": "laskutus@paivansade.fi",
            "month": "2016-02",
            "pdf_base64": base64.b64encode(pdf).decode(),
        },
        tenant_id="kouvola",
    )
    [mail] = harness.smtp.to("laskutus@paivansade.fi")
    assert mail["Subject"] == "Maksuerittely: helmikuu 2016"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "maksuerittely-2016-02.pdf" and attachment.get_content() == pdf
