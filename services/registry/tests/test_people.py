"""A provider's employees and subcontractors are changed and removed through the HTTP API on PostgreSQL.
Removal is soft: decided applications keep the ids, so a removed one leaves the lists but not the register."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from seteli_common.migrations import alembic_config
from seteli_registry.bootstrap import MIGRATIONS

from .conftest import PROVIDER, Registry

OTHER = {**PROVIDER, "business_id": "2077474-0", "email": "info@toinen.fi",
         "main_user": {**PROVIDER["main_user"], "email": "paa@toinen.fi"}}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _employee(registry: Registry, provider_id: str, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await registry.client.post(f"/v1/providers/{provider_id}/employees", headers=headers,
                                          json={"name": "Liisa Vastaava", "title": "sairaanhoitaja", **body})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _names(registry: Registry, provider_id: str, headers: dict[str, str], what: str,
                 **params: str) -> list[str]:
    response = await registry.client.get(f"/v1/providers/{provider_id}/{what}", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


async def test_an_employee_is_changed_with_the_rules_of_adding(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    other_id, other = await registry.registered_provider(OTHER)
    client = registry.client
    site_id = (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()["sites"][0]["id"]
    other_site = (await client.get(f"/v1/providers/{other_id}", headers=other)).json()["sites"][0]["id"]
    employee = await _employee(registry, provider_id, main, email="liisa@paivansade.fi")
    url = f"/v1/providers/{provider_id}/employees/{employee['id']}"

    changed = await client.patch(url, headers=main, json={
        "name": "Liisa Vastaava-Virtanen", "phone": "0401234567", "site_id": site_id})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**changed.json(), "name": "Liisa Vastaava-Virtanen", "title": "sairaanhoitaja",
                              "email": "liisa@paivansade.fi", "phone": "0401234567", "site_id": site_id,
                              "removed_at": None}
    cleared = await client.patch(url, headers=main, json={"email": None, "site_id": None})
    assert cleared.json()["email"] == "" and cleared.json()["site_id"] is None

    empty = await client.patch(url, headers=main, json={"name": ""})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "name"
    foreign_site = await client.patch(url, headers=main, json={"site_id": other_site})
    assert foreign_site.status_code == 422 and foreign_site.json()["errors"][0]["field"] == "site_id"
    adding_with_foreign_site = await client.post(f"/v1/providers/{provider_id}/employees", headers=main,
                                                 json={"name": "Toinen", "site_id": other_site})
    assert adding_with_foreign_site.status_code == 422
    [row] = (await client.get(f"/v1/providers/{provider_id}/employees", headers=main)).json()["items"]
    assert row["name"] == "Liisa Vastaava-Virtanen" and row["site_id"] is None


async def test_a_removed_employee_leaves_the_list_and_cannot_be_changed(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    client = registry.client
    kept = await _employee(registry, provider_id, main, name="Pysyvä Pirjo")
    gone = await _employee(registry, provider_id, main, name="Lähtevä Lasse")
    url = f"/v1/providers/{provider_id}/employees/{gone['id']}"
    assert (await client.delete(url, headers=main)).status_code == 204
    assert await _names(registry, provider_id, main, "employees") == ["Pysyvä Pirjo"]
    listed = (await client.get(f"/v1/providers/{provider_id}/employees", headers=main,
                               params={"include_removed": "true"})).json()
    assert listed["total"] == 2
    removed_at = {i["id"]: i["removed_at"] for i in listed["items"]}
    assert removed_at[kept["id"]] is None and removed_at[gone["id"]].startswith("2016-03-15")

    refused = await client.patch(url, headers=main, json={"name": "Palannut Lasse"})
    assert refused.status_code == 409 and refused.json()["field"] == "removed_at"
    assert (await client.delete(url, headers=main)).status_code == 204  # idempotent
    assert sorted(await _names(registry, provider_id, main, "employees", include_removed="true")) == [
        "Lähtevä Lasse", "Pysyvä Pirjo"]  # the same instant on the test clock: the order is by id


async def test_another_companys_or_an_unknown_employee_is_not_found(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    other_id, other = await registry.registered_provider(OTHER)
    client = registry.client
    theirs = await _employee(registry, other_id, other, name="Toisen Työntekijä")
    for employee_id in (theirs["id"], "00000000-0000-0000-0000-000000000000"):
        url = f"/v1/providers/{provider_id}/employees/{employee_id}"
        changed = await client.patch(url, headers=main, json={"name": "Kaapattu"})
        assert changed.status_code == 404 and changed.json()["detail"] == "Employee was not found"
        assert changed.headers["content-type"].startswith("application/problem+json")
        assert (await client.delete(url, headers=main)).status_code == 404
    # the other company cannot reach this one's rows either
    assert (await client.delete(f"/v1/providers/{other_id}/employees/{theirs['id']}", headers=main)
            ).status_code == 403
    assert await _names(registry, other_id, other, "employees", include_removed="true") == ["Toisen Työntekijä"]


async def test_a_provider_user_cannot_change_or_remove_people(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    client = registry.client
    employee = await _employee(registry, provider_id, main)
    sub = (await client.post(f"/v1/providers/{provider_id}/subcontractors", headers=main,
                             json={"business_id": "2077474-0", "name": "Siivous Oy"})).json()
    created = await client.post(f"/v1/providers/{provider_id}/users", headers=main, json={
        "email": "hoitaja@paivansade.fi", "name": "Heikki Hoitaja", "password": "Alku-salasana-1",
        "role": "provider_user"})
    assert created.status_code == 201, created.text
    assert (await client.post("/v1/auth/password", json={"email": "hoitaja@paivansade.fi",
            "current_password": "Alku-salasana-1", "new_password": "Oma-salasana-22"})).status_code == 204
    user = await registry.login("hoitaja@paivansade.fi", "Oma-salasana-22")
    employee_url = f"/v1/providers/{provider_id}/employees/{employee['id']}"
    sub_url = f"/v1/providers/{provider_id}/subcontractors/{sub['id']}"
    assert (await client.patch(employee_url, headers=user, json={"name": "X"})).status_code == 403
    assert (await client.delete(employee_url, headers=user)).status_code == 403
    assert (await client.patch(sub_url, headers=user, json={"name": "X"})).status_code == 403
    assert (await client.delete(sub_url, headers=user)).status_code == 403
    assert await _names(registry, provider_id, user, "employees") == ["Liisa Vastaava"]
    assert await _names(registry, provider_id, user, "subcontractors") == ["Siivous Oy"]


async def test_a_subcontractor_is_renamed_removed_and_restored_by_its_business_id(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    other_id, other = await registry.registered_provider(OTHER)
    client = registry.client
    base = f"/v1/providers/{provider_id}/subcontractors"
    sub = (await client.post(base, headers=main, json={"business_id": "2077474-0", "name": "Siivous Oy"})).json()
    url = f"{base}/{sub['id']}"

    renamed = await client.patch(url, headers=main, json={"name": "Siivous ja Kiilto Oy"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Siivous ja Kiilto Oy"
    assert renamed.json()["business_id"] == "2077474-0"
    new_identity = await client.patch(url, headers=main, json={"name": "Toinen", "business_id": "0116297-6"})
    assert new_identity.status_code == 422 and new_identity.json()["errors"][0]["field"] == "business_id"
    assert (await client.patch(url, headers=main, json={"name": ""})).status_code == 422
    theirs = (await client.post(f"/v1/providers/{other_id}/subcontractors", headers=other,
                                json={"business_id": "0116297-6", "name": "Toisen Alihankkija Oy"})).json()
    missing = await client.patch(f"{base}/{theirs['id']}", headers=main, json={"name": "Kaapattu"})
    assert missing.status_code == 404 and missing.json()["detail"] == "Subcontractor was not found"
    assert (await client.delete(f"{base}/{theirs['id']}", headers=main)).status_code == 404
    assert await _names(registry, other_id, other, "subcontractors") == ["Toisen Alihankkija Oy"]

    upload = await client.post(f"/v1/providers/{provider_id}/attachments", headers=main,
                               data={"type": "tyel_certificate", "level": "subcontractor", "owner_id": sub["id"]},
                               files={"file": ("todistus.pdf", PDF, "application/pdf")})
    assert upload.status_code == 201, upload.text
    assert (await client.delete(url, headers=main)).status_code == 204
    assert (await client.delete(url, headers=main)).status_code == 204
    assert await _names(registry, provider_id, main, "subcontractors") == []
    assert await _names(registry, provider_id, main, "subcontractors", include_removed="true") == [
        "Siivous ja Kiilto Oy"]
    refused = await client.patch(url, headers=main, json={"name": "Uusi nimi"})
    assert refused.status_code == 409 and refused.json()["field"] == "removed_at"
    check = await client.post(f"/v1/providers/{provider_id}/liability-checks", headers=main,
                              json={"subcontractor_id": sub["id"]})
    assert check.status_code == 409 and check.json()["field"] == "subcontractor_id"
    # its attachment stays as evidence, but is not among the current ones
    attachments = f"/v1/providers/{provider_id}/attachments"
    assert (await client.get(attachments, headers=main)).json()["total"] == 0
    kept = (await client.get(attachments, headers=main, params={"include_removed": "true"})).json()["items"]
    assert [a["id"] for a in kept] == [upload.json()["id"]]

    restored = await client.post(base, headers=main, json={"business_id": "20774740", "name": "Kiilto Oy"})
    assert restored.status_code == 201, restored.text
    assert restored.json() == {**restored.json(), "id": sub["id"], "name": "Kiilto Oy", "removed_at": None}
    assert await _names(registry, provider_id, main, "subcontractors") == ["Kiilto Oy"]
    assert (await client.get(attachments, headers=main)).json()["total"] == 1
    again = await client.post(base, headers=main, json={"business_id": "2077474-0", "name": "Kiilto Oy"})
    assert again.status_code == 409
    checked = await client.post(f"/v1/providers/{provider_id}/liability-checks", headers=main,
                                json={"subcontractor_id": sub["id"]})
    assert checked.status_code == 201


async def test_a_removed_subcontractors_papers_are_not_reported_as_expired(registry: Registry) -> None:
    from datetime import timedelta

    provider_id, main = await registry.registered_provider()
    client = registry.client
    base = f"/v1/providers/{provider_id}/subcontractors"
    kept = (await client.post(base, headers=main, json={"business_id": "2077474-0", "name": "Siivous Oy"})).json()
    gone = (await client.post(base, headers=main, json={"business_id": "0116297-6", "name": "Entinen Oy"})).json()
    for owner in (kept, gone):
        upload = await client.post(f"/v1/providers/{provider_id}/attachments", headers=main, data={
            "type": "tyel_certificate", "level": "subcontractor", "owner_id": owner["id"], "valid_until": "2016-03-20"},
            files={"file": ("todistus.pdf", PDF, "application/pdf")})
        assert upload.status_code == 201, upload.text
    assert (await client.delete(f"{base}/{gone['id']}", headers=main)).status_code == 204
    registry.clock.advance(timedelta(days=6))  # 2016-03-21: both certificates are past their validity
    admin = await registry.admin()
    assert (await client.post("/v1/jobs/expire-attachments", headers=admin)).json() == {"expired": 1}
    [expired] = await registry.events("registry.attachment.expired")
    assert expired["owner_id"] == kept["id"]  # the provider is asked to renew only what is still in use


async def test_a_refused_replacement_of_a_removed_subcontractors_paper_keeps_its_file(registry: Registry) -> None:
    """The papers of a removed subcontractor are evidence of past checks: a new file for one is refused, and the
    refusal leaves the stored file as it was (it was deleted before the refusal, and the evidence was lost)."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    base = f"/v1/providers/{provider_id}"
    sub = (await client.post(f"{base}/subcontractors", headers=main,
                             json={"business_id": "2077474-0", "name": "Siivous Oy"})).json()
    paper = (await client.post(f"{base}/attachments", headers=main,
                               files={"file": ("tyel.pdf", PDF, "application/pdf")},
                               data={"type": "tyel_certificate", "level": "subcontractor",
                                     "owner_id": sub["id"]})).json()
    assert (await client.delete(f"{base}/subcontractors/{sub['id']}", headers=main)).status_code == 204
    refused = await client.put(f"{base}/attachments/{paper['id']}", headers=main,
                               files={"file": ("uusi.pdf", PDF + b"%new", "application/pdf")})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "owner_id"
    kept = await client.get(f"{base}/attachments/{paper['id']}/content", headers=main)
    assert kept.status_code == 200 and kept.content == PDF
    assert await registry.events("registry.attachment.removed") == []


async def test_a_subcontractor_listed_removed_and_listed_again_is_told_each_time(registry: Registry) -> None:
    """Its papers stay here as evidence when it is removed (no attachment.removed follows), so applications and
    notifications learn from these facts that they count no more, and again once it is listed again."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    base = f"/v1/providers/{provider_id}/subcontractors"
    sub = (await client.post(base, headers=main, json={"business_id": "2077474-0", "name": "Siivous Oy"})).json()
    assert (await client.delete(f"{base}/{sub['id']}", headers=main)).status_code == 204
    assert (await client.delete(f"{base}/{sub['id']}", headers=main)).status_code == 204  # again: nothing new
    again = await client.post(base, headers=main, json={"business_id": "2077474-0", "name": "Siivous Oy"})
    assert again.status_code == 201 and again.json()["id"] == sub["id"]
    told = [(kind, e["subcontractor_id"], e["business_id"], e["removed_at"] is not None, e["changed_at"])
            for kind in ("added", "removed") for e in await registry.events(f"registry.subcontractor.{kind}")]
    assert [t[:4] for t in told] == [("added", sub["id"], "2077474-0", False), ("added", sub["id"], "2077474-0", False),
                                     ("removed", sub["id"], "2077474-0", True)]
    assert all(t[4].startswith("2016-03-15") for t in told)


async def test_the_subcontractors_there_were_are_told_once_by_the_migration(registry: Registry, pg_url: str) -> None:
    """Subcontractors listed or removed before the registry told them: the migration tells each as it is now,
    stated at the epoch so that any later change is newer."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    base = f"/v1/providers/{provider_id}/subcontractors"
    kept = (await client.post(base, headers=main, json={"business_id": "2077474-0", "name": "Siivous Oy"})).json()
    gone = (await client.post(base, headers=main, json={"business_id": "0116297-6", "name": "Lähtevä Oy"})).json()
    assert (await client.delete(f"{base}/{gone['id']}", headers=main)).status_code == 204
    config = alembic_config(MIGRATIONS, pg_url)
    await asyncio.to_thread(command.downgrade, config, "a9c5e1f7b3d8")
    await asyncio.to_thread(command.upgrade, config, "head")
    added = [(e["subcontractor_id"], e["changed_at"][:4])
             for e in await registry.events("registry.subcontractor.added")]
    assert sorted(added) == sorted([(kept["id"], "2016"), (gone["id"], "2016"), (kept["id"], "1970")])
    removed = await registry.events("registry.subcontractor.removed")
    assert [(e["subcontractor_id"], e["removed_at"][:4], e["changed_at"][:4]) for e in removed] == [
        (gone["id"], "2016", "2016"), (gone["id"], "2016", "1970")]
