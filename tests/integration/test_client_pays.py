"""Across the services' HTTP APIs (embedded suite): a content the client pays (meals) is granted on the
voucher without a voucher value, booked and recorded by the provider, never paid by the tenant, and shown
at its full price in the client's co-payment breakdown, which the client's provider reads and prints;
every read of the breakdown and of the client's realisation report is in the client's access log
(issue 16 finding 8, issue 17 item 9)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from seteli_common.clock import Month, SystemClock, today_in_helsinki
from seteli_common.consistency_client import FollowWrites

from seteli.demo import (
    _eventually,
    _login,
    _ok,
    _stop_refreshing,
    random_business_id,
    random_test_identity_code,
    sign_application,
)
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite
from seteli.services import SERVICES

B = {name: f"http://suite/{name}" for name in SERVICES}


@pytest.fixture
async def suite_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    suite = build_suite(tmp_path, with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        transport = FollowWrites(httpx.ASGITransport(app=suite.app))  # follows its writes (Seteli-After)
        async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=30) as client:
            try:
                yield client
            finally:
                _stop_refreshing()


async def _company(client: httpx.AsyncClient, tenant_id: str, officer: dict[str, str], rng: random.Random,
                   name: str) -> tuple[str, dict[str, str], str]:
    email = f"{name}@hoiva.example.fi"
    business_id = random_business_id(rng)
    request = _ok(await client.post(f"{B['registry']}/v1/tenants/{tenant_id}/registration-requests", json={
        "company_name": f"{name.title()} Oy", "business_id": business_id, "street_address": "Kauppalankatu 1",
        "postal_code": "45100", "city": "Kouvola", "country": "FI", "first_name": "Maija", "last_name": "Meikäläinen",
        "email": email, "phone": "0401234567", "password": "Hoiva-demo-2026", "password_again": "Hoiva-demo-2026",
        "language": "fi", "company_email": email}), "registration request", 201)
    decided = _ok(await client.post(
        f"{B['registry']}/v1/tenants/{tenant_id}/registration-requests/{request['id']}/decision",
        headers=officer, json={"decision": "approved"}), "approve registration")
    user = await _login(client, B, email, "Hoiva-demo-2026")
    return decided["provider_id"], user, business_id


async def test_client_pays_meals_are_recorded_never_paid_and_shown_to_the_client_and_provider(
    suite_client: httpx.AsyncClient,
) -> None:
    client, rng = suite_client, random.Random(16)
    month = Month.of(today_in_helsinki(SystemClock())).prev()
    days = (month.last - month.first).days + 1
    tenant_id = "kouvola-cp"
    admin = await _login(client, B, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    _ok(await client.post(f"{B['registry']}/v1/tenants", headers=admin, json={
        "id": tenant_id, "name_fi": "Kouvola", "name_sv": "Kouvola", "business_id": random_business_id(rng),
        "languages": ["fi"], "payer_iban": "FI2112345600000785", "payer_bic": "NDEAFIHH"}), "tenant", 201)
    _ok(await client.post(f"{B['registry']}/v1/tenants/{tenant_id}/users", headers=admin, json={
        "email": "virkailija@kouvola.example.fi", "name": "Virkailija", "password": "Demo-kunta-2026",
        "role": "tenant_admin"}), "officer", 201)
    officer = await _login(client, B, "virkailija@kouvola.example.fi", "Demo-kunta-2026")
    provider_id, provider, business_id = await _company(client, tenant_id, officer, rng, "paivansade")
    _ok(await client.put(f"{B['registry']}/v1/providers/{provider_id}/billing", headers=provider, json={
        "iban": "FI4950009420028730", "bic": "OKOYFIHH", "reference": "1234561", "email": "lasku@hoiva.example.fi",
        "pdf_by_email": False}), "billing")
    _, other_provider, _ = await _company(client, tenant_id, officer, rng, "toinen")

    # The service lists care (the voucher pays) and meals (asiakas maksaa); the provider prices both.
    service = _ok(await client.post(f"{B['applications']}/v1/tenants/{tenant_id}/services", headers=officer, json={
        "name_fi": "Tehostettu palveluasuminen", "name_sv": "Effektiviserat serviceboende", "kind": "voucher",
        "auto_recording": False,
        "contents": [{"name_fi": "Hoiva", "name_sv": "Vård", "unit": "day", "client_pays": False},
                     {"name_fi": "Ateriat / vrk, asiakas maksaa", "name_sv": "Måltider", "unit": "day",
                      "client_pays": True}]}), "service", 201)
    care_id, meals_id = (c["id"] for c in service["contents"])
    application = _ok(await client.post(f"{B['applications']}/v1/tenants/{tenant_id}/applications",
                                        headers=provider, json={"service_id": service["id"]}), "application", 201)
    app_url = f"{B['applications']}/v1/tenants/{tenant_id}/applications/{application['id']}"
    _ok(await client.post(f"{app_url}/price-lists", headers=provider, json={
        "name": "Hinnasto", "start": str(month.first.replace(day=1, month=1)), "producer_part": None,
        "prices": [{"content_id": care_id, "unit_price": "150.00"}, {"content_id": meals_id, "unit_price": "12.35"}],
    }), "price list", 201)
    assertion = await sign_application(client, B, provider, tenant_id, app_url, business_id)
    _ok(await client.post(f"{app_url}/submit", headers=provider,
                          json={"accept_rulebook": True, "signature_assertion": assertion}), "submit")
    _ok(await client.post(f"{app_url}/decision", headers=officer, json={"decision": "approve"}), "approve")

    # The officer grants both: meals without a voucher value.
    person = _ok(await client.post(f"{B['vouchers']}/v1/tenants/{tenant_id}/clients", headers=officer, json={
        "first_name": "Aino", "last_name": "Asiakas", "identity_code": random_test_identity_code(rng),
        "language": "fi"}), "client", 201)
    voucher = _ok(await client.post(f"{B['vouchers']}/v1/tenants/{tenant_id}/vouchers", headers=officer, json={
        "client_id": person["id"], "service_id": service["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": care_id, "granted_amount": "31", "period": "month", "voucher_value": "140.00"},
                     {"content_id": meals_id, "granted_amount": "31", "period": "month"}]}), "grant", 201)
    granted = {c["content_id"]: c for c in voucher["contents"]}
    assert granted[meals_id]["client_pays"] is True and granted[meals_id]["voucher_value"] is None

    # The provider books and records both for the whole month.
    recorded: dict[str, Any] = {}
    for content_id, number in ((care_id, "A-001"), (meals_id, None)):
        booking = _ok(await client.post(f"{B['vouchers']}/v1/tenants/{tenant_id}/bookings", headers=provider, json={
            "voucher_number": voucher["number"], "voucher_content_id": granted[content_id]["id"],
            "accept_terms": True, **({"client_number": number} if number else {})}), "book", 201)
        recorded[content_id] = _ok(await client.post(f"{B['events']}/v1/tenants/{tenant_id}/events", headers=provider,
                                                     json={"booking_id": booking["id"], "start": str(month.first),
                                                           "end": str(month.last), "status": "recorded"}),
                                   "record", 201)
    assert recorded[meals_id]["amount_tenant"] == "0.00"
    assert Decimal(recorded[meals_id]["amount_co_payment"]) == Decimal("12.35") * days

    # Settlement: the tenant pays the care's voucher value only, to the cent; meals are in no payment.
    async def ledger_has_care() -> Any:
        response = await client.post(f"{B['settlement']}/v1/tenants/{tenant_id}/runs", headers=officer,
                                     json={"month": str(month), "dry_run": True})
        return response.status_code in (200, 201) and Decimal(str(response.json().get("total", "0"))) > 0

    await _eventually("care in the ledger", ledger_has_care)
    run = _ok(await client.post(f"{B['settlement']}/v1/tenants/{tenant_id}/runs", headers=officer,
                                json={"month": str(month), "dry_run": False}), "run", 201)
    assert Decimal(run["total"]) == Decimal("140.00") * days
    [payment] = run["payments"]
    assert payment["event_ids"] == [recorded[care_id]["id"]]

    # The co-payment breakdown: meals at full price, care at price minus voucher value.
    params = {"service_id": service["id"], "from": str(month.first), "to": str(month.last), "client_id": person["id"]}
    url = f"{B['events']}/v1/tenants/{tenant_id}/co-payments"
    as_officer = _ok(await client.get(url, params=params, headers=officer), "breakdown (officer)")
    lines = {x["content_id"]: x for x in as_officer["lines"]}
    assert (lines[meals_id]["client_pays"], lines[meals_id]["voucher_value"]) == (True, None)
    assert Decimal(lines[meals_id]["amount_co_payment"]) == Decimal("12.35") * days
    assert lines[meals_id]["amount_tenant"] == "0.00"
    assert Decimal(lines[care_id]["amount_co_payment"]) == Decimal("10.00") * days
    assert Decimal(as_officer["amount_co_payment"]) == Decimal("22.35") * days
    as_provider = _ok(await client.get(url, params=params, headers=provider), "breakdown (provider)")
    assert as_provider["amount_co_payment"] == as_officer["amount_co_payment"]
    printable = await client.get(url, params={**params, "format": "pdf"}, headers=provider)
    assert printable.status_code == 200 and printable.content.startswith(b"%PDF")
    assert (await client.get(url, params=params, headers=other_provider)).status_code == 404

    # The client-level realisation report (one client, by the provider's client number).
    report = _ok(await client.get(f"{B['settlement']}/v1/tenants/{tenant_id}/reports/realisation", headers=officer,
                                  params={"from": str(month), "to": str(month), "client_ref": "A-001"}), "report")
    assert [(i["content_id"], i["amount_settled"]) for i in report["items"]] == [
        (care_id, str(Decimal("140.00") * days))]

    # Each read is in the client's access log, as the officer reads it from vouchers.
    expected = {("tenant_admin", "co_payment.breakdown"), ("provider_admin", "co_payment.breakdown"),
                ("provider_admin", "co_payment.breakdown.pdf"), ("tenant_admin", "report.realisation")}

    async def logged() -> Any:
        log = _ok(await client.get(f"{B['vouchers']}/v1/tenants/{tenant_id}/clients/{person['id']}/access-log",
                                   params={"limit": 500}, headers=officer), "access log")
        seen = {(r["actor_role"], r["what"]) for r in log["items"]}
        return expected <= seen and seen

    seen = await _eventually("reads in the access log", logged)
    assert ("provider_admin", "co_payment.breakdown") in seen
