"""A balance voucher is used up by what is charged now: an over-limit charge the officer rejected is no charge,
and a voucher closed as used up by a charge later deleted, credited, shortened or rejected is open again (with
its booking), while one closed for any other reason stays closed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seteli_common.auth import Role

from .conftest import HOUSING, P1, Harness, new_client, new_voucher, price_list
from .test_lifecycle import _amount_left, _cleaning_balance_of_500, charge, state_of


async def _book(h: Harness, voucher: dict[str, Any]) -> str:
    await price_list(h, "pl-cleaning", P1, HOUSING, None, "2016-02-01", ["asuminen", "siivous"])
    booking = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(), json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"], "accept_terms": True})
    assert booking.status_code == 201, booking.text
    return str(booking.json()["id"])


async def _booking_state(h: Harness, booking_id: str) -> str:
    response = await h.http.get(f"/v1/tenants/kouvola/bookings/{booking_id}", headers=h.provider())
    return str(response.json()["state"])


async def test_a_rejected_over_limit_charge_never_takes_the_balance(h: Harness) -> None:
    # 004 §4.3.5.6: the event crossing the grant waits for the officer; it counts only once approved (the voucher
    # stays open while it waits); rejected, it is paid by nobody: the client keeps 250.00 and the voucher its booking.
    voucher = await _cleaning_balance_of_500(h)
    booking = await _book(h, voucher)
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    over = await charge(h, voucher, content_id="siivous", units="12", amount="300.00", status="awaiting_approval")
    view = await state_of(h, voucher["id"])
    assert (view["state"], view["closed_reason"], view["contents"][0]["amount_left"]) == ("open", None, "250.00")
    await h.publish("events.event.rejected", {"event_id": over, "revision": 1, "reason": "Yli myönnetyn"})
    view = await state_of(h, voucher["id"])
    assert (view["state"], view["closed_reason"], view["contents"][0]["amount_left"]) == ("open", None, "250.00")
    assert await _booking_state(h, booking) == "active"
    # a correction of the rejected event (a new revision, within the grant) charges again
    await h.publish("events.event.corrected", {
        "event_id": over, "revision": 2, "service_id": voucher["service_id"], "provider_id": P1,
        "producer_part": None, "booking_id": None, "voucher_id": voucher["id"], "client_ref": "A1",
        "content_id": "siivous", "unit": "hour", "start": "2016-03-10", "end": "2016-03-10", "units": "4",
        "status": "payable", "segments": [], "amount_tenant": "100.00", "amount_co_payment": "0.00"})
    assert await _amount_left(h, voucher) == "150.00"
    # a rejection of an older revision arriving late changes nothing
    await h.publish("events.event.rejected", {"event_id": over, "revision": 1, "reason": "Yli myönnetyn"})
    assert await _amount_left(h, voucher) == "150.00"


async def test_a_voucher_used_up_by_a_charge_later_deleted_or_credited_is_open_again(h: Harness) -> None:
    voucher = await _cleaning_balance_of_500(h)
    booking = await _book(h, voucher)
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    wrong = await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    assert (await state_of(h, voucher["id"]))["state"] == "closed"
    await h.publish("events.event.deleted", {"event_id": wrong, "revision": 2})
    view = await state_of(h, voucher["id"])
    assert (view["state"], view["closed_reason"], view["contents"][0]["amount_left"]) == ("open", None, "250.00")
    assert await _booking_state(h, booking) == "active"
    looked_up = await h.http.post("/v1/tenants/kouvola/vouchers/lookup", json={
        "number": voucher["number"], "verification_code": voucher["verification_code"]})
    assert looked_up.json()["state"] == "open"
    # used up again, then the last charge is credited: open again; the credit withdrawn: used up again
    credited = await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    assert (await state_of(h, voucher["id"]))["closed_reason"] == "used_up"
    credit = {"credit_id": "cr-1", "event_id": credited, "provider_id": P1, "producer_part": None,
              "client_ref": "A1", "content_id": "siivous", "service_id": voucher["service_id"],
              "amount": "-250.00", "reason": "wrong client", "month": "2016-04"}
    await h.publish("events.credit.requested", credit)
    assert (await state_of(h, voucher["id"]))["state"] == "open"
    await h.publish("events.credit.withdrawn", {"credit_id": "cr-1", "event_id": credited, "reason": "removed"})
    view = await state_of(h, voucher["id"])
    assert (view["state"], view["closed_reason"], view["contents"][0]["amount_left"]) == ("closed", "used_up", "0.00")


async def test_a_voucher_the_officer_closed_stays_closed_when_a_charge_is_deleted(h: Harness) -> None:
    voucher = await _cleaning_balance_of_500(h)
    wrong = await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    closed = await h.http.post(f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close", headers=h.officer(),
                               json={"reason": "Muutti pois"})
    assert closed.status_code == 200, closed.text
    await h.publish("events.event.deleted", {"event_id": wrong, "revision": 2})
    view = await state_of(h, voucher["id"])
    assert (view["state"], view["closed_reason"]) == ("closed", "officer")


async def test_a_voucher_open_again_does_not_restore_a_booking_the_provider_ended_typing_used_up(h: Harness) -> None:
    """Open again, the voucher restores the bookings its used-up close ended; one the provider ended itself, its
    free-text reason "used_up", stays ended on the provider's day."""
    voucher = await _cleaning_balance_of_500(h)
    booking = await _book(h, voucher)
    ended = await h.http.post(f"/v1/tenants/kouvola/bookings/{booking}/end", headers=h.provider(),
                              json={"ended_on": "2016-03-31", "reason": "used_up"})
    assert ended.status_code == 200, ended.text
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    wrong = await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    assert (await state_of(h, voucher["id"]))["closed_reason"] == "used_up"
    await h.publish("events.event.deleted", {"event_id": wrong, "revision": 2})
    assert (await state_of(h, voucher["id"]))["state"] == "open"
    mine = (await h.http.get(f"/v1/tenants/kouvola/bookings/{booking}", headers=h.provider())).json()
    assert (mine["ended_on"], mine["end_reason"]) == ("2016-03-31", "used_up")


async def test_a_voucher_used_up_whose_validity_has_ended_stays_closed_when_a_charge_is_taken_back(h: Harness) -> None:
    """February's voucher used up by charges recorded in February; in March one is deleted (and another credited):
    the balance comes back, but the validity has ended, so the voucher is closed as expired, not open again, and
    the provider's booking stays ended on the voucher's last day."""
    today = h.clock.now()
    h.clock.set(datetime(2016, 2, 15, 10, tzinfo=UTC))  # booked and charged while the voucher is valid
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"], granted_on="2016-02-01", valid_from="2016-02-01",
                                valid_until="2016-02-29", contents=[
                                    {"content_id": "siivous", "granted_amount": "500.00", "period": "balance",
                                     "voucher_value": "25.00"}])
    booking = await _book(h, voucher)
    credited = await charge(h, voucher, start="2016-02-10", content_id="siivous", units="10", amount="250.00")
    wrong = await charge(h, voucher, start="2016-02-11", content_id="siivous", units="10", amount="250.00")
    assert (await state_of(h, voucher["id"]))["closed_reason"] == "used_up"
    h.clock.set(today)  # March: the voucher's validity has ended
    await h.publish("events.event.deleted", {"event_id": wrong, "revision": 2})
    view = await state_of(h, voucher["id"])
    assert (view["state"], view["closed_reason"], view["valid_until"]) == ("closed", "expired", "2016-02-29")
    mine = (await h.http.get(f"/v1/tenants/kouvola/bookings/{booking}", headers=h.provider())).json()
    assert (mine["state"], mine["ended_on"]) == ("ended", "2016-02-29")
    # every charge taken back: still closed (an expired voucher is never "granted, not used yet" again)
    await h.publish("events.credit.requested", {
        "credit_id": "cr-feb", "event_id": credited, "provider_id": P1, "producer_part": None, "client_ref": "A1",
        "content_id": "siivous", "service_id": voucher["service_id"], "amount": "-250.00", "reason": "wrong client",
        "month": "2016-03"})
    view = await state_of(h, voucher["id"])
    assert (view["state"], view["closed_reason"]) == ("closed", "expired")
    # the job closing expired vouchers finds nothing to close (and tells the provider nothing again)
    ended_before = len(await h.published("vouchers.booking.ended"))
    closed = await h.http.post("/v1/tenants/kouvola/vouchers/close-expired", headers=h.token_for(
        Role.TENANT_ADMIN, subject="admin-1", tenant_id="kouvola"))
    assert closed.status_code == 200, closed.text
    assert voucher["id"] not in closed.json()
    assert len(await h.published("vouchers.booking.ended")) == ended_before


async def test_the_officer_closes_a_used_up_voucher_and_a_charge_taken_back_later_does_not_open_it(
        h: Harness) -> None:
    """Used up is a close a later fact may undo; the officer's close (the client moved away) is not: the officer
    closes a used-up voucher too, its validity ends that day, and a wrong charge deleted after it opens nothing."""
    voucher = await _cleaning_balance_of_500(h)
    booking = await _book(h, voucher)
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    wrong = await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    assert (await state_of(h, voucher["id"]))["closed_reason"] == "used_up"
    closed = await h.http.post(f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close", headers=h.officer(),
                               json={"reason": "Muutti pois"})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["state"], closed.json()["closed_reason"], closed.json()["valid_until"]) == (
        "closed", "officer", "2016-03-15")
    mine = (await h.http.get(f"/v1/tenants/kouvola/bookings/{booking}", headers=h.provider())).json()
    assert (mine["ended_on"], mine["end_reason"]) == ("2016-03-15", "officer")
    await h.publish("events.event.deleted", {"event_id": wrong, "revision": 2})
    view = await state_of(h, voucher["id"])
    assert (view["state"], view["closed_reason"], view["valid_until"]) == ("closed", "officer", "2016-03-15")
    mine = (await h.http.get(f"/v1/tenants/kouvola/bookings/{booking}", headers=h.provider())).json()
    assert mine["state"] == "ended"
    # closed by the officer once, it is not closed again
    again = await h.http.post(f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close", headers=h.officer(),
                              json={"reason": "Muutti pois"})
    assert again.status_code == 409, again.text


async def test_a_voucher_open_again_gets_back_only_the_bookings_that_could_be_made_now(h: Harness) -> None:
    """Used up, the voucher ended its three bookings; before a wrong charge is deleted, the tenant ends cleaning
    and the company removes the unit the care was booked at. Open again, the voucher gets back only the booking
    that could be made now (the client-paid meals, at the company): the other two stay ended on the voucher's
    last day as used up, so no provider sees an active booking for care that cannot be provided."""
    await h.publish("registry.provider.units_changed",
                    {"provider_id": P1, "units": ["Ryhmäkoti Kuusi"], "changed_at": "2016-02-01T08:00:00Z"}, None)
    await price_list(h, "pl-all", P1, HOUSING, None, "2016-02-01", ["asuminen", "ateriat", "siivous"])
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"], contents=[
        {"content_id": "siivous", "granted_amount": "500.00", "period": "balance", "voucher_value": "25.00"},
        {"content_id": "asuminen", "granted_amount": "280.00", "period": "balance", "voucher_value": "140.00"},
        {"content_id": "ateriat", "granted_amount": "31", "period": "month"}])
    rows = {c["content_id"]: c["id"] for c in voucher["contents"]}
    booked = {}
    for content_id, part in (("siivous", None), ("asuminen", "unit:Ryhmäkoti Kuusi"), ("ateriat", None)):
        made = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(), json={
            "voucher_number": voucher["number"], "voucher_content_id": rows[content_id], "accept_terms": True,
            "producer_part": part})
        assert made.status_code == 201, made.text
        booked[content_id] = made.json()["id"]
    await charge(h, voucher, content_id="asuminen", units="2", amount="280.00")
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    wrong = await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    assert (await state_of(h, voucher["id"]))["closed_reason"] == "used_up"

    await h.publish("applications.service.defined", {
        "service_id": HOUSING, "name_fi": "Tehostettu palveluasuminen", "name_sv": "Serviceboende",
        "kind": "voucher", "auto_recording": True, "contents": [
            {"content_id": "asuminen", "name_fi": "Hoiva", "name_sv": "Vård", "unit": "day", "client_pays": False},
            {"content_id": "ateriat", "name_fi": "Ateriat", "name_sv": "Måltider", "unit": "day",
             "client_pays": True},
            {"content_id": "siivous", "name_fi": "Siivous", "name_sv": "Städning", "unit": "hour",
             "client_pays": False, "ended_from": "2016-03-15"}]})
    await h.publish("registry.provider.units_changed",
                    {"provider_id": P1, "units": [], "changed_at": "2016-03-15T08:00:00Z"}, None)
    await h.publish("events.event.deleted", {"event_id": wrong, "revision": 2})

    assert (await state_of(h, voucher["id"]))["state"] == "open"
    seen = {}
    for content_id, booking_id in booked.items():
        shown = (await h.http.get(f"/v1/tenants/kouvola/bookings/{booking_id}", headers=h.provider())).json()
        seen[content_id] = (shown["state"], shown["ended_on"], shown["end_reason"])
    assert seen == {"siivous": ("ended", "2016-12-31", "used_up"), "asuminen": ("ended", "2016-12-31", "used_up"),
                    "ateriat": ("active", None, None)}
    # only the booking going on is told to events and the provider (the two others stay ended there too)
    assert [e.payload["booking_id"] for e in await h.published("vouchers.booking.restored")] == [booked["ateriat"]]


async def test_a_booking_going_on_again_is_told_as_its_end_was(h: Harness) -> None:
    """Events and the provider heard the used-up close end the booking on the voucher's last day; open again, the
    voucher tells them the booking goes on (the end undone, the provider's number for the client), once per
    opening: taken back to granted (every charge deleted), then used up and open again after a credit."""
    voucher = await _cleaning_balance_of_500(h)
    booking = await _book(h, voucher)
    wrong = await charge(h, voucher, content_id="siivous", units="20", amount="500.00")
    [ended] = await h.published("vouchers.booking.ended")
    assert (ended.payload["booking_id"], ended.payload["reason"], ended.payload["voucher_closed"]) == (
        booking, "used_up", True)
    await h.publish("events.event.deleted", {"event_id": wrong, "revision": 2})
    assert (await state_of(h, voucher["id"]))["state"] == "granted"
    [restored] = await h.published("vouchers.booking.restored")
    assert restored.tenant_id == "kouvola"
    assert restored.payload == {
        "booking_id": booking, "voucher_id": voucher["id"], "provider_id": P1, "ended_on": "2016-12-31",
        "reason": "used_up", "client_ref": ended.payload["client_ref"], "service_id": voucher["service_id"],
        "producer_part": None}
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    credited = await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    assert len(await h.published("vouchers.booking.ended")) == 2
    await h.publish("events.credit.requested", {
        "credit_id": "cr-1", "event_id": credited, "provider_id": P1, "producer_part": None, "client_ref": "A1",
        "content_id": "siivous", "service_id": voucher["service_id"], "amount": "-250.00", "reason": "wrong client",
        "month": "2016-04"})
    assert (await state_of(h, voucher["id"]))["state"] == "open"
    assert [e.payload["booking_id"] for e in await h.published("vouchers.booking.restored")] == [booking, booking]
