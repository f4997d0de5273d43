"""Which tenants' staff read a company's people and papers. The provider register is one for all tenants
(the company's own page is shared), but its employees, subcontractors, attachments, liability checks
and courses are open only to the staff of tenants it works with: it registered through the tenant, a
tenant admin approved or invited it, or it applied to one of the tenant's services; and to any
tenant's staff while it awaits approval."""

from __future__ import annotations

from typing import Any

from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport
from sqlalchemy import select

from .conftest import OTHER_TENANT, Registry
from .test_providers import PDF, _upload

OTHER_COMPANY = {"business_id": "0112038-9", "name": "Toinen Hoiva Oy", "language": "fi", "email": "info@toinen.fi",
                 "main_user": {"email": "paa@toinen.fi", "name": "Toinen Pää", "password": "Hyva-salasana-1"}}
THIRD_TENANT = {**OTHER_TENANT, "id": "iitti", "name_fi": "Iitin kunta", "name_sv": "Iitti kommun",
                "business_id": "0204819-8"}


async def _people_and_papers(registry: Registry, provider_id: str, main: dict[str, str]) -> list[str]:
    client = registry.client
    assert (await client.post(f"/v1/providers/{provider_id}/employees", headers=main, json={
        "name": "Liisa Vastaava", "title": "vastaava sairaanhoitaja"})).status_code == 201
    assert (await client.post(f"/v1/providers/{provider_id}/subcontractors", headers=main, json={
        "business_id": "2077474-0", "name": "Siivous Oy"})).status_code == 201
    attachment = await _upload(registry, provider_id, main, PDF)
    assert attachment.status_code == 201, attachment.text
    assert (await client.post(f"/v1/providers/{provider_id}/liability-checks", headers=main, json={})
            ).status_code == 201
    base = f"/v1/providers/{provider_id}"
    return [f"{base}/employees", f"{base}/subcontractors", f"{base}/attachments", f"{base}/liability-checks",
            f"{base}/attachments/{attachment.json()['id']}/content", f"{base}/courses"]


async def _statuses(registry: Registry, urls: list[str], headers: dict[str, str]) -> set[int]:
    answers = [await registry.client.get(url, headers=headers) for url in urls]
    for answer in answers:
        if answer.status_code != 200:
            assert "Liisa" not in answer.text and "Siivous" not in answer.text
    return {a.status_code for a in answers}


async def _publish(registry: Registry, event_type: str, payload: dict[str, Any], tenant_id: str) -> None:
    await InMemoryTransport(registry.broker).publish(
        Envelope(type=event_type, tenant_id=tenant_id, payload=payload), {}, timeout=1)
    await registry.broker.drain()


async def test_a_tenants_staff_read_a_companys_people_and_papers_only_when_it_works_with_the_tenant(
        registry: Registry) -> None:
    kouvola = await registry.tenant_with_admin()
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    iitti = await registry.tenant_with_admin(THIRD_TENANT)
    provider_id, main = await registry.registered_provider()
    urls = await _people_and_papers(registry, provider_id, main)

    # awaiting approval: any tenant's admin may check the company; the one it applied to decides
    assert await _statuses(registry, urls, kouvola) == await _statuses(registry, urls, lahti) == {200}
    await _publish(registry, "applications.application.submitted", {
        "application_id": "app-0", "service_id": "kotihoito", "provider_id": provider_id}, tenant_id="kouvola")
    assert (await registry.client.post(f"/v1/providers/{provider_id}/approve", headers=lahti)).status_code == 404
    assert (await registry.client.post(f"/v1/providers/{provider_id}/approve", headers=kouvola)).status_code == 200

    assert await _statuses(registry, urls, kouvola) == {200}
    assert await _statuses(registry, urls, lahti) == {404}  # approved by Kouvola: nothing to do with Lahti
    employees = (await registry.client.get(urls[0], headers=kouvola)).json()
    assert [e["name"] for e in employees["items"]] == ["Liisa Vastaava"]
    # the shared register still shows the company itself to every tenant's staff (to approve, to compare)
    assert (await registry.client.get(f"/v1/providers/{provider_id}", headers=lahti)).status_code == 200

    # the company applies to a Lahti service: Lahti's staff now read what they need to decide
    await _publish(registry, "applications.application.submitted", {
        "application_id": "app-1", "service_id": "kotihoito", "provider_id": provider_id}, tenant_id="lahti")
    assert await _statuses(registry, urls, lahti) == {200}
    assert await _statuses(registry, urls, iitti) == {404}
    # the same event again (redelivery) and the approval later change nothing
    await _publish(registry, "applications.application.submitted", {
        "application_id": "app-1", "service_id": "kotihoito", "provider_id": provider_id}, tenant_id="lahti")
    await _publish(registry, "applications.application.approved", {
        "application_id": "app-1", "service_id": "kotihoito", "provider_id": provider_id, "site_ids": []},
        tenant_id="lahti")
    from seteli_registry.models import tenant_providers
    async with registry.runtime.db.system_transaction() as session:
        relations = (await session.execute(select(tenant_providers.c.tenant_id, tenant_providers.c.via)
                                           .order_by(tenant_providers.c.tenant_id))).all()
    assert [tuple(r) for r in relations] == [("kouvola", "application"), ("lahti", "application")]

    # the platform admin sees everything; another company's users are refused
    assert await _statuses(registry, urls, await registry.admin()) == {200}
    other_id, other_main = await registry.registered_provider(OTHER_COMPANY)
    assert other_id != provider_id
    assert await _statuses(registry, urls, other_main) == {403}


async def test_a_company_registered_through_a_tenant_works_with_that_tenant(registry: Registry) -> None:
    kouvola = await registry.tenant_with_admin()
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    submitted = await registry.client.post("/v1/tenants/kouvola/registration-requests", json={
        "company_name": "Kotiapu Oy", "business_id": "2077474-0", "street_address": "Kauppakatu 1",
        "postal_code": "45100", "city": "Kouvola", "country": "FI", "first_name": "Kaisa", "last_name": "Kotiapu",
        "email": "kaisa@kotiapu.fi", "phone": "0401234567", "password": "Hyva-salasana-1",
        "password_again": "Hyva-salasana-1"})
    assert submitted.status_code == 201, submitted.text
    decided = await registry.client.post(
        f"/v1/tenants/kouvola/registration-requests/{submitted.json()['id']}/decision", headers=kouvola,
        json={"decision": "approved"})
    assert decided.status_code == 200, decided.text
    provider_id = decided.json()["provider_id"]
    main = await registry.login("kaisa@kotiapu.fi", "Hyva-salasana-1")
    urls = await _people_and_papers(registry, provider_id, main)
    assert await _statuses(registry, urls, kouvola) == {200}
    assert await _statuses(registry, urls, lahti) == {404}


async def _relations(registry: Registry) -> list[tuple[str, str]]:
    from seteli_registry.models import tenant_providers
    async with registry.runtime.db.system_transaction() as session:
        rows = (await session.execute(select(tenant_providers.c.tenant_id, tenant_providers.c.via)
                                      .order_by(tenant_providers.c.tenant_id))).all()
    return [tuple(r) for r in rows]


async def test_a_tenant_admin_approves_only_a_company_waiting_for_it(registry: Registry) -> None:
    """Issue 17, item 2: approving a company already approved by another tenant, which never had
    anything to do with the caller's tenant, is refused and opens none of its people and papers."""
    kouvola = await registry.tenant_with_admin()
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    provider_id, main = await registry.registered_provider()
    urls = await _people_and_papers(registry, provider_id, main)
    # waiting, but not for Lahti: nothing ties the company to Lahti, so approving is no way in
    waiting = await registry.client.post(f"/v1/providers/{provider_id}/approve", headers=lahti)
    assert waiting.status_code == 404 and await _relations(registry) == []
    # the legitimate path: the company applies to Kouvola's service and waits; Kouvola's admin approves it
    await _publish(registry, "applications.application.submitted", {
        "application_id": "app-1", "service_id": "kotihoito", "provider_id": provider_id}, tenant_id="kouvola")
    approved = await registry.client.post(f"/v1/providers/{provider_id}/approve", headers=kouvola)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    refused = await registry.client.post(f"/v1/providers/{provider_id}/approve", headers=lahti)
    assert refused.status_code == 404, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await _statuses(registry, urls, lahti) == {404}  # employees, attachments, checks, courses
    assert await _relations(registry) == [("kouvola", "application")]

    # approving again changes nothing; the company was approved once
    assert (await registry.client.post(f"/v1/providers/{provider_id}/approve", headers=kouvola)).status_code == 200
    assert [e["provider_id"] for e in await registry.events("registry.provider.approved")] == [provider_id]
    assert await _statuses(registry, urls, kouvola) == {200}


async def test_approving_a_waiting_companys_application_approves_the_company(registry: Registry) -> None:
    """Issue 16, finding 7 (the registry's part): the tenant's approval of a self-registered company's
    application is the tenant's approval of the company; the catalog and the card find it."""
    await registry.tenant_with_admin()
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    provider_id, _ = await registry.registered_provider()
    assert (await registry.client.get(f"/v1/catalog/providers/{provider_id}")).status_code == 404
    await _publish(registry, "applications.service.defined", {
        "service_id": "kotihoito", "name_fi": "Kotihoito", "name_sv": "Hemvård", "kind": "voucher",
        "contents": []}, tenant_id="kouvola")
    approved = {"application_id": "app-1", "service_id": "kotihoito", "provider_id": provider_id, "site_ids": []}
    await _publish(registry, "applications.application.submitted", approved, tenant_id="kouvola")
    await _publish(registry, "applications.application.approved", approved, tenant_id="kouvola")
    await _publish(registry, "applications.application.approved", approved, tenant_id="kouvola")  # redelivered

    card = await registry.client.get(f"/v1/catalog/providers/{provider_id}")
    assert card.status_code == 200, card.text
    assert [(s["tenant_id"], s["service_id"]) for s in card.json()["services"]] == [("kouvola", "kotihoito")]
    found = await registry.client.get("/v1/catalog/providers", params={"tenant_id": "kouvola"})
    assert [p["id"] for p in found.json()["items"]] == [provider_id]
    assert (await registry.client.get("/v1/catalog/providers", params={"tenant_id": "lahti"})).json()["total"] == 0
    events = await registry.events("registry.provider.approved")
    assert [(e["provider_id"], e["_tenant_id"]) for e in events] == [(provider_id, "kouvola")]
    # Lahti never approved it: no relation, and its approval call is refused
    assert await _relations(registry) == [("kouvola", "application")]
    assert (await registry.client.post(f"/v1/providers/{provider_id}/approve", headers=lahti)).status_code == 404


async def test_only_a_tenant_that_works_with_the_company_reads_its_accounts(registry: Registry) -> None:
    kouvola = await registry.tenant_with_admin()
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    provider_id, main = await registry.registered_provider()
    view = (await registry.client.get(f"/v1/providers/{provider_id}", headers=main)).json()
    site_id = view["sites"][0]["id"]
    assert (await registry.client.put(f"/v1/providers/{provider_id}/sites/{site_id}/billing", headers=main,
                                      json={"iban": "FI2112345600000785", "bic": "NDEAFIHH"})).status_code == 200
    await _publish(registry, "applications.application.submitted", {
        "application_id": "app-1", "service_id": "kotihoito", "provider_id": provider_id}, tenant_id="kouvola")
    ours = (await registry.client.get(f"/v1/providers/{provider_id}", headers=kouvola)).json()
    assert ours["billing"]["iban"] == view["billing"]["iban"] and ours["sites"][0]["billing"]["bic"] == "NDEAFIHH"
    theirs = await registry.client.get(f"/v1/providers/{provider_id}", headers=lahti)
    assert theirs.status_code == 200 and theirs.json()["name"] == view["name"]  # the shared register
    assert theirs.json()["billing"] is None and theirs.json()["sites"][0]["billing"] is None
    assert "FI21" not in theirs.text and view["billing"]["iban"] not in theirs.text
