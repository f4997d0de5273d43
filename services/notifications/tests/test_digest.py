"""The daily digest lists what the provider must do, as its home page does (issue 20): events' daily summary of
pending work (drafts to confirm by the deadline, events awaiting approval, interruptions without an end,
feedback awaiting a reply, correction requests), attachments running out, new bookings; in the provider's
language; and no digest at all when nothing is pending."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seteli_common.auth import Role

from .test_policies import log_of, text

Harness = Any  # the `harness` fixture of conftest.py


async def _wants_digest(h: Harness, provider_id: str) -> None:
    token = h.token_for(Role.PROVIDER_ADMIN, provider_id=provider_id)
    url = f"/v1/providers/{provider_id}/notification-preferences"
    assert (await h.client.put(url, json={"daily_digest": True}, headers=token)).status_code == 200


def _work(provider_id: str, **counts: Any) -> dict[str, Any]:
    return {"provider_id": provider_id, "drafts": 0, "deadline": None, "awaiting_approval": 0,
            "open_interruptions": 0, "feedback_awaiting_reply": 0, "corrections_open": 0,
            "corrections_answered": 0, **counts}


async def _pending_everything(h: Harness, provider_id: str, tenant_id: str) -> None:
    await h.publish("events.pending_work.summarised", {"day": "2016-04-04", "providers": [
        _work(provider_id, drafts=3, deadline="2016-04-05", awaiting_approval=1, open_interruptions=2,
              feedback_awaiting_reply=1, corrections_answered=1)]}, tenant_id=tenant_id)
    await h.publish("registry.attachment.added", {
        "attachment_id": f"a-{provider_id}", "provider_id": provider_id, "level": "company",
        "owner_id": provider_id, "type": "liability_insurance", "valid_from": "2015-05-01",
        "valid_until": "2016-04-30"})
    await h.publish("registry.attachment.added", {  # valid long enough: not listed
        "attachment_id": f"b-{provider_id}", "provider_id": provider_id, "level": "company",
        "owner_id": provider_id, "type": "trade_register_extract", "valid_until": "2017-01-31"})
    await h.publish("vouchers.booking.made", {
        "booking_id": f"bk-{provider_id}", "voucher_id": "v-1", "voucher_content_id": "vc-1", "service_id": "s-1",
        "content_id": "housing", "provider_id": provider_id, "producer_part": None, "client_id": "c-1",
        "client_ref": "A-17", "kind": "voucher"}, tenant_id=tenant_id,
        occurred_at=datetime(2016, 4, 3, 12, 0, tzinfo=UTC))


async def test_the_digest_lists_the_providers_pending_actions_in_finnish(harness: Harness) -> None:
    h = harness
    h.clock.set(datetime(2016, 4, 4, 3, 0, tzinfo=UTC))  # 06:00 in Helsinki, before the digest hour
    await h.directory()
    await _wants_digest(h, "p-fi")
    await _pending_everything(h, "p-fi", "kouvola")
    assert h.smtp.to("info@paivansade.fi") == []  # read models only: nothing mailed yet

    h.clock.set(datetime(2016, 4, 4, 5, 0, tzinfo=UTC))  # 08:00 in Helsinki
    await h.runtime.sender.flush()
    [digest] = h.smtp.to("info@paivansade.fi")
    assert digest["Subject"] == "Seteli: 7 odottavaa asiaa"
    body = text(digest)
    assert (
        "- Kouvolan kaupunki: 3 keskeneräistä kirjausta: vahvistakaa ne viimeistään 5.4.2016, muuten niitä ei "
        "tilitetä.\n"
        "- Kouvolan kaupunki: 1 kirjaus odottaa kunnan hyväksyntää (myönnetty määrä ylittyi).\n"
        "- Kouvolan kaupunki: 2 keskeytystä ilman paluupäivää: keskeytys tilitetään, kun paluupäivä on kirjattu.\n"
        "- Kouvolan kaupunki: 1 palaute odottaa vastaustanne.\n"
        "- Kouvolan kaupunki: Kunta on vastannut 1 korjauspyyntöönne.\n"
        "- Kouvolan kaupunki: 1 uusi varaus.\n"
        "- Liite Vastuuvakuutus vanhenee 30.4.2016: lisätkää uusi.\n"
    ) in body
    assert "Kaupparekisteriote" not in body and "A-17" not in body
    await h.runtime.sender.flush()  # the same day again: no second digest
    assert len(h.smtp.to("info@paivansade.fi")) == 1

    # The next day: the booking was listed once; the summary of yesterday still counts; the attachment expired.
    h.clock.set(datetime(2016, 5, 1, 5, 0, tzinfo=UTC))
    await h.publish("events.pending_work.summarised", {"day": "2016-05-01", "providers": [
        _work("p-fi", drafts=1, deadline="2016-04-05")]}, tenant_id="kouvola")
    await h.runtime.sender.flush()
    later = h.smtp.to("info@paivansade.fi")[1]
    assert later["Subject"] == "Seteli: 2 odottavaa asiaa"
    assert (
        "- Kouvolan kaupunki: 1 keskeneräinen kirjaus, jonka määräpäivä 5.4.2016 on mennyt: vahvistakaa se nyt, "
        "niin se tilitetään seuraavassa tilityksessä.\n"
        "- Liite Vastuuvakuutus vanheni 30.4.2016: lisätkää uusi.\n"
    ) in text(later)


async def test_the_digest_is_in_swedish_for_a_swedish_provider(harness: Harness) -> None:
    h = harness
    h.clock.set(datetime(2016, 4, 4, 3, 0, tzinfo=UTC))
    await h.directory()
    await _wants_digest(h, "p-sv")
    await _pending_everything(h, "p-sv", "porvoo")
    h.clock.set(datetime(2016, 4, 4, 5, 0, tzinfo=UTC))
    await h.runtime.sender.flush()
    [digest] = h.smtp.to("info@solsidan.fi")
    assert digest["Subject"] == "Seteli: 7 ärenden väntar"
    body = text(digest)
    assert (
        "- Borgå stad: 3 ofärdiga registreringar: bekräfta dem senast 5.4.2016, annars redovisas de inte.\n"
        "- Borgå stad: 1 registrering väntar på kommunens godkännande (den beviljade mängden överskreds).\n"
        "- Borgå stad: 2 avbrott utan återkomstdag: avbrottet redovisas när återkomstdagen har registrerats.\n"
        "- Borgå stad: 1 respons väntar på ert svar.\n"
        "- Borgå stad: Kommunen har besvarat 1 av era begäranden om rättelse.\n"
        "- Borgå stad: 1 ny bokning.\n"
        "- Bilagan Ansvarsförsäkring går ut 30.4.2016: lägg till en ny.\n"
    ) in body


async def test_nothing_pending_no_digest(harness: Harness) -> None:
    h = harness
    h.clock.set(datetime(2016, 4, 4, 3, 0, tzinfo=UTC))
    await h.directory()
    await _wants_digest(h, "p-fi")
    # Yesterday's summary listed drafts; today's says nothing is pending in the tenant any more.
    await h.publish("events.pending_work.summarised", {"day": "2016-04-03", "providers": [
        _work("p-fi", drafts=2, deadline="2016-04-05")]}, tenant_id="kouvola")
    await h.publish("events.pending_work.summarised", {"day": "2016-04-04", "providers": []}, tenant_id="kouvola")
    # An older summary delivered late does not bring the drafts back.
    await h.publish("events.pending_work.summarised", {"day": "2016-04-03", "providers": [
        _work("p-fi", drafts=2, deadline="2016-04-05")]}, tenant_id="kouvola")
    await h.publish("registry.attachment.added", {
        "attachment_id": "a-1", "provider_id": "p-fi", "level": "company", "owner_id": "p-fi",
        "type": "liability_insurance", "valid_until": "2016-04-30"})
    await h.publish("registry.attachment.removed", {
        "attachment_id": "a-1", "provider_id": "p-fi", "level": "company", "owner_id": "p-fi",
        "type": "liability_insurance", "valid_until": "2016-04-30"})
    h.clock.set(datetime(2016, 4, 4, 5, 0, tzinfo=UTC))
    assert await h.runtime.extras["digest"].run_if_due() == 0
    await h.runtime.sender.flush()
    assert h.smtp.to("info@paivansade.fi") == []


async def test_an_attachment_removed_before_its_addition_is_heard_is_not_in_the_digest(harness: Harness) -> None:
    """Added and at once removed; the registry's facts of no tenant are handled side by side (or the addition is
    retried), so the removal may come first: the attachment stays removed."""
    h = harness
    h.clock.set(datetime(2016, 4, 4, 3, 0, tzinfo=UTC))
    await h.directory()
    await _wants_digest(h, "p-fi")
    fact = {"attachment_id": "a-1", "provider_id": "p-fi", "level": "company", "owner_id": "p-fi",
            "type": "liability_insurance", "valid_until": "2016-04-30"}
    await h.publish("registry.attachment.removed", fact)
    await h.publish("registry.attachment.added", fact)
    await h.publish("registry.attachment.expired", fact)
    h.clock.set(datetime(2016, 4, 4, 5, 0, tzinfo=UTC))
    assert await h.runtime.extras["digest"].run_if_due() == 0
    await h.runtime.sender.flush()
    assert h.smtp.to("info@paivansade.fi") == []


async def test_a_provider_without_the_digest_gets_none(harness: Harness) -> None:
    """The digest is the provider's choice: pending work alone sends nothing to one that did not ask."""
    h = harness
    h.clock.set(datetime(2016, 4, 4, 3, 0, tzinfo=UTC))
    await h.directory()
    await _pending_everything(h, "p-fi", "kouvola")
    h.clock.set(datetime(2016, 4, 4, 5, 0, tzinfo=UTC))
    await h.runtime.sender.flush()
    assert h.smtp.to("info@paivansade.fi") == []


async def test_one_pending_action_is_told_in_the_singular(harness: Harness) -> None:
    h = harness
    h.clock.set(datetime(2016, 4, 4, 3, 0, tzinfo=UTC))
    await h.directory()
    for provider_id, tenant_id in (("p-fi", "kouvola"), ("p-sv", "porvoo")):
        await _wants_digest(h, provider_id)
        await h.publish("events.pending_work.summarised", {"day": "2016-04-04", "providers": [
            _work(provider_id, awaiting_approval=1)]}, tenant_id=tenant_id)
    h.clock.set(datetime(2016, 4, 4, 5, 0, tzinfo=UTC))
    await h.runtime.sender.flush()
    [fi], [sv] = h.smtp.to("info@paivansade.fi"), h.smtp.to("info@solsidan.fi")
    assert fi["Subject"] == "Seteli: 1 odottava asia"
    assert "Seteli-palvelussa on 1 asia, joka odottaa toimenpiteitänne:" in text(fi)
    assert sv["Subject"] == "Seteli: 1 ärende väntar"
    assert "i tjänsten Seteli finns 1 ärende som väntar på era åtgärder:" in text(sv)


async def test_notices_held_for_the_digest_go_out_once_the_provider_turns_it_off(harness: Harness) -> None:
    """Held for the morning's digest, then the provider turns the digest off: the held notices go out at the next
    sending round, one mail each (they waited for a digest that would never come, or came anyway the next
    morning), and the delivery log says why they were sent after all."""
    h = harness
    h.clock.set(datetime(2016, 3, 15, 3, 0, tzinfo=UTC))  # 05:00 in Helsinki, before the digest hour
    await h.directory()
    await _wants_digest(h, "p-fi")
    await h.publish("vouchers.purchase.booked", {"booking_id": "b-1", "commitment_number": "2016-00042",
                                                 "provider_id": "p-fi", "producer_part": None}, tenant_id="kouvola")
    await h.publish("events.credit.requested", {"credit_id": "cr-1", "provider_id": "p-fi", "amount": "20"},
                    tenant_id="kouvola")
    assert h.smtp.to("info@paivansade.fi") == []  # held

    token = h.token_for(Role.PROVIDER_ADMIN, provider_id="p-fi")
    url = "/v1/providers/p-fi/notification-preferences"
    assert (await h.client.put(url, json={"daily_digest": False}, headers=token)).status_code == 200
    await h.runtime.sender.flush()  # the next sending round, still before the digest hour
    assert sorted(m["Subject"] for m in h.smtp.to("info@paivansade.fi")) == [
        "Hyvityspyyntö: 20,00\u00a0€", "Uusi ostopalveluvaraus, sitoumus 2016-00042"]
    held = [m for m in await log_of(h, "kouvola") if m["kind"] in ("purchase_booked", "credit_requested")]
    assert [m["state"] for m in held] == ["sent", "sent"]
    for message in held:
        assert [e["outcome"] for e in message["log"]] == ["held", "queued", "sent"]
        assert message["log"][1]["detail"] == "the provider no longer takes the daily digest: sent at once"

    h.clock.set(datetime(2016, 3, 15, 5, 0, tzinfo=UTC))  # 07:00 in Helsinki: no digest of them
    await h.runtime.sender.flush()
    assert len(h.smtp.to("info@paivansade.fi")) == 2


async def test_a_removed_subcontractors_paper_running_out_is_not_in_the_digest(harness: Harness) -> None:
    """The company removed a subcontractor; its papers stay in the registry as evidence (no attachment.removed), so
    the digest kept mailing "the pension certificate runs out: add a new one" for a subcontractor the company no
    longer has (and no file can be added to a removed one). The removal now reaches the digest; listed again, its
    paper is listed again. A fact heard late, older than the one held, changes nothing."""
    h = harness
    h.clock.set(datetime(2016, 4, 4, 3, 0, tzinfo=UTC))
    await h.directory()
    await _wants_digest(h, "p-fi")

    async def subcontractor(kind: str, at: str) -> None:
        await h.publish(f"registry.subcontractor.{kind}", {
            "provider_id": "p-fi", "subcontractor_id": "sub-1", "business_id": "0112038-9", "name": "Siivous Oy",
            "removed_at": at if kind == "removed" else None, "changed_at": at})

    await subcontractor("added", "2016-03-01T08:00:00Z")
    await h.publish("registry.attachment.added", {
        "attachment_id": "a-sub", "provider_id": "p-fi", "level": "subcontractor", "owner_id": "sub-1",
        "type": "tyel_certificate", "valid_until": "2016-04-30"})
    await subcontractor("removed", "2016-04-02T08:00:00Z")
    await subcontractor("added", "2016-03-01T08:00:00Z")  # the listing, redelivered late: older
    h.clock.set(datetime(2016, 4, 4, 5, 0, tzinfo=UTC))
    assert await h.runtime.extras["digest"].run_if_due() == 0
    await h.runtime.sender.flush()
    assert h.smtp.to("info@paivansade.fi") == []

    await subcontractor("added", "2016-04-04T05:00:00Z")  # listed again: its paper counts again, the same day
    await h.runtime.sender.flush()
    [digest] = h.smtp.to("info@paivansade.fi")
    assert "30.4.2016" in text(digest)
