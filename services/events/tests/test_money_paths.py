"""Issue 16, money on every path: nothing after validity is paid, a credit frees its days, an
interruption is corrected until settled (credited after), and no care is recorded before it is
given. The clock is 2016-03-15 (Helsinki) unless a test moves it; prices 2016: 155.00 €/day,
voucher value 140.00 €/day (the tenant pays 140.00 € a day)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from seteli_common.messaging.envelope import Envelope

from .conftest import Harness, T


async def _record(h: Harness, start: str, end: str, status: str = "recorded", booking: str = "b-housing") -> dict:
    response = await h.post_event({"booking_id": booking, "start": start, "end": end, "status": status})
    assert response.status_code == 201, response.text
    return response.json()


async def _settle(h: Harness, month: str, event_ids: list[str], interruption_ids: list[str] | None = None) -> None:
    payload: dict[str, Any] = {"run_id": f"run-{month}", "month": month, "event_ids": event_ids}
    if interruption_ids is not None:
        payload["interruption_ids"] = interruption_ids
    await h.feed("settlement.events.settled", payload)


async def _credit(h: Harness, event_id: str, reason: str = "Väärät päivät") -> dict:
    response = await h.client.post(
        f"/v1/tenants/{T}/credits", headers=h.officer(), json={"event_id": event_id, "reason": reason}
    )
    assert response.status_code == 201, response.text
    return response.json()


# ---- 4: a credited event frees its days ---------------------------------------------------------------


async def test_a_credited_event_frees_its_days_for_the_corrected_event(seeded: Harness) -> None:
    h = seeded
    wrong = await _record(h, "2016-02-01", "2016-02-10")  # 10 days × 140.00
    assert wrong["amount_tenant"] == "1400.00"
    await _settle(h, "2016-02", [wrong["id"]])
    credit = await _credit(h, wrong["id"])
    assert credit["amount"] == "-1400.00" and credit["month"] == "2016-03"
    # The client really was there from 3 February: the right days are accepted again.
    right = await h.post_event({"booking_id": "b-housing", "start": "2016-02-03", "end": "2016-02-10"})
    assert right.status_code == 201, right.text
    assert right.json()["amount_tenant"] == "1120.00" and right.json()["approval"] == "payable"
    published = {p["event_id"]: p for p in await h.published("events.event.recorded")}
    [credited] = await h.published("events.credit.requested")
    # The next run pays the right event and deducts the credit: 1120.00 - 1400.00, to the cent.
    net = Decimal(published[right.json()["id"]]["amount_tenant"]) + Decimal(credited["amount"])
    assert net == Decimal("-280.00")
    # The credited event's days are free, but a live event's days still are not.
    again = await h.post_event({"booking_id": "b-housing", "start": "2016-02-05", "end": "2016-02-06"})
    assert again.status_code == 409 and again.json()["overlapping_days"] == ["2016-02-05", "2016-02-06"]


# ---- 9: no care is recorded before it is given ------------------------------------------------------------


def _field_errors(response: Any) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in response.json().get("errors", [])}


async def test_a_final_event_ends_on_or_before_today_in_helsinki(seeded: Harness) -> None:
    h = seeded
    h.clock.set(datetime(2016, 3, 4, 21, 30, tzinfo=UTC))  # 4 March 23:30 in Helsinki
    whole_month = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-31"})
    assert whole_month.status_code == 422 and "end" in _field_errors(whole_month)
    assert await h.published("events.event.recorded") == []
    until_today = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-04"})
    assert until_today.status_code == 201, until_today.text
    tomorrow = await h.post_event({"booking_id": "b-visit", "start": "2016-03-05", "units": "1"})
    assert tomorrow.status_code == 422 and "end" in _field_errors(tomorrow)
    h.clock.set(datetime(2016, 3, 4, 22, 30, tzinfo=UTC))  # already 5 March in Helsinki (00:30)
    assert (await h.post_event({"booking_id": "b-visit", "start": "2016-03-05", "units": "1"})).status_code == 201
    # An edit cannot push a final event into the future either.
    patch = await h.client.patch(
        f"/v1/tenants/{T}/events/{until_today.json()['id']}", json={"end": "2016-03-31"}, headers=h.provider()
    )
    assert patch.status_code == 422 and "end" in _field_errors(patch)


async def test_drafts_cover_the_running_month_and_are_confirmed_once_given(seeded: Harness) -> None:
    h = seeded
    h.clock.set(datetime(2016, 3, 4, 9, 0, tzinfo=UTC))
    draft = await _record(h, "2016-03-01", "2016-03-31", "draft")
    beyond = await h.post_event(
        {"booking_id": "b-housing", "start": "2016-04-01", "end": "2016-04-30", "status": "draft"}
    )
    assert beyond.status_code == 422 and "end" in _field_errors(beyond)
    early = await h.client.post(f"/v1/tenants/{T}/events/confirm", json={"client_ref": "A-17"}, headers=h.provider())
    assert early.json()["confirmed"] == 0
    assert [(f["id"], f["status"]) for f in early.json()["failed"]] == [(draft["id"], 422)]
    assert await h.published("events.event.recorded") == []
    h.clock.set(datetime(2016, 3, 31, 8, 0, tzinfo=UTC))  # the last day itself: given by the evening
    done = await h.client.post(f"/v1/tenants/{T}/events/confirm", json={"client_ref": "A-17"}, headers=h.provider())
    assert done.json()["confirmed"] == 1, done.text
    [recorded] = await h.published("events.event.recorded")
    assert recorded["event_id"] == draft["id"] and recorded["amount_tenant"] == "4340.00"


async def test_an_interruption_return_day_after_today_is_refused(seeded: Harness) -> None:
    h = seeded  # today 2016-03-15
    ahead = await h.client.post(
        f"/v1/tenants/{T}/interruptions",
        headers=h.provider(),
        json={"booking_id": "b-housing", "start": "2016-03-10", "end": "2016-03-16", "reason": "hospital"},
    )
    assert ahead.status_code == 422 and "end" in _field_errors(ahead)
    draft = await h.client.post(
        f"/v1/tenants/{T}/interruptions",
        headers=h.provider(),
        json={"booking_id": "b-housing", "start": "2016-03-10", "reason": "hospital"},
    )
    assert draft.status_code == 201, draft.text
    end_ahead = await h.client.post(
        f"/v1/tenants/{T}/interruptions/{draft.json()['id']}/end", headers=h.provider(), json={"end": "2016-03-16"}
    )
    assert end_ahead.status_code == 422 and "end" in _field_errors(end_ahead)
    assert await h.published("events.interruption.finalised") == []
    back_today = await h.client.post(
        f"/v1/tenants/{T}/interruptions/{draft.json()['id']}/end", headers=h.provider(), json={"end": "2016-03-15"}
    )
    assert back_today.status_code == 200, back_today.text


# ---- 3: nothing after the voucher's validity is paid ---------------------------------------------------


async def test_an_interruption_returning_after_the_validity_is_refused(seeded: Harness) -> None:
    h = seeded  # today 2016-03-15; the client died on 2016-03-09: valid until 2016-03-10
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-03-10", "reason": "death"})
    await h.feed(
        "vouchers.booking.ended", {"booking_id": "b-housing", "voucher_id": "v-1", "ended_on": "2016-03-10"}
    )
    late = await h.client.post(
        f"/v1/tenants/{T}/interruptions",
        headers=h.provider(),
        json={"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-14", "reason": "hospital"},
    )
    assert late.status_code == 422 and "end" in _field_errors(late)
    draft = await h.client.post(
        f"/v1/tenants/{T}/interruptions",
        headers=h.provider(),
        json={"booking_id": "b-housing", "start": "2016-03-01", "reason": "hospital"},
    )
    assert draft.status_code == 201, draft.text
    end_late = await h.client.post(
        f"/v1/tenants/{T}/interruptions/{draft.json()['id']}/end", headers=h.provider(), json={"end": "2016-03-11"}
    )
    assert end_late.status_code == 422 and "end" in _field_errors(end_late)
    assert await h.published("events.interruption.finalised") == []
    # The day after the death is still valid: the interruption ends there and is paid through it.
    ended = await h.client.post(
        f"/v1/tenants/{T}/interruptions/{draft.json()['id']}/end", headers=h.provider(), json={"end": "2016-03-10"}
    )
    assert ended.status_code == 200, ended.text
    [finalised] = await h.published("events.interruption.finalised")
    assert max(s["end"] for s in finalised["segments"]) == "2016-03-10"
    assert finalised["amount_tenant"] == "1400.00"  # 10 days at 100 % × 140.00


# ---- 5: an interruption is corrected or removed until settled, credited after --------------------------


async def _interruption(h: Harness, start: str, end: str | None, reason: str = "hospital") -> dict:
    body: dict[str, Any] = {"booking_id": "b-housing", "start": start, "reason": reason}
    if end is not None:
        body["end"] = end
    response = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_wrong_interruption_is_corrected_and_removed_until_settled(seeded: Harness) -> None:
    h = seeded
    await _record(h, "2016-02-01", "2016-02-04")
    wrong = await _interruption(h, "2016-02-05", "2016-02-20")  # 11 days at 100 %, 4 at 0 %, return day
    assert wrong["amount_tenant"] == "1680.00"
    after = await _record(h, "2016-02-20", "2016-02-29")  # the return day is the interruption's
    assert after["amount_tenant"] == "1260.00"  # 02-21..02-29: 9 × 140.00
    # The client came back on 12 February, not the 20th.
    fixed = await h.client.patch(
        f"/v1/tenants/{T}/interruptions/{wrong['id']}", headers=h.provider(), json={"end": "2016-02-12"}
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["end"] == "2016-02-12" and fixed.json()["amount_tenant"] == "1120.00"  # 7 + return day
    first, second = await h.published("events.interruption.finalised")
    assert (first["revision"], first["amount_tenant"]) == (1, "1680.00")
    assert (second["revision"], second["end"], second["amount_tenant"]) == (2, "2016-02-12", "1120.00")
    # A new message, not a duplicate settlement's inbox would drop: it replaces the interruption's lines.
    envelopes = [Envelope.model_validate(json.loads(b)) for b in h.broker.unrouted]
    finalised_ids = [e.event_id for e in envelopes if e.type == "events.interruption.finalised"]
    assert len(set(finalised_ids)) == 2
    # 20 February is no longer a return day: the presence event pays it again.
    [regained] = await h.published("events.event.corrected")
    assert regained["event_id"] == after["id"] and regained["amount_tenant"] == "1400.00"
    # A correction over recorded presence is refused with the days, and changes nothing.
    clash = await h.client.patch(
        f"/v1/tenants/{T}/interruptions/{wrong['id']}", headers=h.provider(), json={"end": "2016-02-22"}
    )
    assert clash.status_code == 409 and clash.json()["overlapping_days"] == ["2016-02-20", "2016-02-21"]
    # Another provider cannot touch it: for that company it is not there.
    other = await h.client.patch(
        f"/v1/tenants/{T}/interruptions/{wrong['id']}", headers=h.provider("p-muu"), json={"reason": "holiday"}
    )
    assert other.status_code == 404
    # Removed altogether: settlement is told and drops its lines.
    gone = await h.client.delete(f"/v1/tenants/{T}/interruptions/{wrong['id']}", headers=h.provider())
    assert gone.status_code == 204, gone.text
    assert await h.published("events.interruption.deleted") == [{"interruption_id": wrong["id"], "revision": 3}]
    listed = await h.client.get(f"/v1/tenants/{T}/interruptions", headers=h.provider())
    assert listed.json()["total"] == 0
    # Its days are free again.
    freed = await h.post_event({"booking_id": "b-housing", "start": "2016-02-05", "end": "2016-02-19"})
    assert freed.status_code == 201, freed.text


async def test_a_settled_interruption_is_only_credited_and_the_credit_frees_its_days(seeded: Harness) -> None:
    h = seeded
    paid = await _interruption(h, "2016-02-05", "2016-02-09", "holiday")  # 5 days at 100 % × 140.00
    assert paid["amount_tenant"] == "700.00"
    early = await h.client.post(
        f"/v1/tenants/{T}/interruptions/{paid['id']}/credit", headers=h.officer(), json={"reason": "Ei lomalla"}
    )
    assert early.status_code == 409 and early.json()["code"] == "interruption_not_settled"
    await _settle(h, "2016-02", [], [paid["id"]])
    for response in (
        await h.client.patch(
            f"/v1/tenants/{T}/interruptions/{paid['id']}", headers=h.provider(), json={"end": "2016-02-08"}
        ),
        await h.client.delete(f"/v1/tenants/{T}/interruptions/{paid['id']}", headers=h.provider()),
    ):
        assert response.status_code == 409 and response.json()["code"] == "interruption_settled"
    by_provider = await h.client.post(
        f"/v1/tenants/{T}/interruptions/{paid['id']}/credit", headers=h.provider(), json={"reason": "x"}
    )
    assert by_provider.status_code == 403
    credit = await h.client.post(
        f"/v1/tenants/{T}/interruptions/{paid['id']}/credit", headers=h.officer(), json={"reason": "Ei lomalla"}
    )
    assert credit.status_code == 201, credit.text
    body = credit.json()
    assert (body["amount"], body["month"], body["kind"]) == ("-700.00", "2016-03", "interruption")
    [published] = await h.published("events.credit.requested")
    assert published["event_id"] == paid["id"] and published["amount"] == "-700.00"
    assert published["kind"] == "interruption" and published["client_ref"] == "A-17"
    again = await h.client.post(
        f"/v1/tenants/{T}/interruptions/{paid['id']}/credit", headers=h.officer(), json={"reason": "Uudestaan"}
    )
    assert again.status_code == 409
    # The client was present after all: those days are recorded and paid in the next run.
    present = await h.post_event({"booking_id": "b-housing", "start": "2016-02-05", "end": "2016-02-09"})
    assert present.status_code == 201, present.text
    assert Decimal(present.json()["amount_tenant"]) + Decimal(published["amount"]) == Decimal("0.00")


async def test_a_death_recorded_after_the_events_clips_what_is_not_settled(seeded: Harness) -> None:
    h = seeded  # today 2016-03-15
    before = await _record(h, "2016-03-01", "2016-03-04")
    away = await _interruption(h, "2016-03-05", "2016-03-12")  # back on the 12th (return day)
    assert away["amount_tenant"] == "1120.00"  # 8 days at 100 % × 140.00
    after = await _record(h, "2016-03-12", "2016-03-14")
    meals = await _record(h, "2016-03-01", "2016-03-14", booking="b-meals")  # the client pays 14 × 12.50
    assert meals["amount_co_payment"] == "175.00"
    # Then the news: the client died on 8 March; the vouchers service ends the validity on the 9th.
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-03-09", "reason": "death"})
    for booking in ("b-housing", "b-meals"):
        await h.feed("vouchers.booking.ended", {"booking_id": booking, "voucher_id": "v-1", "ended_on": "2016-03-09"})
    [deleted] = await h.published("events.event.deleted")
    assert deleted["event_id"] == after["id"]  # wholly after the validity
    [clipped] = await h.published("events.event.corrected")
    assert clipped["event_id"] == meals["id"] and (clipped["end"], clipped["amount_co_payment"]) == (
        "2016-03-09",
        "112.50",
    )
    finalised = await h.published("events.interruption.finalised")
    assert (finalised[-1]["revision"], finalised[-1]["end"]) == (2, "2016-03-09")
    assert finalised[-1]["amount_tenant"] == "700.00"  # 4 days and the return day, the day after the death
    live = (await h.client.get(f"/v1/tenants/{T}/events", headers=h.officer())).json()["items"]
    assert {e["id"]: e["end"] for e in live} == {before["id"]: "2016-03-04", meals["id"]: "2016-03-09"}
    # Nothing published for this voucher pays a day after the 9th.
    payloads = [
        *await h.published("events.event.recorded"),
        *await h.published("events.event.corrected"),
        *await h.published("events.interruption.finalised"),
    ]
    live_ids = {before["id"], meals["id"], away["id"]}
    latest = {p.get("event_id") or p["interruption_id"]: p for p in payloads}
    assert max(s["end"] for i, p in latest.items() if i in live_ids for s in p["segments"]) == "2016-03-09"


async def test_a_paid_event_beyond_a_later_validity_end_is_taken_back_in_the_next_run(seeded: Harness) -> None:
    h = seeded
    paid = await _record(h, "2016-02-01", "2016-02-29")  # 29 × 140.00
    assert paid["amount_tenant"] == "4060.00"
    await _settle(h, "2016-02", [paid["id"]])
    # The officer ends the voucher on 20 February, after February was paid.
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-02-20", "reason": "officer"})
    [corrected] = await h.published("events.event.corrected")
    # Settlement reverses the paid lines and pays the corrected ones: the next run deducts 9 days.
    assert (corrected["event_id"], corrected["revision"], corrected["end"]) == (paid["id"], 2, "2016-02-20")
    assert Decimal(corrected["amount_tenant"]) - Decimal(paid["amount_tenant"]) == Decimal("-1260.00")
    assert max(s["end"] for s in corrected["segments"]) == "2016-02-20"


async def test_a_draft_beyond_a_later_validity_end_is_clipped_unpublished(seeded: Harness) -> None:
    h = seeded  # an auto-recorded-like draft of the running month
    draft = await _record(h, "2016-03-01", "2016-03-31", "draft")
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-03-09", "reason": "death"})
    got = (await h.client.get(f"/v1/tenants/{T}/events/{draft['id']}", headers=h.provider())).json()
    assert (got["status"], got["end"], got["amount_tenant"]) == ("draft", "2016-03-09", "1260.00")  # 9 × 140.00
    # a draft is never settled: nothing is published but the provider's read of it, for the client's access log
    assert len(await h.published()) == len(await h.published("events.client_data.read")) == 1


async def test_an_interruption_finalised_before_revisions_were_counted_is_corrected_as_a_new_message(
    seeded: Harness,
) -> None:
    from seteli_events.models import interruptions

    h = seeded
    old = await _interruption(h, "2016-02-05", "2016-02-20")
    async with h.runtime.db.system_transaction() as session:  # as the migration leaves such a row
        await session.execute(interruptions.update().values(revision=0))
    fixed = await h.client.patch(
        f"/v1/tenants/{T}/interruptions/{old['id']}", headers=h.provider(), json={"end": "2016-02-12"}
    )
    assert fixed.status_code == 200, fixed.text
    assert [p["revision"] for p in await h.published("events.interruption.finalised")] == [1, 2]
    envelopes = [Envelope.model_validate(json.loads(b)) for b in h.broker.unrouted]
    assert len({e.event_id for e in envelopes if e.type == "events.interruption.finalised"}) == 2


async def test_a_credited_interruption_gives_back_its_return_day_to_the_presence_event_starting_on_it(
    seeded: Harness,
) -> None:
    # Holiday 02-05..02-09, present again from the return day 02-09 (which the interruption paid): both settled.
    # The officer credits the interruption (-700.00, its return day included): the client was present after all.
    # The return day lies inside the presence event, so no new event can record it: the presence event pays it
    # again (140.00 more in the next run), and the days before it are recorded anew (560.00).
    h = seeded
    away = await _interruption(h, "2016-02-05", "2016-02-09", "holiday")
    back = await h.post_event({"booking_id": "b-housing", "start": "2016-02-09", "end": "2016-02-20"})
    assert back.status_code == 201 and back.json()["amount_tenant"] == "1540.00"  # 02-10..02-20, 11 days
    await _settle(h, "2016-02", [back.json()["id"]], [away["id"]])
    credit = await h.client.post(
        f"/v1/tenants/{T}/interruptions/{away['id']}/credit", headers=h.officer(), json={"reason": "Ei lomalla"}
    )
    assert credit.status_code == 201 and credit.json()["amount"] == "-700.00", credit.text
    [corrected] = await h.published("events.event.corrected")
    assert corrected["event_id"] == back.json()["id"] and corrected["amount_tenant"] == "1680.00"  # 12 days
    present = await h.post_event({"booking_id": "b-housing", "start": "2016-02-05", "end": "2016-02-08"})
    assert present.status_code == 201 and present.json()["amount_tenant"] == "560.00", present.text
    # 700.00 paid and taken back, 1540.00 paid and now 1680.00, 560.00 new: 02-05..02-20 is 16 days × 140.00.


async def test_an_earlier_close_heard_after_a_later_one_does_not_extend_the_validity(seeded: Harness) -> None:
    """An officer closed the voucher (valid until 12 March) and the client's death then shortened it to 5 March;
    the officer's close was retried and heard last. A voucher's close only ever shortens its validity."""
    h = seeded
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-03-05", "reason": "death"})
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-03-12", "reason": "officer"})
    after_death = await h.post_event({"booking_id": "b-housing", "start": "2016-03-08", "end": "2016-03-08"})
    assert after_death.status_code == 422, after_death.text
