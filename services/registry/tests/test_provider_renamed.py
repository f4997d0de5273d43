"""A company that changes its name tells settlement, whose payment files and specifications name the payee."""

from __future__ import annotations

from .conftest import Registry


async def test_a_company_renamed_is_told_once_with_its_new_name(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    url = f"/v1/providers/{provider_id}"
    renamed = await registry.client.patch(url, headers=main, json={"name": "Hoivapalvelut Aurinko Oy"})
    assert renamed.status_code == 200, renamed.text
    assert (await registry.client.patch(url, headers=main, json={"description": "Kodikas"})).status_code == 200
    same = await registry.client.patch(url, headers=main, json={"name": "Hoivapalvelut Aurinko Oy"})
    assert same.status_code == 200  # the same name again: nothing to tell
    told = await registry.events("registry.provider.renamed")
    assert [(e["provider_id"], e["name"], e["_tenant_id"]) for e in told] == [
        (provider_id, "Hoivapalvelut Aurinko Oy", None)]
