"""A voucher closed as used up is open again (a charge deleted, credited or rejected): vouchers tells that the
bookings its close ended go on (`vouchers.booking.restored`), and events lifts the end it heard, so the provider's
client is its own again and care after that end is recorded again; any other end stays."""

from __future__ import annotations

from datetime import datetime

from seteli_common.messaging.envelope import Envelope

from .conftest import PROVIDER, Harness, T

BREAKDOWN = f"/v1/tenants/{T}/co-payments?service_id=kotihoito&from=2016-03-01&to=2016-03-31&client_id=c-2"


def _end(booking_id: str, voucher_id: str, ended_on: str, reason: str, voucher_closed: bool) -> dict[str, object]:
    return {"booking_id": booking_id, "voucher_id": voucher_id, "provider_id": PROVIDER, "ended_on": ended_on,
            "reason": reason, "voucher_closed": voucher_closed}


async def test_a_booking_its_used_up_voucher_gives_back_is_the_providers_again(seeded: Harness) -> None:
    """The home-care voucher used up by care its provider recorded ended both bookings on its last day; the care
    deleted, the voucher is granted again with its bookings: the provider reads its client's co-payment
    breakdown again (refused as not its client while the bookings stood ended with no care of it)."""
    h = seeded
    for booking in ("b-care", "b-visit"):
        await h.feed("vouchers.booking.ended", _end(booking, "v-2", "2016-12-31", "used_up", True))
    refused = await h.client.get(BREAKDOWN, headers=h.provider())
    assert refused.status_code == 404, refused.text
    for booking in ("b-care", "b-visit"):
        restored = {**_end(booking, "v-2", "2016-12-31", "used_up", True), "client_ref": "K-5",
                    "service_id": "kotihoito", "producer_part": None}
        await h.feed("vouchers.booking.restored", restored)
        await h.feed("vouchers.booking.restored", restored)  # heard twice: the same
    again = await h.client.get(BREAKDOWN, headers=h.provider())
    assert again.status_code == 200, again.text
    assert again.json()["client_id"] == "c-2"


async def test_care_after_a_lifted_end_is_recorded_and_another_end_stays(seeded: Harness) -> None:
    """Refused after the end while it stands; accepted once that end is lifted. A restore names the end it undoes:
    one that does not match the end events has (the provider's own, earlier) changes nothing."""
    h = seeded
    await h.feed("vouchers.booking.ended", _end("b-housing", "v-1", "2016-03-10", "used_up", True))
    after = await h.post_event({"booking_id": "b-housing", "start": "2016-03-11", "end": "2016-03-12"})
    assert after.status_code == 422, after.text
    await h.feed("vouchers.booking.restored", {**_end("b-housing", "v-1", "2016-03-10", "used_up", True),
                                               "client_ref": "A-17", "service_id": "tehostettu"})
    again = await h.post_event({"booking_id": "b-housing", "start": "2016-03-11", "end": "2016-03-12"})
    assert again.status_code == 201, again.text

    await h.feed("vouchers.booking.ended", _end("b-meals", "v-1", "2016-03-10", "Muutti", False))
    await h.feed("vouchers.booking.restored", {**_end("b-meals", "v-1", "2016-12-31", "used_up", True),
                                               "client_ref": "A-17", "service_id": "tehostettu"})
    meals = await h.post_event({"booking_id": "b-meals", "start": "2016-03-11", "end": "2016-03-12"})
    assert meals.status_code == 422, meals.text


def _stated(event_type: str, payload: dict[str, object], at: str) -> Envelope:
    return Envelope(type=event_type, tenant_id=T, payload=payload, occurred_at=datetime.fromisoformat(at))


async def test_a_restore_heard_before_the_end_it_undoes_leaves_the_booking_open(seeded: Harness) -> None:
    """Vouchers ends the booking (used up), then gives it back; the end is retried (the booking was not known yet)
    and arrives after the restore: the booking stays open, and the provider records care after that day. A later
    close (used up again, the same last day) ends it again."""
    h = seeded
    ended = _end("b-housing", "v-1", "2016-03-10", "used_up", True)
    restored = {**ended, "client_ref": "A-17", "service_id": "tehostettu"}
    await h.release(_stated("vouchers.booking.restored", restored, "2016-03-12T09:00:00+00:00"))
    await h.release(_stated("vouchers.booking.ended", ended, "2016-03-11T09:00:00+00:00"))  # stated before
    after = await h.post_event({"booking_id": "b-housing", "start": "2016-03-11", "end": "2016-03-12"})
    assert after.status_code == 201, after.text

    await h.release(_stated("vouchers.booking.ended", ended, "2016-03-13T09:00:00+00:00"))  # used up again
    later = await h.post_event({"booking_id": "b-housing", "start": "2016-03-14", "end": "2016-03-15"})
    assert later.status_code == 422, later.text


async def test_a_restore_heard_first_keeps_an_earlier_end_of_another_cause(seeded: Harness) -> None:
    """The provider's own end (moved away on the 5th), stated before the voucher's used-up close was undone but
    heard after the restore, stands: the restore undid only the close's end."""
    h = seeded
    await h.release(_stated("vouchers.booking.restored", {
        **_end("b-meals", "v-1", "2016-03-10", "used_up", True), "client_ref": "A-17", "service_id": "tehostettu"},
        "2016-03-12T09:00:00+00:00"))
    await h.release(_stated("vouchers.booking.ended", _end("b-meals", "v-1", "2016-03-05", "Muutti", False),
                            "2016-03-06T09:00:00+00:00"))
    meals = await h.post_event({"booking_id": "b-meals", "start": "2016-03-06", "end": "2016-03-07"})
    assert meals.status_code == 422, meals.text
