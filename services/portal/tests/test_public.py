"""Resident journeys without signing in: catalog search with removable filters, provider card, price
comparison, contact request, voucher look-up."""

from __future__ import annotations

import re

import httpx
from seteli_portal.i18n import money_fmt

from .conftest import csrf_of, submit
from .seed import Seed


async def test_search_shows_active_filters_each_removable_on_its_own(portal: httpx.AsyncClient, data: Seed) -> None:
    page = await portal.get("/catalog", params={"q": "Päivänsäde", "area": "Kouvola"})
    assert page.status_code == 200
    assert "1 palveluntuottaja<" in page.text and f'href="/catalog/providers/{data.provider_id}"' in page.text
    assert "Tehostettua palveluasumista" in page.text
    chips = re.findall(r'<a class="chip" href="([^"]+)">', page.text)
    assert len(chips) == 2
    without_area = next(c for c in chips if "area" not in c)
    assert "q=P%C3%A4iv%C3%A4ns%C3%A4de" in without_area and f"tenant_id={data.tenant_id}" in without_area
    everything = await portal.get("/catalog")
    assert "Hoivakoti Päivänsäde" in everything.text and 'class="chip"' not in everything.text


async def test_provider_card_comparison_and_contact_request(portal: httpx.AsyncClient, data: Seed) -> None:
    card = await portal.get(f"/catalog/providers/{data.provider_id}")
    assert card.status_code == 200 and "Hoivakoti Päivänsäde" in card.text
    compare_url = f"/catalog/compare/{data.tenant_id}/{data.service_id}"
    assert f'href="{compare_url}"' in card.text
    compare = await portal.get(compare_url)
    assert compare.status_code == 200 and money_fmt("150.00") in compare.text

    url = f"/catalog/providers/{data.provider_id}"
    missing = await submit(portal, url, f"{url}/contact", {"name": "Aino Asukas"})
    assert missing.status_code == 422
    assert 'id="contact-phone-error"' in missing.text and 'id="contact-consent-error"' in missing.text
    sent = await submit(portal, url, f"{url}/contact", {"name": "Aino Asukas", "phone": "0401234567",
                                                        "consent": "on"})
    assert sent.status_code == 303
    assert "Yhteydenottopyyntö lähetetty." in (await portal.get(url)).text


async def test_unknown_provider_card_is_a_404_page(portal: httpx.AsyncClient) -> None:
    page = await portal.get("/catalog/providers/00000000-0000-0000-0000-000000000000")
    assert page.status_code == 404 and "Sivua tai tietoa ei löytynyt." in page.text


async def test_voucher_look_up_needs_the_right_code_and_then_shows_the_voucher(portal: httpx.AsyncClient,
                                                                               data: Seed) -> None:
    page = await portal.get("/voucher")
    # the municipality is chosen from a list by its name, the portal's own one preselected
    tag = data.tenant_id.split("-", 1)[1]
    assert re.search(rf'<option value="{data.tenant_id}" selected>Demokunta {tag}</option>', page.text), page.text
    wrong = await portal.post("/voucher", data={"csrf": csrf_of(page.text), "tenant_id": data.tenant_id,
                                                "number": data.voucher_number, "verification_code": "WRONG123"})
    assert wrong.status_code == 422 and "Seteliä ei löytynyt." in wrong.text
    assert 'id="voucher-number-error"' in wrong.text
    right = await portal.post("/voucher", data={"csrf": csrf_of(page.text), "tenant_id": data.tenant_id,
                                                "number": data.voucher_number,
                                                "verification_code": data.verification_code})
    assert right.status_code == 200, right.text[-1500:]
    assert money_fmt("140.00") in right.text and "Palveluseteli" in right.text


async def test_municipalities_list_their_services_with_the_comparison_and_the_rulebook(portal: httpx.AsyncClient,
                                                                                    data: Seed) -> None:
    tag = data.tenant_id.split("-", 1)[1]
    page = await portal.get("/municipalities")
    assert page.status_code == 200 and f"Demokunta {tag}" in page.text
    section = re.search(rf'<section aria-labelledby="tenant-{data.tenant_id}-h".*?</section>', page.text, re.S)
    assert section, page.text[:3000]
    assert "Kotihoito" in section.group(0) and "Vertaile hintoja" in section.group(0)
    compare = re.search(r'href="(/catalog/compare/[^"]+)"', section.group(0)).group(1)  # type: ignore[union-attr]
    assert (await portal.get(compare)).status_code == 200
    swedish = await portal.get("/municipalities", headers={"accept-language": "sv"})
    assert f"Demokommun {tag}" in swedish.text and "Jämför priser" in swedish.text
