"""Price lists: validity chains, the seed's 2015/2016 example, producer parts, refusals."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from seteli_applications.context import ApplicationsContext
from seteli_applications.service import decide
from seteli_common.auth import Principal, Role

Api = Flow = Any  # fixtures of conftest.py


async def _lookup(api: Api, service_id: str, content_id: str, day: str, part: str | None = None) -> Any:
    params = {"provider_id": api.provider_id, "service_id": service_id, "content_id": content_id, "date": day}
    if part:
        params["producer_part"] = part
    return await api.client.get("/v1/tenants/kouvola/price-lookup", params=params, headers=api.officer)


async def _new_list_through_change(api: Api, flow: Flow, app_id: str, content: str, price: str, start: str,
                                   part: str | None = None) -> dict[str, Any]:
    pl = await flow.price_list(app_id, content, price, start, part)
    await flow.submit(app_id)
    await flow.decide(app_id, "approve")  # the approved application's id reaches its sent change
    return pl


async def test_seed_example_event_date_decides_not_recording_date(api: Api, flow: Flow) -> None:
    """004 §1.3.7: lists from 2015-01-01 and 2016-01-01; an event of 2015-12-31 recorded in January 2016
    gets the old price."""
    api.runtime.clock.set(datetime(2014, 12, 1, 10, 0, tzinfo=UTC))
    service, app = await flow.approved_app(price="100.00", start="2015-01-01")
    content = service["contents"][0]["id"]
    api.runtime.clock.set(datetime(2015, 12, 1, 10, 0, tzinfo=UTC))
    await _new_list_through_change(api, flow, app["id"], content, "110.00", "2016-01-01")
    api.runtime.clock.set(datetime(2016, 1, 12, 10, 0, tzinfo=UTC))  # recorded in January 2016
    old = await _lookup(api, service["id"], content, "2015-12-31")
    assert old.status_code == 200 and old.json()["unit_price"] == "100.00"
    assert (await _lookup(api, service["id"], content, "2015-01-01")).json()["unit_price"] == "100.00"
    assert (await _lookup(api, service["id"], content, "2016-01-01")).json()["unit_price"] == "110.00"
    assert (await _lookup(api, service["id"], content, "2014-12-31")).status_code == 404
    lists = (await api.client.get("/v1/tenants/kouvola/price-lists?state=approved", headers=api.provider)).json()
    assert [(pl["valid_from"], pl["valid_until"]) for pl in lists["items"]] == [
        ("2015-01-01", "2015-12-31"), ("2016-01-01", None)]


async def test_producer_part_list_first_then_company_list(api: Api, flow: Flow) -> None:
    service = await flow.service()
    hour, month = (c["id"] for c in service["contents"])
    app = await flow.application(service["id"])
    r = await api.client.post(f"/v1/tenants/kouvola/applications/{app['id']}/price-lists", headers=api.provider,
                              json={"name": "Yritys 2016", "start": "2016-01-01",
                                    "prices": [{"content_id": hour, "unit_price": "40.00"},
                                               {"content_id": month, "unit_price": "300.00"}]})
    assert r.status_code == 201
    await flow.price_list(app["id"], hour, "45.00", "2016-02-01", part=f"site:{api.site_a}")
    await flow.submit(app["id"])
    await flow.decide(app["id"], "approve")
    site = f"site:{api.site_a}"
    assert (await _lookup(api, service["id"], hour, "2016-01-15", site)).json()["unit_price"] == "40.00"
    assert (await _lookup(api, service["id"], hour, "2016-02-10", site)).json()["unit_price"] == "45.00"
    assert (await _lookup(api, service["id"], month, "2016-02-10", site)).json()["unit_price"] == "300.00"
    other_site = f"site:{api.site_b}"
    assert (await _lookup(api, service["id"], hour, "2016-02-10", other_site)).json()["unit_price"] == "40.00"
    assert (await _lookup(api, service["id"], hour, "2016-02-10")).json()["unit_price"] == "40.00"


async def test_a_new_list_applies_only_once_approved(api: Api, flow: Flow) -> None:
    service, app = await flow.approved_app(price="100.00", start="2015-01-01")
    content = service["contents"][0]["id"]
    await flow.price_list(app["id"], content, "120.00", "2016-03-01")
    await flow.submit(app["id"])
    assert (await _lookup(api, service["id"], content, "2016-03-10")).json()["unit_price"] == "100.00"
    change_id = (await flow.get(app["id"]))["open_change_id"]
    await flow.decide(change_id, "approve")
    assert (await _lookup(api, service["id"], content, "2016-03-10")).json()["unit_price"] == "120.00"


async def test_bad_price_lists_are_refused_with_the_field_and_change_nothing(api: Api, flow: Flow) -> None:
    service, app = await flow.approved_app(price="100.00", start="2016-01-01")
    content = service["contents"][0]["id"]
    url = f"/v1/tenants/kouvola/applications/{app['id']}/price-lists"

    async def refused(body: dict[str, Any]) -> list[tuple[str, str]]:
        r = await api.client.post(url, headers=api.provider, json={"name": "Uusi", "start": "2016-04-01", **body})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        return [(e["field"], e["reason"]) for e in r.json()["errors"]]

    assert await refused({"prices": [{"content_id": "no-such-content", "unit_price": "10.00"}]}) == [
        ("prices.0.content_id", "the service has no such content")]
    assert await refused({"prices": [{"content_id": content, "unit_price": "-5.00"}]}) == [
        ("prices.0.unit_price", "must not be negative")]
    before = await refused({"start": "2015-12-01", "prices": [{"content_id": content, "unit_price": "90.00"}]})
    assert before[0][0] == "start" and "2016-01-01" in before[0][1]
    same_day = await refused({"start": "2016-01-01", "prices": [{"content_id": content, "unit_price": "90.00"}]})
    assert same_day[0][0] == "start"
    assert (await refused({"prices": [{"content_id": content, "unit_price": "12.345"}]}))[0][0] == \
        "prices.0.unit_price"
    assert (await refused({"prices": [{"content_id": content, "unit_price": "kymmenen"}]}))[0][0] == \
        "prices.0.unit_price"
    assert (await refused({"prices": []})) == [("prices", "a price list needs at least one unit price")]
    assert (await refused({"producer_part": "site:not-chosen", "prices": [
        {"content_id": content, "unit_price": "1.00"}]}))[0][0] == "producer_part"
    assert (await refused({"producer_part": "branch:1", "prices": [
        {"content_id": content, "unit_price": "1.00"}]}))[0][0] == "producer_part"
    several = await refused({"prices": [{"content_id": "nope", "unit_price": "1.00"},
                                        {"content_id": content, "unit_price": "-1"}]})
    assert [f for f, _ in several] == ["prices.0.content_id", "prices.1.unit_price"]
    lists = (await api.client.get("/v1/tenants/kouvola/price-lists", headers=api.provider)).json()
    assert lists["total"] == 1
    # a refusal did not even open a change of the approved application
    assert (await flow.get(app["id"]))["open_change_id"] is None


async def test_additional_info_changes_any_time_without_approval(api: Api, flow: Flow) -> None:
    service, app = await flow.approved_app()
    [pl] = (await api.client.get("/v1/tenants/kouvola/price-lists", headers=api.provider)).json()["items"]
    r = await api.client.patch(f"/v1/tenants/kouvola/price-lists/{pl['id']}", headers=api.provider,
                               json={"additional_info": "Hinnat sisältävät siivouksen"})
    assert r.status_code == 200
    assert r.json()["state"] == "approved" and r.json()["additional_info"] == "Hinnat sisältävät siivouksen"
    assert (await flow.get(app["id"]))["open_change_id"] is None
    assert (await api.client.patch(f"/v1/tenants/kouvola/price-lists/{pl['id']}", headers=api.other,
                                   json={"additional_info": "x"})).status_code == 404
    # the catalog's price comparison shows the text: the change is published, once per real change
    await api.client.patch(f"/v1/tenants/kouvola/price-lists/{pl['id']}", headers=api.provider,
                           json={"additional_info": "Hinnat sisältävät siivouksen"})
    [changed] = await api.published("applications.pricelist.info_changed")
    assert changed["tenant_id"] == "kouvola" and changed["payload"]["price_list_id"] == pl["id"]
    assert changed["payload"]["additional_info"] == "Hinnat sisältävät siivouksen"
    assert changed["payload"]["changed_at"].startswith("2016-03-15")


async def test_a_pending_lists_text_travels_in_its_approval(api: Api, flow: Flow) -> None:
    service = await flow.service()
    app = await flow.application(service["id"])
    pl = await flow.price_list(app["id"], service["contents"][0]["id"], "10.00", "2016-04-01")
    r = await api.client.patch(f"/v1/tenants/kouvola/price-lists/{pl['id']}", headers=api.provider,
                               json={"additional_info": "Sis. alv"})
    assert r.status_code == 200
    await flow.submit(app["id"])
    await flow.decide(app["id"], "approve")
    assert await api.published("applications.pricelist.info_changed") == []
    [approved] = await api.published("applications.pricelist.approved")
    assert approved["payload"]["additional_info"] == "Sis. alv"


async def test_a_text_written_while_the_officer_approves_the_list_reaches_the_catalog(api: Api, flow: Flow) -> None:
    """The provider writes the list's additional information at the moment the officer approves it: the catalog
    gets the new text (in the approval, or told as a change after it), never keeps the old one for good."""
    service = await flow.service()
    app = await flow.application(service["id"])
    pl = await flow.price_list(app["id"], service["contents"][0]["id"], "10.00", "2016-04-01")
    await flow.submit(app["id"])
    officer = Principal(subject="officer-k", role=Role.TENANT_OFFICER, tenant_id="kouvola")
    async with api.runtime.db.transaction(tenant_id="kouvola") as session:  # the approval, not yet committed
        ctx = ApplicationsContext(session, api.runtime.outbox, api.runtime.clock, signer=api.runtime.extras["signer"])
        await decide(ctx, "kouvola", officer, app["id"], "approve", None, [])
        writing = asyncio.create_task(api.client.patch(f"/v1/tenants/kouvola/price-lists/{pl['id']}",
                                                       headers=api.provider, json={"additional_info": "Sis. alv"}))
        await asyncio.sleep(0.5)
    r = await writing
    assert r.status_code == 200, r.text
    [approved] = await api.published("applications.pricelist.approved")
    told = [e["payload"]["additional_info"] for e in await api.published("applications.pricelist.info_changed")]
    assert [approved["payload"]["additional_info"], *told][-1] == "Sis. alv"


async def test_a_pending_list_can_be_removed_from_a_draft(api: Api, flow: Flow) -> None:
    service = await flow.service()
    app = await flow.application(service["id"])
    pl = await flow.price_list(app["id"], service["contents"][0]["id"], "10.00", "2016-04-01")
    url = f"/v1/tenants/kouvola/applications/{app['id']}/price-lists/{pl['id']}"
    assert (await api.client.delete(url, headers=api.provider)).status_code == 204
    assert (await flow.get(app["id"]))["price_lists"] == []


async def test_unit_and_employee_lists_once_chosen_in_their_steps_and_the_look_up_finds_them(
        api: Api, flow: Flow) -> None:
    """Issue 20: a price list may target a unit (step 4) or an employee (step 5) as well as a site; the
    producer part must be chosen in its step first, and its own list comes before the company's."""
    service = await flow.service()
    hour = service["contents"][0]["id"]
    app = await flow.application(service["id"])
    await flow.price_list(app["id"], hour, "40.00", "2016-01-01")
    refused = await flow.price_list(app["id"], hour, "50.00", "2016-02-01", part="unit:Ryhmäkoti Kuusi", expect=422)
    assert refused["errors"][0]["field"] == "producer_part" and "units" in refused["errors"][0]["reason"]
    steps = f"/v1/tenants/kouvola/applications/{app['id']}/steps"
    # the company's own unit and employee, as the registry told them (the steps take no other)
    await api.deliver("registry.provider.units_changed", {"provider_id": api.provider_id, "units": ["Ryhmäkoti Kuusi"],
                                                          "changed_at": "2016-01-01T08:00:00Z"})
    await api.deliver("registry.employee.added", {"provider_id": api.provider_id, "employee_id": "emp-1",
                                                  "name": "Eeva Esimerkki"})
    saved = await api.client.put(f"{steps}/units", headers=api.provider,
                                 json={"ids": ["Ryhmäkoti Kuusi"], "notes": "Yksi yksikkö"})
    assert saved.status_code == 200 and saved.json()["steps"]["units"]["ids"] == ["Ryhmäkoti Kuusi"]
    assert (await api.client.put(f"{steps}/employees", headers=api.provider,
                                 json={"ids": ["emp-1"]})).status_code == 200
    unit = await flow.price_list(app["id"], hour, "50.00", "2016-02-01", part="unit:Ryhmäkoti Kuusi")
    too_long = await flow.price_list(app["id"], hour, "50.00", "2016-02-01", part="unit:" + "x" * 80, expect=422)
    assert too_long["errors"][0]["field"].endswith("producer_part")
    employee = await flow.price_list(app["id"], hour, "55.00", "2016-03-01", part="employee:emp-1")
    assert (unit["producer_part"], employee["producer_part"]) == ("unit:Ryhmäkoti Kuusi", "employee:emp-1")
    await flow.submit(app["id"])
    await flow.decide(app["id"], "approve")
    assert (await _lookup(api, service["id"], hour, "2016-02-10", "unit:Ryhmäkoti Kuusi")).json()["unit_price"] \
        == "50.00"
    assert (await _lookup(api, service["id"], hour, "2016-03-10", "employee:emp-1")).json()["unit_price"] == "55.00"
    # before its own list starts, and for another unit, the company's list prices
    assert (await _lookup(api, service["id"], hour, "2016-02-20", "employee:emp-1")).json()["unit_price"] == "40.00"
    assert (await _lookup(api, service["id"], hour, "2016-02-10", "unit:Muu")).json()["unit_price"] == "40.00"


async def test_a_lists_validity_ends_only_at_the_next_list_of_its_own_service_and_provider(
        api: Api, flow: Flow) -> None:
    """A list is valid until the day before the next list of the same producer part starts: of the same
    provider's same service. The company's list of another service, or another company's list, ends nothing."""
    home_care, app = await flow.approved_app(price="40.00", start="2016-01-01")
    housing_body = {"name_fi": "Tehostettu palveluasuminen", "name_sv": "Serviceboende", "kind": "voucher",
                    "auto_recording": True, "contents": [{"name_fi": "Hoiva / vrk", "name_sv": "Vård / dygn",
                                                          "unit": "day", "client_pays": False}]}
    housing = await flow.service(housing_body)
    other_app = await flow.application(housing["id"])
    await flow.price_list(other_app["id"], housing["contents"][0]["id"], "150.00", "2016-02-01")
    await flow.submit(other_app["id"])
    await flow.decide(other_app["id"], "approve")
    competitor = await flow.application(home_care["id"], headers=api.other)
    await flow.price_list(competitor["id"], home_care["contents"][0]["id"], "38.00", "2016-03-01", headers=api.other)
    await flow.submit(competitor["id"], headers=api.other)
    await flow.decide(competitor["id"], "approve")

    def validity(page: Any) -> set[tuple[str, str, str, str | None]]:
        return {(pl["provider_id"], pl["service_id"], pl["valid_from"], pl["valid_until"]) for pl in page["items"]}

    mine = (await api.client.get("/v1/tenants/kouvola/price-lists", headers=api.provider)).json()
    assert validity(mine) == {(api.provider_id, home_care["id"], "2016-01-01", None),
                              (api.provider_id, housing["id"], "2016-02-01", None)}
    everyone = (await api.client.get("/v1/tenants/kouvola/price-lists", headers=api.officer)).json()
    assert validity(everyone) == {(api.provider_id, home_care["id"], "2016-01-01", None),
                                  (api.provider_id, housing["id"], "2016-02-01", None),
                                  ("prov-other", home_care["id"], "2016-03-01", None)}


async def test_a_list_for_a_site_dropped_from_the_sites_step_keeps_the_application_from_going(
        api: Api, flow: Flow) -> None:
    """A price list is for the company or for a producer part of the application: once its site is no longer
    chosen in the sites step, the summary lists it (the officer would otherwise approve prices of a site the
    application does not offer), and the application goes once the list or the site is put right."""
    service = await flow.service()
    hour = service["contents"][0]["id"]
    app = await flow.application(service["id"])
    await flow.price_list(app["id"], hour, "40.00", "2016-01-01")
    site_list = await flow.price_list(app["id"], hour, "45.00", "2016-01-01", part=f"site:{api.site_b}")
    base = f"/v1/tenants/kouvola/applications/{app['id']}"
    assert (await api.client.put(f"{base}/steps/sites", headers=api.provider,
                                 json={"ids": [api.site_a]})).status_code == 200
    refused = await flow.submit(app["id"], expect=422)
    assert [(m["code"], m["owner_id"]) for m in refused["missing"]] == [("price_list_part_not_chosen",
                                                                         site_list["id"])]
    assert (await flow.get(app["id"]))["state"] == "draft"
    assert (await api.client.put(f"{base}/steps/sites", headers=api.provider,
                                 json={"ids": [api.site_a, api.site_b]})).status_code == 200
    assert (await api.client.get(f"{base}/completeness", headers=api.provider)).json()["complete"] is True
    assert (await flow.submit(app["id"]))["state"] == "submitted"
