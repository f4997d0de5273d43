"""Issue 17: the holes an attacker tries first, tried again on the whole suite (the six services on
PostgreSQL as their row-level-security roles, two tenants made by the walking skeleton). Each test is
one item of the issue, asserted as the attacker sees it; the per-service tests beside each fix hold the
details. Runs in CI (short: one suite for the module, about a minute)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest
from rel_sweep import fill_path, request_body, request_query, swept_routes
from rel_tenants import TwoTenants, dsn, two_tenants_on
from seteli_common.auth import Principal, Role
from seteli_common.clock import Month
from seteli_common.config import NotConfigured
from seteli_common.errors import MAX_REQUEST_BYTES
from seteli_common.messaging.envelope import REMOVED_AFTER_SENDING
from seteli_common.messaging.memory import InMemoryBroker
from seteli_portal.access_log import DEFAULT_PURPOSES, read_kind
from seteli_portal.catalog import CATALOG
from seteli_registry.bootstrap import build_runtime as registry_runtime
from seteli_registry.config import RegistrySettings

from seteli.services import SERVICES

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TwoTenants]:
    async with two_tenants_on(pg_admin_url, tmp_path_factory.mktemp("security")) as running:
        yield running


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


# A read that answers with a client's data but names no object in its path, or that is a POST: the sweep calls these
# too (the others it calls are every GET with a path parameter).
READING_POSTS = {("vouchers", "/v1/tenants/{tenant_id}/provider-clients/search"): "identity_code"}  # → its one field
STAFF = (Role.TENANT_ADMIN, Role.TENANT_OFFICER, Role.PROVIDER_ADMIN, Role.PROVIDER_USER)


async def _access_log_rows(world: TwoTenants, client_id: str) -> int:
    return int((await _rows(world, "vouchers", "SELECT count(*) FROM access_log WHERE client_id = $1",
                            client_id))[0][0])


async def _settle(world: TwoTenants) -> None:
    """Every outbox sent and every message consumed: the other services' reads reach vouchers' log as messages."""
    for runtime in world.suite.runtimes.values():
        if getattr(runtime, "relay", None) is not None:
            await runtime.relay.run_once()
    await world.suite.broker.drain()


async def test_every_answer_that_names_a_client_writes_the_clients_access_log(world: TwoTenants) -> None:
    """Every read route of every service, as each staff role of A with A's ids (and A's client as the filter of a
    list): an answer naming the client (its id, identity code, internal reference or the provider's client
    number) adds a row to that client's access log. A file whose bytes do not show the names (a PDF) is not
    judged here; the services' own tests hold those."""
    a = world.a
    client = (await world.client.get(f"/vouchers/v1/tenants/{a.tenant_id}/clients/{a.client_id}",
                                     headers=world.token(Role.TENANT_ADMIN, a))).json()
    markers = {a.client_id, a.demo.client_identity_code, str(client["reference"]), "A-001"}
    await _settle(world)
    unlogged, judged = [], set()
    for service, method, path, operation, spec in swept_routes(world):
        if path.endswith("/access-log") or not (method == "GET" or (service, path) in READING_POSTS):
            continue  # writes are not reads; the log's own read is logged after its page (tested in vouchers)
        for role in STAFF:
            before = await _access_log_rows(world, a.client_id)
            url = f"/{service}{fill_path(path, a.ids)}"
            field = READING_POSTS.get((service, path))
            body = {"json": {field: a.ids[field]}} if field else request_body(spec, operation, a.ids)
            answer = await world.client.request(method, url, headers=world.token(role, a),
                                                params=request_query(spec, operation, a.ids), **body)
            if answer.status_code != 200 or not any(marker in answer.text for marker in markers):
                continue
            judged.add(f"{method} {service}{path}")
            await _settle(world)
            if await _access_log_rows(world, a.client_id) == before:
                unlogged.append(f"{role.value:<15} {method} {url}: {answer.text[:160]}")
    assert not unlogged, "answers naming the client that its access log does not show:\n" + "\n".join(unlogged)
    assert len(judged) >= 10, judged  # the sweep saw the client's data on many routes
    # The log as the client and the officer read it in the portal: the sweep gave no purpose (X-Purpose), so each
    # one written is a service's own default, which the portal words by the reader's role; each kind of read has
    # its name in Finnish and Swedish (a code or an English default shown on the Swedish page otherwise).
    rows = await _rows(world, "vouchers", "SELECT DISTINCT what, why FROM access_log")
    assert sorted({row["why"] for row in rows} - DEFAULT_PURPOSES) == []
    assert sorted(row["what"] for row in rows if f"access_log.what.{read_kind(row['what'])}" not in CATALOG) == []


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



# --- 1. no fake identity provider unless fakes are chosen -----------------------------------------------

def test_a_registry_not_told_to_use_fakes_and_without_endpoints_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured) as refused:
        registry_runtime(RegistrySettings(database_url="", data_dir=tmp_path, signing_key_path=tmp_path / "k.json",
                                          log_json=False), broker=InMemoryBroker())
    assert "REGISTRY_IDENTITY_BASE_URL" in str(refused.value) and "REGISTRY_ADAPTERS=fake" in str(refused.value)


# --- 3. logout ends the session whatever the access token's age ----------------------------------------

async def test_logout_by_refresh_token_ends_the_session_without_a_valid_access_token(world: TwoTenants) -> None:
    demo = world.a.demo
    tokens = (await world.client.post("/registry/v1/auth/token", json={
        "email": demo.tenant_admin_email, "password": demo.tenant_admin_password})).json()
    # the access token is not sent at all (as if expired): the refresh token names the session
    out = await world.client.post("/registry/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = await world.client.post("/registry/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


# --- 4. no CSV cell the platform writes is a live formula ----------------------------------------------

async def test_no_csv_cell_is_a_formula_and_a_formula_is_no_client_number(world: TwoTenants) -> None:
    a = world.a
    provider = world.token(Role.PROVIDER_ADMIN, a)
    refused = await world.client.put(f"/vouchers/v1/tenants/{a.tenant_id}/provider-clients/{a.client_id}/client-number",
                                     headers=provider, json={"client_number": '=HYPERLINK("https://x.example")'})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "client_number"
    admin, month = world.token(Role.TENANT_ADMIN, a), Month.parse(a.demo.month)
    for report in ("realisation", "interruptions"):
        csv_file = await world.client.get(f"/settlement/v1/tenants/{a.tenant_id}/reports/{report}", headers=admin,
                                          params={"format": "csv", "from": str(month), "to": str(month)})
        assert csv_file.status_code == 200, csv_file.text
        for row in csv.reader(io.StringIO(csv_file.text)):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")) and not (
                    cell.startswith("-") and not _is_number(cell)), (report, cell)


def _is_number(cell: str) -> bool:
    try:
        Decimal(cell)
    except ArithmeticError:
        return False
    return True


# --- 6. an ended session ends in every service ----------------------------------------------------------

async def test_a_logged_out_token_is_refused_by_every_service(world: TwoTenants) -> None:
    demo, tenant = world.b.demo, world.b.tenant_id
    tokens = (await world.client.post("/registry/v1/auth/token", json={
        "email": demo.tenant_admin_email, "password": demo.tenant_admin_password})).json()
    bearer = {"authorization": f"Bearer {tokens['access_token']}"}
    reads = [f"/vouchers/v1/tenants/{tenant}/bookings", f"/events/v1/tenants/{tenant}/events",
             f"/applications/v1/tenants/{tenant}/applications", f"/settlement/v1/tenants/{tenant}/runs"]
    for url in reads:
        assert (await world.client.get(url, headers=bearer)).status_code == 200, url
    assert (await world.client.post("/registry/v1/auth/logout", headers=bearer,
                                    json={"refresh_token": tokens["refresh_token"]})).status_code == 204
    await world.suite.runtimes["registry"].relay.run_once()
    await world.suite.broker.drain()
    for url in reads:
        answer = await world.client.get(url, headers=bearer)
        assert answer.status_code == 401 and answer.json()["detail"] == "Session ended", url


# --- 8. service teams hold for bookings as for events ---------------------------------------------------

async def test_a_provider_user_outside_the_team_neither_lists_nor_ends_the_teams_bookings(
        world: TwoTenants) -> None:
    a = world.a
    outsider = {"authorization": "Bearer " + world.issuer.issue(Principal(
        subject="outsider", role=Role.PROVIDER_USER, provider_id=a.provider_id, teams=frozenset()))}
    listed = (await world.client.get(f"/vouchers/v1/tenants/{a.tenant_id}/bookings", headers=outsider)).json()
    assert a.ids["booking_id"] not in str(listed)
    booking = f"/vouchers/v1/tenants/{a.tenant_id}/bookings/{a.ids['booking_id']}"
    assert (await world.client.get(booking, headers=outsider)).status_code == 404
    ended = await world.client.post(f"{booking}/end", headers=outsider, json={"ended_on": a.demo.month + "-28",
                                                                          "reason": "client_changed_provider"})
    assert ended.status_code in (403, 404)
