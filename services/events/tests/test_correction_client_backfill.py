"""Migration f6d2a8c4e1b9 fills correction_requests.client_id of the requests already there. A request closed as
'removed' (its event or interruption removed because the voucher ended) has no such row left: its client comes
from the company's client number (client_numbers, else the bookings), so reading it is logged for that client.
On PostgreSQL and on SQLite (the embedded suite)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
from alembic import command
from seteli_common.migrations import alembic_config, upgrade_async
from seteli_events.bootstrap import MIGRATIONS

BEFORE = "e2f7b4c9a1d3"  # the revision before f6d2a8c4e1b9


_BOOKING = ("INSERT INTO bookings (tenant_id, id, voucher_id, voucher_content_id, service_id, content_id, provider_id,"
            " client_id, client_ref, kind) VALUES ")
_REQUEST = ("INSERT INTO correction_requests (tenant_id, id, kind, target_id, provider_id, service_id, content_id,"
            " client_ref, start, \"end\", amount, reason, state, requested_by, created_at, answered_at) VALUES ")
_REMOVED = ("'2016-03-02', '2016-03-05', 360.00, 'sairaalahoito', 'removed', 'u-rv', '2016-04-01 00:00:00+00:00',"
            " '2016-04-01 00:00:00+00:00')")

# RV-1: the company's client number (and booking) of client-rv; another company's RV-1 is someone else.
# RV-2: known from client-b's booking alone. RV-3: two clients' bookings (renumbered): no guess. The requests'
# event and interruption rows are gone.
ROWS = [
    _BOOKING + "('kouvola', 'b-rv', 'v-rv', 'vc-rv', 's-rv', 'c-rv', 'p-rv', 'client-rv', 'RV-1', 'voucher')",
    _BOOKING + "('kouvola', 'b-other', 'v-o', 'vc-o', 's-rv', 'c-rv', 'p-other', 'client-other', 'RV-1', 'voucher')",
    _BOOKING + "('kouvola', 'b-rv2', 'v-rv2', 'vc-rv2', 's-rv', 'c-rv', 'p-rv', 'client-b', 'RV-2', 'voucher')",
    "INSERT INTO client_numbers (tenant_id, provider_id, client_id, client_ref, stated_at)"
    " VALUES ('kouvola', 'p-rv', 'client-rv', 'RV-1', '2016-04-01 00:00:00+00:00')",
    _REQUEST + "('kouvola', 'cr-rv', 'interruption', 'i-gone', 'p-rv', 's-rv', 'c-rv', 'RV-1', " + _REMOVED,
    _REQUEST + "('kouvola', 'cr-rv2', 'event', 'e-gone', 'p-rv', 's-rv', 'c-rv', 'RV-2', " + _REMOVED,
    _BOOKING + "('kouvola', 'b-rv3c', 'v-rv3c', 'vc-rv3c', 's-rv', 'c-rv', 'p-rv', 'client-c', 'RV-3', 'voucher')",
    _BOOKING + "('kouvola', 'b-rv3d', 'v-rv3d', 'vc-rv3d', 's-rv', 'c-rv', 'p-rv', 'client-d', 'RV-3', 'voucher')",
    _REQUEST + "('kouvola', 'cr-rv3', 'event', 'e-gone3', 'p-rv', 's-rv', 'c-rv', 'RV-3', " + _REMOVED,
]
FILLED = [("cr-rv", "client-rv"), ("cr-rv2", "client-b"), ("cr-rv3", None)]
READ = "SELECT id, client_id FROM correction_requests ORDER BY id"


async def test_a_removed_request_gets_its_client_from_the_companys_client_number_on_postgresql(pg_url: str) -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(MIGRATIONS, pg_url), BEFORE)
    dsn = pg_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        for row in ROWS:
            await conn.execute(row)
    finally:
        await conn.close()
    await upgrade_async(MIGRATIONS, pg_url)
    conn = await asyncpg.connect(dsn)
    try:
        assert [tuple(r) for r in await conn.fetch(READ)] == FILLED
    finally:
        await conn.close()


async def test_a_removed_request_gets_its_client_from_the_companys_client_number_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(command.upgrade, alembic_config(MIGRATIONS, url), BEFORE)
    with sqlite3.connect(path) as conn:
        for row in ROWS:
            conn.execute(row)
    await upgrade_async(MIGRATIONS, url)
    with sqlite3.connect(path) as conn:
        assert list(conn.execute(READ)) == FILLED
