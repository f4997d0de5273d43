"""A company registered without an address of its own (a registration request approved without the optional
company email, a strong sign-up without one) still hears of what concerns it: its notices go to the person who
registered it, its main user, at their login address, until the company gives an address of its own; from then
on they go there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .conftest import PROVIDER_FI, Harness
from .test_messages import only, text

NO_ADDRESS = {**PROVIDER_FI, "email": "", "billing": None,
              "sites": [{"site_id": "s-fi", "name": "Päivänsäde Kouvola", "notification_email": ""}]}
REJECTED = {"event_id": "ev-1", "reason": "Yli myönnetyn", "provider_id": "p-fi", "client_ref": "K-5",
            "start": "2016-03-11", "end": "2016-03-11", "service_id": "kotihoito"}


async def _company_without_address(h: Harness) -> None:
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.publish("registry.tenant.created", h.tenant)
    await h.publish("registry.provider.registered", NO_ADDRESS)
    await h.publish("registry.user.created", {"user_id": "u-main", "email": "Maija@Example.fi",
                                              "role": "provider_admin", "provider_id": "p-fi"})
    h.clock.advance(timedelta(minutes=1))
    # a user the main user made later: not the one who registered the company, no company mail to them
    await h.publish("registry.user.created", {"user_id": "u-other", "email": "kalle@example.fi",
                                              "role": "provider_user", "provider_id": "p-fi"})


async def test_the_notices_of_a_company_without_an_address_go_to_its_main_user(harness: Harness) -> None:
    h = harness
    await _company_without_address(h)
    await h.publish("events.event.rejected", REJECTED, tenant_id="kouvola")  # an attention notice
    mail = only(h, "maija@example.fi")
    assert mail["Subject"] == "Palvelutapahtumaa ei hyväksytty: K-5" and "Perustelu: Yli myönnetyn" in text(mail)
    await h.publish("settlement.payment.computed", {  # a payment, no billing address anywhere
        "payment_id": "pay-1", "run_id": "run-1", "month": "2016-02", "provider_id": "p-fi", "amount": "10.00"},
        tenant_id="kouvola")
    assert len(h.smtp.to("maija@example.fi")) == 2
    assert h.smtp.to("kalle@example.fi") == []
    assert [m for m in await h.db_message(provider_id="p-fi") if m["state"] == "skipped"] == []


async def test_once_the_company_gives_its_own_address_its_notices_go_there(harness: Harness) -> None:
    h = harness
    await _company_without_address(h)
    h.clock.advance(timedelta(minutes=1))
    await h.publish("registry.provider.email_changed", {"provider_id": "p-fi", "email": "toimisto@paivansade.fi"})
    await h.publish("events.event.rejected", REJECTED, tenant_id="kouvola")
    assert len(h.smtp.to("toimisto@paivansade.fi")) == 1
    assert h.smtp.to("maija@example.fi") == []
    # a change stated before the one kept, heard late, changes nothing
    await h.publish("registry.provider.email_changed", {"provider_id": "p-fi", "email": ""},
                    occurred_at=datetime(2016, 3, 15, 10, 0, 30, tzinfo=UTC))
    await h.publish("events.event.rejected", {**REJECTED, "event_id": "ev-2"}, tenant_id="kouvola")
    assert len(h.smtp.to("toimisto@paivansade.fi")) == 2


async def test_a_passivated_main_user_gets_no_company_mail_another_main_user_does(harness: Harness) -> None:
    h = harness
    await _company_without_address(h)
    await h.publish("registry.user.created", {"user_id": "u-second", "email": "liisa@example.fi",
                                              "role": "provider_admin", "provider_id": "p-fi"})
    await h.publish("registry.user.passivated", {"user_id": "u-main"})
    await h.publish("events.event.rejected", REJECTED, tenant_id="kouvola")
    assert h.smtp.to("maija@example.fi") == []
    assert len(h.smtp.to("liisa@example.fi")) == 1
    # activated again (back from a leave): the company's mail is hers again, as the one who registered it
    await h.publish("registry.user.activated", {"user_id": "u-main", "email": "maija@example.fi",
                                                "role": "provider_admin", "provider_id": "p-fi"})
    await h.publish("events.event.rejected", {**REJECTED, "event_id": "e-2"}, tenant_id="kouvola")
    assert len(h.smtp.to("maija@example.fi")) == 1 and len(h.smtp.to("liisa@example.fi")) == 1


async def test_company_users_told_again_by_the_registry_are_ordered_by_their_creation_not_by_hearing(
        harness: Harness) -> None:
    """The registry's migration tells the company users there were once more, each at the time it was created:
    heard in any order, the company's mail goes to the main user created first (the one who registered it)."""
    h = harness
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.publish("registry.tenant.created", h.tenant)
    await h.publish("registry.provider.registered", NO_ADDRESS)
    await h.publish("registry.user.created", {"user_id": "u-later", "email": "liisa@example.fi",
                                              "role": "provider_admin", "provider_id": "p-fi"},
                    occurred_at=datetime(2016, 2, 1, tzinfo=UTC))
    await h.publish("registry.user.created", {"user_id": "u-first", "email": "maija@example.fi",
                                              "role": "provider_admin", "provider_id": "p-fi"},
                    occurred_at=datetime(2016, 1, 4, tzinfo=UTC))
    await h.publish("events.event.rejected", REJECTED, tenant_id="kouvola")
    assert len(h.smtp.to("maija@example.fi")) == 1 and h.smtp.to("liisa@example.fi") == []
