"""Issue 20: vouchers books a unit ("unit:<name>") or an employee ("employee:<id>") of the company, so the
registry tells it the company's units (the whole list, with the time of the change) and each employee added,
renamed and removed. Nothing is told when nothing a booking names changed."""

from __future__ import annotations

import asyncio

from alembic import command
from seteli_common.migrations import alembic_config
from seteli_registry.bootstrap import MIGRATIONS
from seteli_registry.events import SiteAdded
from sqlalchemy import select

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


async def test_a_unit_name_that_no_booking_or_payment_could_carry_is_refused(registry: Registry) -> None:
    """A unit is booked, priced and paid as the producer part "unit:<name>", which settlement and the catalog keep
    in 64 characters: a longer name (or one with a tab or line break) was accepted here, and an event booked on
    that unit could never reach a settlement. It is refused where it is typed, naming the field, and nothing is
    told."""
    provider_id, main = await registry.registered_provider()
    url = f"/v1/providers/{provider_id}"
    for bad in ("A" * 60, "A-talo\tB", "A-talo\nB", ""):
        refused = await registry.client.patch(url, headers=main, json={"units": ["B-talo", bad]})
        assert refused.status_code == 422, (bad, refused.text)
        assert [e["field"].split(".")[0] for e in refused.json()["errors"]] == ["units"], refused.text
    assert (await registry.client.get(url, headers=main)).json()["units"] == []
    assert await registry.events("registry.provider.units_changed") == []
    longest = "A" * 59
    assert (await registry.client.patch(url, headers=main, json={"units": [longest]})).status_code == 200
    assert [e["units"] for e in await registry.events("registry.provider.units_changed")] == [[longest]]


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


async def test_an_employees_address_and_site_are_told_as_they_change(registry: Registry) -> None:
    """Notices of an employee's bookings and feedback go to the employee's contact address (or its site's): a
    change of either is told; a change of what nobody keeps (the title) is not."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    site = await client.post(f"/v1/providers/{provider_id}/sites", headers=main, json={
        "name": "Päivänsäde Kuusankoski", "notification_email": "kuusankoski@paivansade.fi"})
    assert site.status_code == 201, site.text
    added = await client.post(f"/v1/providers/{provider_id}/employees", headers=main,
                              json={"name": "Liisa Vastaava", "email": "liisa@paivansade.fi"})
    url = f"/v1/providers/{provider_id}/employees/{added.json()['id']}"
    assert (await client.patch(url, headers=main, json={"title": "osastonhoitaja"})).status_code == 200
    assert (await client.patch(url, headers=main, json={"email": "liisa.v@paivansade.fi"})).status_code == 200
    assert (await client.patch(url, headers=main, json={"site_id": site.json()["id"]})).status_code == 200
    assert (await client.patch(url, headers=main, json={"email": None})).status_code == 200
    told = [(e["email"], e["site_id"]) for kind in ("added", "changed")
            for e in await registry.events(f"registry.employee.{kind}")]
    assert told == [("liisa@paivansade.fi", None), ("liisa.v@paivansade.fi", None),
                    ("liisa.v@paivansade.fi", site.json()["id"]), ("", site.json()["id"])]


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
    await asyncio.to_thread(command.upgrade, config, "b9e4c7a1d3f5")  # (the later re-announcement: its own test)

    units = await registry.events("registry.provider.units_changed")
    assert [(e["units"], e["changed_at"][:4]) for e in units] == [(["A-talo"], "2016"), (["A-talo"], "1970")]
    added = {(e["employee_id"], e["name"]) for e in await registry.events("registry.employee.added")}
    assert added == {(kept["id"], "Pysyvä"), (gone["id"], "Lähtevä")}  # both when added, then the backfill's
    removed = await registry.events("registry.employee.removed")
    assert [(e["employee_id"], e["removed_at"] is not None) for e in removed] == [(gone["id"], True)] * 2
    assert len(await registry.events("registry.employee.added")) == 3  # Lähtevä once: as added, not again


async def test_sites_entered_before_are_told_once_by_the_migration_as_they_are_now(registry: Registry,
                                                                                  pg_url: str) -> None:
    """Sites entered before vouchers listened to `registry.site.added/changed`: the migration writes each to
    the outbox as added, with its current name, phone and billing, stated at the epoch (a later change is
    newer); the sites' own events before it stay as they were."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    added = await client.post(f"/v1/providers/{provider_id}/sites", headers=main, json={
        "name": "Päivänsäde Kuusankoski", "notification_email": "kuusankoski@paivansade.fi",
        "billing": {"iban": "FI2112345600000785", "bic": "NDEAFIHH"}})
    assert added.status_code == 201, added.text
    site_id = added.json()["id"]
    renamed = await client.patch(f"/v1/providers/{provider_id}/sites/{site_id}", headers=main,
                                 json={"name": "Päivänsäde Kymi", "phone": "05 123 4567"})
    assert renamed.status_code == 200, renamed.text
    before = await registry.events("registry.site.added")
    all_sites = (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()["sites"]
    config = alembic_config(MIGRATIONS, pg_url)
    await asyncio.to_thread(command.downgrade, config, "d9b4e6a2c8f1")
    await asyncio.to_thread(command.upgrade, config, "e6c2a9f4b7d1")  # (the later re-announcement: its own test)

    told = (await registry.events("registry.site.added"))[len(before):]
    assert sorted(e["site_id"] for e in told) == sorted(s["id"] for s in all_sites)  # every site, once
    kymi = next(e for e in told if e["site_id"] == site_id)
    assert (kymi["name"], kymi["phone"], kymi["notification_email"]) == (
        "Päivänsäde Kymi", "05 123 4567", "kuusankoski@paivansade.fi")
    assert kymi["billing"] == {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": None, "email": None,
                               "pdf_by_email": True}
    as_published = next(e for e in before if e["site_id"] == site_id)  # what adding the site told
    SiteAdded.model_validate({k: v for k, v in kymi.items() if k != "_tenant_id"})  # the event's contract
    assert set(kymi) == set(as_published) and kymi["_tenant_id"] is None  # the same fields, of no tenant
    outbox = registry.runtime.table("outbox")
    async with registry.runtime.db.transaction() as session:
        stated = (await session.execute(select(outbox.c.occurred_at).where(
            outbox.c.type == "registry.site.added").order_by(outbox.c.id))).scalars().all()
    assert [at.year for at in stated[len(before):]] == [1970] * len(told)


async def test_employees_entered_before_are_told_with_their_address_by_the_migration(registry: Registry,
                                                                                    pg_url: str) -> None:
    """Employees told before their address was: the migration tells each one not removed once more, with its
    address and site, stated now (newer than what the others hold of it)."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    kept = (await client.post(f"/v1/providers/{provider_id}/employees", headers=main,
                              json={"name": "Pysyvä", "email": "pysyva@paivansade.fi"})).json()
    gone = (await client.post(f"/v1/providers/{provider_id}/employees", headers=main, json={"name": "Lähtevä"})).json()
    assert (await client.delete(f"/v1/providers/{provider_id}/employees/{gone['id']}", headers=main)).status_code == 204
    config = alembic_config(MIGRATIONS, pg_url)
    await asyncio.to_thread(command.downgrade, config, "e6c2a9f4b7d1")
    await asyncio.to_thread(command.upgrade, config, "f7b3d9e1c5a2")  # (the later re-announcement: its own test)
    changed = await registry.events("registry.employee.changed")
    assert [(e["employee_id"], e["email"], e["site_id"], e["removed_at"]) for e in changed] == [
        (kept["id"], "pysyva@paivansade.fi", None, None)]
    added = await registry.events("registry.employee.added")
    assert max(e["_occurred_at"] for e in added) < changed[0]["_occurred_at"]


async def test_the_parts_there_are_are_told_once_more_for_the_events_service(registry: Registry,
                                                                            pg_url: str) -> None:
    """The events service now refuses a part that is not the company's, and learns the parts from these facts:
    the migration tells every site, the units and each employee (a removed one as removed) once more, as they
    are now, stated at the epoch (the services that know them keep their newer facts)."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    assert (await client.patch(f"/v1/providers/{provider_id}", headers=main,
                               json={"units": ["A-talo", "B-talo"]})).status_code == 200
    kept = (await client.post(f"/v1/providers/{provider_id}/employees", headers=main,
                              json={"name": "Pysyvä", "email": "pysyva@paivansade.fi"})).json()
    gone = (await client.post(f"/v1/providers/{provider_id}/employees", headers=main, json={"name": "Lähtevä"})).json()
    assert (await client.delete(f"/v1/providers/{provider_id}/employees/{gone['id']}", headers=main)).status_code == 204
    all_sites = (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()["sites"]
    before = {t: len(await registry.events(t)) for t in (
        "registry.site.added", "registry.provider.units_changed", "registry.employee.added",
        "registry.employee.removed")}
    config = alembic_config(MIGRATIONS, pg_url)
    await asyncio.to_thread(command.downgrade, config, "e5a9c3f7b1d2")
    await asyncio.to_thread(command.upgrade, config, "c8e2f6a4d9b3")  # (the later re-announcement: its own test)

    told = {t: (await registry.events(t))[n:] for t, n in before.items()}
    assert sorted(e["site_id"] for e in told["registry.site.added"]) == sorted(s["id"] for s in all_sites)
    assert [(e["provider_id"], e["units"], e["changed_at"][:4]) for e in told["registry.provider.units_changed"]] \
        == [(provider_id, ["A-talo", "B-talo"], "1970")]
    assert [(e["employee_id"], e["email"], e["removed_at"]) for e in told["registry.employee.added"]] == [
        (kept["id"], "pysyva@paivansade.fi", None)]
    assert [(e["employee_id"], e["removed_at"] is not None) for e in told["registry.employee.removed"]] == [
        (gone["id"], True)]
    assert {e["_occurred_at"].year for facts in told.values() for e in facts} == {1970}


async def test_the_units_and_employees_there_are_are_told_once_more_for_the_applications_service(
        registry: Registry, pg_url: str) -> None:
    """The applications service now takes into an application's units and employees steps only the company's own,
    and learns them from these facts: the migration tells the units and each employee (a removed one as removed)
    once more, stated at the epoch; no site again (applications has heard of them all)."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    assert (await client.patch(f"/v1/providers/{provider_id}", headers=main,
                               json={"units": ["A-talo", "B-talo"]})).status_code == 200
    kept = (await client.post(f"/v1/providers/{provider_id}/employees", headers=main,
                              json={"name": "Pysyvä", "email": "pysyva@paivansade.fi"})).json()
    gone = (await client.post(f"/v1/providers/{provider_id}/employees", headers=main, json={"name": "Lähtevä"})).json()
    assert (await client.delete(f"/v1/providers/{provider_id}/employees/{gone['id']}", headers=main)).status_code == 204
    before = {t: len(await registry.events(t)) for t in (
        "registry.site.added", "registry.provider.units_changed", "registry.employee.added",
        "registry.employee.removed")}
    config = alembic_config(MIGRATIONS, pg_url)
    await asyncio.to_thread(command.downgrade, config, "c8e2f6a4d9b3")
    await asyncio.to_thread(command.upgrade, config, "d5f9b2c7e4a1")  # (the areas' re-announcement: its own test)

    told = {t: (await registry.events(t))[n:] for t, n in before.items()}
    assert told["registry.site.added"] == []
    assert [(e["provider_id"], e["units"]) for e in told["registry.provider.units_changed"]] == [
        (provider_id, ["A-talo", "B-talo"])]
    assert [e["employee_id"] for e in told["registry.employee.added"]] == [kept["id"]]
    assert [e["employee_id"] for e in told["registry.employee.removed"]] == [gone["id"]]
    assert {e["_occurred_at"].year for facts in told.values() for e in facts} == {1970}


async def test_operating_areas_are_told_whole_each_time_they_change(registry: Registry) -> None:
    """An application's operating areas step takes only the company's own areas: applications learns them from
    this fact, the whole list as the company writes it (a name is the area's id), told only when it changed."""
    provider_id, main = await registry.registered_provider()
    url = f"/v1/providers/{provider_id}"
    for body in ({"operating_areas": ["Kouvola", "Iitti"]}, {"description": "Kodikas"},
                 {"operating_areas": ["Kouvola", "Iitti"]}, {"operating_areas": ["Iitti"]}):
        assert (await registry.client.patch(url, headers=main, json=body)).status_code == 200
    told = await registry.events("registry.provider.areas_changed")
    assert [(e["provider_id"], e["areas"], e["_tenant_id"]) for e in told] == [
        (provider_id, ["Kouvola", "Iitti"], None), (provider_id, ["Iitti"], None)]
    assert all(e["changed_at"].startswith("2016-03-15") for e in told)


async def test_the_operating_areas_there_are_are_told_once_more_for_the_applications_service(
        registry: Registry, pg_url: str) -> None:
    """Applications learns the companies' operating areas from `registry.provider.areas_changed`, which was not
    told before: the migration tells each company's areas once, stated at the epoch (a later change is newer)."""
    provider_id, main = await registry.registered_provider()
    assert (await registry.client.patch(f"/v1/providers/{provider_id}", headers=main,
                                        json={"operating_areas": ["Kouvola", "Iitti"]})).status_code == 200
    before = len(await registry.events("registry.provider.areas_changed"))
    config = alembic_config(MIGRATIONS, pg_url)
    await asyncio.to_thread(command.downgrade, config, "d5f9b2c7e4a1")
    await asyncio.to_thread(command.upgrade, config, "head")

    told = (await registry.events("registry.provider.areas_changed"))[before:]
    assert [(e["provider_id"], e["areas"], e["changed_at"][:4], e["_occurred_at"].year) for e in told] == [
        (provider_id, ["Kouvola", "Iitti"], "1970", 1970)]


async def test_a_save_that_changes_nothing_tells_nobody(registry: Registry) -> None:
    """Saving a form again as it was published the units, the site, its billing and the employee as changed:
    vouchers, settlement and notifications re-processed them, and a settlement run waited for news that
    brought nothing. Only a real change is told; the change itself still is."""
    provider_id, main = await registry.registered_provider()
    client = registry.client
    url = f"/v1/providers/{provider_id}"
    site_id = (await client.get(url, headers=main)).json()["sites"][0]["id"]
    employee = (await client.post(f"{url}/employees", headers=main,
                                  json={"name": "Liisa Vastaava", "email": "liisa@paivansade.fi"})).json()
    billing = {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": "RF341234561"}
    site = {"name": "Päivänsäde Kuusankoski", "notification_email": "kuusankoski@paivansade.fi", "phone": "05 123 4567"}
    for _ in range(2):  # the second time: the same again
        assert (await client.patch(url, headers=main, json={"units": ["A-talo", "B-talo"]})).status_code == 200
        assert (await client.patch(f"{url}/sites/{site_id}", headers=main, json=site)).status_code == 200
        assert (await client.put(f"{url}/sites/{site_id}/billing", headers=main, json=billing)).status_code == 200
        assert (await client.put(f"{url}/billing", headers=main, json=billing)).status_code == 200
        assert (await client.patch(f"{url}/employees/{employee['id']}", headers=main,
                                   json={"name": "Liisa Vastaava", "email": "liisa@paivansade.fi"})).status_code == 200
    assert (await client.patch(f"{url}/sites/{site_id}", headers=main, json={"extra_info": "Piha"})).status_code == 200
    assert [e["units"] for e in await registry.events("registry.provider.units_changed")] == [["A-talo", "B-talo"]]
    changed = await registry.events("registry.site.changed")
    # the site's details once, then its billing once; its extra information is nobody else's concern
    assert [(e["name"], e["billing"] is not None) for e in changed] == [("Päivänsäde Kuusankoski", False),
                                                                        ("Päivänsäde Kuusankoski", True)]
    assert [e["site_id"] for e in await registry.events("registry.provider.billing_changed")] == [site_id, None]
    assert await registry.events("registry.employee.changed") == []

    assert (await client.patch(url, headers=main, json={"units": ["B-talo"]})).status_code == 200
    assert (await client.patch(f"{url}/sites/{site_id}", headers=main, json={"phone": ""})).status_code == 200
    assert [e["units"] for e in await registry.events("registry.provider.units_changed")][-1] == ["B-talo"]
    assert (await registry.events("registry.site.changed"))[-1]["phone"] is None
