"""Voucher states Granted -> Open -> Closed, death closing on the next day, and purchased services."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from seteli_vouchers.jobs import close_expired_everywhere

from .conftest import HOME_CARE, P1, S1, Harness, new_client, new_voucher


async def charge(
    h: Harness,
    voucher: dict[str, Any],
    *,
    start: str = "2016-03-10",
    end: str | None = None,  # the event's last day: its first unless given
    units: str = "1",
    amount: str = "140.00",
    status: str = "recorded",
    provider: str = P1,
    content_id: str = "asuminen",
    event_id: str | None = None,
    tenant: str = "kouvola",
) -> str:
    event_id = event_id or str(uuid.uuid4())
    await h.publish(
        "events.event.recorded",
        {
            "event_id": event_id,
            "revision": 1,
            "service_id": voucher["service_id"],
            "provider_id": provider,
            "producer_part": None,
            "booking_id": None,
            "voucher_id": voucher["id"],
            "client_ref": "A1",
            "content_id": content_id,
            "unit": "day",
            "start": start,
            "end": end or start,
            "units": units,
            "status": status,
            "segments": [],
            "amount_tenant": amount,
            "amount_co_payment": "0.00",
        },
        tenant,
    )
    return event_id


async def state_of(h: Harness, voucher_id: str) -> dict[str, Any]:
    response = await h.http.get(f"/v1/tenants/kouvola/vouchers/{voucher_id}", headers=h.officer())
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_first_charge_opens_the_voucher_drafts_do_not(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    await charge(h, voucher, status="draft")
    assert (await state_of(h, voucher["id"]))["state"] == "granted"
    first = await charge(h, voucher, start="2016-03-10", units="3", amount="420.00")
    await charge(h, voucher, start="2016-03-13", units="2", amount="280.00")
    await charge(h, voucher, start="2016-02-27", units="2", amount="280.00")  # another month: not counted now
    view = await state_of(h, voucher["id"])
    assert view["state"] == "open"
    assert view["contents"][0]["amount_left"] == "26.00"  # 31 days a month, 5 used in March
    opened = await h.published("vouchers.voucher.opened")
    assert [e.payload["opened_by_event_id"] for e in opened] == [first]


async def test_a_stay_across_the_month_end_counts_each_day_in_its_own_month(h: Harness) -> None:
    """31 days a month granted; a stay of 27 February .. 2 March 2016 (5 days) uses 2 of March's days, not
    none (and not 5): the client and the officer see 29 days left in March."""
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"], granted_on="2016-02-01", valid_from="2016-02-01")
    await charge(h, voucher, start="2016-02-27", units="5", amount="700.00")
    assert await _amount_left(h, voucher) == "29.00"
    h.clock.set(datetime(2016, 2, 28, 10, 0, tzinfo=UTC))
    assert await _amount_left(h, voucher) == "28.00"  # 27-29 February: 3 of February's days


async def test_balance_voucher_used_up_closes_and_publishes(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(
        h,
        client["id"],
        contents=[
            {
                "content_id": "siivous",
                "granted_amount": "500.00",
                "period": "balance",
                "voucher_value": "25.00",
            }
        ],
    )
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    assert await _amount_left(h, voucher) == "250.00"
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    view = await state_of(h, voucher["id"])
    assert view["state"] == "closed" and view["closed_reason"] == "used_up"
    [closed] = await h.published("vouchers.voucher.closed")
    assert closed.payload == {"voucher_id": voucher["id"], "valid_until": "2016-12-31", "reason": "used_up"}


async def test_officer_closes_with_reason_and_bookings_end(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    booking = await h.http.post(
        "/v1/tenants/kouvola/bookings",
        headers=h.provider(),
        json={
            "voucher_number": voucher["number"],
            "voucher_content_id": voucher["contents"][0]["id"],
            "accept_terms": True,
        },
    )
    assert booking.status_code == 201
    closed = await h.http.post(
        f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close",
        headers=h.officer(),
        json={"reason": "Siirtyi pitkäaikaishoitoon", "valid_until": "2016-03-20"},
    )
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed" and closed.json()["valid_until"] == "2016-03-20"
    again = await h.http.post(
        f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close", headers=h.officer(), json={"reason": "again"}
    )
    assert again.status_code == 409
    [event] = await h.published("vouchers.voucher.closed")
    assert event.payload == {"voucher_id": voucher["id"], "valid_until": "2016-03-20", "reason": "officer"}
    [ended] = await h.published("vouchers.booking.ended")
    assert ended.payload["booking_id"] == booking.json()["id"] and ended.payload["ended_on"] == "2016-03-20"
    assert ended.payload["client_ref"] == booking.json()["client_ref"] and ended.payload["reason"] == "officer"
    mine = await h.http.get(f"/v1/tenants/kouvola/bookings/{booking.json()['id']}", headers=h.provider())
    assert mine.json()["state"] == "ended"


async def test_a_booking_made_just_after_midnight_in_helsinki_cannot_end_the_day_before(h: Harness) -> None:
    """Booked at 00:30 on 10 March in Helsinki (UTC still says the 9th): the booking was made on the 10th, so it
    cannot end on the 9th; the 10th is fine."""
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    h.clock.set(datetime(2016, 3, 9, 22, 30, tzinfo=UTC))
    body = {"voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
            "accept_terms": True}
    booking = (await h.http.post("/v1/tenants/kouvola/bookings", json=body, headers=h.provider())).json()
    end_url = f"/v1/tenants/kouvola/bookings/{booking['id']}/end"
    refused = await h.http.post(end_url, json={"ended_on": "2016-03-09", "reason": "client_changed_provider"},
                                headers=h.provider())
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["ended_on"]
    assert await h.published("vouchers.booking.ended") == []
    ended = await h.http.post(end_url, json={"ended_on": "2016-03-10", "reason": "client_changed_provider"},
                              headers=h.provider())
    assert ended.status_code == 200 and ended.json()["state"] == "ended"


async def test_expired_vouchers_close_once(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"], valid_until="2016-03-31")
    admin = h.token_for(__import__("seteli_common.auth", fromlist=["Role"]).Role.TENANT_ADMIN, tenant_id="kouvola")
    assert (await h.http.post("/v1/tenants/kouvola/vouchers/close-expired", headers=admin)).json() == []
    h.clock.set(datetime(2016, 4, 1, 10, tzinfo=UTC))
    assert (await h.http.post("/v1/tenants/kouvola/vouchers/close-expired", headers=admin)).json() == [voucher["id"]]
    assert (await h.http.post("/v1/tenants/kouvola/vouchers/close-expired", headers=admin)).json() == []
    [event] = await h.published("vouchers.voucher.closed")
    assert event.payload["reason"] == "expired" and event.payload["valid_until"] == "2016-03-31"


async def test_death_ends_validity_on_the_next_day_for_all_vouchers(h: Harness) -> None:
    client = await new_client(h)
    first = await new_voucher(h, client["id"])
    second = await new_voucher(h, client["id"], valid_until="2017-06-30")
    other = await new_voucher(h, (await new_client(h, identity_code="010180-9037"))["id"])
    response = await h.http.post(
        f"/v1/tenants/kouvola/clients/{client['id']}/death",
        headers=h.officer(),
        json={"date_of_death": "2016-03-10"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["valid_until"] == "2016-03-11"
    assert sorted(response.json()["closed_vouchers"]) == sorted([first["id"], second["id"]])
    for v in (first, second):
        view = await state_of(h, v["id"])
        assert (view["state"], view["valid_until"], view["closed_reason"]) == (
            "closed",
            "2016-03-11",
            "death",
        )
    assert (await state_of(h, other["id"]))["state"] == "granted"
    closed = await h.published("vouchers.voucher.closed")
    assert {(e.payload["voucher_id"], e.payload["valid_until"], e.payload["reason"]) for e in closed} == {
        (first["id"], "2016-03-11", "death"),
        (second["id"], "2016-03-11", "death"),
    }
    [died] = await h.published("vouchers.client.died")
    assert died.payload == {
        "client_id": client["id"],
        "date_of_death": "2016-03-10",
        "valid_until": "2016-03-11",
    }
    refused = await h.http.post(
        "/v1/tenants/kouvola/vouchers",
        headers=h.officer(),
        json={
            "client_id": client["id"],
            "service_id": "tehostettu",
            "granted_on": "2016-03-15",
            "valid_from": "2016-03-15",
            "valid_until": "2016-12-31",
            "contents": [{"content_id": "asuminen", "granted_amount": "31", "period": "month", "voucher_value": "1"}],
        },
    )
    assert refused.status_code == 422


async def test_death_in_the_future_is_refused_and_changes_nothing(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    response = await h.http.post(
        f"/v1/tenants/kouvola/clients/{client['id']}/death",
        headers=h.officer(),
        json={"date_of_death": "2016-03-16"},
    )
    assert response.status_code == 422
    assert (await state_of(h, voucher["id"]))["state"] == "granted"


async def test_death_before_the_clients_birth_is_refused_and_changes_nothing(h: Harness) -> None:
    """A mistyped year ("0016-03-10", "1916-03-10" for a client born in 1980) closed every voucher back to it, and
    a recorded date of death cannot be changed afterwards: a day before the birth the identity code tells is
    refused (422, the field named); nothing is closed or published."""
    client = await new_client(h)  # 010180-9026: born 1 January 1980
    voucher = await new_voucher(h, client["id"])
    for day in ("0016-03-10", "1916-03-10", "1979-12-31"):
        response = await h.http.post(f"/v1/tenants/kouvola/clients/{client['id']}/death", headers=h.officer(),
                                     json={"date_of_death": day})
        assert response.status_code == 422, (day, response.text)
        assert response.json()["errors"][0]["field"] == "date_of_death"
    assert (await state_of(h, voucher["id"]))["state"] == "granted"
    assert await h.published("vouchers.client.died") == []
    born = await h.http.post(f"/v1/tenants/kouvola/clients/{client['id']}/death", headers=h.officer(),
                             json={"date_of_death": "1980-01-01"})  # (the day of birth itself is possible)
    assert born.status_code == 200, born.text


async def test_purchased_service_booked_by_officer_notifies_the_site(h: Harness) -> None:
    client = await new_client(h)
    commitment = await new_voucher(
        h,
        client["id"],
        service_id=HOME_CARE,
        contents=[{"content_id": "kotikaynti", "granted_amount": "10", "period": "week"}],
    )
    assert commitment["contents"][0]["voucher_value"] is None
    response = await h.http.post(
        "/v1/tenants/kouvola/purchases",
        headers=h.officer(),
        json={
            "voucher_id": commitment["id"],
            "voucher_content_id": commitment["contents"][0]["id"],
            "provider_id": P1,
            "producer_part": f"site:{S1}",
            "info": "Alkaa 1.4.",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "purchased" and body["commitment_number"] == commitment["number"]
    [notice] = await h.published("vouchers.purchase.booked")
    assert notice.payload["notification_email"] == f"koti@{S1}.fi"
    assert notice.payload["commitment_number"] == commitment["number"]
    assert notice.payload["producer_part"] == f"site:{S1}" and notice.payload["provider_id"] == P1
    [made] = await h.published("vouchers.booking.made")
    assert made.payload["kind"] == "purchased" and made.payload["client_ref"] == client["reference"]
    twice = await h.http.post(
        "/v1/tenants/kouvola/purchases",
        headers=h.officer(),
        json={
            "voucher_id": commitment["id"],
            "voucher_content_id": commitment["contents"][0]["id"],
            "provider_id": P1,
        },
    )
    assert twice.status_code == 409 and twice.json()["reason"] == "content_already_booked"


async def test_purchase_refused_for_a_voucher_service_and_an_unapproved_provider(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    wrong_kind = await h.http.post(
        "/v1/tenants/kouvola/purchases",
        headers=h.officer(),
        json={
            "voucher_id": voucher["id"],
            "voucher_content_id": voucher["contents"][0]["id"],
            "provider_id": P1,
        },
    )
    assert wrong_kind.status_code == 422
    commitment = await new_voucher(
        h,
        client["id"],
        service_id=HOME_CARE,
        contents=[{"content_id": "kotikaynti", "granted_amount": "10", "period": "week"}],
    )
    unapproved = await h.http.post(
        "/v1/tenants/kouvola/purchases",
        headers=h.officer(),
        json={
            "voucher_id": commitment["id"],
            "voucher_content_id": commitment["contents"][0]["id"],
            "provider_id": "prov-hoiva",
        },
    )
    assert unapproved.status_code == 409 and unapproved.json()["reason"] == "no_approved_application"
    assert await h.published("vouchers.purchase.booked") == []


async def test_provider_ends_its_booking_and_another_provider_can_book_the_content(h: Harness) -> None:
    from .conftest import P2, approve, price_list

    await approve(h, P2, "tehostettu", [])
    await price_list(h, "pl-p2", P2, "tehostettu", None, "2016-01-01", ["asuminen"])
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    body = {
        "voucher_number": voucher["number"],
        "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True,
    }
    booking = (await h.http.post("/v1/tenants/kouvola/bookings", json=body, headers=h.provider())).json()
    end_url = f"/v1/tenants/kouvola/bookings/{booking['id']}/end"
    end = {"ended_on": "2016-03-31", "reason": "client_changed_provider"}
    assert (await h.http.post(end_url, json=end, headers=h.provider(P2))).status_code == 404
    ended = await h.http.post(end_url, json=end, headers=h.provider())
    assert ended.status_code == 200 and ended.json()["state"] == "ended"
    assert (await h.http.post(end_url, json=end, headers=h.provider())).status_code == 409
    [event] = await h.published("vouchers.booking.ended")
    assert event.payload == {
        "booking_id": booking["id"],
        "voucher_id": voucher["id"],
        "provider_id": P1,
        "ended_on": "2016-03-31",
        "reason": "client_changed_provider",
        "voucher_closed": False,  # the provider's own end, not its voucher's close
        "by_tenant": False,  # nor the municipality's staff's (that one is told to the provider)
        # what the provider's notice names: its number for the client, never the identity code
        "client_ref": booking["client_ref"],
        "service_id": booking["service_id"],
        "producer_part": booking["producer_part"],
    }
    rebooked = await h.http.post("/v1/tenants/kouvola/bookings", json=body, headers=h.provider(P2))
    assert rebooked.status_code == 201, rebooked.text


async def test_expiry_job_closes_ended_vouchers_in_every_tenant(h: Harness) -> None:
    from seteli_vouchers.jobs import close_expired_everywhere

    kouvola = await new_voucher(h, (await new_client(h))["id"], valid_until="2016-03-31")
    lahti = await new_voucher(h, (await new_client(h, tenant="lahti"))["id"], tenant="lahti", valid_until="2016-04-30")
    assert await close_expired_everywhere(h.runtime) == 0
    h.clock.set(datetime(2016, 5, 1, 10, tzinfo=UTC))
    assert await close_expired_everywhere(h.runtime) == 2
    assert await close_expired_everywhere(h.runtime) == 0
    closed = await h.published("vouchers.voucher.closed")
    assert {(e.tenant_id, e.payload["voucher_id"]) for e in closed} == {
        ("kouvola", kouvola["id"]),
        ("lahti", lahti["id"]),
    }


async def test_a_provider_cannot_book_a_purchased_service_commitment(h: Harness) -> None:
    client = await new_client(h)
    commitment = await new_voucher(
        h,
        client["id"],
        service_id=HOME_CARE,
        contents=[{"content_id": "kotikaynti", "granted_amount": "10", "period": "week"}],
    )
    response = await h.http.post(
        "/v1/tenants/kouvola/bookings",
        headers=h.provider(),
        json={
            "voucher_number": commitment["number"],
            "voucher_content_id": commitment["contents"][0]["id"],
            "accept_terms": True,
        },
    )
    assert response.status_code == 409 and response.json()["reason"] == "purchased_service"


async def _cleaning_balance_of_500(h: Harness) -> dict[str, Any]:
    """A new client's voucher of one content: cleaning, a balance of 500.00 at 25.00 a unit."""
    client = await new_client(h)
    return await new_voucher(
        h,
        client["id"],
        contents=[{"content_id": "siivous", "granted_amount": "500.00", "period": "balance", "voucher_value": "25.00"}],
    )


async def _amount_left(h: Harness, voucher: dict[str, Any]) -> str:
    return str((await state_of(h, voucher["id"]))["contents"][0]["amount_left"])


async def test_a_corrected_or_deleted_charge_gives_the_balance_back(h: Harness) -> None:
    # The provider shortened a charge (events.event.corrected) and deleted another (events.event.deleted): the
    # amount left the client reads counts what is charged now, and the voucher is not closed as used up.
    voucher = await _cleaning_balance_of_500(h)
    shortened = await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    removed = await charge(h, voucher, content_id="siivous", units="8", amount="200.00")
    assert await _amount_left(h, voucher) == "50.00"
    await h.publish("events.event.corrected", {
        "event_id": shortened, "revision": 2, "service_id": voucher["service_id"], "provider_id": P1,
        "producer_part": None, "booking_id": None, "voucher_id": voucher["id"], "client_ref": "A1",
        "content_id": "siivous", "unit": "day", "start": "2016-03-10", "end": "2016-03-10", "units": "4",
        "status": "payable", "segments": [], "amount_tenant": "100.00", "amount_co_payment": "0.00"})
    await h.publish("events.event.deleted", {"event_id": removed, "revision": 2})
    assert await _amount_left(h, voucher) == "400.00"
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    view = await state_of(h, voucher["id"])
    assert view["state"] == "open" and view["contents"][0]["amount_left"] == "150.00"


async def test_a_deletion_or_credit_reaching_vouchers_before_the_charge_leaves_the_balance_whole(h: Harness) -> None:
    # A recording being retried lets the messages after it pass: the provider's deletion of the event, or the
    # tenant's credit of it, arrives first. When the recording then arrives it charges the client nothing (and a
    # credit withdrawn later charges again, as it would in order).
    voucher = await _cleaning_balance_of_500(h)
    deleted, credited = str(uuid.uuid4()), str(uuid.uuid4())
    await h.publish("events.event.deleted", {"event_id": deleted, "revision": 1})
    await h.publish("events.credit.requested", {
        "credit_id": "cr-early", "event_id": credited, "provider_id": P1, "producer_part": None, "client_ref": "A1",
        "content_id": "siivous", "service_id": voucher["service_id"], "amount": "-250.00", "reason": "wrong client",
        "month": "2016-04"})
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00", event_id=deleted)
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00", event_id=credited)
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    view = await state_of(h, voucher["id"])
    assert view["state"] == "open" and view["contents"][0]["amount_left"] == "250.00"
    await h.publish("events.credit.withdrawn", {"credit_id": "cr-early", "event_id": credited, "reason": "removed"})
    assert await _amount_left(h, voucher) == "0.00"


async def test_a_credited_charge_gives_the_balance_back_until_the_credit_is_withdrawn(h: Harness) -> None:
    # The tenant credited an event's whole value (approve and credit, or a credit of a paid event): the client's
    # amount left no longer counts it, and the voucher is not closed as used up on it; a withdrawn credit counts
    # it again. An interruption's credit charges no voucher.
    voucher = await _cleaning_balance_of_500(h)
    credited = await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    await charge(h, voucher, content_id="siivous", units="8", amount="200.00")
    assert await _amount_left(h, voucher) == "50.00"
    credit = {"credit_id": "cr-1", "event_id": credited, "provider_id": P1, "producer_part": None,
              "client_ref": "A1", "content_id": "siivous", "service_id": voucher["service_id"],
              "amount": "-250.00", "reason": "wrong client", "month": "2016-04"}
    await h.publish("events.credit.requested", {**credit, "kind": "interruption"})
    assert await _amount_left(h, voucher) == "50.00"
    await h.publish("events.credit.requested", credit)
    assert await _amount_left(h, voucher) == "300.00"
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    view = await state_of(h, voucher["id"])
    assert view["state"] == "open" and view["contents"][0]["amount_left"] == "50.00"
    await h.publish("events.credit.withdrawn", {"credit_id": "cr-1", "event_id": credited, "reason": "removed"})
    assert await _amount_left(h, voucher) == "0.00"


async def test_an_over_limit_charge_counts_only_once_the_tenant_approves_it(h: Harness) -> None:
    # The charge that crosses the balance waits for the tenant's decision (004 §4.3.5.6): it does not use the
    # voucher up while it waits; rejected it never counts, approved it counts as any other.
    voucher = await _cleaning_balance_of_500(h)
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    rejected = await charge(h, voucher, content_id="siivous", units="12", amount="300.00", status="awaiting_approval")
    view = await state_of(h, voucher["id"])
    assert view["state"] == "open" and view["contents"][0]["amount_left"] == "250.00"
    await h.publish("events.event.rejected", {"event_id": rejected, "revision": 1})
    view = await state_of(h, voucher["id"])
    assert view["state"] == "open" and view["contents"][0]["amount_left"] == "250.00"
    approved = await charge(h, voucher, content_id="siivous", units="12", amount="300.00", status="awaiting_approval")
    assert (await state_of(h, voucher["id"]))["state"] == "open"
    await h.publish("events.event.approved", {"event_id": approved, "revision": 1})
    view = await state_of(h, voucher["id"])
    assert view["state"] == "closed" and view["closed_reason"] == "used_up"


async def test_a_decision_heard_before_the_over_limit_charge_is_kept_for_it(h: Harness) -> None:
    voucher = await _cleaning_balance_of_500(h)
    rejected = str(uuid.uuid4())
    await h.publish("events.event.rejected", {"event_id": rejected, "revision": 1})
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    await charge(h, voucher, content_id="siivous", units="12", amount="300.00", status="awaiting_approval",
                 event_id=rejected)
    await charge(h, voucher, content_id="siivous", units="4", amount="100.00")
    view = await state_of(h, voucher["id"])
    assert view["state"] == "open" and view["contents"][0]["amount_left"] == "150.00"


async def test_facts_heard_before_a_purchased_service_events_recording_are_applied_and_not_kept(h: Harness) -> None:
    """A purchased service's events reach vouchers as any other (with their commitment's voucher id): a deletion
    or decision heard first waits in early_event_facts only until the recording arrives, then is gone; a credit is
    kept in event_credits and applied to the recording."""
    from seteli_vouchers.models import early_event_facts, recorded_events
    from sqlalchemy import func, select

    client = await new_client(h)
    commitment = await new_voucher(h, client["id"], service_id=HOME_CARE,
                                   contents=[{"content_id": "kotikaynti", "granted_amount": "10", "period": "week"}])
    deleted, credited, rejected = (str(uuid.uuid4()) for _ in range(3))
    await h.publish("events.event.deleted", {"event_id": deleted, "revision": 2})
    await h.publish("events.credit.requested", {
        "credit_id": "cr-purchase", "event_id": credited, "provider_id": P1, "producer_part": None,
        "client_ref": "A1", "content_id": "kotikaynti", "service_id": HOME_CARE, "amount": "-40.00",
        "reason": "wrong client", "month": "2016-04"})
    await h.publish("events.event.rejected", {"event_id": rejected, "revision": 1, "reason": "over"})

    async def facts() -> int:
        async with h.runtime.db.transaction(tenant_id="kouvola") as session:
            return int((await session.execute(select(func.count()).select_from(early_event_facts))).scalar_one())

    assert await facts() == 2  # the credit is kept in event_credits (its withdrawal may come in either order)
    for event_id, status in ((deleted, "recorded"), (credited, "recorded"), (rejected, "awaiting_approval")):
        await charge(h, commitment, content_id="kotikaynti", amount="40.00", event_id=event_id, status=status)
    assert await facts() == 0
    async with h.runtime.db.transaction(tenant_id="kouvola") as session:
        rows = {r["event_id"]: r for r in (await session.execute(select(recorded_events))).mappings().all()}
    assert rows[deleted]["status"] == "deleted" and rows[credited]["credited"]
    assert rows[rejected]["status"] == "rejected"


CLEANING_500 = [{"content_id": "siivous", "granted_amount": "500.00", "period": "balance", "voucher_value": "25.00"}]


async def test_a_voucher_whose_every_charge_is_taken_back_is_granted_again(h: Harness) -> None:
    """004 §4.1: Open means charged. The provider's only charge deleted (a client booked by mistake), or
    rejected, or credited: nothing is charged, so the officer's list and the client's look-up say "granted" (not
    used yet), not "open"; a charge recorded after it opens the voucher again. One charge of two taken back
    leaves it open; a balance voucher used up by its only charge and then deleted is granted again too."""
    voucher = await _cleaning_balance_of_500(h)
    mistake = await charge(h, voucher, content_id="siivous", units="4", amount="100.00")
    assert (await state_of(h, voucher["id"]))["state"] == "open"
    await h.publish("events.event.deleted", {"event_id": mistake, "revision": 2})
    view = await state_of(h, voucher["id"])
    assert (view["state"], view["contents"][0]["amount_left"]) == ("granted", "500.00")
    looked_up = await h.http.post("/v1/tenants/kouvola/vouchers/lookup", json={
        "number": voucher["number"], "verification_code": voucher["verification_code"]})
    assert looked_up.json()["state"] == "granted"

    kept = await charge(h, voucher, content_id="siivous", units="2", amount="50.00")
    taken_back = await charge(h, voucher, content_id="siivous", units="2", amount="50.00")
    await h.publish("events.event.deleted", {"event_id": taken_back, "revision": 2})
    assert (await state_of(h, voucher["id"]))["state"] == "open"  # the other charge stands
    credit = {"credit_id": "cr-granted", "event_id": kept, "provider_id": P1, "producer_part": None,
              "client_ref": "A1", "content_id": "siivous", "service_id": voucher["service_id"],
              "amount": "-50.00", "reason": "wrong client", "month": "2016-04"}
    await h.publish("events.credit.requested", credit)
    assert (await state_of(h, voucher["id"]))["state"] == "granted"
    await h.publish("events.credit.withdrawn", {"credit_id": "cr-granted", "event_id": kept, "reason": "removed"})
    assert (await state_of(h, voucher["id"]))["state"] == "open"

    # used up by one charge, then deleted: granted, not open
    whole = await new_voucher(h, voucher["client_id"], contents=CLEANING_500)
    used = await charge(h, whole, content_id="siivous", units="20", amount="500.00")
    assert (await state_of(h, whole["id"]))["closed_reason"] == "used_up"
    await h.publish("events.event.deleted", {"event_id": used, "revision": 2})
    view = await state_of(h, whole["id"])
    assert (view["state"], view["closed_reason"], view["contents"][0]["amount_left"]) == ("granted", None, "500.00")

    # an over-limit charge the officer rejected was the only one: granted
    other = await new_voucher(h, voucher["client_id"], contents=CLEANING_500)
    over = await charge(h, other, content_id="siivous", units="24", amount="600.00", status="awaiting_approval")
    assert (await state_of(h, other["id"]))["state"] == "open"  # waiting for the officer
    await h.publish("events.event.rejected", {"event_id": over, "revision": 1, "reason": "Yli myönnetyn"})
    assert (await state_of(h, other["id"]))["state"] == "granted"


async def test_a_voucher_past_its_validity_is_not_closed_by_the_officer(h: Harness) -> None:
    """Valid until 14 March: from midnight in Helsinki (22:00 UTC on the 14th in winter) it is shown closed as
    expired, before the hourly job writes it so. The officer's close then answers 409 `voucher_expired` and changes
    nothing (no close as "officer", no booking ended by it); the job closes it as expired. At 23:59 Helsinki on its
    last day it could still be closed by the officer."""
    h.clock.set(datetime(2016, 3, 14, 10, 0, tzinfo=UTC))
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"], valid_until="2016-03-14")
    booking = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(), json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True})
    assert booking.status_code == 201, booking.text
    url = f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close"
    h.clock.set(datetime(2016, 3, 14, 22, 30, tzinfo=UTC))  # 00:30 on 15 March in Helsinki
    shown = (await h.http.get(f"/v1/tenants/kouvola/vouchers/{voucher['id']}", headers=h.officer())).json()
    assert (shown["state"], shown["closed_reason"]) == ("closed", "expired")
    for body in ({"reason": "Muutti pois"}, {"reason": "Muutti pois", "valid_until": "2016-03-10"}):
        refused = await h.http.post(url, headers=h.officer(), json=body)
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "voucher_expired"
    assert await h.published("vouchers.voucher.closed") == []
    assert await h.published("vouchers.booking.ended") == []
    mine = (await h.http.get(f"/v1/tenants/kouvola/bookings/{booking.json()['id']}", headers=h.provider())).json()
    assert mine["ended_on"] is None
    assert await close_expired_everywhere(h.runtime) == 1  # the hourly job
    view = await state_of(h, voucher["id"])
    assert (view["state"], view["closed_reason"], view["valid_until"]) == ("closed", "expired", "2016-03-14")

    h.clock.set(datetime(2016, 3, 14, 21, 59, tzinfo=UTC))  # 23:59 on its last day in Helsinki
    other = await new_voucher(h, client["id"], valid_until="2016-03-14")
    last_day = await h.http.post(f"/v1/tenants/kouvola/vouchers/{other['id']}/close", headers=h.officer(),
                                 json={"reason": "Muutti pois"})
    assert last_day.status_code == 200, last_day.text
    assert (last_day.json()["closed_reason"], last_day.json()["valid_until"]) == ("officer", "2016-03-14")
