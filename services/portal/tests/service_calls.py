"""What other people do in the services while the provider works in the portal: a client gives feedback
(a client signs in through Suomi.fi, which the suite has no page for, so the token is issued by the
registry's own key), an officer credits a settled event, a new client is granted a voucher that the
provider books. Straight to the services' public APIs."""

from __future__ import annotations

import random
import uuid
from datetime import date
from typing import Any

import httpx
from seteli_common.auth import Principal, Role

from seteli.demo import _ok, random_business_id, random_test_identity_code
from seteli.embedded import Suite

from .conftest import csrf_of
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed


def client_headers(suite: Suite, tenant_id: str, client_id: str) -> dict[str, str]:
    issuer = suite.runtimes["registry"].extras["issuer"]
    token = issuer.issue(Principal(subject=f"u-client-{client_id}", role=Role.CLIENT, tenant_id=tenant_id,
                                   client_id=client_id, name="Asiakas"))
    return {"authorization": f"Bearer {token}"}


async def give_feedback(client: httpx.AsyncClient, base: str, suite: Suite, tenant_id: str, provider_id: str,
                        client_id: str, kind: str, text: str, needs_reply: bool = False) -> dict[str, Any]:
    response = await client.post(f"{base}/events/v1/tenants/{tenant_id}/feedback",
                                 headers=client_headers(suite, tenant_id, client_id),
                                 json={"provider_id": provider_id, "kind": kind, "text": text,
                                       "needs_reply": needs_reply})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def officer_headers(client: httpx.AsyncClient, base: str, email: str, password: str) -> dict[str, str]:
    response = await client.post(f"{base}/registry/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


async def registration_waiting(client: httpx.AsyncClient, base: str, tenant_id: str) -> tuple[str, str]:
    """(id, company name) of a company's registration request of the test's own, waiting for the tenant's
    decision. Not the seed's: the tests that share the suite would find it decided by another one, by chance."""
    tag = uuid.uuid4().hex[:8]
    company = f"Jonossa {tag} Oy"
    request = _ok(await client.post(f"{base}/registry/v1/tenants/{tenant_id}/registration-requests", json={
        "company_name": company, "business_id": random_business_id(random.Random(tag)),
        "street_address": "Torikatu 2", "postal_code": "45100", "city": "Kouvola", "country": "FI",
        "first_name": "Pekka", "last_name": "Puska", "email": f"pekka-{tag}@jonossa.fi", "phone": "0407654321",
        "password": "Jonossa-2026x", "password_again": "Jonossa-2026x", "language": "fi"}),
        "registration request", 201)
    return str(request["id"]), company


async def credit_an_event(client: httpx.AsyncClient, base: str, headers: dict[str, str], tenant_id: str,
                          client_ref: str, reason: str) -> dict[str, Any]:
    """Credit the client's settled event: paid by the seed's run, whose news the seeding waited for (`seed`)."""
    listed = await client.get(f"{base}/events/v1/tenants/{tenant_id}/events", headers=headers,
                              params={"status": "recorded", "limit": 200})
    assert listed.status_code == 200, listed.text
    event = next(e for e in listed.json()["items"] if e["client_ref"] == client_ref)
    return dict(_ok(await client.post(f"{base}/events/v1/tenants/{tenant_id}/credits", headers=headers,
                                      json={"event_id": event["id"], "reason": reason}), "credit", 201))


async def book_a_new_client(services: httpx.AsyncClient, data: Seed, service_name: str, client_number: str,
                            granted: str, period: str, value: str, seed: int,
                            base: str = "http://suite", portal: httpx.AsyncClient | None = None,
                            valid_until: date | None = None) -> dict[str, Any]:
    """A new client of the company: a voucher of the service (its Finnish name or id), booked by the provider.
    `portal`: booked in the portal by the provider signed in there, whose session then carries the booking's
    consistency token: the next entry on the booking waits in the portal until the events service has it."""
    officer = await officer_headers(services, base, data.officer_email, OFFICER_PASSWORD)
    provider = await officer_headers(services, base, data.provider_email, PROVIDER_PASSWORD)
    tenant = f"{base}/vouchers/v1/tenants/{data.tenant_id}"
    listed = await services.get(f"{base}/applications/v1/tenants/{data.tenant_id}/services", headers=officer,
                                params={"limit": 200})
    service = next(s for s in listed.json()["items"] if service_name in (s["name_fi"], s["id"]))
    person = await services.post(f"{tenant}/clients", headers=officer, json={
        "first_name": "Kaisa", "last_name": f"Kotihoito{seed}", "language": "fi",
        "identity_code": random_test_identity_code(random.Random(seed))})
    assert person.status_code == 201, person.text
    month = data.voucher_month
    granted_voucher = await services.post(f"{tenant}/vouchers", headers=officer, json={
        "client_id": person.json()["id"], "service_id": service["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(valid_until or month.next().last),
        "contents": [{"content_id": service["contents"][0]["id"], "granted_amount": granted, "period": period,
                      "voucher_value": value}]})
    assert granted_voucher.status_code == 201, granted_voucher.text
    voucher = granted_voucher.json()
    if portal is not None:
        found = await portal.get("/provider/book", params={"number": voucher["number"]})
        assert found.status_code == 200, found.text[-1500:]
        booked = await portal.post("/provider/book", data={
            "csrf": csrf_of(found.text), "voucher_number": voucher["number"],
            "voucher_content_id": voucher["contents"][0]["id"], "accept_terms": "on", "client_number": client_number})
        assert booked.status_code == 303, booked.text[-1500:]
        return {"id": booked.headers["location"].rsplit("/", 1)[-1].split("?")[0]}
    booking = await services.post(f"{tenant}/bookings", headers=provider, json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True, "client_number": client_number})
    assert booking.status_code == 201, booking.text
    return dict(booking.json())
