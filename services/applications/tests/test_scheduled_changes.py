"""A change of a service's names, contents, required attachments or calendar can take effect on a later date:
it is stored as a scheduled version, the service read "as of" a day shows the version in effect that day, the
providers with an approved application hear of it at once (and of its cancellation), and on the date the
due-changes job writes it into the service and publishes the service again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seteli_applications.jobs import apply_due_changes_everywhere
from seteli_common.clock import FixedClock

from .conftest import PROVIDER_ID, Api, Flow

KEEP = ("id", "name_fi", "name_sv", "unit", "client_pays")


def _base(service: dict[str, Any]) -> str:
    return f"/v1/tenants/kouvola/services/{service['id']}"


async def _read(api: Api, service: dict[str, Any], day: str | None = None) -> dict[str, Any]:
    r = await api.client.get(_base(service), headers=api.admin, params={"as_of": day} if day else None)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _meals_paid_by_the_municipality(service: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**{k: c[k] for k in KEEP}, "client_pays": False} if c["name_fi"].startswith("Ateriat")
            else {k: c[k] for k in KEEP} for c in service["contents"]]


async def test_a_change_from_a_later_date_is_seen_from_that_day_on(api: Api, flow: Flow) -> None:
    service, _ = await flow.approved_app()
    r = await api.client.patch(_base(service), headers=api.admin, json={
        "effective_from": "2016-04-01", "name_sv": "Hemvård 2016",
        "contents": [*_meals_paid_by_the_municipality(service),
                     {"name_fi": "Turvapuhelin / kpl", "name_sv": "Trygghetstelefon / st", "unit": "piece"}],
        "calendar": {"provider_deadline_day": 3, "approval_deadline_day": 5, "transfer_day": 6}})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["name_sv"] == "Hemvård" and len(answer["contents"]) == 2  # today: as before
    [scheduled] = answer["scheduled_changes"]
    assert scheduled["effective_from"] == "2016-04-01"
    assert scheduled["fields"] == ["calendar", "contents", "name_sv"]

    today = await _read(api, service)
    eve = await _read(api, service, "2016-03-31")
    for before in (today, eve):
        assert before["name_sv"] == "Hemvård" and before["calendar"]["transfer_day"] == 4
        assert [c["client_pays"] for c in before["contents"]] == [False, True]
    for after in (await _read(api, service, "2016-04-01"), await _read(api, service, "2017-01-01")):
        assert after["name_sv"] == "Hemvård 2016" and after["calendar"]["transfer_day"] == 6
        assert [c["client_pays"] for c in after["contents"]] == [False, False, False]
        assert after["contents"][2]["name_sv"] == "Trygghetstelefon / st"

    [defined] = [e["payload"] for e in await api.published("applications.service.defined")][-1:]
    assert defined["name_sv"] == "Hemvård" and [c["client_pays"] for c in defined["contents"]] == [False, True]
    [version] = defined["scheduled"]
    assert version["effective_from"] == "2016-04-01" and version["name_sv"] == "Hemvård 2016"
    assert [c["client_pays"] for c in version["contents"]] == [False, False, False]


async def test_on_the_date_the_job_writes_the_change_and_publishes_the_service_again(
        api: Api, flow: Flow, clock: FixedClock) -> None:
    service, _ = await flow.approved_app()
    r = await api.client.patch(_base(service), headers=api.admin, json={
        "effective_from": "2016-04-01", "contents": _meals_paid_by_the_municipality(service)})
    assert r.status_code == 200, r.text
    assert await apply_due_changes_everywhere(api.runtime) == 0  # not yet
    published = len(await api.published("applications.service.defined"))

    clock.set(datetime(2016, 3, 31, 22, 30, tzinfo=UTC))  # 1 April 00:30 in Helsinki
    now = await _read(api, service)
    assert [c["client_pays"] for c in now["contents"]] == [False, False] and now["scheduled_changes"] == []
    assert await apply_due_changes_everywhere(api.runtime) == 1
    assert await apply_due_changes_everywhere(api.runtime) == 0  # once
    defined = [e["payload"] for e in await api.published("applications.service.defined")]
    assert len(defined) == published + 1
    assert [c["client_pays"] for c in defined[-1]["contents"]] == [False, False] and defined[-1]["scheduled"] == []
    assert [c["client_pays"] for c in (await _read(api, service))["contents"]] == [False, False]
    # the providers were told when it was scheduled, not again on the day
    assert len(await api.published("applications.service.changed")) == 1


async def test_a_change_dated_today_applies_at_once(api: Api, flow: Flow) -> None:
    service = await flow.service()
    r = await api.client.patch(_base(service), headers=api.admin,
                               json={"effective_from": "2016-03-15", "name_fi": "Kotihoito 2016"})
    assert r.status_code == 200, r.text
    assert r.json()["name_fi"] == "Kotihoito 2016" and r.json()["scheduled_changes"] == []
    [told] = [e["payload"] for e in await api.published("applications.service.changed")]
    assert told["effective_from"] is None


async def test_a_past_date_is_refused_and_nothing_changes(api: Api, flow: Flow) -> None:
    service, _ = await flow.approved_app()
    r = await api.client.patch(_base(service), headers=api.admin,
                               json={"effective_from": "2016-03-14", "name_fi": "Kotihoito 2016"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["effective_from"]
    after = await _read(api, service, "2016-06-01")
    assert after["name_fi"] == "Kotihoito" and after["scheduled_changes"] == []
    assert await api.published("applications.service.changed") == []


async def test_a_scheduled_change_with_a_bad_field_is_refused_and_nothing_is_stored(api: Api, flow: Flow) -> None:
    service = await flow.service()
    hour = {k: service["contents"][0][k] for k in KEEP}
    r = await api.client.patch(_base(service), headers=api.admin, json={
        "effective_from": "2016-05-01", "contents": [{**hour, "unit": "day"}]})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["contents.0.unit"]
    assert (await _read(api, service))["scheduled_changes"] == []


async def test_a_second_change_of_the_same_date_replaces_the_first(api: Api, flow: Flow) -> None:
    service, _ = await flow.approved_app()
    for name in ("Kotihoito A", "Kotihoito B"):
        r = await api.client.patch(_base(service), headers=api.admin,
                                   json={"effective_from": "2016-05-01", "name_fi": name})
        assert r.status_code == 200, r.text
    r = await api.client.patch(_base(service), headers=api.admin,
                               json={"effective_from": "2016-06-01", "name_fi": "Kotihoito C"})
    assert [(s["effective_from"], s["changes"][0]["name_fi"]) for s in r.json()["scheduled_changes"]] == [
        ("2016-05-01", "Kotihoito B"), ("2016-06-01", "Kotihoito C")]
    assert (await _read(api, service, "2016-05-31"))["name_fi"] == "Kotihoito B"
    assert (await _read(api, service, "2016-06-01"))["name_fi"] == "Kotihoito C"
    told = [e["payload"] for e in await api.published("applications.service.changed")]
    assert [(t["effective_from"], t["changes"][0]["name_fi"]) for t in told] == [
        ("2016-05-01", "Kotihoito A"), ("2016-05-01", "Kotihoito B"), ("2016-06-01", "Kotihoito C")]
    assert told[2]["changes"][0]["old_name_fi"] == "Kotihoito B"  # from what it will be the day before


async def test_a_scheduled_change_is_cancelled_before_its_date(api: Api, flow: Flow, clock: FixedClock) -> None:
    service, _ = await flow.approved_app()
    r = await api.client.patch(_base(service), headers=api.admin,
                               json={"effective_from": "2016-04-01", "name_fi": "Kotihoito 2016"})
    [scheduled] = r.json()["scheduled_changes"]
    cancel = f"{_base(service)}/scheduled-changes/{scheduled['id']}"
    assert (await api.client.delete(cancel, headers=api.officer)).status_code == 403
    r = await api.client.delete(cancel, headers=api.admin)
    assert r.status_code == 200, r.text
    assert r.json()["scheduled_changes"] == []
    assert (await _read(api, service, "2016-04-01"))["name_fi"] == "Kotihoito"
    assert (await api.client.delete(cancel, headers=api.admin)).status_code == 404
    told = [e["payload"] for e in await api.published("applications.service.changed")]
    assert [(t["cancelled"], t["provider_ids"], t["changes"][0]["name_fi"]) for t in told] == [
        (False, [PROVIDER_ID], "Kotihoito 2016"), (True, [PROVIDER_ID], "Kotihoito 2016")]
    assert (await api.published("applications.service.defined"))[-1]["payload"]["scheduled"] == []

    # on or after its date a change is in effect and can no longer be cancelled
    r = await api.client.patch(_base(service), headers=api.admin,
                               json={"effective_from": "2016-04-01", "name_fi": "Kotihoito 2016"})
    [scheduled] = r.json()["scheduled_changes"]
    clock.set(datetime(2016, 4, 1, 8, 0, tzinfo=UTC))
    late = await api.client.delete(f"{_base(service)}/scheduled-changes/{scheduled['id']}", headers=api.admin)
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "effective_from"
    assert (await _read(api, service))["name_fi"] == "Kotihoito 2016"


async def test_the_interruption_rule_keeps_its_own_date(api: Api, flow: Flow) -> None:
    service = await flow.service()
    r = await api.client.patch(_base(service), headers=api.admin, json={
        "effective_from": "2016-05-01", "interruption_rule": {"valid_from": "2016-05-01", "reasons": {"hospital": {
            "bands": [{"from_day": 0, "to_day": None, "percentage": 50}]}}}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "effective_from"


async def test_a_change_made_on_the_day_after_a_scheduled_one_is_not_overwritten_by_the_job(
        api: Api, flow: Flow, clock: FixedClock) -> None:
    service = await flow.service()
    await api.client.patch(_base(service), headers=api.admin, json={"effective_from": "2016-04-01",
                                                                    "name_fi": "Kotihoito A"})
    clock.set(datetime(2016, 4, 1, 8, 0, tzinfo=UTC))  # the day has come, the job has not run yet
    assert (await _read(api, service))["name_fi"] == "Kotihoito A"
    r = await api.client.patch(_base(service), headers=api.admin, json={"name_fi": "Kotihoito B"})
    assert r.status_code == 200 and r.json()["name_fi"] == "Kotihoito B"
    await apply_due_changes_everywhere(api.runtime)
    assert (await _read(api, service))["name_fi"] == "Kotihoito B"


async def test_only_providers_with_an_approved_application_hear_of_a_scheduled_change(api: Api, flow: Flow) -> None:
    service, _ = await flow.approved_app()
    await flow.application(service["id"], headers=api.other)  # a draft of another company: not told
    r = await api.client.patch(_base(service), headers=api.admin, json={
        "effective_from": "2016-05-01", "required_attachments": {"site": ["medication_plan"]}})
    assert r.status_code == 200, r.text
    [told] = [e["payload"] for e in await api.published("applications.service.changed")]
    assert told["provider_ids"] == [PROVIDER_ID] and told["effective_from"] == "2016-05-01"
    assert [c["kind"] for c in told["changes"]] == ["attachment_required"]
    assert (await _read(api, service))["required_attachments"]["site"] == []
    assert [a["type"] for a in (await _read(api, service, "2016-05-01"))["required_attachments"]["site"]] == [
        "medication_plan"]


async def test_a_rename_scheduled_for_june_keeps_who_pays_as_changed_today(
        api: Api, flow: Flow, clock: FixedClock) -> None:
    """A rename of the meals scheduled for June, then today the municipality takes over paying for the meals:
    from June the meals carry the new name and are still paid by the municipality (the June rename did not
    say who pays, so it must not put the meals back on the client's bill)."""
    service = await flow.service()
    meals = next(c for c in service["contents"] if c["name_fi"].startswith("Ateriat"))
    assert meals["client_pays"] is True
    keep = [{k: c[k] for k in KEEP} for c in service["contents"]]
    renamed = [{**c, "name_fi": "Ateriat / kk 2016"} if c["id"] == meals["id"] else c for c in keep]
    r = await api.client.patch(_base(service), headers=api.admin, json={"effective_from": "2016-06-01",
                                                                        "contents": renamed})
    assert r.status_code == 200, r.text
    r = await api.client.patch(_base(service), headers=api.admin, json={"contents": [
        {**c, "client_pays": False} if c["id"] == meals["id"] else c for c in keep]})
    assert r.status_code == 200, r.text

    def meals_of(view: dict[str, Any]) -> tuple[str, bool]:
        found = next(c for c in view["contents"] if c["id"] == meals["id"])
        return found["name_fi"], found["client_pays"]

    assert meals_of(await _read(api, service)) == ("Ateriat / kk", False)
    assert meals_of(await _read(api, service, "2016-06-01")) == ("Ateriat / kk 2016", False)
    [version] = (await api.published("applications.service.defined"))[-1]["payload"]["scheduled"]
    assert meals_of({"contents": [{**c, "id": c["content_id"]} for c in version["contents"]]}) == (
        "Ateriat / kk 2016", False)
    clock.set(datetime(2016, 6, 1, 8, 0, tzinfo=UTC))
    assert await apply_due_changes_everywhere(api.runtime) == 1
    assert meals_of(await _read(api, service)) == ("Ateriat / kk 2016", False)


async def test_a_content_coming_from_a_later_date_is_priced_before_that_date(api: Api, flow: Flow) -> None:
    """The municipality adds a safety phone from 1 April and tells the providers (who must renew their price
    lists when the contents change); on 15 March the provider sends a price list from 1 April pricing it, so
    that it is approved before the first phone is delivered."""
    service, app = await flow.approved_app(price="100.00", start="2015-01-01")
    hour = service["contents"][0]
    r = await api.client.patch(_base(service), headers=api.admin, json={
        "effective_from": "2016-04-01", "contents": [
            *[{k: c[k] for k in KEEP} for c in service["contents"]],
            {"name_fi": "Turvapuhelin / kpl", "name_sv": "Trygghetstelefon / st", "unit": "piece"}]})
    assert r.status_code == 200, r.text
    phone = (await _read(api, service, "2016-04-01"))["contents"][2]
    r = await api.client.post(f"/v1/tenants/kouvola/applications/{app['id']}/price-lists", headers=api.provider,
                              json={"name": "Hinnasto 4-2016", "start": "2016-04-01", "prices": [
                                  {"content_id": hour["id"], "unit_price": "100.00"},
                                  {"content_id": phone["id"], "unit_price": "25.00"}]})
    assert r.status_code == 201, r.text
    await flow.submit(app["id"])
    await flow.decide(app["id"], "approve")
    [approved] = [e["payload"] for e in await api.published("applications.pricelist.approved")][-1:]
    assert {p["content_id"]: p["unit_price"] for p in approved["prices"]} == {hour["id"]: "100.00",
                                                                              phone["id"]: "25.00"}
    found = await api.client.get("/v1/tenants/kouvola/price-lookup", headers=api.officer, params={
        "provider_id": api.provider_id, "service_id": service["id"], "content_id": phone["id"],
        "date": "2016-04-01"})
    assert found.status_code == 200 and found.json()["unit_price"] == "25.00"
    unknown = await api.client.post(f"/v1/tenants/kouvola/applications/{app['id']}/price-lists",
                                    headers=api.provider, json={"name": "X", "start": "2016-05-01", "prices": [
                                        {"content_id": "no-such-content", "unit_price": "1.00"}]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "prices.0.content_id"


async def test_an_attachment_required_at_once_stays_required_after_a_change_scheduled_earlier_takes_effect(
        api: Api, flow: Flow, clock: FixedClock) -> None:
    """The municipality requires a medication plan of every site from June; then, today, it requires a rescue plan
    of the company at once. From June both are required: the June change (of the sites' attachments) does not
    drop the company's rescue plan, of which no provider would be told."""
    service = await flow.service()
    r = await api.client.patch(_base(service), headers=api.admin, json={
        "effective_from": "2016-06-01", "required_attachments": {"site": ["medication_plan"]}})
    assert r.status_code == 200, r.text
    r = await api.client.patch(_base(service), headers=api.admin, json={
        "required_attachments": {"company": ["rescue_plan"]}})
    assert r.status_code == 200, r.text

    def required(view: dict[str, Any]) -> dict[str, list[str]]:
        return {level: [a["type"] for a in items] for level, items in view["required_attachments"].items() if items}

    assert required(await _read(api, service)) == {"company": ["rescue_plan"]}
    assert required(await _read(api, service, "2016-06-01")) == {"company": ["rescue_plan"],
                                                                 "site": ["medication_plan"]}
    clock.set(datetime(2016, 6, 1, 8, 0, tzinfo=UTC))
    assert await apply_due_changes_everywhere(api.runtime) == 1
    assert required(await _read(api, service)) == {"company": ["rescue_plan"], "site": ["medication_plan"]}


async def test_an_attachment_required_from_today_is_required_before_the_job_has_run(
        api: Api, flow: Flow, clock: FixedClock) -> None:
    """The municipality requires a medication plan of every site from 1 April. At half past midnight on 1 April
    (the due-changes job runs hourly and has not yet written the change) an application without it is not sent."""
    service = await flow.service()
    app = await flow.application(service["id"])
    await flow.price_list(app["id"], service["contents"][0]["id"], "40.00", "2016-04-01")
    r = await api.client.patch(_base(service), headers=api.admin, json={
        "effective_from": "2016-04-01", "required_attachments": {"site": ["medication_plan"]}})
    assert r.status_code == 200, r.text
    clock.set(datetime(2016, 3, 31, 21, 30, tzinfo=UTC))  # 1 April 00:30 in Helsinki
    refused = await flow.submit(app["id"], expect=422)
    assert {(m["code"], m["type"]) for m in refused["missing"]} == {("attachment_missing", "medication_plan")}


async def test_a_later_change_made_on_the_form_of_today_keeps_an_earlier_scheduled_change(
        api: Api, flow: Flow, clock: FixedClock) -> None:
    """The admin schedules from June that the municipality pays the meals; then, on the same contents form (which
    shows the contents of today and sends them all), schedules from August a new name for the home care. From
    August the meals are still the municipality's: the August change sent the meals as they are today, which it
    did not change, and that must not put them back on the client's bill."""
    service = await flow.service()
    today = [{k: c[k] for k in KEEP} for c in service["contents"]]
    r = await api.client.patch(_base(service), headers=api.admin, json={
        "effective_from": "2016-06-01", "contents": _meals_paid_by_the_municipality(service)})
    assert r.status_code == 200, r.text
    renamed = [{**c, "name_fi": "Kotihoito / tunti"} if c["name_fi"].startswith("Kotihoito") else c for c in today]
    r = await api.client.patch(_base(service), headers=api.admin, json={
        "effective_from": "2016-08-01", "contents": renamed})
    assert r.status_code == 200, r.text
    august = await _read(api, service, "2016-08-01")
    assert [(c["name_fi"], c["client_pays"]) for c in august["contents"]] == [
        ("Kotihoito / tunti", False), ("Ateriat / kk", False)]
    [june, aug] = august["scheduled_changes"]
    assert [c["kind"] for c in aug["changes"]] == ["content_renamed"]  # as the providers are told
    clock.set(datetime(2016, 8, 1, 8, 0, tzinfo=UTC))
    await apply_due_changes_everywhere(api.runtime)
    assert [(c["name_fi"], c["client_pays"]) for c in (await _read(api, service))["contents"]] == [
        ("Kotihoito / tunti", False), ("Ateriat / kk", False)]


async def test_a_rename_that_does_not_say_who_pays_leaves_who_pays_as_it_is(api: Api, flow: Flow) -> None:
    """A content renamed through the API without `client_pays` (a program, not the portal's whole form) moved
    the meals from the client's bill to the municipality's (the field defaulted to false): now it stays."""
    service, _ = await flow.approved_app()
    renamed = [{k: c[k] for k in ("id", "name_fi", "name_sv", "unit")} for c in service["contents"]]
    renamed[-1]["name_fi"] = "Ateriat / kpl (uusi nimi)"
    r = await api.client.patch(_base(service), headers=api.admin, json={"contents": renamed})
    assert r.status_code == 200, r.text
    after = await _read(api, service)
    assert [c["client_pays"] for c in after["contents"]] == [c["client_pays"] for c in service["contents"]]
    assert after["contents"][-1]["name_fi"] == "Ateriat / kpl (uusi nimi)" and after["contents"][-1]["client_pays"]
    added = await api.client.patch(_base(service), headers=api.admin, json={"contents": [
        *renamed, {"name_fi": "Turvapuhelin / kpl", "name_sv": "Trygghetstelefon / st", "unit": "piece"}]})
    assert added.status_code == 200, added.text
    assert (await _read(api, service))["contents"][-1]["client_pays"] is False  # a new content: the tenant pays
