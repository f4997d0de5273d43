"""The resident's tray: providers gathered from the catalog into the session, one contact request to
all of them, contact details to print or email to oneself."""

from __future__ import annotations

import re
from urllib.parse import unquote

import httpx

from .conftest import csrf_of, login, submit
from .seed import PROVIDER_PASSWORD, Seed


async def test_tray_gathers_providers_and_one_request_goes_to_all(portal: httpx.AsyncClient, data: Seed) -> None:
    card_url = f"/catalog/providers/{data.provider_id}"
    empty = await portal.get("/tray")
    assert "Et ole vielä valinnut palveluntuottajia." in empty.text and "Valinnat (0)" in empty.text
    added = await submit(portal, card_url, "/tray/add", {"provider_id": data.provider_id, "next": card_url})
    assert added.status_code == 303 and added.headers["location"] == card_url
    card = await portal.get(card_url)
    assert "Lisätty valintoihin." in card.text and "Valinnat (1)" in card.text and "Valinnoissa." in card.text
    await submit(portal, card_url, "/tray/add", {"provider_id": data.provider_id})  # twice is still once

    tray = await portal.get("/tray")
    assert tray.text.count('class="card"') == 1 and "Hoivakoti Päivänsäde" in tray.text
    assert "1 valittu<" in tray.text and 'href="/tray/print"' in tray.text
    mailto = tray.text.split('href="mailto:?subject=')[1].split('"')[0]
    assert "Hoivakoti Päivänsäde" in unquote(mailto.replace("&amp;", "&"))

    refused = await portal.post("/tray/contact", data={"csrf": csrf_of(tray.text), "name": "Aino Asukas",
                                                       "message": "Soittakaa iltapäivällä"})
    assert refused.status_code == 422
    assert 'id="contact-phone-error"' in refused.text and 'id="contact-consent-error"' in refused.text
    assert "Soittakaa iltapäivällä" in refused.text  # what was typed is kept
    sent = await portal.post("/tray/contact", data={"csrf": csrf_of(tray.text), "name": "Tuomas Tarjotin",
                                                    "phone": "0401234567", "consent": "on"})
    assert sent.status_code == 303
    assert "Yhteydenottopyyntö lähetetty 1 palveluntuottajalle." in (await portal.get("/tray")).text

    printable = await portal.get("/tray/print")
    assert printable.status_code == 200 and "Hoivakoti Päivänsäde" in printable.text
    assert 'action="/tray/remove"' not in printable.text
    removed = await portal.post("/tray/remove", data={"csrf": csrf_of(tray.text), "provider_id": data.provider_id})
    assert removed.status_code == 303
    assert "Et ole vielä valinnut palveluntuottajia." in (await portal.get("/tray")).text

    # the company reads the request in the portal too, not only from its e-mail
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    requests = await portal.get("/provider/contact-requests")
    assert requests.status_code == 200, requests.text[-1500:]
    table = re.search(r'<table id="contact-requests">.*?</table>', requests.text, re.S)
    assert table and "Tuomas Tarjotin" in table.group(0) and 'href="tel:0401234567"' in table.group(0)


async def test_unknown_provider_is_not_put_in_the_tray(portal: httpx.AsyncClient) -> None:
    page = await portal.get("/tray")
    unknown = await portal.post("/tray/add", data={"csrf": csrf_of(page.text),
                                                   "provider_id": "00000000-0000-0000-0000-000000000000"})
    assert unknown.status_code == 404
    assert "Valinnat (0)" in (await portal.get("/tray")).text


async def test_tray_without_a_session_csrf_is_refused(portal: httpx.AsyncClient, data: Seed) -> None:
    forged = await portal.post("/tray/add", data={"csrf": "forged", "provider_id": data.provider_id})
    assert forged.status_code == 400 and "Valinnat (0)" in (await portal.get("/tray")).text
