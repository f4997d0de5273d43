"""Two facts about one new part handled side by side (a site added and changed a moment later, consumed by two
deliveries at once): both apply, neither is refused as a duplicate and dead-lettered (a fact parked is a site the
provider cannot record care at until someone replays it)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from seteli_events.repository import producer_parts

from .conftest import PROVIDER, Harness


async def test_two_facts_about_a_new_part_handled_at_once_both_apply(h: Harness) -> None:
    db = h.runtime.db
    at = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    both_read = asyncio.Barrier(2)

    async def tell(part: str, stated: datetime) -> None:
        async with db.system_transaction() as session:
            # both have looked for the row (there is none yet, so nothing is locked) before either writes
            await producer_parts._newer_kept(session, PROVIDER, part, stated)
            await both_read.wait()
            await producer_parts.save_part(session, PROVIDER, part, True, stated)

    await asyncio.gather(tell("site:new", at), tell("site:new", at + timedelta(seconds=1)))
    async with db.system_transaction() as session:
        assert await producer_parts.part_listed(session, PROVIDER, "site:new")
