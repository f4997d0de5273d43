"""Test data through the services' public APIs: the walking skeleton (tenant, provider with an approved
application, a booked voucher, a settled month) plus what the portal journeys start from."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from seteli_common.clock import Month, SystemClock, today_in_helsinki

from seteli.demo import (
    DemoFailed,
    DemoResult,
    _eventually,
    _login,
    _ok,
    following,
    random_business_id,
    random_test_identity_code,
    sign_application,
    walking_skeleton,
)
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD

PROVIDER_PASSWORD = "Hoiva-demo-2026"
OFFICER_PASSWORD = "Demo-kunta-2026"


@dataclass
class Seed:
    demo: DemoResult
    tenant_id: str
    officer_email: str
    provider_email: str
    provider_id: str
    service_id: str
    content_id: str
    home_care_id: str
    voucher_number: str
    verification_code: str
    voucher_month: Month
    pending_request_company: str
    # the provider's company-data, interruption and feedback pages
    care_booking_id: str = ""  # a day-unit booking of the housing service, which has an interruption rule
    care_client_id: str = ""
    attachments_service_id: str = ""  # a service that requires attachments of the company and subcontractors
    other_provider_email: str = ""  # another approved company, to show one company never reaches another's data
    purchase_voucher_id: str = ""  # a purchased service granted, no provider booked yet


async def seed(client: httpx.AsyncClient, base: dict[str, str], *, rng_seed: int = 7,
               month: Month | None = None) -> Seed:
    """Every call follows the writes before it (`seteli.demo.following`): a service that has not heard of one
    yet answers not-yet-known and the call waits as told; any other refusal fails the seeding at once.
    `month`: the month the skeleton's care is recorded and paid for (a suite on a clock of its own); by default
    last month, and the journeys' month as well."""
    client = following(client)
    demo = await walking_skeleton(client, base, admin_email=DEMO_ADMIN_EMAIL, admin_password=DEMO_ADMIN_PASSWORD,
                                  month=month, seed=rng_seed)
    tenant_id = demo.tenant_id
    tag = tenant_id.split("-", 1)[1]
    officer_email = f"paakayttaja-{tag}@demokunta.fi"
    provider_email = f"paakayttaja-{tag}@hoivakoti.fi"
    officer = await _login(client, base, officer_email, OFFICER_PASSWORD)
    provider = await _login(client, base, provider_email, PROVIDER_PASSWORD)
    rng = random.Random(rng_seed + 1)
    # The skeleton's run paid the month, and its answer named its news to events (the client keeps the tokens):
    # this read waits until events has that news, so a test crediting or correcting the paid care finds it settled.
    paid = _ok(await client.get(f"{base['events']}/v1/tenants/{tenant_id}/events", headers=officer,
                                params={"limit": 200}), "the paid care")["items"]
    if not all(e["settled"] for e in paid):
        raise DemoFailed(f"the run's news has not reached events: {paid}")

    services = _ok(await client.get(f"{base['applications']}/v1/tenants/{tenant_id}/services", headers=officer),
                   "services")["items"]
    service = services[0]
    provider_id = _ok(await client.get(f"{base['applications']}/v1/tenants/{tenant_id}/applications",
                                       headers=provider), "applications")["items"][0]["provider_id"]
    _ok(await client.patch(f"{base['registry']}/v1/providers/{provider_id}", headers=provider, json={
        "description": "Tehostettua palveluasumista ikääntyneille Kouvolan keskustassa.",
        "operating_areas": ["Kouvola"], "service_languages": ["fi", "sv"]}), "provider details")
    # A second service the provider has not applied to yet: the application journey starts from it.
    home_care = _ok(await client.post(f"{base['applications']}/v1/tenants/{tenant_id}/services", headers=officer, json={
        "name_fi": "Kotihoito", "name_sv": "Hemvård", "kind": "voucher", "auto_recording": False,
        "contents": [{"name_fi": "Kotikäynti", "name_sv": "Hembesök", "unit": "hour", "client_pays": False},
                     {"name_fi": "Ateria", "name_sv": "Måltid", "unit": "piece", "client_pays": True}],
    }), "define home care", 201)

    # The provider's own pages: the housing service gets Kouvola's interruption rule (domain.md), a
    # service requires attachments, and one more client is booked for interruptions and feedback.
    bands = {"bands": [{"from_day": 0, "to_day": 10, "percentage": 100}, {"from_day": 11, "percentage": 0}],
             "return_day_percentage": 100}
    rule = {"valid_from": "2016-01-01", "reasons": {r: bands for r in ("hospital", "holiday", "other")}}
    _ok(await client.patch(f"{base['applications']}/v1/tenants/{tenant_id}/services/{service['id']}",
                           headers=officer, json={"interruption_rule": rule}), "interruption rule")
    cleaning = _ok(await client.post(f"{base['applications']}/v1/tenants/{tenant_id}/services", headers=officer, json={
        "name_fi": "Siivouspalvelu", "name_sv": "Städtjänst", "kind": "voucher", "auto_recording": False,
        "contents": [{"name_fi": "Siivous", "name_sv": "Städning", "unit": "hour", "client_pays": False}],
        "required_attachments": {"company": [{"type": "tyel_certificate", "name_fi": "TyEL-todistus"}],
                                 "subcontractor": [{"type": "liability_insurance", "name_fi": "Vastuuvakuutus"}]},
    }), "define cleaning", 201)

    # An unbooked voucher for the booking journey and the resident's look-up.
    month = month or Month.of(today_in_helsinki(SystemClock())).prev()
    person = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/clients", headers=officer, json={
        "first_name": "Bertil", "last_name": "Bäck", "identity_code": random_test_identity_code(rng),
        "language": "sv"}), "client", 201)
    voucher = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/vouchers", headers=officer, json={
        "client_id": person["id"], "service_id": service["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": service["contents"][0]["id"], "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}]}), "voucher", 201)

    doris = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/clients", headers=officer, json={
        "first_name": "Doris", "last_name": "Dahl", "identity_code": random_test_identity_code(rng),
        "language": "sv"}), "care client", 201)
    doris_voucher = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/vouchers", headers=officer, json={
        "client_id": doris["id"], "service_id": service["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": service["contents"][0]["id"], "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}]}), "care voucher", 201)
    care_booking = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/bookings", headers=provider, json={
        "voucher_number": doris_voucher["number"], "voucher_content_id": doris_voucher["contents"][0]["id"],
        "accept_terms": True, "client_number": "D-004"}), "book care", 201)

    # An hour-unit service with 10 h/week granted: the fifth event of a week crosses the limit and waits
    # for the officer's approval (004 §4.3.5.6).
    assist = _ok(await client.post(f"{base['applications']}/v1/tenants/{tenant_id}/services", headers=officer, json={
        "name_fi": "Henkilökohtainen apu", "name_sv": "Personlig assistans", "kind": "voucher",
        "auto_recording": False,
        "contents": [{"name_fi": "Avustaminen", "name_sv": "Assistans", "unit": "hour", "client_pays": False}],
    }), "define assistance", 201)
    application = _ok(await client.post(f"{base['applications']}/v1/tenants/{tenant_id}/applications",
                                        headers=provider, json={"service_id": assist["id"]}), "apply", 201)
    app_url = f"{base['applications']}/v1/tenants/{tenant_id}/applications/{application['id']}"
    _ok(await client.post(f"{app_url}/price-lists", headers=provider, json={
        "name": "Apu 2016", "start": "2016-01-01", "producer_part": None,
        "prices": [{"content_id": assist["contents"][0]["id"], "unit_price": "30.00"}]}), "assist prices", 201)
    assertion = await sign_application(client, base, provider, tenant_id, app_url, demo.provider_business_id)
    _ok(await client.post(f"{app_url}/submit", headers=provider,
                          json={"accept_rulebook": True, "signature_assertion": assertion}), "submit assist")
    _ok(await client.post(f"{app_url}/decision", headers=officer, json={"decision": "approve"}), "approve assist")
    helped = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/clients", headers=officer, json={
        "first_name": "Cecilia", "last_name": "Apu", "identity_code": random_test_identity_code(rng),
        "language": "fi"}), "assist client", 201)
    hours = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/vouchers", headers=officer, json={
        "client_id": helped["id"], "service_id": assist["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": assist["contents"][0]["id"], "granted_amount": "10", "period": "week",
                      "voucher_value": "28.00"}]}), "assist voucher", 201)
    bookings = f"{base['vouchers']}/v1/tenants/{tenant_id}/bookings"
    assist_booking = _ok(await client.post(bookings, headers=provider, json={
        "voucher_number": hours["number"], "voucher_content_id": hours["contents"][0]["id"], "accept_terms": True,
        "client_number": "C-003"}), "book assist", 201)
    monday = month.first + timedelta(days=(7 - month.first.weekday()) % 7)
    for day in range(5):
        _ok(await client.post(f"{base['events']}/v1/tenants/{tenant_id}/events", headers=provider, json={
            "booking_id": assist_booking["id"], "start": str(monday + timedelta(days=day)),
            "start_time": "09:00", "end_time": "11:15", "status": "recorded"}), "assist event", 201)

    # A purchased service (ostopalvelu) the company is approved for, and a client granted it, not booked yet:
    # the officer books the provider (journey Officer 2).
    bought = _ok(await client.post(f"{base['applications']}/v1/tenants/{tenant_id}/services", headers=officer, json={
        "name_fi": "Tehostettu palveluasuminen, ostopalvelu", "name_sv": "Effektiviserat serviceboende, köpt tjänst",
        "kind": "purchased", "auto_recording": False,
        "contents": [{"name_fi": "Hoiva / vrk", "name_sv": "Vård / dygn", "unit": "day", "client_pays": False}],
    }), "define purchased service", 201)
    applications = f"{base['applications']}/v1/tenants/{tenant_id}/applications"
    application = _ok(await client.post(applications, headers=provider, json={"service_id": bought["id"]}),
                      "apply purchased", 201)
    app_url = f"{base['applications']}/v1/tenants/{tenant_id}/applications/{application['id']}"
    _ok(await client.post(f"{app_url}/price-lists", headers=provider, json={
        "name": "Ostopalvelu 2016", "start": "2016-01-01", "producer_part": None,
        "prices": [{"content_id": bought["contents"][0]["id"], "unit_price": "180.00"}]}), "purchased prices", 201)
    assertion = await sign_application(client, base, provider, tenant_id, app_url, demo.provider_business_id)
    _ok(await client.post(f"{app_url}/submit", headers=provider,
                          json={"accept_rulebook": True, "signature_assertion": assertion}), "submit purchased")
    _ok(await client.post(f"{app_url}/decision", headers=officer, json={"decision": "approve"}), "approve purchased")
    resident = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/clients", headers=officer, json={
        "first_name": "Frans", "last_name": "Ostola", "identity_code": random_test_identity_code(rng),
        "language": "sv"}), "purchased client", 201)
    vouchers = f"{base['vouchers']}/v1/tenants/{tenant_id}/vouchers"
    purchase_voucher = _ok(await client.post(vouchers, headers=officer, json={
        "client_id": resident["id"], "service_id": bought["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": bought["contents"][0]["id"], "granted_amount": "31", "period": "month"}]}),
        "purchased voucher", 201)

    # A company waiting for the tenant admin's check.
    company = f"Uusi Hoiva {tag} Oy"
    _ok(await client.post(f"{base['registry']}/v1/tenants/{tenant_id}/registration-requests", json={
        "company_name": company, "business_id": random_business_id(rng), "street_address": "Torikatu 2",
        "postal_code": "45100", "city": "Kouvola", "country": "FI", "first_name": "Pekka", "last_name": "Puska",
        "email": f"pekka-{tag}@uusihoiva.fi", "phone": "0407654321", "password": "Uusi-hoiva-2026",
        "password_again": "Uusi-hoiva-2026", "language": "fi"}), "registration request", 201)

    # Another company, approved: it must never reach the first one's data.
    other_email = f"paakayttaja-{tag}@toinenhoiva.fi"
    other = _ok(await client.post(f"{base['registry']}/v1/tenants/{tenant_id}/registration-requests", json={
        "company_name": f"Toinen Hoiva {tag} Oy", "business_id": random_business_id(rng),
        "street_address": "Salpausselänkatu 3", "postal_code": "45100", "city": "Kouvola", "country": "FI",
        "first_name": "Olli", "last_name": "Muu", "email": other_email, "phone": "0401112222",
        "password": PROVIDER_PASSWORD, "password_again": PROVIDER_PASSWORD, "language": "fi",
        "company_email": other_email}), "other company", 201)
    _ok(await client.post(f"{base['registry']}/v1/tenants/{tenant_id}/registration-requests/{other['id']}/decision",
                          headers=officer, json={"decision": "approved"}), "approve other company")

    # The registry's public catalog learns of the company's approved application through applications' news;
    # the registry honours no token for it: wait for that one fact, the company searchable in the catalog
    # (any refusal fails at once).
    async def in_catalog() -> Any:
        found = _ok(await client.get(f"{base['registry']}/v1/catalog/providers", params={"tenant_id": tenant_id}),
                    "catalog")
        return found["total"] > 0

    await _eventually("provider in the catalog", in_catalog)
    return Seed(demo, tenant_id, officer_email, provider_email, provider_id, service["id"],
                service["contents"][0]["id"], home_care["id"], voucher["number"], voucher["verification_code"],
                month, company, care_booking["id"], doris["id"], cleaning["id"], other_email,
                purchase_voucher["id"])
