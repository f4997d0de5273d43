"""Issue 10, item 10: tenant A reaches nothing of tenant B, through any route (the sweep) or in the
database itself (PostgreSQL row-level security, which the application role cannot switch off).

Both run on one suite (`rel_tenants.two_tenants`): the six services on PostgreSQL, each acting as its
row-level-security role `<service>_app`, with the walking skeleton's data for tenants A and B.

**The sweep.** Every route of every service's OpenAPI with a path parameter (so a new route is swept
without touching this file) is called for each role holding a token of tenant A (tenant admin, tenant
officer, provider admin, provider user, client of A): with B in the path, and with A in the path but
B's ids. The platform admin is cross-tenant by design (it creates tenants and their first admins) and
is not swept; `rel_sweep.CROSS_TENANT` lists, with reasons, the routes open across tenants on purpose.
Tenant staff with B in the path get 404 and nothing else, whatever the body or the route's roles (the
kernel's `principal_first` answers before anything of the route runs). Otherwise a good answer
(`rel_sweep.verdict`):
- 404: the tenant guard or the repository's tenant filter did not find it (the usual answer);
- 403: this role may not call the route at all, whoever's ids are in the path;
- 200, 204 or 422 whose body names none of B's ids: an empty list of the caller's own relationships, a
  bulk call that found nothing, or a body refused as malformed before anything was read. Bodies are
  generated from the route's schema with B's ids in every id field, so the guard is what answers.
Anything else fails: 201 (made something), 409 and 429 (confirm that B's record exists), 5xx.
"Changes nothing": an md5 of every row of every table of the six databases, before and after.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from rel_sweep import SWEPT_ROLES, sweep, swept_routes
from rel_tenants import TwoTenants, dsn, quiet, table_digests, two_tenants_on
from seteli_common.auth import Role
from seteli_common.tenancy import EXEMPT_TABLES, app_role, system_role
from sqlalchemy import text

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TwoTenants]:
    async with two_tenants_on(pg_admin_url, tmp_path_factory.mktemp("isolation")) as running:
        yield running


async def _fetch(url: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn(url))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def test_tenant_a_reaches_nothing_of_tenant_b_on_any_route(world: TwoTenants) -> None:
    # Control: B's own staff open B's records at the very URLs the sweep aims at, so a 404 below is the
    # guard's answer, not a wrong id.
    b_admin, b = world.token(Role.TENANT_ADMIN, world.b), world.b
    for url in (f"/vouchers/v1/tenants/{b.tenant_id}/clients/{b.ids['client_id']}",
                f"/events/v1/tenants/{b.tenant_id}/events/{b.ids['event_id']}",
                f"/settlement/v1/tenants/{b.tenant_id}/runs/{b.ids['run_id']}",
                f"/applications/v1/tenants/{b.tenant_id}/applications/{b.ids['application_id']}"):
        assert (await world.client.get(url, headers=b_admin)).status_code == 200, url
    for url, marker in ((f"/registry/v1/providers/{b.provider_id}/employees", b.ids["employee_name"]),
                        (f"/registry/v1/providers/{b.provider_id}/liability-checks", b.ids["liability_check_id"]),
                        (f"/registry/v1/providers/{b.provider_id}/courses", "Kurssi")):
        assert marker in (await world.client.get(url, headers=b_admin)).text, url  # B's staff see B's provider
    await quiet(world.databases)
    before = await table_digests(world.databases)
    last_attempt = (await _fetch(world.databases["vouchers"], "SELECT coalesce(max(id), 0) FROM lookup_attempts"))[0][0]

    statuses, failures = await sweep(world, world.token, world.a, world.b)

    await quiet(world.databases)
    after = await table_digests(world.databases)
    counted = {r[0] for r in await _fetch(world.databases["vouchers"],
                                          "SELECT DISTINCT source FROM lookup_attempts WHERE id > $1", last_attempt)}
    # The one write a refused call may make: vouchers counts a provider's unknown voucher numbers against
    # that provider (lookup_attempts), so that numbers cannot be harvested. Only A's provider is counted.
    changed = sorted(t for t in before if before[t] != after.get(t) and t != "vouchers.lookup_attempts")
    print(f"\n[isolation] {sum(statuses.values())} calls over {len(swept_routes(world))} routes x "
          f"{len(SWEPT_ROLES)} roles: {dict(sorted(statuses.items()))}; tables changed: {changed}")
    assert not failures, "tenant A reached tenant B:\n" + "\n".join(failures)
    assert not changed, f"the calls changed {changed}"
    assert counted <= {f"provider:{world.a.provider_id}"}, counted
    assert statuses[404] > 200 and sum(statuses.values()) > 500


# --- PostgreSQL row-level security -----------------------------------------------------------------

async def _tenant_tables(url: str) -> list[tuple[str, bool]]:
    rows = await _fetch(url, "SELECT c.table_name, c.is_nullable = 'YES' FROM information_schema.columns c "
                             "JOIN information_schema.tables t USING (table_schema, table_name) "
                             "WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' "
                             "AND t.table_type = 'BASE TABLE' ORDER BY 1")
    return [(r[0], r[1]) for r in rows if r[0] not in EXEMPT_TABLES]


async def test_every_tenant_table_has_row_level_security_forced(world: TwoTenants) -> None:
    for service, url in world.databases.items():
        tables = await _tenant_tables(url)
        assert len(tables) >= 4, service
        flags = {r[0]: (r[1], r[2]) for r in await _fetch(
            url, "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                 "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'")}
        policies = {(r[0], r[1]) for r in await _fetch(url, "SELECT tablename, policyname FROM pg_policies")}
        for table, _ in tables:
            assert flags[table] == (True, True), f"{service}.{table}: RLS enabled and forced"
            assert {(table, "tenant_isolation"), (table, "system_scope")} <= policies, f"{service}.{table}"
        owners = {r[0] for r in await _fetch(
            url, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")}
        role = (await _fetch(url, "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1",
                             app_role(service)))[0]
        assert (role["rolsuper"], role["rolbypassrls"]) == (False, False), service
        assert app_role(service) not in owners and system_role(service) not in owners, service
        # Not a member, directly or through others, of any role that bypasses RLS or of the system scope.
        bypassing = await _fetch(url, "SELECT rolname FROM pg_roles WHERE pg_has_role($1, oid, 'MEMBER') "
                                      "AND (rolsuper OR rolbypassrls OR rolname = $2)",
                                 app_role(service), system_role(service))
        assert not bypassing, f"{service}: {app_role(service)} can become {[r[0] for r in bypassing]}"


@pytest.fixture(scope="module")
async def app_logins(world: TwoTenants, pg_admin_url: str) -> AsyncIterator[dict[str, str]]:
    """Per service, a login whose only privilege is membership of `<service>_app` (what a deployment
    gives the service, docs/operations.md): service → asyncpg DSN."""
    admin = await asyncpg.connect(dsn(pg_admin_url))
    logins: dict[str, str] = {}
    try:
        for service, url in world.databases.items():
            name = f"rls_probe_{service}_{uuid.uuid4().hex[:8]}"
            await admin.execute(f'CREATE ROLE "{name}" LOGIN IN ROLE "{app_role(service)}"')
            parts = urlsplit(dsn(url))
            logins[name] = urlunsplit(parts._replace(netloc=f"{name}@{parts.hostname}:{parts.port or 5432}"))
        yield {name.split("_")[2]: login for name, login in logins.items()}
    finally:
        for name in logins:
            await admin.execute(f'DROP ROLE IF EXISTS "{name}"')
        await admin.close()


@pytest.mark.parametrize("service", ["registry", "applications", "vouchers", "events", "settlement", "notifications"])
async def test_the_application_role_sees_and_writes_only_its_tenant(
        world: TwoTenants, app_logins: dict[str, str], service: str) -> None:
    a, b = world.a.tenant_id, world.b.tenant_id
    url = world.databases[service]
    counts = {(r[0], r[1]): r[2] for table, _ in await _tenant_tables(url) for r in await _fetch(
        url, f'SELECT $1::text, tenant_id, count(*) FROM "{table}" GROUP BY tenant_id', table)}  # noqa: S608
    both = sorted({t for (t, tenant) in counts if tenant == a} & {t for (t, tenant) in counts if tenant == b})
    assert len(both) >= 3, f"{service}: too few tables with rows of both tenants to prove anything: {both}"
    conn = await asyncpg.connect(app_logins[service])
    try:
        await conn.execute(f'SET ROLE "{app_role(service)}"')
        for table in both:
            quoted = f'"{table}"'
            async with conn.transaction():  # no tenant set: nothing of any tenant
                assert await conn.fetchval(f"SELECT count(*) FROM {quoted} WHERE tenant_id IS NOT NULL") == 0  # noqa: S608
            async with conn.transaction():
                await conn.execute("SELECT set_config('seteli.tenant_id', $1, true)", a)
                seen = {r[0]: r[1] for r in await conn.fetch(
                    f"SELECT tenant_id, count(*) FROM {quoted} WHERE tenant_id IS NOT NULL GROUP BY 1")}  # noqa: S608
                assert seen == {a: counts[(table, a)]}, f"{service}.{table} with tenant A set sees {seen}"
                with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
                    async with conn.transaction():  # a copy of an A row, made B's
                        await conn.execute(
                            f"INSERT INTO {quoted} SELECT (jsonb_populate_record(NULL::{quoted}, "  # noqa: S608
                            f"to_jsonb(x) || jsonb_build_object('tenant_id', $1::text))).* FROM {quoted} x "
                            f"WHERE tenant_id = $2 LIMIT 1", b, a)
                with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
                    async with conn.transaction():  # an A row moved to B
                        await conn.execute(f"UPDATE {quoted} SET tenant_id = $1 WHERE tenant_id = $2", b, a)  # noqa: S608
        table = f'"{both[0]}"'
        for statement in (f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
                          f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
                          f"DROP POLICY tenant_isolation ON {table}",
                          f"CREATE POLICY everything ON {table} USING (true)",
                          f'SET ROLE "{system_role(service)}"', 'SET ROLE "postgres"'):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                async with conn.transaction():
                    await conn.execute(statement)
    finally:
        await conn.close()


async def test_the_boundaries_set_the_scope(world: TwoTenants) -> None:
    """The kernel's units of work: a tenant's transaction sees that tenant only, one without a scope
    sees nothing, and the named system scope (`<service>_system`) sees every tenant."""
    for service, runtime in world.suite.runtimes.items():
        table = {"registry": "registration_requests", "applications": "services", "vouchers": "vouchers",
                 "events": "events", "settlement": "ledger", "notifications": "delivery_log"}[service]
        query = text(f'SELECT DISTINCT tenant_id FROM "{table}" WHERE tenant_id IS NOT NULL')  # noqa: S608
        async with runtime.db.transaction(tenant_id=world.a.tenant_id) as session:
            assert {r[0] for r in await session.execute(query)} == {world.a.tenant_id}, service
        async with runtime.db.transaction() as session:
            assert not (await session.execute(query)).all(), service
        async with runtime.db.system_transaction() as session:
            assert {r[0] for r in await session.execute(query)} >= {world.a.tenant_id, world.b.tenant_id}, service
            assert (await session.execute(text("SELECT current_user"))).scalar() == system_role(service)
        async with runtime.db.transaction() as session:  # SET LOCAL ended with the transaction
            assert (await session.execute(text("SELECT current_user"))).scalar() == app_role(service)


async def test_the_settlement_jobs_reader_counts_every_tenant_and_reads_nothing_else(
        world: TwoTenants, pg_admin_url: str) -> None:
    """KEDA's role (docs/operations.md): counts every tenant's run_jobs, and nothing else."""
    admin = await asyncpg.connect(dsn(pg_admin_url))
    name = f"rls_keda_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE ROLE "{name}" LOGIN IN ROLE settlement_jobs_reader')
    try:
        parts = urlsplit(dsn(world.databases["settlement"]))
        conn = await asyncpg.connect(urlunsplit(parts._replace(netloc=f"{name}@{parts.hostname}:{parts.port or 5432}")))
        try:
            tenants = {r[0] for r in await conn.fetch("SELECT DISTINCT tenant_id FROM run_jobs")}
            assert tenants >= {world.a.tenant_id, world.b.tenant_id}
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.fetch("SELECT count(*) FROM ledger")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("UPDATE run_jobs SET state = 'done'")
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP ROLE IF EXISTS "{name}"')
        await admin.close()
