"""The application's eight steps (issue 20): the company as the registry has it, sites, operating areas
and units chosen among the company's own, employees and subcontractors, price lists for any producer part
with their additional information edited, and the summary before signing, in Finnish and Swedish."""

from __future__ import annotations

import base64
import json
import random
import re
from typing import Any

import httpx

from seteli.demo import _eventually, random_business_id

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import officer_headers
from .test_provider import sign_at_fake_identity
from .test_swedish_pages import _swedish

SUITE = "http://suite"


def _section(html: str, element_id: str) -> str:
    """The element with that id, up to its first closing tag of the same name (none of them nest)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}".*?</\1>', html, re.S)
    assert match, f"no #{element_id} on the page"
    return match.group(0)


def _provider_id(headers: dict[str, str]) -> str:
    payload = headers["authorization"].split()[1].split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["provider"])


async def _housing_service(services: httpx.AsyncClient, data: Seed) -> dict[str, Any]:
    """A service the second company applies to: a company attachment is required and a rulebook is in force."""
    officer = await officer_headers(services, SUITE, data.officer_email, OFFICER_PASSWORD)
    created = await services.post(f"{SUITE}/applications/v1/tenants/{data.tenant_id}/services", headers=officer, json={
        "name_fi": "Ryhmäasuminen", "name_sv": "Gruppboende", "kind": "voucher", "auto_recording": False,
        "contents": [{"name_fi": "Asuminen / vrk", "name_sv": "Boende / dygn", "unit": "day", "client_pays": False}],
        "required_attachments": {"company": [{"type": "self_monitoring_plan", "name_fi": "Omavalvontasuunnitelma"}]},
        "rulebook_versions": [{"effective_from": "2016-01-01", "text": "Ryhmäasumisen sääntökirja 2016"}]})
    assert created.status_code == 201, created.text
    return dict(created.json())


async def test_a_provider_fills_the_eight_steps_reads_the_summary_then_signs_and_sends(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    service = await _housing_service(services, data)
    company = await officer_headers(services, SUITE, data.other_provider_email, PROVIDER_PASSWORD)
    registry = f"{SUITE}/registry/v1/providers/{_provider_id(company)}"
    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    dashboard = await portal.get("/provider")
    created = await portal.post("/provider/applications", data={"csrf": csrf_of(dashboard.text),
                                                                "service_id": service["id"]})
    assert created.status_code == 303 and created.headers["location"].startswith("/provider/applications/")
    url = created.headers["location"]

    # steps 3 and 4 before the company has any units: said so, with a link to where they are entered
    page = await portal.get(url)
    assert page.status_code == 200, page.text[-2000:]
    for step in ("1. Yritys", "2. Toimipaikat", "3. Toiminta-alueet", "4. Yksiköt", "5. Työntekijät",
                 "6. Alihankkijat", "7. Hinnastot", "8. Yhteenveto"):
        assert step in page.text
    assert 'id="units-none">Yritykselle ei ole vielä ilmoitettu yksiköitä.' in page.text
    units_section = page.text.split('id="units-h"')[1].split("</section>")[0]
    assert 'href="/provider/company"' in units_section

    # the company's areas, units and people, entered on the company's pages (another journey)
    assert (await services.patch(registry, headers=company, json={
        "operating_areas": ["Kouvola", "Iitti"], "units": ["Ryhmäkoti Kuusi", "Ryhmäkoti Koivu"],
        "contact_person": "Olli Muu"})).status_code == 200
    employee = await services.post(f"{registry}/employees", headers=company,
                                   json={"name": "Eeva Esimerkki", "title": "sairaanhoitaja"})
    assert employee.status_code == 201, employee.text
    subcontractor = await services.post(f"{registry}/subcontractors", headers=company, json={
        "name": "Apusiivous Oy", "business_id": random_business_id(random.Random(2020))})
    assert subcontractor.status_code == 201, subcontractor.text

    # step 1: the company as the registry has it, a link to edit it, and notes
    page = await portal.get(url)
    details = _section(page.text, "application-company-details")
    assert "Olli Muu" in details and "Toinen Hoiva" in details
    business_id = re.search(r"\d{7}-\d", details).group(0)  # type: ignore[union-attr]
    assert 'href="/provider/company">Muokkaa yrityksen tietoja</a>' in page.text
    saved = await submit(portal, url, f"{url}/company", {"notes": "Tiedot tarkistettu"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("#company-h")
    # step 2: the company's site
    page = await portal.get(url)
    site_id = re.search(r'name="site_ids" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert (await submit(portal, url, f"{url}/sites", {"site_ids": site_id})).status_code == 303
    # steps 3 and 4: chosen among the company's own
    page = await portal.get(url)
    assert 'value="Iitti"' in page.text and 'value="Ryhmäkoti Koivu"' in page.text
    assert (await submit(portal, url, f"{url}/operating-areas", {"ids": "Kouvola"})).status_code == 303
    saved = await submit(portal, url, f"{url}/units", {"ids": "Ryhmäkoti Kuusi", "notes": "Kuusi aloittaa 2016"})
    assert saved.status_code == 303
    # steps 5 and 6
    assert (await submit(portal, url, f"{url}/steps/employees", {"ids": employee.json()["id"]})).status_code == 303
    assert (await submit(portal, url, f"{url}/steps/subcontractors",
                         {"ids": subcontractor.json()["id"]})).status_code == 303

    # step 7: a company list and a list for the unit, whose information is then edited
    page = await portal.get(url)
    assert '<option value="unit:Ryhmäkoti Kuusi">Ryhmäkoti Kuusi</option>' in page.text
    assert '<option value="employee:' in page.text and "unit:Ryhmäkoti Koivu" not in page.text
    content_id = re.search(r'name="prices.0.content_id" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    prices = {"price_count": "1", "prices.0.content_id": content_id}
    company_list = await submit(portal, url, f"{url}/price-lists",
                                {**prices, "name": "Yritys 2016", "start": "2016-01-01", "prices.0.unit_price": "95"})
    assert company_list.status_code == 303, company_list.text[-2000:]
    unit_list = await submit(portal, url, f"{url}/price-lists", {
        **prices, "name": "Kuusi 2016", "start": "2016-01-01", "producer_part": "unit:Ryhmäkoti Kuusi",
        "prices.0.unit_price": "102,50", "additional_info": "Sis. ateriat"})
    assert unit_list.status_code == 303, unit_list.text[-2000:]
    page = await portal.get(url)
    row = re.search(r'<tr id="pl-([^"]+)"><td>Kuusi 2016</td>.*?</tr>', page.text, re.S)
    assert row, page.text[-4000:]
    assert "<td>Ryhmäkoti Kuusi</td>" in row.group(0) and "102,50\u00a0€ / vrk" in row.group(0)
    assert ">Sis. ateriat</textarea>" in row.group(0)
    info_url = f"{url}/price-lists/{row.group(1)}/info"
    edited = await submit(portal, url, info_url, {"additional_info": "Sisältää ateriat ja siivouksen"})
    assert edited.status_code == 303 and edited.headers["location"].endswith(f"#pl-{row.group(1)}")
    page = await portal.get(url)
    assert "Hinnaston lisätiedot tallennettu." in page.text
    assert ">Sisältää ateriat ja siivouksen</textarea>" in page.text
    # the company's price lists page names the producer part too
    lists = (await portal.get("/provider/price-lists")).text
    assert re.search(r"<td>Kuusi 2016</td>\s*<td>Ryhmäkoti Kuusi</td>", lists), lists[-3000:]
    assert re.search(r"<td>Yritys 2016</td>\s*<td>Koko yritys</td>", lists)

    # step 8: every choice by name, the attachments, the price lists, what is missing and the rulebook
    summary = page.text.split('id="summary-h"')[1].split("</section>")[0]
    assert "Toinen Hoiva" in summary and business_id in summary and "Tiedot tarkistettu" in summary
    assert "Ryhmäkoti Kuusi" in _section(summary, "summary-units")
    assert "Ryhmäkoti Koivu" not in _section(summary, "summary-units")
    assert "Kuusi aloittaa 2016" in _section(summary, "summary-units")
    assert "Kouvola" in _section(summary, "summary-operating_areas")
    assert "Eeva Esimerkki, sairaanhoitaja" in _section(summary, "summary-employees")
    assert "Apusiivous Oy" in _section(summary, "summary-subcontractors")
    assert employee.json()["id"] not in _section(summary, "summary-employees")  # names, not ids
    listed = summary.split('id="summary-price-lists"')[1].split('id="summary-missing-h"')[0]  # lists in a list
    assert "Yritys 2016" in listed and "95,00\u00a0€ / vrk" in listed and "Koko yritys" in listed
    assert "Kuusi 2016</strong> – Ryhmäkoti Kuusi" in listed and "Sisältää ateriat ja siivouksen" in listed
    missing = _section(summary, "summary-missing")
    assert "Liite puuttuu: Omavalvontasuunnitelma – Toinen Hoiva" in missing
    assert "Ei liitteitä." in summary
    rulebook = " ".join(_section(page.text, "summary-rulebook").split())
    assert "Hyväksyttävä sääntökirja: Versio 1, voimassa 1.1.2016 alkaen" in rulebook, rulebook

    # the same summary in Swedish
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "sv", "next": url})
    swedish = await portal.get(url)
    summary_sv = swedish.text.split('id="summary-h"')[1].split("</section>")[0]
    assert "8. Sammanfattning" in swedish.text and "4. Enheter" in swedish.text
    assert "Plan för egenkontroll" in _section(summary_sv, "summary-missing")
    assert "Inga bilagor." in summary_sv and "Ryhmäkoti Kuusi" in _section(summary_sv, "summary-units")
    assert "Regelbok som ska godkännas" in swedish.text
    refused = await submit(portal, url, f"{url}/submit", {"accept_rulebook": "on"})
    assert refused.status_code == 422 and 'role="alert"' in refused.text

    # the missing attachment added: the summary shows it valid and nothing missing; then sign and send
    attachments = await portal.get("/provider/attachments")
    uploaded = await portal.post("/provider/attachments", data={
        "csrf": csrf_of(attachments.text), "owner": "company", "type": "self_monitoring_plan"},
        files={"file": ("omavalvonta.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
    assert uploaded.status_code == 303, uploaded.text[-1500:]

    async def complete() -> str:  # the applications service learns of the attachment from the registry's event
        shown = (await portal.get(url)).text
        return "" if 'id="summary-missing"' in shown else shown

    swedish_text = await _eventually("attachment known to the application", complete)
    files = _section(swedish_text, "summary-attachments")
    assert "Plan för egenkontroll" in files and "omavalvonta.pdf" in files and "Giltig" in files
    assert "Alla obligatoriska uppgifter" in swedish_text.split('id="summary-h"')[1]
    sent = await submit(portal, url, f"{url}/submit", {"accept_rulebook": "on"})
    assert sent.status_code == 303, sent.text[-2000:]
    assert (await sign_at_fake_identity(portal, services, sent, business_id)) == url
    done = await portal.get(url)
    assert "Skickad" in done.text and 'action="/provider/applications/' + url.rsplit("/", 1)[1] + '/submit"' \
        not in done.text

    # the officer returns it, so the decision queue other journeys count holds what it did
    officer = await officer_headers(services, SUITE, data.officer_email, OFFICER_PASSWORD)
    returned = await services.post(f"{SUITE}/applications/v1/tenants/{data.tenant_id}/applications/"
                                   f"{url.rsplit('/', 1)[1]}/decision", headers=officer,
                                   json={"decision": "return", "reason": "Tarkistetaan yksiköt"})
    assert returned.status_code == 200, returned.text


async def test_a_content_the_municipality_adds_from_a_later_day_is_priced_in_the_form_before_that_day(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    """The municipality adds a safety phone to the service from 1 January 2099 and the provider is told at once:
    the price list form offers the phone beside the other contents, saying from when it is in the service, and
    the list made there prices it (it could be priced only from that day on, too late for its first days)."""
    service = await _housing_service(services, data)
    officer = await officer_headers(services, SUITE, data.officer_email, OFFICER_PASSWORD)
    url = f"{SUITE}/applications/v1/tenants/{data.tenant_id}/services/{service['id']}"
    keep = [{k: c[k] for k in ("id", "name_fi", "name_sv", "unit", "client_pays")} for c in service["contents"]]
    changed = await services.patch(url, headers=officer, json={"effective_from": "2099-01-01", "contents": [
        *keep, {"name_fi": "Turvapuhelin / kpl", "name_sv": "Trygghetstelefon / st", "unit": "piece"}]})
    assert changed.status_code == 200, changed.text
    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    dashboard = await portal.get("/provider")
    created = await portal.post("/provider/applications", data={"csrf": csrf_of(dashboard.text),
                                                                "service_id": service["id"]})
    assert created.status_code == 303, created.text[-2000:]
    app_url = created.headers["location"]
    page = await portal.get(app_url)
    assert page.status_code == 200, page.text[-2000:]
    assert 'name="price_count" value="2"' in page.text
    assert "Turvapuhelin / kpl (€ / kpl) – palvelussa 1.1.2099 alkaen" in page.text
    ids = re.findall(r'name="prices\.(\d)\.content_id" value="([^"]+)"', page.text)
    made = await submit(portal, app_url, f"{app_url}/price-lists", {
        "price_count": "2", "name": "Hinnasto 2099", "start": "2099-01-01",
        **{f"prices.{i}.content_id": cid for i, cid in ids},
        "prices.0.unit_price": "95", "prices.1.unit_price": "25"})
    assert made.status_code == 303, made.text[-3000:]
    row = re.search(r'<tr id="pl-[^"]+"><td>Hinnasto 2099</td>.*?</tr>', (await portal.get(app_url)).text, re.S)
    assert row and "Turvapuhelin / kpl: 25,00\u00a0€ / kpl" in row.group(0)
    # the officer deciding the application reads the phone's price too
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    officer_page = await portal.get(app_url.replace("/provider/", "/officer/"))
    assert officer_page.status_code == 200, officer_page.text[-2000:]
    assert re.search(r"<td>Turvapuhelin / kpl / kpl</td><td class=\"num\">25,00\u00a0€</td>", officer_page.text), \
        officer_page.text.split('id="files-h"')[-1][:4000]


async def test_another_companys_subcontractor_is_refused_at_step_6_in_finnish_and_swedish(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    """A subcontractor id of another company (a form sent by hand) is not taken into the application, where the
    officer would read it as this company's: the step says so by its form, in the user's language."""
    service = await _housing_service(services, data)
    first = await officer_headers(services, SUITE, data.provider_email, PROVIDER_PASSWORD)
    theirs = await services.post(f"{SUITE}/registry/v1/providers/{_provider_id(first)}/subcontractors",
                                 headers=first, json={"name": "Toisen Apu Oy",
                                                      "business_id": random_business_id(random.Random(2626))})
    assert theirs.status_code == 201, theirs.text
    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    dashboard = await portal.get("/provider")
    created = await portal.post("/provider/applications", data={"csrf": csrf_of(dashboard.text),
                                                                "service_id": service["id"]})
    assert created.status_code == 303, created.text[-2000:]
    url = created.headers["location"]

    refused = await submit(portal, url, f"{url}/steps/subcontractors", {"ids": theirs.json()["id"]})
    assert refused.status_code == 422, refused.text[-2000:]
    step = _section(refused.text, "subcontractors-errors")
    assert "Osa valituista alihankkijoista ei ole yrityksenne." in step
    assert "Toisen Apu Oy" not in _section((await portal.get(url)).text, "subcontractors-h")

    await _swedish(portal, url)
    refused = await submit(portal, url, f"{url}/steps/subcontractors", {"ids": "x-1"})
    assert refused.status_code == 422, refused.text[-2000:]
    step = _section(refused.text, "subcontractors-errors")
    assert "Några av de valda underleverantörerna hör inte till ert företag." in step
    assert "alihankkijoista" not in step


async def test_a_unit_or_an_employee_not_the_companys_is_refused_at_its_step_in_finnish_and_swedish(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    service = await _housing_service(services, data)
    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    dashboard = await portal.get("/provider")
    created = await portal.post("/provider/applications", data={"csrf": csrf_of(dashboard.text),
                                                                "service_id": service["id"]})
    assert created.status_code == 303, created.text[-2000:]
    url = created.headers["location"]

    refused = await submit(portal, url, f"{url}/units", {"ids": "Toisen yrityksen koti"})
    assert refused.status_code == 422, refused.text[-2000:]
    assert "Osa valituista yksiköistä ei ole yrityksenne." in _section(refused.text, "units-errors")
    refused = await submit(portal, url, f"{url}/steps/employees", {"ids": "x-1"})
    assert refused.status_code == 422, refused.text[-2000:]
    assert "Osa valituista työntekijöistä ei ole yrityksenne." in _section(refused.text, "employees-errors")

    await _swedish(portal, url)
    refused = await submit(portal, url, f"{url}/units", {"ids": "Toisen yrityksen koti"})
    assert "Några av de valda enheterna hör inte till ert företag." in _section(refused.text, "units-errors")
    refused = await submit(portal, url, f"{url}/steps/employees", {"ids": "x-1"})
    assert "Några av de valda anställda hör inte till ert företag." in _section(refused.text, "employees-errors")
    # named as the step asks, linked to the step's choices (not "ids", to no element)
    assert 'href="#employees-ids">Välj de anställda som producerar tjänsten:' in refused.text
    assert 'id="employees-ids"' in refused.text


async def test_an_operating_area_not_the_companys_is_refused_at_step_3_in_finnish_and_swedish(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    """An area the company does not list (another company's, a form sent by hand) is not taken into the application,
    where the officer would read it as where this company works: step 3 says so, in the user's language."""
    service = await _housing_service(services, data)
    first = await officer_headers(services, SUITE, data.provider_email, PROVIDER_PASSWORD)
    theirs = await services.patch(f"{SUITE}/registry/v1/providers/{_provider_id(first)}", headers=first,
                                  json={"operating_areas": ["Kotka"]})
    assert theirs.status_code == 200, theirs.text
    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    dashboard = await portal.get("/provider")
    created = await portal.post("/provider/applications", data={"csrf": csrf_of(dashboard.text),
                                                                "service_id": service["id"]})
    assert created.status_code == 303, created.text[-2000:]
    url = created.headers["location"]

    refused = await submit(portal, url, f"{url}/operating-areas", {"ids": "Kotka"})
    assert refused.status_code == 422, refused.text[-2000:]
    step = _section(refused.text, "operating_areas-errors")
    assert "Osa valituista toiminta-alueista ei ole yrityksenne." in step
    # named as the step asks, linked to the step's choices (not "ids", to no element)
    assert 'href="#operating_areas-ids">Valitse toiminta-alueet, joilla palvelua tarjotaan:' in step, step
    assert 'id="operating_areas-ids"' in refused.text
    assert "Kotka" not in _section((await portal.get(url)).text, "summary-operating_areas")  # nothing was saved

    await _swedish(portal, url)
    refused = await submit(portal, url, f"{url}/operating-areas", {"ids": "Kotka"})
    assert refused.status_code == 422, refused.text[-2000:]
    step = _section(refused.text, "operating_areas-errors")
    assert "Några av de valda verksamhetsområdena hör inte till ert företag." in step
    assert "toiminta-alueista" not in step
