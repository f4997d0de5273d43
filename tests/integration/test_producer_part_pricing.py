"""Issue 20 across the services' HTTP APIs (embedded suite, clock 15 December 2026 in Helsinki): the company
enters its units and an employee in the registry, prices one unit and the employee in a change of its approved
application, and books a voucher for each of them in vouchers; events values each booking's care with the
producer part's own price list, and a unit without one with the company's list, as applications' price look-up
does. The vouchers are worth 140.00 € a day; the company's list says 150.00 €. When a client dies, the provider
is told at the booked part's address: the employee's own, the company's for a unit."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
from seteli_common.clock import FixedClock, Month
from seteli_common.consistency_client import FollowWrites

from seteli.demo import random_test_identity_code, sign_application, walking_skeleton
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite
from seteli.services import SERVICES

KUUSI, KOIVU = "Ryhmäkoti Kuusi", "Ryhmäkoti Koivu"


async def _token(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    login = await client.post("/registry/v1/auth/token", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"authorization": f"Bearer {login.json()['access_token']}"}


async def _created(client: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    """POST until the facts it needs have travelled over the in-process bus (a 409 or 422 meanwhile)."""
    response = None
    for _ in range(150):
        response = await client.post(url, headers=headers, json=body)
        if response.status_code in (200, 201):
            return response.json()
        await asyncio.sleep(0.2)
    raise AssertionError(f"{url}: {response.text if response is not None else ''}")


async def test_each_producer_parts_booking_is_valued_with_its_own_price_list_or_the_companys(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 12, 15, 10, 0, tzinfo=UTC))
    november = Month(2026, 11)
    suite = build_suite(tmp_path, clock=clock, with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        # as a client that follows its writes: a unit or employee entered a moment ago is chosen in its step at once
        transport = FollowWrites(httpx.ASGITransport(app=suite.app))
        async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=30) as client:
            base = {name: f"http://suite/{name}" for name in SERVICES}
            demo = await walking_skeleton(client, base, admin_email=DEMO_ADMIN_EMAIL,
                                          admin_password=DEMO_ADMIN_PASSWORD, month=november, seed=20)
            tenant = demo.tenant_id
            officer = await _token(client, demo.tenant_admin_email, demo.tenant_admin_password)
            provider = await _token(client, demo.provider_user_email, demo.provider_user_password)
            vouchers_url = f"/vouchers/v1/tenants/{tenant}"
            [first_booking] = (await client.get(f"{vouchers_url}/bookings", headers=provider)).json()["items"]
            provider_id = first_booking["provider_id"]

            # the registry: two units and an employee of the company
            registry = f"/registry/v1/providers/{provider_id}"
            assert (await client.patch(registry, headers=provider, json={"units": [KUUSI, KOIVU]})).status_code == 200
            employee = await client.post(f"{registry}/employees", headers=provider,
                                         json={"name": "Eeva Esimerkki", "title": "sairaanhoitaja",
                                               "email": "eeva.esimerkki@example.fi"})
            assert employee.status_code == 201, employee.text
            employee_part = f"employee:{employee.json()['id']}"

            # applications: a change of the approved application prices Kuusi and Eeva; Koivu has no list
            apps = f"/applications/v1/tenants/{tenant}/applications"
            [application] = (await client.get(apps, headers=provider)).json()["items"]
            app_url = f"{apps}/{application['id']}"
            content_id = first_booking["content_id"]
            for step, ids in (("units", [KUUSI, KOIVU]), ("employees", [employee.json()["id"]])):
                saved = await client.put(f"{app_url}/steps/{step}", headers=provider, json={"ids": ids})
                assert saved.status_code == 200, saved.text
            own_lists = (("Kuusi 2026", f"unit:{KUUSI}", "170.00"), ("Eeva 2026", employee_part, "180.00"))
            for name, part, price in own_lists:
                made = await client.post(f"{app_url}/price-lists", headers=provider, json={
                    "name": name, "start": "2026-01-01", "producer_part": part,
                    "prices": [{"content_id": content_id, "unit_price": price}]})
                assert made.status_code == 201, made.text
            assertion = await sign_application(client, base, provider, tenant, app_url, demo.provider_business_id)
            sent = await client.post(f"{app_url}/submit", headers=provider,
                                     json={"accept_rulebook": True, "signature_assertion": assertion})
            assert sent.status_code == 200, sent.text
            change_id = sent.json()["id"]
            decided = await client.post(f"{apps}/{change_id}/decision", headers=officer, json={"decision": "approve"})
            assert decided.status_code == 200, decided.text

            # vouchers: a voucher for each producer part, booked by the provider
            amounts: dict[str, tuple[Decimal, Decimal]] = {}
            clients: dict[str, str] = {}
            for i, (part, price) in enumerate(((f"unit:{KUUSI}", "170.00"), (f"unit:{KOIVU}", "150.00"),
                                               (employee_part, "180.00"))):
                person = await client.post(f"{vouchers_url}/clients", headers=officer, json={
                    "first_name": "Aino", "last_name": f"Osa{i}", "language": "fi",
                    "identity_code": random_test_identity_code(random.Random(200 + i))})
                assert person.status_code == 201, person.text
                clients[part] = person.json()["id"]
                voucher = await _created(client, f"{vouchers_url}/vouchers", {
                    "client_id": person.json()["id"], "service_id": first_booking["service_id"],
                    "granted_on": "2026-11-01", "valid_from": "2026-11-01", "valid_until": "2026-12-31",
                    "contents": [{"content_id": content_id, "granted_amount": "31", "period": "month",
                                  "voucher_value": "140.00"}]}, officer)
                booking = await _created(client, f"{vouchers_url}/bookings", {
                    "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
                    "accept_terms": True, "producer_part": part}, provider)
                assert booking["producer_part"] == part and booking["producer_part_listed"] is True

                # events: ten days of care, valued with the part's own list or the company's
                event = await _created(client, f"/events/v1/tenants/{tenant}/events", {
                    "booking_id": booking["id"], "start": "2026-11-01", "end": "2026-11-10",
                    "status": "recorded"}, provider)
                assert event["producer_part"] == part
                assert [s["unit_price"] for s in event["segments"]] == [price], (part, event["segments"])
                amounts[part] = (Decimal(event["amount_tenant"]), Decimal(event["amount_co_payment"]))

            ten = Decimal(10)
            assert amounts == {
                f"unit:{KUUSI}": (ten * Decimal("140.00"), ten * Decimal("30.00")),  # its own list
                f"unit:{KOIVU}": (ten * Decimal("140.00"), ten * Decimal("10.00")),  # the company's list
                employee_part: (ten * Decimal("140.00"), ten * Decimal("40.00")),  # her own list
            }

            # the death of the employee's client and of Kuusi's: each booking's end is told at its part's address
            company = (await client.get(f"/registry/v1/providers/{provider_id}", headers=provider)).json()["email"]
            for part in (employee_part, f"unit:{KUUSI}"):
                died = await client.post(f"{vouchers_url}/clients/{clients[part]}/death", headers=officer,
                                         json={"date_of_death": "2026-11-20"})
                assert died.status_code == 200, died.text
            assert await _mailed(tmp_path, "eeva.esimerkki@example.fi", "Palveluvaraus päättyy")
            assert await _mailed(tmp_path, company, "Palveluvaraus päättyy")


async def _mailed(data_dir: Path, recipient: str, subject: str) -> bool:
    """Whether an email to `recipient` with `subject` was written (embedded mode: .eml files), waiting for it to
    travel over the in-process bus."""
    for _ in range(100):
        for eml in (data_dir / "mail").rglob("*.eml"):
            mail = message_from_bytes(eml.read_bytes(), policy=policy.default)
            if mail["To"] == recipient and str(mail["Subject"]).startswith(subject):
                return True
        await asyncio.sleep(0.2)
    return False
