"""Tenant admin, journey 1: defines a voucher service (names fi/sv, contents with units and who pays, required
attachments, a rulebook), then changes it: names and settlement calendar, a renamed and an added content,
a version of the interruption rule from a date, a new rulebook version. Every refusal names its field in the
admin's language and changes nothing; the public list of municipalities shows the service."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
from seteli_common.clock import SystemClock, today_in_helsinki

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed


async def test_a_tenant_admin_defines_a_service_and_changes_it(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)  # the demo tenant's admin
    page = await portal.get("/officer/services")
    assert page.status_code == 200 and 'href="/officer/services" aria-current="page"' in page.text
    services_before = page.text.count('<tr id="service-')
    assert services_before >= 1

    half = await submit(portal, "/officer/services", "/officer/services", {
        "name_fi": "Kotisiivous", "name_sv": "", "kind": "voucher",
        "contents.0.name_fi": "Siivous", "contents.0.name_sv": "", "contents.0.unit": "hour"})
    assert half.status_code == 422
    assert 'id="service-name_sv-error"' in half.text and 'id="service-contents-0-name_sv-error"' in half.text
    assert 'value="Kotisiivous"' in half.text  # what was typed stays
    assert (await portal.get("/officer/services")).text.count('<tr id="service-') == services_before

    page = await portal.get("/officer/services")
    created = await portal.post("/officer/services", data={
        "csrf": csrf_of(page.text), "name_fi": "Kotisiivous", "name_sv": "Hemstädning", "kind": "voucher",
        "contents.0.name_fi": "Siivous", "contents.0.name_sv": "Städning", "contents.0.unit": "hour",
        "contents.1.name_fi": "Siivoustarvikkeet", "contents.1.name_sv": "Städmaterial", "contents.1.unit": "piece",
        "contents.1.client_pays": "on", "required.company": ["trade_register_extract", "liability_insurance"],
        "rulebook_effective_from": "2027-01-01", "rulebook_text": "Kotisiivouksen sääntökirja 2027"})
    assert created.status_code == 303, created.text[-2000:]
    url = created.headers["location"]
    page = await portal.get(url)
    assert "Palvelu Kotisiivous luotu." in page.text and "<h1>Kotisiivous</h1>" in page.text
    contents = re.search(r'<table id="contents">.*?</table>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert 'value="Siivous"' in contents and "<td>h</td>" in contents and "<td>kpl</td>" in contents
    assert re.search(r'name="contents\.1\.client_pays" type="checkbox" checked', contents)
    assert 'id="attachments-company-trade_register_extract" name="required.company" value="trade_register_extract" ' \
           'type="checkbox" checked' in page.text
    assert "Versio 1, voimassa 1.1.2027 alkaen" in page.text

    # names and calendar: a calendar out of order is refused and changes nothing
    wrong = await submit(portal, url, f"{url}/basics", {
        "name_fi": "Kotisiivous", "name_sv": "Hemstädning", "provider_deadline_day": "5",
        "approval_deadline_day": "3", "transfer_day": "4"})
    assert wrong.status_code == 422 and "Päivien järjestys" in wrong.text
    saved = await submit(portal, url, f"{url}/basics", {
        "name_fi": "Kotisiivous ja kauppa", "name_sv": "Hemstädning och butik", "auto_recording": "",
        "provider_deadline_day": "2", "approval_deadline_day": "3", "transfer_day": "5"})
    assert saved.status_code == 303
    page = await portal.get(url)
    assert "<h1>Kotisiivous ja kauppa</h1>" in page.text and 'name="transfer_day" type="number" value="5"' in page.text

    # contents: one renamed, one added; the unit of an existing content is not offered for change
    page = await portal.get(url)
    changed = await portal.post(f"{url}/contents", data={
        "csrf": csrf_of(page.text), "contents.0.name_fi": "Siivous / tunti", "contents.0.name_sv": "Städning / timme",
        "contents.1.name_fi": "Siivoustarvikkeet", "contents.1.name_sv": "Städmaterial", "contents.1.client_pays": "on",
        "contents.2.name_fi": "Kauppa-asiointi", "contents.2.name_sv": "Butiksärenden", "contents.2.unit": "hour"})
    assert changed.status_code == 303, changed.text[-2000:]
    page = await portal.get(url)
    contents = re.search(r'<table id="contents">.*?</table>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert 'value="Siivous / tunti"' in contents and 'value="Kauppa-asiointi"' in contents
    assert contents.count('<tr id="content-') == 4  # three contents and the row for a new one

    # the interruption rule from a date: a gap is refused in Finnish; then a rule of two bands
    gap = await submit(portal, url, f"{url}/interruption-rule", {
        "valid_from": "2027-01-01", "hospital.0.from_day": "1", "hospital.0.to_day": "10",
        "hospital.0.percentage": "100"})
    assert gap.status_code == 422 and "Jakson pitää alkaa päivästä 0." in gap.text
    assert "Palvelulla ei ole keskeytyssääntöä" in gap.text
    rule = await submit(portal, url, f"{url}/interruption-rule", {
        "valid_from": "2027-01-01", "hospital.0.from_day": "0", "hospital.0.to_day": "10",
        "hospital.0.percentage": "100", "hospital.1.from_day": "11", "hospital.1.to_day": "",
        "hospital.1.percentage": "0", "hospital.return_day_percentage": "50"})
    assert rule.status_code == 303, rule.text[-2000:]
    page = await portal.get(url)
    table = re.search(r'<table id="rule-2027-01-01">.*?</table>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert "päivät 0–10: 100 %" in table and "päivät 11–…: 0 %" in table and "50 %" in table

    # a new rulebook version; an empty one is refused
    empty = await submit(portal, url, f"{url}/rulebook", {"effective_from": "", "text": ""})
    assert empty.status_code == 422 and 'id="rulebook-text-error"' in empty.text
    assert "Anna sääntökirjan teksti tai linkki asiakirjaan." in empty.text
    version = await submit(portal, url, f"{url}/rulebook", {"effective_from": "2027-06-01",
                                                            "text": "Kotisiivouksen sääntökirja, kesäkuu 2027"})
    assert version.status_code == 303
    assert "Versio 2, voimassa 1.6.2027 alkaen" in (await portal.get(url)).text
    # or as a link to the municipality's own document: an address that is not a web address is refused
    script = await submit(portal, url, f"{url}/rulebook", {"effective_from": "2027-08-01",
                                                           "document_url": "javascript:alert(1)"})
    assert script.status_code == 422 and 'id="rulebook-document_url-error"' in script.text
    assert "Anna verkko-osoite, joka alkaa https://" in script.text and 'href="javascript:' not in script.text
    linked = await submit(portal, url, f"{url}/rulebook", {
        "effective_from": "2027-08-01", "document_url": "https://www.kouvola.fi/saantokirja-2027-08.pdf"})
    assert linked.status_code == 303
    listed = await portal.get(url)
    assert "Versio 3, voimassa 1.8.2027 alkaen" in listed.text
    assert '<a href="https://www.kouvola.fi/saantokirja-2027-08.pdf" rel="noopener">' in listed.text

    # everyone hears of it: the public list of municipalities shows the service by its new name
    for _ in range(100):
        public = await portal.get("/municipalities")
        if "Kotisiivous ja kauppa" in public.text:
            break
        await asyncio.sleep(0.1)
    assert "Kotisiivous ja kauppa" in public.text


async def test_a_company_does_not_reach_the_municipalitys_services(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    assert (await portal.get("/officer/services")).status_code == 403


async def test_a_tenant_admin_schedules_a_content_change_in_swedish_and_cancels_it(
        portal: httpx.AsyncClient, data: Seed) -> None:
    """A change of who pays a content from a later day ("Gäller från"): listed with its day until then, the
    service unchanged today; a past day is refused in Swedish with the field's label; cancelled, it is gone."""
    await login(portal, data.officer_email, OFFICER_PASSWORD)  # the demo tenant's admin
    home = await portal.get("/officer")
    await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/officer/services"})
    page = await portal.get("/officer/services")
    created = await portal.post("/officer/services", data={
        "csrf": csrf_of(page.text), "name_fi": "Omaishoidon vapaa", "name_sv": "Ledighet för närståendevård",
        "kind": "voucher", "contents.0.name_fi": "Vapaapäivä", "contents.0.name_sv": "Ledig dag",
        "contents.0.unit": "day"})
    assert created.status_code == 303, created.text[-2000:]
    url = created.headers["location"]
    page = await portal.get(url)
    assert "Kommande ändringar" in page.text and "Tjänsten har inga kommande ändringar." in page.text
    assert 'id="contents-effective_from"' in page.text and 'id="basics-effective_from"' in page.text
    assert 'id="attachments-effective_from"' in page.text

    today = today_in_helsinki(SystemClock())
    fields = {"contents.0.name_fi": "Vapaapäivä", "contents.0.name_sv": "Ledig dag", "contents.0.client_pays": "on"}
    past = await submit(portal, url, f"{url}/contents", {**fields, "effective_from": str(today - timedelta(days=1))})
    assert past.status_code == 422
    assert "Gäller från: Dagen kan inte ha passerat" in past.text and 'id="contents-effective_from-error"' in past.text

    later = today + timedelta(days=40)
    shown = f"{later.day}.{later.month}.{later.year}"
    scheduled = await submit(portal, url, f"{url}/contents", {**fields, "effective_from": later.isoformat()})
    assert scheduled.status_code == 303, scheduled.text[-2000:]
    page = await portal.get(url)
    assert f"Ändringen har sparats: den gäller från {shown}." in page.text
    listed = re.search(r'<table id="scheduled-changes">.*?</table>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert f"<td>{shown}</td>" in listed and "<td>Innehåll</td>" in listed
    contents = re.search(r'<table id="contents">.*?</table>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert not re.search(r'name="contents\.0\.client_pays" type="checkbox" checked', contents)  # today: as before

    cancel = re.search(r'action="(/officer/services/[^"]+/scheduled-changes/[^"]+/cancel)"', listed).group(1)  # type: ignore[union-attr]
    cancelled = await portal.post(cancel, data={"csrf": csrf_of(page.text)})
    assert cancelled.status_code == 303
    page = await portal.get(url)
    assert "Ändringen har återkallats." in page.text and 'id="scheduled-changes"' not in page.text
    again = await portal.post(cancel, data={"csrf": csrf_of(page.text)})
    assert again.status_code == 303
    assert "Ändringen kunde inte återkallas" in (await portal.get(url)).text
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "fi", "next": "/officer"})


async def _two_content_service(portal: httpx.AsyncClient, name_fi: str, name_sv: str) -> tuple[str, list[str]]:
    page = await portal.get("/officer/services")
    created = await portal.post("/officer/services", data={
        "csrf": csrf_of(page.text), "name_fi": name_fi, "name_sv": name_sv, "kind": "voucher",
        "contents.0.name_fi": "Pesu", "contents.0.name_sv": "Tvätt", "contents.0.unit": "hour",
        "contents.1.name_fi": "Silitys", "contents.1.name_sv": "Strykning", "contents.1.unit": "hour"})
    assert created.status_code == 303, created.text[-2000:]
    url = created.headers["location"]
    page = await portal.get(url)
    ids = re.findall(r'<div class="content-end" id="end-content-([^"]+)">', page.text)
    assert len(ids) == 2
    return url, ids


async def test_a_tenant_admin_ends_a_content_at_once_in_finnish(portal: httpx.AsyncClient, data: Seed) -> None:
    """"Päätä sisältö" with no day: the content ends today, the page says so and offers no second end; a past
    day is refused in Finnish with the field's label, and the content goes on."""
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    url, (wash, ironing) = await _two_content_service(portal, "Pyykkipalvelu", "Tvättservice")
    assert "Päätä sisältö" in (await portal.get(url)).text
    today = today_in_helsinki(SystemClock())

    past = await submit(portal, url, f"{url}/contents/{ironing}/end", {"ends_from": str(today - timedelta(days=1))})
    assert past.status_code == 422
    assert "Päättyy alkaen: Päivä ei voi olla mennyt" in past.text
    assert f'id="end-{ironing}-ends_from-error"' in past.text and f'min="{today.isoformat()}"' in past.text

    ended = await submit(portal, url, f"{url}/contents/{wash}/end", {"ends_from": ""})
    assert ended.status_code == 303, ended.text[-2000:]
    page = await portal.get(url)
    assert "Sisältö Pesu on päätetty tästä päivästä alkaen." in page.text
    block = re.search(rf'<div class="content-end" id="end-content-{wash}">.*?</div>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert f"Sisältö on päättynyt {today.day}.{today.month}.{today.year}." in block and "<form" not in block
    other = re.search(rf'<div class="content-end" id="end-content-{ironing}">.*?</div>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert "<form" in other  # the other content goes on
    assert "Palvelulla ei ole tulevia muutoksia." in page.text
    # the officer's voucher form offers the content no more; the other one still
    service_id = url.rstrip("/").rsplit("/", 1)[-1]
    client = await portal.get(f"/officer/clients/{data.care_client_id}")
    assert f'value="{service_id}/{ironing}"' in client.text and f'value="{service_id}/{wash}"' not in client.text


async def test_a_tenant_admin_ends_a_content_from_a_later_day_in_swedish_and_cancels_it(
        portal: httpx.AsyncClient, data: Seed) -> None:
    """"Avsluta innehåll" from a later day: listed under the coming changes with what ends, the content
    marked as ending on that day; cancelled, the content goes on and can be ended again."""
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    home = await portal.get("/officer")
    await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/officer/services"})
    url, (wash, _) = await _two_content_service(portal, "Pyykkipalvelu 2", "Tvättservice 2")
    later = today_in_helsinki(SystemClock()) + timedelta(days=30)
    shown = f"{later.day}.{later.month}.{later.year}"
    page = await portal.get(url)
    assert "Avsluta innehåll" in page.text and "Upphör från" in page.text

    ended = await submit(portal, url, f"{url}/contents/{wash}/end", {"ends_from": later.isoformat()})
    assert ended.status_code == 303, ended.text[-2000:]
    page = await portal.get(url)
    assert f"Innehållet Tvätt upphör {shown}. Det kan återkallas fram till dess." in page.text
    listed = re.search(r'<table id="scheduled-changes">.*?</table>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert f"<td>{shown}</td>" in listed and "Innehållet Tvätt upphör" in listed
    block = re.search(rf'<div class="content-end" id="end-content-{wash}">.*?</div>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert f"Innehållet upphör {shown} (se Kommande ändringar)." in block and "<form" not in block

    cancel = re.search(r'action="(/officer/services/[^"]+/scheduled-changes/[^"]+/cancel)"', listed).group(1)  # type: ignore[union-attr]
    assert (await portal.post(cancel, data={"csrf": csrf_of(page.text)})).status_code == 303
    page = await portal.get(url)
    assert "Ändringen har återkallats." in page.text and 'id="scheduled-changes"' not in page.text
    block = re.search(rf'<div class="content-end" id="end-content-{wash}">.*?</div>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert "<form" in block
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "fi", "next": "/officer"})
