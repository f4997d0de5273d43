"""Read models of the registry's facts of no tenant (sites, names, billing addresses): those facts are handled
side by side, and one may be retried, so an older statement can be heard after a newer one, and a change
before the company itself. The newest statement wins; nothing heard early is lost."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta

from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

from .conftest import Harness
from .test_messages import only, text

SITE = {"provider_id": "p-fi", "site_id": "s-fi", "name": "Päivänsäde Kouvola", "billing": None}


async def _criticism(h: Harness, feedback_id: str) -> None:
    await h.publish("events.feedback.given", {"provider_id": "p-fi", "producer_part": "site:s-fi",
                                              "feedback_id": feedback_id, "kind": "criticism", "needs_reply": True},
                    tenant_id="kouvola")


async def test_an_older_site_address_heard_after_a_newer_one_is_not_where_notices_go(harness: Harness) -> None:
    h = harness
    await h.directory()
    fixed = datetime.now(UTC) + timedelta(minutes=1)
    # The provider mistyped the site's address and corrected it at once; the mistyped change arrived last.
    await h.publish("registry.site.changed", {**SITE, "notification_email": "kouvola@paivansade.fi"},
                    occurred_at=fixed)
    await h.publish("registry.site.changed", {**SITE, "notification_email": "kouvla@paivansade.fi"},
                    occurred_at=fixed - timedelta(seconds=20))
    await _criticism(h, "f1")
    assert only(h, "kouvola@paivansade.fi")["Subject"].startswith("Asiakaspalaute")
    assert h.smtp.to("kouvla@paivansade.fi") == []


async def test_an_older_company_name_heard_after_a_newer_one_is_not_the_name_mail_uses(harness: Harness) -> None:
    h = harness
    await h.directory()
    renamed = datetime.now(UTC) + timedelta(minutes=1)
    await h.publish("registry.provider.renamed", {"provider_id": "p-sv", "name": "Vårdhem Solsidan Abp"},
                    occurred_at=renamed)
    await h.publish("registry.provider.renamed", {"provider_id": "p-sv", "name": "Vårdhem Solsdan Abp"},
                    occurred_at=renamed - timedelta(seconds=20))
    await h.publish("vouchers.purchase.booked", {
        "booking_id": "b-1", "commitment_number": "2016-00042", "provider_id": "p-sv", "producer_part": "site:s-sv",
        "notification_email": "jour@solsidan.fi"}, tenant_id="porvoo")
    assert "hos Vårdhem Solsidan Abp (Solsidan Borgå)" in text(only(h, "jour@solsidan.fi"))


async def test_an_admin_passivated_before_their_creation_is_heard_gets_no_tenant_notices(harness: Harness) -> None:
    """A tenant admin created by mistake and passivated at once; the passivation (a fact of no tenant) was
    handled before the creation (the tenant's, retried)."""
    h = harness
    await h.directory()
    await h.publish("registry.user.passivated", {"user_id": "u-wrong"})
    await h.publish("registry.user.created", {"user_id": "u-wrong", "email": "vaara@kouvola.fi",
                                              "role": "tenant_admin", "tenant_id": "kouvola"}, tenant_id="kouvola")
    await h.publish("registry.user.created", {"user_id": "u-k", "email": "paakayttaja@kouvola.fi",
                                              "role": "tenant_admin", "tenant_id": "kouvola"}, tenant_id="kouvola")
    await h.publish("events.feedback.given", {"provider_id": "p-fi", "producer_part": "site:s-fi",
                                              "feedback_id": "f1", "kind": "complaint", "needs_reply": False},
                    tenant_id="kouvola")
    assert only(h, "paakayttaja@kouvola.fi")["Subject"] == "Uusi reklamaatio: Hoivakoti Päivänsäde Oy"
    assert h.smtp.to("vaara@kouvola.fi") == []


async def test_an_older_language_setting_heard_after_a_newer_one_does_not_choose_the_mail_languages(
        harness: Harness) -> None:
    h = harness
    await h.directory()
    await h.publish("registry.user.created", {"user_id": "u-k", "email": "paakayttaja@kouvola.fi",
                                              "role": "tenant_admin", "tenant_id": "kouvola"}, tenant_id="kouvola")
    changed = datetime.now(UTC) + timedelta(minutes=1)
    setting = {"tenant_id": "kouvola", "payer_iban": "FI2112345600000785", "payer_bic": "NDEAFIHH"}
    await h.publish("registry.tenant.changed", {**setting, "languages": ["fi", "sv"]}, tenant_id="kouvola",
                    occurred_at=changed)
    await h.publish("registry.tenant.changed", {**setting, "languages": ["fi"]}, tenant_id="kouvola",
                    occurred_at=changed - timedelta(seconds=20))
    await h.publish("events.feedback.given", {"provider_id": "p-fi", "producer_part": "site:s-fi",
                                              "feedback_id": "f1", "kind": "complaint", "needs_reply": False},
                    tenant_id="kouvola")
    body = text(only(h, "paakayttaja@kouvola.fi")).lower()
    assert "reklamaatio" in body and "reklamation" in body  # in Finnish and in Swedish, as the tenant set last


async def test_a_tenant_admin_made_an_officer_gets_no_more_tenant_notices_and_a_new_admin_does(
        harness: Harness) -> None:
    h = harness
    await h.directory()
    for user_id, email in (("u-old", "vanha@kouvola.fi"), ("u-k", "paakayttaja@kouvola.fi")):
        await h.publish("registry.user.created", {"user_id": user_id, "email": email, "role": "tenant_admin",
                                                  "tenant_id": "kouvola"}, tenant_id="kouvola")
    await h.publish("registry.user.role_changed", {"user_id": "u-old", "email": "vanha@kouvola.fi",
                                                   "role": "tenant_officer", "tenant_id": "kouvola"},
                    tenant_id="kouvola")
    await h.publish("registry.user.role_changed", {"user_id": "u-new", "email": "uusi@kouvola.fi",
                                                   "role": "tenant_admin", "tenant_id": "kouvola", "language": "sv"},
                    tenant_id="kouvola")
    await h.publish("events.feedback.given", {"provider_id": "p-fi", "producer_part": "site:s-fi",
                                              "feedback_id": "f1", "kind": "complaint", "needs_reply": False},
                    tenant_id="kouvola")
    assert h.smtp.to("vanha@kouvola.fi") == []
    assert only(h, "paakayttaja@kouvola.fi") and only(h, "uusi@kouvola.fi")


BILLING_OFF = {"provider_id": "p-fi", "site_id": None, "billing": {
    "iban": "FI2112345600000785", "bic": "NDEAFIHH", "email": "laskutus@paivansade.fi", "pdf_by_email": False}}


async def _specification(h: Harness, payment_id: str) -> None:
    await h.publish("settlement.specification.ready", {
        "payment_id": payment_id, "provider_id": "p-fi", "language": "fi", "email": None, "month": "2016-02",
        "pdf_base64": base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()}, tenant_id="kouvola")


async def test_a_billing_change_heard_before_the_company_is_kept_for_it(harness: Harness) -> None:
    """The company turned the specification by email off right after registering; the change arrived first."""
    h = harness
    for tenant in (h.tenant, h.bilingual_tenant):
        await h.publish("registry.tenant.created", tenant)
    stated = datetime.now(UTC)
    early = Envelope(type="registry.provider.billing_changed", tenant_id=None, payload=BILLING_OFF,
                     occurred_at=stated + timedelta(seconds=20))
    await InMemoryTransport(h.broker).publish(early, {}, timeout=1)
    await asyncio.sleep(0.3)  # heard, and put back to wait for the company (as on a loaded machine)
    await h.publish("registry.provider.registered", h.provider_fi, occurred_at=stated)
    await h.publish("registry.provider.registered", h.provider_sv)
    await _specification(h, "pay-1")
    assert h.smtp.to("laskutus@paivansade.fi") == []  # not asked for by email: skipped


async def test_an_older_billing_change_heard_after_a_newer_one_does_not_decide_the_pdf(harness: Harness) -> None:
    h = harness
    await h.directory()
    changed = datetime.now(UTC) + timedelta(minutes=1)
    await h.publish("registry.provider.billing_changed", BILLING_OFF, occurred_at=changed)
    await h.publish("registry.provider.billing_changed", {**BILLING_OFF, "billing": {
        **BILLING_OFF["billing"], "pdf_by_email": True}}, occurred_at=changed - timedelta(seconds=20))
    await _specification(h, "pay-1")
    assert h.smtp.to("laskutus@paivansade.fi") == []


async def test_an_admins_role_facts_heard_out_of_order_leave_the_role_stated_last(harness: Harness) -> None:
    """A tenant admin made an officer: the role change handled before the creation (retried, or side by side)
    must not make the officer a recipient of the tenant's notices again; of two role changes, the later one
    counts whichever is heard first."""
    h = harness
    await h.directory()
    created = datetime.now(UTC) + timedelta(minutes=1)
    officer = {"user_id": "u-old", "email": "vanha@kouvola.fi", "role": "tenant_officer", "tenant_id": "kouvola"}
    await h.publish("registry.user.role_changed", officer, tenant_id="kouvola",
                    occurred_at=created + timedelta(seconds=30))
    await h.publish("registry.user.created", {**officer, "role": "tenant_admin"}, tenant_id="kouvola",
                    occurred_at=created)
    # another admin: made an officer, then an admin again; the first change heard last
    other = {"user_id": "u-k", "email": "paakayttaja@kouvola.fi", "role": "tenant_admin", "tenant_id": "kouvola"}
    await h.publish("registry.user.created", other, tenant_id="kouvola", occurred_at=created)
    await h.publish("registry.user.role_changed", other, tenant_id="kouvola",
                    occurred_at=created + timedelta(seconds=20))
    await h.publish("registry.user.role_changed", {**other, "role": "tenant_officer"}, tenant_id="kouvola",
                    occurred_at=created + timedelta(seconds=10))
    await h.publish("events.feedback.given", {"provider_id": "p-fi", "producer_part": "site:s-fi",
                                              "feedback_id": "f1", "kind": "complaint", "needs_reply": False},
                    tenant_id="kouvola")
    assert h.smtp.to("vanha@kouvola.fi") == []
    assert only(h, "paakayttaja@kouvola.fi")["Subject"] == "Uusi reklamaatio: Hoivakoti Päivänsäde Oy"


async def test_an_older_service_definition_heard_after_a_newer_one_is_not_the_name_mail_uses(
        harness: Harness) -> None:
    h = harness
    await h.directory()
    await h.publish("registry.user.created", {"user_id": "u-k", "email": "paakayttaja@kouvola.fi",
                                              "role": "tenant_admin", "tenant_id": "kouvola", "language": "fi"},
                    tenant_id="kouvola")
    renamed = datetime.now(UTC) + timedelta(minutes=1)
    service = {"service_id": "sas", "name_sv": "Serviceboende", "kind": "voucher"}
    await h.publish("applications.service.defined", {**service, "name_fi": "Tehostettu palveluasuminen"},
                    tenant_id="kouvola", occurred_at=renamed)
    await h.publish("applications.service.defined", {**service, "name_fi": "Tehostettu palveluasuminem"},
                    tenant_id="kouvola", occurred_at=renamed - timedelta(seconds=20))  # the typo, heard last
    await h.publish("applications.application.submitted",
                    {"application_id": "app-1", "service_id": "sas", "provider_id": "p-fi"}, tenant_id="kouvola")
    assert only(h, "paakayttaja@kouvola.fi")["Subject"] == "Uusi hakemus päätettäväksi: Tehostettu palveluasuminen"
