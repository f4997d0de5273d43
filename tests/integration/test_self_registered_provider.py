"""Issue 16, finding 7, across the services' HTTP APIs (embedded mode: all six services in one process):
a company that registered itself, confirmed the emailed link, applied to a tenant's service and signed
is found in the public catalog, on its card and in the price comparison once the tenant approves its
application; no one has to call an approval endpoint that no page offers. A second tenant that never
approved it lists it for none of its services."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
from seteli_common.clock import SystemClock, today_in_helsinki
from seteli_common.consistency_client import FollowWrites

from seteli import demo
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite
from seteli.services import SERVICES

COMPANY = {"business_id": "7019376-8", "name": "Hoivakoti Päivänsäde Oy", "language": "fi",
           "email": "info@paivansade.fi",
           "main_user": {"email": "paakayttaja@paivansade.fi", "name": "Maija Meikäläinen",
                         "password": "Hyva-salasana-1"}}
SERVICE = {"name_fi": "Kotihoito", "name_sv": "Hemvård", "kind": "voucher", "auto_recording": False,
           "contents": [{"name_fi": "Kotihoitokäynti", "name_sv": "Hembesök", "unit": "hour", "client_pays": False}]}


def _confirmation_tokens(mail: Path) -> list[str]:
    texts = [message_from_bytes(eml.read_bytes(), policy=default).get_body(("plain",)).get_content()  # type: ignore[union-attr]
             for eml in mail.rglob("*.eml")]
    return [m for text in texts for m in re.findall(r"confirm-registration\?token=([\w-]+)", text)]


async def _confirmation_token(mail: Path) -> str:
    for _ in range(200):  # the email leaves through the outbox and the in-process bus
        found = _confirmation_tokens(mail)
        if found:
            return found[0]
        await asyncio.sleep(0.1)
    raise AssertionError("no confirmation email")


async def _tenant(client: httpx.AsyncClient, base: dict[str, str], admin: dict[str, str], tenant_id: str,
                  business_id: str) -> tuple[dict[str, str], dict[str, Any]]:
    created = await client.post(f"{base['registry']}/v1/tenants", headers=admin, json={
        "id": tenant_id, "name_fi": tenant_id.title(), "name_sv": tenant_id.title(), "business_id": business_id,
        "languages": ["fi"], "payer_iban": "FI2112345600000785", "payer_bic": "NDEAFIHH"})
    assert created.status_code == 201, created.text
    email = f"paakayttaja@{tenant_id}.fi"
    user = await client.post(f"{base['registry']}/v1/tenants/{tenant_id}/users", headers=admin, json={
        "email": email, "name": "Pääkäyttäjä", "password": "Kunta-salasana-1", "role": "tenant_admin"})
    assert user.status_code == 201, user.text
    officer = await demo._login(client, base, email, "Kunta-salasana-1")
    service = await client.post(f"{base['applications']}/v1/tenants/{tenant_id}/services", headers=officer,
                                json=SERVICE)
    assert service.status_code == 201, service.text
    return officer, service.json()


async def _found(client: httpx.AsyncClient, base: dict[str, str], provider_id: str, **params: str) -> bool:
    response = await client.get(f"{base['registry']}/v1/catalog/providers", params=params)
    assert response.status_code == 200, response.text
    return provider_id in [p["id"] for p in response.json()["items"]]


async def _compared(client: httpx.AsyncClient, base: dict[str, str], tenant_id: str, service_id: str
                    ) -> list[dict[str, Any]]:
    response = await client.get(f"{base['registry']}/v1/catalog/tenants/{tenant_id}/services/{service_id}/comparison")
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def test_a_self_registered_company_is_found_once_the_tenant_approves_its_application(tmp_path: Path) -> None:
    clock = SystemClock()
    suite = build_suite(tmp_path, clock=clock, with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        transport = FollowWrites(httpx.ASGITransport(app=suite.app))  # follows its writes (Seteli-After)
        async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=30) as client:
            base = {name: f"http://suite/{name}" for name in SERVICES}
            try:
                await _journey(client, base, tmp_path, today_in_helsinki(clock))
            finally:
                demo._stop_refreshing()


async def _journey(client: httpx.AsyncClient, base: dict[str, str], tmp_path: Path, today: date) -> None:
    admin = await demo._login(client, base, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    kouvola, kotihoito = await _tenant(client, base, admin, "kouvola", "0116297-6")
    lahti, lahden_kotihoito = await _tenant(client, base, admin, "lahti", "2077474-0")

    # the company registers itself and confirms the emailed link
    registered = await client.post(f"{base['registry']}/v1/providers", json=COMPANY)
    assert registered.status_code == 201, registered.text
    provider_id = registered.json()["id"]
    confirmed = await client.post(f"{base['registry']}/v1/auth/confirm-registration",
                                  json={"token": await _confirmation_token(tmp_path / "mail")})
    assert confirmed.status_code == 200, confirmed.text
    main = await demo._login(client, base, COMPANY["main_user"]["email"], COMPANY["main_user"]["password"])

    # it applies to Kouvola's home care with a price list, signs and submits; Kouvola approves
    application = demo._ok(await client.post(f"{base['applications']}/v1/tenants/kouvola/applications", headers=main,
                                             json={"service_id": kotihoito["id"]}), "create application", 201)
    app_url = f"{base['applications']}/v1/tenants/kouvola/applications/{application['id']}"
    price_list = await client.post(f"{app_url}/price-lists", headers=main, json={
        "name": "Hinnasto", "start": str(date(today.year, 1, 1)), "producer_part": None,
        "prices": [{"content_id": kotihoito["contents"][0]["id"], "unit_price": "42.00"}]})
    assert price_list.status_code == 201, price_list.text
    assertion = await demo.sign_application(client, base, main, "kouvola", app_url, COMPANY["business_id"])
    submitted = await client.post(f"{app_url}/submit", headers=main,
                                  json={"accept_rulebook": True, "signature_assertion": assertion})
    assert submitted.status_code == 200, submitted.text
    decided = await client.post(f"{app_url}/decision", headers=kouvola, json={"decision": "approve"})
    assert decided.status_code == 200, decided.text

    # found in the catalog, on its card and in Kouvola's price comparison (once the events are through)
    async def compared() -> list[dict[str, Any]]:
        return [i for i in await _compared(client, base, "kouvola", kotihoito["id"]) if i["provider_id"] == provider_id]

    [item] = await demo._eventually("in Kouvola's price comparison", compared, timeout=20)
    assert item["prices"] == [{"content_id": kotihoito["contents"][0]["id"], "unit_price": "42.00"}]
    assert await _found(client, base, provider_id)
    assert await _found(client, base, provider_id, tenant_id="kouvola")
    assert await _found(client, base, provider_id, q="Päivänsäde")
    card = await client.get(f"{base['registry']}/v1/catalog/providers/{provider_id}")
    assert card.status_code == 200, card.text
    assert [(s["tenant_id"], s["service_id"]) for s in card.json()["services"]] == [("kouvola", kotihoito["id"])]

    # Lahti never approved it: not listed for Lahti's services, not in Lahti's comparison, and Lahti's
    # admin can neither approve it afterwards nor read its people
    assert not await _found(client, base, provider_id, tenant_id="lahti")
    assert not await _found(client, base, provider_id, service_id=lahden_kotihoito["id"])
    assert await _compared(client, base, "lahti", lahden_kotihoito["id"]) == []
    refused = await client.post(f"{base['registry']}/v1/providers/{provider_id}/approve", headers=lahti)
    assert refused.status_code == 404, refused.text
    employees = await client.get(f"{base['registry']}/v1/providers/{provider_id}/employees", headers=lahti)
    assert employees.status_code == 404, employees.text
