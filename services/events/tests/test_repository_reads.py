"""Reads combined into one round trip return what the separate reads return."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from seteli_events import repository as repo
from sqlalchemy import event, text

from .conftest import HOME_CARE, HOUSING_SERVICE, OTHER_PROVIDER, PROVIDER, Harness, T


@pytest.mark.parametrize(("service_id", "provider_id"), [
    (HOUSING_SERVICE, PROVIDER),  # the service and its two price lists (2015, 2016)
    (HOME_CARE, PROVIDER),  # the service and one price list
    (HOUSING_SERVICE, OTHER_PROVIDER),  # the service, no price list of this provider
    ("no-such-service", PROVIDER),  # neither
])
async def test_service_and_price_lists_in_one_read_equal_the_two_reads(
    seeded: Harness, service_id: str, provider_id: str
) -> None:
    async with seeded.runtime.db.transaction(tenant_id=T) as session:
        service, lists = await repo.service_and_price_lists(session, T, service_id, provider_id)
        assert service == await repo.service_row(session, T, service_id)
        separate = await repo.service_price_lists(session, T, service_id, provider_id)
    assert sorted(lists, key=lambda r: r["id"]) == sorted(separate, key=lambda r: r["id"])
    assert (service is None) == (service_id == "no-such-service")
    assert bool(lists) == (provider_id == PROVIDER and service_id != "no-such-service")


async def test_valuation_reads_in_one_read_equal_the_separate_reads(seeded: Harness) -> None:
    h = seeded

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await h.client.post(f"/v1/tenants/{T}/{path}", json=body, headers=h.provider())
        assert response.status_code == 201, response.text
        return dict(response.json())

    first = await post("events", {"booking_id": "b-housing", "start": "2015-07-01", "end": "2015-07-01"})
    await post("interruptions", {"booking_id": "b-housing", "start": "2015-07-02", "end": "2015-07-17",
                                 "reason": "hospital"})  # finalised: days and segments (JSON), amounts
    await post("events", {"booking_id": "b-housing", "start": "2015-07-17", "end": "2015-07-31"})
    await post("events", {"booking_id": "b-housing", "start": "2015-08-03", "end": "2015-08-04", "status": "draft"})
    deleted = await post("events", {"booking_id": "b-housing", "start": "2015-08-10", "end": "2015-08-10"})
    response = await h.client.delete(f"/v1/tenants/{T}/events/{deleted['id']}", headers=h.provider())
    assert response.status_code == 204, response.text
    await post("interruptions", {"booking_id": "b-housing", "start": "2015-09-01", "reason": "other"})  # open
    async with h.runtime.db.transaction(tenant_id=T) as session:
        booking = await repo.booking_context(session, T, "b-housing")
        assert booking is not None
        content = booking["voucher_content_id"]

        async def separate(exclude: str, provider_id: str) -> tuple[Any, ...]:
            service, lists = await repo.service_and_price_lists(session, T, booking["service_id"], provider_id)
            return (await repo.content_events(session, T, content, exclude=exclude),
                    await repo.content_interruptions(session, T, content), service, lists)

        for exclude, provider_id in ((first["id"], PROVIDER), ("no-such-event", OTHER_PROVIDER)):
            combined = await repo.valuation_reads(session, T, {**booking, "provider_id": provider_id}, exclude,
                                                  with_interruptions=True)
            expected = await separate(exclude, provider_id)
            assert combined[:3] == expected[:3] and combined[4:] == ([], [])  # the client has no other voucher
            assert sorted(combined[3], key=lambda r: r["id"]) == sorted(expected[3], key=lambda r: r["id"])
        events, interruptions, service, lists, _, _ = await repo.valuation_reads(session, T, booking, first["id"],
                                                                               with_interruptions=True)
        assert len(events) == 2 and len(interruptions) == 2  # the deleted event is not there, the first left out
        assert sorted(e["start"] for e in events) == [date(2015, 7, 17), date(2015, 8, 3)]
        assert {i["end"] for i in interruptions} == {date(2015, 7, 17), None}
        assert all(isinstance(e["amount_tenant"], Decimal) for e in events)
        assert isinstance(interruptions[0]["days"], list)
        assert service is not None and service["id"] == HOUSING_SERVICE and len(lists) == 2
        assert isinstance(service["contents"], list) and isinstance(lists[0]["prices"], dict)
        without = await repo.valuation_reads(session, T, booking, first["id"], with_interruptions=False)
        assert without[1] == [] and without[0] == events and without[2:] == (service, lists, [], [])
        # With a window, only the events with a day in it: the one ending on its first day, the one starting on
        # its last day, not those around it; the interruptions are never windowed.
        for window, starts in (((date(2015, 7, 31), date(2015, 8, 3)), [date(2015, 7, 17), date(2015, 8, 3)]),
                               ((date(2015, 8, 1), date(2015, 8, 2)), []),
                               ((date(2015, 6, 1), date(2015, 7, 16)), [date(2015, 7, 1)])):
            windowed = await repo.valuation_reads(session, T, booking, "x", with_interruptions=True, window=window)
            assert sorted(e["start"] for e in windowed[0]) == starts and windowed[2:] == (service, lists, [], [])
            assert windowed[1] == await repo.content_interruptions(session, T, content)  # never windowed
            assert await repo.content_events(session, T, content, exclude="x", window=window) == windowed[0]
        nothing = {**booking, "voucher_content_id": "no-such-content", "service_id": "no-such-service"}
        assert await repo.valuation_reads(session, T, nothing, "x",
                                          with_interruptions=True) == ([], [], None, [], [], [])


async def test_recording_an_event_takes_five_round_trips_and_stores_what_it_answers(
        seeded: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """POST /events on PostgreSQL: BEGIN with the tenant in one round trip (seteli_common.db), then the booking with
    its content locked, the content's events and interruptions with the service and its price lists, the event
    with its segments and the outbox row that publishes it; then COMMIT. Counted where asyncpg sends them: its
    simple queries (its query logger) and its prepared statements' runs (SQLAlchemy's and
    seteli_common.sql.DriverStatement's alike), a warm-up POST first (a connection prepares a statement once)."""
    h = seeded
    # The relay the lifespan started would wake on the commit and could send the row before it is read here
    # (sent_at set: a chance failure under load); `h.published` below sends it.
    await h.runtime.relay.stop()
    warm = await h.post_event({"booking_id": "b-housing", "start": "2015-12-01", "end": "2015-12-01"})
    assert warm.status_code == 201, warm.text
    async with h.runtime.db.system_transaction() as session:
        await session.execute(text("DELETE FROM outbox"))
    statements: list[str] = []

    def sent_by_asyncpg(query: Any) -> None:
        statements.append(" ".join(query.query.split()[:3]))

    def checked_out(connection: Any, *_args: Any) -> None:
        connection.driver_connection.add_query_logger(sent_by_asyncpg)
        drivers.append(connection.driver_connection)

    prepared_run = asyncpg.prepared_stmt.PreparedStatement.fetch

    async def counted(statement: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(" ".join(statement.get_query().split()[:3]))
        return await prepared_run(statement, *args, **kwargs)

    drivers: list[Any] = []
    monkeypatch.setattr(asyncpg.prepared_stmt.PreparedStatement, "fetch", counted)
    event.listen(h.runtime.db.sync_engine.pool, "checkout", checked_out)
    try:
        response = await h.post_event({"booking_id": "b-housing", "start": "2015-12-30", "end": "2016-01-02"})
        await asyncio.sleep(0)  # asyncpg tells its query loggers in the loop's next round
    finally:
        event.remove(h.runtime.db.sync_engine.pool, "checkout", checked_out)
        for driver in drivers:
            driver.remove_query_logger(sent_by_asyncpg)
    assert response.status_code == 201, response.text
    # (in the order asyncpg told them: its query logger hears of a simple query a loop round late)
    assert sorted(statements) == sorted([
        "BEGIN; SELECT set_config('seteli.tenant_id',", "SELECT bookings.tenant_id, bookings.id,",
        "SELECT 'e' AS", "WITH new_event AS", "COMMIT;"]), statements  # the event, its segments, its outbox row
    body = response.json()
    async with h.runtime.db.system_transaction() as session:
        [outbox] = [dict(r) for r in (await session.execute(text("SELECT * FROM outbox"))).mappings()]
    assert (outbox["type"], outbox["version"], outbox["tenant_id"], outbox["sent_at"]) == (
        "events.event.recorded", 1, T, None)
    assert outbox["payload"]["event_id"] == body["id"] and outbox["payload"]["revision"] == 1
    [published] = await h.published("events.event.recorded")
    assert published == outbox["payload"]
    assert (published["amount_tenant"], [s["unit_price"] for s in published["segments"]]) == (
        "560.00", ["150.00", "155.00"])
    async with h.runtime.db.transaction(tenant_id=T) as session:
        stored = await repo.get_event(session, T, body["id"])
        segments = (await repo.segments_of(session, T, [body["id"]]))[body["id"]]
    assert stored is not None
    assert (stored["amount_tenant"], stored["amount_co_payment"]) == (Decimal("560.00"), Decimal("50.00"))
    assert [(s["seq"], s["start"], s["end"], s["unit_price"], s["amount_tenant"]) for s in segments] == [
        (0, date(2015, 12, 30), date(2015, 12, 31), Decimal("150.0000"), Decimal("280.00")),
        (1, date(2016, 1, 1), date(2016, 1, 2), Decimal("155.0000"), Decimal("280.00")),
    ]
    assert [str(s["amount_co_payment"]) for s in segments] == [s["amount_co_payment"] for s in body["segments"]]
