"""Across the services: a provider gives its own number to a client after the booking and after care was
recorded. The events service and settlement then name the client by that number, on what they held already
and on what comes after: the realisation report shows one row per client under the number (not the client's
internal reference, nor two rows), and the month's payment names the number on every line. Embedded (one
process, SQLite) and distributed (each service its own process and PostgreSQL database, real RabbitMQ)."""

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

from seteli import services
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

from .suite_processes import DistributedSuite, service_env, start_service, wait_ready

ADMIN_EMAIL = "admin@seteli.fi"
ADMIN_PASSWORD = "Integration-admin-1"


async def _number_given_after_care(client: httpx.AsyncClient, base: dict[str, str], admin_email: str,
                                   admin_password: str) -> None:
    rng = random.Random(31)
    month = Month.of(today_in_helsinki(SystemClock())).prev()
    tenant_id = "kouvola-nro"
    admin = await _login(client, base, admin_email, admin_password)
    _ok(await client.post(f"{base['registry']}/v1/tenants", headers=admin, json={
        "id": tenant_id, "name_fi": "Kouvola", "name_sv": "Kouvola", "business_id": random_business_id(rng),
        "languages": ["fi"], "payer_iban": "FI2112345600000785", "payer_bic": "NDEAFIHH"}), "tenant", 201)
    _ok(await client.post(f"{base['registry']}/v1/tenants/{tenant_id}/users", headers=admin, json={
        "email": "virkailija@kouvola.example.fi", "name": "Virkailija", "password": "Demo-kunta-2026",
        "role": "tenant_admin"}), "officer", 201)
    officer = await _login(client, base, "virkailija@kouvola.example.fi", "Demo-kunta-2026")
    business_id = random_business_id(rng)
    request = _ok(await client.post(f"{base['registry']}/v1/tenants/{tenant_id}/registration-requests", json={
        "company_name": "Päivänsäde Oy", "business_id": business_id, "street_address": "Kauppalankatu 1",
        "postal_code": "45100", "city": "Kouvola", "country": "FI", "first_name": "Maija",
        "last_name": "Meikäläinen", "email": "paivansade@hoiva.example.fi", "phone": "0401234567",
        "password": "Hoiva-demo-2026", "password_again": "Hoiva-demo-2026", "language": "fi"}), "registration", 201)
    provider_id = _ok(await client.post(
        f"{base['registry']}/v1/tenants/{tenant_id}/registration-requests/{request['id']}/decision",
        headers=officer, json={"decision": "approved"}), "approve registration")["provider_id"]
    provider = await _login(client, base, "paivansade@hoiva.example.fi", "Hoiva-demo-2026")
    _ok(await client.put(f"{base['registry']}/v1/providers/{provider_id}/billing", headers=provider, json={
        "iban": "FI4950009420028730", "bic": "OKOYFIHH", "reference": "1234561", "email": "lasku@hoiva.example.fi",
        "pdf_by_email": False}), "billing")
    service = _ok(await client.post(f"{base['applications']}/v1/tenants/{tenant_id}/services", headers=officer,
                                    json={"name_fi": "Tehostettu palveluasuminen",
                                          "name_sv": "Effektiviserat serviceboende", "kind": "voucher",
                                          "auto_recording": False,
                                          "contents": [{"name_fi": "Hoiva", "name_sv": "Vård", "unit": "day",
                                                        "client_pays": False}]}), "service", 201)
    content_id = service["contents"][0]["id"]
    application = _ok(await client.post(f"{base['applications']}/v1/tenants/{tenant_id}/applications",
                                        headers=provider, json={"service_id": service["id"]}), "application", 201)
    app_url = f"{base['applications']}/v1/tenants/{tenant_id}/applications/{application['id']}"
    _ok(await client.post(f"{app_url}/price-lists", headers=provider, json={
        "name": "Hinnasto", "start": str(month.first.replace(day=1, month=1)), "producer_part": None,
        "prices": [{"content_id": content_id, "unit_price": "150.00"}]}), "price list", 201)
    assertion = await sign_application(client, base, provider, tenant_id, app_url, business_id)
    _ok(await client.post(f"{app_url}/submit", headers=provider,
                          json={"accept_rulebook": True, "signature_assertion": assertion}), "submit")
    _ok(await client.post(f"{app_url}/decision", headers=officer, json={"decision": "approve"}), "approve")
    person = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/clients", headers=officer, json={
        "first_name": "Aino", "last_name": "Asiakas", "identity_code": random_test_identity_code(rng),
        "language": "fi"}), "client", 201)
    voucher = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/vouchers", headers=officer, json={
        "client_id": person["id"], "service_id": service["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": content_id, "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}]}), "grant", 201)

    # Booked without a number: the client is known by the internal reference, also to settlement.
    booking = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/bookings", headers=provider, json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True}), "book", 201)
    events_url = f"{base['events']}/v1/tenants/{tenant_id}/events"
    first = _ok(await client.post(events_url, headers=provider, json={
        "booking_id": booking["id"], "start": str(month.first), "end": str(month.first.replace(day=10)),
        "status": "recorded"}), "record days 1-10", 201)
    assert first["client_ref"] == person["reference"]
    report_url = f"{base['settlement']}/v1/tenants/{tenant_id}/reports/realisation"
    period = {"from": str(month), "to": str(month)}

    async def report_rows() -> list[tuple[str, Decimal]]:
        items = _ok(await client.get(report_url, headers=officer, params=period), "report")["items"]
        return [(i["client_ref"], Decimal(i["amount_unsettled"])) for i in items]

    async def known_by_reference() -> Any:
        return await report_rows() == [(person["reference"], Decimal("1400.00"))]

    await _eventually("the care in settlement", known_by_reference)

    # The provider numbers the client afterwards, and records more care.
    _ok(await client.put(f"{base['vouchers']}/v1/tenants/{tenant_id}/provider-clients/{person['id']}/client-number",
                         headers=provider, json={"client_number": "K-7"}), "client number")

    async def numbered_booking() -> Any:  # events has heard of the number
        mine = _ok(await client.get(events_url, headers=provider, params={"client_ref": "K-7"}), "events")
        return [e["id"] for e in mine["items"]] == [first["id"]]

    await _eventually("the number in events", numbered_booking)
    _ok(await client.post(events_url, headers=provider, json={
        "booking_id": booking["id"], "start": str(month.first.replace(day=11)),
        "end": str(month.first.replace(day=20)), "status": "recorded"}), "record days 11-20", 201)

    async def one_row_by_number() -> Any:
        rows = await report_rows()
        return rows == [("K-7", Decimal("2800.00"))] or None

    try:
        await _eventually("one report row under the number", one_row_by_number)
    except Exception as exc:
        raise AssertionError(f"report rows: {await report_rows()}") from exc

    # The month's payment names the client by the number on every line (the specification's lines).
    run = _ok(await client.post(f"{base['settlement']}/v1/tenants/{tenant_id}/runs", headers=officer,
                                json={"month": str(month), "dry_run": False}), "run", 201)
    [payment] = run["payments"]
    assert Decimal(payment["amount"]) == Decimal("2800.00")
    assert {line["client_ref"] for line in payment["lines"]} == {"K-7"}


@pytest.fixture
async def embedded(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    suite = build_suite(tmp_path, with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        transport = FollowWrites(httpx.ASGITransport(app=suite.app))
        async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=30) as client:
            try:
                yield client, {name: f"http://suite/{name}" for name in services.SERVICES}
            finally:
                _stop_refreshing()


async def test_a_number_given_after_care_names_the_client_in_reports_and_payments_embedded(
    embedded: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, base = embedded
    await _number_given_after_care(client, base, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)


@pytest.fixture
async def distributed(pg_database_factory, amqp_url: str,  # type: ignore[no-untyped-def]
                      tmp_path: Path) -> AsyncIterator[DistributedSuite]:
    running = DistributedSuite()
    registry_env = service_env("registry", await pg_database_factory(), amqp_url, tmp_path, "", {
        "REGISTRY_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL, "REGISTRY_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "REGISTRY_SIGNING_KEY_PATH": str(tmp_path / "signing-key.json")})
    running.processes["registry"] = start_service("registry", registry_env, tmp_path)
    try:
        for name in services.SERVICES[1:]:
            env = service_env(name, await pg_database_factory(), amqp_url, tmp_path, running.processes["registry"].url)
            running.processes[name] = start_service(name, env, tmp_path)
        await wait_ready(running)
        yield running
    finally:
        running.stop()


@pytest.mark.integration
async def test_a_number_given_after_care_names_the_client_in_reports_and_payments_over_rabbitmq(
    distributed: DistributedSuite,
) -> None:
    transport = FollowWrites(httpx.AsyncHTTPTransport())
    async with httpx.AsyncClient(transport=transport, timeout=30) as client:
        try:
            await _number_given_after_care(client, distributed.base_urls(), ADMIN_EMAIL, ADMIN_PASSWORD)
        except Exception as exc:
            raise AssertionError(f"{exc}\n{distributed.logs()[-20000:]}") from exc
        finally:
            _stop_refreshing()
