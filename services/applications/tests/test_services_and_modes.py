"""Service changes and rulebook versions, idempotent price-list posts, and embedded mode on SQLite."""

from __future__ import annotations

import asyncio
from typing import Any

Api = Flow = Any  # fixtures of conftest.py


async def test_service_change_and_new_rulebook_version_are_republished(api: Api, flow: Flow) -> None:
    service = await flow.service()
    base = f"/v1/tenants/kouvola/services/{service['id']}"
    hour = service["contents"][0]
    r = await api.client.patch(base, headers=api.admin, json={
        "auto_recording": True, "calendar": {"provider_deadline_day": 3, "approval_deadline_day": 5,
                                             "transfer_day": 6},
        "contents": [{**{k: hour[k] for k in ("id", "name_fi", "name_sv", "unit", "client_pays")},
                      "name_fi": "Kotihoito / tunti"},
                     {"name_fi": "Turvapuhelin / kpl", "name_sv": "Trygghetstelefon / st", "unit": "piece",
                      "client_pays": True}]})
    assert r.status_code == 200, r.text
    changed = r.json()
    assert [c["name_fi"] for c in changed["contents"]] == ["Kotihoito / tunti", "Ateriat / kk", "Turvapuhelin / kpl"]
    assert changed["contents"][0]["id"] == hour["id"] and changed["calendar"]["transfer_day"] == 6
    bad = await api.client.patch(base, headers=api.admin, json={"calendar": {
        "provider_deadline_day": 5, "approval_deadline_day": 3, "transfer_day": 4}})
    assert bad.status_code == 422
    unit_change = await api.client.patch(base, headers=api.admin, json={"contents": [
        {**{k: hour[k] for k in ("id", "name_fi", "name_sv", "client_pays")}, "unit": "day"}]})
    assert unit_change.status_code == 422
    rb = await api.client.post(f"{base}/rulebook-versions", headers=api.admin,
                               json={"effective_from": "2016-03-01", "text": "Sääntökirja 3/2016"})
    assert rb.status_code == 201 and rb.json()["version"] == 1
    older = await api.client.post(f"{base}/rulebook-versions", headers=api.admin,
                                  json={"effective_from": "2016-02-01", "text": "x"})
    assert older.status_code == 422
    # a rulebook given as a document is a web address: a script address never reaches a resident's page
    for address in ("javascript:alert(1)", "data:text/html,x", "www.kouvola.fi/saantokirja.pdf"):
        refused = await api.client.post(f"{base}/rulebook-versions", headers=api.admin,
                                        json={"effective_from": "2016-04-01", "document_url": address})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "document_url", address
    events = [e["payload"] for e in await api.published("applications.service.defined")]
    assert len(events) == 3
    assert events[1]["auto_recording"] is True and len(events[1]["contents"]) == 3
    assert events[2]["rulebook"]["version"] == 1


async def test_repeated_price_list_post_with_idempotency_key_makes_one_list(api: Api, flow: Flow) -> None:
    service = await flow.service()
    app = await flow.application(service["id"])
    url = f"/v1/tenants/kouvola/applications/{app['id']}/price-lists"
    body = {"name": "Hinnasto", "start": "2016-04-01",
            "prices": [{"content_id": service["contents"][0]["id"], "unit_price": "40.00"}]}
    first = await api.client.post(url, headers={**api.provider, "Idempotency-Key": "k-1"}, json=body)
    again = await api.client.post(url, headers={**api.provider, "Idempotency-Key": "k-1"}, json=body)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len((await flow.get(app["id"]))["price_lists"]) == 1


async def test_a_price_list_sent_twice_at_once_with_one_idempotency_key_is_made_once(api: Api, flow: Flow) -> None:
    """The portal's request and its retry (a timeout, a double click) arrive side by side with the same key:
    both are answered with the one list made, not one of them with a server error."""
    service = await flow.service()
    app = await flow.application(service["id"])
    url = f"/v1/tenants/kouvola/applications/{app['id']}/price-lists"
    body = {"name": "Hinnasto", "start": "2016-04-01",
            "prices": [{"content_id": service["contents"][0]["id"], "unit_price": "40.00"}]}
    first, second = await asyncio.gather(*(api.client.post(url, headers={**api.provider, "Idempotency-Key": "k-2"},
                                                           json=body) for _ in range(2)))
    assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
    assert first.json()["id"] == second.json()["id"]
    assert len((await flow.get(app["id"]))["price_lists"]) == 1


async def test_price_list_idempotency_key_reused_with_other_prices_is_refused(api: Api, flow: Flow) -> None:
    """The key sent again with another price is not a retry: refused (422, the header named); the provider is
    not shown the first list as if the second, with its 40.00 €, had been made."""
    service = await flow.service()
    app = await flow.application(service["id"])
    url = f"/v1/tenants/kouvola/applications/{app['id']}/price-lists"
    body = {"name": "Hinnasto", "start": "2016-04-01",
            "prices": [{"content_id": service["contents"][0]["id"], "unit_price": "40.00"}]}
    first = await api.client.post(url, headers={**api.provider, "Idempotency-Key": "k-1"}, json=body)
    dearer = {**body, "start": "2016-05-01",
              "prices": [{"content_id": service["contents"][0]["id"], "unit_price": "45.00"}]}
    other = await api.client.post(url, headers={**api.provider, "Idempotency-Key": "k-1"}, json=dearer)
    assert first.status_code == 201
    assert other.status_code == 422, other.text
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert [pl["id"] for pl in (await flow.get(app["id"]))["price_lists"]] == [first.json()["id"]]


async def test_embedded_mode_on_sqlite_runs_the_whole_flow(embedded_flow: Flow) -> None:
    service, app = await embedded_flow.approved_app(price="100.00", start="2015-01-01")
    await embedded_flow.price_list(app["id"], service["contents"][0]["id"], "110.00", "2016-04-01")
    await embedded_flow.submit(app["id"])
    change_id = (await embedded_flow.get(app["id"]))["open_change_id"]
    await embedded_flow.decide(change_id, "approve")
    lists = await embedded_flow.api.published("applications.pricelist.approved")
    assert [e["payload"]["prices"][0]["unit_price"] for e in lists] == ["100.00", "110.00"]


async def test_the_public_list_of_municipalities_and_their_services_needs_no_sign_in(api: Api, flow: Flow) -> None:
    await api.deliver("registry.tenant.created", {"tenant_id": "kouvola", "name_fi": "Kouvola", "name_sv": "Kouvola"})
    await api.deliver("registry.tenant.created", {"tenant_id": "lahti", "name_fi": "Lahti", "name_sv": "Lahtis"})
    service = await flow.service({**api.simple_service,
                                  "rulebook_versions": [{"effective_from": "2016-01-01", "text": "Sääntökirja 2016"}]})
    listed = await api.client.get("/v1/public/tenants")  # no token
    assert listed.status_code == 200, listed.text
    tenants = {t["id"]: t for t in listed.json()["items"]}
    assert tenants["lahti"]["name_sv"] == "Lahtis" and tenants["lahti"]["services"] == []
    [kotihoito] = tenants["kouvola"]["services"]
    assert kotihoito["id"] == service["id"] and kotihoito["name_sv"] == "Hemvård" and kotihoito["kind"] == "voucher"
    assert kotihoito["rulebook"]["version"] == 1 and kotihoito["rulebook"]["effective_from"] == "2016-01-01"
    rulebook = await api.client.get(f"/v1/public/tenants/kouvola/services/{service['id']}/rulebook")
    assert rulebook.status_code == 200 and rulebook.json()["text"] == "Sääntökirja 2016"
    missing = await api.client.get("/v1/public/tenants/kouvola/services/no-such/rulebook")
    assert missing.status_code == 404


async def test_a_service_cannot_require_an_attachment_no_company_can_upload(api: Api, flow: Flow) -> None:
    body = {**api.simple_service, "required_attachments": {"site": [{"type": "palm_reading_licence"}]}}
    refused = await api.client.post("/v1/tenants/kouvola/services", json=body, headers=api.admin)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [{"field": "required_attachments.site",
                                         "reason": "unknown attachment type 'palm_reading_licence'",
                                         "code": "attachment_type_unknown"}]
    listed = await api.client.get("/v1/tenants/kouvola/services", headers=api.admin)
    assert listed.json()["total"] == 0  # nothing was made
