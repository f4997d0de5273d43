"""Issue 20: vouchers books a unit ("unit:<name>") or an employee ("employee:<id>") of the company, so the
registry tells it the company's units (the whole list, with the time of the change) and each employee added,
renamed and removed. Nothing is told when nothing a booking names changed."""

from __future__ import annotations

from .conftest import Registry


async def test_units_are_told_whole_each_time_they_change(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    url = f"/v1/providers/{provider_id}"
    assert (await registry.client.patch(url, headers=main, json={"units": ["A-talo", "B-talo"]})).status_code == 200
    assert (await registry.client.patch(url, headers=main, json={"description": "Kodikas"})).status_code == 200
    assert (await registry.client.patch(url, headers=main, json={"units": ["B-talo"]})).status_code == 200
    told = await registry.events("registry.provider.units_changed")
    assert [(e["provider_id"], e["units"], e["_tenant_id"]) for e in told] == [
        (provider_id, ["A-talo", "B-talo"], None), (provider_id, ["B-talo"], None)]
    assert all(e["changed_at"].startswith("2016-03-15") for e in told)


async def test_an_employee_added_renamed_and_removed_is_told_with_its_id(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    client = registry.client
    added = await client.post(f"/v1/providers/{provider_id}/employees", headers=main,
                              json={"name": "Liisa Vastaava", "title": "sairaanhoitaja"})
    assert added.status_code == 201, added.text
    url = f"/v1/providers/{provider_id}/employees/{added.json()['id']}"
    assert (await client.patch(url, headers=main, json={"title": "osastonhoitaja"})).status_code == 200
    assert (await client.patch(url, headers=main, json={"name": "Liisa Virtanen"})).status_code == 200
    assert (await client.delete(url, headers=main)).status_code == 204
    assert (await client.delete(url, headers=main)).status_code == 204  # again: nothing more to tell
    told = [(kind, e["employee_id"], e["name"], e["removed_at"] is not None)
            for kind in ("added", "changed", "removed") for e in await registry.events(f"registry.employee.{kind}")]
    employee_id = added.json()["id"]
    assert told == [("added", employee_id, "Liisa Vastaava", False), ("changed", employee_id, "Liisa Virtanen", False),
                    ("removed", employee_id, "Liisa Virtanen", True)]
