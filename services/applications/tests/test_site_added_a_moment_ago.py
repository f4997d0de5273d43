"""A site the provider added a moment ago in the registry, chosen at once in an application's sites step: the
registry's `registry.site.added` reaches applications a moment later. A request that follows the addition (its
`Seteli-After` token) is told "not yet known" (409 with Retry-After) while the fact is on its way, never "not a
site of your company"; without the token, or for a site that is not the company's, the refusal is as before."""

from __future__ import annotations

from typing import Any

from seteli_common.consistency import AFTER_HEADER, Token
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

Api = Flow = Any  # fixtures of conftest.py
NOT_YET_KNOWN = "https://seteli.fi/problems/not-yet-known"


def _site_added(api: Api, site_id: str) -> tuple[Envelope, dict[str, str]]:
    """The registry's fact of a new site of the company (of no tenant: a company works with many), held back,
    and the header of the request that follows it (the token the registry's write answered)."""
    envelope = Envelope(type="registry.site.added", tenant_id=None, payload={
        "provider_id": api.provider_id, "site_id": site_id, "name": "Päivänsäde Myllykoski",
        "notification_email": "c@paivansade.fi"})
    token = Token.of(envelope)
    assert token is not None  # a fact of no tenant has a token too: any tenant's request may follow it
    return envelope, {**api.provider, AFTER_HEADER: str(token)}


async def _release(api: Api, envelope: Envelope) -> None:
    await InMemoryTransport(api.broker).publish(envelope, {}, timeout=1)
    await api.broker.drain()


async def _sites_step(api: Api, flow: Flow, headers: dict[str, str], *ids: str) -> Any:
    service = await flow.service()
    app = await flow.application(service["id"])
    return await api.client.put(f"/v1/tenants/kouvola/applications/{app['id']}/steps/sites", headers=headers,
                                json={"ids": [api.site_a, *ids]})


async def test_a_site_added_a_moment_ago_is_not_yet_known_and_then_saved(api: Api, flow: Flow) -> None:
    envelope, following = _site_added(api, "site-c")
    service = await flow.service()
    app = await flow.application(service["id"])
    step = f"/v1/tenants/kouvola/applications/{app['id']}/steps/sites"
    early = await api.client.put(step, headers=following, json={"ids": [api.site_a, "site-c"]})
    assert early.status_code == 409, early.text
    assert early.json()["type"] == NOT_YET_KNOWN and early.json()["reason"] == "site_not_known_yet"
    assert early.headers["retry-after"] == "1"
    assert (await flow.get(app["id"]))["site_ids"] == [api.site_a, api.site_b]  # nothing was saved

    await _release(api, envelope)
    saved = await api.client.put(step, headers=following, json={"ids": [api.site_a, "site-c"]})
    assert saved.status_code == 200, saved.text
    assert (await flow.get(app["id"]))["site_ids"] == [api.site_a, "site-c"]


async def test_without_the_token_the_site_not_heard_of_is_refused_at_once_as_before(api: Api, flow: Flow) -> None:
    _site_added(api, "site-c")
    refused = await _sites_step(api, flow, api.provider, "site-c")
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "ids" and refused.json()["code"] == "sites_unknown"


async def test_another_companys_site_is_refused_at_once_even_while_a_site_is_on_its_way(
        api: Api, flow: Flow) -> None:
    _, following = _site_added(api, "site-c")
    refused = await _sites_step(api, flow, following, "site-o")  # the other company's, heard of here
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "sites_unknown" and "site-o" in refused.json()["errors"][0]["reason"]


async def test_a_made_up_site_is_refused_once_the_added_site_has_arrived(api: Api, flow: Flow) -> None:
    envelope, following = _site_added(api, "site-c")
    await _release(api, envelope)
    refused = await _sites_step(api, flow, following, "site-made-up")
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "sites_unknown"


async def test_a_site_of_another_companys_fact_is_refused_once_it_arrives(api: Api, flow: Flow) -> None:
    envelope, following = _site_added(api, "site-c")
    envelope = envelope.model_copy(update={"payload": {**envelope.payload, "provider_id": "prov-other"}})
    early = await _sites_step(api, flow, following, "site-c")
    assert early.status_code == 409, early.text  # not heard of yet: it may be the company's
    await _release(api, envelope)
    refused = await _sites_step(api, flow, following, "site-c")
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "sites_unknown"
