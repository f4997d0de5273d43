"""A request closed as 'removed' (its interruption's row gone) keeps its client (fdbd6e7), and the client's
number changes afterwards: the provider's credits list names the client by the old number."""

from __future__ import annotations

from datetime import UTC, datetime

from .conftest import Harness, T
from .test_client_number import changed
from .test_corrections_removed_cause import paid_interruption_asked
from .test_money_one_step_more import _close


async def test_a_removed_request_is_renamed_with_its_client(seeded: Harness) -> None:
    h = seeded
    asked = await paid_interruption_asked(h)
    await _close(h, "2016-02-29")  # the interruption is removed: its request says 'removed'
    await changed(h, "K-9", ["A-17"], datetime.now(UTC))
    [request] = (await h.client.get(f"/v1/tenants/{T}/corrections", headers=h.provider())).json()["items"]
    assert (request["id"], request["state"], request["client_ref"]) == (asked["id"], "removed", "K-9")
    # the officer's list names it so too
    officer = (await h.client.get(f"/v1/tenants/{T}/corrections", headers=h.officer())).json()["items"]
    assert [(r["id"], r["client_ref"]) for r in officer] == [(asked["id"], "K-9")]
