"""A user passivated (who left) gets no more mail from Seteli: not the notices queued to them before the
passivation and not yet sent (the mail server was busy, or the sender had not come round yet), whichever order
the registry's facts are heard in. The delivery log says why each was not sent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from seteli_common.migrations import alembic_config
from seteli_notifications.bootstrap import MIGRATIONS

from .conftest import Harness
from .test_delivery import payment
from .test_policies import log_of

NOT_SENT = "not sent: the recipient's user account was passivated"
COMPLAINT = {"provider_id": "p-fi", "producer_part": "site:s-fi", "feedback_id": "f1", "kind": "complaint",
             "needs_reply": False}


async def _admin(h: Harness, user_id: str, email: str) -> None:
    await h.publish("registry.user.created", {"user_id": user_id, "email": email, "role": "tenant_admin",
                                              "tenant_id": "kouvola"}, tenant_id="kouvola")


async def _entry(h: Harness, recipient: str) -> dict[str, Any]:
    [entry] = [m for m in await log_of(h, "kouvola") if m["recipient"] == recipient]
    return entry


async def test_a_tenant_admin_passivated_before_the_queued_notice_went_out_does_not_get_it(harness: Harness) -> None:
    h = harness
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.directory()
    await _admin(h, "u-1", "lahtija@kouvola.fi")
    await _admin(h, "u-2", "paakayttaja@kouvola.fi")
    h.smtp.refuse_forever = True  # the mail server is busy: every notice waits a minute for its next attempt
    await h.publish("events.feedback.given", COMPLAINT, tenant_id="kouvola")
    h.smtp.refuse_forever = False
    await h.publish("registry.user.passivated", {"user_id": "u-1"})

    h.clock.advance(timedelta(minutes=2))  # the retry is due
    await h.runtime.sender.flush()
    assert h.smtp.to("lahtija@kouvola.fi") == []
    entry = await _entry(h, "lahtija@kouvola.fi")
    # the tenant's notice goes to its admins now: the other admin has their own copy, and no second one
    reason = f"{NOT_SENT}; paakayttaja@kouvola.fi had it already"
    assert (entry["state"], entry["attempts"], entry["last_error"]) == ("skipped", 1, reason)
    assert [(e["outcome"], e["attempt"]) for e in entry["log"]] == [("queued", 0), ("retry", 1), ("skipped", 0)]
    assert entry["log"][-1]["detail"] == reason
    assert len(h.smtp.to("paakayttaja@kouvola.fi")) == 1  # the other admin's copy went


async def test_a_provider_admin_passivated_before_the_mail_to_them_went_out_does_not_get_it(harness: Harness) -> None:
    """The registration decision goes to the applicant, the company's main user; passivated meanwhile, they do
    not get it. The company's other addresses still get what is theirs."""
    h = harness
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.directory()
    await h.publish("registry.user.created", {"user_id": "u-p", "email": "aino@paivansade.fi",
                                              "role": "provider_admin", "provider_id": "p-fi"})
    h.smtp.refuse_forever = True
    await h.publish("registry.registration.decided", {"provider_id": "p-fi", "decision": "approved",
                                                      "email": "aino@paivansade.fi"}, tenant_id="kouvola")
    h.smtp.refuse_forever = False
    await h.publish("registry.user.passivated", {"user_id": "u-p"})
    await h.publish("events.feedback.given", COMPLAINT, tenant_id="kouvola")  # to the site's address
    h.clock.advance(timedelta(minutes=2))
    await h.runtime.sender.flush()
    assert h.smtp.to("aino@paivansade.fi") == []
    entry = await _entry(h, "aino@paivansade.fi")
    assert entry["state"] == "skipped" and [e["outcome"] for e in entry["log"]] == ["queued", "retry", "skipped"]
    assert len(h.smtp.to("kouvola@paivansade.fi")) == 1


async def test_a_passivation_heard_before_the_users_creation_still_stops_their_queued_mail(harness: Harness) -> None:
    """The passivation (a fact of no tenant) handled before the user's creation (retried): the address is known
    only from the creation, heard last; the mail queued to it meanwhile is still not sent."""
    h = harness
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.directory()
    h.smtp.refuse_forever = True
    await h.publish("registry.registration.decided", {"provider_id": "p-fi", "decision": "approved",
                                                      "email": "aino@paivansade.fi"}, tenant_id="kouvola")
    h.smtp.refuse_forever = False
    await h.publish("registry.user.passivated", {"user_id": "u-p"})
    await h.publish("registry.user.created", {"user_id": "u-p", "email": "Aino@Paivansade.fi",
                                              "role": "provider_admin", "provider_id": "p-fi"})
    h.clock.advance(timedelta(minutes=2))
    await h.runtime.sender.flush()
    assert h.smtp.to("aino@paivansade.fi") == []
    assert (await _entry(h, "aino@paivansade.fi"))["last_error"] == NOT_SENT


async def test_mail_to_an_active_users_address_is_sent_as_before(harness: Harness) -> None:
    """Only a passivated user's address is held back: another user, passivated, changes nothing for it."""
    h = harness
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.directory()
    await _admin(h, "u-1", "lahtija@kouvola.fi")
    await _admin(h, "u-2", "paakayttaja@kouvola.fi")
    h.smtp.refuse_forever = True  # both admins' copies wait
    await h.publish("events.feedback.given", COMPLAINT, tenant_id="kouvola")
    h.smtp.refuse_forever = False
    await h.publish("registry.user.passivated", {"user_id": "u-1"})
    h.clock.advance(timedelta(minutes=2))
    await h.runtime.sender.flush()
    assert len(h.smtp.to("paakayttaja@kouvola.fi")) == 1 and h.smtp.to("lahtija@kouvola.fi") == []


async def test_a_tenant_admin_known_before_the_migration_is_known_as_a_user_after_it(harness: Harness,
                                                                                     pg_url: str) -> None:
    """The migration that began keeping users' addresses brings the tenant admins known already: one passivated
    after it does not get the notice queued to them before."""
    h = harness
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.directory()
    await _admin(h, "u-1", "Lahtija@kouvola.fi")
    config = alembic_config(MIGRATIONS, pg_url)
    await asyncio.to_thread(command.downgrade, config, "b9d4f6a2c8e1")
    await asyncio.to_thread(command.upgrade, config, "head")
    h.smtp.refuse_forever = True
    await h.publish("events.feedback.given", COMPLAINT, tenant_id="kouvola")
    h.smtp.refuse_forever = False
    await h.publish("registry.user.passivated", {"user_id": "u-1"})
    h.clock.advance(timedelta(minutes=2))
    await h.runtime.sender.flush()
    assert h.smtp.to("Lahtija@kouvola.fi") == [] and h.smtp.to("lahtija@kouvola.fi") == []
    # the tenant's only admin: nobody else to send it to
    assert (await _entry(h, "Lahtija@kouvola.fi"))["last_error"] == f"{NOT_SENT}; no recipient address"


async def test_a_companys_own_address_is_served_though_a_passivated_user_had_it_too(harness: Harness) -> None:
    """A small company's main user often signs in with the company's billing address: passivated (replaced by a
    new main user), the company's payment mail to that address still goes out; it is the company's, not theirs."""
    h = harness
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.directory()
    await h.publish("registry.user.created", {"user_id": "u-p", "email": "Laskutus@paivansade.fi",
                                              "role": "provider_admin", "provider_id": "p-fi"})
    await h.publish("registry.user.passivated", {"user_id": "u-p"})
    await h.publish("settlement.payment.computed", payment(provider_id="p-fi", payee_name="Hoivakoti Päivänsäde Oy",
                                                           language="fi", email="laskutus@paivansade.fi"),
                    tenant_id="kouvola")
    await h.runtime.sender.flush()
    assert len(h.smtp.to("laskutus@paivansade.fi")) == 1


async def test_a_tenant_admin_activated_again_gets_the_tenants_notices_whatever_order_the_facts_come_in(
        harness: Harness) -> None:
    """A tenant admin passivated by mistake is activated again: the tenant's next notice reaches them. The
    activation heard before the (earlier) passivation changes nothing of that; a later passivation holds."""
    h = harness
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await h.directory()
    await _admin(h, "u-1", "paluu@kouvola.fi")
    at = datetime(2016, 3, 15, 9, 0, tzinfo=UTC)
    activated = {"user_id": "u-1", "email": "paluu@kouvola.fi", "role": "tenant_admin", "tenant_id": "kouvola",
                 "language": "fi"}
    await h.publish("registry.user.passivated", {"user_id": "u-1"}, occurred_at=at)
    await h.publish("registry.user.activated", activated, tenant_id="kouvola", occurred_at=at + timedelta(minutes=5))
    await h.publish("events.feedback.given", COMPLAINT, tenant_id="kouvola")
    assert len(h.smtp.to("paluu@kouvola.fi")) == 1

    # out of order: passivated at 11.00, activated at 11.10, heard the other way round
    later = at + timedelta(hours=2)
    await h.publish("registry.user.activated", activated, tenant_id="kouvola",
                    occurred_at=later + timedelta(minutes=10))
    await h.publish("registry.user.passivated", {"user_id": "u-1"}, occurred_at=later)
    await h.publish("events.feedback.given", {**COMPLAINT, "feedback_id": "f2"}, tenant_id="kouvola")
    assert len(h.smtp.to("paluu@kouvola.fi")) == 2

    # passivated again, later than every activation: no more mail
    await h.publish("registry.user.passivated", {"user_id": "u-1"}, occurred_at=later + timedelta(hours=1))
    await h.publish("events.feedback.given", {**COMPLAINT, "feedback_id": "f3"}, tenant_id="kouvola")
    assert len(h.smtp.to("paluu@kouvola.fi")) == 2
