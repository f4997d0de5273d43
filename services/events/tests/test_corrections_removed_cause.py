"""A provider's correction request of paid care removed because its care lay beyond the last valid day keeps which
end cut it (`removed_cause`), so the provider is told the cause: the voucher ended ("voucher": closed by the officer,
used up or expired), the client died ("death": the voucher ends the day after), the booking ended ("booking") or the
tenant ended the booked content of the service ("service"). Housing 155.00 €/day, voucher value 140.00 €/day; the
clock is 2016-03-15 (Helsinki)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from seteli_common.migrations import alembic_config, upgrade_async
from seteli_events.bootstrap import MIGRATIONS
from seteli_events.domain.event_days import ended_by

from .conftest import PROVIDER, Harness, T
from .test_content_end import HOUSING, MEALS, _service
from .test_corrections_validity_end import _ask
from .test_money_one_step_more import _away, _close, _event
from .test_money_paths import _settle

D = date(2016, 2, 15)


async def _paid_and_asked(h: Harness) -> dict[str, Any]:
    paid = await _event(h, "2016-02-20", "2016-02-29")
    await _settle(h, "2016-02", [paid["id"]])
    return await _ask(h, "event", paid["id"])


async def _end_booking(h: Harness, ended_on: str, reason: str, voucher_closed: bool | None = None) -> None:
    """`voucher_closed` None: a message from before vouchers told whether its voucher's close made the end."""
    told = {} if voucher_closed is None else {"voucher_closed": voucher_closed}
    await h.feed("vouchers.booking.ended", {"booking_id": "b-housing", "voucher_id": "v-1", "provider_id": PROVIDER,
                                            "ended_on": ended_on, "reason": reason, **told})


async def _request(h: Harness) -> tuple[str, str, str | None, str | None]:
    [request] = (await h.client.get(f"/v1/tenants/{T}/corrections", headers=h.provider())).json()["items"]
    return request["id"], request["state"], request["valid_until"], request["removed_cause"]


@pytest.mark.parametrize(("close_reason", "cause"), [("officer", "voucher"), ("used_up", "voucher"),
                                                      ("expired", "voucher"), ("death", "death")])
async def test_a_request_removed_when_the_voucher_closed_names_the_voucher_or_the_death(
        seeded: Harness, close_reason: str, cause: str) -> None:
    h = seeded
    asked = await _paid_and_asked(h)
    await _close(h, "2016-02-15", close_reason)
    assert await _request(h) == (asked["id"], "removed", "2016-02-15", cause)


async def test_a_request_removed_when_the_provider_ended_the_booking_names_the_booking(seeded: Harness) -> None:
    h = seeded
    asked = await _paid_and_asked(h)
    await _end_booking(h, "2016-02-15", "client_changed_provider")
    assert await _request(h) == (asked["id"], "removed", "2016-02-15", "booking")


@pytest.mark.parametrize("typed", ["death", "officer", "used_up", "expired"])
async def test_a_providers_own_end_typed_as_a_close_reason_still_names_the_booking(seeded: Harness, typed: str) -> None:
    """The provider's reason is free text: "death" typed there is not the client's death, nor "officer" the
    voucher's close. Only an end its voucher's close made (`voucher_closed`) carries the close's reason."""
    h = seeded
    asked = await _paid_and_asked(h)
    await _end_booking(h, "2016-02-15", typed, voucher_closed=False)
    assert await _request(h) == (asked["id"], "removed", "2016-02-15", "booking")


async def test_a_voucher_used_up_and_open_again_then_the_providers_own_end_names_the_booking(
        seeded: Harness) -> None:
    """Used up, the voucher closes on its own last day and ends its booking there (a close's end); open again in
    vouchers (events is told nothing: the day was the voucher's own end anyway). The provider then ends the booking
    earlier typing "death": the removed request names the booking, not the death nor the voucher's earlier close."""
    h = seeded
    asked = await _paid_and_asked(h)
    await _end_booking(h, "2016-12-31", "used_up", voucher_closed=True)
    await _close(h, "2016-12-31", "used_up")
    assert await _request(h) == (asked["id"], "open", None, None)
    await _end_booking(h, "2016-02-15", "death", voucher_closed=False)
    assert await _request(h) == (asked["id"], "removed", "2016-02-15", "booking")


async def test_a_content_ended_and_opened_again_then_the_providers_own_end_names_the_booking(
        seeded: Harness) -> None:
    """The tenant ends the booked content from 26 February (the request asks about what stays paid, to the 25th) and
    opens it again; the provider's own end on the 15th, typed "officer", removes the care: the booking's end."""
    h = seeded
    asked = await _paid_and_asked(h)
    housing_ended = HOUSING.model_copy(update={"ended_from": "2016-02-26"})
    await h.feed("applications.service.defined",
                 {**_service(None), "contents": [housing_ended.model_dump(mode="json"), MEALS]})
    assert await _request(h) == (asked["id"], "open", None, None)
    await h.feed("applications.service.defined",
                 {**_service(None), "contents": [HOUSING.model_dump(mode="json"), MEALS]})
    await _end_booking(h, "2016-02-15", "officer", voucher_closed=False)
    assert await _request(h) == (asked["id"], "removed", "2016-02-15", "booking")


async def test_a_request_removed_when_the_tenant_ended_the_booked_content_names_the_service(seeded: Harness) -> None:
    """The content ended from 16 February: its last valid day is the 15th."""
    h = seeded
    asked = await _paid_and_asked(h)
    housing_ended = HOUSING.model_copy(update={"ended_from": "2016-02-16"})
    await h.feed("applications.service.defined",
                 {**_service(None), "contents": [housing_ended.model_dump(mode="json"), MEALS]})
    assert await _request(h) == (asked["id"], "removed", "2016-02-15", "service")


@pytest.mark.parametrize("told", [True, None])  # None: a message from before vouchers told it
@pytest.mark.parametrize(("close_reason", "cause"), [("officer", "voucher"), ("death", "death")])
async def test_the_voucher_closing_heard_after_the_bookings_end_it_caused_still_names_the_voucher(
        seeded: Harness, close_reason: str, cause: str, told: bool | None) -> None:
    """Closing a voucher, vouchers ends its bookings on the same day for the same reason: the booking's end may be
    heard first (facts out of order), and it removes the care; its reason names the voucher (or the death)."""
    h = seeded
    asked = await _paid_and_asked(h)
    await _end_booking(h, "2016-02-15", close_reason, told)
    assert await _request(h) == (asked["id"], "removed", "2016-02-15", cause)
    await _close(h, "2016-02-15", close_reason)
    assert await _request(h) == (asked["id"], "removed", "2016-02-15", cause)


@pytest.mark.parametrize(("first", "then", "cause"), [("officer", "death", "death"), ("death", "officer", "voucher")])
async def test_of_two_closes_the_one_that_shortened_the_validity_names_the_cause(
        seeded: Harness, first: str, then: str, cause: str) -> None:
    """The first close shortens the paid care to 25 February (the request stays open, of what stays paid), the
    second, earlier, removes it: the cause is the second's. One heard later with a later day changes nothing."""
    h = seeded
    asked = await _paid_and_asked(h)
    await _close(h, "2016-02-25", first)
    assert await _request(h) == (asked["id"], "open", None, None)  # shortened, not removed: no cause
    await _close(h, "2016-02-15", then)
    await _close(h, "2016-02-20", first)  # heard late: it does not lengthen the validity, nor rename its end
    assert await _request(h) == (asked["id"], "removed", "2016-02-15", cause)


async def paid_interruption_asked(h: Harness) -> dict[str, Any]:
    """On 5 April: the client's hospital stay of 5-10 March, paid by March's run, and the provider's correction
    request of it (the interruption lies after 29 February, where the tests close the voucher)."""
    h.clock.set(h.clock.now().replace(month=4, day=5))
    away = await _away(h, "2016-03-05", "2016-03-10")
    await _settle(h, "2016-03", [], [away["id"]])
    return await _ask(h, "interruption", away["id"])


async def test_a_request_of_a_paid_interruption_removed_by_a_death_names_the_death(seeded: Harness) -> None:
    h = seeded
    asked = await paid_interruption_asked(h)
    await _close(h, "2016-02-29", "death")
    assert await _request(h) == (asked["id"], "removed", "2016-02-29", "death")


def _booking(valid_until: date | None, ended_on: date | None = None, end_reason: str | None = None,
             closed_reason: str | None = None) -> dict[str, Any]:
    return {"valid_until": valid_until, "ended_on": ended_on, "end_reason": end_reason,
            "closed_reason": closed_reason}


LATER = date(2016, 3, 31)


@pytest.mark.parametrize(("booking", "content_ended_from", "cause"), [
    # one end before the others: it names the cause
    (_booking(D), None, "voucher"),
    (_booking(D, closed_reason="death"), None, "death"),
    (_booking(LATER, D, "client_changed_provider"), None, "booking"),
    (_booking(LATER, D, "officer"), None, "voucher"),  # the voucher's close ended the booking (heard first)
    (_booking(LATER, D, "death"), None, "death"),
    (_booking(LATER, LATER, "client_changed_provider"), date(2016, 2, 16), "service"),
    (_booking(None, D, "client_changed_provider"), None, "booking"),
    # a day later than another end is not its cause
    (_booking(LATER, D, "client_changed_provider", closed_reason="death"), None, "booking"),
    (_booking(D, LATER, "client_changed_provider"), date(2016, 4, 1), "voucher"),
    # ends on the same day: the widest wins (the death ends every voucher of the client, the voucher every
    # booking of it, the service's content every booking of the content, the booking itself only)
    (_booking(D, D, "client_changed_provider", closed_reason="death"), date(2016, 2, 16), "death"),
    (_booking(D, D, "client_changed_provider"), date(2016, 2, 16), "voucher"),
    (_booking(LATER, D, "client_changed_provider"), date(2016, 2, 16), "service"),
    (_booking(D, D, "death"), None, "death"),  # the booking ended by the death, the voucher's close heard too
])
def test_the_end_that_made_the_last_valid_day_is_its_cause(
        booking: dict[str, Any], content_ended_from: date | None, cause: str) -> None:
    assert ended_by(booking, content_ended_from) == cause


def test_no_end_no_cause() -> None:
    assert ended_by(_booking(None)) is None


OLD_REQUEST = ("INSERT INTO correction_requests (tenant_id, id, kind, target_id, provider_id, service_id, content_id,"
               " client_ref, start, \"end\", amount, reason, state, requested_by, created_at, answered_at, valid_until)"
               " VALUES ('kouvola', 'cr-old', 'event', 'e-gone', 'p-1', 's-1', 'c-1', 'A-17', '2016-02-20',"
               " '2016-02-29', 1400.00, 'sairaalahoito', 'removed', 'u-1', '2016-03-01 00:00:00+00:00',"
               " '2016-03-15 00:00:00+00:00', '2016-02-15')")
READ_OLD = "SELECT id, state, valid_until, removed_cause FROM correction_requests"


async def test_a_request_removed_before_the_cause_was_kept_has_none_and_the_migration_goes_both_ways(
        tmp_path: Path) -> None:
    """On SQLite (the embedded suite; PostgreSQL runs every migration for the tests above): the old row keeps its day
    and gets no cause, so the provider reads the neutral answer; downgraded, the row stays."""
    path = tmp_path / "events.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(command.upgrade, alembic_config(MIGRATIONS, url), "a5d2e8c4f1b7")
    with sqlite3.connect(path) as conn:
        conn.execute(OLD_REQUEST)
    await upgrade_async(MIGRATIONS, url)
    with sqlite3.connect(path) as conn:
        assert list(conn.execute(READ_OLD)) == [("cr-old", "removed", "2016-02-15", None)]
    await asyncio.to_thread(command.downgrade, alembic_config(MIGRATIONS, url), "a5d2e8c4f1b7")
    with sqlite3.connect(path) as conn:
        assert list(conn.execute("SELECT id, valid_until FROM correction_requests")) == [("cr-old", "2016-02-15")]
