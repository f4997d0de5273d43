"""Every message of the issue, triggered from its event over the bus and read from the in-process SMTP
server: recipient, language, subject, body (and attachment)."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from typing import Any

from seteli_common.auth import Role

Harness = Any  # the `harness` fixture of conftest.py
NBSP = "\u00a0"


def text(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def html(mail: EmailMessage) -> str:
    part = mail.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def only(h: Harness, address: str) -> EmailMessage:
    mails = h.smtp.to(address)
    assert len(mails) == 1, f"{len(mails)} mails to {address}"
    return mails[0]


async def log_of(h: Harness, tenant_id: str) -> list[dict[str, Any]]:
    admin = h.token_for(Role.TENANT_ADMIN, tenant_id=tenant_id)
    response = await h.client.get(f"/v1/tenants/{tenant_id}/messages", headers=admin)
    assert response.status_code == 200
    return list(response.json()["items"])


async def test_registration_confirmation_link_valid_24_hours(harness: Harness) -> None:
    link = "https://seteli.kouvola.fi/vahvista?token=abc123"
    await harness.publish(
        "registry.registration.confirmation_requested",
        {
            "user_id": "u-1",
            "email": "maija@paivansade.fi",
            "language": "fi",
            "link": link,
            "expires_at": "2016-03-16T10:00:00Z",
        },
    )
    mail = only(harness, "maija@paivansade.fi")
    assert mail["Subject"] == "Vahvista rekisteröitymisesi Seteli-palveluun"
    assert mail["Content-Language"] == "fi"
    body = text(mail)
    assert link in body
    assert "Linkki on voimassa 24 tuntia (16.3.2016 klo 12.00 asti)" in body
    assert f'<a href="{link}">' in html(mail)


async def test_association_invitation_in_swedish(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(
        "registry.association.invited",
        {"email": "styrelsen@idrottsforeningen.fi", "language": "sv", "link": "https://seteli.fi/a/xyz"},
        tenant_id="porvoo",
    )
    mail = only(harness, "styrelsen@idrottsforeningen.fi")
    assert mail["Subject"] == "Inbjudan till tjänsten Seteli"
    assert mail["Content-Language"] == "sv"
    assert "Borgå stad bjuder in er förening" in text(mail)
    assert "https://seteli.fi/a/xyz" in text(mail)


async def test_password_reset_in_each_language(harness: Harness) -> None:
    for email, lang in (("maija@paivansade.fi", "fi"), ("anna@solsidan.fi", "sv")):
        await harness.publish(
            "registry.password_reset.requested",
            {
                "email": email,
                "language": lang,
                "link": f"https://seteli.fi/reset/{lang}",
                "expires_at": "2016-03-15T11:00:00Z",
            },
        )
    fi, sv = only(harness, "maija@paivansade.fi"), only(harness, "anna@solsidan.fi")
    assert fi["Subject"] == "Salasanan vaihto Seteli-palvelussa"
    assert "Linkki on voimassa 15.3.2016 klo 13.00 asti" in text(fi)
    assert sv["Subject"] == "Byte av lösenord i tjänsten Seteli"
    assert "Länken är giltig till 15.3.2016 kl. 13.00" in text(sv)
    assert "https://seteli.fi/reset/sv" in text(sv)
    # the link signs its holder in: once sent, the copy the platform admin reads keeps no link
    admin = harness.token_for(Role.PLATFORM_ADMIN)
    listed = (await harness.client.get("/v1/messages", params={"recipient": "anna@solsidan.fi"}, headers=admin)).json()
    [message] = listed["items"]
    stored = (await harness.client.get(f"/v1/messages/{message['id']}", headers=admin)).json()
    assert "reset/sv" not in str(stored) and "[link removed after sending]" in stored["body_text"]


async def test_registration_decisions(harness: Harness) -> None:
    await harness.directory()
    await harness.publish("registry.registration.decided", {"provider_id": "p-fi", "decision": "approved"})
    await harness.publish(
        "registry.registration.decided",
        {"provider_id": "p-sv", "decision": "rejected", "reason": "Företaget saknas i handelsregistret."},
    )
    approved = only(harness, "info@paivansade.fi")
    assert approved["Subject"] == "Rekisteröityminen hyväksytty: Hoivakoti Päivänsäde Oy"
    rejected = only(harness, "info@solsidan.fi")
    assert rejected["Subject"] == "Registreringen godkändes inte: Vårdhem Solsidan Ab"
    assert "Motivering: Företaget saknas i handelsregistret." in text(rejected)


async def test_new_application_goes_to_tenant_admins_or_is_skipped(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(
        "applications.service.defined",
        {
            "service_id": "sas",
            "name_fi": "Tehostettu palveluasuminen",
            "name_sv": "Serviceboende med heldygnsomsorg",
            "kind": "voucher",
        },
        tenant_id="kouvola",
    )
    submitted = {"application_id": "app-1", "service_id": "sas", "provider_id": "p-fi"}
    # No notification address and no tenant admin yet: nothing is sent, the log says why.
    await harness.publish("applications.application.submitted", submitted, tenant_id="kouvola")
    assert harness.smtp.received == []
    [skipped] = await log_of(harness, "kouvola")
    assert skipped["state"] == "skipped" and "no notification address" in skipped["last_error"]

    await harness.publish(
        "registry.user.created",
        {
            "user_id": "u-k",
            "email": "paakayttaja@kouvola.fi",
            "role": "tenant_admin",
            "tenant_id": "kouvola",
            "language": "fi",
        },
        tenant_id="kouvola",
    )
    await harness.publish(
        "applications.application.submitted", {**submitted, "application_id": "app-2"}, tenant_id="kouvola"
    )
    mail = only(harness, "paakayttaja@kouvola.fi")
    assert mail["Subject"] == "Uusi hakemus päätettäväksi: Tehostettu palveluasuminen"
    assert "Hoivakoti Päivänsäde Oy on lähettänyt hakemuksen palveluun Tehostettu palveluasuminen" in text(mail)
    assert "app-2" in text(mail)


async def test_bilingual_tenant_notice_in_both_languages_finnish_first(harness: Harness) -> None:
    await harness.directory()
    admin = harness.token_for(Role.TENANT_ADMIN, tenant_id="porvoo")
    response = await harness.client.put(
        "/v1/tenants/porvoo/notification-settings",
        headers=admin,
        json={"notification_email": "servicesedel@porvoo.fi"},
    )
    assert response.status_code == 200 and response.json()["languages"] == ["fi", "sv"]
    await harness.publish(
        "events.event.awaiting_approval", {"event_id": "ev-9", "provider_id": "p-sv"}, tenant_id="porvoo"
    )
    mail = only(harness, "servicesedel@porvoo.fi")
    assert mail["Subject"] == (
        "Palvelutapahtuma odottaa hyväksyntää: Vårdhem Solsidan Ab / "
        "Servicehändelse väntar på godkännande: Vårdhem Solsidan Ab"
    )
    assert mail["Content-Language"] == "fi, sv"
    body = text(mail)
    fi_at, sv_at = body.index("odottaa käsin hyväksyntää"), body.index("väntar på manuellt godkännande")
    assert fi_at < sv_at
    assert html(mail).index('lang="fi"') < html(mail).index('lang="sv"')
    other = harness.token_for(Role.TENANT_ADMIN, tenant_id="kouvola")
    assert (
        await harness.client.put(
            "/v1/tenants/porvoo/notification-settings", headers=other, json={"notification_email": None}
        )
    ).status_code == 404


async def test_application_decisions_to_provider(harness: Harness) -> None:
    await harness.directory()
    base = {"application_id": "app-7", "service_id": "kotihoito", "provider_id": "p-fi"}
    await harness.publish("applications.application.approved", {**base, "site_ids": ["s-fi"]}, tenant_id="kouvola")
    await harness.publish(
        "applications.application.rejected", {**base, "reason": "Hinnasto puuttuu."}, tenant_id="kouvola"
    )
    await harness.publish(
        "applications.application.returned",
        {
            **base,
            "reason": "Liitteitä puuttuu.",
            "missing": [
                "Vastuuvakuutustodistus",
                {"field": "sites[0].licence", "reason": "AVI-lupa puuttuu"},
            ],
        },
        tenant_id="kouvola",
    )
    mails = {m["Subject"]: m for m in harness.smtp.to("info@paivansade.fi")}
    assert set(mails) == {
        "Hakemus hyväksytty: kotihoito",
        "Hakemusta ei hyväksytty: kotihoito",
        "Hakemus palautettu täydennettäväksi: kotihoito",
    }
    assert "Kouvolan kaupunki on hyväksynyt hakemuksenne" in text(mails["Hakemus hyväksytty: kotihoito"])
    assert "Perustelu: Hinnasto puuttuu." in text(mails["Hakemusta ei hyväksytty: kotihoito"])
    returned = text(mails["Hakemus palautettu täydennettäväksi: kotihoito"])
    assert "Puuttuvat tiedot:\n- Vastuuvakuutustodistus\n- sites[0].licence: AVI-lupa puuttuu\n" in returned


async def test_purchase_booking_to_producer_part_with_commitment_number(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(
        "vouchers.purchase.booked",
        {
            "booking_id": "b-1",
            "commitment_number": "2016-00042",
            "provider_id": "p-sv",
            "producer_part": "site:s-sv",
            "notification_email": "jour@solsidan.fi",
        },
        tenant_id="porvoo",
    )
    mail = only(harness, "jour@solsidan.fi")
    assert mail["Subject"] == "Ny bokning av köpt tjänst, förbindelse 2016-00042"
    assert "Betalningsförbindelsens nummer: 2016-00042" in text(mail)
    assert "Borgå stad har bokat en köpt tjänst hos Vårdhem Solsidan Ab (Solsidan Borgå)" in text(mail)


async def test_feedback_to_provider_when_reply_asked_and_complaints_to_tenant(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(
        "registry.user.created",
        {"user_id": "u-k", "email": "paakayttaja@kouvola.fi", "role": "tenant_admin", "tenant_id": "kouvola"},
        tenant_id="kouvola",
    )
    fb = {"provider_id": "p-fi", "producer_part": "site:s-fi"}
    await harness.publish(
        "events.feedback.given",
        {**fb, "feedback_id": "f1", "kind": "thanks", "needs_reply": False},
        tenant_id="kouvola",
    )
    assert harness.smtp.received == []  # thanks without a question: nobody needs to act
    await harness.publish(
        "events.feedback.given",
        {**fb, "feedback_id": "f2", "kind": "criticism", "needs_reply": True},
        tenant_id="kouvola",
    )
    criticism = only(harness, "kouvola@paivansade.fi")  # the site's notification address
    assert criticism["Subject"] == "Asiakaspalaute (moite) odottaa vastaustanne"
    assert harness.smtp.to("paakayttaja@kouvola.fi") == []
    await harness.publish(
        "events.feedback.given",
        {**fb, "feedback_id": "f3", "kind": "complaint", "needs_reply": False},
        tenant_id="kouvola",
    )
    assert len(harness.smtp.to("kouvola@paivansade.fi")) == 2
    to_tenant = only(harness, "paakayttaja@kouvola.fi")
    assert to_tenant["Subject"] == "Uusi reklamaatio: Hoivakoti Päivänsäde Oy"
    complaint = harness.smtp.to("kouvola@paivansade.fi")[1]
    assert "Reklamaatioon on aina vastattava." in text(complaint)


async def test_contact_request_to_each_organisation_in_its_language(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(
        "registry.contact.requested",
        {
            "contact_request_id": "c-1",
            "organisation_ids": ["p-fi", "p-sv", "yhdistys-x"],
            "name": "Aino Asukas",
            "phone": "040 123 4567",
            "email": "aino@kouvola.fi",
            "message": "Soittakaa iltapäivisin.",
        },
        tenant_id="kouvola",
    )
    fi, sv = only(harness, "info@paivansade.fi"), only(harness, "info@solsidan.fi")
    assert fi["Subject"] == "Yhteydenottopyyntö Seteli-palvelusta"
    assert "Puhelin: 040 123 4567" in text(fi) and "Soittakaa iltapäivisin." in text(fi)
    assert sv["Subject"] == "Kontaktbegäran från tjänsten Seteli" and "Telefon: 040 123 4567" in text(sv)
    skipped = [m for m in await log_of(harness, "kouvola") if m["state"] == "skipped"]
    assert len(skipped) == 1 and skipped[0]["last_error"] == "unknown organisation"


async def test_a_tray_of_organisations_sharing_one_address_notifies_each_organisation(harness: Harness) -> None:
    """Two associations run by one person share an address: each is told of the request in its own mail,
    and the request delivered again adds none."""
    await harness.directory()
    payload = {
        "contact_request_id": "c-3", "organisation_ids": ["y-1", "y-2"], "tenant_id": "kouvola",
        "recipients": [
            {"organisation_id": "y-1", "name": "Kouvolan Omaishoitajat ry", "email": "info@yhdistykset.fi",
             "language": "fi"},
            {"organisation_id": "y-2", "name": "Kymenlaakson Muistiyhdistys ry", "email": "info@yhdistykset.fi",
             "language": "fi"}],
        "contact": {"name": "Aino Asukas", "phone": "040 123 4567"},
    }
    envelope = await harness.publish("registry.contact.requested", payload, tenant_id="kouvola")
    mails = harness.smtp.to("info@yhdistykset.fi")
    assert len(mails) == 2
    assert {text(m).split(" on saanut")[0].split("\n")[-1] for m in mails} == {
        "Kouvolan Omaishoitajat ry", "Kymenlaakson Muistiyhdistys ry"}
    await harness.publish("registry.contact.requested", payload, tenant_id="kouvola", event_id=envelope.event_id)
    assert len(harness.smtp.to("info@yhdistykset.fi")) == 2


async def test_credit_request_to_provider(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(
        "events.credit.requested",
        {"credit_id": "cr-1", "provider_id": "p-fi", "amount": "-20.00", "reason": "Virheellinen tapahtuma"},
        tenant_id="kouvola",
    )
    mail = only(harness, "info@paivansade.fi")
    assert mail["Subject"] == f"Hyvityspyyntö: -20,00{NBSP}€"
    assert f"Hyvitys -20,00{NBSP}€ vähennetään seuraavasta tilityksestä." in text(mail)
    assert "Syy: Virheellinen tapahtuma" in text(mail)


async def test_credit_request_names_the_run_that_deducts_it(harness: Harness) -> None:
    """The credit's `month` is the run that deducts it (a credit made on the 1st-3rd before last month's run goes
    into last month's): the email names that month, not just "the next payment"."""
    await harness.directory()
    await harness.publish("events.credit.requested", {
        "credit_id": "cr-2", "provider_id": "p-fi", "amount": "-20.00", "month": "2026-11"}, tenant_id="kouvola")
    fi = text(only(harness, "info@paivansade.fi")).replace("\n", " ")
    assert f"Hyvitys -20,00{NBSP}€ vähennetään marraskuun 2026 tilityksestä." in fi
    # settlement may carry it over: the mail says when, and where the provider sees the run that deducted it
    assert ("Jos maksutiedot puuttuvat tai tilityksen summa jää negatiiviseksi, hyvitys siirtyy seuraavaan "
            "tilitykseen. Hyvitykset-sivulla näet, missä tilityksessä se vähennettiin.") in fi
    await harness.publish("events.credit.requested", {
        "credit_id": "cr-3", "provider_id": "p-sv", "amount": "-20.00", "month": "2026-01"}, tenant_id="porvoo")
    sv = text(only(harness, "info@solsidan.fi")).replace("\n", " ")
    assert f"Gottgörelsen -20,00{NBSP}€ dras av från redovisningen för januari 2026." in sv
    assert ("Saknas betalningsuppgifterna eller blir redovisningens summa negativ, flyttas gottgörelsen till nästa "
            "redovisning. På sidan Krediteringar ser du i vilken redovisning den drogs av.") in sv


async def test_payment_specification_pdf_attached_only_when_opted_in(harness: Harness) -> None:
    await harness.directory()
    pdf = b"%PDF-1.4\n% Seteli test specification\n%%EOF\n"
    spec = {
        "payment_id": "pay-1",
        "provider_id": "p-sv",
        "language": "sv",
        "email": "ekonomi@solsidan.fi",
        "pdf_base64": base64.b64encode(pdf).decode(),
        "month": "2016-02",
    }
    await harness.publish("settlement.specification.ready", spec, tenant_id="porvoo")
    mail = only(harness, "ekonomi@solsidan.fi")
    assert mail["Subject"] == "Betalningsspecifikation: februari 2016"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "betalningsspecifikation-2016-02.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf

    await harness.publish(
        "registry.provider.billing_changed",
        {
            "provider_id": "p-fi",
            "site_id": None,
            "billing": {
                "iban": "FI2112345600000785",
                "bic": "NDEAFIHH",
                "email": "laskutus@paivansade.fi",
                "pdf_by_email": False,
            },
        },
    )
    await harness.publish(
        "settlement.specification.ready",
        {**spec, "payment_id": "pay-2", "provider_id": "p-fi", "language": "fi", "email": None},
        tenant_id="porvoo",
    )
    assert harness.smtp.to("laskutus@paivansade.fi") == []
    skipped = [m for m in await log_of(harness, "porvoo") if m["recipient"] == "laskutus@paivansade.fi"]
    assert skipped[0]["state"] == "skipped" and "not asked" in skipped[0]["last_error"]


async def test_an_address_in_a_residents_message_is_never_a_link_in_the_mail(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(
        "registry.contact.requested",
        {"contact_request_id": "c-2", "organisation_ids": ["p-fi"], "name": "Aino Asukas", "phone": "0401234567",
         "message": "Kirjautukaa https://seteli-kirjautuminen.example.com/tunnukset niin katson"},
        tenant_id="kouvola",
    )
    mail = only(harness, "info@paivansade.fi")
    assert "https://seteli-kirjautuminen.example.com/tunnukset" in html(mail)  # shown as the sender wrote it
    assert "<a " not in html(mail)


async def test_the_platforms_own_link_stays_a_link(harness: Harness) -> None:
    link = "https://seteli.kouvola.fi/vahvista?token=abc123"
    await harness.publish("registry.registration.confirmation_requested", {
        "user_id": "u-1", "email": "maija@paivansade.fi", "language": "fi", "link": link,
        "expires_at": "2016-03-16T10:00:00Z"})
    assert f'<a href="{link}">' in html(only(harness, "maija@paivansade.fi"))


async def test_registration_sent_back_mails_the_company_in_its_language_with_the_message_and_link(
        harness: Harness) -> None:
    await harness.directory()
    asks = {"request_id": "r-7", "company_name": "Vårdhem Solsidan Ab", "email": "anna@solsidan.fi",
            "message": "Bifoga ett utdrag ur handelsregistret.", "link": "https://seteli.fi/registration-request/answer?token=s1"}
    await harness.publish("registry.registration.more_requested", {**asks, "language": "sv"}, tenant_id="porvoo")
    await harness.publish("registry.registration.more_requested",
                          {**asks, "request_id": "r-8", "company_name": "Kotipalvelu Aurinko Oy",
                           "email": "aino@aurinko.fi", "message": "Liittäkää kaupparekisteriote.", "language": "fi",
                           "link": "https://seteli.fi/registration-request/answer?token=f1"}, tenant_id="kouvola")
    sv, fi = only(harness, "anna@solsidan.fi"), only(harness, "aino@aurinko.fi")
    assert sv["Subject"] == "Komplettering av er registrering begärs: Vårdhem Solsidan Ab"
    assert sv["Content-Language"] == "sv"
    assert "Borgå stad begär komplettering" in text(sv)
    assert "Vad som saknas: Bifoga ett utdrag ur handelsregistret." in text(sv)
    assert '<a href="https://seteli.fi/registration-request/answer?token=s1">' in html(sv)
    assert fi["Subject"] == "Rekisteröitymisestänne pyydetään lisätietoja: Kotipalvelu Aurinko Oy"
    assert fi["Content-Language"] == "fi"
    assert "Kouvolan kaupunki pyytää lisätietoja" in text(fi)
    assert "Mitä puuttuu: Liittäkää kaupparekisteriote." in text(fi)
    assert "answer?token=f1" in text(fi)
    # the link opens the request: the stored copy keeps none of it
    [stored] = await harness.db_message(recipient="aino@aurinko.fi")
    assert "token=f1" not in stored["body_text"] and "[link removed after sending]" in stored["body_text"]


async def test_the_company_s_answer_goes_to_the_tenant_s_notice_address_else_its_admins(harness: Harness) -> None:
    await harness.directory()
    admin = {"user_id": "u-p", "email": "admin@borga.fi", "role": "tenant_admin", "tenant_id": "porvoo",
             "provider_id": None, "language": "sv"}
    await harness.publish("registry.user.created", admin, tenant_id="porvoo")
    answer = {"request_id": "r-7", "company_name": "Vårdhem Solsidan Ab", "business_id": "2077474-0",
              "reply": "Utdraget är bifogat.", "changed": ["phone"]}
    await harness.publish("registry.registration.answered", answer, tenant_id="porvoo")
    mail = only(harness, "admin@borga.fi")  # no notice address: its admins, in both its languages
    assert mail["Subject"] == ("Yritys vastasi lisätietopyyntöön: Vårdhem Solsidan Ab / "
                               "Företaget har svarat på begäran om komplettering: Vårdhem Solsidan Ab")
    assert "Svar: Utdraget är bifogat." in text(mail) and "Vastaus: Utdraget är bifogat." in text(mail)
    assert "/officer/registrations/r-7" in text(mail)

    put = await harness.client.put("/v1/tenants/porvoo/notification-settings",
                                   headers=harness.token_for(Role.TENANT_ADMIN, tenant_id="porvoo"),
                                   json={"notification_email": "ilmoitukset@borga.fi"})
    assert put.status_code == 200, put.text
    await harness.publish("registry.registration.answered", {**answer, "request_id": "r-9"}, tenant_id="porvoo")
    told = only(harness, "ilmoitukset@borga.fi")
    assert "Vårdhem Solsidan Ab (2077474-0)" in text(told) and "/officer/registrations/r-9" in text(told)
    assert len(harness.smtp.to("admin@borga.fi")) == 1


async def test_a_name_with_line_breaks_is_one_line_in_the_subject_and_the_mail_goes(harness: Harness) -> None:
    """A name as another service sent it, with a line break, a line separator or a control character in it: the
    subject shows it on one line (never a subject cut short with its end opening the body, never a mail that
    cannot be sent)."""
    await harness.directory()
    admin = {"user_id": "u-k", "email": "paakayttaja@kouvola.fi", "role": "tenant_admin", "tenant_id": "kouvola"}
    await harness.publish("registry.user.created", admin, tenant_id="kouvola")
    for n, name in enumerate(("Hoivakoti\nPäivänsäde Oy", "Hoivakoti\u2028Päivänsäde Oy",
                              "Hoivakoti\r\tPäivänsäde\x1b Oy")):
        await harness.publish("registry.registration.answered", {
            "request_id": f"r-{n}", "company_name": name, "business_id": "7019376-8", "reply": "Liite lisätty."},
            tenant_id="kouvola")
    mails = harness.smtp.to("paakayttaja@kouvola.fi")
    assert [m["Subject"] for m in mails] == ["Yritys vastasi lisätietopyyntöön: Hoivakoti Päivänsäde Oy"] * 3
    for mail in mails:
        assert text(mail).startswith("Hei,\n")
