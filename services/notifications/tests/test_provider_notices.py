"""Attention notifications to a provider (issue 20): an over-limit event the officer rejected, and a booking the
municipality ended (a voucher closed, a client's death) — in the provider's language, naming the client by the
provider's own number, at the producer part's address; a booking the provider ended itself tells no one."""

from __future__ import annotations

from typing import Any

from .test_messages import only, text

Harness = Any


async def test_a_rejected_event_tells_the_provider_which_and_why(harness: Harness) -> None:
    await harness.directory()
    await harness.publish("events.event.rejected", {
        "event_id": "ev-1", "reason": "Yli myönnetyn 10 h / viikko", "provider_id": "p-fi", "client_ref": "K-5",
        "start": "2016-03-11", "end": "2016-03-11", "service_id": "kotihoito"}, tenant_id="kouvola")
    mail = only(harness, "info@paivansade.fi")
    assert mail["Subject"] == "Palvelutapahtumaa ei hyväksytty: K-5"
    body = text(mail)
    assert "asiakas K-5, 11.3.2016, palvelu kotihoito" in body and "Perustelu: Yli myönnetyn 10 h / viikko" in body
    # an older fact without the provider: nobody to tell, and no error
    await harness.publish("events.event.rejected", {"event_id": "ev-2", "reason": "x"}, tenant_id="kouvola")
    assert len(harness.smtp.to("info@paivansade.fi")) == 1


async def test_a_rejected_interruption_tells_the_provider_which_and_why_in_its_language(harness: Harness) -> None:
    """Issue 19: the municipality approves interruptions before settlement; a rejected one is not paid."""
    await harness.directory()
    await harness.publish("events.interruption.rejected", {
        "interruption_id": "i-1", "reason": "Paluupäivä on väärin", "provider_id": "p-fi", "client_ref": "K-5",
        "start": "2016-03-02", "end": "2016-03-17", "service_id": "kotihoito"}, tenant_id="kouvola")
    mail = only(harness, "info@paivansade.fi")
    assert mail["Subject"] == "Keskeytystä ei hyväksytty: K-5"
    body = text(mail)
    assert "asiakas K-5, 2.3.2016–17.3.2016, palvelu kotihoito" in body and "Perustelu: Paluupäivä on väärin" in body
    await harness.publish("events.interruption.rejected", {
        "interruption_id": "i-2", "reason": "Fel returdag", "provider_id": "p-sv", "client_ref": "A-17",
        "start": "2016-03-02", "end": "2016-03-17", "service_id": "kotihoito"}, tenant_id="kouvola")
    swedish = only(harness, "info@solsidan.fi")  # in the provider's language
    assert swedish["Subject"] == "Avbrottet godkändes inte: A-17" and "Motivering: Fel returdag" in text(swedish)


async def test_a_void_rejection_of_an_interruption_tells_the_provider_it_is_paid_once(harness: Harness) -> None:
    """The approval step had been turned off before the officer rejected the interruption (events heard it only
    after): the rejection is void and the stay is paid as recorded. The provider, told of the rejection, is told
    so once, in its language, however often the fact is delivered."""
    await harness.directory()
    voided = {"interruption_id": "i-1", "provider_id": "p-fi", "producer_part": None, "client_ref": "K-5",
              "start": "2016-03-02", "end": "2016-03-17", "service_id": "kotihoito", "reason": "Paluupäivä on väärin",
              "decided_at": "2016-03-20T08:15:00+00:00", "amount_tenant": "1680.00"}
    envelope = await harness.publish("events.interruption.rejection_voided", voided, tenant_id="kouvola")
    mail = only(harness, "info@paivansade.fi")
    assert mail["Subject"] == "Keskeytyksen hylkäys on peruttu: K-5"
    body = text(mail)
    assert "asiakas K-5, 2.3.2016–17.3.2016, palvelu kotihoito" in body
    assert "maksetaan sellaisena kuin se on kirjattu: 1\u00a0680,00\u00a0€" in body
    assert "Hylkäyksen perustelu oli: Paluupäivä on väärin" in body
    await harness.publish(envelope.type, voided, tenant_id="kouvola", event_id=envelope.event_id)  # redelivered
    # voided again after a later statement held it again: the same rejection, told once
    await harness.publish(envelope.type, voided, tenant_id="kouvola")
    assert len(harness.smtp.to("info@paivansade.fi")) == 1
    await harness.publish("events.interruption.rejection_voided", {**voided, "interruption_id": "i-2",
                                                                   "provider_id": "p-sv", "client_ref": "A-17"},
                          tenant_id="kouvola")
    swedish = only(harness, "info@solsidan.fi")
    assert swedish["Subject"] == "Avslaget av avbrottet har upphävts: A-17"
    assert "betalas såsom det registrerats: 1\u00a0680,00\u00a0€" in text(swedish)


async def test_a_voided_rejection_standing_again_is_told_once_per_change(harness: Harness) -> None:
    """Voided by an "off" heard late, the rejection stands again when an "on" stated after that "off" is heard: the
    provider, told it was void, is told it stands (and not to expect the payment), once per change, in its
    language; a new void by another statement is told again."""
    await harness.directory()
    voided = {"interruption_id": "i-1", "provider_id": "p-fi", "producer_part": None, "client_ref": "K-5",
              "start": "2016-03-02", "end": "2016-03-17", "service_id": "kotihoito", "reason": "Paluupäivä on väärin",
              "decided_at": "2016-03-20T08:15:00+00:00", "amount_tenant": "1680.00",
              "released_at": "2016-03-19T07:00:00+00:00"}
    restored = {**{k: v for k, v in voided.items() if k not in ("amount_tenant", "released_at")},
                "voided_by": "2016-03-19T07:00:00+00:00", "approval": "rejected"}
    await harness.publish("events.interruption.rejection_voided", voided, tenant_id="kouvola")
    for _ in range(2):  # the second: the same change published again (another envelope)
        await harness.publish("events.interruption.rejection_restored", restored, tenant_id="kouvola")
    mails = harness.smtp.to("info@paivansade.fi")
    assert [m["Subject"] for m in mails] == ["Keskeytyksen hylkäys on peruttu: K-5",
                                             "Keskeytyksen hylkäys on taas voimassa: K-5"]
    body = text(mails[1])
    assert "asiakas K-5, 2.3.2016–17.3.2016, palvelu kotihoito" in body
    assert "Hylkäys on kuitenkin voimassa, eikä keskeytystä makseta" in body
    assert "Hylkäyksen perustelu: Paluupäivä on väärin" in body
    # voided again by another "off": a change of its own, told again
    await harness.publish("events.interruption.rejection_voided", {**voided, "released_at": "2016-03-21T07:00:00Z"},
                          tenant_id="kouvola")
    assert len(harness.smtp.to("info@paivansade.fi")) == 3
    await harness.publish("events.interruption.rejection_restored", {**restored, "interruption_id": "i-2",
                                                                     "provider_id": "p-sv", "client_ref": "A-17"},
                          tenant_id="kouvola")
    swedish = only(harness, "info@solsidan.fi")
    assert swedish["Subject"] == "Avslaget av avbrottet gäller igen: A-17"
    assert "Avslaget gäller ändå, och avbrottet betalas inte" in text(swedish)


async def test_a_booking_the_municipality_ended_is_told_at_the_sites_address(harness: Harness) -> None:
    await harness.directory()
    await harness.publish("vouchers.booking.ended", {
        "booking_id": "b-1", "voucher_id": "v-1", "provider_id": "p-sv", "ended_on": "2016-09-15",
        "reason": "death", "client_ref": "A-17", "service_id": "kotihoito", "producer_part": "site:s-sv"},
        tenant_id="kouvola")
    mail = only(harness, "borga@solsidan.fi")  # the site's notification address
    assert mail["Subject"] == "Servicebokningen upphör: A-17"
    assert "upphör 15.9.2016: klienten har avlidit" in text(mail)
    await harness.publish("vouchers.booking.ended", {
        "booking_id": "b-2", "voucher_id": "v-2", "provider_id": "p-fi", "ended_on": "2016-09-15",
        "reason": "Asiakas vaihtoi palveluntuottajaa", "client_ref": "K-9"}, tenant_id="kouvola")
    assert harness.smtp.to("info@paivansade.fi") == []  # the provider ended it itself


async def test_the_reminder_on_the_first_says_what_is_open_and_by_when(harness: Harness) -> None:
    await harness.directory()
    await harness.publish("events.reminder.due", {"provider_id": "p-fi", "month": "2016-03", "drafts": 3,
                                                  "open_interruptions": 1, "deadline": "2016-04-02"},
                          tenant_id="kouvola")
    mail = only(harness, "info@paivansade.fi")
    assert mail["Subject"] == "Muistutus: vahvistakaa kirjaukset viimeistään 2.4.2016"
    body = text(mail)
    assert "kuukauden maaliskuu 2016 kirjauksia on vielä kesken" in body
    assert "- Vahvistamattomia luonnoksia: 3" in body and "- Keskeytyksiä ilman paluupäivää: 1" in body
