"""A provider's number for a client given or changed after care was recorded (vouchers.client_number.changed)
names the client on every line of the ledger, also on a line heard after the change with an older name: the
report shows one row per client, the run's lines the number; of two changes the one stated last wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from seteli_common.messaging.envelope import Envelope

from .conftest import P1, P2, T

REFERENCE = "1234561"  # the client's internal reference: how settlement knows a client booked without a number


def changed(client_ref: str, previous: list[str], at: datetime, provider_id: str = P1) -> Envelope:
    return Envelope(type="vouchers.client_number.changed", tenant_id=T, occurred_at=at, payload={
        "provider_id": provider_id, "client_id": "c-1", "client_ref": client_ref, "previous_refs": previous})


async def report(h: Any) -> list[tuple[str, str, str]]:
    response = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-03", "to": "2016-03"},
                                  headers=h.admin)
    assert response.status_code == 200, response.text
    return [(i["provider_id"], i["client_ref"], i["amount_unsettled"]) for i in response.json()["items"]]


async def test_two_changes_heard_in_the_other_order_leave_one_row_under_the_number_stated_last(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-03", client_ref=REFERENCE)
    await h.event("e-9", "2016-03-01", "2016-03-02", client_ref=REFERENCE, provider_id=P2)  # another provider's
    stated = datetime.now(UTC)
    await h.deliver(changed("K-2", [REFERENCE, "K-1"], stated))
    await h.deliver(changed("K-1", [REFERENCE], stated - timedelta(seconds=30)))  # the first change, heard last
    await h.event("e-2", "2016-03-04", "2016-03-05", client_ref="K-1")  # recorded between the changes
    assert sorted(await report(h)) == sorted([(P1, "K-2", "450.00"), (P2, REFERENCE, "180.00")])
    run = await h.run("2016-03")
    lines = {p["provider_id"]: {line["client_ref"] for line in p["lines"]} for p in run["payments"]}
    assert lines == {P1: {"K-2"}, P2: {REFERENCE}}
