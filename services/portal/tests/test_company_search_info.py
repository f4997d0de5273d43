"""Issue 20 through the portal and the real suite: the company enters its search information (needs,
types of support, languages), operating areas and units, and edits a site; the public catalog's filters
then find it (and not before), the public card shows the site as changed, and a bad postcode is told by
field in Finnish and in Swedish and changes nothing."""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass

import httpx
from seteli_common.catalog_facets import NEEDS, SERVICE_LANGUAGES, SUPPORT_TYPES
from seteli_portal.catalog import CATALOG
from seteli_portal.config import SERVICE_NAMES

from seteli.demo import _eventually, _login, _ok, random_business_id, sign_application

from .conftest import login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed

BASE = {name: f"http://suite/{name}" for name in SERVICE_NAMES}


@dataclass
class Company:
    id: str
    name: str
    email: str


async def _approved_company(services: httpx.AsyncClient, data: Seed) -> Company:
    """A company of its own, approved by the tenant for a service of its own, so that it is in the
    tenant's catalog and no other test's data moves."""
    tag = uuid.uuid4().hex[:8]
    business_id = random_business_id(random.Random(tag))
    name, email = f"Hakutesti {tag} Oy", f"paakayttaja-{tag}@hakutesti.fi"
    officer = await _login(services, BASE, data.officer_email, OFFICER_PASSWORD)
    tenant = f"{BASE['registry']}/v1/tenants/{data.tenant_id}"
    request = _ok(await services.post(f"{tenant}/registration-requests", json={
        "company_name": name, "business_id": business_id, "street_address": "Kauppalankatu 1",
        "postal_code": "45100", "city": "Kouvola", "country": "FI", "first_name": "Hanna", "last_name": "Haku",
        "email": email, "phone": "0401231234", "password": PROVIDER_PASSWORD, "password_again": PROVIDER_PASSWORD,
        "language": "fi", "company_email": f"info-{tag}@hakutesti.fi"}), "registration request", 201)
    _ok(await services.post(f"{tenant}/registration-requests/{request['id']}/decision", headers=officer,
                            json={"decision": "approved"}), "approve the company")
    provider = await _login(services, BASE, email, PROVIDER_PASSWORD)
    apps = f"{BASE['applications']}/v1/tenants/{data.tenant_id}"
    service = _ok(await services.post(f"{apps}/services", headers=officer, json={
        "name_fi": f"Hakupalvelu {tag}", "name_sv": f"Söktjänst {tag}", "kind": "voucher", "auto_recording": False,
        "contents": [{"name_fi": "Käynti", "name_sv": "Besök", "unit": "hour", "client_pays": False}]}),
        "define a service", 201)
    application = _ok(await services.post(f"{apps}/applications", headers=provider,
                                          json={"service_id": service["id"]}), "apply", 201)
    app_url = f"{apps}/applications/{application['id']}"
    _ok(await services.post(f"{app_url}/price-lists", headers=provider, json={
        "name": "Hinnasto", "start": "2016-01-01", "producer_part": None,
        "prices": [{"content_id": service["contents"][0]["id"], "unit_price": "40.00"}]}), "prices", 201)
    assertion = await sign_application(services, BASE, provider, data.tenant_id, app_url, business_id)
    _ok(await services.post(f"{app_url}/submit", headers=provider,
                            json={"accept_rulebook": True, "signature_assertion": assertion}), "submit")
    _ok(await services.post(f"{app_url}/decision", headers=officer, json={"decision": "approve"}), "approve")
    provider_id = str(application["provider_id"])

    async def in_catalog() -> bool:
        found = await services.get(f"{BASE['registry']}/v1/catalog/providers",
                                   params={"tenant_id": data.tenant_id, "q": f"Hakutesti {tag}"})
        return found.status_code == 200 and any(i["id"] == provider_id for i in found.json()["items"])

    await _eventually("the company in the tenant's catalog", in_catalog)
    return Company(provider_id, name, email)


async def _found(portal: httpx.AsyncClient, company: Company, **filters: str) -> bool:
    page = await portal.get("/catalog", params=filters)
    assert page.status_code == 200, page.text[:500]
    return f'href="/catalog/providers/{company.id}"' in page.text


def test_every_need_support_type_and_language_is_named_in_finnish_and_swedish() -> None:
    for prefix, codes in (("need.", NEEDS), ("support.", SUPPORT_TYPES), ("lang.", SERVICE_LANGUAGES)):
        assert len(codes) == len(set(codes)) and all(c == c.lower().strip() for c in codes), prefix
        for code in codes:
            fi, sv = CATALOG[prefix + code]
            assert fi and sv and fi != code, code


async def test_the_catalog_filters_offer_the_same_lists_the_company_chooses_from(portal: httpx.AsyncClient,
                                                                                  data: Seed) -> None:
    catalog = (await portal.get("/catalog")).text
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    own = (await portal.get("/provider/company/search")).text
    for select, box, codes in (("need", "needs", NEEDS), ("support", "support_types", SUPPORT_TYPES),
                               ("language", "service_languages", SERVICE_LANGUAGES)):
        offered = re.search(rf'<select id="catalog-{select}" name="{select}">(.*?)</select>', catalog, re.S)
        assert offered, select
        assert re.findall(r'<option value="([^"]+)"', offered.group(1)) == list(codes)
        assert re.findall(rf'name="{box}" value="([^"]+)"', own)[:len(codes)] == list(codes)


async def test_search_information_and_areas_make_the_company_found_by_the_catalog_filters(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    company = await _approved_company(services, data)
    need, support = "kotisairaanhoito", "etapalvelu"
    assert not await _found(portal, company, need=need)
    assert not await _found(portal, company, support=support)
    assert not await _found(portal, company, language="ru")
    assert not await _found(portal, company, area="Valkeala")

    await login(portal, company.email, PROVIDER_PASSWORD)
    company_page = await portal.get("/provider/company")
    assert 'href="/provider/company/search"' in company_page.text
    saved = await submit(portal, "/provider/company/search", "/provider/company/search",
                         {"needs": [need, "siivous"], "support_types": [support], "service_languages": ["fi", "ru"]})
    assert saved.status_code == 303
    page = await portal.get("/provider/company/search")
    assert "Hakutiedot tallennettu." in page.text
    for box, code in (("needs", need), ("needs", "siivous"), ("support_types", support),
                      ("service_languages", "ru")):
        assert re.search(rf'name="{box}" value="{code}" checked', page.text), code
    assert not re.search(r'name="service_languages" value="sv" checked', page.text)

    # operating areas and units: added, a duplicate and an empty name refused by field, removed
    for which, name in (("areas", "Valkeala"), ("areas", "Iitti"), ("units", "Hoivakoti A-talo")):
        added = await submit(portal, "/provider/company/search", f"/provider/company/{which}", {"name": f" {name} "})
        assert added.status_code == 303, added.text[:500]
    twice = await submit(portal, "/provider/company/search", "/provider/company/areas", {"name": "valkeala"})
    assert twice.status_code == 422 and "Tämä toiminta-alue on jo listalla." in twice.text
    assert re.search(r'id="areas-name"[^>]*aria-describedby="areas-name-error"', twice.text)
    assert 'value="valkeala"' in twice.text  # what was typed is kept
    empty = await submit(portal, "/provider/company/search", "/provider/company/units", {"name": "  "})
    assert empty.status_code == 422 and 'id="units-name-error"' in empty.text
    # a unit is booked and paid as "unit:<name>" (64 characters): a longer name is refused in the page's language
    too_long = await submit(portal, "/provider/company/search", "/provider/company/units", {"name": "A" * 60})
    assert too_long.status_code == 422 and "Anna enintään 59 merkkiä." in too_long.text
    removed = await submit(portal, "/provider/company/search", "/provider/company/areas/remove", {"name": "Iitti"})
    assert removed.status_code == 303
    own = _ok(await services.get(f"{BASE['registry']}/v1/providers/{company.id}",
                                 headers=await _login(services, BASE, company.email, PROVIDER_PASSWORD)), "own data")
    assert own["operating_areas"] == ["Valkeala"] and own["units"] == ["Hoivakoti A-talo"]
    assert own["needs"] == sorted([need, "siivous"]) and own["service_languages"] == ["fi", "ru"]

    # the public catalog now finds it by each filter, the way a resident uses them
    assert await _found(portal, company, need=need)
    assert await _found(portal, company, support=support)
    assert await _found(portal, company, language="ru")
    assert await _found(portal, company, area="Valkeala")
    assert not await _found(portal, company, area="Iitti")
    assert await _found(portal, company, need=need, language="ru", area="valkeala")
    card = (await portal.get(f"/catalog/providers/{company.id}")).text
    assert "Kotisairaanhoito" in card and "Etäpalvelu" in card and "Valkeala" in card


async def test_a_site_is_edited_and_the_public_card_shows_it(portal: httpx.AsyncClient, services: httpx.AsyncClient,
                                                            data: Seed) -> None:
    company = await _approved_company(services, data)
    assert not await _found(portal, company, area="Kuusankoski")
    await login(portal, company.email, PROVIDER_PASSWORD)
    site_url = re.search(r'href="(/provider/company/sites/[^"]+)"', (await portal.get("/provider/company")).text)
    assert site_url, "an edit link for the site"
    form = await portal.get(site_url.group(1))
    assert form.status_code == 200 and "<h1 id=\"site-edit-h\">Muokkaa toimipaikkaa</h1>" in form.text

    changed = await submit(portal, site_url.group(1), site_url.group(1), {
        "name": "Hakutesti Kuusankoski", "provider_code": "KSK-1", "notification_email": "KSK@Hakutesti.fi",
        "street_address": "Kymenlaaksonkatu 5", "postal_code": "45700", "city": "Kuusankoski",
        "extra_info": "Esteetön sisäänkäynti"})
    assert changed.status_code == 303, changed.text[:800]
    assert "Toimipaikan tiedot tallennettu." in (await portal.get("/provider/company")).text
    card = (await portal.get(f"/catalog/providers/{company.id}")).text
    assert "Hakutesti Kuusankoski, Kymenlaaksonkatu 5 45700 Kuusankoski" in card
    assert "ksk@hakutesti.fi" in card and "Esteetön sisäänkäynti" in card
    # the catalog's area filter matches the town and postcode of a site
    assert await _found(portal, company, area="Kuusankoski")
    assert await _found(portal, company, area="45700")


async def test_a_bad_postcode_is_told_by_field_in_finnish_and_swedish_and_changes_nothing(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    company = await _approved_company(services, data)
    await login(portal, company.email, PROVIDER_PASSWORD)
    site_url = re.search(r'href="(/provider/company/sites/[^"]+)"', (await portal.get("/provider/company")).text)
    assert site_url
    before = (await portal.get(f"/catalog/providers/{company.id}")).text.split("<h2>")

    bad = {"name": "", "notification_email": "ei-osoite", "street_address": "Uusi katu 9", "postal_code": "4570",
           "city": "Kuusankoski"}
    finnish = await submit(portal, site_url.group(1), site_url.group(1), bad)
    assert finnish.status_code == 422
    assert "Anna postinumero viitenä numerona, esimerkiksi 45100." in finnish.text
    # every field's error at once, each linked from the summary and tied to its input
    for name in ("name", "notification_email", "postal_code"):
        assert f'href="#site-{name}"' in finnish.text and f'id="site-{name}-error"' in finnish.text, name
    assert re.search(r'id="site-postal_code"[^>]*aria-describedby="site-postal_code-hint site-postal_code-error"'
                     r' aria-invalid="true"', finnish.text)
    assert 'value="4570"' in finnish.text and 'value="Uusi katu 9"' in finnish.text  # what was typed is kept

    await submit(portal, "/provider/company", "/language", {"lang": "sv", "next": "/provider/company"})
    swedish = await submit(portal, site_url.group(1), site_url.group(1), {
        **bad, "name": "Hakutesti", "notification_email": "ok@hakutesti.fi"})
    assert swedish.status_code == 422
    assert "Ange postnumret med fem siffror, till exempel 45100." in swedish.text
    assert 'id="site-name-error"' not in swedish.text and "viitenä numerona" not in swedish.text

    after = (await portal.get(f"/catalog/providers/{company.id}")).text.split("<h2>")
    assert after[1:] and [p for p in after if "Uusi katu" in p] == [] and len(after) == len(before)
    assert not await _found(portal, company, area="Kuusankoski")
