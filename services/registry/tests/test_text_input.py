"""Names and addresses a company types end up in payment files, PDFs and e-mail subjects: one that is too long
for its column, or holds a control character (a tab pasted from a spreadsheet, a line break, U+FFFE), is refused
where it is typed (422, the field named) and nothing is stored. A tab in a payee's name kept the company out of
every payment file (the run carried it over), a line break broke the subject of the mail naming it, and a name
longer than its column failed with a server error."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import PROVIDER, Registry
from .test_registration import REQUEST

BAD_NAMES = ["x" * 201, "Hoivakoti\tPäivänsäde Oy", "Hoivakoti\nPäivänsäde Oy", "Hoivakoti\x07 Oy",
             "Hoivakoti\ufffe Oy", "Hoivakoti\u2028Oy", "Hoivakoti\x85Oy"]


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_a_company_registering_with_a_bad_name_is_refused_and_nothing_is_stored(registry: Registry,
                                                                                       name: str) -> None:
    refused = await registry.client.post("/v1/providers", json={**PROVIDER, "name": name})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == ["name"]
    assert await registry.events("registry.registration.confirmation_requested") == []
    # the business id is not taken: the company registers with its name typed again
    provider_id, _ = await registry.registered_provider()
    assert provider_id


async def test_other_fields_of_a_registration_are_bounded_by_their_columns(registry: Registry) -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("phone", {"phone": "0" * 41}), ("city", {"city": "K" * 101}),
        ("street_address", {"street_address": "k" * 201}),
        ("site.name", {"site": {"name": "s" * 201}}), ("site.provider_code", {"site": {"provider_code": "p" * 51}}),
        ("main_user.name", {"main_user": {**PROVIDER["main_user"], "name": "n" * 201}}),
        ("main_user.name", {"main_user": {**PROVIDER["main_user"], "name": "Maija\rMeikäläinen"}}),
    ]
    for field, change in cases:
        refused = await registry.client.post("/v1/providers", json={**PROVIDER, **change})
        assert refused.status_code == 422, (field, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == [field]


async def test_a_company_cannot_rename_itself_or_a_site_with_a_control_character(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    client = registry.client
    for field, value in [("name", "Uusi\tNimi Oy"), ("name", "N" * 201), ("contact_person", "Maija\nM"),
                         ("city", "K" * 101), ("description", "Kotihoito\x00"[:-1] + "\x1b[31m")]:
        refused = await client.patch(f"/v1/providers/{provider_id}", headers=main, json={field: value})
        assert refused.status_code == 422, (field, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    kept = await client.get(f"/v1/providers/{provider_id}", headers=main)
    assert kept.json()["name"] == PROVIDER["name"] and kept.json()["description"] == ""
    site_id = kept.json()["sites"][0]["id"]
    refused = await client.patch(f"/v1/providers/{provider_id}/sites/{site_id}", headers=main,
                                 json={"name": "Päivänsäde\tKuusankoski"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "name"
    added = await client.post(f"/v1/providers/{provider_id}/sites", headers=main,
                              json={"name": "S" * 201, "notification_email": "s@paivansade.fi"})
    assert added.status_code == 422 and added.json()["errors"][0]["field"] == "name"
    # a description is text of several lines: line breaks and tabs are kept
    ok = await client.patch(f"/v1/providers/{provider_id}", headers=main,
                            json={"description": "Kotihoito\n\tja siivous\r\n"})
    assert ok.status_code == 200 and ok.json()["description"] == "Kotihoito\n\tja siivous\r\n"


async def test_a_registration_request_with_a_bad_company_name_is_refused(registry: Registry) -> None:
    await registry.tenant_with_admin()
    for field, value in [("company_name", "Aurinko\tOy"), ("company_name", "A" * 201), ("first_name", "A\u2029")]:
        refused = await registry.client.post("/v1/tenants/kouvola/registration-requests",
                                             json={**REQUEST, field: value})
        assert refused.status_code == 422, (field, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == [field]
