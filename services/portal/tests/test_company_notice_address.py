"""Where a company's mail goes, as the portal tells it: the registration form says (fi/sv) that the company's
address is shown publicly and that, none given, the company's notices go to the person registering it until the
company gives one; the company gives (or removes) its own address later on its company page."""

from __future__ import annotations

import random
import uuid

import httpx

from seteli.demo import _login, _ok, random_business_id

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .test_company_search_info import BASE


async def test_the_registration_form_says_where_the_companys_mail_goes_in_finnish_and_swedish(
        portal: httpx.AsyncClient) -> None:
    form = await portal.get("/registration-request")
    assert form.status_code == 200
    assert "Näkyy julkisesti palveluntuottajakortilla" in form.text
    assert "ilmoitukset tulevat sinulle (käyttäjätunnuksesi osoitteeseen), kunnes yritys antaa oman" in form.text
    await portal.post("/language", data={"csrf": csrf_of(form.text), "lang": "sv", "next": "/registration-request"})
    try:
        swedish = await portal.get("/registration-request")
        assert 'lang="sv"' in swedish.text and "Syns offentligt på serviceproducentkortet" in swedish.text
        assert "meddelanden skickas till dig (adressen i ditt användarnamn) tills företaget ger en egen" in swedish.text
    finally:
        await portal.post("/language", data={"csrf": csrf_of(swedish.text), "lang": "fi", "next": "/"})


async def test_a_company_approved_without_an_address_gives_its_own_on_the_company_page(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    tag = uuid.uuid4().hex[:8]
    email = f"paakayttaja-{tag}@osoitteeton.fi"
    officer = await _login(services, BASE, data.officer_email, OFFICER_PASSWORD)
    tenant = f"{BASE['registry']}/v1/tenants/{data.tenant_id}"
    request = _ok(await services.post(f"{tenant}/registration-requests", json={
        "company_name": f"Osoitteeton {tag} Oy", "business_id": random_business_id(random.Random(tag)),
        "street_address": "Kauppalankatu 1", "postal_code": "45100", "city": "Kouvola", "country": "FI",
        "first_name": "Olga", "last_name": "Osoitteeton", "email": email, "phone": "0401231234",
        "password": PROVIDER_PASSWORD, "password_again": PROVIDER_PASSWORD, "language": "fi"}),
        "registration request", 201)
    _ok(await services.post(f"{tenant}/registration-requests/{request['id']}/decision", headers=officer,
                            json={"decision": "approved"}), "approve the company")
    await login(portal, email, PROVIDER_PASSWORD)
    page = await portal.get("/provider/company")
    assert 'id="details-email"' in page.text and "ilmoitukset tulevat yrityksen rekisteröineelle" in page.text
    fields = {"name": f"Osoitteeton {tag} Oy", "street_address": "Kauppalankatu 1", "postal_code": "45100",
              "city": "Kouvola"}
    bad = await submit(portal, "/provider/company", "/provider/company/details", {**fields, "email": "ei osoite"})
    assert bad.status_code == 422 and 'id="details-email-error"' in bad.text
    saved = await submit(portal, "/provider/company", "/provider/company/details",
                         {**fields, "email": f"Toimisto-{tag}@osoitteeton.fi"})
    assert saved.status_code == 303, saved.text[-800:]
    assert f'value="toimisto-{tag}@osoitteeton.fi"' in (await portal.get("/provider/company")).text
