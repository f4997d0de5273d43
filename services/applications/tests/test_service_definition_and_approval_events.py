"""Defining a service, and an application from draft to approved: the events other services use."""

from __future__ import annotations

from typing import Any

from seteli_common.auth import Role

from .conftest import Flow

Api = Any  # the `api` fixture of conftest.py


async def define(api: Api, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await api.client.post("/v1/tenants/kouvola/services", json=body or api.simple_service, headers=api.admin)
    assert response.status_code == 201, response.text
    return response.json()


async def test_tenant_admin_defines_a_service_and_it_is_published(api: Api) -> None:
    service = await define(api)
    assert service["calendar"] == {"provider_deadline_day": 2, "approval_deadline_day": 3, "transfer_day": 4}
    assert [c["unit"] for c in service["contents"]] == ["hour", "month"]
    [event] = await api.published("applications.service.defined")
    assert event["tenant_id"] == "kouvola"
    payload = event["payload"]
    assert payload["service_id"] == service["id"] and payload["kind"] == "voucher"
    assert payload["contents"][1] == {"content_id": service["contents"][1]["id"], "name_fi": "Ateriat / kk",
                                      "name_sv": "Måltider / mån", "unit": "month", "client_pays": True,
                                      "ended_from": None}  # a content goes on until the tenant admin ends it
    # providers read the services of any tenant
    listed = await api.client.get("/v1/tenants/kouvola/services", headers=api.provider)
    assert listed.json()["total"] == 1
    one = await api.client.get(f"/v1/tenants/kouvola/services/{service['id']}", headers=api.provider)
    assert one.json()["name_fi"] == "Kotihoito"


async def test_a_service_defined_with_only_the_required_fields_takes_the_defaults(api: Api) -> None:
    """Found by schemathesis (issue #10): leaving out auto_recording or a content's client_pays was a 500."""
    service = await define(api, {"name_fi": "Siivous", "name_sv": "Städning", "kind": "voucher",
                                 "contents": [{"name_fi": "Siivous / h", "name_sv": "Städning / h", "unit": "hour"}]})
    assert service["auto_recording"] is False
    assert service["contents"][0]["client_pays"] is False


async def test_a_change_sending_null_for_a_setting_leaves_it_as_it_was(api: Api) -> None:
    """Found by the long schemathesis run (issue #10): PATCH {"auto_recording": null} was a 500."""
    service = await define(api, {"name_fi": "Siivous", "name_sv": "Städning", "kind": "voucher",
                                 "auto_recording": True,
                                 "contents": [{"name_fi": "Siivous / h", "name_sv": "Städning / h", "unit": "hour"}]})
    changed = await api.client.patch(f"/v1/tenants/kouvola/services/{service['id']}", headers=api.admin,
                                     json={"auto_recording": None, "name_fi": None, "name_sv": "Hemstädning"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["auto_recording"] is True and changed.json()["name_fi"] == "Siivous"
    assert changed.json()["name_sv"] == "Hemstädning"


async def test_only_the_tenants_own_admin_defines_services(api: Api) -> None:
    assert (await api.client.post("/v1/tenants/kouvola/services", json=api.simple_service,
                                  headers=api.officer)).status_code == 403
    lahti_admin = api.token_for(Role.TENANT_ADMIN, tenant_id="lahti")
    assert (await api.client.post("/v1/tenants/kouvola/services", json=api.simple_service,
                                  headers=lahti_admin)).status_code == 404
    assert (await api.client.post("/v1/tenants/kouvola/services", json=api.simple_service,
                                  headers=api.provider)).status_code == 403


async def test_application_from_draft_to_approved_publishes_application_and_price_lists(api: Api) -> None:
    service = await define(api)
    hour, month = (c["id"] for c in service["contents"])
    created = await api.client.post("/v1/tenants/kouvola/applications", json={"service_id": service["id"]},
                                    headers=api.provider)
    assert created.status_code == 201, created.text
    app = created.json()
    assert app["state"] == "draft" and app["provider_id"] == api.provider_id
    assert app["site_ids"] == [api.site_a, api.site_b]
    base = f"/v1/tenants/kouvola/applications/{app['id']}"
    pl = await api.client.post(f"{base}/price-lists", headers=api.provider, json={
        "name": "Hinnasto 2016", "start": "2016-01-01", "producer_part": None,
        "prices": [{"content_id": hour, "unit_price": "45.50"}, {"content_id": month, "unit_price": "150.00"}]})
    assert pl.status_code == 201, pl.text
    site_pl = await api.client.post(f"{base}/price-lists", headers=api.provider, json={
        "name": "Kouvola 2016", "start": "2016-02-01", "producer_part": f"site:{api.site_a}",
        "prices": [{"content_id": hour, "unit_price": "47"}]})
    assert site_pl.status_code == 201, site_pl.text
    sent = await Flow(api).submit(app["id"])
    assert sent["state"] == "submitted"
    decided = await api.client.post(f"{base}/decision", headers=api.officer, json={"decision": "approve"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "approved"

    [approved] = await api.published("applications.application.approved")
    assert approved["tenant_id"] == "kouvola"
    assert approved["payload"] == {"application_id": app["id"], "service_id": service["id"],
                                   "provider_id": api.provider_id, "site_ids": [api.site_a, api.site_b],
                                   "change_id": None}
    lists = {e["payload"]["name"]: e["payload"] for e in await api.published("applications.pricelist.approved")}
    assert lists["Hinnasto 2016"]["producer_part"] is None
    assert lists["Hinnasto 2016"]["start"] == "2016-01-01"
    assert {(p["content_id"], p["unit_price"]) for p in lists["Hinnasto 2016"]["prices"]} == {
        (hour, "45.50"), (month, "150.00")}
    assert lists["Kouvola 2016"]["producer_part"] == f"site:{api.site_a}"
    assert lists["Kouvola 2016"]["prices"] == [{"content_id": hour, "unit_price": "47.00"}]
    assert lists["Kouvola 2016"]["price_list_id"] == site_pl.json()["id"]
