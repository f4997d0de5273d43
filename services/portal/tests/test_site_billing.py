"""journeys.md, provider 2: "billing for the company or a site". The registry takes a site's own billing
information (its payments go to the site's account), but no page of the portal offered it: the company page's
billing form is the company's, and a site's page had none. The site's page now has it, in Finnish and Swedish:
an error at its field with what was typed kept, the site's own account saved, and back to the company's."""

from __future__ import annotations

import re

import httpx

from .conftest import csrf_of, login, submit
from .seed import PROVIDER_PASSWORD, Seed
from .test_swedish_pages import FINNISH_UI, _texts


async def _site_url(portal: httpx.AsyncClient, name: str) -> str:
    added = await submit(portal, "/provider/company", "/provider/company/sites", {
        "name": name, "notification_email": "kaakko@hoivakoti.fi", "city": "Kotka"})
    assert added.status_code == 303, added.text[-1500:]
    company = await portal.get("/provider/company")
    row = re.search(rf"<tr><td>{name}</td>.*?</tr>", company.text, re.S)
    assert row and "Yrityksen laskutustiedot" in row.group(0), company.text[-3000:]
    return re.search(r'href="(/provider/company/sites/[^"]+)"', row.group(0)).group(1)  # type: ignore[union-attr]


async def test_a_site_gets_its_own_billing_information_and_goes_back_to_the_companys(
        portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    url = await _site_url(portal, "Hoivakoti Kaakko")
    page = await portal.get(url)
    assert page.status_code == 200 and 'id="site-billing-h"' in page.text, page.text[-3000:]

    bad = await submit(portal, url, f"{url}/billing", {"iban": "FI00 1234", "bic": "OKOYFIHH",
                                                       "reference": "", "email": "kaakko@laskut.fi"})
    assert bad.status_code == 422
    assert "Tilinumero ei ole kelvollinen IBAN." in bad.text and 'href="#sitebilling-iban"' in bad.text
    assert re.search(r'id="sitebilling-iban"[^>]*value="FI00 1234"[^>]*aria-invalid="true"', bad.text)
    assert 'value="kaakko@laskut.fi"' in bad.text and "Hoivakoti Kaakko" in bad.text

    good = await submit(portal, url, f"{url}/billing", {"iban": "FI2112345600000785", "bic": "NDEAFIHH",
                                                        "reference": "1234561", "email": "kaakko@laskut.fi"})
    assert good.status_code == 303, good.text[-2000:]
    company = await portal.get(good.headers["location"])
    assert "Laskutustiedot tallennettu." in company.text
    row = re.search(r"<tr><td>Hoivakoti Kaakko</td>.*?</tr>", company.text, re.S)
    assert row and "Omat laskutustiedot" in row.group(0)
    assert 'value="FI2112345600000785"' in (await portal.get(url)).text

    # in Swedish: the site's page and its refusal, none of it in Finnish
    await portal.post("/language", data={"csrf": csrf_of(company.text), "lang": "sv", "next": url})
    svenska = await portal.get(url)
    assert "Faktureringsuppgifter" in svenska.text and [fi for fi in FINNISH_UI if fi in _texts(svenska.text)] == []
    refused = await submit(portal, url, f"{url}/billing", {"iban": "FI2112345600000785", "bic": "NDEAFIHH",
                                                           "reference": "RF351234561"})
    assert refused.status_code == 422 and "Referensnumret är inte giltigt" in refused.text
    assert [fi for fi in FINNISH_UI if fi in _texts(refused.text)] == []

    # back to the company's account
    back = await submit(portal, url, f"{url}/billing", {"remove": "on"})
    assert back.status_code == 303, back.text[-2000:]
    company = await portal.get(back.headers["location"])
    row = re.search(r"<tr><td>Hoivakoti Kaakko</td>.*?</tr>", company.text, re.S)
    assert row and "Företagets faktureringsuppgifter" in row.group(0)
