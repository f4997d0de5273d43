"""Issue 20: a site's phone number (nullable) in the site's create and edit API and its events, by a simple
documented rule (domain.normalise_phone: no phone validator in the kernel or the lock file); a bad one is
refused on the field with nothing saved; the public provider card shows it."""

from __future__ import annotations

import pytest
from seteli_registry.domain import PHONE_RULE, normalise_phone

from .conftest import Registry


@pytest.mark.parametrize(("given", "kept"), [
    ("05 123 4567", "05 123 4567"), ("040-123 4567", "040-123 4567"), ("(05) 123 4567", "(05) 123 4567"),
    ("+358 40 123 4567", "+358 40 123 4567"), ("  040   1234567 ", "040 1234567"), ("", None), ("   ", None),
    ("010 123", "010 123"), ("+358 401 234 567 89", "+358 401 234 567 89")])
def test_a_finnish_or_international_number_is_kept_tidied(given: str, kept: str | None) -> None:
    assert normalise_phone(given) == kept


@pytest.mark.parametrize("given", [
    "12345", "010 12",  # too few digits
    "401234567",  # neither 0 nor + first
    "0401234567890123",  # 16 digits: more than E.164 allows
    "puh. 040 123 4567", "040 123 4567 (ilta", "040 123 4567 x", "040--1234567", "+358 +40 123", "0)40(123 4567",
    "040 123 4567-", "()0401234567"])
def test_anything_else_is_refused_by_the_rule(given: str) -> None:
    with pytest.raises(ValueError, match="must be a phone number"):
        normalise_phone(given)


async def test_a_site_phone_is_saved_changed_cleared_told_and_on_the_public_card(registry: Registry) -> None:
    provider_id, main = await registry.approved_provider()
    client = registry.client
    sites = f"/v1/providers/{provider_id}/sites"
    added = await client.post(sites, headers=main, json={
        "name": "Päivänsäde Kuusankoski", "notification_email": "kuusankoski@paivansade.fi",
        "phone": " 05  123 4567 "})
    assert added.status_code == 201, added.text
    assert added.json()["phone"] == "05 123 4567"
    site_id = added.json()["id"]
    [told] = await registry.events("registry.site.added")
    assert told["site_id"] == site_id and told["phone"] == "05 123 4567"

    card = (await client.get(f"/v1/catalog/providers/{provider_id}")).json()
    assert {s["name"]: s["phone"] for s in card["sites"]}["Päivänsäde Kuusankoski"] == "05 123 4567"

    changed = await client.patch(f"{sites}/{site_id}", headers=main, json={"phone": "+358 5 123 4567"})
    assert changed.status_code == 200 and changed.json()["phone"] == "+358 5 123 4567"
    assert (await registry.events("registry.site.changed"))[-1]["phone"] == "+358 5 123 4567"
    renamed = await client.patch(f"{sites}/{site_id}", headers=main, json={"name": "Päivänsäde K"})
    assert renamed.json()["phone"] == "+358 5 123 4567"  # a phone left out is left as it was
    cleared = await client.patch(f"{sites}/{site_id}", headers=main, json={"phone": ""})
    assert cleared.status_code == 200 and cleared.json()["phone"] is None
    card = (await client.get(f"/v1/catalog/providers/{provider_id}")).json()
    assert {s["name"]: s["phone"] for s in card["sites"]}["Päivänsäde K"] is None


async def test_a_bad_phone_is_refused_on_its_field_and_nothing_is_saved(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    client = registry.client
    sites = f"/v1/providers/{provider_id}/sites"
    refused = await client.post(sites, headers=main, json={
        "name": "Päivänsäde Kuusankoski", "notification_email": "kuusankoski@paivansade.fi", "phone": "soita"})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"] == [{"field": "phone", "reason": PHONE_RULE}]
    assert len((await client.get(f"/v1/providers/{provider_id}", headers=main)).json()["sites"]) == 1
    assert await registry.events("registry.site.added") == []

    site_id = (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()["sites"][0]["id"]
    refused = await client.patch(f"{sites}/{site_id}", headers=main, json={"name": "Uusi nimi", "phone": "12"})
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["phone"]
    site = (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()["sites"][0]
    assert site["name"] != "Uusi nimi" and site["phone"] is None
    assert await registry.events("registry.site.changed") == []
