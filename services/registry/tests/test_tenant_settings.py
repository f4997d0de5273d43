"""The tenant admin changes the municipality's languages and payer account; the other services hear it."""

from __future__ import annotations

from .conftest import OTHER_TENANT, TENANT, Registry


async def test_the_tenant_admin_changes_languages_and_the_payer_account(registry: Registry) -> None:
    headers = await registry.tenant_with_admin()
    url = f"/v1/tenants/{TENANT['id']}/settings"
    wanted = {"languages": ["sv", "fi"], "payer_iban": "FI58 1017 1000 0001 22", "payer_bic": "nordfihh"}
    changed = await registry.client.put(url, json=wanted, headers=headers)
    assert changed.status_code == 200, changed.text
    body = changed.json()
    # IBAN and BIC as the payment file needs them; the languages in the one order the portal shows them
    assert (body["languages"], body["payer_iban"], body["payer_bic"]) == (["fi", "sv"], "FI5810171000000122",
                                                                          "NORDFIHH")
    assert (await registry.client.get(f"/v1/tenants/{TENANT['id']}", headers=headers)).json() == body
    told = await registry.events("registry.tenant.changed")
    assert [(e["tenant_id"], e["payer_iban"], e["languages"]) for e in told] == [
        ("kouvola", "FI5810171000000122", ["fi", "sv"])]

    again = await registry.client.put(url, json=wanted, headers=headers)
    assert again.status_code == 200 and len(await registry.events("registry.tenant.changed")) == 1  # no news


async def test_a_wrong_account_is_named_field_by_field_and_changes_nothing(registry: Registry) -> None:
    headers = await registry.tenant_with_admin()
    url = f"/v1/tenants/{TENANT['id']}/settings"
    wrong = await registry.client.put(url, headers=headers, json={
        "languages": ["fi"], "payer_iban": "FI2112345600000786", "payer_bic": "NDEA"})
    assert wrong.status_code == 422 and wrong.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in wrong.json()["errors"]} == {"payer_iban", "payer_bic"}
    none = await registry.client.put(url, headers=headers, json={
        "languages": [], "payer_iban": TENANT["payer_iban"], "payer_bic": TENANT["payer_bic"]})
    assert none.status_code == 422 and "languages" in none.text
    tenant = (await registry.client.get(f"/v1/tenants/{TENANT['id']}", headers=headers)).json()
    assert (tenant["payer_iban"], tenant["payer_bic"], tenant["languages"]) == (
        TENANT["payer_iban"], TENANT["payer_bic"], TENANT["languages"])
    assert await registry.events("registry.tenant.changed") == []


async def test_only_the_municipalitys_own_admin_changes_its_settings(registry: Registry) -> None:
    await registry.tenant_with_admin()
    other_admin = await registry.tenant_with_admin(OTHER_TENANT)
    body = {"languages": ["fi"], "payer_iban": "FI5810171000000122", "payer_bic": "NDEAFIHH"}
    assert (await registry.client.put("/v1/tenants/kouvola/settings", json=body,
                                      headers=other_admin)).status_code in (403, 404)
    _, company = await registry.registered_provider()  # a company's main user
    assert (await registry.client.put("/v1/tenants/lahti/settings", json=body,
                                      headers=company)).status_code == 403
    assert await registry.events("registry.tenant.changed") == []


async def test_interruptions_need_approval_is_a_setting_the_others_hear(registry: Registry) -> None:
    headers = await registry.tenant_with_admin()
    url = f"/v1/tenants/{TENANT['id']}/settings"
    account = {"languages": TENANT["languages"], "payer_iban": TENANT["payer_iban"], "payer_bic": TENANT["payer_bic"]}
    assert (await registry.client.get(f"/v1/tenants/{TENANT['id']}", headers=headers)).json()[
        "interruptions_need_approval"] is False  # off by default: today's behaviour
    on = await registry.client.put(url, json={**account, "interruptions_need_approval": True}, headers=headers)
    assert on.status_code == 200, on.text
    assert on.json()["interruptions_need_approval"] is True
    told = await registry.events("registry.tenant.changed")
    assert [e["interruptions_need_approval"] for e in told] == [True]
    # the account changed without the setting: the setting stays, and the others hear it as it is
    other_bic = await registry.client.put(url, json={**account, "payer_bic": "NORDFIHH"}, headers=headers)
    assert other_bic.json()["interruptions_need_approval"] is True
    told = await registry.events("registry.tenant.changed")
    assert [(e["payer_bic"], e["interruptions_need_approval"]) for e in told] == [
        (TENANT["payer_bic"], True), ("NORDFIHH", True)]
    off = await registry.client.put(
        url, json={**account, "payer_bic": "NORDFIHH", "interruptions_need_approval": False}, headers=headers)
    assert off.json()["interruptions_need_approval"] is False
    assert [e["interruptions_need_approval"] for e in await registry.events("registry.tenant.changed")] == [
        True, True, False]
