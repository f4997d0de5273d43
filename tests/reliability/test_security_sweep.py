"""Issue 17: the holes an attacker tries first, tried again on the whole suite (the six services on
PostgreSQL as their row-level-security roles, two tenants made by the walking skeleton). Each test is
one item of the issue, asserted as the attacker sees it; the per-service tests beside each fix hold the
details. Runs in CI (short: one suite for the module, about a minute)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
import pytest
from rel_tenants import TwoTenants, dsn, two_tenants
from seteli_common import testing
from seteli_common.auth import Role
from seteli_common.clock import Month
from seteli_common.errors import MAX_REQUEST_BYTES
from seteli_common.messaging.envelope import REMOVED_AFTER_SENDING

from seteli.services import SERVICES

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TwoTenants]:
    made: list[str] = []

    async def make_database() -> str:
        made.append(await testing.create_database(pg_admin_url))
        return made[-1]

    try:
        async with two_tenants(make_database, tmp_path_factory.mktemp("security")) as running:
            yield running
    finally:
        for url in made:
            await testing.drop_database(pg_admin_url, url)


async def _rows(world: TwoTenants, service: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn(world.databases[service]))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


# --- 2. approving is no way into another tenant's company --------------------------------------------------

async def test_a_tenant_admin_cannot_approve_its_way_into_another_tenants_company(world: TwoTenants) -> None:
    a_admin, b = world.token(Role.TENANT_ADMIN, world.a), world.b
    approve = await world.client.post(f"/registry/v1/providers/{b.provider_id}/approve", headers=a_admin)
    assert approve.status_code == 404
    base = f"/registry/v1/providers/{b.provider_id}"
    for path in ("employees", "subcontractors", "attachments", "liability-checks", "courses"):
        answer = await world.client.get(f"{base}/{path}", headers=a_admin)
        assert answer.status_code == 404 and b.ids["employee_name"] not in answer.text, path
    relations = await _rows(world, "registry", "SELECT tenant_id FROM tenant_providers WHERE provider_id = $1",
                            b.provider_id)
    assert {r["tenant_id"] for r in relations} == {b.tenant_id}
    # the shared register shows the company, not where its money goes
    card = (await world.client.get(base, headers=a_admin)).json()
    assert card["billing"] is None and all(site["billing"] is None for site in card["sites"])


# --- 5. links that sign in are not kept readable --------------------------------------------------------

async def test_a_reset_link_is_not_readable_after_it_was_mailed(world: TwoTenants) -> None:
    email = world.b.demo.provider_user_email
    assert (await world.client.post("/registry/v1/auth/password-reset", json={"email": email})).status_code == 202
    await world.suite.runtimes["registry"].relay.run_once()
    await world.suite.broker.drain()
    await world.suite.runtimes["notifications"].extras["sender"].flush()
    [kept] = await _rows(world, "registry", "SELECT payload FROM outbox WHERE type = $1 ORDER BY id DESC LIMIT 1",
                         "registry.password_reset.requested")
    assert json.loads(kept["payload"])["link"] == REMOVED_AFTER_SENDING
    [mail] = await _rows(world, "notifications", "SELECT state, body_text, body_html FROM messages "
                                                 "WHERE kind = 'password_reset' AND recipient = $1", email)
    assert mail["state"] == "sent" and "token=" not in mail["body_text"] + mail["body_html"]


# --- 7. unlock reaches only the tenant's own people and companies ---------------------------------------

async def test_a_tenant_admin_cannot_unlock_or_read_another_tenants_provider_user(world: TwoTenants) -> None:
    a_admin = world.token(Role.TENANT_ADMIN, world.a)
    answer = await world.client.post(f"/registry/v1/users/{world.b.provider_user_id}/unlock", headers=a_admin)
    assert answer.status_code == 404 and world.b.demo.provider_user_email not in answer.text


# --- 9. every read of a client's data is in the client's access log ------------------------------------

async def test_reading_a_clients_co_payments_is_in_the_clients_access_log(world: TwoTenants) -> None:
    a, admin = world.a, world.token(Role.TENANT_ADMIN, world.a)
    client_path = f"/vouchers/v1/tenants/{a.tenant_id}/clients/{a.client_id}/access-log"
    before = (await world.client.get(client_path, headers=admin)).json()["total"]
    month = Month.parse(a.demo.month)
    params = {"client_id": a.client_id, "service_id": a.ids["service_id"], "from": str(month.first),
              "to": str(month.last)}
    breakdown = await world.client.get(f"/events/v1/tenants/{a.tenant_id}/co-payments", headers=admin, params=params)
    assert breakdown.status_code == 200, breakdown.text
    await world.suite.runtimes["events"].relay.run_once()
    await world.suite.broker.drain()
    after = (await world.client.get(client_path, headers=admin)).json()
    assert after["total"] > before


# --- 10. the smaller ones ------------------------------------------------------------------------------

async def test_every_service_refuses_a_body_over_the_limit_before_reading_it(world: TwoTenants) -> None:
    headers = {**world.token(Role.TENANT_ADMIN, world.a), "content-type": "application/json",
               "content-length": str(MAX_REQUEST_BYTES + 1)}
    for service in SERVICES:
        answer = await world.client.post(f"/{service}/v1/tenants/{world.a.tenant_id}/anything", headers=headers,
                                         content=b"{}")
        assert answer.status_code == 413, service
        assert answer.headers["content-type"] == "application/problem+json", service


async def test_a_failed_login_tells_nothing_about_the_account(world: TwoTenants) -> None:
    answers = set()
    for email in (world.a.demo.provider_user_email, "ei-tilia@example.fi"):
        answer = await world.client.post("/registry/v1/auth/token", json={"email": email, "password": "Arvaus-123"})
        answers.add((answer.status_code, answer.json()["detail"]))
    assert len(answers) == 1


async def test_a_website_that_would_run_script_is_refused(world: TwoTenants) -> None:
    provider = world.token(Role.PROVIDER_ADMIN, world.a)
    answer = await world.client.patch(f"/registry/v1/providers/{world.a.provider_id}", headers=provider,
                                      json={"website": "javascript:alert(document.cookie)"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "website"


async def test_an_address_in_a_contact_request_is_no_link_in_the_mail(world: TwoTenants) -> None:
    sent = await world.client.post("/registry/v1/catalog/contact-requests", json={
        "organisation_ids": [world.a.provider_id], "phone": "0401234567", "consent": True,
        "message": "Katso https://seteli-tunnukset.example.com/kirjaudu", "tenant_id": world.a.tenant_id})
    assert sent.status_code == 201, sent.text
    await world.suite.runtimes["registry"].relay.run_once()
    await world.suite.broker.drain()
    rows = await _rows(world, "notifications", "SELECT body_html FROM messages WHERE kind = 'contact_requested'")
    assert rows and all("seteli-tunnukset.example.com" in r["body_html"] for r in rows)
    assert all("<a " not in r["body_html"] for r in rows)

