"""The officer's queue of interruptions waiting for approval names each client (by the provider's number) and why
they were away: reading it is a read of those clients, written to their access log."""

from __future__ import annotations

from .conftest import Harness, T
from .test_interruption_approval import _interruption, _setting

QUEUE = f"/v1/tenants/{T}/approvals/interruptions"


async def test_the_interruption_approval_queue_goes_to_the_access_log_of_every_client_shown(seeded: Harness) -> None:
    h = seeded
    await _setting(h, True)
    await h.published()
    assert (await h.client.get(QUEUE, headers=h.officer())).json()["total"] == 0
    assert await h.published("events.client_data.read") == []  # an empty queue shows no one
    await _interruption(h)
    await h.published()
    h.broker.unrouted.clear()
    listed = await h.client.get(QUEUE, headers={**h.officer(), "x-purpose": "poissaolon tarkistus"})
    assert listed.json()["total"] == 1
    counted = await h.client.get(QUEUE, params={"limit": 0}, headers=h.officer())
    assert counted.json() == {"items": [], "total": 1}  # the number alone names no one
    reads = await h.published("events.client_data.read")
    assert [(r["client_ids"], r["actor_role"], r["actor_org"], r["what"], r["why"]) for r in reads] == [
        (["c-1"], "tenant_officer", T, "interruptions.approval_queue", "poissaolon tarkistus")]
    # another tenant's officer reads nothing of it
    assert (await h.client.get(QUEUE, headers=h.officer("eksote"))).status_code == 404
