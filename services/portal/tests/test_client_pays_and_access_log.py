"""Issue 16/8 and 17/9 in the portal: the officer grants a content the client pays (no voucher value),
the client's provider reads and prints the co-payment breakdown, and the officer reads the client's
access log, where those reads are listed."""

from __future__ import annotations

import asyncio
import random
import re

import httpx

from seteli.demo import random_test_identity_code
from seteli.embedded import Suite

from .conftest import login, portal_app, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed


async def test_officer_grants_a_content_the_client_pays_without_a_voucher_value(portal: httpx.AsyncClient,
                                                                               data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    created = await submit(portal, "/officer/clients", "/officer/clients", {
        "first_name": "Eino", "last_name": "Ateria", "identity_code": random_test_identity_code(random.Random(1608)),
        "language": "fi"})
    assert created.status_code == 303, created.text[-1500:]
    url = created.headers["location"]
    form = await portal.get(url)
    meals = re.search(r'<option value="(' + data.home_care_id + r'/[^"]+)">Ateria \(([^)]*)\) – asiakas maksaa',
                      form.text)
    assert meals, "the content the client pays is offered for granting"
    month = data.voucher_month
    granted = await submit(portal, url, f"{url}/vouchers", {
        "content_id": meals.group(1), "granted_on": str(month.first), "valid_from": str(month.first),
        "valid_until": str(month.last), "granted_amount": "31", "period": "month", "voucher_value": ""})
    assert granted.status_code == 303, granted.text[-1500:]
    page = await portal.get(url)
    assert re.search(r"<li>Ateria: 31(\.00)? [^<]*, asiakas maksaa</li>", page.text), page.text[-3000:]
    voucher = await portal.get(re.search(r'href="(/officer/vouchers/[^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    assert re.search(r'<td class="num">asiakas maksaa</td>', voucher.text), voucher.text[-3000:]


async def _aino(portal: httpx.AsyncClient) -> str:
    listing = await portal.get("/provider/clients", params={"name": "Aino"})
    assert listing.status_code == 200, listing.text[-1500:]
    return re.search(r'href="/provider/clients/([^"/]+)/co-payments"', listing.text).group(1)  # type: ignore[union-attr]


async def test_the_provider_prints_its_clients_breakdown_and_the_officer_sees_the_reads_in_the_access_log(
        portal: httpx.AsyncClient, data: Seed, suite: Suite) -> None:
    month = data.demo.month
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    client_id = await _aino(portal)
    url = f"/provider/clients/{client_id}/co-payments"
    page = await portal.get(url, params={"service_id": data.service_id, "start": f"{month}-01", "end": f"{month}-28"})
    assert page.status_code == 200, page.text[-1500:]
    main = page.text[page.text.find("<main"):][:3000]
    assert "Omavastuuerittely: Aino Asiakas" in page.text and re.search(r'id="copay-total">[^<]*\d', page.text), main
    pdf_link = re.search(r'href="([^"]+co-payments\.pdf[^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    pdf = await portal.get(pdf_link.replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    elsewhere = await portal.get(url, params={"service_id": data.home_care_id, "start": f"{month}-01",
                                              "end": f"{month}-28"})  # a service the company gives her not
    assert elsewhere.status_code == 422 and 'id="copay-service_id-error"' in elsewhere.text
    assert "ei ole tässä palvelussa yrityksenne varausta" in elsewhere.text

    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=portal_app(suite, data)), base_url="http://portal",
                              timeout=60)
    async with other:
        await login(other, data.other_provider_email, PROVIDER_PASSWORD)
        refused = await other.get(url, params={"service_id": data.service_id, "start": f"{month}-01",
                                               "end": f"{month}-28"})
        assert refused.status_code == 404
        assert "Aino" not in refused.text

    officer = httpx.AsyncClient(transport=httpx.ASGITransport(app=portal_app(suite, data)), base_url="http://portal",
                                timeout=60)
    async with officer:
        await login(officer, data.officer_email, OFFICER_PASSWORD)
        client_page = await officer.get(f"/officer/clients/{client_id}")
        assert f'href="/officer/clients/{client_id}/access-log"' in client_page.text
        for _ in range(50):  # the reads travel from events to vouchers over the bus
            log = await officer.get(f"/officer/clients/{client_id}/access-log")
            assert log.status_code == 200, log.text[-1500:]
            if "Omavastuuerittely (PDF)" in log.text:
                break
            await asyncio.sleep(0.1)
        assert "Tietojen käyttöloki: Aino Asiakas" in log.text
        # who, for which organisation, what and why, in the reader's language: no codes, no ids
        row = (r"<td>Maija Meikäläinen</td><td>Palveluntuottajan pääkäyttäjä</td><td>{}</td><td>{}</td>"
               r"<td>Palvelun tuottaminen ja kirjaaminen</td>")
        company = "Hoivakoti Päivänsäde [0-9a-f]+ Oy"  # the demo's company, by name
        assert re.search(row.format(company, "Omavastuuerittely"), log.text), log.text[-3000:]
        assert re.search(row.format(company, r"Omavastuuerittely \(PDF\)"), log.text)
        assert "co_payment" not in log.text and "provider_admin" not in log.text and data.provider_id not in log.text
        await submit(officer, f"/officer/clients/{client_id}/access-log", "/language",
                     {"lang": "sv", "next": f"/officer/clients/{client_id}/access-log"})
        swedish = await officer.get(f"/officer/clients/{client_id}/access-log")
        assert re.search(r"<td>Serviceproducentens huvudanvändare</td><td>[^<]+</td><td>Specifikation av självrisk "
                         r"\(PDF\)</td><td>Produktion och registrering av servicen</td>", swedish.text), \
            swedish.text[-3000:]
