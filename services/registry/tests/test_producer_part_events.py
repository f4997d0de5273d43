"""Issue 20: vouchers books a unit ("unit:<name>") or an employee ("employee:<id>") of the company, so the
registry tells it the company's units (the whole list, with the time of the change) and each employee added,
renamed and removed. Nothing is told when nothing a booking names changed."""

from __future__ import annotations

import asyncio

from alembic import command
from seteli_common.migrations import alembic_config
from seteli_registry.bootstrap import MIGRATIONS

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


async def test_units_and_employees_entered_before_are_told_once_by_the_migration(registry: Registry,
                                                                                 pg_url: str) -> None:
    """The units and employees there were before the registry told them: the migration writes each to the
    outbox, stated at the epoch so that any later change is newer."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    assert (await client.patch(f"/v1/providers/{provider_id}", headers=main,
                               json={"units": ["A-talo"]})).status_code == 200
    kept = (await client.post(f"/v1/providers/{provider_id}/employees", headers=main, json={"name": "Pysyvä"})).json()
    gone = (await client.post(f"/v1/providers/{provider_id}/employees", headers=main, json={"name": "Lähtevä"})).json()
    assert (await client.delete(f"/v1/providers/{provider_id}/employees/{gone['id']}", headers=main)).status_code == 204
    config = alembic_config(MIGRATIONS, pg_url)
    await asyncio.to_thread(command.downgrade, config, "a7d3f9c2e1b8")
    await asyncio.to_thread(command.upgrade, config, "head")

    units = await registry.events("registry.provider.units_changed")
    assert [(e["units"], e["changed_at"][:4]) for e in units] == [(["A-talo"], "2016"), (["A-talo"], "1970")]
    added = {(e["employee_id"], e["name"]) for e in await registry.events("registry.employee.added")}
    assert added == {(kept["id"], "Pysyvä"), (gone["id"], "Lähtevä")}  # both when added, then the backfill's
    removed = await registry.events("registry.employee.removed")
    assert [(e["employee_id"], e["removed_at"] is not None) for e in removed] == [(gone["id"], True)] * 2
    assert len(await registry.events("registry.employee.added")) == 3  # Lähtevä once: as added, not again
