"""A notice addressed to a role, not to an address someone typed: a company without an address of its own hears of
its payments and decisions at its main user, a tenant without a notice address at its tenant admins. Queued to that
person, who is then passivated before it went out (the mail server was busy), the notice is not lost: it goes to
whoever the role is now (the company's next main user, its own address given meanwhile, the tenant's other or new
admins, its notice address), once, and never twice to anyone. The platform admin's delivery log says where it went."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from seteli_common.auth import Role

from .conftest import Harness
from .test_company_without_address import NO_ADDRESS, REJECTED
from .test_messages import only, text
from .test_specification_disclosure import disclosures

PAYMENT = {"payment_id": "pay-1", "run_id": "run-1", "month": "2016-02", "provider_id": "p-fi", "amount": "1234.50"}
PDF = b"%PDF-1.4\n% Seteli test specification\n%%EOF\n"
NOT_SENT = "not sent: the recipient's user account was passivated"
COMPLAINT = {"provider_id": "p-fi", "producer_part": "site:s-fi", "feedback_id": "f1", "kind": "complaint",
             "needs_reply": False}


async def _main_user(h: Harness, user_id: str, email: str) -> None:
    h.clock.advance(timedelta(minutes=1))  # each created after the one before
    await h.publish("registry.user.created", {"user_id": user_id, "email": email, "role": "provider_admin",
                                              "provider_id": "p-fi"})


async def _company_with_two_main_users(h: Harness) -> None:
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.publish("registry.tenant.created", h.tenant)
    await h.publish("registry.provider.registered", NO_ADDRESS)
    await _main_user(h, "u-main", "maija@example.fi")
    await _main_user(h, "u-second", "liisa@example.fi")


async def _queued_while_busy(h: Harness, event_type: str, payload: dict[str, Any]) -> None:
    """The mail server refuses for a while: the notice waits in the queue for its next attempt (a minute)."""
    h.smtp.refuse_forever = True
    await h.publish(event_type, payload, tenant_id="kouvola")
    h.smtp.refuse_forever = False


async def _retry_due(h: Harness) -> None:
    h.clock.advance(timedelta(minutes=2))
    await h.runtime.sender.flush()


async def _platform_log(h: Harness, kind: str) -> list[dict[str, Any]]:
    """What the platform admin reads: every message of that kind, oldest first."""
    admin = h.token_for(Role.PLATFORM_ADMIN)
    response = await h.client.get("/v1/messages", params={"tenant_id": "kouvola"}, headers=admin)
    assert response.status_code == 200
    return [m for m in reversed(response.json()["items"]) if m["kind"] == kind]


async def test_a_payment_queued_to_a_main_user_passivated_meanwhile_goes_to_the_next_main_user(
        harness: Harness) -> None:
    h = harness
    await _company_with_two_main_users(h)
    await _queued_while_busy(h, "settlement.payment.computed", PAYMENT)
    await h.publish("registry.user.passivated", {"user_id": "u-main"})
    await _retry_due(h)
    assert h.smtp.to("maija@example.fi") == []
    mail = only(h, "liisa@example.fi")
    assert mail["Subject"] == "Maksu laskettu: helmikuu 2016"
    assert "Maksettava summa: 1\u00a0234,50\u00a0€" in text(mail)

    # the platform admin's log: the first was not sent and says where it went instead; the second went there
    first, second = await _platform_log(h, "payment_computed")
    assert (first["recipient"], first["state"]) == ("maija@example.fi", "skipped")
    assert [e["outcome"] for e in first["log"]] == ["queued", "retry", "skipped"]
    assert first["log"][-1]["detail"] == f"{NOT_SENT}; goes instead to liisa@example.fi (message {second['id']})"
    assert (second["recipient"], second["state"], second["attempts"]) == ("liisa@example.fi", "sent", 1)
    assert second["log"][0]["outcome"] == "queued"
    assert second["log"][0]["detail"] == f"instead of message {first['id']}: its recipient was passivated"
    assert second["subject"] == first["subject"]

    # later rounds, a redelivered passivation, a passivation stated again: nobody gets it twice
    await h.publish("registry.user.passivated", {"user_id": "u-main"})
    await _retry_due(h)
    assert h.smtp.to("maija@example.fi") == [] and len(h.smtp.to("liisa@example.fi")) == 1


async def test_a_passivation_delivered_twice_before_the_retry_forwards_the_notice_once(harness: Harness) -> None:
    h = harness
    await _company_with_two_main_users(h)
    await _queued_while_busy(h, "events.event.rejected", REJECTED)
    passivated = await h.publish("registry.user.passivated", {"user_id": "u-main"})
    await h.publish("registry.user.passivated", {"user_id": "u-main"}, event_id=passivated.event_id)
    await _retry_due(h)
    await _retry_due(h)
    assert h.smtp.to("maija@example.fi") == []
    assert only(h, "liisa@example.fi")["Subject"] == "Palvelutapahtumaa ei hyväksytty: K-5"
    assert len(await _platform_log(h, "event_rejected")) == 2


async def test_passivated_before_the_notice_was_queued_it_goes_to_the_next_main_user_at_once(
        harness: Harness) -> None:
    h = harness
    await _company_with_two_main_users(h)
    await h.publish("registry.user.passivated", {"user_id": "u-main"})
    await h.publish("settlement.payment.computed", PAYMENT, tenant_id="kouvola")
    await _retry_due(h)
    assert h.smtp.to("maija@example.fi") == [] and len(h.smtp.to("liisa@example.fi")) == 1
    [entry] = await _platform_log(h, "payment_computed")
    assert (entry["recipient"], entry["state"]) == ("liisa@example.fi", "sent")


async def test_activated_again_before_it_went_out_the_notice_goes_to_the_original_main_user(
        harness: Harness) -> None:
    h = harness
    await _company_with_two_main_users(h)
    await _queued_while_busy(h, "applications.application.approved", {
        "application_id": "app-1", "provider_id": "p-fi", "service_id": "kotihoito"})
    await h.publish("registry.user.passivated", {"user_id": "u-main"})
    await h.publish("registry.user.activated", {"user_id": "u-main", "email": "maija@example.fi",
                                                "role": "provider_admin", "provider_id": "p-fi"})
    await _retry_due(h)
    assert len(h.smtp.to("maija@example.fi")) == 1 and h.smtp.to("liisa@example.fi") == []
    [entry] = await _platform_log(h, "application_approved")
    assert (entry["recipient"], entry["state"]) == ("maija@example.fi", "sent")


async def test_the_company_gave_its_own_address_meanwhile_the_notice_goes_there(harness: Harness) -> None:
    h = harness
    await _company_with_two_main_users(h)
    await _queued_while_busy(h, "events.event.rejected", REJECTED)
    await h.publish("registry.provider.email_changed", {"provider_id": "p-fi", "email": "Toimisto@Paivansade.fi"})
    await h.publish("registry.user.passivated", {"user_id": "u-main"})
    await _retry_due(h)
    assert h.smtp.to("maija@example.fi") == [] and h.smtp.to("liisa@example.fi") == []
    assert len(h.smtp.to("toimisto@paivansade.fi")) == 1


async def test_a_billing_address_given_meanwhile_gets_the_payment(harness: Harness) -> None:
    h = harness
    await _company_with_two_main_users(h)
    await _queued_while_busy(h, "settlement.payment.computed", PAYMENT)
    await h.publish("registry.provider.billing_changed", {"provider_id": "p-fi", "billing": {
        "iban": "FI2112345600000785", "bic": "NDEAFIHH", "email": "laskut@paivansade.fi", "pdf_by_email": True}})
    await h.publish("registry.user.passivated", {"user_id": "u-main"})
    await _retry_due(h)
    assert [rcpt for rcpt, _ in h.smtp.received] == [["laskut@paivansade.fi"]]


async def test_on_sqlite_the_specification_goes_with_its_pdf_to_the_next_main_user(embedded_sqlite: Harness,
                                                                                   tmp_path: Path) -> None:
    """The embedded suite: the mail folder cannot be written for a while (the notice waits for its retry)."""
    h = embedded_sqlite
    await _company_with_two_main_users(h)
    (tmp_path / "mail").write_text("not a folder")
    await h.publish("settlement.specification.ready", {
        "payment_id": "pay-1", "provider_id": "p-fi", "month": "2016-02", "pdf_base64": base64.b64encode(PDF).decode(),
        "clients": [{"provider_id": "p-fi", "client_ref": "A-1001"}]}, tenant_id="kouvola")
    (tmp_path / "mail").unlink()
    await h.publish("registry.user.passivated", {"user_id": "u-main"})
    await _retry_due(h)
    [file] = list((tmp_path / "mail").glob("*.eml"))
    mail = message_from_bytes(file.read_bytes(), policy=policy.default)
    assert (mail["To"], mail["Subject"]) == ("liisa@example.fi", "Maksuerittely: helmikuu 2016")
    [attachment] = list(mail.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content()) == ("maksuerittely-2016-02.pdf", PDF)
    [first, second] = await h.db_message(kind="payment_specification")
    assert (first["recipient"], first["state"], second["state"]) == ("maija@example.fi", "skipped", "sent")
    assert mail["Message-ID"] == second["message_id"] != first["message_id"]
    # the copy that went out names the client: its disclosure is told once, the skipped message's never
    [told] = await disclosures(h)
    assert (told.payload["clients"], told.payload["actor_org"]) == ([{"provider_id": "p-fi", "client_ref": "A-1001"}],
                                                                    "p-fi")


async def test_the_other_main_user_passive_too_the_notice_is_logged_as_having_no_recipient(harness: Harness) -> None:
    h = harness
    await _company_with_two_main_users(h)
    await h.publish("registry.user.passivated", {"user_id": "u-second"})
    await _queued_while_busy(h, "settlement.payment.computed", PAYMENT)
    await h.publish("registry.user.passivated", {"user_id": "u-main"})
    await _retry_due(h)
    assert h.smtp.received == []
    [entry] = await _platform_log(h, "payment_computed")
    assert (entry["recipient"], entry["state"]) == ("maija@example.fi", "skipped")
    assert entry["last_error"] == entry["log"][-1]["detail"] == f"{NOT_SENT}; no recipient address"


async def test_a_notice_sent_already_is_not_sent_again_when_its_recipient_is_passivated(harness: Harness) -> None:
    h = harness
    await _company_with_two_main_users(h)
    await h.publish("settlement.payment.computed", PAYMENT, tenant_id="kouvola")
    assert len(h.smtp.to("maija@example.fi")) == 1
    await h.publish("registry.user.passivated", {"user_id": "u-main"})
    await _retry_due(h)
    assert len(h.smtp.received) == 1 and h.smtp.to("liisa@example.fi") == []


async def test_an_address_the_sender_typed_is_not_followed_to_another_person(harness: Harness) -> None:
    """The registry addresses its registration decision to the applicant: passivated, they do not get it, and
    nobody else gets it in their stead."""
    h = harness
    await _company_with_two_main_users(h)
    await _queued_while_busy(h, "registry.registration.decided", {
        "provider_id": "p-fi", "decision": "approved", "email": "maija@example.fi"})
    await h.publish("registry.user.passivated", {"user_id": "u-main"})
    await _retry_due(h)
    assert h.smtp.received == []
    [entry] = await _platform_log(h, "registration_approved")
    assert entry["last_error"] == NOT_SENT


# --- a tenant without a notice address: its tenant admins ---------------------------------------------------

async def _admin(h: Harness, user_id: str, email: str) -> None:
    h.clock.advance(timedelta(minutes=1))
    await h.publish("registry.user.created", {"user_id": user_id, "email": email, "role": "tenant_admin",
                                              "tenant_id": "kouvola"}, tenant_id="kouvola")


async def test_a_tenant_notice_to_its_only_admin_passivated_meanwhile_goes_to_the_admin_who_replaced_them(
        harness: Harness) -> None:
    h = harness
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.directory()
    await _admin(h, "u-1", "lahtija@kouvola.fi")
    await _queued_while_busy(h, "events.feedback.given", COMPLAINT)
    await h.publish("registry.user.passivated", {"user_id": "u-1"})
    await _admin(h, "u-3", "uusi@kouvola.fi")
    await _retry_due(h)
    assert h.smtp.to("lahtija@kouvola.fi") == []
    assert only(h, "uusi@kouvola.fi")["Subject"]
    assert len(h.smtp.to("kouvola@paivansade.fi")) == 1  # the company's own copy went to its site as before
    first, second = await _platform_log(h, "complaint_to_tenant")
    assert first["log"][-1]["detail"] == f"{NOT_SENT}; goes instead to uusi@kouvola.fi (message {second['id']})"
    assert (second["recipient"], second["state"]) == ("uusi@kouvola.fi", "sent")


async def test_the_other_tenant_admin_who_had_the_notice_does_not_get_it_twice(harness: Harness) -> None:
    h = harness
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.directory()
    await _admin(h, "u-1", "lahtija@kouvola.fi")
    await _admin(h, "u-2", "paakayttaja@kouvola.fi")
    await _queued_while_busy(h, "events.feedback.given", COMPLAINT)
    await h.publish("registry.user.passivated", {"user_id": "u-1"})
    await _admin(h, "u-3", "uusi@kouvola.fi")  # made admin after the notice: the role is now u-2 and u-3
    await _retry_due(h)
    await _retry_due(h)
    assert h.smtp.to("lahtija@kouvola.fi") == []
    assert len(h.smtp.to("paakayttaja@kouvola.fi")) == 1 and len(h.smtp.to("uusi@kouvola.fi")) == 1
    entries = await _platform_log(h, "complaint_to_tenant")
    assert sorted((e["recipient"], e["state"]) for e in entries) == [
        ("lahtija@kouvola.fi", "skipped"), ("paakayttaja@kouvola.fi", "sent"), ("uusi@kouvola.fi", "sent")]


async def test_a_tenant_notice_address_given_meanwhile_gets_the_notice(harness: Harness) -> None:
    h = harness
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.directory()
    await _admin(h, "u-1", "lahtija@kouvola.fi")
    await _queued_while_busy(h, "events.feedback.given", COMPLAINT)
    admin = h.token_for(Role.TENANT_ADMIN, tenant_id="kouvola")
    response = await h.client.put("/v1/tenants/kouvola/notification-settings",
                                  json={"notification_email": "palveluseteli@kouvola.fi"}, headers=admin)
    assert response.status_code == 200
    await h.publish("registry.user.passivated", {"user_id": "u-1"})
    await _retry_due(h)
    assert h.smtp.to("lahtija@kouvola.fi") == []
    assert len(h.smtp.to("palveluseteli@kouvola.fi")) == 1
