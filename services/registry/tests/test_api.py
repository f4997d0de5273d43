"""Registry API on PostgreSQL: tenants, provider registration, login and lock-out, tenant isolation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.testing import bearer, running_app
from seteli_registry.bootstrap import build_app, build_runtime
from seteli_registry.config import RegistrySettings

ADMIN = {"email": "admin@seteli.fi", "password": "Admin-pass-123"}
TENANT = {"id": "kouvola", "name_fi": "Kouvolan kaupunki", "name_sv": "Kouvola stad", "business_id": "0116297-6",
          "languages": ["fi"], "payer_iban": "FI2112345600000785", "payer_bic": "NDEAFIHH"}
PROVIDER = {
    "business_id": "7019376-8", "name": "Hoivakoti Päivänsäde Oy", "language": "fi", "email": "info@paivansade.fi",
    "billing": {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": "1234561"},
    "main_user": {"email": "paakayttaja@paivansade.fi", "name": "Maija Meikäläinen", "password": "Hyva-salasana-1"},
}


@pytest.fixture
async def client(pg_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = RegistrySettings(database_url=pg_url, data_dir=tmp_path, signing_key_path=tmp_path / "key.json",
                                bootstrap_admin_email=ADMIN["email"], bootstrap_admin_password=ADMIN["password"],
                                log_json=False)
    broker = InMemoryBroker()
    app = build_app(build_runtime(settings, broker=broker))
    async with running_app(app) as c:
        c.broker = broker  # type: ignore[attr-defined]
        c.runtime = app.state.runtime  # type: ignore[attr-defined]
        yield c


async def login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await client.post("/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


async def test_platform_admin_creates_tenant_and_event_is_published(client: httpx.AsyncClient) -> None:
    admin = await login(client, **ADMIN)
    response = await client.post("/v1/tenants", json=TENANT, headers=admin)
    assert response.status_code == 201
    await client.runtime.relay.run_once()  # type: ignore[attr-defined]
    assert any(b'"registry.tenant.created"' in body for body in client.broker.unrouted)  # type: ignore[attr-defined]


async def test_invalid_business_id_and_iban_are_named_and_change_nothing(client: httpx.AsyncClient) -> None:
    admin = await login(client, **ADMIN)
    bad = {**TENANT, "business_id": "2077474-1", "payer_iban": "FI2112345600000786"}
    response = await client.post("/v1/tenants", json=bad, headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"business_id", "payer_iban"}
    officer_view = await client.get("/v1/tenants/kouvola", headers=admin)
    assert officer_view.status_code == 404


async def test_provider_registers_once_with_a_site_and_main_user_can_log_in(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/providers", json=PROVIDER)
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["sites"]) == 1 and body["sites"][0]["name"] == PROVIDER["name"]
    again = await client.post("/v1/providers", json=PROVIDER)
    assert again.status_code == 409
    headers = await login(client, PROVIDER["main_user"]["email"], PROVIDER["main_user"]["password"])
    mine = await client.get(f"/v1/providers/{body['id']}", headers=headers)
    assert mine.status_code == 200


async def test_five_wrong_passwords_lock_the_account(client: httpx.AsyncClient) -> None:
    await client.post("/v1/providers", json=PROVIDER)
    email = PROVIDER["main_user"]["email"]
    for _ in range(5):
        wrong = await client.post("/v1/auth/token", json={"email": email, "password": "wrong-password"})
        assert wrong.status_code == 401
    right = await client.post("/v1/auth/token", json={"email": email, "password": PROVIDER["main_user"]["password"]})
    assert right.status_code == 401
    assert "locked" in right.json()["detail"]


async def test_tenant_admin_cannot_read_another_tenant(client: httpx.AsyncClient) -> None:
    admin = await login(client, **ADMIN)
    await client.post("/v1/tenants", json=TENANT, headers=admin)
    other = {**TENANT, "id": "lahti", "business_id": "2077474-0"}
    await client.post("/v1/tenants", json=other, headers=admin)
    # a platform admin may create users of any tenant; a tenant admin only of their own
    create = await client.post("/v1/tenants/kouvola/users", headers=admin, json={
        "email": "admin@kouvola.fi", "name": "Kouvolan pääkäyttäjä", "password": "Kouvola-pass-1",
        "role": "tenant_admin"})
    assert create.status_code == 201, create.text
    kouvola_admin = await login(client, "admin@kouvola.fi", "Kouvola-pass-1")
    assert (await client.get("/v1/tenants/kouvola", headers=kouvola_admin)).status_code == 200
    assert (await client.get("/v1/tenants/lahti", headers=kouvola_admin)).status_code == 404
    sneaky = await client.post("/v1/tenants/lahti/users", headers=kouvola_admin, json={
        "email": "x@lahti.fi", "name": "X", "password": "Lahti-pass-11", "role": "tenant_admin"})
    assert sneaky.status_code == 404
