"""Service and content names go into voucher decisions, payment specifications (PDF) and mail subjects; price
list names into specifications. A name longer than its column, or holding a control character (a tab, a line
break) or U+FFFE, is refused where the tenant admin or the provider types it (422, the field named) and nothing
is stored: a too long name failed with a server error, a control character reached the documents."""

from __future__ import annotations

from typing import Any

from .conftest import SIMPLE_SERVICE

Api = Flow = Any  # fixtures of conftest.py


async def test_a_service_or_content_name_too_long_or_with_a_control_character_is_refused(api: Api) -> None:
    url = "/v1/tenants/kouvola/services"
    content = SIMPLE_SERVICE["contents"][0]
    cases = [("name_fi", {"name_fi": "P" * 201}), ("name_sv", {"name_sv": "Hemvård\tför äldre"}),
             ("contents.0.name_fi", {"contents": [{**content, "name_fi": "K" * 201}]}),
             ("contents.0.name_sv", {"contents": [{**content, "name_sv": "Hemvård\n/ timme"}]}),
             ("contents.0.name_fi", {"contents": [{**content, "name_fi": "Kotihoito\ufffe"}]})]
    for field, change in cases:
        refused = await api.client.post(url, headers=api.admin, json={**SIMPLE_SERVICE, **change})
        assert refused.status_code == 422, (field, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert (await api.client.get(url, headers=api.admin)).json()["total"] == 0


async def test_a_service_cannot_be_renamed_with_a_control_character(api: Api, flow: Flow) -> None:
    service = await flow.service()
    base = f"/v1/tenants/kouvola/services/{service['id']}"
    for value in ("Kotihoito\x1b[2J", "K" * 201):
        refused = await api.client.patch(base, headers=api.admin, json={"name_fi": value})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "name_fi", refused.text
    assert (await api.client.get(base, headers=api.admin)).json()["name_fi"] == service["name_fi"]


async def test_a_price_list_name_with_a_control_character_is_refused(api: Api, flow: Flow) -> None:
    service = await flow.service()
    app = await flow.application(service["id"])
    url = f"/v1/tenants/kouvola/applications/{app['id']}/price-lists"
    body = {"name": "Hinnasto\t2016", "start": "2016-04-01",
            "prices": [{"content_id": service["contents"][0]["id"], "unit_price": "40.00"}]}
    refused = await api.client.post(url, headers=api.provider, json=body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "name", refused.text
    # the additional information is text of several lines
    ok = await api.client.post(url, headers=api.provider,
                               json={**body, "name": "Hinnasto 2016", "additional_info": "Hinnat:\n\t- alv 0 %"})
    assert ok.status_code == 201 and ok.json()["additional_info"] == "Hinnat:\n\t- alv 0 %"
