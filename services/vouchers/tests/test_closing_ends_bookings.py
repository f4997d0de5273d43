"""A voucher's close ends its bookings on its new last day: a booking the provider ended in advance on a later day
(the client was to change provider at the month's end) ends with the voucher too, and its provider is told."""

from __future__ import annotations

from .conftest import Harness, new_client, new_voucher


async def test_a_death_ends_a_booking_ended_in_advance_on_the_next_day_and_tells_its_provider(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    booking = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(), json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"], "accept_terms": True})
    assert booking.status_code == 201, booking.text
    url = f"/v1/tenants/kouvola/bookings/{booking.json()['id']}"
    ended = await h.http.post(f"{url}/end", headers=h.provider(),
                              json={"ended_on": "2016-03-31", "reason": "client_changed_provider"})
    assert ended.status_code == 200, ended.text
    died = await h.http.post(f"/v1/tenants/kouvola/clients/{client['id']}/death", headers=h.officer(),
                             json={"date_of_death": "2016-03-10"})
    assert died.status_code == 200, died.text
    mine = (await h.http.get(url, headers=h.provider())).json()
    assert (mine["ended_on"], mine["end_reason"]) == ("2016-03-11", "death")
    told = [e.payload for e in await h.published("vouchers.booking.ended")]
    assert [(p["ended_on"], p["reason"]) for p in told] == [("2016-03-31", "client_changed_provider"),
                                                           ("2016-03-11", "death")]


async def test_a_booking_ended_in_advance_can_be_ended_on_another_day_until_that_day_has_passed(h: Harness) -> None:
    # The client was to change provider at the month's end; the move comes earlier, on the 20th: the provider sets
    # the new last day (it was refused: "already ended", and nobody could correct it). Once the last day has
    # passed the booking has ended for good.
    from datetime import UTC, datetime

    voucher = await new_voucher(h, (await new_client(h))["id"])
    booking = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(), json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"], "accept_terms": True})
    url = f"/v1/tenants/kouvola/bookings/{booking.json()['id']}/end"
    first = await h.http.post(url, headers=h.provider(), json={"ended_on": "2016-03-31", "reason": "client_moves"})
    assert first.status_code == 200, first.text
    again = await h.http.post(url, headers=h.provider(), json={"ended_on": "2016-03-20", "reason": "client_moves"})
    assert again.status_code == 200, again.text
    assert (again.json()["ended_on"], again.json()["state"]) == ("2016-03-20", "ended")
    told = [e.payload["ended_on"] for e in await h.published("vouchers.booking.ended")]
    assert told == ["2016-03-31", "2016-03-20"]
    later = await h.http.post(url, headers=h.provider(), json={"ended_on": "2016-03-25", "reason": "client_moves"})
    assert later.status_code == 409 and "2016-03-20" in later.json()["detail"]  # only earlier: not past a booking after
    h.clock.set(datetime(2016, 3, 21, 10, tzinfo=UTC))
    late = await h.http.post(url, headers=h.provider(), json={"ended_on": "2016-03-25", "reason": "client_moves"})
    assert late.status_code == 409 and late.headers["content-type"].startswith("application/problem+json")


async def test_a_date_of_death_entered_too_late_is_corrected_to_the_earlier_day(h: Harness) -> None:
    # The officer typed 12 March; the client died on 10 March. The correction ends the validity on the 11th (care
    # of the 12th and 13th would otherwise be paid); a later day than the recorded one is refused, naming the field.
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    url = f"/v1/tenants/kouvola/clients/{client['id']}/death"
    assert (await h.http.post(url, headers=h.officer(), json={"date_of_death": "2016-03-12"})).status_code == 200
    corrected = await h.http.post(url, headers=h.officer(), json={"date_of_death": "2016-03-10"})
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["valid_until"], corrected.json()["closed_vouchers"]) == ("2016-03-11", [voucher["id"]])
    view = (await h.http.get(f"/v1/tenants/kouvola/vouchers/{voucher['id']}", headers=h.officer())).json()
    assert (view["valid_until"], view["closed_reason"]) == ("2016-03-11", "death")
    closed = [e.payload["valid_until"] for e in await h.published("vouchers.voucher.closed")]
    assert closed == ["2016-03-13", "2016-03-11"]
    died = [e.payload["date_of_death"] for e in await h.published("vouchers.client.died")]
    assert died == ["2016-03-12", "2016-03-10"]
    later = await h.http.post(url, headers=h.officer(), json={"date_of_death": "2016-03-11"})
    assert later.status_code == 409 and later.json()["field"] == "date_of_death", later.text
    assert later.json()["code"] == "death_date_later"
    details = (await h.http.get(f"/v1/tenants/kouvola/clients/{client['id']}", headers=h.officer())).json()
    assert details["date_of_death"] == "2016-03-10"


async def test_the_booking_ends_a_voucher_close_makes_say_so_and_a_providers_own_end_does_not(h: Harness) -> None:
    """A provider's reason for ending a booking is free text ("death" typed too): the booking's end tells whether the
    voucher's close made it (`voucher_closed`), so events and notifications never take the provider's word for a
    death or an officer's close."""
    client = await new_client(h)
    ended_by_provider = await new_voucher(h, client["id"])
    closed_by_death = await new_voucher(h, client["id"])
    for voucher, day in ((ended_by_provider, "2016-03-31"), (closed_by_death, None)):
        booking = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(), json={
            "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
            "accept_terms": True})
        assert booking.status_code == 201, booking.text
        if day is not None:
            ended = await h.http.post(f"/v1/tenants/kouvola/bookings/{booking.json()['id']}/end", headers=h.provider(),
                                      json={"ended_on": day, "reason": "death"})
            assert ended.status_code == 200, ended.text
    died = await h.http.post(f"/v1/tenants/kouvola/clients/{client['id']}/death", headers=h.officer(),
                             json={"date_of_death": "2016-03-10"})
    assert died.status_code == 200, died.text
    told = [e.payload for e in await h.published("vouchers.booking.ended")]
    assert sorted((p["voucher_id"], p["ended_on"], p["reason"], p["voucher_closed"]) for p in told) == sorted([
        (ended_by_provider["id"], "2016-03-31", "death", False),
        # the death ends the provider's booking earlier (the 11th) and the other voucher's: both by the close
        (ended_by_provider["id"], "2016-03-11", "death", True),
        (closed_by_death["id"], "2016-03-11", "death", True)])
