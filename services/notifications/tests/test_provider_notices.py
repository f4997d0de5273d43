"""Attention notifications to a provider (issue 20): an over-limit event the officer rejected, and a booking the
municipality ended (a voucher closed, a client's death) — in the provider's language, naming the client by the
provider's own number, at the producer part's address; a booking the provider ended itself tells no one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from .test_messages import only, text

Harness = Any

# A stay of Päivänsäde's client K-5 the officer rejected; the rejection since voided, and (told so) standing again
REJECTED = {"interruption_id": "i-1", "reason": "Paluupäivä on väärin", "provider_id": "p-fi", "client_ref": "K-5",
            "start": "2016-03-02", "end": "2016-03-17", "service_id": "kotihoito"}
DECIDED = {**REJECTED, "producer_part": None, "decided_at": "2016-03-20T08:15:00+00:00"}
VOIDED = {**DECIDED, "amount_tenant": "1680.00"}
RESTORED = {**DECIDED, "voided_by": "2016-03-19T07:00:00+00:00", "approval": "rejected"}


def of_solsidan(payload: dict[str, Any]) -> dict[str, Any]:
    """The same fact about another stay, of Solsidan's client A-17 (a provider that reads Swedish)."""
    return {**payload, "interruption_id": "i-2", "provider_id": "p-sv", "client_ref": "A-17"}


async def publish(harness: Harness, event_type: str, payload: dict[str, Any], **envelope: Any) -> Any:
    return await harness.publish(event_type, payload, tenant_id="kouvola", **envelope)


async def test_a_rejected_event_tells_the_provider_which_and_why(harness: Harness) -> None:
    await harness.directory()
    await publish(harness, "events.event.rejected", {
        "event_id": "ev-1", "reason": "Yli myönnetyn 10 h / viikko", "provider_id": "p-fi", "client_ref": "K-5",
        "start": "2016-03-11", "end": "2016-03-11", "service_id": "kotihoito"})
    mail = only(harness, "info@paivansade.fi")
    assert mail["Subject"] == "Palvelutapahtumaa ei hyväksytty: K-5"
    body = text(mail)
    assert "asiakas K-5, 11.3.2016, palvelu kotihoito" in body and "Perustelu: Yli myönnetyn 10 h / viikko" in body
    # an older fact without the provider: nobody to tell, and no error
    await publish(harness, "events.event.rejected", {"event_id": "ev-2", "reason": "x"})
    assert len(harness.smtp.to("info@paivansade.fi")) == 1


async def test_a_rejected_interruption_tells_the_provider_which_and_why_in_its_language(harness: Harness) -> None:
    """Issue 19: the municipality approves interruptions before settlement; a rejected one is not paid."""
    await harness.directory()
    await publish(harness, "events.interruption.rejected", REJECTED)
    mail = only(harness, "info@paivansade.fi")
    assert mail["Subject"] == "Keskeytystä ei hyväksytty: K-5"
    body = text(mail)
    assert "asiakas K-5, 2.3.2016–17.3.2016, palvelu kotihoito" in body and "Perustelu: Paluupäivä on väärin" in body
    await publish(harness, "events.interruption.rejected", of_solsidan({**REJECTED, "reason": "Fel returdag"}))
    swedish = only(harness, "info@solsidan.fi")  # in the provider's language
    assert swedish["Subject"] == "Avbrottet godkändes inte: A-17" and "Motivering: Fel returdag" in text(swedish)


async def test_a_void_rejection_of_an_interruption_tells_the_provider_it_is_paid_once(harness: Harness) -> None:
    """The approval step had been turned off before the officer rejected the interruption (events heard it only
    after): the rejection is void and the stay is paid as recorded. The provider, told of the rejection, is told
    so once, in its language, however often the fact is delivered."""
    await harness.directory()
    envelope = await publish(harness, "events.interruption.rejection_voided", VOIDED)
    mail = only(harness, "info@paivansade.fi")
    assert mail["Subject"] == "Keskeytyksen hylkäys on peruttu: K-5"
    body = text(mail)
    assert "asiakas K-5, 2.3.2016–17.3.2016, palvelu kotihoito" in body
    assert "maksetaan sellaisena kuin se on kirjattu: 1\u00a0680,00\u00a0€" in body
    assert "Hylkäyksen perustelu oli: Paluupäivä on väärin" in body
    await publish(harness, envelope.type, VOIDED, event_id=envelope.event_id)  # redelivered
    # voided again after a later statement held it again: the same rejection, told once
    await publish(harness, envelope.type, VOIDED)
    assert len(harness.smtp.to("info@paivansade.fi")) == 1
    await publish(harness, "events.interruption.rejection_voided", of_solsidan(VOIDED))
    swedish = only(harness, "info@solsidan.fi")
    assert swedish["Subject"] == "Avslaget av avbrottet har upphävts: A-17"
    assert "betalas såsom det registrerats: 1\u00a0680,00\u00a0€" in text(swedish)


async def test_a_voided_rejection_standing_again_is_told_once_per_change(harness: Harness) -> None:
    """Voided by an "off" heard late, the rejection stands again when an "on" stated after that "off" is heard: the
    provider, told it was void, is told it stands (and not to expect the payment), once per change, in its
    language; a new void by another statement is told again."""
    await harness.directory()
    voided = {**VOIDED, "released_at": RESTORED["voided_by"]}
    await publish(harness, "events.interruption.rejection_voided", voided)
    for _ in range(2):  # the second: the same change published again (another envelope)
        await publish(harness, "events.interruption.rejection_restored", RESTORED)
    mails = harness.smtp.to("info@paivansade.fi")
    assert [m["Subject"] for m in mails] == ["Keskeytyksen hylkäys on peruttu: K-5",
                                             "Keskeytyksen hylkäys on taas voimassa: K-5"]
    body = text(mails[1])
    assert "asiakas K-5, 2.3.2016–17.3.2016, palvelu kotihoito" in body
    assert "Hylkäys on kuitenkin voimassa, eikä keskeytystä makseta" in body
    assert "Hylkäyksen perustelu: Paluupäivä on väärin" in body
    # voided again by another "off": a change of its own, told again
    await publish(harness, "events.interruption.rejection_voided", {**voided, "released_at": "2016-03-21T07:00:00Z"})
    assert len(harness.smtp.to("info@paivansade.fi")) == 3
    await publish(harness, "events.interruption.rejection_restored", of_solsidan(RESTORED))
    swedish = only(harness, "info@solsidan.fi")
    assert swedish["Subject"] == "Avslaget av avbrottet gäller igen: A-17"
    assert "Avslaget gäller ändå, och avbrottet betalas inte" in text(swedish)


async def test_a_booking_the_municipality_ended_is_told_at_the_sites_address(harness: Harness) -> None:
    await harness.directory()
    await publish(harness, "vouchers.booking.ended", {
        "booking_id": "b-1", "voucher_id": "v-1", "provider_id": "p-sv", "ended_on": "2016-09-15",
        "reason": "death", "client_ref": "A-17", "service_id": "kotihoito", "producer_part": "site:s-sv"})
    mail = only(harness, "borga@solsidan.fi")  # the site's notification address
    assert mail["Subject"] == "Servicebokningen upphör: A-17"
    assert "upphör 15.9.2016: klienten har avlidit" in text(mail)
    await publish(harness, "vouchers.booking.ended", {
        "booking_id": "b-2", "voucher_id": "v-2", "provider_id": "p-fi", "ended_on": "2016-09-15",
        "reason": "Asiakas vaihtoi palveluntuottajaa", "client_ref": "K-9"})
    assert harness.smtp.to("info@paivansade.fi") == []  # the provider ended it itself


async def test_a_booking_a_used_up_voucher_ended_and_gives_back_is_told_to_go_on(harness: Harness) -> None:
    """Told its booking ended as the voucher was used up, the provider learns it goes on when a charge taken back
    opens the voucher again, in its own language at the address the end went to; the same message heard twice
    tells it once."""
    await harness.directory()
    ended = {"booking_id": "b-1", "voucher_id": "v-1", "provider_id": "p-fi", "ended_on": "2016-12-31",
             "reason": "used_up", "voucher_closed": True, "client_ref": "K-9", "service_id": "kotihoito"}
    await publish(harness, "vouchers.booking.ended", ended)
    restored = {**ended, "producer_part": None}
    del restored["voucher_closed"]
    first = await publish(harness, "vouchers.booking.restored", restored)
    await publish(harness, "vouchers.booking.restored", restored, event_id=first.event_id)
    end_notice, going_on = harness.smtp.to("info@paivansade.fi")
    assert end_notice["Subject"] == "Palveluvaraus päättyy: K-9"
    assert going_on["Subject"] == "Palveluvaraus jatkuu: K-9"
    assert "palveluvaraus palvelussa kotihoito jatkuu" in text(going_on)
    assert "päättyminen 31.12.2016 ei enää ole voimassa" in text(going_on)
    await publish(harness, "vouchers.booking.restored", {
        **restored, "booking_id": "b-2", "provider_id": "p-sv", "client_ref": "A-17", "producer_part": "site:s-sv"})
    mail = only(harness, "borga@solsidan.fi")
    assert mail["Subject"] == "Servicebokningen fortsätter: A-17"
    assert "Det tidigare meddelade upphörandet 31.12.2016 gäller inte längre" in text(mail)


async def test_an_end_heard_after_the_restore_that_lifted_it_is_not_told(harness: Harness) -> None:
    """Vouchers ended the booking (used up) and gave it back; the end, retried while the provider was not known
    here, arrives after the restore: the provider is told only that the booking goes on, never that it ends after
    that. An end stated after the lift (the voucher used up once more) is told again."""
    await harness.directory()
    ended = {"booking_id": "b-3", "voucher_id": "v-3", "provider_id": "p-fi", "ended_on": "2016-12-31",
             "reason": "used_up", "voucher_closed": True, "client_ref": "K-7", "service_id": "kotihoito"}
    restored = {k: v for k, v in ended.items() if k != "voucher_closed"}
    await publish(harness, "vouchers.booking.restored", restored, occurred_at=datetime(2016, 11, 2, 9, 0, tzinfo=UTC))
    await publish(harness, "vouchers.booking.ended", ended, occurred_at=datetime(2016, 11, 1, 9, 0, tzinfo=UTC))
    mail = only(harness, "info@paivansade.fi")
    assert mail["Subject"] == "Palveluvaraus jatkuu: K-7"
    await publish(harness, "vouchers.booking.ended", ended, occurred_at=datetime(2016, 11, 3, 9, 0, tzinfo=UTC))
    assert [m["Subject"] for m in harness.smtp.to("info@paivansade.fi")] == [
        "Palveluvaraus jatkuu: K-7", "Palveluvaraus päättyy: K-7"]


@pytest.mark.parametrize("typed", ["death", "officer"])
async def test_a_booking_the_provider_ended_itself_with_a_close_reason_as_its_text_is_not_told(
        harness: Harness, typed: str) -> None:
    """The provider's reason is free text: "death" typed there is no death, nor "officer" the municipality's close.
    Only an end its voucher's close made (`voucher_closed`, or a message from before it was told) is a notice."""
    await harness.directory()
    await publish(harness, "vouchers.booking.ended", {
        "booking_id": "b-2", "voucher_id": "v-2", "provider_id": "p-fi", "ended_on": "2016-09-15",
        "reason": typed, "voucher_closed": False, "client_ref": "K-9"})
    assert harness.smtp.to("info@paivansade.fi") == []
    await publish(harness, "vouchers.booking.ended", {
        "booking_id": "b-3", "voucher_id": "v-3", "provider_id": "p-fi", "ended_on": "2016-09-15",
        "reason": typed, "voucher_closed": True, "client_ref": "K-9"})
    assert only(harness, "info@paivansade.fi")["Subject"] == "Palveluvaraus päättyy: K-9"


async def test_the_reminder_on_the_first_says_what_is_open_and_by_when(harness: Harness) -> None:
    await harness.directory()
    await publish(harness, "events.reminder.due", {"provider_id": "p-fi", "month": "2016-03", "drafts": 3,
                                                   "open_interruptions": 1, "deadline": "2016-04-02"})
    mail = only(harness, "info@paivansade.fi")
    assert mail["Subject"] == "Muistutus: vahvistakaa kirjaukset viimeistään 2.4.2016"
    body = text(mail)
    assert "kuukauden maaliskuu 2016 kirjauksia on vielä kesken" in body
    assert "- Vahvistamattomia luonnoksia: 3" in body and "- Keskeytyksiä ilman paluupäivää: 1" in body


async def test_a_purchased_booking_the_municipality_ended_is_told_to_the_provider_at_its_parts_address(
        harness: Harness) -> None:
    """The officer moves a purchased-service client to another provider: the booked provider was told of the booking
    (vouchers.purchase.booked) and must learn of its end too, in its language, at the producer part's address; an
    end the provider made itself stays untold, whatever its text."""
    await harness.directory()
    await publish(harness, "vouchers.booking.ended", {
        "booking_id": "b-1", "voucher_id": "v-1", "provider_id": "p-sv", "ended_on": "2016-09-15",
        "reason": "tenant_ended", "voucher_closed": False, "by_tenant": True, "client_ref": "A-17",
        "service_id": "kotihoito", "producer_part": "site:s-sv"})
    mail = only(harness, "borga@solsidan.fi")
    assert mail["Subject"] == "Servicebokningen upphör: A-17"
    assert "upphör 15.9.2016: kommunen avslutade bokningen" in text(mail)
    await publish(harness, "vouchers.booking.ended", {
        "booking_id": "b-2", "voucher_id": "v-2", "provider_id": "p-fi", "ended_on": "2016-09-15",
        "reason": "tenant_ended", "voucher_closed": False, "by_tenant": False, "client_ref": "K-9"})
    assert harness.smtp.to("info@paivansade.fi") == []  # the provider's own end, whatever it typed
