"""A provider's correction request of paid care, and the voucher ending before that care afterwards (closed by the
officer, or a death recorded): the care beyond the last valid day is taken back by settlement anyway. Housing
155.00 €/day, voucher value 140.00 €/day; the clock is 2016-03-15 (Helsinki)."""

from __future__ import annotations

from typing import Any

from .conftest import PROVIDER, Harness, T
from .test_client_number import changed
from .test_money_one_step_more import _away, _close, _event, _interruption
from .test_money_paths import _settle


async def _ask(h: Harness, kind: str, target_id: str) -> dict[str, Any]:
    response = await h.client.post(f"/v1/tenants/{T}/corrections", headers=h.provider(),
                                   json={"kind": kind, "target_id": target_id, "reason": "Asiakas oli sairaalassa"})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _requests(h: Harness, **params: str) -> list[dict[str, Any]]:
    return list((await h.client.get(f"/v1/tenants/{T}/corrections", headers=h.officer(), params=params)
                 ).json()["items"])


async def test_a_request_of_a_paid_event_removed_when_the_voucher_ended_answers_itself(seeded: Harness) -> None:
    h = seeded
    paid = await _event(h, "2016-02-20", "2016-02-29")
    await _settle(h, "2016-02", [paid["id"]])
    asked = await _ask(h, "event", paid["id"])
    await _close(h, "2016-02-15")  # the voucher ended before the event: it is removed, its 1400.00 taken back
    # the officer has nothing left to decide: the request is not waiting in the queue, and says why to the provider
    assert await _requests(h, state="open") == []
    [request] = (await h.client.get(f"/v1/tenants/{T}/corrections", headers=h.provider())).json()["items"]
    assert (request["id"], request["state"], request["credit_id"]) == (asked["id"], "removed", None)
    assert request["answered_at"] is not None
    assert request["valid_until"] == "2016-02-15"  # the day the provider's answer names
    answered = await h.client.post(f"/v1/tenants/{T}/corrections/{asked['id']}/answer", headers=h.officer(),
                                   json={"decision": "credit"})
    assert answered.status_code == 409 and answered.json()["code"] == "already_answered", answered.text
    assert await h.published("events.credit.requested") == []  # nothing is taken back twice


async def test_a_request_of_a_paid_event_removed_when_the_booking_ended_keeps_the_bookings_last_day(
        seeded: Harness) -> None:
    """The voucher still valid, the booking ended: the day kept is the booking's (the portal's answer names no cause
    it does not know)."""
    h = seeded
    paid = await _event(h, "2016-02-20", "2016-02-29")
    await _settle(h, "2016-02", [paid["id"]])
    asked = await _ask(h, "event", paid["id"])
    await h.feed("vouchers.booking.ended", {"booking_id": "b-housing", "voucher_id": "v-1", "provider_id": PROVIDER,
                                            "ended_on": "2016-02-15", "reason": "provider_changed"})
    [request] = (await h.client.get(f"/v1/tenants/{T}/corrections", headers=h.provider())).json()["items"]
    assert (request["id"], request["state"], request["valid_until"]) == (asked["id"], "removed", "2016-02-15")


async def test_a_request_of_a_paid_event_shortened_when_the_voucher_ended_asks_what_stays_paid(
        seeded: Harness) -> None:
    h = seeded
    paid = await _event(h, "2016-02-20", "2016-02-29")  # 10 x 140.00
    await _settle(h, "2016-02", [paid["id"]])
    asked = await _ask(h, "event", paid["id"])
    await _close(h, "2016-02-24")  # 5 days stay paid; settlement takes back the other 5
    [request] = await _requests(h, state="open")
    assert (request["id"], request["end"], request["amount"]) == (asked["id"], "2016-02-24", "700.00")
    credited = await h.client.post(f"/v1/tenants/{T}/corrections/{asked['id']}/answer", headers=h.officer(),
                                   json={"decision": "credit"})
    assert credited.status_code == 200 and credited.json()["state"] == "credited", credited.text
    [credit] = await h.published("events.credit.requested")
    assert credit["amount"] == "-700.00"


async def test_a_request_of_a_paid_interruption_removed_when_the_voucher_ended_answers_itself(
        seeded: Harness) -> None:
    h = seeded
    h.clock.set(h.clock.now().replace(month=4, day=5))
    away = await _away(h, "2016-03-05", "2016-03-10")
    await _settle(h, "2016-03", [], [away["id"]])
    asked = await _ask(h, "interruption", away["id"])
    await _close(h, "2016-02-29")
    assert await _interruption(h, away["id"]) is None
    assert [(r["id"], r["state"], r["valid_until"]) for r in await _requests(h)] == [
        (asked["id"], "removed", "2016-02-29")]


async def test_a_paid_interruption_credited_is_left_alone_when_the_voucher_ends_within_it(seeded: Harness) -> None:
    """Its credit takes back all it paid: cut as well, settlement would take its cut days back a second time."""
    h = seeded
    h.clock.set(h.clock.now().replace(month=4, day=5))
    away = await _away(h, "2016-02-20", "2016-03-10")  # 1680.00
    await _settle(h, "2016-03", [], [away["id"]])
    asked = await _ask(h, "interruption", away["id"])
    credited = await h.client.post(f"/v1/tenants/{T}/corrections/{asked['id']}/answer", headers=h.officer(),
                                   json={"decision": "credit"})
    assert credited.status_code == 200, credited.text
    before = len(await h.published())
    await _close(h, "2016-02-29")
    assert [e for e in (await h.published())[before:] if "interruption_id" in e] == []
    now = await _interruption(h, away["id"])
    assert now is not None and (now["end"], now["amount_tenant"]) == ("2016-03-10", "1680.00")
    assert [(r["state"], r["credit_id"]) for r in await _requests(h)] == [("credited", credited.json()["credit_id"])]


async def test_a_credit_answering_a_request_stands_when_the_voucher_ends_before_the_care(seeded: Harness) -> None:
    """The credit that answered a request is of paid care; the end of the voucher leaves paid and credited care
    alone (the credit takes back all of it) and the provider cannot delete it: the credit is never withdrawn, so
    the request never says "credited" with a credit that is gone."""
    h = seeded
    paid = await _event(h, "2016-02-20", "2016-02-29")
    await _settle(h, "2016-02", [paid["id"]])
    asked = await _ask(h, "event", paid["id"])
    credited = await h.client.post(f"/v1/tenants/{T}/corrections/{asked['id']}/answer", headers=h.officer(),
                                   json={"decision": "credit"})
    assert credited.status_code == 200, credited.text
    deleted = await h.client.delete(f"/v1/tenants/{T}/events/{paid['id']}", headers=h.provider())
    assert deleted.status_code == 409, deleted.text
    await _close(h, "2016-02-15")
    assert await h.published("events.credit.withdrawn") == []
    now = (await h.client.get(f"/v1/tenants/{T}/events/{paid['id']}", headers=h.officer())).json()
    assert (now["status"], now["end"], now["credited"]) == ("recorded", "2016-02-29", True)
    [request] = await _requests(h)
    assert (request["state"], request["credit_id"]) == ("credited", credited.json()["credit_id"])
    [credit] = (await h.client.get(f"/v1/tenants/{T}/credits", headers=h.officer())).json()["items"]
    assert (credit["id"], credit["amount"]) == (credited.json()["credit_id"], "-1400.00")


async def test_reading_a_request_of_an_interruption_removed_when_the_voucher_ended_is_logged(
        seeded: Harness) -> None:
    """The removed interruption's request still shows its client number, days, amount and the provider's reason
    (a hospital stay): the officer's and the company's reads of it go to the client's access log, as before the
    removal, though the interruption itself is gone."""
    h = seeded
    h.clock.set(h.clock.now().replace(month=4, day=5))
    away = await _away(h, "2016-03-05", "2016-03-10")
    await _settle(h, "2016-03", [], [away["id"]])
    await _ask(h, "interruption", away["id"])
    await _close(h, "2016-02-29")
    before = len(await h.published("events.client_data.read"))  # what the writes published so far
    for headers in (h.officer(), h.provider()):
        [shown] = (await h.client.get(f"/v1/tenants/{T}/corrections", headers=headers)).json()["items"]
        assert (shown["state"], shown["client_ref"], shown["reason"]) == ("removed", "A-17", "Asiakas oli sairaalassa")
    reads = (await h.published("events.client_data.read"))[before:]
    assert [(r["client_ids"], r["actor_role"], r["what"]) for r in reads] == [
        (["c-1"], "tenant_officer", "corrections.list"), (["c-1"], "provider_user", "corrections.list")]


async def test_a_credit_of_a_paid_interruption_keeps_its_client_when_the_voucher_ends_before_it(
        seeded: Harness) -> None:
    """A credit finds its client through the interruption it credits (credits keep no client of their own): the
    voucher ending before the credited interruption leaves it in place, so the credit shows the client's number as
    renumbered after it and reading the credits page goes to that client's access log."""
    h = seeded
    h.clock.set(h.clock.now().replace(month=4, day=5))
    away = await _away(h, "2016-03-05", "2016-03-10")
    await _settle(h, "2016-03", [], [away["id"]])
    asked = await _ask(h, "interruption", away["id"])
    credited = await h.client.post(f"/v1/tenants/{T}/corrections/{asked['id']}/answer", headers=h.officer(),
                                   json={"decision": "credit"})
    assert credited.status_code == 200, credited.text
    await _close(h, "2016-02-29")  # wholly before the interruption: an uncredited one would be removed
    assert await _interruption(h, away["id"]) is not None
    await changed(h, "K-9", ["A-17"], h.clock.now())
    before = len(await h.published("events.client_data.read"))
    for headers in (h.officer(), h.provider()):
        [credit] = (await h.client.get(f"/v1/tenants/{T}/credits", headers=headers)).json()["items"]
        assert (credit["id"], credit["client_ref"]) == (credited.json()["credit_id"], "K-9")
    reads = (await h.published("events.client_data.read"))[before:]
    assert [(r["client_ids"], r["actor_role"], r["what"]) for r in reads] == [
        (["c-1"], "tenant_officer", "credits.list"), (["c-1"], "provider_user", "credits.list")]
