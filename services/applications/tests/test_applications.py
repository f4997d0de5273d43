"""Applications: the Kouvola services, steps, completeness, sending, decisions, changes, isolation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from seteli_applications.demo import kouvola_services
from seteli_common.auth import Role
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

Api = Flow = Any  # fixtures of conftest.py


async def test_kouvolas_two_services_from_seed_004(api: Api, flow: Flow) -> None:
    enhanced, basic, purchased = [await flow.service(body) for body in kouvola_services()]
    assert enhanced["name_fi"] == "Ikääntyneiden tehostettu palveluasuminen"
    assert len(enhanced["contents"]) == 17
    assert enhanced["contents"][2]["name_fi"] == "Hoivapalvelumaksu / vrk"
    assert [c["name_fi"] for c in enhanced["contents"] if not c["client_pays"]] == ["Hoivapalvelumaksu / vrk"]
    assert basic["name_fi"] == "Ikääntyneiden palveluasuminen"
    assert [c["name_fi"] for c in basic["contents"]] == [
        "Palveluasumisen hoivamaksu / vrk", "Palveluasumisen hoivamaksu / kk", "Ateriamaksut / kk", "Sähkö / kk",
        "Vesi / kk", "Vuokra / kk, keskiarvo", "Muut palvelut / kk"]
    assert [c["unit"] for c in basic["contents"][:2]] == ["day", "month"]
    assert len(enhanced["required_attachments"]["site"]) == 10
    assert enhanced["required_attachments"]["site"][0]["type"] == "avi_valvira_licence"
    assert basic["required_attachments"]["site"][0]["type"] == "avi_valvira_register_certificate"
    rule = enhanced["interruption_rule"]
    assert rule["valid_from"] == "2016-01-01"
    assert rule["reasons"]["hospital"]["bands"][1] == {"from_day": 11, "to_day": None, "percentage": 0}
    assert enhanced["current_rulebook_version"]["version"] == 1
    events = await api.published("applications.service.defined")
    assert [e["payload"]["name_fi"] for e in events] == [enhanced["name_fi"], basic["name_fi"], purchased["name_fi"]]
    assert events[0]["payload"]["interruption_rule"]["reasons"]["holiday"]["return_day_percentage"] == 100


async def test_kouvolas_purchased_enhanced_housing_has_its_own_content_list(api: Api, flow: Flow) -> None:
    purchased = await flow.service(kouvola_services()[2])
    assert purchased["kind"] == "purchased"
    # seed 004 §1.3.7 "Tehostetun palveluasumisen ostopalvelussa käytettävät palvelusisällöt", in its order
    assert [c["name_fi"] for c in purchased["contents"]] == [
        "Hoivapalvelumaksu / vrk", "Ateriat / vrk, asiakas maksaa", "Sähkö / vrk, asiakas maksaa",
        "Vesimaksu / vrk, asiakas maksaa", "Vuokra / vrk, asiakas maksaa", "Ateriat, asiakas maksaa / kk",
        "Sähkö, asiakas maksaa / kk", "Sähkö, asiakas maksaa / m2 / kk", "Tarvikepaketti, asiakas maksaa / kk",
        "Tarvikepaketti, asiakas maksaa / vrk", "Tarvikepaketti, asiakas maksaa, vapaaehtoinen / kk",
        "Vesimaksu, asiakas maksaa / kk", "Vuokra / m2, asiakas maksaa", "Vuokra / vrk, asiakas maksaa maksimi",
        "Vuokra / vrk, asiakas maksaa minimi", "Vuokra maximi, asiakas maksaa", "Vuokra minimi, asiakas maksaa"]
    assert [c["name_fi"] for c in purchased["contents"] if not c["client_pays"]] == ["Hoivapalvelumaksu / vrk"]
    assert [c["unit"] for c in purchased["contents"][:2]] == ["day", "day"]
    assert purchased["contents"][7]["unit"] == "m2_month"
    assert len(purchased["required_attachments"]["site"]) == 10


async def test_steps_are_saved_and_revisited(api: Api, flow: Flow) -> None:
    service = await flow.service()
    app = await flow.application(service["id"])
    base = f"/v1/tenants/kouvola/applications/{app['id']}"
    r = await api.client.put(f"{base}/steps/sites", headers=api.provider, json={"ids": [api.site_b]})
    assert r.status_code == 200, r.text
    await api.deliver("registry.employee.added", {"provider_id": api.provider_id, "employee_id": "emp-1",
                                                  "name": "Maija Vastuu"})
    await api.client.put(f"{base}/steps/employees", headers=api.provider,
                         json={"ids": ["emp-1"], "notes": "Vastuuhenkilö Maija"})
    again = await flow.get(app["id"])
    assert again["site_ids"] == [api.site_b]
    assert again["steps"]["employees"]["notes"] == "Vastuuhenkilö Maija"
    assert again["saved_steps"] == ["sites", "employees"]
    foreign = await api.client.put(f"{base}/steps/sites", headers=api.provider, json={"ids": ["site-of-someone"]})
    assert foreign.status_code == 422
    assert (await flow.get(app["id"]))["site_ids"] == [api.site_b]


async def _attachment(api: Api, att_id: str, level: str, owner: str, type_: str,
                      valid_until: str | None = None) -> None:
    await api.deliver("registry.attachment.added", {
        "attachment_id": att_id, "provider_id": api.provider_id, "level": level, "owner_id": owner,
        "type": type_, "valid_from": "2015-01-01", "valid_until": valid_until})


async def test_completeness_lists_every_missing_item_at_once(api: Api, flow: Flow) -> None:
    service = await flow.service({**api.simple_service, "required_attachments": {
        "company": ["trade_register_extract"], "site": ["medication_plan", "rescue_plan"],
        "subcontractor": ["tyel_certificate"]}})
    app = await flow.application(service["id"])
    base = f"/v1/tenants/kouvola/applications/{app['id']}"
    await _subcontractor(api, "added", "2016-03-01T08:00:00Z")  # the step takes only the company's own
    await api.client.put(f"{base}/steps/subcontractors", headers=api.provider, json={"ids": ["sub-1"]})
    await _attachment(api, "att-1", "company", api.provider_id, "trade_register_extract", "2016-01-31")  # expired
    await _attachment(api, "att-2", "site", api.site_a, "medication_plan")
    refused = await flow.submit(app["id"], expect=422, accept_rulebook=False)
    missing = {(m["code"], m["level"], m["owner_id"], m["type"]) for m in refused["missing"]}
    assert missing == {
        ("attachment_expired", "company", api.provider_id, "trade_register_extract"),
        ("attachment_missing", "site", api.site_a, "rescue_plan"),
        ("attachment_missing", "site", api.site_b, "medication_plan"),
        ("attachment_missing", "site", api.site_b, "rescue_plan"),
        ("attachment_missing", "subcontractor", "sub-1", "tyel_certificate"),
        ("no_price_list", None, None, None),
        ("rulebook_not_accepted", None, None, None),
    }
    assert len(refused["errors"]) == 7
    assert (await flow.get(app["id"]))["state"] == "draft"
    # fix everything, then it goes
    await _attachment(api, "att-3", "company", api.provider_id, "trade_register_extract", "2016-12-31")
    await _attachment(api, "att-4", "site", api.site_a, "rescue_plan")
    for i, type_ in enumerate(("medication_plan", "rescue_plan")):
        await _attachment(api, f"att-b{i}", "site", api.site_b, type_)
    await _attachment(api, "att-5", "subcontractor", "sub-1", "tyel_certificate")
    await flow.price_list(app["id"], service["contents"][0]["id"], "40.00", "2016-04-01")
    check = (await api.client.get(f"{base}/completeness", headers=api.provider)).json()
    assert check == {"complete": True, "missing": []}
    await api.deliver("registry.attachment.removed", {"attachment_id": "att-5"})
    check = (await api.client.get(f"{base}/completeness", headers=api.provider)).json()
    assert [m["owner_id"] for m in check["missing"]] == ["sub-1"]
    await _attachment(api, "att-6", "subcontractor", "sub-1", "tyel_certificate")
    assert (await flow.submit(app["id"]))["state"] == "submitted"


async def test_an_attachment_removed_before_its_addition_is_heard_stays_removed(api: Api, flow: Flow) -> None:
    """The provider uploaded a wrong file and removed it at once; the removal was handled first (the two
    facts of no tenant are handled side by side, or the addition was retried)."""
    service = await flow.service({**api.simple_service, "required_attachments": {"company": ["rescue_plan"]}})
    app = await flow.application(service["id"])
    await flow.price_list(app["id"], service["contents"][0]["id"], "40.00", "2016-04-01")
    await api.deliver("registry.attachment.removed", {
        "attachment_id": "att-wrong", "provider_id": api.provider_id, "level": "company",
        "owner_id": api.provider_id, "type": "rescue_plan"})
    await _attachment(api, "att-wrong", "company", api.provider_id, "rescue_plan")
    base = f"/v1/tenants/kouvola/applications/{app['id']}"
    check = (await api.client.get(f"{base}/completeness", headers=api.provider)).json()
    assert [(m["code"], m["type"]) for m in check["missing"]] == [("attachment_missing", "rescue_plan")]


async def test_an_attachment_valid_only_from_a_later_day_is_told_apart_from_an_expired_one(
        api: Api, flow: Flow) -> None:
    """The summary names why an attachment does not count today: a rescue plan valid from next month is not
    "expired" (the provider would upload it again in vain); it is valid only from its first day."""
    service = await flow.service({**api.simple_service, "required_attachments": {"company": ["rescue_plan"]}})
    app = await flow.application(service["id"])
    await flow.price_list(app["id"], service["contents"][0]["id"], "40.00", "2016-04-01")
    await api.deliver("registry.attachment.added", {
        "attachment_id": "att-later", "provider_id": api.provider_id, "level": "company",
        "owner_id": api.provider_id, "type": "rescue_plan", "valid_from": "2099-01-01", "valid_until": None})
    refused = await flow.submit(app["id"], expect=422)
    [item] = refused["missing"]
    assert (item["code"], item["owner_id"], item["type"]) == ("attachment_not_yet_valid", api.provider_id,
                                                              "rescue_plan")
    assert "2099-01-01" in item["message"] and "expired" not in item["message"]


async def test_sending_records_the_current_rulebook_version_and_signature(api: Api, flow: Flow) -> None:
    service = await flow.service({**api.simple_service, "rulebook_versions": [
        {"effective_from": "2015-01-01", "text": "Sääntökirja 2015"},
        {"effective_from": "2016-01-01", "text": "Sääntökirja 2016"},
        {"effective_from": "2016-06-01", "text": "Sääntökirja kesä 2016"}]})
    app = await flow.application(service["id"])
    await flow.price_list(app["id"], service["contents"][0]["id"], "40.00", "2016-04-01")
    refused = await flow.submit(app["id"], expect=422, signature_assertion=None)
    assert refused["reason"] == "signature_missing"
    assert (await flow.get(app["id"]))["state"] == "draft"
    sent = await flow.submit(app["id"])
    assert sent["rulebook_version"] == 2  # in force on 2016-03-15; the June version is not yet
    assert sent["rulebook_accepted_at"].startswith("2016-03-15")
    assert sent["signature"]["method"] == "suomi.fi" and sent["signature"]["signer"] == "Maija Meikäläinen"
    [event] = await api.published("applications.application.submitted")
    assert event["payload"]["rulebook_version"] == 2


async def test_every_transition_and_the_forbidden_ones(api: Api, flow: Flow) -> None:
    service = await flow.service()
    app = await flow.application(service["id"])
    base = f"/v1/tenants/kouvola/applications/{app['id']}"
    content = service["contents"][0]["id"]
    await flow.decide(app["id"], "approve", expect=409)  # deciding a draft
    await flow.price_list(app["id"], content, "40.00", "2016-04-01")
    await flow.submit(app["id"])
    # a sent application is locked until decided
    assert (await api.client.put(f"{base}/steps/sites", headers=api.provider,
                                 json={"ids": [api.site_a]})).status_code == 409
    await flow.price_list(app["id"], content, "41.00", "2016-05-01", expect=409)
    await flow.submit(app["id"], expect=409)
    r = await api.client.post(f"{base}/decision", headers=api.provider, json={"decision": "approve"})
    assert r.status_code == 403
    await flow.decide(app["id"], "return", expect=422)  # a return needs its reason
    returned = await flow.decide(app["id"], "return", reason="Pelastussuunnitelma puuttuu",
                                 missing=["rescue_plan"])
    assert returned["state"] == "returned"
    seen = await flow.get(app["id"])
    assert seen["return_reason"] == "Pelastussuunnitelma puuttuu" and seen["return_missing"] == ["rescue_plan"]
    assert (await api.client.put(f"{base}/steps/sites", headers=api.provider,
                                 json={"ids": [api.site_a]})).status_code == 200
    await flow.submit(app["id"])
    await flow.decide(app["id"], "reject", expect=422)
    api.runtime.clock.set(datetime(2016, 3, 16, 9, 0, tzinfo=UTC))
    rejected = await flow.decide(app["id"], "reject", reason="Ei täytä laatuvaatimuksia")
    assert rejected["state"] == "rejected"
    await flow.decide(app["id"], "approve", expect=409)
    await flow.submit(app["id"], expect=409)
    history = [(h["from_state"], h["to_state"], h["actor"], h["reason"]) for h in rejected["history"]]
    assert history == [
        (None, "draft", "user-p", None), ("draft", "submitted", "user-p", None),
        ("submitted", "returned", "officer-k", "Pelastussuunnitelma puuttuu"),
        ("returned", "submitted", "user-p", None),
        ("submitted", "rejected", "officer-k", "Ei täytä laatuvaatimuksia")]
    assert rejected["history"][-1]["at"].startswith("2016-03-16T09:00")
    [ret] = await api.published("applications.application.returned")
    assert ret["payload"]["missing"] == ["rescue_plan"] and ret["payload"]["provider_id"] == api.provider_id
    [rej] = await api.published("applications.application.rejected")
    assert rej["payload"]["reason"] == "Ei täytä laatuvaatimuksia"
    assert await api.published("applications.pricelist.approved") == []
    # after a rejection the provider may apply again
    assert (await flow.application(service["id"]))["state"] == "draft"


async def test_one_open_application_per_service(api: Api, flow: Flow) -> None:
    service = await flow.service()
    first = await flow.application(service["id"])
    r = await api.client.post("/v1/tenants/kouvola/applications", json={"service_id": service["id"]},
                              headers=api.provider)
    assert r.status_code == 409 and r.json()["application_id"] == first["id"]
    assert r.json()["reason"] == "application_exists"  # a machine-readable code beside the text


async def test_a_company_registered_a_moment_ago_is_asked_to_retry_until_its_sites_are_known(
        api: Api, flow: Flow) -> None:
    # Moments after registering, the registry's event with the company and its sites may not be here yet:
    # an application made then would start with no sites and fail its completeness check ("no_site").
    service = await flow.service()
    newcomer = api.token_for(Role.PROVIDER_ADMIN, provider_id="prov-new", subject="user-new")
    early = await api.client.post("/v1/tenants/kouvola/applications", json={"service_id": service["id"]},
                                  headers=newcomer)
    assert early.status_code == 409 and early.json()["reason"] == "provider_not_known_yet"
    # told apart from "not yours" and "does not exist": its own problem type, and when to try again
    assert early.json()["type"] == "https://seteli.fi/problems/not-yet-known" and early.headers["retry-after"] == "1"
    mine = await api.client.get("/v1/tenants/kouvola/applications", headers=newcomer)
    assert mine.status_code == 200 and mine.json()["items"] == []  # nothing was made
    await api.deliver("registry.provider.registered", {
        "provider_id": "prov-new", "business_id": "0116297-6", "name": "Uusi Hoiva Oy", "language": "fi",
        "email": "info@uusi.fi",
        "sites": [{"site_id": "site-new", "name": "Uusi", "notification_email": "uusi@uusi.fi"}]})
    made = await api.client.post("/v1/tenants/kouvola/applications", json={"service_id": service["id"]},
                                 headers=newcomer)
    assert made.status_code == 201, made.text
    assert made.json()["steps"]["sites"]["ids"] == ["site-new"]


async def test_change_of_an_approved_application_keeps_it_approved(api: Api, flow: Flow) -> None:
    service, app = await flow.approved_app()
    base = f"/v1/tenants/kouvola/applications/{app['id']}"
    # editing an approved application opens a change of it
    await api.deliver("registry.provider.units_changed", {"provider_id": api.provider_id, "units": ["unit-1"],
                                                          "changed_at": "2016-03-01T08:00:00Z"})
    step = await api.client.put(f"{base}/steps/units", headers=api.provider, json={"ids": ["unit-1"]})
    assert step.status_code == 200
    change = step.json()
    assert change["amends_id"] == app["id"] and change["state"] == "draft"
    new_list = await flow.price_list(app["id"], service["contents"][0]["id"], "110.00", "2016-04-01")
    assert new_list["application_id"] == change["id"]
    original = await flow.get(app["id"])
    assert original["state"] == "approved" and original["open_change_id"] == change["id"]
    await flow.submit(app["id"])
    assert (await flow.get(app["id"]))["state"] == "approved"
    queue = (await api.client.get("/v1/tenants/kouvola/applications/queue", headers=api.officer)).json()
    assert [a["id"] for a in queue["items"]] == [change["id"]]
    await flow.decide(change["id"], "approve")
    original = await flow.get(app["id"])
    assert original["state"] == "approved" and original["open_change_id"] is None
    assert original["steps"]["units"]["ids"] == ["unit-1"]
    approvals = await api.published("applications.application.approved")
    assert [e["payload"]["change_id"] for e in approvals] == [None, change["id"]]
    assert {e["payload"]["application_id"] for e in approvals} == {app["id"]}
    lists = await api.published("applications.pricelist.approved")
    assert [e["payload"]["prices"][0]["unit_price"] for e in lists] == ["100.00", "110.00"]


async def test_an_approved_applications_summary_is_of_what_is_approved_and_then_of_its_change(
        api: Api, flow: Flow) -> None:
    """The summary (to-do list) of an approved application, as the provider and the officer see it: nothing
    missing, its approved price lists count; with a change open, the change's summary, what sending sends."""
    service = await flow.service({**api.simple_service, "required_attachments": {"site": ["rescue_plan"]}})
    for site in (api.site_a, api.site_b):
        await _attachment(api, f"att-{site}", "site", site, "rescue_plan")
    app = await flow.application(service["id"])
    await flow.price_list(app["id"], service["contents"][0]["id"], "100.00", "2015-01-01")
    await flow.submit(app["id"])
    await flow.decide(app["id"], "approve")
    url = f"/v1/tenants/kouvola/applications/{app['id']}/completeness"
    for who in (api.provider, api.officer):
        assert (await api.client.get(url, headers=who)).json() == {"complete": True, "missing": []}
    # a change takes in a site without its rescue plan: the approved application's summary tells it
    await api.deliver("registry.site.added", {"provider_id": api.provider_id, "site_id": "site-c",
                                              "name": "Päivänsäde Anjala", "notification_email": "c@paivansade.fi"})
    assert (await api.client.put(f"/v1/tenants/kouvola/applications/{app['id']}/steps/sites", headers=api.provider,
                                 json={"ids": [api.site_a, api.site_b, "site-c"]})).status_code == 200
    check = (await api.client.get(url, headers=api.provider)).json()
    assert [(m["code"], m["owner_id"]) for m in check["missing"]] == [("attachment_missing", "site-c")]
    refused = await flow.submit(app["id"], expect=422)
    assert refused["missing"] == check["missing"]


async def test_an_approved_change_carries_the_rulebook_version_it_accepted_into_the_approved_application(
        api: Api, flow: Flow) -> None:
    """A new rulebook version is published after the approval; the provider sends a change, accepting the
    version now in force. Once the change is approved, the approved application shows that version as the one
    accepted (the officer reads it there), not the one accepted at the first sending."""
    service = await flow.service({**api.simple_service, "rulebook_versions": [
        {"effective_from": "2015-01-01", "text": "Sääntökirja 2015"}]})
    app = await flow.application(service["id"])
    await flow.price_list(app["id"], service["contents"][0]["id"], "100.00", "2015-01-01")
    await flow.submit(app["id"])
    await flow.decide(app["id"], "approve")
    assert (await flow.get(app["id"], headers=api.officer))["rulebook_version"] == 1
    r = await api.client.post(f"/v1/tenants/kouvola/services/{service['id']}/rulebook-versions",
                              headers=api.admin, json={"effective_from": "2016-03-15", "text": "Sääntökirja 2016"})
    assert r.status_code == 201, r.text
    await flow.price_list(app["id"], service["contents"][0]["id"], "110.00", "2016-04-01")  # opens a change
    change = await flow.submit(app["id"])
    assert change["rulebook_version"] == 2
    await flow.decide(change["id"], "approve")
    approved = await flow.get(app["id"], headers=api.officer)
    assert approved["state"] == "approved" and approved["rulebook_version"] == 2


async def test_two_officers_deciding_one_change_at_once_make_one_decision(api: Api, flow: Flow) -> None:
    """One officer rejects the sent change from the approved application's page while another approves it
    from the queue: one decision is made, the other officer is told the change is decided (no server error)."""
    service, app = await flow.approved_app()
    await flow.price_list(app["id"], service["contents"][0]["id"], "110.00", "2016-04-01")
    change = await flow.submit(app["id"])
    url = "/v1/tenants/kouvola/applications/{}/decision"
    first, second = await asyncio.gather(
        api.client.post(url.format(app["id"]), headers=api.officer,
                        json={"decision": "reject", "reason": "Hinnankorotus liian suuri"}),
        api.client.post(url.format(change["id"]), headers=api.officer, json={"decision": "approve"}))
    assert sorted((first.status_code, second.status_code)) == [200, 409]
    decided = await flow.get(change["id"], headers=api.officer)
    assert [h["to_state"] for h in decided["history"]] == ["draft", "submitted", decided["state"]]
    assert (await flow.get(app["id"]))["state"] == "approved"


async def test_a_change_sent_twice_at_once_is_sent_once(api: Api, flow: Flow) -> None:
    """The provider's main user sends the change from the approved application's page while a colleague sends it
    from the change itself (a double click, two tabs): it is sent once, signed once; the other is told it is
    sent (no second submission for the officer, no server error)."""
    service, app = await flow.approved_app()
    listed = await flow.price_list(app["id"], service["contents"][0]["id"], "110.00", "2016-04-01")
    change_id = listed["application_id"]
    assert change_id != app["id"]
    bodies = {}
    for app_id in (app["id"], change_id):
        document = await flow.signing_document(app_id)
        assert document.status_code == 200, document.text
        bodies[app_id] = {"accept_rulebook": True, "signature_assertion": flow.assertion(document.json()["digest"])}
    url = "/v1/tenants/kouvola/applications/{}/submit"
    first, second = await asyncio.gather(*(api.client.post(url.format(app_id), headers=api.provider, json=body)
                                           for app_id, body in bodies.items()))
    assert sorted((first.status_code, second.status_code)) == [200, 409], (first.text, second.text)
    sent = await flow.get(change_id, headers=api.officer)
    assert [h["to_state"] for h in sent["history"]] == ["draft", "submitted"]
    assert len(await api.published("applications.application.submitted")) == 2  # the first application's, and this


async def test_rejected_change_leaves_the_approved_application_alone(api: Api, flow: Flow) -> None:
    service, app = await flow.approved_app()
    change = (await api.client.post(f"/v1/tenants/kouvola/applications/{app['id']}/change",
                                    headers=api.provider)).json()
    await flow.price_list(change["id"], service["contents"][0]["id"], "500.00", "2016-04-01")
    await flow.submit(change["id"])
    await flow.decide(change["id"], "reject", reason="Hinnankorotus liian suuri")
    assert (await flow.get(app["id"]))["state"] == "approved"
    lists = (await api.client.get("/v1/tenants/kouvola/price-lists", headers=api.provider)).json()["items"]
    assert sorted((pl["state"], pl["prices"][0]["unit_price"]) for pl in lists) == [
        ("approved", "100.00"), ("rejected", "500.00")]
    assert len(await api.published("applications.pricelist.approved")) == 1


async def test_providers_see_only_their_own_and_officers_only_their_tenant(api: Api, flow: Flow) -> None:
    service = await flow.service()
    mine = await flow.application(service["id"])
    theirs = await flow.application(service["id"], headers=api.other)
    base = f"/v1/tenants/kouvola/applications/{mine['id']}"
    assert (await api.client.get(base, headers=api.other)).status_code == 404
    assert (await api.client.put(f"{base}/steps/units", headers=api.other, json={"ids": ["x"]})).status_code == 404
    r = await api.client.post(f"{base}/price-lists", headers=api.other, json={
        "name": "x", "start": "2016-04-01", "prices": [{"content_id": service["contents"][0]["id"],
                                                        "unit_price": "1.00"}]})
    assert r.status_code == 404
    assert (await api.client.post(f"{base}/submit", headers=api.other,
                                  json={"accept_rulebook": True})).status_code == 404
    listed = (await api.client.get("/v1/tenants/kouvola/applications", headers=api.other)).json()
    assert [a["id"] for a in listed["items"]] == [theirs["id"]]
    assert (await api.client.get(base, headers=api.lahti_officer)).status_code == 404
    assert (await api.client.get("/v1/tenants/kouvola/applications", headers=api.lahti_officer)).status_code == 404
    assert (await api.client.get("/v1/tenants/kouvola/applications/queue",
                                 headers=api.lahti_officer)).status_code == 404
    everyone = (await api.client.get("/v1/tenants/kouvola/applications", headers=api.officer)).json()
    assert everyone["total"] == 2
    lahti_view = (await api.client.get("/v1/tenants/lahti/applications",
                                       headers=api.lahti_officer)).json()
    assert lahti_view == {"items": [], "total": 0}
    client = api.token_for(Role.CLIENT, client_id="c-1", tenant_id="kouvola")
    assert (await api.client.get(base, headers=client)).status_code == 403


async def test_provider_lists_by_state_and_queue_is_oldest_first(api: Api, flow: Flow) -> None:
    service = await flow.service()
    content = service["contents"][0]["id"]
    first = await flow.application(service["id"], headers=api.other)
    second = await flow.application(service["id"])
    await flow.price_list(second["id"], content, "40.00", "2016-04-01")
    await flow.submit(second["id"])
    api.runtime.clock.set(datetime(2016, 3, 15, 12, 0, tzinfo=UTC))
    await flow.price_list(first["id"], content, "40.00", "2016-04-01", headers=api.other)
    await flow.submit(first["id"], headers=api.other)
    queue = (await api.client.get("/v1/tenants/kouvola/applications/queue", headers=api.officer)).json()
    assert [a["id"] for a in queue["items"]] == [second["id"], first["id"]]
    assert [a["provider_name"] for a in queue["items"]] == ["Hoivakoti Päivänsäde Oy", "Hoiva Toinen Oy"]
    # A company renamed in the registry is in the queue under its new name.
    await api.deliver("registry.provider.renamed", {"provider_id": "prov-other", "name": "Toinen Hoiva Oy"})
    queue = (await api.client.get("/v1/tenants/kouvola/applications/queue", headers=api.officer)).json()
    assert [a["provider_name"] for a in queue["items"]] == ["Hoivakoti Päivänsäde Oy", "Toinen Hoiva Oy"]
    drafts = (await api.client.get("/v1/tenants/kouvola/applications?state=draft", headers=api.provider)).json()
    assert drafts["total"] == 0
    sent = (await api.client.get("/v1/tenants/kouvola/applications?state=submitted", headers=api.provider)).json()
    assert [a["id"] for a in sent["items"]] == [second["id"]]


async def test_an_older_company_name_heard_after_a_newer_one_is_not_shown(api: Api, flow: Flow) -> None:
    """Renamed twice at once; registry facts of no tenant are handled side by side (or retried): the first
    rename may arrive last."""
    service = await flow.service()
    app = await flow.application(service["id"], headers=api.other)
    await flow.price_list(app["id"], service["contents"][0]["id"], "40.00", "2016-04-01", headers=api.other)
    await flow.submit(app["id"], headers=api.other)
    renamed = datetime.now(UTC) + timedelta(minutes=1)
    for name, at in (("Toinen Hoiva Oy", renamed), ("Tonen Hoiva Oy", renamed - timedelta(seconds=20))):
        await InMemoryTransport(api.broker).publish(Envelope(
            type="registry.provider.renamed", payload={"provider_id": "prov-other", "name": name}, occurred_at=at),
            {}, timeout=1)
        await api.broker.drain()
    queue = (await api.client.get("/v1/tenants/kouvola/applications/queue", headers=api.officer)).json()
    assert [a["provider_name"] for a in queue["items"]] == ["Toinen Hoiva Oy"]


async def test_returned_change_is_completed_and_resent_while_the_approval_stands(api: Api, flow: Flow) -> None:
    service, app = await flow.approved_app()
    base = f"/v1/tenants/kouvola/applications/{app['id']}"
    r = await api.client.put(f"{base}/steps/sites", headers=api.provider, json={"ids": [api.site_a]})
    change_id = r.json()["id"]
    await flow.submit(app["id"])
    sneaky = await api.client.post(f"/v1/tenants/kouvola/applications/{change_id}/decision",
                                   headers=api.lahti_officer, json={"decision": "approve"})
    assert sneaky.status_code == 404
    await flow.decide(change_id, "return", reason="Kerro miksi toimipaikka B poistuu")
    original = await flow.get(app["id"])
    assert original["state"] == "approved" and original["open_change_id"] == change_id
    assert original["approved_site_ids"] == [api.site_a, api.site_b]
    returned = await flow.get(change_id)
    assert returned["state"] == "returned" and returned["return_reason"] == "Kerro miksi toimipaikka B poistuu"
    r = await api.client.put(f"{base}/steps/sites", headers=api.provider,
                             json={"ids": [api.site_a], "notes": "Toimipaikka B suljetaan 31.3.2016"})
    assert r.status_code == 200 and r.json()["id"] == change_id
    await flow.submit(app["id"])
    await flow.decide(change_id, "approve")
    original = await flow.get(app["id"])
    assert original["approved_site_ids"] == [api.site_a]
    assert [pl["state"] for pl in original["price_lists"]] == ["approved"]
    approvals = await api.published("applications.application.approved")
    assert approvals[-1]["payload"]["site_ids"] == [api.site_a]


async def test_an_application_whose_required_attachment_went_after_sending_is_not_approved(
        api: Api, flow: Flow) -> None:
    """The company removed its rescue plan after sending (or its insurance certificate expired while the
    application waited): the officer's approval is refused, naming what is missing now, and nothing is approved
    or told; the officer returns the application for completion instead."""
    service = await flow.service({**api.simple_service, "required_attachments": {
        "company": ["rescue_plan", "liability_insurance"]}})
    app = await flow.application(service["id"])
    await flow.price_list(app["id"], service["contents"][0]["id"], "40.00", "2016-04-01")
    await _attachment(api, "att-rescue", "company", api.provider_id, "rescue_plan")
    await _attachment(api, "att-insurance", "company", api.provider_id, "liability_insurance", "2016-03-31")
    await flow.submit(app["id"])
    await api.deliver("registry.attachment.removed", {"attachment_id": "att-rescue"})
    api.runtime.clock.set(datetime(2016, 4, 1, 7, 0, tzinfo=UTC))  # 1 April in Helsinki: the insurance expired
    refused = await flow.decide(app["id"], "approve", expect=409)
    assert refused["reason"] == "application_incomplete"
    assert {(m["code"], m["type"]) for m in refused["missing"]} == {
        ("attachment_missing", "rescue_plan"), ("attachment_expired", "liability_insurance")}
    assert (await flow.get(app["id"], headers=api.officer))["state"] == "submitted"
    assert await api.published("applications.application.approved") == []
    assert await api.published("applications.pricelist.approved") == []
    returned = await flow.decide(app["id"], "return", reason="Pelastussuunnitelma puuttuu")
    assert returned["state"] == "returned"


async def test_an_application_made_twice_at_once_is_made_once(api: Api, flow: Flow) -> None:
    """A double click on "apply" (or two tabs): one application is made, the other request is told of it; the
    provider does not end up with two drafts of one service, of which the officer could approve both."""
    service = await flow.service()
    url, body = "/v1/tenants/kouvola/applications", {"service_id": service["id"]}
    first, second = await asyncio.gather(*(api.client.post(url, json=body, headers=api.provider) for _ in range(2)))
    assert sorted((first.status_code, second.status_code)) == [201, 409], (first.text, second.text)
    made = first if first.status_code == 201 else second
    told = second if made is first else first
    assert told.json()["reason"] == "application_exists" and told.json()["application_id"] == made.json()["id"]
    mine = (await api.client.get(url, headers=api.provider, params={"service_id": service["id"]})).json()
    assert [a["id"] for a in mine["items"]] == [made.json()["id"]]


async def _subcontractor(api: Api, kind: str, at: str, removed_at: str | None = None) -> None:
    await api.deliver(f"registry.subcontractor.{kind}", {
        "provider_id": api.provider_id, "subcontractor_id": "sub-1", "business_id": "0112038-9",
        "name": "Siivous Oy", "removed_at": removed_at, "changed_at": at})


async def test_a_removed_subcontractors_papers_no_longer_complete_an_application(api: Api, flow: Flow) -> None:
    """The company removed a subcontractor whose pension certificate the application needs: its papers stay in the
    registry as evidence, so no attachment.removed came, and the application was sent (and could be approved)
    on a removed subcontractor's certificate. Now the removal reaches it: the subcontractor is named as removed
    until taken off the step, and listed again its papers count again. An older fact heard late changes nothing."""
    service = await flow.service({**api.simple_service,
                                  "required_attachments": {"subcontractor": ["tyel_certificate"]}})
    app = await flow.application(service["id"])
    base = f"/v1/tenants/kouvola/applications/{app['id']}"
    await _subcontractor(api, "added", "2016-03-01T08:00:00Z")
    await api.client.put(f"{base}/steps/subcontractors", headers=api.provider, json={"ids": ["sub-1"]})
    await flow.price_list(app["id"], service["contents"][0]["id"], "40.00", "2016-04-01")
    await _attachment(api, "att-sub", "subcontractor", "sub-1", "tyel_certificate")
    assert (await api.client.get(f"{base}/completeness", headers=api.provider)).json()["complete"] is True

    await _subcontractor(api, "removed", "2016-03-10T08:00:00Z", removed_at="2016-03-10T08:00:00Z")
    await _subcontractor(api, "added", "2016-03-01T08:00:00Z")  # the listing, redelivered late: older
    refused = await flow.submit(app["id"], expect=422)
    assert [(m["code"], m["level"], m["owner_id"], m["type"]) for m in refused["missing"]] == [
        ("subcontractor_removed", "subcontractor", "sub-1", "Siivous Oy")]
    assert refused["errors"][0]["field"] == "subcontractors.sub-1"
    assert (await flow.get(app["id"]))["state"] == "draft"

    await _subcontractor(api, "added", "2016-03-12T08:00:00Z")  # listed again: its papers are back
    assert (await flow.submit(app["id"]))["state"] == "submitted"
