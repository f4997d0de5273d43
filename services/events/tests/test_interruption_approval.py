"""Interruptions approved by the municipality before settlement (issue 19, 004 §4.3.5.2: the tenant
approves by the 3rd; a setting per tenant, registry.tenant.changed, whether the step is used)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

from .conftest import Harness, T

JULY = {"booking_id": "b-housing", "start": "2015-07-02", "end": "2015-07-17", "reason": "hospital"}


async def _setting(h: Harness, on: bool) -> None:
    await h.feed("registry.tenant.changed", {"tenant_id": T, "languages": ["fi", "sv"],
                                             "payer_iban": "FI2112345600000785", "payer_bic": "NDEAFIHH",
                                             "interruptions_need_approval": on})


async def _interruption(h: Harness, body: dict[str, Any] = JULY) -> dict[str, Any]:
    response = await h.client.post(f"/v1/tenants/{T}/interruptions", json=body, headers=h.provider())
    assert response.status_code == 201, response.text
    return response.json()


async def _queue(h: Harness) -> list[dict[str, Any]]:
    response = await h.client.get(f"/v1/tenants/{T}/approvals/interruptions", headers=h.officer())
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _decide(h: Harness, interruption_id: str, decision: str, reason: str = "") -> Any:
    return await h.client.post(f"/v1/tenants/{T}/interruptions/{interruption_id}/decision",
                               json={"decision": decision, "reason": reason}, headers=h.officer())


async def test_setting_off_an_interruption_goes_to_settlement_once_finalised(seeded: Harness) -> None:
    h = seeded
    interruption = await _interruption(h)
    assert interruption["approval"] is None
    [finalised] = await h.published("events.interruption.finalised")
    assert finalised["interruption_id"] == interruption["id"] and finalised["revision"] == 1
    assert await _queue(h) == []


async def test_setting_on_a_finalised_interruption_waits_then_approval_sends_it(seeded: Harness) -> None:
    h = seeded
    await _setting(h, True)
    interruption = await _interruption(h)
    assert (interruption["status"], interruption["approval"], interruption["amount_tenant"]) == (
        "finalised", "pending", "1680.00")
    assert await h.published("events.interruption.finalised") == []  # not sent to settlement yet
    [queued] = await _queue(h)
    # what the officer decides on: client number, provider, reason, dates and the amount by the rule
    assert (queued["id"], queued["client_ref"], queued["provider_id"], queued["reason"], queued["start"],
            queued["end"], queued["amount_tenant"]) == (
        interruption["id"], "A-17", "p-paivansade", "hospital", "2015-07-02", "2015-07-17", "1680.00")
    provider = await h.client.post(f"/v1/tenants/{T}/interruptions/{interruption['id']}/decision",
                                   json={"decision": "approve"}, headers=h.provider())
    assert provider.status_code == 403

    approved = await _decide(h, interruption["id"], "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["approval"] == "approved"
    [finalised] = await h.published("events.interruption.finalised")
    # exactly what finalising sends with the setting off: settlement pays it by the rule
    assert (finalised["interruption_id"], finalised["revision"], finalised["amount_tenant"]) == (
        interruption["id"], 1, "1680.00")
    assert [s["amount_tenant"] for s in finalised["segments"]] == ["1540.00", "0.00", "140.00"]
    assert len(finalised["days"]) == 16 and finalised["days"][0] == {
        "day": "2015-07-02", "day_number": 0, "percentage": "100"}
    assert await _queue(h) == []
    again = await _decide(h, interruption["id"], "approve")
    assert again.status_code == 409

    # corrected after approval: as a finalised interruption today, published again with the next revision
    corrected = await h.client.patch(f"/v1/tenants/{T}/interruptions/{interruption['id']}",
                                     json={"end": "2015-07-16"}, headers=h.provider())
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["approval"] == "approved"
    assert [f["revision"] for f in await h.published("events.interruption.finalised")] == [1, 2]


async def _breakdown(h: Harness) -> list[tuple[str, str, str]]:
    url = f"/v1/tenants/{T}/co-payments?service_id=tehostettu&from=2015-07-01&to=2015-07-31&client_id=c-1"
    body = (await h.client.get(url, headers=h.officer())).json()
    return [(ln["kind"], ln["status"], ln["amount_co_payment"]) for ln in body["lines"]]


async def test_rejected_interruption_is_not_sent_and_the_provider_is_told(seeded: Harness) -> None:
    h = seeded
    await _setting(h, True)
    interruption = await _interruption(h)
    # the client's co-payment shows a waiting interruption until decided (as an over-limit event)
    assert {line[:2] for line in await _breakdown(h)} == {("interruption", "awaiting_approval")}
    no_reason = await _decide(h, interruption["id"], "reject")
    assert no_reason.status_code == 422
    rejected = await _decide(h, interruption["id"], "reject", "Paluupäivä on väärin")
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["approval"], rejected.json()["decision_reason"]) == ("rejected", "Paluupäivä on väärin")
    assert await h.published("events.interruption.finalised") == []
    [told] = await h.published("events.interruption.rejected")
    assert (told["interruption_id"], told["reason"], told["provider_id"], told["client_ref"]) == (
        interruption["id"], "Paluupäivä on väärin", "p-paivansade", "A-17")
    assert await _queue(h) == []
    assert await _breakdown(h) == []  # rejected: gone from the client's breakdown
    # the provider corrects it: it waits again; deleting it tells settlement nothing (it never heard of it)
    corrected = await h.client.patch(f"/v1/tenants/{T}/interruptions/{interruption['id']}",
                                     json={"end": "2015-07-16"}, headers=h.provider())
    assert corrected.json()["approval"] == "pending"
    assert [q["end"] for q in await _queue(h)] == ["2015-07-16"]
    deleted = await h.client.delete(f"/v1/tenants/{T}/interruptions/{interruption['id']}", headers=h.provider())
    assert deleted.status_code == 204
    assert await h.published("events.interruption.deleted") == []
    assert await h.published("events.interruption.finalised") == []


async def test_a_draft_waits_only_once_finalised(seeded: Harness) -> None:
    h = seeded
    await _setting(h, True)
    draft = await _interruption(h, {"booking_id": "b-housing", "start": "2015-11-05", "reason": "hospital"})
    assert draft["approval"] is None and await _queue(h) == []
    ended = await h.client.post(f"/v1/tenants/{T}/interruptions/{draft['id']}/end", json={"end": "2015-12-08"},
                                headers=h.provider())
    assert ended.json()["approval"] == "pending"
    assert await h.published("events.interruption.finalised") == []


async def test_turning_the_setting_off_releases_the_waiting_as_approved(seeded: Harness) -> None:
    h = seeded
    await _setting(h, True)
    waiting = await _interruption(h)
    other = await _interruption(h, {"booking_id": "b-housing", "start": "2015-09-02", "end": "2015-09-05",
                                    "reason": "holiday"})
    rejected = await _decide(h, other["id"], "reject", "Ei lomaa")
    assert rejected.status_code == 200
    await _setting(h, False)
    [released] = await h.published("events.interruption.finalised")
    assert (released["interruption_id"], released["revision"], released["amount_tenant"]) == (
        waiting["id"], 1, "1680.00")
    listed = (await h.client.get(f"/v1/tenants/{T}/interruptions", headers=h.officer())).json()["items"]
    assert {i["id"]: i["approval"] for i in listed} == {waiting["id"]: "approved", other["id"]: "rejected"}
    assert await _queue(h) == []
    # from now on a finalised interruption goes straight to settlement
    await _setting(h, False)
    later = await _interruption(h, {"booking_id": "b-housing", "start": "2015-10-02", "end": "2015-10-05",
                                    "reason": "holiday"})
    assert later["approval"] is None
    assert [f["interruption_id"] for f in await h.published("events.interruption.finalised")] == [
        waiting["id"], later["id"]]


async def test_an_older_setting_heard_after_a_newer_one_does_not_hold_interruptions(seeded: Harness) -> None:
    """The admin turned the approval step on and at once off again; the first change was retried and arrived last."""
    h = seeded
    stated = datetime.now(UTC)
    for on, at in ((False, stated), (True, stated - timedelta(minutes=1))):
        envelope = Envelope(type="registry.tenant.changed", tenant_id=T, occurred_at=at, payload={
            "tenant_id": T, "languages": ["fi"], "payer_iban": "FI2112345600000785", "payer_bic": "NDEAFIHH",
            "interruptions_need_approval": on})
        await InMemoryTransport(h.broker).publish(envelope, {}, timeout=1)
        await h.broker.drain()
    interruption = await _interruption(h)
    assert interruption["approval"] is None
    assert [f["interruption_id"] for f in await h.published("events.interruption.finalised")] == [interruption["id"]]


async def test_a_setting_whose_envelope_names_another_tenant_is_dead_lettered_and_changes_nothing(
        seeded: Harness) -> None:
    h = seeded
    await h.feed("registry.tenant.changed", {"tenant_id": T, "languages": ["fi"], "payer_iban": "FI2112345600000785",
                                             "payer_bic": "NDEAFIHH", "interruptions_need_approval": True},
                 tenant_id="lahti")
    reasons = [d.reason for q in h.broker.queues.values() for d in q.dead]
    assert len(reasons) == 1 and "tenant" in reasons[0]
    assert (await _interruption(h))["approval"] is None



async def test_an_approved_interruption_is_not_made_longer_unseen(seeded: Harness) -> None:
    """The officer approved four days in hospital; the provider then moved the return day two weeks on. It was
    sent to settlement as approved, sixteen days paid by the rule that nobody approved. Now more (an earlier
    departure, a later return, another reason) is refused: the provider deletes the approved one and enters the
    longer one, which waits for the officer. A shorter stay keeps the approval."""
    h = seeded
    await h.tell_site("s-kotirinne")
    await _setting(h, True)
    short = await _interruption(h, {**JULY, "end": "2015-07-05"})
    assert (await _decide(h, short["id"], "approve")).status_code == 200
    url = f"/v1/tenants/{T}/interruptions/{short['id']}"
    # another producer part: another payee and price list than the officer saw
    for more in ({"end": "2015-07-17"}, {"start": "2015-07-01"}, {"reason": "holiday"},
                 {"producer_part": "site:s-kotirinne"}):
        refused = await h.client.patch(url, json=more, headers=h.provider())
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "interruption_approved"
    assert [(f["revision"], f["end"]) for f in await h.published("events.interruption.finalised")] == [
        (1, "2015-07-05")]

    shorter = await h.client.patch(url, json={"end": "2015-07-04"}, headers=h.provider())
    assert shorter.status_code == 200 and shorter.json()["approval"] == "approved"
    assert [(f["revision"], f["end"]) for f in await h.published("events.interruption.finalised")] == [
        (1, "2015-07-05"), (2, "2015-07-04")]
    assert (await h.client.delete(url, headers=h.provider())).status_code == 204
    longer = await _interruption(h)
    assert longer["approval"] == "pending" and [q["id"] for q in await _queue(h)] == [longer["id"]]
    assert len(await h.published("events.interruption.finalised")) == 2


async def test_an_approved_interruption_of_the_company_stored_before_parts_were_named_is_shortened(
        seeded: Harness) -> None:
    """An interruption recorded before the provider named its part kept the part of the latest care as that
    care had it: "" for care recorded at the company by an integration. The officer approved it; the provider
    shortened it in the month view, whose form names the company ("" as the events service takes it): refused
    as 'approved as it is' (another part than the officer saw), though the company is the company. A shorter
    stay at the same part keeps its approval."""
    from seteli_events.models import interruptions

    h = seeded
    await _setting(h, True)
    short = await _interruption(h, {**JULY, "end": "2015-07-05"})
    async with h.runtime.db.system_transaction() as session:  # as such a row was stored before
        await session.execute(interruptions.update().where(interruptions.c.id == short["id"])
                              .values(producer_part=""))
    assert (await _decide(h, short["id"], "approve")).status_code == 200
    shorter = await h.client.patch(f"/v1/tenants/{T}/interruptions/{short['id']}",
                                   json={"start": "2015-07-02", "end": "2015-07-04", "reason": "hospital",
                                         "producer_part": ""}, headers=h.provider())
    assert shorter.status_code == 200, shorter.text
    assert shorter.json()["approval"] == "approved" and shorter.json()["producer_part"] is None
