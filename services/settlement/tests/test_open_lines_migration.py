"""Upgrading a database settled with the old `ledger.settled` flag: its open lines move to open_lines,
and the next run pays exactly those, never a line paid before the upgrade."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from seteli_common.clock import Month
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.migrations import upgrade
from seteli_settlement.bootstrap import MIGRATIONS, build_runtime
from seteli_settlement.service.runs import start_run
from seteli_settlement.worker import SettlementWorker

from .conftest import settings_for

BEFORE = "c2e452650b6c"  # the initial schema, with ledger.settled
T = "kouvola"


# A ledger line as the initial schema stored it: $1 source, $2 amount, $3 status, $4 settled, $5 month.
OLD_LINE = (
    "INSERT INTO ledger (tenant_id, kind, source_id, revision, segment_no, entry, event_id, service_id, provider_id, "
    'client_ref, content_id, unit, start, "end", units, unit_price, tenant_share_per_unit, co_payment_per_unit, '
    "percentage, amount, co_payment, month, status, settled, created_at) VALUES ('kouvola', 'event', $1, 1, 0, "
    "'line', $1, 's-1', 'p-1', 'A-1', 'care', 'day', $5, $5, 1, $2, $2, 0, 100, $2, 0, $5, $3, $4, now()) RETURNING id"
)
MARCH, FEBRUARY = date(2016, 3, 1), date(2016, 2, 1)


async def test_upgrade_moves_open_lines_and_the_next_run_pays_only_them(
    pg_database_factory: Callable[..., Awaitable[str]], tmp_path: Path
) -> None:
    url = await pg_database_factory(migrated=False)
    await asyncio.to_thread(upgrade, MIGRATIONS, url, BEFORE)
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(
            "INSERT INTO providers (id, business_id, name, language, email, billing) VALUES ('p-1', '1234567-1', "
            "'Hoiva Oy', 'fi', 'hoiva@example.fi', '{\"iban\": \"FI2112345600000785\", \"pdf_by_email\": false}')"
        )
        open_march = await conn.fetchval(OLD_LINE, "e-open", Decimal("140.00"), "payable", False, MARCH)
        open_february = await conn.fetchval(OLD_LINE, "e-late", Decimal("32.55"), "payable", False, FEBRUARY)
        paid = await conn.fetchval(OLD_LINE, "e-paid", Decimal("155.00"), "payable", True, MARCH)
        await conn.execute(
            "INSERT INTO paid_lines (tenant_id, line_id, run_id, payment_id) VALUES ('kouvola', $1, 'r-old', 1)", paid
        )
        await conn.fetchval(OLD_LINE, "e-waiting", Decimal("10.00"), "awaiting_approval", False, MARCH)
        await conn.fetchval(OLD_LINE, "e-old", Decimal("99.00"), "superseded", False, MARCH)

        await asyncio.to_thread(upgrade, MIGRATIONS, url)

        rows = await conn.fetch("SELECT line_id, provider_id, month, amount, kind, source_id FROM open_lines")
        assert sorted((r["line_id"], r["source_id"], str(r["amount"]), str(r["month"])) for r in rows) == [
            (open_march, "e-open", "140.00", "2016-03-01"),
            (open_february, "e-late", "32.55", "2016-02-01"),
        ]
        columns = {
            r["column_name"]
            for r in await conn.fetch("SELECT column_name FROM information_schema.columns WHERE table_name = 'ledger'")
        }
        assert "settled" not in columns
    finally:
        await conn.close()

    runtime = build_runtime(settings_for(url, tmp_path), broker=InMemoryBroker())
    try:
        deps: Any = runtime.extras["deps"]
        async with deps.unit_of_work(T) as ctx:  # the boundary owns the unit of work
            run_id = await start_run(ctx, T, Month.parse("2016-03"))
        assert await SettlementWorker(deps).run_until_idle() == 1
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            run = await conn.fetchrow("SELECT state, total FROM runs WHERE id = $1", run_id)
            assert (run["state"], str(run["total"])) == ("completed", "172.55")  # 140.00 + 32.55, not the 155.00
            assert await conn.fetchval("SELECT count(*) FROM open_lines") == 0
        finally:
            await conn.close()
    finally:
        await runtime.db.dispose()
