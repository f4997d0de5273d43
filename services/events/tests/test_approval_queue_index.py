"""The approval queue reads from an index, not from every event of the tenant (issue 21: PostgreSQL's CPU).

A municipality records a year of events; officers open the approval queue (what waits for them) many times a
minute. It reads its page and the number of all waiting events: without an index of its own both scanned every
live event of the tenant (at 30,000 events about 65 ms of PostgreSQL's time a request)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text

from .conftest import Harness, T


async def _plans(h: Harness, path: str) -> list[str]:
    """EXPLAIN of each statement on `events` the GET runs, the planner told to avoid a sequential scan (the test
    database is small: a scan would be cheapest there, whatever the indexes)."""
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM events" in statement:
            statements.append((statement, parameters))

    event.listen(h.runtime.db.sync_engine, "before_cursor_execute", seen)
    try:
        response = await h.client.get(f"/v1/tenants/{T}{path}", headers=h.officer())
    finally:
        event.remove(h.runtime.db.sync_engine, "before_cursor_execute", seen)
    assert response.status_code == 200, response.text
    assert statements
    plans = []
    async with h.runtime.db.transaction(tenant_id=T) as session:
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        raw = await session.connection()
        driver = (await raw.get_raw_connection()).driver_connection
        for statement, parameters in statements:
            # the driver's own statement ($1 ...) and values, as the service sent them
            rows = await driver.fetch(f"EXPLAIN {statement}", *parameters)  # type: ignore[union-attr]
            plans.append("\n".join(r[0] for r in rows))
    return plans


async def test_the_approval_queue_and_its_number_come_from_the_index_of_waiting_events(seeded: Harness) -> None:
    plans = await _plans(seeded, "/approvals")
    assert len(plans) == 2  # the number and the page
    assert all("ix_events_awaiting_approval" in p and "Sort" not in p for p in plans), plans

