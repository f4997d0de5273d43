"""An ended content everywhere it shows (issue 19): the public price comparison stops showing it and its prices
from its end day (one ending later says so, fi/sv); the tenant admin's contents table marks it ended and offers
no fields to edit it, and saving the other contents leaves it as it was."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx
from seteli_common.clock import SystemClock, today_in_helsinki
from seteli_portal.i18n import money_fmt

from seteli.demo import _ok, sign_application

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import officer_headers

BASE = {name: f"http://suite/{name}" for name in ("registry", "applications", "vouchers", "events", "settlement")}
PRICES = {"Kylvetys": "21.00", "Ateria": "9.40", "Siivous": "33.30"}


def _shown(day: Any) -> str:
    return f"{day.day}.{day.month}.{day.year}"


async def _priced_service(services: httpx.AsyncClient, data: Seed, name_fi: str) -> dict[str, Any]:
    """A service of three contents the seed's company is approved for, with a price for each."""
    officer = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    tenant = f"{BASE['applications']}/v1/tenants/{data.tenant_id}"
    service = _ok(await services.post(f"{tenant}/services", headers=officer, json={
        "name_fi": name_fi, "name_sv": f"{name_fi} sv", "kind": "voucher", "auto_recording": False,
        "contents": [{"name_fi": n, "name_sv": f"{n} sv", "unit": "piece", "client_pays": False} for n in PRICES]}),
        "define", 201)
    application = _ok(await services.post(f"{tenant}/applications", headers=provider,
                                          json={"service_id": service["id"]}), "apply", 201)
    app_url = f"{tenant}/applications/{application['id']}"
    _ok(await services.post(f"{app_url}/price-lists", headers=provider, json={
        "name": "Hinnasto", "start": "2016-01-01", "producer_part": None,
        "prices": [{"content_id": c["id"], "unit_price": PRICES[c["name_fi"]]} for c in service["contents"]]}),
        "prices", 201)
    assertion = await sign_application(services, BASE, provider, data.tenant_id, app_url,
                                       data.demo.provider_business_id)
    _ok(await services.post(f"{app_url}/submit", headers=provider,
                            json={"accept_rulebook": True, "signature_assertion": assertion}), "submit")
    _ok(await services.post(f"{app_url}/decision", headers=officer, json={"decision": "approve"}), "approve")
    return dict(service)


async def _compared(portal: httpx.AsyncClient, url: str, until: str, absent: str = "") -> str:
    """The comparison page once the registry has heard of what was done (it learns over the bus)."""
    for _ in range(150):
        page = await portal.get(url)
        if page.status_code == 200 and until in page.text and (not absent or absent not in page.text):
            return page.text
        await asyncio.sleep(0.2)
    raise AssertionError(f"the comparison never showed {until!r}: {page.text[-3000:]}")


async def _defined_by_the_admin(portal: httpx.AsyncClient, data: Seed, name_fi: str, name_sv: str,
                                contents: list[tuple[str, str, str]]) -> tuple[str, list[str]]:
    """A service defined on the admin's services page: its page's address and its contents' ids in order."""
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    page = await portal.get("/officer/services")
    form = {"csrf": csrf_of(page.text), "name_fi": name_fi, "name_sv": name_sv, "kind": "voucher"}
    for i, (fi, sv, unit) in enumerate(contents):
        form |= {f"contents.{i}.name_fi": fi, f"contents.{i}.name_sv": sv, f"contents.{i}.unit": unit}
    created = await portal.post("/officer/services", data=form)
    assert created.status_code == 303, created.text[-2000:]
    url = created.headers["location"]
    return url, re.findall(r'<div class="content-end" id="end-content-([^"]+)">', (await portal.get(url)).text)


async def test_the_price_comparison_drops_an_ended_content_and_says_when_one_ends_in_finnish_and_swedish(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    service = await _priced_service(services, data, "Kotipalvelu vertailu")
    ids = {c["name_fi"]: c["id"] for c in service["contents"]}
    url = f"/catalog/compare/{data.tenant_id}/{service['id']}"
    before = await _compared(portal, url, money_fmt("9.40"))
    assert all(money_fmt(p) in before for p in PRICES.values())

    officer = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)
    ends = f"{BASE['applications']}/v1/tenants/{data.tenant_id}/services/{service['id']}/contents"
    later = today_in_helsinki(SystemClock()) + timedelta(days=20)
    _ok(await services.post(f"{ends}/{ids['Ateria']}/end", headers=officer, json={"ends_from": None}), "end now")
    _ok(await services.post(f"{ends}/{ids['Siivous']}/end", headers=officer, json={"ends_from": str(later)}),
        "end later")
    page = await _compared(portal, url, f"päättyy {_shown(later)}", absent=money_fmt("9.40"))
    header = re.search(r"<thead>.*?</thead>", page, re.S).group(0)  # type: ignore[union-attr]
    assert "Ateria" not in header and "Kylvetys" in header and "Siivous" in header
    assert money_fmt("21.00") in page and money_fmt("33.30") in page  # ending later: still compared until then
    assert "–" not in re.search(r"<tbody>.*?</tbody>", page, re.S).group(0)  # type: ignore[union-attr]

    home = await portal.get("/")
    await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/"})
    swedish = (await portal.get(url)).text
    assert f"upphör {_shown(later)}" in swedish and "Ateria sv" not in swedish and "päättyy" not in swedish
    await portal.post("/language", data={"csrf": csrf_of(swedish), "lang": "fi", "next": "/"})


async def test_the_contents_table_marks_an_ended_content_and_offers_no_fields_for_it(
        portal: httpx.AsyncClient, data: Seed) -> None:
    url, (shop, pharmacy) = await _defined_by_the_admin(portal, data, "Kauppapalvelu", "Butikstjänst",
                                                        [("Kauppa", "Butik", "piece"), ("Apteekki", "Apotek", "piece")])
    today = _shown(today_in_helsinki(SystemClock()))
    assert (await submit(portal, url, f"{url}/contents/{pharmacy}/end", {"ends_from": ""})).status_code == 303

    page = await portal.get(url)
    row = re.search(rf'<tr id="content-{pharmacy}" class="ended">.*?</tr>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert f"Päättynyt {today}" in row and "Apteekki" in row and "<input" not in row
    going_on = re.search(rf'<tr id="content-{shop}">.*?</tr>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert "<input" in going_on and "Päättynyt" not in going_on
    # The other content is renamed; what a form might still send for the ended one changes nothing.
    saved = await submit(portal, url, f"{url}/contents", {
        "contents.0.name_fi": "Kauppa-asiointi", "contents.0.name_sv": "Butiksärenden",
        "contents.1.name_fi": "Muutettu", "contents.1.name_sv": "Ändrat", "contents.1.client_pays": "on"})
    assert saved.status_code == 303, saved.text[-3000:]
    page = await portal.get(url)
    row = re.search(rf'<tr id="content-{pharmacy}" class="ended">.*?</tr>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert "Apteekki" in row and "Apotek" in row and "Muutettu" not in page.text and "Asiakas maksaa" not in row
    assert 'value="Kauppa-asiointi"' in page.text

    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "sv", "next": url})
    swedish = (await portal.get(url)).text
    row = re.search(rf'<tr id="content-{pharmacy}" class="ended">.*?</tr>', swedish, re.S).group(0)  # type: ignore[union-attr]
    assert f"Upphört {today}" in row and "Päättynyt" not in row
    await portal.post("/language", data={"csrf": csrf_of(swedish), "lang": "fi", "next": "/officer"})


async def test_of_two_contents_with_the_same_names_only_the_one_ending_later_says_so(
        portal: httpx.AsyncClient, data: Seed) -> None:
    same_names = [("Asiointi", "Ärende", "piece"), ("Asiointi", "Ärende", "hour")]
    url, (first, second) = await _defined_by_the_admin(portal, data, "Asiointipalvelu", "Ärendetjänst", same_names)
    later = today_in_helsinki(SystemClock()) + timedelta(days=30)
    ended = await submit(portal, url, f"{url}/contents/{second}/end", {"ends_from": later.isoformat()})
    assert ended.status_code == 303, ended.text[-2000:]

    page = (await portal.get(url)).text
    ending = re.search(rf'<div class="content-end" id="end-content-{second}">.*?</div>', page, re.S).group(0)  # type: ignore[union-attr]
    assert _shown(later) in ending and "<form" not in ending
    going_on = re.search(rf'<div class="content-end" id="end-content-{first}">.*?</div>', page, re.S).group(0)  # type: ignore[union-attr]
    assert _shown(later) not in going_on and "<form" in going_on  # still offered an end of its own
