"""A subcontractor the company removed no longer completes its application with its papers: the registry keeps them
as evidence, and the application took them as before. The to-do list now names the subcontractor as removed, in
Finnish (and Swedish), linked to step 6, and saving step 6 without it clears the item."""

from __future__ import annotations

import random
import uuid

import httpx
from seteli_portal.i18n import Translator

from seteli.demo import _eventually, _ok, random_business_id

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, Seed
from .service_calls import officer_headers

SUITE = "http://suite"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "Alihankinta-2026x"


async def test_a_removed_subcontractors_paper_no_longer_completes_the_application(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    tag = uuid.uuid4().hex[:8]
    officer = await officer_headers(services, SUITE, data.officer_email, OFFICER_PASSWORD)
    tenant = f"{SUITE}/registry/v1/tenants/{data.tenant_id}"
    email = f"paakayttaja-{tag}@alihankinta.fi"
    request = _ok(await services.post(f"{tenant}/registration-requests", json={
        "company_name": f"Alihankinta {tag} Oy", "business_id": random_business_id(random.Random(tag)),
        "street_address": "Kauppalankatu 1", "postal_code": "45100", "city": "Kouvola", "country": "FI",
        "first_name": "Aila", "last_name": "Alihankinta", "email": email, "phone": "0401231234",
        "password": PASSWORD, "password_again": PASSWORD, "language": "fi"}), "registration request", 201)
    provider_id = _ok(await services.post(f"{tenant}/registration-requests/{request['id']}/decision",
                                          headers=officer, json={"decision": "approved"}), "approve")["provider_id"]
    service = _ok(await services.post(f"{SUITE}/applications/v1/tenants/{data.tenant_id}/services", headers=officer,
                                      json={"name_fi": f"Ikkunanpesu {tag}", "name_sv": f"Fönstertvätt {tag}",
                                            "kind": "voucher", "auto_recording": False,
                                            "contents": [{"name_fi": "Pesu", "name_sv": "Tvätt", "unit": "hour",
                                                          "client_pays": False}],
                                            "required_attachments": {"subcontractor": [
                                                {"type": "liability_insurance", "name_fi": "Vastuuvakuutus"}]}}),
                  "define a service", 201)
    company = await officer_headers(services, SUITE, email, PASSWORD)
    registry = f"{SUITE}/registry/v1/providers/{provider_id}"
    sub = _ok(await services.post(f"{registry}/subcontractors", headers=company, json={
        "name": "Apu Oy", "business_id": random_business_id(random.Random(f"sub-{tag}"))}), "subcontractor", 201)
    _ok(await services.post(f"{registry}/attachments", headers=company,
                            data={"type": "liability_insurance", "level": "subcontractor", "owner_id": sub["id"]},
                            files={"file": ("vakuutus.pdf", PDF, "application/pdf")}), "its insurance", 201)

    await login(portal, email, PASSWORD)
    dashboard = await portal.get("/provider")
    created = await portal.post("/provider/applications", data={"csrf": csrf_of(dashboard.text),
                                                                "service_id": service["id"]})
    assert created.status_code == 303, created.text[-2000:]
    url = created.headers["location"]
    assert (await submit(portal, url, f"{url}/steps/subcontractors", {"ids": sub["id"]})).status_code == 303

    async def todo() -> str:
        page = await portal.get(url)
        assert page.status_code == 200, page.text[-2000:]
        return page.text.split('id="todo-h"')[1].split("</section>")[0]

    async def insurance_counts() -> bool:
        return "Vastuuvakuutus" not in await todo()

    await _eventually("the subcontractor's insurance reaches applications", insurance_counts)
    assert (await services.delete(f"{registry}/subcontractors/{sub['id']}", headers=company)).status_code == 204

    removed = "Alihankkija Apu Oy on poistettu yrityksen tiedoista: poista se hakemuksen alihankkijoista."

    async def named_removed() -> bool:
        return removed in await todo()

    await _eventually("the removal reaches applications", named_removed)
    assert 'href="#subcontractors-h"' in await todo()
    assert (await submit(portal, url, f"{url}/steps/subcontractors", {"notes": ""})).status_code == 303
    assert removed not in await todo() and "Apu Oy" not in await todo()
    assert Translator("sv")("missing.subcontractor_removed", type="Apu Oy") == (
        "Underleverantören Apu Oy har tagits bort ur företagets uppgifter: ta bort den ur ansökans underleverantörer.")
