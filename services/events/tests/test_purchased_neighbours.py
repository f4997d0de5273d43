"""A purchased service (ostopalvelu) one step beside the worked examples (review of the purchased paths): the
officer moves the client to another provider mid-month, the client dies mid-month or mid-stay away, a booking at a
site priced by the site's list, a paid stay corrected only by a credit. The clock is 2016-03-15 (Helsinki)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from seteli_events.service import month_jobs

from .conftest import OTHER_PROVIDER, PROVIDER, Harness, T
from .test_money_beside import PURCHASED, _event, _purchased, _staff
from .test_money_paths import _settle


async def _other_provider(h: Harness, booking: str = "b-other", producer_part: str | None = None) -> None:
    """The officer books another provider for the room from the 16th: 125.00 €/day."""
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-other", "service_id": PURCHASED, "provider_id": OTHER_PROVIDER, "producer_part": None,
        "name": "Muu 2016", "start": "2016-01-01", "prices": [{"content_id": "room", "unit_price": "125.00"}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": booking, "voucher_id": "v-o", "voucher_content_id": "vc-room", "service_id": PURCHASED,
        "content_id": "room", "provider_id": OTHER_PROVIDER, "producer_part": producer_part, "client_id": "c-3",
        "client_ref": "M-3", "kind": "purchased"})


def _other_staff(h: Harness) -> dict[str, str]:
    return h.provider(provider_id=OTHER_PROVIDER, services=(PURCHASED,))


async def test_a_purchased_room_moved_to_another_provider_mid_month_pays_each_its_own_days(seeded: Harness) -> None:
    h = seeded
    await _purchased(h)
    first = await _event(h, "b-room", "2016-02-01", "2016-02-15")
    await h.feed("vouchers.booking.ended", {"booking_id": "b-room", "voucher_id": "v-o", "ended_on": "2016-02-15"})
    await _other_provider(h)
    late = await h.post_event({"booking_id": "b-room", "start": "2016-02-16", "end": "2016-02-20"}, _staff(h))
    assert late.status_code == 422, late.text  # the first provider's booking has ended
    taken = await h.post_event({"booking_id": "b-other", "start": "2016-02-10", "end": "2016-02-29"}, _other_staff(h))
    assert taken.status_code == 409, taken.text  # the 10th-15th are the first provider's
    second = await h.post_event({"booking_id": "b-other", "start": "2016-02-16", "end": "2016-02-29"},
                                _other_staff(h))
    assert second.status_code == 201, second.text
    # each at its own price list: 15 x 120.00 and 14 x 125.00, the client nothing
    assert (first["amount_tenant"], first["amount_co_payment"]) == ("1800.00", "0.00")
    assert (second.json()["amount_tenant"], second.json()["amount_co_payment"]) == ("1750.00", "0.00")
    published = {e["event_id"]: e for e in await h.published("events.event.recorded")}
    assert (published[first["id"]]["amount_tenant"], published[second.json()["id"]]["amount_tenant"]) == (
        "1800.00", "1750.00")


async def test_a_purchased_stay_away_open_when_the_provider_changes_returns_by_the_bookings_last_day(
        seeded: Harness) -> None:
    h = seeded
    await _purchased(h)
    await _event(h, "b-room", "2016-02-01", "2016-02-04")
    away = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=_staff(h),
                               json={"booking_id": "b-room", "start": "2016-02-05", "reason": "hospital"})
    assert away.status_code == 201, away.text
    await h.feed("vouchers.booking.ended", {"booking_id": "b-room", "voucher_id": "v-o", "ended_on": "2016-02-10"})
    await _other_provider(h)
    # the new provider takes the client from the day after the old booking's last day
    second = await h.post_event({"booking_id": "b-other", "start": "2016-02-11", "end": "2016-02-29"},
                                _other_staff(h))
    assert second.status_code == 201, second.text
    assert second.json()["amount_tenant"] == f"{19 * 125}.00"
    too_late = await h.client.post(f"/v1/tenants/{T}/interruptions/{away.json()['id']}/end", headers=_staff(h),
                                   json={"end": "2016-02-12"})
    assert too_late.status_code == 422, too_late.text
    ended = await h.client.post(f"/v1/tenants/{T}/interruptions/{away.json()['id']}/end", headers=_staff(h),
                                json={"end": "2016-02-10"})
    assert ended.status_code == 200, ended.text
    # departure 5.2. day 0 ... 9.2. day 4 at 100 %, return day 10.2. at 100 %: 6 x 120.00
    assert (ended.json()["amount_tenant"], ended.json()["amount_co_payment"]) == ("720.00", "0.00")


async def test_a_death_mid_month_leaves_the_purchased_stay_up_to_the_day_of_death(seeded: Harness) -> None:
    h = seeded
    await _purchased(h)
    stay = await _event(h, "b-room", "2016-03-01", "2016-03-14")  # 14 x 120.00 = 1680.00
    # died on 9 March: the commitment is valid through the 9th (domain: the day of death is still valid)
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-o", "valid_until": "2016-03-09", "reason": "death"})
    got = await h.client.get(f"/v1/tenants/{T}/events/{stay['id']}", headers=_staff(h))
    assert got.status_code == 200, got.text
    assert (got.json()["end"], got.json()["amount_tenant"], got.json()["amount_co_payment"]) == (
        "2016-03-09", "1080.00", "0.00")
    after = await h.post_event({"booking_id": "b-room", "start": "2016-03-10", "end": "2016-03-10"}, _staff(h))
    assert after.status_code == 422, after.text


async def test_a_paid_purchased_stay_is_corrected_by_a_credit_then_recorded_again(seeded: Harness) -> None:
    h = seeded
    await _purchased(h)
    wrong = await _event(h, "b-room", "2016-02-01", "2016-02-29")  # 29 x 120.00 = 3480.00
    await _settle(h, "2016-02", [wrong["id"]])
    change = await h.client.patch(f"/v1/tenants/{T}/events/{wrong['id']}", headers=_staff(h),
                                  json={"start": "2016-02-05"})
    assert change.status_code == 409, change.text  # settled: only a credit corrects it
    credit = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                 json={"event_id": wrong["id"], "reason": "Tuli 5.2."})
    assert credit.status_code == 201, credit.text
    assert credit.json()["amount"] == "-3480.00"
    right = await _event(h, "b-room", "2016-02-05", "2016-02-29")
    assert (right["amount_tenant"], right["amount_co_payment"]) == (f"{25 * 120}.00", "0.00")
    again = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                json={"event_id": wrong["id"], "reason": "Uudestaan"})
    assert again.status_code == 409, again.text  # credited once


async def test_a_purchased_room_booked_at_a_site_is_priced_by_the_sites_list(seeded: Harness) -> None:
    h = seeded
    await _purchased(h)
    await h.tell_site("s-1")
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-site", "service_id": PURCHASED, "provider_id": PROVIDER, "producer_part": "site:s-1",
        "name": "Toimipaikka 2016", "start": "2016-02-01", "prices": [{"content_id": "room", "unit_price": "150.00"}]})
    await h.feed("vouchers.booking.ended", {"booking_id": "b-room", "voucher_id": "v-o", "ended_on": "2016-01-31"})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-site", "voucher_id": "v-o", "voucher_content_id": "vc-room", "service_id": PURCHASED,
        "content_id": "room", "provider_id": PROVIDER, "producer_part": "site:s-1", "client_id": "c-3",
        "client_ref": "O-3", "kind": "purchased"})
    stay = await _event(h, "b-site", "2016-02-01", "2016-02-10")
    assert (stay["producer_part"], stay["amount_tenant"], stay["amount_co_payment"]) == (
        "site:s-1", "1500.00", "0.00")
    [published] = [e for e in await h.published("events.event.recorded") if e["event_id"] == stay["id"]]
    assert (published["producer_part"], published["amount_tenant"]) == ("site:s-1", "1500.00")


async def test_the_co_payment_breakdown_of_a_purchased_month_is_the_rent_only(seeded: Harness) -> None:
    h = seeded
    await _purchased(h)
    await _event(h, "b-room", "2016-02-01", "2016-02-29")
    await _event(h, "b-rent", "2016-02-01", "2016-02-29")
    breakdown = await h.client.get(f"/v1/tenants/{T}/co-payments", headers=h.officer(), params={
        "client_id": "c-3", "service_id": PURCHASED, "from": "2016-02-01", "to": "2016-02-29"})
    assert breakdown.status_code == 200, breakdown.text
    body = breakdown.json()
    assert (body["amount_tenant"], body["amount_co_payment"]) == (f"{29 * 120}.00", f"{29 * 20}.00")


async def test_auto_recording_after_the_move_drafts_the_month_for_the_new_provider_only(seeded: Harness) -> None:
    h = seeded
    await _purchased(h)
    await h.feed("applications.service.defined", {  # the tenant turns auto-recording on for the purchased housing
        "service_id": PURCHASED, "name_fi": "Ostopalveluasuminen", "name_sv": "Köpt boende", "kind": "purchased",
        "auto_recording": True, "interruption_rule": None, "calendar": None,
        "contents": [
            {"content_id": "room", "name_fi": "Hoiva", "name_sv": "Omsorg", "unit": "day", "client_pays": False},
            {"content_id": "rent", "name_fi": "Vuokra", "name_sv": "Hyra", "unit": "day", "client_pays": True},
        ]})
    h.clock.set(datetime(2016, 3, 4, 9, 0, tzinfo=UTC))
    await _event(h, "b-room", "2016-02-01", "2016-02-15")
    await h.feed("vouchers.booking.ended", {"booking_id": "b-room", "voucher_id": "v-o", "ended_on": "2016-02-15"})
    await _other_provider(h)
    moved = await h.post_event({"booking_id": "b-other", "start": "2016-02-16", "end": "2016-02-29"},
                               _other_staff(h))
    assert moved.status_code == 201, moved.text
    await month_jobs.auto_record(h.runtime, date(2016, 3, 4))
    drafts = (await h.client.get(f"/v1/tenants/{T}/events", headers=h.officer(),
                                 params={"status": "draft", "voucher_id": "v-o"})).json()["items"]
    # March's 31 days once, on the new provider's booking at its price; nothing for the provider that left
    assert [(d["booking_id"], d["start"], d["end"], d["amount_tenant"], d["amount_co_payment"]) for d in drafts] == [
        ("b-other", "2016-03-01", "2016-03-31", f"{31 * 125}.00", "0.00")]
