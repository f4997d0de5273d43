"""Registry API on PostgreSQL: tenants, provider registration, login and lock-out, tenant isolation."""

from __future__ import annotations

from .conftest import ADMIN, PROVIDER, TENANT, Registry


async def test_platform_admin_creates_tenant_and_event_is_published(registry: Registry) -> None:
    admin = await registry.admin()
    response = await registry.client.post("/v1/tenants", json=TENANT, headers=admin)
    assert response.status_code == 201
    await registry.runtime.relay.run_once()
    assert any(b'"registry.tenant.created"' in body for body in registry.broker.unrouted)


async def test_invalid_business_id_and_iban_are_named_and_change_nothing(registry: Registry) -> None:
    admin = await registry.admin()
    bad = {**TENANT, "business_id": "2077474-1", "payer_iban": "FI2112345600000786"}
    response = await registry.client.post("/v1/tenants", json=bad, headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"business_id", "payer_iban"}
    officer_view = await registry.client.get("/v1/tenants/kouvola", headers=admin)
    assert officer_view.status_code == 404


async def test_provider_registers_once_with_a_site_and_main_user_can_log_in(registry: Registry) -> None:
    provider_id, headers = await registry.registered_provider()
    again = await registry.client.post("/v1/providers", json=PROVIDER)
    assert again.status_code == 409
    mine = await registry.client.get(f"/v1/providers/{provider_id}", headers=headers)
    assert mine.status_code == 200
    body = mine.json()
    assert len(body["sites"]) == 1 and body["sites"][0]["name"] == PROVIDER["name"]
    assert body["billing"]["pdf_by_email"] is True  # on by default
    registered = await registry.events("registry.provider.registered")
    assert [e["provider_id"] for e in registered] == [provider_id]


async def test_five_wrong_passwords_lock_the_account(registry: Registry) -> None:
    await registry.registered_provider()
    email = PROVIDER["main_user"]["email"]
    for _ in range(5):
        wrong = await registry.client.post("/v1/auth/token", json={"email": email, "password": "wrong-password"})
        assert wrong.status_code == 401
    right = await registry.client.post("/v1/auth/token",
                                       json={"email": email, "password": PROVIDER["main_user"]["password"]})
    assert right.status_code == 401
    assert "locked" in right.json()["detail"]


async def test_tenant_admin_cannot_read_another_tenant(registry: Registry) -> None:
    client = registry.client
    admin = await registry.login(**ADMIN)
    await client.post("/v1/tenants", json=TENANT, headers=admin)
    other = {**TENANT, "id": "lahti", "business_id": "2077474-0"}
    await client.post("/v1/tenants", json=other, headers=admin)
    # a platform admin may create users of any tenant; a tenant admin only of their own
    create = await client.post("/v1/tenants/kouvola/users", headers=admin, json={
        "email": "admin@kouvola.fi", "name": "Kouvolan pääkäyttäjä", "password": "Kouvola-pass-1",
        "role": "tenant_admin"})
    assert create.status_code == 201, create.text
    kouvola_admin = await registry.login("admin@kouvola.fi", "Kouvola-pass-1")
    assert (await client.get("/v1/tenants/kouvola", headers=kouvola_admin)).status_code == 200
    assert (await client.get("/v1/tenants/lahti", headers=kouvola_admin)).status_code == 404
    assert (await client.get("/v1/tenants/lahti/users", headers=kouvola_admin)).status_code == 404
    sneaky = await client.post("/v1/tenants/lahti/users", headers=kouvola_admin, json={
        "email": "x@lahti.fi", "name": "X", "password": "Lahti-pass-11", "role": "tenant_admin"})
    assert sneaky.status_code == 404
