"""Issue 20: a site's phone number on the provider's site forms (add and edit) and on the public provider card;
a bad one is told at its field in Finnish and Swedish, with its label in the summary, and nothing is saved."""

from __future__ import annotations

import re

import httpx

from .conftest import login, submit
from .seed import PROVIDER_PASSWORD, Seed
from .test_company_search_info import BASE, _approved_company

FI_ERROR = "Anna puhelinnumero: suomalainen alkaa 0:lla, ulkomainen +-merkillä"
SV_ERROR = "Ange ett telefonnummer: ett finländskt börjar med 0, ett utländskt med +"


async def _sites(services: httpx.AsyncClient, portal: httpx.AsyncClient, provider_id: str) -> list[dict[str, str]]:
    card = await services.get(f"{BASE['registry']}/v1/catalog/providers/{provider_id}")
    assert card.status_code == 200, card.text
    return list(card.json()["sites"])


async def test_a_site_phone_is_added_edited_and_shown_on_the_public_card(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    company = await _approved_company(services, data)
    await login(portal, company.email, PROVIDER_PASSWORD)
    page = await portal.get("/provider/company")
    assert 'id="site-phone" name="phone" type="tel"' in page.text and "Esimerkiksi 05 123 4567" in page.text

    added = await submit(portal, "/provider/company", "/provider/company/sites", {
        "name": "Puhelintesti Koria", "notification_email": "koria@hakutesti.fi", "city": "Koria",
        "phone": "05  123 4567"})
    assert added.status_code == 303, added.text[-2000:]
    page = await portal.get("/provider/company")
    assert "<td>05 123 4567</td>" in page.text  # the company's own list of sites
    card = (await portal.get(f"/catalog/providers/{company.id}")).text
    assert '<span class="site-phone">Puhelin <a href="tel:051234567">05 123 4567</a></span>' in card

    row = re.search(r'<tr><td>Puhelintesti Koria</td>.*?href="(/provider/company/sites/[^"]+)"', page.text, re.S)
    assert row, page.text[-3000:]
    edit_url = row.group(1)
    form = await portal.get(edit_url)
    assert 'id="site-phone" name="phone" type="tel" value="05 123 4567"' in form.text
    changed = await submit(portal, edit_url, edit_url, {
        "name": "Puhelintesti Koria", "notification_email": "koria@hakutesti.fi", "city": "Koria",
        "postal_code": "", "phone": "+358 40 123 4567"})
    assert changed.status_code == 303, changed.text[-2000:]
    card = (await portal.get(f"/catalog/providers/{company.id}")).text
    assert '<a href="tel:+358401234567">+358 40 123 4567</a>' in card
    cleared = await submit(portal, edit_url, edit_url, {
        "name": "Puhelintesti Koria", "notification_email": "koria@hakutesti.fi", "city": "Koria",
        "postal_code": "", "phone": ""})
    assert cleared.status_code == 303
    assert {s["name"]: s["phone"] for s in await _sites(services, portal, company.id)}["Puhelintesti Koria"] is None
    assert "+358 40 123 4567" not in (await portal.get(f"/catalog/providers/{company.id}")).text


async def test_a_bad_site_phone_is_refused_in_finnish_and_swedish_and_nothing_is_saved(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    company = await _approved_company(services, data)
    await login(portal, company.email, PROVIDER_PASSWORD)
    before = await _sites(services, portal, company.id)

    # adding: the error at the field, the label (not the key) in the summary, what was typed kept
    bad = {"name": "Puhelinvirhe", "notification_email": "virhe@hakutesti.fi", "city": "Koria", "phone": "soita"}
    finnish = await submit(portal, "/provider/company", "/provider/company/sites", bad)
    assert finnish.status_code == 422
    assert FI_ERROR in finnish.text and 'id="site-phone-error"' in finnish.text
    assert f'<a href="#site-phone">Puhelin: {FI_ERROR}' in finnish.text
    assert re.search(r'id="site-phone"[^>]*aria-describedby="site-phone-hint site-phone-error" aria-invalid="true"',
                     finnish.text)
    assert 'value="soita"' in finnish.text and "must be a phone number" not in finnish.text
    assert await _sites(services, portal, company.id) == before

    # editing: nothing of the form is saved, the name neither
    edit_url = re.search(r'href="(/provider/company/sites/[^"]+)"', (await portal.get("/provider/company")).text)
    assert edit_url
    site = dict(before[0])
    refused = await submit(portal, edit_url.group(1), edit_url.group(1), {
        "name": "Uusi nimi", "notification_email": site["email"], "city": site["city"] or "", "postal_code": "",
        "phone": "123"})
    assert refused.status_code == 422 and FI_ERROR in refused.text
    assert f'<a href="#site-phone">Puhelin: {FI_ERROR}' in refused.text

    await submit(portal, "/provider/company", "/language", {"lang": "sv", "next": "/provider/company"})
    swedish = await submit(portal, "/provider/company", "/provider/company/sites", bad)
    assert swedish.status_code == 422
    assert f'<a href="#site-phone">Telefon: {SV_ERROR}' in swedish.text and "Till exempel 05 123 4567" in swedish.text
    refused = await submit(portal, edit_url.group(1), edit_url.group(1), {
        "name": "Uusi nimi", "notification_email": site["email"], "city": site["city"] or "", "postal_code": "",
        "phone": "040 123 4567 x"})
    assert refused.status_code == 422 and f'<a href="#site-phone">Telefon: {SV_ERROR}' in refused.text
    assert await _sites(services, portal, company.id) == before
