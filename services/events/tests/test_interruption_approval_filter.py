"""The provider's own interruptions by the municipality's approval (issue 20): ``GET /interruptions?approval=``
answers those waiting, approved or rejected, so the portal's home page counts what waits and what needs
correcting."""

from __future__ import annotations

from typing import Any

from .conftest import Harness, T
from .test_interruption_approval import _decide, _interruption, _setting


async def _listed(h: Harness, **params: str) -> tuple[list[str], int]:
    response = await h.client.get(f"/v1/tenants/{T}/interruptions", params=params, headers=h.provider())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return [i["id"] for i in body["items"]], body["total"]


async def test_the_provider_lists_interruptions_by_approval(seeded: Harness) -> None:
    h = seeded
    before = await _interruption(h, {"booking_id": "b-housing", "start": "2015-10-02", "end": "2015-10-05",
                                     "reason": "holiday"})  # the tenant approved no interruptions then
    await _setting(h, True)
    waiting = await _interruption(h)
    rejected = await _interruption(h, {"booking_id": "b-housing", "start": "2015-09-02", "end": "2015-09-05",
                                       "reason": "holiday"})
    assert (await _decide(h, rejected["id"], "reject", "Ei lomaa")).status_code == 200
    approved = await _interruption(h, {"booking_id": "b-housing", "start": "2015-08-02", "end": "2015-08-05",
                                       "reason": "holiday"})
    assert (await _decide(h, approved["id"], "approve")).status_code == 200

    assert await _listed(h, approval="pending") == ([waiting["id"]], 1)
    assert await _listed(h, approval="rejected") == ([rejected["id"]], 1)
    assert await _listed(h, approval="approved") == ([approved["id"]], 1)
    everything, total = await _listed(h)
    assert set(everything) == {before["id"], waiting["id"], rejected["id"], approved["id"]} and total == 4
    unknown = await h.client.get(f"/v1/tenants/{T}/interruptions", params={"approval": "maybe"},
                                 headers=h.provider())
    assert unknown.status_code == 422

    # corrected, the rejected one waits again
    corrected = await h.client.patch(f"/v1/tenants/{T}/interruptions/{rejected['id']}", json={"end": "2015-09-04"},
                                     headers=h.provider())
    assert corrected.status_code == 200, corrected.text
    assert await _listed(h, approval="rejected") == ([], 0)
    assert await _listed(h, approval="pending") == ([waiting["id"], rejected["id"]], 2)  # by departure day
