"""Issues 19/20: the officer books a purchased service (journey Officer 2) for the whole company or one of its
producer parts, grouped as on the provider's booking page: the sites approved for the service, the company's
units and its employees. A part that is not the company's (any more) is refused at the choice in Finnish and
Swedish and nothing is booked; the booking names the part it was made for."""

from __future__ import annotations

import asyncio
import random
import re
from typing import Any

import httpx

from seteli.demo import random_test_identity_code

from .conftest import csrf_of, login
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import officer_headers

BASE = "http://suite"
KUUSI = "Ryhmäkoti Kuusi"


async def _purchase_voucher(services: httpx.AsyncClient, data: Seed, seed: int) -> dict[str, Any]:
    """Another client granted the seed's purchased service, no provider booked yet."""
    officer = await officer_headers(services, BASE, data.officer_email, OFFICER_PASSWORD)
    tenant = f"{BASE}/vouchers/v1/tenants/{data.tenant_id}"
    granted = (await services.get(f"{tenant}/vouchers/{data.purchase_voucher_id}", headers=officer)).json()
    person = await services.post(f"{tenant}/clients", headers=officer, json={
        "first_name": "Saga", "last_name": f"Köpt{seed}", "language": "sv",
        "identity_code": random_test_identity_code(random.Random(seed))})
    assert person.status_code == 201, person.text
    voucher = await services.post(f"{tenant}/vouchers", headers=officer, json={
        "client_id": person.json()["id"], "service_id": granted["service_id"], "granted_on": granted["granted_on"],
        "valid_from": granted["valid_from"], "valid_until": granted["valid_until"],
        "contents": [{"content_id": granted["contents"][0]["content_id"], "granted_amount": "31",
                      "period": "month"}]})
    assert voucher.status_code == 201, voucher.text
    return voucher.json()  # type: ignore[no-any-return]


def _group(html: str, label: str) -> list[tuple[str, str]]:
    found = re.search(rf'<optgroup label="{label}">(.*?)</optgroup>', html, re.S)
    return re.findall(r'<option value="([^"]+)">([^<]+)</option>', found.group(1)) if found else []


def _provider_choice(html: str) -> str:
    return html.split('id="purchase-provider"')[1].split("</select>")[0]


async def test_the_officer_books_a_purchased_service_for_a_unit_or_an_employee(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    provider = await officer_headers(services, BASE, data.provider_email, PROVIDER_PASSWORD)
    registry = f"{BASE}/registry/v1/providers/{data.provider_id}"
    company = (await services.get(registry, headers=provider)).json()
    units_before = company["units"]
    assert (await services.patch(registry, headers=provider, json={"units": [KUUSI]})).status_code == 200
    employee = await services.post(f"{registry}/employees", headers=provider, json={"name": "Ulla Ostola"})
    assert employee.status_code == 201, employee.text
    pid, employee_part = data.provider_id, f"employee:{employee.json()['id']}"
    try:
        voucher = await _purchase_voucher(services, data, 3030)
        url = f"/officer/vouchers/{voucher['id']}"
        await login(portal, data.officer_email, OFFICER_PASSWORD)
        page = await portal.get(url)
        assert page.status_code == 200, page.text[-2000:]
        choice = _provider_choice(page.text)
        name = re.search(rf'<option value="{pid}\|">([^<]+)</option>', choice).group(1)  # type: ignore[union-attr]
        assert "Hoivakoti Päivänsäde" in name  # the whole company first, as before
        assert choice.index(f'value="{pid}|"') < choice.index("<optgroup")
        assert _group(choice, f"{name}: Yksiköt") == [(f"{pid}|unit:{KUUSI}", KUUSI)]
        assert (f"{pid}|{employee_part}", "Ulla Ostola") in _group(choice, f"{name}: Työntekijät")
        sites = _group(choice, f"{name}: Toimipaikat")
        assert sites and all(value.startswith(f"{pid}|site:") and text for value, text in sites)
        assert choice.index("Toimipaikat") < choice.index("Yksiköt") < choice.index("Työntekijät")

        content = re.search(r'name="voucher_content_id"><option value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        form = {"csrf": csrf_of(page.text), "voucher_content_id": content}
        # a unit the company does not list: refused at the choice in Finnish, nothing booked
        refused = await portal.post(f"{url}/purchases", data={**form, "provider": f"{pid}|unit:Ryhmäkoti Kataja"})
        assert refused.status_code == 422, refused.text[-2000:]
        assert 'id="purchase-provider-error"' in refused.text and 'aria-invalid="true"' in refused.text
        assert "Valitse koko yritys tai jokin yrityksen palveluun hyväksytyistä toimipaikoista" in refused.text
        assert "no such unit" not in refused.text and "producer_part" not in refused.text
        assert "Setelillä ei ole varauksia." in refused.text

        await portal.post("/language", data={"csrf": csrf_of(refused.text), "lang": "sv", "next": url})
        page_sv = (await portal.get(url)).text
        choice_sv = _provider_choice(page_sv)
        assert _group(choice_sv, f"{name}: Enheter") == [(f"{pid}|unit:{KUUSI}", KUUSI)]
        assert (f"{pid}|{employee_part}", "Ulla Ostola") in _group(choice_sv, f"{name}: Anställda")
        assert _group(choice_sv, f"{name}: Verksamhetsställen") == sites
        refused = await portal.post(f"{url}/purchases", data={**form, "csrf": csrf_of(page_sv),
                                                               "provider": f"{pid}|employee:nobody"})
        assert refused.status_code == 422
        assert "Välj hela företaget eller ett av företagets verksamhetsställen, enheter eller anställda" in refused.text
        assert "Valitse" not in refused.text.split('id="purchase-provider-error"')[1].split("</p>")[0]
        await portal.post("/language", data={"csrf": csrf_of(refused.text), "lang": "fi", "next": url})

        # booked for the employee (once vouchers has heard of them): the bookings name the employee
        for _ in range(100):
            booked = await portal.post(f"{url}/purchases", data={**form, "provider": f"{pid}|{employee_part}"})
            if booked.status_code != 422:
                break
            await asyncio.sleep(0.1)
        assert booked.status_code == 303, booked.text[-2000:]
        after = await portal.get(booked.headers["location"])
        assert "Varaus tehty" in after.text
        listed = re.search(r'<ul class="plain" id="voucher-bookings">.*?</ul>', after.text, re.S).group(0)  # type: ignore[union-attr]
        assert f"{name}: Ulla Ostola" in listed
    finally:
        await services.patch(registry, headers=provider, json={"units": units_before})
        await services.delete(f"{registry}/employees/{employee.json()['id']}", headers=provider)
