"""A provider's number for a client given or changed after the booking (vouchers.client_number.changed): the
client's bookings and events carry it, and what is published of them after it names the client by it; of two
changes the one stated last wins, and a booking heard again after the number keeps the number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

from .conftest import PROVIDER, T


async def changed(h: Any, client_ref: str, previous: list[str], at: datetime) -> None:
    envelope = Envelope(type="vouchers.client_number.changed", tenant_id=T, occurred_at=at, payload={
        "provider_id": PROVIDER, "client_id": "c-1", "client_ref": client_ref, "previous_refs": previous})
    await InMemoryTransport(h.broker).publish(envelope, {}, timeout=1)
    await h.broker.drain()


async def test_a_number_stated_last_names_the_client_on_its_events_whatever_the_order(seeded: Any) -> None:
    h = seeded
    first = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-03"})
    assert first.status_code == 201 and first.json()["client_ref"] == "A-17"
    stated = datetime.now(UTC)
    await changed(h, "K-9", ["1234561", "A-17", "K-8"], stated)
    await changed(h, "K-8", ["1234561", "A-17"], stated - timedelta(seconds=30))  # the first change, heard last
    await h.feed("vouchers.booking.made", {  # the booking's own message again, naming the old number
        "booking_id": "b-housing", "voucher_id": "v-1", "voucher_content_id": "vc-housing",
        "service_id": "tehostettu", "content_id": "housing", "provider_id": PROVIDER, "producer_part": None,
        "client_id": "c-1", "client_ref": "A-17", "kind": "voucher"})
    shown = await h.client.get(f"/v1/tenants/{T}/events/{first.json()['id']}", headers=h.provider())
    assert shown.status_code == 200 and shown.json()["client_ref"] == "K-9"
    second = await h.post_event({"booking_id": "b-housing", "start": "2016-03-04", "end": "2016-03-05"})
    assert second.status_code == 201 and second.json()["client_ref"] == "K-9"
    recorded = await h.published("events.event.recorded")
    assert [(p["event_id"], p["client_ref"]) for p in recorded][-1] == (second.json()["id"], "K-9")
    other = await h.client.get(f"/v1/tenants/{T}/events", params={"client_ref": "K-5"}, headers=h.provider())
    assert other.status_code == 200 and {e["client_ref"] for e in other.json()["items"]} <= {"K-5"}
