"""The kernel's test databases (seteli_common.testing), with settlement's schema: a service's test database
starts at its schema's head, copied from a template migrated once per run; each copy is a database of its own."""

from __future__ import annotations

import asyncpg
from seteli_common import testing
from seteli_settlement.bootstrap import MIGRATIONS


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return list(await conn.fetch(query))
    finally:
        await conn.close()


async def test_migrated_databases_start_at_head_and_are_copies_of_their_own(pg_admin_url: str) -> None:
    first = await testing.create_database(pg_admin_url, migrations=MIGRATIONS)
    second = await testing.create_database(pg_admin_url, migrations=MIGRATIONS)
    empty = await testing.create_database(pg_admin_url)
    try:
        head = await _fetch(first, "SELECT version_num FROM alembic_version")
        assert head and head == await _fetch(second, "SELECT version_num FROM alembic_version")
        await _fetch(first, "INSERT INTO tenants VALUES ('kouvola', 'Kouvola', 'Kouvola', '0116297-6', "
                            "'[\"fi\"]', 'FI4950009420028730', 'OKOYFIHH')")
        assert [r["id"] for r in await _fetch(first, "SELECT id FROM tenants")] == ["kouvola"]
        assert await _fetch(second, "SELECT id FROM tenants") == []  # a copy, not a shared schema
        tables = await _fetch(empty, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert tables == []  # without migrations: empty, as before
    finally:
        for url in (first, second, empty):
            await testing.drop_database(pg_admin_url, url)
    template = testing._templates[(pg_admin_url, str(MIGRATIONS))]
    await testing.drop_templates(pg_admin_url)
    names = {r["datname"] for r in await _fetch(testing.database_url(pg_admin_url, "postgres"),
                                                "SELECT datname FROM pg_database")}
    assert template not in names and first.rsplit("/", 1)[1] not in names
