"""A tenant admin ends a content of a service, at once or from a later date (today is 15 March 2016): from
that day the content is not offered for new price lists, events of it on that day or later are refused (the
`ended_from` of the content in applications.service.defined, and in its `scheduled` versions for a later day),
and the providers with an approved application are told it ends from when. A later end is a coming change
that can be cancelled; a past day is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seteli_applications.jobs import apply_due_changes_everywhere
from seteli_common.clock import FixedClock

from .conftest import PROVIDER_ID, Api, Flow


def _base(service: dict[str, Any]) -> str:
    return f"/v1/tenants/kouvola/services/{service['id']}"


async def _end(api: Api, service: dict[str, Any], content_id: str, day: str | None = None) -> Any:
    return await api.client.post(f"{_base(service)}/contents/{content_id}/end", headers=api.admin,
                                 json={"ends_from": day})


async def _read(api: Api, service: dict[str, Any], day: str | None = None) -> dict[str, Any]:
    r = await api.client.get(_base(service), headers=api.admin, params={"as_of": day} if day else None)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _told(api: Api) -> list[dict[str, Any]]:
    return [e["payload"] for e in await api.published("applications.service.changed")]


async def test_a_content_ended_at_once_is_ended_today_and_the_approved_provider_is_told(api: Api,
                                                                                     flow: Flow) -> None:
    service, _ = await flow.approved_app()
    content = service["contents"][0]
    r = await _end(api, service, content["id"])
    assert r.status_code == 200, r.text
    assert r.json()["contents"][0]["ended_from"] == "2016-03-15" and r.json()["scheduled_changes"] == []
    [defined] = [e["payload"] for e in await api.published("applications.service.defined")][-1:]
    assert defined["contents"][0]["ended_from"] == "2016-03-15"
    [told] = [t for t in await _told(api) if t["changes"]][-1:]
    assert told["provider_ids"] == [PROVIDER_ID] and told.get("effective_from") is None
    assert told["changes"] == [{**told["changes"][0], "kind": "content_ended", "effective_from": "2016-03-15",
                                "name_fi": content["name_fi"]}]
    again = await _end(api, service, content["id"])
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "ends_from"


async def test_a_content_ended_from_a_later_date_is_a_coming_change_seen_from_that_day(api: Api,
                                                                                     flow: Flow) -> None:
    service, _ = await flow.approved_app()
    content = service["contents"][0]
    r = await _end(api, service, content["id"], "2016-04-01")
    assert r.status_code == 200, r.text
    assert r.json()["contents"][0]["ended_from"] is None  # still offered today
    [coming] = r.json()["scheduled_changes"]
    assert coming["effective_from"] == "2016-04-01" and [c["kind"] for c in coming["changes"]] == ["content_ended"]
    assert (await _read(api, service, "2016-03-31"))["contents"][0]["ended_from"] is None
    assert (await _read(api, service, "2016-04-01"))["contents"][0]["ended_from"] == "2016-04-01"
    [defined] = [e["payload"] for e in await api.published("applications.service.defined")][-1:]
    assert defined["contents"][0]["ended_from"] is None
    assert defined["scheduled"][0]["effective_from"] == "2016-04-01"
    assert defined["scheduled"][0]["contents"][0]["ended_from"] == "2016-04-01"
    [told] = (await _told(api))[-1:]
    assert told["provider_ids"] == [PROVIDER_ID] and told["effective_from"] == "2016-04-01"
    assert [(c["kind"], c["effective_from"]) for c in told["changes"]] == [("content_ended", "2016-04-01")]


async def test_the_due_changes_job_writes_the_end_on_its_day(api: Api, flow: Flow, clock: FixedClock) -> None:
    service, _ = await flow.approved_app()
    await _end(api, service, service["contents"][0]["id"], "2016-04-01")
    clock.set(datetime(2016, 4, 1, 6, 0, tzinfo=UTC))
    await apply_due_changes_everywhere(api.runtime)
    after = await _read(api, service)
    assert after["contents"][0]["ended_from"] == "2016-04-01" and after["scheduled_changes"] == []
    [defined] = [e["payload"] for e in await api.published("applications.service.defined")][-1:]
    assert defined["contents"][0]["ended_from"] == "2016-04-01" and defined["scheduled"] == []


async def test_a_past_day_is_refused_and_changes_nothing(api: Api, flow: Flow) -> None:
    service, _ = await flow.approved_app()
    r = await _end(api, service, service["contents"][0]["id"], "2016-03-14")
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "ends_from"
    after = await _read(api, service)
    assert after["contents"][0]["ended_from"] is None and after["scheduled_changes"] == []
    unknown = await _end(api, service, "no-such-content", "2016-04-01")
    assert unknown.status_code == 404


async def test_a_cancelled_end_leaves_the_content_and_the_provider_is_told(api: Api, flow: Flow) -> None:
    service, _ = await flow.approved_app()
    r = await _end(api, service, service["contents"][0]["id"], "2016-04-01")
    [coming] = r.json()["scheduled_changes"]
    r = await api.client.delete(f"{_base(service)}/scheduled-changes/{coming['id']}", headers=api.admin)
    assert r.status_code == 200, r.text
    assert (await _read(api, service, "2016-05-01"))["contents"][0]["ended_from"] is None
    [told] = (await _told(api))[-1:]
    assert told["cancelled"] is True and [c["kind"] for c in told["changes"]] == ["content_ended"]


async def test_an_end_joins_a_change_already_scheduled_for_the_same_day(api: Api, flow: Flow) -> None:
    service, _ = await flow.approved_app()
    await api.client.patch(_base(service), headers=api.admin, json={"effective_from": "2016-04-01",
                                                                    "name_fi": "Kotihoito 2016"})
    r = await _end(api, service, service["contents"][0]["id"], "2016-04-01")
    [coming] = r.json()["scheduled_changes"]
    assert sorted(c["kind"] for c in coming["changes"]) == ["content_ended", "names"]


async def test_a_new_price_list_cannot_price_an_ended_content_from_its_end(api: Api, flow: Flow) -> None:
    service = await flow.service()
    app = await flow.application(service["id"])
    content_id = service["contents"][0]["id"]
    await _end(api, service, content_id, "2016-04-01")
    await flow.price_list(app["id"], content_id, "100.00", "2016-03-20")  # before the end: still priced
    r = await api.client.post(f"/v1/tenants/kouvola/applications/{app['id']}/price-lists", headers=api.provider,
                              json={"name": "Hinnasto", "start": "2016-04-01", "producer_part": None,
                                    "prices": [{"content_id": content_id, "unit_price": "110.00"}]})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "prices.0.content_id"


async def test_a_change_scheduled_later_for_the_day_of_an_end_keeps_the_end(api: Api, flow: Flow) -> None:
    service, _ = await flow.approved_app()
    await _end(api, service, service["contents"][1]["id"], "2016-04-01")
    r = await api.client.patch(_base(service), headers=api.admin, json={"effective_from": "2016-04-01",
                                                                        "name_sv": "Hemvård 2016"})
    assert r.status_code == 200, r.text
    [coming] = r.json()["scheduled_changes"]
    assert sorted(c["kind"] for c in coming["changes"]) == ["content_ended", "names"]
    after = await _read(api, service, "2016-04-01")
    assert after["name_sv"] == "Hemvård 2016" and after["contents"][1]["ended_from"] == "2016-04-01"
