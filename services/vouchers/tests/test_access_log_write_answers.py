"""A write whose answer shows a client's data shows it as much as a read does: closing a voucher answers the
voucher (its number, verification code, what is left), ending a booking answers the booking (the client's
number, the notes on the client): each goes to the client's access log as the read of the same thing does."""

from __future__ import annotations

from typing import Any

from seteli_common.auth import Role

from .conftest import P1, Harness, new_client, new_voucher
from .test_privacy import _book


async def _log(h: Harness, client_id: str) -> list[tuple[Any, ...]]:
    own = h.token_for(Role.CLIENT, subject="citizen", client_id=client_id, tenant_id="kouvola")
    log = await h.http.get(f"/v1/tenants/kouvola/clients/{client_id}/access-log?limit=100", headers=own)
    return [(r["actor"], r["actor_org"], r["what"], r["why"]) for r in log.json()["items"]]


async def test_the_officer_closing_a_voucher_is_in_the_clients_access_log(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    before = len(await _log(h, client["id"]))
    closed = await h.http.post(f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close",
                               headers={**h.officer(), "x-purpose": "muutto"}, json={"reason": "Muutti pois"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["client_id"] == client["id"] and closed.json()["verification_code"]
    rows = await _log(h, client["id"])
    assert rows[: len(rows) - before] == [("officer-1", "kouvola", "voucher.details", "muutto")]
    refused = await h.http.post(f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close", headers=h.officer(),
                                json={"reason": ""})
    assert refused.status_code == 422
    assert len(await _log(h, client["id"])) == len(rows)  # nothing shown, nothing logged


async def test_ending_a_booking_is_in_the_clients_access_log(h: Harness) -> None:
    client = await new_client(h)
    booked = await _book(h, await new_voucher(h, client["id"]))
    before = len(await _log(h, client["id"]))
    ended = await h.http.post(f"/v1/tenants/kouvola/bookings/{booked['id']}/end", headers=h.provider(),
                              json={"ended_on": "2016-03-31", "reason": "client_changed_provider"})
    assert ended.status_code == 200, ended.text
    assert ended.json()["client_ref"]
    by_officer = await h.http.post(f"/v1/tenants/kouvola/bookings/{booked['id']}/end",
                                   headers={**h.officer(), "x-purpose": "asiakkaan pyynto"},
                                   json={"ended_on": "2016-03-20", "reason": "client_request"})
    assert by_officer.status_code == 200, by_officer.text
    rows = await _log(h, client["id"])
    assert rows[: len(rows) - before] == [  # newest first
        ("officer-1", "kouvola", "booking.details", "asiakkaan pyynto"),
        (f"user-{P1}", P1, "booking.details", "booking"),
    ]
