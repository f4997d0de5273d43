"""A resident's token names one tenant: on another tenant's paths it reaches nothing, the same 404 as tenant
staff of another tenant get, whether or not a client of that tenant has the same client id (ids are not
trusted to be unique across tenants)."""

from __future__ import annotations

import httpx

from .conftest import HOME_CARE, Harness, T

CO_PAYMENTS = f"/v1/tenants/{T}/co-payments?service_id={HOME_CARE}&from=2016-03-01&to=2016-03-31"
READS = (f"/v1/tenants/{T}/events", f"/v1/tenants/{T}/interruptions", f"/v1/tenants/{T}/feedback", CO_PAYMENTS)


async def _feedback(h: Harness, headers: dict[str, str]) -> httpx.Response:
    return await h.client.post(f"/v1/tenants/{T}/feedback", headers=headers,
                               json={"provider_id": "p-paivansade", "kind": "thanks", "text": "Kiitos"})


async def test_a_client_of_another_tenant_reaches_nothing_of_this_tenant(seeded: Harness) -> None:
    h = seeded
    await h.post_event({"booking_id": "b-care", "start": "2016-03-08", "units": "1"})
    own = h.client_token("c-2")
    for url in READS:  # control: the tenant's own client c-2 reads their events, absences, feedback, co-payments
        assert (await h.client.get(url, headers=own)).status_code == 200, url
    assert (await h.client.get(f"/v1/tenants/{T}/events", headers=own)).json()["total"] == 1
    unknown_tenant = (await h.client.get("/v1/tenants/no-such-tenant/events", headers=h.officer())).json()
    # c-2 of Lahti, and a token that names no tenant at all: the answer of a tenant that does not exist
    for stranger in (h.client_token("c-2", tenant_id="lahti"), h.client_token("c-2", tenant_id=None)):
        for url in READS:
            answer = await h.client.get(url, headers=stranger)
            assert answer.status_code == 404, (url, answer.text)
            assert answer.json()["title"] == unknown_tenant["title"]
        refused = await _feedback(h, stranger)
        assert refused.status_code == 404, refused.text
    assert await h.published("events.feedback.given") == []  # the refused feedback was not stored
    assert (await _feedback(h, own)).status_code == 201  # the tenant's own client gives it
    staff_elsewhere = await h.client.get(f"/v1/tenants/{T}/events", headers=h.officer("lahti"))
    assert staff_elsewhere.status_code == 404  # as tenant staff of another tenant always were
