"""Service teams (004 §3.2: "a user not attached to a service's team does not reach that service's data"): a
provider user reaches the company's application of a (tenant, service), its price lists and their prices only in
that service's team; the main user reaches every one. Outside the team the answers are those of another company's
application (404), so they tell nothing of what the company has there."""

from __future__ import annotations

from typing import Any

from seteli_common.auth import Role

Api = Flow = Any  # fixtures of conftest.py
BASE = "/v1/tenants/kouvola"


def _user(api: Api, *teams: str) -> dict[str, str]:
    return dict(api.token_for(Role.PROVIDER_USER, provider_id=api.provider_id, subject="user-teams",
                              teams=frozenset(teams)))


async def test_a_provider_user_outside_the_team_neither_sees_nor_changes_the_services_application_and_prices(
        api: Api, flow: Flow) -> None:
    service, app = await flow.approved_app(price="100.00")
    content = service["contents"][0]["id"]
    other_service = await flow.service()
    outsider = _user(api, f"kouvola:{other_service['id']}")  # in another service's team of the same company
    [pl] = (await api.client.get(f"{BASE}/price-lists", headers=api.provider)).json()["items"]
    application = f"{BASE}/applications/{app['id']}"

    for path in (application, f"{application}/completeness", f"{application}/history"):
        assert (await api.client.get(path, headers=outsider)).status_code == 404, path
    added = await api.client.post(f"{application}/price-lists", headers=outsider, json={
        "name": "Uusi", "start": "2016-06-01", "prices": [{"content_id": content, "unit_price": "190.00"}]})
    assert added.status_code == 404, added.text
    info = await api.client.patch(f"{BASE}/price-lists/{pl['id']}", headers=outsider,
                                  json={"additional_info": "Hinnat nousevat"})
    assert info.status_code == 404, info.text
    step = await api.client.put(f"{application}/steps/company", headers=outsider, json={"notes": "muutos"})
    assert step.status_code == 404, step.text
    assert (await api.client.post(f"{application}/change", headers=outsider)).status_code == 404
    assert (await api.client.post(f"{application}/submit", headers=outsider,
                                  json={"accept_rulebook": True})).status_code == 404
    assert (await api.client.delete(f"{application}/price-lists/{pl['id']}", headers=outsider)).status_code == 404
    # the lists show nothing of the service, and the look-up answers as for an unknown price
    listed = (await api.client.get(f"{BASE}/applications", headers=outsider)).json()
    assert listed == {"items": [], "total": 0}
    prices = (await api.client.get(f"{BASE}/price-lists", headers=outsider)).json()
    assert prices == {"items": [], "total": 0}
    lookup = await api.client.get(f"{BASE}/price-lookup", headers=outsider, params={
        "provider_id": api.provider_id, "service_id": service["id"], "content_id": content, "date": "2016-03-15"})
    assert lookup.status_code == 404
    # a new application of a service outside the user's teams: refused, saying why and what to do
    refused = await api.client.post(f"{BASE}/applications", headers=outsider,
                                    json={"service_id": (await flow.service())["id"]})
    assert refused.status_code == 403 and refused.json()["code"] == "not_in_service_team", refused.text

    # nothing changed: the main user still sees the one approved list, its text, and no change opened
    [same] = (await api.client.get(f"{BASE}/price-lists", headers=api.provider)).json()["items"]
    assert same == pl
    assert (await flow.get(app["id"]))["open_change_id"] is None


async def test_a_provider_user_in_the_team_keeps_the_services_application_and_prices(api: Api, flow: Flow) -> None:
    service, app = await flow.approved_app(price="100.00")
    content = service["contents"][0]["id"]
    member = _user(api, f"kouvola:{service['id']}")
    assert (await flow.get(app["id"], headers=member))["id"] == app["id"]
    listed = (await api.client.get(f"{BASE}/applications", headers=member)).json()
    assert [a["id"] for a in listed["items"]] == [app["id"]]
    [pl] = (await api.client.get(f"{BASE}/price-lists", headers=member)).json()["items"]
    info = await api.client.patch(f"{BASE}/price-lists/{pl['id']}", headers=member,
                                  json={"additional_info": "Hinnat sisältävät siivouksen"})
    assert info.status_code == 200, info.text
    new = await flow.price_list(app["id"], content, "110.00", "2016-06-01", headers=member)
    assert new["state"] == "pending"
    # and a new application of another service once the main user has put the user in its team
    other = await flow.service()
    made = await flow.application(other["id"], headers=_user(api, f"kouvola:{service['id']}", f"kouvola:{other['id']}"))
    assert made["service_id"] == other["id"]
