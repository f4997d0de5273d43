"""Public catalog on PostgreSQL: Finnish full-text search with filters and paging, provider card,
price comparison from consumed applications events, contact requests, associations and courses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport
from sqlalchemy import select

from .conftest import MAIN, OTHER_TENANT, PROVIDER, Registry, token_of

SIIVOUS = {**PROVIDER, "business_id": "2077474-0", "name": "Siivouspalvelu Kiilto Oy", "email": "info@kiilto.fi",
           "main_user": {**MAIN, "email": "paa@kiilto.fi"}}
PIILO = {**PROVIDER, "business_id": "0116297-6", "name": "Piilotettu Hoiva Oy", "email": "info@piilo.fi",
         "main_user": {**MAIN, "email": "paa@piilo.fi"}}


async def _provider(registry: Registry, data: dict[str, Any], details: dict[str, Any], approve: bool = True
                    ) -> tuple[str, dict[str, str]]:
    if approve:
        provider_id, headers = await registry.approved_provider(data)
    else:
        provider_id, headers = await registry.registered_provider(data)
    response = await registry.client.patch(f"/v1/providers/{provider_id}", headers=headers, json=details)
    assert response.status_code == 200, response.text
    return provider_id, headers


async def _catalog(registry: Registry) -> dict[str, str]:
    hoiva, _ = await _provider(registry, PROVIDER, {
        "description": "Kotihoidon palvelut ikäihmisille", "street_address": "Salainen tie 1", "postal_code": "45100",
        "city": "Kouvola", "hide_address": True, "needs": ["kotihoito"], "operating_areas": ["Kouvola"],
        "service_languages": ["fi", "sv"]})
    siivous, _ = await _provider(registry, SIIVOUS, {
        "description": "Siivousta kotiin", "street_address": "Katu 2", "city": "Iitti", "needs": ["siivous"],
        "operating_areas": ["Iitti", "Kouvola"], "service_languages": ["fi"]})
    piilo, _ = await _provider(registry, PIILO, {"description": "Kotihoito ja kotisairaanhoito"}, approve=False)
    return {"hoiva": hoiva, "siivous": siivous, "unapproved": piilo}


async def _search(registry: Registry, **params: Any) -> dict[str, Any]:
    response = await registry.client.get("/v1/catalog/providers", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_finnish_search_finds_inflected_words_and_only_approved_providers(registry: Registry) -> None:
    ids = await _catalog(registry)
    found = await _search(registry, q="kotihoito")
    assert [p["id"] for p in found["items"]] == [ids["hoiva"]]  # "kotihoidon palvelut", not the unapproved one
    assert [p["id"] for p in (await _search(registry, q="siivouspalvelut"))["items"]] == [ids["siivous"]]
    assert (await _search(registry, q="ikäihmisille palveluja"))["items"][0]["id"] == ids["hoiva"]
    assert (await _search(registry, q="hammaslääkäri"))["total"] == 0


async def test_filters_paging_and_hidden_address(registry: Registry) -> None:
    ids = await _catalog(registry)
    everything = await _search(registry, limit=1)
    assert everything["total"] == 2 and len(everything["items"]) == 1
    second = await _search(registry, limit=1, offset=1)
    assert {everything["items"][0]["id"], second["items"][0]["id"]} == {ids["hoiva"], ids["siivous"]}
    in_kouvola = await _search(registry, area="Kouvola", language="sv")
    assert [p["id"] for p in in_kouvola["items"]] == [ids["hoiva"]]
    assert in_kouvola["filters"] == [{"name": "area", "value": "Kouvola", "remove": "language=sv"},
                                     {"name": "language", "value": "sv", "remove": "area=Kouvola"}]
    assert (await _search(registry, area="Kouvola"))["total"] == 2  # one filter removed
    assert (await _search(registry, need="siivous"))["items"][0]["id"] == ids["siivous"]
    hoiva = in_kouvola["items"][0]
    assert hoiva["street_address"] is None and hoiva["postal_code"] is None and hoiva["city"] == "Kouvola"
    card = (await registry.client.get(f"/v1/catalog/providers/{ids['hoiva']}")).json()
    assert "Salainen" not in str(card)
    assert {tuple(p["areas"]) for p in everything["items"] + second["items"]} == {("Kouvola",), ("Iitti", "Kouvola")}
    assert card["areas"] == ["Kouvola"]  # as the company wrote them, not the search's lower-case tags
    assert (await registry.client.get(f"/v1/catalog/providers/{ids['unapproved']}")).status_code == 404


async def _publish(registry: Registry, event_type: str, payload: dict[str, Any], tenant_id: str = "kouvola") -> None:
    await InMemoryTransport(registry.broker).publish(
        Envelope(type=event_type, tenant_id=tenant_id, payload=payload), {}, timeout=1)


async def test_price_comparison_lists_sites_with_a_valid_price_list(registry: Registry) -> None:
    ids = await _catalog(registry)
    admin = await registry.admin()
    hoiva_sites = (await registry.client.get(f"/v1/providers/{ids['hoiva']}", headers=admin)).json()["sites"]
    siivous_sites = (await registry.client.get(f"/v1/providers/{ids['siivous']}", headers=admin)).json()["sites"]
    await _publish(registry, "applications.service.defined", {
        "service_id": "kotihoito", "name_fi": "Kotihoidon palveluseteli", "name_sv": "Hemvårdssedel",
        "kind": "voucher", "contents": [{"content_id": "kaynti", "name_fi": "Käynti", "unit": "visit"}]})
    for provider_id, sites in ((ids["hoiva"], hoiva_sites), (ids["siivous"], siivous_sites)):
        await _publish(registry, "applications.application.approved", {
            "application_id": f"app-{provider_id}", "service_id": "kotihoito", "provider_id": provider_id,
            "site_ids": [s["id"] for s in sites]})
    await _publish(registry, "applications.pricelist.approved", {
        "price_list_id": "pl-1", "service_id": "kotihoito", "provider_id": ids["hoiva"], "producer_part": None,
        "name": "Hinnasto 2016", "start": "2016-01-01", "prices": [{"content_id": "kaynti", "unit_price": "32.50"}]})
    await _publish(registry, "applications.pricelist.approved", {  # starts in the future: not valid yet
        "price_list_id": "pl-2", "service_id": "kotihoito", "provider_id": ids["siivous"], "producer_part": None,
        "name": "Hinnasto 2017", "start": "2017-01-01", "prices": [{"content_id": "kaynti", "unit_price": "30.00"}]})
    await registry.broker.drain()

    comparison = (await registry.client.get("/v1/catalog/tenants/kouvola/services/kotihoito/comparison")).json()
    assert [(i["provider_id"], i["prices"]) for i in comparison["items"]] == [
        (ids["hoiva"], [{"content_id": "kaynti", "unit_price": "32.50"}])]
    assert comparison["items"][0]["street_address"] is None  # hidden address stays hidden
    by_service = await _search(registry, tenant_id="kouvola", service_id="kotihoito")
    assert by_service["total"] == 2
    assert (await _search(registry, q="hemvård"))["total"] == 2  # the service's name is searchable too
    card = (await registry.client.get(f"/v1/catalog/providers/{ids['siivous']}")).json()
    assert card["services"] == [{"tenant_id": "kouvola", "service_id": "kotihoito",
                                 "name_fi": "Kotihoidon palveluseteli", "name_sv": "Hemvårdssedel"}]


async def test_an_older_service_definition_heard_after_a_newer_one_is_not_shown(registry: Registry) -> None:
    """The admin renamed the service twice at once; the first definition was retried and heard last."""
    ids = await _catalog(registry)
    defined = datetime.now(UTC) + timedelta(minutes=1)
    for name_fi, at in (("Kotihoidon palveluseteli", defined), ("Kotihoidon palvelusetel", defined - timedelta(
            seconds=20))):
        await InMemoryTransport(registry.broker).publish(Envelope(
            type="applications.service.defined", tenant_id="kouvola", occurred_at=at, payload={
                "service_id": "kotihoito", "name_fi": name_fi, "name_sv": "Hemvårdssedel", "kind": "voucher",
                "contents": [{"content_id": "kaynti", "name_fi": "Käynti", "unit": "visit"}]}), {}, timeout=1)
        await registry.broker.drain()
    await _publish(registry, "applications.application.approved", {
        "application_id": "app-1", "service_id": "kotihoito", "provider_id": ids["hoiva"], "site_ids": []})
    await registry.broker.drain()
    card = (await registry.client.get(f"/v1/catalog/providers/{ids['hoiva']}")).json()
    assert [s["name_fi"] for s in card["services"]] == ["Kotihoidon palveluseteli"]


async def test_contact_request_to_a_tray_notifies_each_organisation_and_logs_disclosure(registry: Registry) -> None:
    ids = await _catalog(registry)
    client = registry.client
    tray = [ids["hoiva"], ids["siivous"]]
    no_consent = await client.post("/v1/catalog/contact-requests", json={
        "organisation_ids": tray, "phone": "0401234567", "consent": False})
    assert no_consent.status_code == 422 and no_consent.json()["errors"][0]["field"] == "consent"
    nothing = await client.post("/v1/catalog/contact-requests", json={"organisation_ids": tray, "consent": True})
    assert nothing.json()["errors"][0]["field"] == "phone"
    hidden = await client.post("/v1/catalog/contact-requests", json={
        "organisation_ids": [ids["unapproved"]], "phone": "0401234567", "consent": True})
    assert hidden.json()["errors"][0]["field"] == "organisation_ids"
    # a municipality id longer than any (its column's 64 characters) is named, not a server error
    too_long = await client.post("/v1/catalog/contact-requests", json={
        "organisation_ids": tray, "phone": "0401234567", "consent": True, "tenant_id": "k" * 65})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "tenant_id", too_long.text
    assert await registry.events("registry.contact.requested") == []

    sent = await client.post("/v1/catalog/contact-requests", json={
        "organisation_ids": tray, "phone": "0401234567", "email": "aino@kouvola.fi", "consent": True,
        "message": "Soittakaa iltapäivällä", "tenant_id": "kouvola"})
    assert sent.status_code == 201, sent.text
    assert [o["email"] for o in sent.json()["organisations"]] == ["info@paivansade.fi", "info@kiilto.fi"]
    [event] = await registry.events("registry.contact.requested")
    assert event["organisation_ids"] == tray and event["_tenant_id"] == "kouvola"
    assert [(r["email"], r["language"]) for r in event["recipients"]] == [
        ("info@paivansade.fi", "fi"), ("info@kiilto.fi", "fi")]
    assert event["contact"] == {"name": None, "phone": "0401234567", "email": "aino@kouvola.fi",
                                "message": "Soittakaa iltapäivällä"}
    assert "0401234567" not in event["summary"] and "aino" not in event["summary"]
    log = registry.runtime.table("disclosure_log")
    async with registry.runtime.db.transaction() as session:
        rows = (await session.execute(select(log).order_by(log.c.id))).mappings().all()
    assert [(r["recipient_provider_id"], r["fields"]) for r in rows] == [
        (ids["hoiva"], "phone,email,message"), (ids["siivous"], "phone,email,message")]


async def test_a_company_reads_its_contact_requests_and_no_one_else_does(registry: Registry) -> None:
    ids = await _catalog(registry)
    client = registry.client
    to_both = await client.post("/v1/catalog/contact-requests", json={
        "organisation_ids": [ids["hoiva"], ids["siivous"]], "phone": "0401234567", "consent": True,
        "message": "Soittakaa iltapäivällä"})
    registry.clock.advance(timedelta(minutes=5))
    to_siivous = await client.post("/v1/catalog/contact-requests", json={
        "organisation_ids": [ids["siivous"]], "email": "bertil@lahti.fi", "consent": True, "language": "sv"})
    assert to_both.status_code == 201 and to_siivous.status_code == 201, to_siivous.text
    hoiva_main = await registry.login(PROVIDER["main_user"]["email"], PROVIDER["main_user"]["password"])
    mine = await client.get(f"/v1/providers/{ids['hoiva']}/contact-requests", headers=hoiva_main)
    assert mine.status_code == 200, mine.text
    assert [(r["phone"], r["message"]) for r in mine.json()["items"]] == [("0401234567", "Soittakaa iltapäivällä")]
    siivous_main = await registry.login(SIIVOUS["main_user"]["email"], SIIVOUS["main_user"]["password"])
    theirs = (await client.get(f"/v1/providers/{ids['siivous']}/contact-requests", headers=siivous_main)).json()
    assert [r["email"] for r in theirs["items"]] == ["bertil@lahti.fi", None]  # newest first
    # another company's users, and the municipality's staff, do not read them
    assert (await client.get(f"/v1/providers/{ids['hoiva']}/contact-requests",
                             headers=siivous_main)).status_code == 403
    kouvola = await registry.tenant_with_admin()
    assert (await client.get(f"/v1/providers/{ids['hoiva']}/contact-requests", headers=kouvola)).status_code == 403


async def test_association_joins_by_link_and_appears_after_approval(registry: Registry) -> None:
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    sneaky = await client.post("/v1/tenants/kouvola/association-invitations", headers=lahti,
                               json={"email": "pj@omaishoitajat.fi"})
    assert sneaky.status_code == 404
    invited = await client.post("/v1/tenants/kouvola/association-invitations", headers=kouvola,
                                json={"email": "pj@omaishoitajat.fi", "language": "fi"})
    assert invited.status_code == 201, invited.text
    [event] = await registry.events("registry.association.invited")
    assert event["email"] == "pj@omaishoitajat.fi" and event["_tenant_id"] == "kouvola"
    secret = token_of(event["link"])
    form = {"token": secret, "name": "Kouvolan Omaishoitajat ry", "description": "Vertaistukea omaishoitajille",
            "operating_areas": ["Kouvola"], "needs": ["omaishoito"]}
    filled = await client.put("/v1/associations/by-link", json=form)
    assert filled.status_code == 200 and filled.json()["status"] == "registered"
    assert (await _search(registry, q="omaishoitajat"))["total"] == 0  # not before approval
    approved = await client.post(f"/v1/providers/{invited.json()['id']}/approve", headers=kouvola)
    assert approved.status_code == 200
    found = await _search(registry, q="omaishoitajien vertaistuki")
    assert [p["kind"] for p in found["items"]] == ["association"]
    edited = await client.put("/v1/associations/by-link", json={**form, "description": "Vertaistukea ja retkiä"})
    assert edited.status_code == 200 and edited.json()["status"] == "approved"  # later edits keep it visible
    wrong = await client.put("/v1/associations/by-link", json={**form, "token": "arvattu"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "token"
    # an association is no payee: its name (set by the form, and changed) is told to no other service, where it
    # waited for a company that never comes and ended in the dead-letter queue
    renamed = await client.put("/v1/associations/by-link",
                               json={**form, "name": "Kouvolan Omaishoitajat ja Läheiset ry"})
    assert renamed.status_code == 200
    assert await registry.events("registry.provider.renamed") == []


async def test_an_association_link_expires_and_a_new_one_ends_the_old(registry: Registry) -> None:
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    invited = await client.post("/v1/tenants/kouvola/association-invitations", headers=kouvola,
                                json={"email": "pj@omaishoitajat.fi", "language": "fi"})
    association_id = invited.json()["id"]
    [first] = await registry.events("registry.association.invited")
    form = {"token": token_of(first["link"]), "name": "Kouvolan Omaishoitajat ry"}
    assert (await client.put("/v1/associations/by-link", json=form)).status_code == 200
    registry.clock.advance(timedelta(days=31))
    expired = await client.put("/v1/associations/by-link", json=form)
    assert expired.status_code == 422 and expired.json()["errors"][0]["reason"] == "the link has expired"
    # Lahti has nothing to do with the association; Kouvola sends a new link, which ends the old ones
    url = f"/v1/tenants/lahti/associations/{association_id}/link"
    assert (await client.post(url, headers=lahti)).status_code == 404
    resent = await client.post(f"/v1/tenants/kouvola/associations/{association_id}/link", headers=kouvola)
    assert resent.status_code == 202, resent.text
    first_again, second = await registry.events("registry.association.invited")
    assert first_again == first and second["email"] == "pj@omaishoitajat.fi"
    assert (await client.put("/v1/associations/by-link", json={**form, "token": token_of(second["link"])})
            ).status_code == 200
    another = await client.post(f"/v1/tenants/kouvola/associations/{association_id}/link", headers=kouvola)
    assert another.status_code == 202
    used_before = await client.put("/v1/associations/by-link", json={**form, "token": token_of(second["link"])})
    assert used_before.status_code == 422 and used_before.json()["errors"][0]["field"] == "token"


async def test_courses_are_entered_within_the_window_and_changed_during_the_year(registry: Registry) -> None:
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    provider_id, main = await registry.approved_provider()
    await _publish(registry, "applications.application.approved", {
        "application_id": "a-1", "service_id": "kuntoutus", "provider_id": provider_id, "site_ids": []})
    await registry.broker.drain()
    course = {"tenant_id": "kouvola", "year": 2017, "service_id": "kuntoutus", "name": "Sopeutumisvalmennus",
              "start_date": "2017-05-02", "end_date": "2017-05-06",
              "contact_persons": [{"name": "Kalle Kurssi", "phone": "0401234567"}]}
    closed = await client.post(f"/v1/providers/{provider_id}/courses", headers=main, json=course)
    assert closed.status_code == 409 and closed.json()["field"] == "year"
    window = {"opens_on": "2016-03-01", "closes_on": "2016-04-30"}
    assert (await client.put("/v1/tenants/kouvola/course-windows/2017", headers=lahti, json=window)
            ).status_code == 404
    assert (await client.put("/v1/tenants/kouvola/course-windows/2017", headers=kouvola, json=window)
            ).status_code == 200
    wrong_year = await client.post(f"/v1/providers/{provider_id}/courses", headers=main,
                                   json={**course, "start_date": "2016-05-02"})
    assert wrong_year.status_code == 422 and wrong_year.json()["errors"][0]["field"] == "start_date"
    created = await client.post(f"/v1/providers/{provider_id}/courses", headers=main, json=course)
    assert created.status_code == 201, created.text
    no_contract = await client.post(f"/v1/providers/{provider_id}/courses", headers=main,
                                    json={**course, "service_id": "muu"})
    assert no_contract.status_code == 422
    public = (await client.get("/v1/catalog/courses", params={"tenant_id": "kouvola", "year": 2017})).json()
    assert [c["name"] for c in public["items"]] == ["Sopeutumisvalmennus"]
    course_url = f"/v1/providers/{provider_id}/courses/{created.json()['id']}"
    registry.clock.set(registry.clock.now().replace(year=2016, month=8))  # window closed, course year not begun
    assert (await client.patch(course_url, headers=main, json={"name": "Uusi"})).status_code == 409
    registry.clock.set(registry.clock.now().replace(year=2017, month=2))  # during the course year
    changed = await client.patch(course_url, headers=main, json={"start_date": "2017-06-01",
                                                                 "end_date": "2017-06-05"})
    assert changed.status_code == 200 and changed.json()["start_date"] == "2017-06-01"
    # a tenant's staff see their own tenant's courses of the company, never another tenant's
    courses_url = f"/v1/providers/{provider_id}/courses"
    assert [c["name"] for c in (await client.get(courses_url, headers=kouvola)).json()["items"]] == [
        "Sopeutumisvalmennus"]
    assert (await client.get(courses_url, headers=lahti)).status_code == 404  # no dealings with Lahti
    await _publish(registry, "applications.application.submitted", {
        "application_id": "a-2", "service_id": "kuntoutus", "provider_id": provider_id}, tenant_id="lahti")
    await registry.broker.drain()
    assert (await client.get(courses_url, headers=lahti)).json() == {"items": [], "total": 0}
    assert (await client.get(courses_url, headers=main)).json()["total"] == 1


async def test_postgresql_answers_the_text_search_from_the_finnish_gin_index(registry: Registry) -> None:
    from seteli_registry.models import providers
    from seteli_registry.repository.catalog import search_document
    from sqlalchemy import text

    expression = select(providers.c.id).where(
        text("to_tsvector('finnish'::regconfig, {}) @@ to_tsquery('simple', 'kotiho:*')".format(
            search_document().compile(compile_kwargs={"literal_binds": True}))))
    async with registry.runtime.db.transaction() as session:
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(r[0] for r in (await session.execute(text(f"EXPLAIN {expression.compile()}"))).all())
    assert "ix_providers_search" in plan


async def test_the_price_comparison_follows_the_price_lists_additional_information(registry: Registry) -> None:
    import pytest
    from seteli_registry import catalog
    from seteli_registry.contracts import PriceListInfoChangedIn

    ids = await _catalog(registry)
    admin = await registry.admin()
    sites = (await registry.client.get(f"/v1/providers/{ids['hoiva']}", headers=admin)).json()["sites"]
    await _publish(registry, "applications.service.defined", {
        "service_id": "kotihoito", "name_fi": "Kotihoidon palveluseteli", "name_sv": "Hemvårdssedel",
        "kind": "voucher", "contents": [{"content_id": "kaynti", "name_fi": "Käynti", "unit": "visit"}]})
    await _publish(registry, "applications.application.approved", {
        "application_id": "app-1", "service_id": "kotihoito", "provider_id": ids["hoiva"],
        "site_ids": [s["id"] for s in sites]})
    approved = {"price_list_id": "pl-1", "service_id": "kotihoito", "provider_id": ids["hoiva"],
                "producer_part": None, "name": "Hinnasto 2016", "start": "2016-01-01",
                "prices": [{"content_id": "kaynti", "unit_price": "32.50"}], "additional_info": "Sis. alv"}
    await _publish(registry, "applications.pricelist.approved", approved)
    await registry.broker.drain()
    url = "/v1/catalog/tenants/kouvola/services/kotihoito/comparison"

    async def shown() -> str:
        return str((await registry.client.get(url)).json()["items"][0]["additional_info"])

    assert await shown() == "Sis. alv"
    changed = {"price_list_id": "pl-1", "service_id": "kotihoito", "provider_id": ids["hoiva"]}
    await _publish(registry, "applications.pricelist.info_changed",
                   {**changed, "additional_info": "Iltakäynnit +10 %", "changed_at": "2016-03-15T10:00:00+00:00"})
    await registry.broker.drain()
    assert await shown() == "Iltakäynnit +10 %"
    # an older change arriving late, and the approval delivered again, do not bring the old text back
    await _publish(registry, "applications.pricelist.info_changed",
                   {**changed, "additional_info": "vanha", "changed_at": "2016-03-14T10:00:00+00:00"})
    await _publish(registry, "applications.pricelist.approved", approved)
    await registry.broker.drain()
    assert await shown() == "Iltakäynnit +10 %"
    # a change that overtook its approval on the bus is retried, not lost
    async with registry.runtime.db.transaction(tenant_id="kouvola") as session:
        with pytest.raises(catalog.PriceListNotYetKnown):
            await catalog.price_list_info_changed(session, "kouvola", PriceListInfoChangedIn.model_validate(
                {**changed, "price_list_id": "pl-9", "additional_info": "x", "changed_at": "z"}))


async def test_the_area_filter_finds_a_company_by_the_town_or_postcode_of_its_sites(registry: Registry) -> None:
    ids = await _catalog(registry)
    siivous_main = await registry.login(SIIVOUS["main_user"]["email"], SIIVOUS["main_user"]["password"])
    added = await registry.client.post(f"/v1/providers/{ids['siivous']}/sites", headers=siivous_main, json={
        "name": "Kiilto Kuusankoski", "notification_email": "kuusankoski@kiilto.fi", "street_address": "Keskuskatu 3",
        "postal_code": "45700", "city": "Kuusankoski"})
    assert added.status_code == 201, added.text
    # no one named Kuusankoski as an operating area: the site's town and postcode find the company
    assert [p["id"] for p in (await _search(registry, area="kuusankoski"))["items"]] == [ids["siivous"]]
    assert [p["id"] for p in (await _search(registry, area="45700"))["items"]] == [ids["siivous"]]
    assert [p["id"] for p in (await _search(registry, area="Iitti"))["items"]] == [ids["siivous"]]  # its own town
    # the company that hides its address is found by its town, never by its postcode
    assert {p["id"] for p in (await _search(registry, area="Kouvola"))["items"]} == {ids["hoiva"], ids["siivous"]}
    assert (await _search(registry, area="45100"))["total"] == 0
    assert (await _search(registry, area="Lahti"))["total"] == 0


async def test_a_site_with_its_own_price_list_is_compared_at_its_own_prices(registry: Registry) -> None:
    """The producer part of a site's list is "site:<id>" (as applications publishes it): that site shows its own
    prices, the company's other sites the company list."""
    provider_id, main = await registry.approved_provider()
    added = await registry.client.post(f"/v1/providers/{provider_id}/sites", headers=main, json={
        "name": "Päivänsäde Kuusankoski", "notification_email": "kuusankoski@paivansade.fi", "city": "Kouvola"})
    assert added.status_code == 201, added.text
    own_site = added.json()["id"]
    sites = (await registry.client.get(f"/v1/providers/{provider_id}", headers=main)).json()["sites"]
    await _publish(registry, "applications.service.defined", {
        "service_id": "kotihoito", "name_fi": "Kotihoidon palveluseteli", "name_sv": "Hemvårdssedel",
        "kind": "voucher", "contents": [{"content_id": "kaynti", "name_fi": "Käynti", "unit": "visit"}]})
    await _publish(registry, "applications.application.approved", {
        "application_id": "app-1", "service_id": "kotihoito", "provider_id": provider_id,
        "site_ids": [s["id"] for s in sites]})
    await _publish(registry, "applications.pricelist.approved", {
        "price_list_id": "pl-company", "service_id": "kotihoito", "provider_id": provider_id, "producer_part": None,
        "name": "Yrityksen hinnasto", "start": "2016-01-01",
        "prices": [{"content_id": "kaynti", "unit_price": "32.50"}]})
    await _publish(registry, "applications.pricelist.approved", {
        "price_list_id": "pl-site", "service_id": "kotihoito", "provider_id": provider_id,
        "producer_part": f"site:{own_site}", "name": "Kuusankosken hinnasto", "start": "2016-02-01",
        "prices": [{"content_id": "kaynti", "unit_price": "29.90"}]})
    await registry.broker.drain()

    comparison = (await registry.client.get("/v1/catalog/tenants/kouvola/services/kotihoito/comparison")).json()
    by_site = {i["site_id"]: (i["price_list_name"], i["prices"][0]["unit_price"]) for i in comparison["items"]}
    assert by_site == {
        **{s["id"]: ("Yrityksen hinnasto", "32.50") for s in sites if s["id"] != own_site},
        own_site: ("Kuusankosken hinnasto", "29.90")}


async def test_an_ended_content_and_its_prices_leave_the_comparison_from_its_end_day(registry: Registry) -> None:
    """Today is 2016-03-15: a content ended on it (or before) is not compared; one ending later is, with its day."""
    ids = await _catalog(registry)
    admin = await registry.admin()
    sites = (await registry.client.get(f"/v1/providers/{ids['hoiva']}", headers=admin)).json()["sites"]
    contents = [{"content_id": c, "name_fi": c.title(), "name_sv": c.title(), "unit": "visit", "client_pays": False}
                for c in ("kaynti", "ateria", "sauna", "pesu")]

    async def define(ended: dict[str, str], scheduled: dict[str, str]) -> dict[str, Any]:
        await _publish(registry, "applications.service.defined", {
            "service_id": "kotihoito", "name_fi": "Kotihoito", "name_sv": "Hemvård", "kind": "voucher",
            "contents": [{**c, "ended_from": ended.get(c["content_id"])} for c in contents],
            "scheduled": [{"effective_from": day, "name_fi": "Kotihoito", "contents": [
                {**c, "ended_from": day if scheduled.get(c["content_id"]) == day else ended.get(c["content_id"])}
                for c in contents]} for day in sorted(set(scheduled.values()))]})
        await registry.broker.drain()
        return (await registry.client.get("/v1/catalog/tenants/kouvola/services/kotihoito/comparison")).json()

    await _publish(registry, "applications.application.approved", {
        "application_id": "app-h", "service_id": "kotihoito", "provider_id": ids["hoiva"],
        "site_ids": [s["id"] for s in sites]})
    await _publish(registry, "applications.pricelist.approved", {
        "price_list_id": "pl-1", "service_id": "kotihoito", "provider_id": ids["hoiva"], "producer_part": None,
        "name": "Hinnasto 2016", "start": "2016-01-01", "prices": [
            {"content_id": c, "unit_price": p} for c, p in (("kaynti", "32.50"), ("ateria", "8.00"),
                                                           ("sauna", "12.00"), ("pesu", "20.00"))]})
    # ateria ended yesterday, sauna today (at once); pesu ends tomorrow (scheduled); kaynti goes on
    comparison = await define({"ateria": "2016-03-14", "sauna": "2016-03-15"}, {"pesu": "2016-03-16"})
    assert [(c["content_id"], c["ended_from"]) for c in comparison["contents"]] == [
        ("kaynti", None), ("pesu", "2016-03-16")]
    assert comparison["items"][0]["prices"] == [{"content_id": "kaynti", "unit_price": "32.50"},
                                                {"content_id": "pesu", "unit_price": "20.00"}]
    registry.clock.advance(timedelta(days=1))  # pesu's end day: gone without a new message
    later = (await registry.client.get("/v1/catalog/tenants/kouvola/services/kotihoito/comparison")).json()
    assert [c["content_id"] for c in later["contents"]] == ["kaynti"]
    assert later["items"][0]["prices"] == [{"content_id": "kaynti", "unit_price": "32.50"}]
    back = await define({}, {})  # published without ends (a scheduled end cancelled): compared again
    assert [c["content_id"] for c in back["contents"]] == ["kaynti", "ateria", "sauna", "pesu"]
