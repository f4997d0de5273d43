"""Provider data through the HTTP API on PostgreSQL: details, billing, sites, employees,
subcontractors, attachments and contractor-liability checks, with their events."""

from __future__ import annotations

from datetime import timedelta

from seteli_common.catalog_facets import NEEDS, SERVICE_LANGUAGES, SUPPORT_TYPES
from seteli_common.consistency import CONSISTENCY_HEADER, PLATFORM, parse_tokens

from .conftest import PROVIDER, Registry

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_billing_changes_at_once_and_is_published_for_company_and_site(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    client = registry.client
    bad = await client.put(f"/v1/providers/{provider_id}/billing", headers=main,
                           json={"iban": "FI2112345600000786", "bic": "NDEAFIXX1"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"billing.iban", "billing.bic"}
    assert await registry.events("registry.provider.billing_changed") == []
    unchanged = (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()
    assert unchanged["billing"]["iban"] == "FI2112345600000785"

    ok = await client.put(f"/v1/providers/{provider_id}/billing", headers=main, json={
        "iban": "FI58 1017 1000 0001 22", "bic": "nordfihh", "reference": "1234561",
        "email": "laskut@paivansade.fi", "pdf_by_email": False})
    assert ok.status_code == 200, ok.text
    site_id = unchanged["sites"][0]["id"]
    site_billing = await client.put(f"/v1/providers/{provider_id}/sites/{site_id}/billing", headers=main,
                                    json={"iban": "FI2112345600000785", "bic": "NDEAFIHH"})
    assert site_billing.status_code == 200 and site_billing.json()["pdf_by_email"] is True
    company, site = await registry.events("registry.provider.billing_changed")
    assert company == {**company, "provider_id": provider_id, "site_id": None, "billing": {
        "iban": "FI5810171000000122", "bic": "NORDFIHH", "reference": "1234561", "email": "laskut@paivansade.fi",
        "pdf_by_email": False}}
    assert site["site_id"] == site_id and site["billing"]["iban"] == "FI2112345600000785"
    [changed] = await registry.events("registry.site.changed")
    assert changed["billing"]["bic"] == "NDEAFIHH"


async def test_a_reference_with_a_wrong_check_digit_is_refused_where_it_is_entered(registry: Registry) -> None:
    """Issue 16, finding 6: the payment file's rules (the kernel's validators) apply at the billing form."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    site_id = (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()["sites"][0]["id"]
    for path in (f"/v1/providers/{provider_id}/billing", f"/v1/providers/{provider_id}/sites/{site_id}/billing"):
        for reference in ("1234562", "RF351234561", "12"):
            bad = await client.put(path, headers=main,
                                   json={"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": reference})
            assert bad.status_code == 422, (path, reference, bad.text)
            assert bad.headers["content-type"].startswith("application/problem+json")
            assert [e["field"] for e in bad.json()["errors"]] == ["billing.reference"]
    added = await client.post(f"/v1/providers/{provider_id}/sites", headers=main, json={
        "name": "Kuusela", "notification_email": "k@paivansade.fi",
        "billing": {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": "1234562"}})
    assert added.status_code == 422 and [e["field"] for e in added.json()["errors"]] == ["billing.reference"]
    assert await registry.events("registry.provider.billing_changed") == []
    assert await registry.events("registry.site.added") == []
    unchanged = (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()
    assert unchanged["billing"]["reference"] != "1234562" and len(unchanged["sites"]) == 1

    for printed, stored in (("12 34561", "1234561"), ("RF34 1234 561", "RF341234561")):
        ok = await client.put(f"/v1/providers/{provider_id}/billing", headers=main,
                              json={"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": printed})
        assert ok.status_code == 200 and ok.json()["reference"] == stored
    published = await registry.events("registry.provider.billing_changed")
    # "12 34561" is the reference the company registered with: saved as it was, nothing is told
    assert [e["billing"]["reference"] for e in published] == ["RF341234561"]


async def test_a_reference_carrying_an_identity_code_is_refused_where_it_is_entered(registry: Registry) -> None:
    """The payment file refuses a reference with something shaped like a personal identity code in it (Data
    Protection Act §29), so the payee would be carried over unpaid run after run: the billing form refuses it,
    naming the field, and keeps the account as it was. RF51010180A123B is a valid RF reference around the test
    code 010180A123B."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    site_id = (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()["sites"][0]["id"]
    for path in (f"/v1/providers/{provider_id}/billing", f"/v1/providers/{provider_id}/sites/{site_id}/billing"):
        bad = await client.put(path, headers=main,
                               json={"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": "RF51010180A123B"})
        assert bad.status_code == 422, (path, bad.text)
        assert [e["field"] for e in bad.json()["errors"]] == ["billing.reference"]
        assert "010180" not in bad.text
    assert await registry.events("registry.provider.billing_changed") == []
    unchanged = (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()
    assert unchanged["billing"]["reference"] == "1234561" and unchanged["sites"][0]["billing"] is None


async def test_sites_are_added_and_changed_with_events(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    client = registry.client
    added = await client.post(f"/v1/providers/{provider_id}/sites", headers=main, json={
        "name": "Päivänsäde Kuusankoski", "notification_email": "Kuusankoski@Paivansade.fi", "city": "Kouvola"})
    assert added.status_code == 201, added.text
    site_id = added.json()["id"]
    # the token to send along when using the site at once in a tenant (every tenant honours a fact of no tenant)
    [token] = parse_tokens(added.headers.get(CONSISTENCY_HEADER))
    assert (token.event_type, token.tenant_id) == ("registry.site.added", PLATFORM)
    changed = await client.patch(f"/v1/providers/{provider_id}/sites/{site_id}", headers=main,
                                 json={"name": "Päivänsäde Kuusankoski 2"})
    assert changed.status_code == 200
    [event] = await registry.events("registry.site.added")
    assert event == {**event, "provider_id": provider_id, "site_id": site_id, "name": "Päivänsäde Kuusankoski",
                     "notification_email": "kuusankoski@paivansade.fi", "billing": None}
    assert (await registry.events("registry.site.changed"))[0]["name"] == "Päivänsäde Kuusankoski 2"
    bad = await client.post(f"/v1/providers/{provider_id}/sites", headers=main,
                            json={"name": "X", "notification_email": "ei-osoite"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "notification_email"
    view = (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()
    assert len(view["sites"]) == 2


async def test_another_company_cannot_change_this_one(registry: Registry) -> None:
    provider_id, _ = await registry.registered_provider()
    _, other = await registry.registered_provider({
        **PROVIDER, "business_id": "2077474-0", "email": "info@toinen.fi",
        "main_user": {**PROVIDER["main_user"], "email": "paa@toinen.fi"}})
    client = registry.client
    assert (await client.patch(f"/v1/providers/{provider_id}", headers=other, json={"name": "Kaapattu"})
            ).status_code == 403
    assert (await client.get(f"/v1/providers/{provider_id}/attachments", headers=other)).status_code == 403


async def test_details_employees_and_subcontractors(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    client = registry.client
    details = await client.patch(f"/v1/providers/{provider_id}", headers=main, json={
        "description": "Kotihoidon palvelut", "hide_address": True, "needs": ["Kotihoito"],
        "operating_areas": ["Kouvola"], "service_languages": ["fi", "sv"]})
    assert details.status_code == 200
    body = details.json()
    assert body["needs"] == ["kotihoito"] and body["hide_address"] is True
    assert body["service_languages"] == ["fi", "sv"]
    employee = await client.post(f"/v1/providers/{provider_id}/employees", headers=main,
                                 json={"name": "Liisa Vastaava", "title": "vastaava sairaanhoitaja"})
    assert employee.status_code == 201
    assert (await client.get(f"/v1/providers/{provider_id}/employees", headers=main)).json()["total"] == 1
    bad = await client.post(f"/v1/providers/{provider_id}/subcontractors", headers=main,
                            json={"business_id": "2077474-1", "name": "Siivous Oy"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "business_id"
    ok = await client.post(f"/v1/providers/{provider_id}/subcontractors", headers=main,
                           json={"business_id": "20774740", "name": "Siivous Oy"})
    assert ok.status_code == 201 and ok.json()["business_id"] == "2077474-0"
    assert (await client.get(f"/v1/providers/{provider_id}/subcontractors", headers=main)).json()["total"] == 1


async def test_search_information_operating_areas_and_units_are_replaced_and_emptied(registry: Registry) -> None:
    """Issue 20: the company's page sends each list whole; an empty list removes every value, and the
    languages are the catalog's own list (seteli_common.catalog_facets)."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    url = f"/v1/providers/{provider_id}"
    set_ = await client.patch(url, headers=main, json={
        "needs": [NEEDS[0], NEEDS[1]], "support_types": [SUPPORT_TYPES[0]],
        "service_languages": list(SERVICE_LANGUAGES), "operating_areas": ["Kouvola", "Iitti"],
        "units": ["Päivänsäde A-talo", "Päivänsäde B-talo"]})
    assert set_.status_code == 200
    body = set_.json()
    assert body["needs"] == sorted([NEEDS[0], NEEDS[1]]) and body["support_types"] == [SUPPORT_TYPES[0]]
    assert body["service_languages"] == sorted(SERVICE_LANGUAGES)
    assert body["operating_areas"] == ["Kouvola", "Iitti"]
    assert body["units"] == ["Päivänsäde A-talo", "Päivänsäde B-talo"]
    refused = await client.patch(url, headers=main, json={"service_languages": ["fi", "de"]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"].startswith("service_languages")
    assert (await client.get(url, headers=main)).json()["service_languages"] == sorted(SERVICE_LANGUAGES)
    too_long = await client.patch(url, headers=main, json={"operating_areas": ["Kouvola", "x" * 101]})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "operating_areas.1"
    assert (await client.get(url, headers=main)).json()["operating_areas"] == ["Kouvola", "Iitti"]
    emptied = (await client.patch(url, headers=main, json={
        "needs": [], "support_types": [], "service_languages": [], "operating_areas": [], "units": []})).json()
    assert [emptied[k] for k in ("needs", "support_types", "service_languages", "operating_areas", "units")] == \
        [[], [], [], [], []]
    assert emptied["name"] == body["name"]  # a field left out is left as it was


async def test_a_website_is_an_http_or_https_address_and_nothing_else(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    client = registry.client
    for address in ("javascript:alert(document.cookie)", "JavaScript://x.fi/%0Aalert(1)", "data:text/html,x",
                    "file:///etc/passwd", "www.paivansade.fi", "https://"):
        refused = await client.patch(f"/v1/providers/{provider_id}", headers=main, json={"website": address})
        assert refused.status_code == 422, address
        assert refused.json()["errors"][0]["field"] == "website"
    assert (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()["website"] == ""
    ok = await client.patch(f"/v1/providers/{provider_id}", headers=main,
                            json={"website": " https://www.paivansade.fi/palvelut?kieli=sv "})
    assert ok.status_code == 200 and ok.json()["website"] == "https://www.paivansade.fi/palvelut?kieli=sv"


async def _upload(registry: Registry, provider_id: str, headers: dict[str, str], data: bytes, **form: str):  # type: ignore[no-untyped-def]
    fields = {"type": "tyel_certificate", "level": "company", **form}
    return await registry.client.post(f"/v1/providers/{provider_id}/attachments", headers=headers, data=fields,
                                      files={"file": ("todistus.pdf", data, "application/pdf")})


async def test_attachments_accept_pdf_and_images_and_refuse_the_rest(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    not_pdf = await _upload(registry, provider_id, main, b"MZ\x90\x00 this is an exe")
    assert not_pdf.status_code == 422
    assert not_pdf.json()["errors"] == [
        {"field": "file", "reason": "only PDF files and images (PNG, JPEG, GIF, WebP) are accepted"}]
    too_big = await _upload(registry, provider_id, main, PDF + b"0" * (64 * 1024))
    assert too_big.status_code == 422 and "larger than the limit of 64 KiB" in too_big.json()["errors"][0]["reason"]
    bad_type = await _upload(registry, provider_id, main, PDF, type="horoskooppi")
    assert bad_type.json()["errors"][0]["field"] == "type"
    listed = await registry.client.get(f"/v1/providers/{provider_id}/attachments", headers=main)
    assert listed.json()["total"] == 0 and await registry.events("registry.attachment.added") == []

    ok = await _upload(registry, provider_id, main, PDF, valid_from="2016-01-01", valid_until="2016-12-31")
    assert ok.status_code == 201, ok.text
    assert ok.json()["content_type"] == "application/pdf"
    site_id = (await registry.client.get(f"/v1/providers/{provider_id}", headers=main)).json()["sites"][0]["id"]
    image = await _upload(registry, provider_id, main, PNG, type="rescue_plan", level="site", owner_id=site_id)
    assert image.status_code == 201 and image.json()["content_type"] == "image/png"
    wrong_owner = await _upload(registry, provider_id, main, PNG, type="rescue_plan", level="site",
                                owner_id="no-such-site")
    assert wrong_owner.status_code == 422 and wrong_owner.json()["errors"][0]["field"] == "owner_id"
    content = await registry.client.get(f"/v1/providers/{provider_id}/attachments/{ok.json()['id']}/content",
                                        headers=main)
    assert content.content == PDF
    added = await registry.events("registry.attachment.added")
    assert [(e["level"], e["type"], e["valid_until"]) for e in added] == [
        ("company", "tyel_certificate", "2016-12-31"), ("site", "rescue_plan", None)]


async def test_replace_delete_and_expiry_of_attachments(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    client = registry.client
    first = (await _upload(registry, provider_id, main, PDF, valid_until="2016-03-31")).json()
    url = f"/v1/providers/{provider_id}/attachments/{first['id']}"
    refused = await client.put(url, headers=main, files={"file": ("x.txt", b"plain text", "text/plain")})
    assert refused.status_code == 422
    assert (await client.get(url + "/content", headers=main)).content == PDF  # untouched
    replaced = await client.put(url, headers=main, data={"valid_until": "2017-03-31"},
                                files={"file": ("uusi.pdf", PDF + b"%new", "application/pdf")})
    assert replaced.status_code == 200, replaced.text
    new_id = replaced.json()["id"]
    assert replaced.json()["type"] == "tyel_certificate" and replaced.json()["valid_until"] == "2017-03-31"
    second = (await _upload(registry, provider_id, main, PDF, type="liability_insurance",
                            valid_until="2016-03-20")).json()
    admin = await registry.admin()
    registry.clock.advance(timedelta(days=6))  # 2016-03-21: the insurance has expired
    assert (await client.post("/v1/jobs/expire-attachments", headers=admin)).json() == {"expired": 1}
    assert (await client.post("/v1/jobs/expire-attachments", headers=admin)).json() == {"expired": 0}
    [expired] = await registry.events("registry.attachment.expired")
    assert expired["attachment_id"] == second["id"] and expired["valid_until"] == "2016-03-20"
    assert (await client.delete(f"/v1/providers/{provider_id}/attachments/{new_id}", headers=main)).status_code == 204
    removed = [e["attachment_id"] for e in await registry.events("registry.attachment.removed")]
    assert removed == [first["id"], new_id]
    assert (await client.get(f"/v1/providers/{provider_id}/attachments", headers=main)).json()["total"] == 1


async def test_liability_check_stores_the_report_and_fills_attachment_status(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    client = registry.client
    registry.adapters.liability.set_state("7019376-8", "pension_insurance", "attention")
    tyel = (await _upload(registry, provider_id, main, PDF)).json()
    other = (await _upload(registry, provider_id, main, PDF, type="staff_list")).json()
    checked = await client.post(f"/v1/providers/{provider_id}/liability-checks", headers=main, json={})
    assert checked.status_code == 201, checked.text
    assert checked.json()["overall_state"] == "attention" and checked.json()["fetched_on"] == "2016-03-15"
    states = {a["id"]: a["liability_state"]
              for a in (await client.get(f"/v1/providers/{provider_id}/attachments", headers=main)).json()["items"]}
    assert states == {tyel["id"]: "attention", other["id"]: None}
    sub = (await client.post(f"/v1/providers/{provider_id}/subcontractors", headers=main,
                             json={"business_id": "2077474-0", "name": "Siivous Oy"})).json()
    sub_check = await client.post(f"/v1/providers/{provider_id}/liability-checks", headers=main,
                                  json={"subcontractor_id": sub["id"]})
    assert sub_check.json()["overall_state"] == "ok"
    events = await registry.events("registry.liability.checked")
    assert [(e["subject_business_id"], e["overall_state"], e["checked_on"]) for e in events] == [
        ("7019376-8", "attention", "2016-03-15"), ("2077474-0", "ok", "2016-03-15")]
    reports = (await client.get(f"/v1/providers/{provider_id}/liability-checks", headers=main)).json()
    assert reports["total"] == 2 and len(reports["items"][0]["checks"]) == 10


async def test_the_latest_liability_check_is_on_the_first_page_however_many_there_are(registry: Registry) -> None:
    """The officer deciding an application and the company read the latest check from the first page (the portal
    asks for 200): listed oldest first, a company checked more often than that saw a stale result forever."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    url = f"/v1/providers/{provider_id}/liability-checks"
    for state in ("ok", "attention", "investigate"):
        registry.adapters.liability.set_state("7019376-8", "tax_debt", state)
        assert (await client.post(url, headers=main, json={})).status_code == 201
        registry.clock.advance(timedelta(days=1))
    first = (await client.get(url, headers=main, params={"limit": 1})).json()
    assert first["total"] == 3
    assert [(c["overall_state"], c["fetched_on"]) for c in first["items"]] == [("investigate", "2016-03-17")]
