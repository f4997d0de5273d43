"""Two tenants with real data in the six services, on PostgreSQL, every service acting as its
row-level-security application role (`<service>_app`): the ground for the tenant-isolation sweep.

Each tenant gets the walking skeleton (registry → applications → vouchers → events → settlement →
notifications), so every service holds rows of both. Tokens are minted by the suite's own registry
issuer for each role (the same keys the services verify), so the sweep needs no password flows."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from seteli_common import testing
from seteli_common.auth import Principal, Role, TokenIssuer
from seteli_common.clock import Month, SystemClock, today_in_helsinki

from seteli.demo import DemoResult, walking_skeleton
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, Suite, build_suite
from seteli.services import SERVICES

TENANT_A, TENANT_B = "iso-a", "iso-b"


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@dataclass
class TenantData:
    tenant_id: str
    demo: DemoResult
    provider_id: str = ""
    provider_user_id: str = ""
    tenant_admin_id: str = ""
    client_id: str = ""
    ids: dict[str, str] = field(default_factory=dict)  # path parameter name → one of this tenant's ids


@dataclass
class TwoTenants:
    suite: Suite
    client: httpx.AsyncClient
    databases: dict[str, str]  # service → SQLAlchemy URL (superuser)
    a: TenantData
    b: TenantData
    issuer: TokenIssuer

    def token(self, role: Role, who: TenantData) -> dict[str, str]:
        if role in (Role.TENANT_ADMIN, Role.TENANT_OFFICER):
            principal = Principal(subject=who.tenant_admin_id, role=role, tenant_id=who.tenant_id,
                                  teams=frozenset({f"{who.tenant_id}:{who.ids.get('service_id', '')}"}))
        elif role in (Role.PROVIDER_ADMIN, Role.PROVIDER_USER):
            principal = Principal(subject=who.provider_user_id, role=role, provider_id=who.provider_id)
        elif role == Role.CLIENT:
            principal = Principal(subject=who.client_id, role=role, tenant_id=who.tenant_id, client_id=who.client_id)
        else:
            principal = Principal(subject="platform-admin", role=role)
        return {"authorization": f"Bearer {self.issuer.issue(principal)}"}


async def table_digests(databases: dict[str, str]) -> dict[str, str]:
    """`service.table` → md5 of all its rows (as superuser, so row-level security hides nothing)."""
    digests: dict[str, str] = {}
    for service, url in databases.items():
        conn = await asyncpg.connect(dsn(url))
        try:
            tables = [r[0] for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
            for table in tables:
                rows = await conn.fetchval(
                    f'SELECT md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) FROM "{table}" t')  # noqa: S608 (names from pg_tables)
                digests[f"{service}.{table}"] = str(rows)
        finally:
            await conn.close()
    return digests


async def quiet(databases: dict[str, str], timeout: float = 60.0) -> None:
    """Wait until every outbox is sent, no specification waits to be rendered and no email waits to be
    sent: nothing moves in the background."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        busy = 0
        for service, url in databases.items():
            conn = await asyncpg.connect(dsn(url))
            try:
                busy += await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
                if service == "notifications":
                    busy += await conn.fetchval("SELECT count(*) FROM messages WHERE state = 'queued'")
                if service == "settlement":  # rendered by the settlement worker's background loop
                    busy += await conn.fetchval("SELECT count(*) FROM payments WHERE spec_state = 'pending'")
            finally:
                await conn.close()
        if not busy:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{busy} rows still moving after {timeout}s")
        await asyncio.sleep(0.3)


def digest_of(value: Any) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:12]


async def _collect(client: httpx.AsyncClient, suite: Suite, databases: dict[str, str], who: TenantData,
                   token: Callable[[Role], dict[str, str]]) -> None:
    """The tenant's object ids, read from its own list and detail endpoints (as its own staff)."""
    t, admin = who.tenant_id, token(Role.TENANT_ADMIN)
    provider = token(Role.PROVIDER_ADMIN)

    async def get(url: str, headers: dict[str, str]) -> Any:
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:300]}"
        return response.json()

    def items(body: Any) -> list[dict[str, Any]]:
        return list(body["items"] if isinstance(body, dict) else body)

    ids = who.ids
    ids["tenant_id"] = t
    requests = items(await get(f"/registry/v1/tenants/{t}/registration-requests", admin))
    ids["request_id"] = requests[0]["id"]
    ids["provider_id"] = who.provider_id
    ids["business_id"] = (await get(f"/registry/v1/providers/{who.provider_id}", provider))["business_id"]
    ids["user_id"] = items(await get(f"/registry/v1/tenants/{t}/users", admin))[0]["id"]
    service = items(await get(f"/applications/v1/tenants/{t}/services", admin))[0]
    ids["service_id"], ids["content_id"] = service["id"], service["contents"][0]["id"]
    # A change of the service scheduled for a later day (the tenant admin may cancel it; no other tenant may)
    later = str(today_in_helsinki(SystemClock()) + timedelta(days=60))
    scheduled = await client.patch(f"/applications/v1/tenants/{t}/services/{service['id']}", headers=admin,
                                   json={"name_fi": f"{service['name_fi']} (uusi nimi)", "effective_from": later})
    assert scheduled.status_code == 200, scheduled.text
    ids["change_id"] = scheduled.json()["scheduled_changes"][0]["id"]
    ids["application_id"] = items(await get(f"/applications/v1/tenants/{t}/applications", admin))[0]["id"]
    ids["price_list_id"] = items(await get(f"/applications/v1/tenants/{t}/price-lists", admin))[0]["id"]
    ids["step"] = "company"  # an application step that exists: the guard answers, not the path's check
    ids["identity_code"] = who.demo.client_identity_code  # the provider's client search by code
    ids["month"] = who.demo.month  # the month of care the walking skeleton recorded and settled
    ids["client_id"] = who.client_id
    await get(f"/vouchers/v1/tenants/{t}/clients/{who.client_id}", admin)
    voucher = items(await get(f"/vouchers/v1/tenants/{t}/clients/{who.client_id}/vouchers", admin))[0]
    ids["voucher_id"], ids["number"] = voucher["id"], voucher["number"]
    ids["booking_id"] = items(await get(f"/vouchers/v1/tenants/{t}/bookings", admin))[0]["id"]
    ids["event_id"] = items(await get(f"/events/v1/tenants/{t}/events", admin))[0]["id"]
    run = items(await get(f"/settlement/v1/tenants/{t}/runs", admin))[0]
    ids["run_id"] = run["id"]
    run_view = await get(f"/settlement/v1/tenants/{t}/runs/{run['id']}", admin)
    ids["payment_id"] = str(run_view["payments"][0]["payment_id"])
    ids["message_pk"] = str(items(await get(f"/notifications/v1/tenants/{t}/messages", admin))[0]["id"])
    ids["year"] = str(today_in_helsinki(SystemClock()).year)
    # Rows the walking skeleton makes no endpoint list for: their ids straight from the tables.
    registry = await asyncpg.connect(dsn(databases["registry"]))
    try:
        for name, table in (("site_id", "sites"), ("attachment_id", "attachments"), ("course_id", "courses")):
            query = f"SELECT id FROM {table} WHERE provider_id = $1 LIMIT 1"  # noqa: S608 (fixed names)
            row = await registry.fetchval(query, who.provider_id)
            ids[name] = str(row) if row else str(uuid.uuid4())  # none made: any id is not A's
    finally:
        await registry.close()
    for param in ("interruption_id", "feedback_id"):
        ids.setdefault(param, str(uuid.uuid4()))


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _provider_records(client: httpx.AsyncClient, who: TenantData,
                            token: Callable[[Role], dict[str, str]]) -> None:
    """What the walking skeleton leaves out and the registry guards: the provider's employee,
    subcontractor, attachment, liability check and a course for its tenant, so that a route that showed
    another tenant's provider data would show something (and the sweep would see B's ids in it)."""
    t, provider, admin = who.tenant_id, token(Role.PROVIDER_ADMIN), token(Role.TENANT_ADMIN)
    base = f"/registry/v1/providers/{who.provider_id}"

    async def made(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), f"{response.request.url}: {response.status_code} {response.text}"
        return response.json()  # type: ignore[no-any-return]

    name = f"Eeva Tyontekija {t}"
    employee = await made(await client.post(f"{base}/employees", headers=provider, json={"name": name}))
    subcontractor = await made(await client.post(f"{base}/subcontractors", headers=provider, json={
        "business_id": "2077474-0", "name": f"Alihankinta {t} Oy"}))
    await made(await client.post(f"{base}/attachments", headers=provider, data={"type": "tyel_certificate"},
                                 files={"file": ("todistus.pdf", PDF, "application/pdf")}))
    check = await made(await client.post(f"{base}/liability-checks", headers=provider, json={}))
    today, year = today_in_helsinki(SystemClock()), today_in_helsinki(SystemClock()).year + 1
    await made(await client.put(f"/registry/v1/tenants/{t}/course-windows/{year}", headers=admin, json={
        "opens_on": str(today - timedelta(days=1)), "closes_on": str(today + timedelta(days=1))}))
    await made(await client.post(f"{base}/courses", headers=provider, json={
        "tenant_id": t, "year": year, "name": f"Kurssi {t}", "start_date": f"{year}-05-02",
        "end_date": f"{year}-05-06", "contact_persons": [{"name": "Kalle Kurssi", "phone": "0401234567"}]}))
    association = await made(await client.post(f"/registry/v1/tenants/{t}/association-invitations", headers=admin,
                                               json={"email": f"hallitus-{t}@yhdistys.example", "language": "fi"}))
    who.ids.update(employee_id=str(employee["id"]), employee_name=name, subcontractor_id=str(subcontractor["id"]),
                   liability_check_id=str(check["id"]), association_id=str(association["id"]))


async def _registry_ids(databases: dict[str, str], who: TenantData) -> None:
    conn = await asyncpg.connect(dsn(databases["registry"]))
    try:
        who.tenant_admin_id = str(await conn.fetchval(
            "SELECT id FROM users WHERE email = $1", who.demo.tenant_admin_email))
        row = await conn.fetchrow("SELECT id, provider_id FROM users WHERE email = $1", who.demo.provider_user_email)
        who.provider_user_id, who.provider_id = str(row["id"]), str(row["provider_id"])
    finally:
        await conn.close()
    conn = await asyncpg.connect(dsn(databases["vouchers"]))
    try:
        who.client_id = str(await conn.fetchval("SELECT id FROM clients WHERE tenant_id = $1", who.tenant_id))
    finally:
        await conn.close()


class _SignedByTest:
    """Stands in for the strong identification (Suomi.fi) an application is signed with: the sweep is
    about tenants, not signatures (tests of the signing live in services/applications and registry)."""

    async def sign(self, session: Any, *, tenant_id: str, application_id: str, user: str, provider_id: str,
                   digest: str, evidence: str | None, now: datetime) -> Any:
        from seteli_applications.signing import SignatureResult

        return SignatureResult("test", "Maija Meikäläinen", "test-person", ["ceo"], "high", now, digest,
                               str(uuid.uuid4()))


@asynccontextmanager
async def two_tenants(make_database: Callable[[], Awaitable[str]], data_dir: Path) -> AsyncIterator[TwoTenants]:
    databases = {name: await make_database() for name in SERVICES}
    suite = build_suite(data_dir, with_portal=False, service_settings={
        name: {"database_url": url, "database_role": f"{name}_app"} for name, url in databases.items()})
    suite.runtimes["applications"].extras["signer"] = _SignedByTest()
    month = Month.of(today_in_helsinki(SystemClock())).prev()
    async with suite.app.router.lifespan_context(suite.app):
        transport = httpx.ASGITransport(app=suite.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=60) as client:
            base = {name: f"http://suite/{name}" for name in SERVICES}
            made = []
            for tenant, seed in ((TENANT_A, 101), (TENANT_B, 202)):
                demo = await walking_skeleton(client, base, admin_email=DEMO_ADMIN_EMAIL,
                                              admin_password=DEMO_ADMIN_PASSWORD, tenant_id=tenant,
                                              month=month, seed=seed)
                made.append(TenantData(tenant, demo))
            issuer = suite.runtimes["registry"].extras["issuer"]
            world = TwoTenants(suite, client, databases, made[0], made[1], issuer)
            for who in made:
                await _registry_ids(databases, who)
                await _provider_records(client, who, lambda role, w=who: world.token(role, w))
                await _collect(client, suite, databases, who, lambda role, w=who: world.token(role, w))
            await quiet(databases)
            yield world


@asynccontextmanager
async def two_tenants_on(pg_admin_url: str, data_dir: Path) -> AsyncIterator[TwoTenants]:
    """`two_tenants` on databases of its own on the server of `pg_admin_url`, dropped afterwards."""
    made: list[str] = []

    async def make_database() -> str:
        made.append(await testing.create_database(pg_admin_url))
        return made[-1]

    try:
        async with two_tenants(make_database, data_dir) as running:
            yield running
    finally:
        for url in made:
            await testing.drop_database(pg_admin_url, url)
