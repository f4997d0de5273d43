"""What the events service states about one charge reaches vouchers in any order (the order sweep,
test_order_sweep.py, found these): the voucher counts the charge as the events service stated it last."""

from __future__ import annotations

import uuid
from typing import Any

from .conftest import P1, Harness, hetu, new_client, new_voucher
from .test_lifecycle import state_of


def _charge(voucher: dict[str, Any], event_id: str, units: int, *, revision: int = 1,
            status: str = "recorded") -> dict[str, Any]:
    """Cleaning at 25.00 an hour."""
    return {"event_id": event_id, "revision": revision, "service_id": voucher["service_id"], "provider_id": P1,
            "producer_part": None, "booking_id": None, "voucher_id": voucher["id"], "client_ref": "A1",
            "content_id": "siivous", "unit": "hour", "start": "2016-03-10", "end": "2016-03-10",
            "units": str(units), "status": status, "segments": [], "amount_tenant": f"{units * 25}.00",
            "amount_co_payment": "0.00"}


async def _balance_of_500(h: Harness, n: int) -> dict[str, Any]:
    """A new client's voucher of one content: cleaning, a balance of 500.00 at 25.00 an hour."""
    client = await new_client(h, identity_code=hetu("020280", "-", f"{900 + n:03d}"))
    return await new_voucher(h, client["id"], contents=[
        {"content_id": "siivous", "granted_amount": "500.00", "period": "balance", "voucher_value": "25.00"}])


async def _seen(h: Harness, voucher: dict[str, Any]) -> tuple[str, str | None, str]:
    view = await state_of(h, voucher["id"])
    return view["state"], view["closed_reason"], view["contents"][0]["amount_left"]


async def test_an_approval_of_a_correction_heard_before_the_correction_counts_it(h: Harness) -> None:
    # The officer approved the provider's over-limit correction (revision 2) of a charge; the approval reached
    # vouchers before the correction, while the first revision (within the balance, or not here at all) was: the
    # correction then waited for an approval forever, the client read 500.00 left and the voucher stayed open.
    for n, first in enumerate(("recorded", "awaiting_approval", None)):
        voucher = await _balance_of_500(h, n)
        event = str(uuid.uuid4())
        if first == "recorded":
            await h.publish("events.event.recorded", _charge(voucher, event, 6))
        await h.publish("events.event.approved", {"event_id": event, "revision": 2})
        if first == "awaiting_approval" or first is None:
            await h.publish("events.event.recorded", _charge(voucher, event, 24, status="awaiting_approval"))
        await h.publish("events.event.corrected", _charge(voucher, event, 22, revision=2, status="awaiting_approval"))
        assert await _seen(h, voucher) == ("closed", "used_up", "0.00"), first


async def test_a_deleted_charge_stays_deleted_when_its_correction_arrives_after_the_deletion(h: Harness) -> None:
    # The provider recorded a charge, corrected it and deleted it; the deletion reached vouchers first, then the
    # recording and the correction: the correction brought the deleted charge back, the client read 50.00 left of
    # 500.00 for care never charged. Deletion is final in the events service (a deleted event is never edited).
    voucher = await _balance_of_500(h, 10)
    event = str(uuid.uuid4())
    await h.publish("events.event.deleted", {"event_id": event, "revision": 3})
    await h.publish("events.event.recorded", _charge(voucher, event, 10))
    await h.publish("events.event.corrected", _charge(voucher, event, 18, revision=2))
    assert (await _seen(h, voucher))[1:] == (None, "500.00")


async def test_a_credit_withdrawn_before_its_request_arrived_leaves_the_charge_counted(h: Harness) -> None:
    # The officer credited a charge and then withdrew the credit (its event was edited); the withdrawal reached
    # vouchers first: the request then credited the charge for good, the client read 250.00 more left than was
    # true and the voucher could be charged past its balance. Heard before the charge's recording too.
    for n, charge_first in enumerate((True, False)):
        voucher = await _balance_of_500(h, 20 + n)
        event, credit = str(uuid.uuid4()), str(uuid.uuid4())
        if charge_first:
            await h.publish("events.event.recorded", _charge(voucher, event, 10))
        await h.publish("events.credit.withdrawn", {"credit_id": credit, "event_id": event, "reason": "removed"})
        await h.publish("events.credit.requested", {
            "credit_id": credit, "event_id": event, "provider_id": P1, "producer_part": None, "client_ref": "A1",
            "content_id": "siivous", "service_id": voucher["service_id"], "amount": "-250.00",
            "reason": "wrong client", "month": "2016-04"})
        if not charge_first:
            await h.publish("events.event.recorded", _charge(voucher, event, 10))
        assert (await _seen(h, voucher))[1:] == (None, "250.00"), charge_first


async def test_an_approval_heard_early_waits_past_a_revision_within_the_balance_for_its_own(h: Harness) -> None:
    # Over the balance (rejected), corrected within it (revision 2), over it again and approved (revision 3): the
    # approval reached vouchers before revisions 2 and 3; revision 2, needing no decision, dropped it, and revision
    # 3 then waited for an approval forever (the client read the whole 500.00 left and the voucher stayed open).
    voucher = await _balance_of_500(h, 30)
    event = str(uuid.uuid4())
    await h.publish("events.event.recorded", _charge(voucher, event, 24, status="awaiting_approval"))
    await h.publish("events.event.approved", {"event_id": event, "revision": 3})
    await h.publish("events.event.corrected", _charge(voucher, event, 6, revision=2))
    await h.publish("events.event.corrected", _charge(voucher, event, 22, revision=3, status="awaiting_approval"))
    assert await _seen(h, voucher) == ("closed", "used_up", "0.00")
