"""An event's segments without a foreign key to their event (migration e2f7b4c9a1d3): the events service is
their only writer, writes them with their event (`repository.replace_segments`, the auto-recording's drafts) and
never removes an event's row (deleting an event marks it deleted), so no segment is ever left without its
event; the constraint's ON DELETE CASCADE never fired."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic import command
from seteli_common.migrations import alembic_config, upgrade_async
from seteli_events.bootstrap import MIGRATIONS

from .conftest import Harness, T

_ORPHANS = ("SELECT count(*) FROM event_segments s WHERE NOT EXISTS "
            "(SELECT 1 FROM events e WHERE e.tenant_id = s.tenant_id AND e.id = s.event_id)")
_FK = ("SELECT count(*) FROM pg_constraint WHERE conrelid = 'event_segments'::regclass AND contype = 'f'")


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def test_deleting_an_event_leaves_no_segment_without_its_event(seeded: Harness, pg_url: str) -> None:
    h = seeded
    recorded = (await h.post_event({"booking_id": "b-housing", "start": "2016-02-27", "end": "2016-03-02"})).json()
    edited = (await h.post_event({"booking_id": "b-housing", "start": "2016-03-05", "end": "2016-03-06"})).json()
    patch = await h.client.patch(f"/v1/tenants/{T}/events/{edited['id']}", json={"end": "2016-03-08"},
                                 headers=h.provider())
    assert patch.status_code == 200, patch.text
    for event in (recorded, edited):
        assert (await h.client.delete(f"/v1/tenants/{T}/events/{event['id']}", headers=h.provider())).status_code == 204
    conn = await asyncpg.connect(_dsn(pg_url))
    try:
        assert await conn.fetchval(_ORPHANS) == 0
        # the deleted events keep their row and their segments (the event's history), as before
        rows = await conn.fetch("SELECT e.status, count(s.seq) AS segments FROM events e "
                                "JOIN event_segments s ON s.tenant_id = e.tenant_id AND s.event_id = e.id "
                                "GROUP BY e.id, e.status ORDER BY count(s.seq)")
        assert [(r["status"], r["segments"]) for r in rows] == [("deleted", 1), ("deleted", 2)]
    finally:
        await conn.close()


async def test_event_segments_have_no_foreign_key_and_the_downgrade_restores_it(pg_url: str) -> None:
    conn = await asyncpg.connect(_dsn(pg_url))
    try:
        assert await conn.fetchval(_FK) == 0
        # to just before the migration that dropped the key (later migrations come off with it)
        await asyncio.to_thread(command.downgrade, alembic_config(MIGRATIONS, pg_url), "d9a3f6c1e8b2")
        assert await conn.fetchval(_FK) == 1
        await upgrade_async(MIGRATIONS, pg_url)
        assert await conn.fetchval(_FK) == 0
    finally:
        await conn.close()
