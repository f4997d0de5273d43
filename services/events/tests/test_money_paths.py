"""Issue 16, money on every path: nothing after validity is paid, a credit frees its days, an
interruption is corrected until settled (credited after), and no care is recorded before it is
given. The clock is 2016-03-15 (Helsinki) unless a test moves it; prices 2016: 155.00 €/day,
voucher value 140.00 €/day (the tenant pays 140.00 € a day)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .conftest import Harness, T


async def _record(h: Harness, start: str, end: str, status: str = "recorded", booking: str = "b-housing") -> dict:
    response = await h.post_event({"booking_id": booking, "start": start, "end": end, "status": status})
    assert response.status_code == 201, response.text
    return response.json()


async def _settle(h: Harness, month: str, event_ids: list[str], interruption_ids: list[str] | None = None) -> None:
    payload: dict[str, Any] = {"run_id": f"run-{month}", "month": month, "event_ids": event_ids}
    if interruption_ids is not None:
        payload["interruption_ids"] = interruption_ids
    await h.feed("settlement.events.settled", payload)


async def _credit(h: Harness, event_id: str, reason: str = "Väärät päivät") -> dict:
    response = await h.client.post(
        f"/v1/tenants/{T}/credits", headers=h.officer(), json={"event_id": event_id, "reason": reason}
    )
    assert response.status_code == 201, response.text
    return response.json()


# ---- 4: a credited event frees its days ---------------------------------------------------------------


async def test_a_credited_event_frees_its_days_for_the_corrected_event(seeded: Harness) -> None:
    h = seeded
    wrong = await _record(h, "2016-02-01", "2016-02-10")  # 10 days × 140.00
    assert wrong["amount_tenant"] == "1400.00"
    await _settle(h, "2016-02", [wrong["id"]])
    credit = await _credit(h, wrong["id"])
    assert credit["amount"] == "-1400.00" and credit["month"] == "2016-03"
    # The client really was there from 3 February: the right days are accepted again.
    right = await h.post_event({"booking_id": "b-housing", "start": "2016-02-03", "end": "2016-02-10"})
    assert right.status_code == 201, right.text
    assert right.json()["amount_tenant"] == "1120.00" and right.json()["approval"] == "payable"
    published = {p["event_id"]: p for p in await h.published("events.event.recorded")}
    [credited] = await h.published("events.credit.requested")
    # The next run pays the right event and deducts the credit: 1120.00 - 1400.00, to the cent.
    net = Decimal(published[right.json()["id"]]["amount_tenant"]) + Decimal(credited["amount"])
    assert net == Decimal("-280.00")
    # The credited event's days are free, but a live event's days still are not.
    again = await h.post_event({"booking_id": "b-housing", "start": "2016-02-05", "end": "2016-02-06"})
    assert again.status_code == 409 and again.json()["overlapping_days"] == ["2016-02-05", "2016-02-06"]
