"""Reads after writes across services (issue 22): a provider books a voucher through the portal and records
care on the new booking at once. The booking's answer carries its consistency token; the portal sends it
to the events service with the entry and, while the booking is still on its way there, waits on
`not-yet-known` as the service asks. The test sends the entry once and never retries."""

from __future__ import annotations

import random
import re

import httpx

from seteli.demo import _post_until, random_test_identity_code

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import officer_headers

BASE = "http://suite"


async def test_care_is_recorded_on_a_booking_made_a_moment_ago_without_retrying(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    officer = await officer_headers(services, BASE, data.officer_email, OFFICER_PASSWORD)
    tenant = f"{BASE}/vouchers/v1/tenants/{data.tenant_id}"
    listed = await services.get(f"{BASE}/applications/v1/tenants/{data.tenant_id}/services", headers=officer,
                                params={"limit": 200})
    service = next(s for s in listed.json()["items"] if s["id"] == data.service_id)
    person = await services.post(f"{tenant}/clients", headers=officer, json={
        "first_name": "Rauha", "last_name": "Heti", "language": "fi",
        "identity_code": random_test_identity_code(random.Random(2222))})
    assert person.status_code == 201, person.text
    month = data.voucher_month
    voucher = await _post_until(services, "voucher", f"{tenant}/vouchers", {
        "client_id": person.json()["id"], "service_id": service["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": service["contents"][0]["id"], "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}]}, officer)

    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    found = await portal.get("/provider/book", params={"number": voucher["number"]})
    assert found.status_code == 200, found.text[-1500:]
    content_id = re.search(r'name="voucher_content_id" value="([^"]+)"', found.text).group(1)  # type: ignore[union-attr]
    booked = await portal.post("/provider/book", data={
        "csrf": csrf_of(found.text), "voucher_number": voucher["number"], "voucher_content_id": content_id,
        "accept_terms": "on", "client_number": "R-222"})
    assert booked.status_code == 303, booked.text[-1500:]
    month_url = booked.headers["location"]

    recorded = await submit(portal, f"{month_url}?month={month}", f"{month_url}/events", {
        "month": str(month), "start": str(month.first), "end": str(month.first.replace(day=3)), "status": "draft"})
    assert recorded.status_code == 303, recorded.text[-2000:]  # the first and only try
    view = await portal.get(recorded.headers["location"])
    assert view.text.count('<span class="mark">Keskeneräinen</span>') == 3
