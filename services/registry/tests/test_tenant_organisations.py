"""The tenant admin's list of the companies and associations working with the municipality: those waiting for
its approval first, each with its kind and state; another municipality's never shown."""

from __future__ import annotations

from .conftest import OTHER_TENANT, Registry, token_of
from .test_provider_visibility import _publish


async def _listed(registry: Registry, headers: dict[str, str], tenant: str = "kouvola", **params: str
                  ) -> list[tuple[str, str, str]]:
    response = await registry.client.get(f"/v1/tenants/{tenant}/organisations", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [(o["kind"], o["name"] or o["email"], o["status"]) for o in response.json()["items"]]


async def test_the_waiting_come_first_and_each_municipality_sees_its_own(registry: Registry) -> None:
    kouvola = await registry.tenant_with_admin()
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    invited = await registry.client.post("/v1/tenants/kouvola/association-invitations", headers=kouvola,
                                         json={"email": "pj@omaishoitajat.fi", "language": "fi"})
    assert invited.status_code == 201
    provider_id, _ = await registry.registered_provider()
    await _publish(registry, "applications.application.submitted", {
        "application_id": "app-1", "service_id": "kotihoito", "provider_id": provider_id}, tenant_id="kouvola")
    assert await _listed(registry, kouvola) == [
        ("company", "Hoivakoti Päivänsäde Oy", "registered"),  # waits for Kouvola's approval: first
        ("association", "pj@omaishoitajat.fi", "invited"),  # no name until it fills in its form
    ]
    assert await _listed(registry, lahti, tenant="lahti") == []
    assert (await registry.client.get("/v1/tenants/kouvola/organisations", headers=lahti)).status_code == 404

    [event] = await registry.events("registry.association.invited")
    filled = await registry.client.put("/v1/associations/by-link", json={
        "token": token_of(event["link"]), "name": "Kouvolan Omaishoitajat ry"})
    assert filled.status_code == 200
    assert (await registry.client.post(f"/v1/providers/{provider_id}/approve", headers=kouvola)).status_code == 200
    assert await _listed(registry, kouvola) == [
        ("association", "Kouvolan Omaishoitajat ry", "registered"),
        ("company", "Hoivakoti Päivänsäde Oy", "approved"),
    ]
    assert await _listed(registry, kouvola, kind="association", status="registered") == [
        ("association", "Kouvolan Omaishoitajat ry", "registered")]
