"""A booking ended in advance may be ended on an earlier day (the client moves sooner): vouchers states the two
ends one after the other, and events may hear them in either order (the order sweep, test_order_sweep.py, found
this). The booking ends on the earlier day whatever the order: the provider cannot record (and the tenant pay)
care after the client moved away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

from .conftest import PROVIDER, Harness, T


def _ended(ended_on: str, at: datetime) -> Envelope:
    return Envelope(type="vouchers.booking.ended", tenant_id=T, occurred_at=at, payload={
        "booking_id": "b-housing", "voucher_id": "v-1", "provider_id": PROVIDER, "ended_on": ended_on,
        "reason": "provider_changed", "client_ref": "A-17"})


async def test_a_booking_ended_earlier_stays_ended_when_the_first_end_is_heard_after(seeded: Harness) -> None:
    # On 10 March the provider ended the booking at the month's end (the client moves); on the 12th the client
    # moved sooner and the booking was ended on the 11th. The 11th reached events first: the month's end heard
    # after it opened the booking again until the 31st, and the provider's care of the 12th-13th was accepted
    # (and paid by the tenant beside the next provider's).
    h = seeded
    stated = datetime(2016, 3, 12, 9, 0, tzinfo=UTC)
    for envelope in (_ended("2016-03-11", stated), _ended("2016-03-31", stated - timedelta(days=2))):
        await InMemoryTransport(h.broker).publish(envelope, {}, timeout=1)
        await h.broker.drain()
    after = await h.post_event({"booking_id": "b-housing", "start": "2016-03-12", "end": "2016-03-13"})
    assert after.status_code in (409, 422), after.text
    before = await h.post_event({"booking_id": "b-housing", "start": "2016-03-10", "end": "2016-03-11"})
    assert before.status_code == 201, before.text
