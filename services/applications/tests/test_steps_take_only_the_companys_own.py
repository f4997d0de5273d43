"""An application's subcontractors step takes only the company's own subcontractors, as the sites step takes only
its sites: another company's subcontractor listed here would be read by the officer as this company's. A
subcontractor listed a moment ago in the registry (`registry.subcontractor.added` on its way, the request following
it with `Seteli-After`) is "not yet known" (409), never "not yours"; another company's is refused at once."""

from __future__ import annotations

from typing import Any

from seteli_common.consistency import AFTER_HEADER, Token
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

Api = Flow = Any  # fixtures of conftest.py
NOT_YET_KNOWN = "https://seteli.fi/problems/not-yet-known"


def _subcontractor_added(provider_id: str, subcontractor_id: str, name: str) -> Envelope:
    return Envelope(type="registry.subcontractor.added", tenant_id=None, payload={
        "provider_id": provider_id, "subcontractor_id": subcontractor_id, "business_id": "0112038-9",
        "name": name, "removed_at": None, "changed_at": "2016-03-01T08:00:00Z"})


async def _release(api: Api, envelope: Envelope) -> None:
    await InMemoryTransport(api.broker).publish(envelope, {}, timeout=1)
    await api.broker.drain()


async def _step(api: Api, flow: Flow, headers: dict[str, str], ids: list[str]) -> tuple[Any, str]:
    service = await flow.service()
    app = await flow.application(service["id"])
    url = f"/v1/tenants/kouvola/applications/{app['id']}/steps/subcontractors"
    return await api.client.put(url, headers=headers, json={"ids": ids}), app["id"]


async def test_another_companys_subcontractor_is_refused_naming_it(api: Api, flow: Flow) -> None:
    await _release(api, _subcontractor_added(api.provider_id, "sub-own", "Siivous Oy"))
    await _release(api, _subcontractor_added("prov-other", "sub-other", "Toisen Siivous Oy"))
    refused, app_id = await _step(api, flow, api.provider, ["sub-own", "sub-other"])
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "subcontractors_unknown"
    assert problem["errors"][0]["field"] == "ids" and "sub-other" in problem["errors"][0]["reason"]
    assert "sub-own" not in problem["errors"][0]["reason"]
    assert (await flow.get(app_id))["steps"]["subcontractors"]["ids"] == []  # nothing was saved


async def test_a_made_up_subcontractor_is_refused(api: Api, flow: Flow) -> None:
    refused, _ = await _step(api, flow, api.provider, ["sub-made-up"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "subcontractors_unknown"


async def test_the_companys_own_subcontractors_are_saved_removed_ones_too(api: Api, flow: Flow) -> None:
    """A removed one is still the company's: the summary names it as removed until it is taken off the step."""
    await _release(api, _subcontractor_added(api.provider_id, "sub-own", "Siivous Oy"))
    removed = _subcontractor_added(api.provider_id, "sub-gone", "Vanha Oy")
    await api.deliver("registry.subcontractor.removed", {
        **removed.payload, "removed_at": "2016-03-10T08:00:00Z", "changed_at": "2016-03-10T08:00:00Z"})
    saved, app_id = await _step(api, flow, api.provider, ["sub-own", "sub-gone"])
    assert saved.status_code == 200, saved.text
    assert (await flow.get(app_id))["steps"]["subcontractors"]["ids"] == ["sub-own", "sub-gone"]


async def test_a_subcontractor_listed_a_moment_ago_is_not_yet_known_and_then_saved(api: Api, flow: Flow) -> None:
    envelope = _subcontractor_added(api.provider_id, "sub-new", "Uusi Siivous Oy")
    token = Token.of(envelope)
    assert token is not None
    following = {**api.provider, AFTER_HEADER: str(token)}
    early, app_id = await _step(api, flow, following, ["sub-new"])
    assert early.status_code == 409, early.text
    assert early.json()["type"] == NOT_YET_KNOWN and early.json()["reason"] == "subcontractor_not_known_yet"
    assert early.headers["retry-after"] == "1"

    await _release(api, envelope)
    url = f"/v1/tenants/kouvola/applications/{app_id}/steps/subcontractors"
    saved = await api.client.put(url, headers=following, json={"ids": ["sub-new"]})
    assert saved.status_code == 200, saved.text
    assert (await flow.get(app_id))["steps"]["subcontractors"]["ids"] == ["sub-new"]


async def test_another_companys_subcontractor_is_refused_at_once_even_while_one_is_on_its_way(
        api: Api, flow: Flow) -> None:
    await _release(api, _subcontractor_added("prov-other", "sub-other", "Toisen Siivous Oy"))
    token = Token.of(_subcontractor_added(api.provider_id, "sub-new", "Uusi Siivous Oy"))
    refused, _ = await _step(api, flow, {**api.provider, AFTER_HEADER: str(token)}, ["sub-other"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "subcontractors_unknown"
