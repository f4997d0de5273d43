"""Issue 21: a charge heard (events.event.recorded) is a quarter of the recorded event's fan-out: a new charge is
saved by the statement that reads what is known of it here, its voucher read locked with its contents in one
statement, and what the charge does to the voucher stays as it was."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from .conftest import Harness, new_client, new_voucher
from .test_lifecycle import charge, state_of


async def _statements_of_a_charge(h: Harness, voucher: dict[str, Any], **kwargs: Any) -> list[str]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split())[:60])

    event.listen(h.runtime.db.sync_engine, "before_cursor_execute", count)
    try:
        await charge(h, voucher, **kwargs)
    finally:
        event.remove(h.runtime.db.sync_engine, "before_cursor_execute", count)
    return seen


async def test_a_new_charge_of_an_open_voucher_takes_three_statements(h: Harness) -> None:
    """The inbox claim, the recording's read that saves a new charge, the voucher locked with its contents (the
    recording's read and its upsert were two statements, the voucher and its contents two)."""
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    await charge(h, voucher)  # opens it
    seen = await _statements_of_a_charge(h, voucher, start="2016-03-11")
    assert len(seen) == 3, seen
    assert (await state_of(h, voucher["id"]))["contents"][0]["amount_left"] == "29.00"


async def test_a_charge_of_a_voucher_not_known_here_takes_as_many_statements(h: Harness) -> None:
    """A voucher this service has not heard of (as in the load's mix): its row is saved, the voucher not found."""
    seen = await _statements_of_a_charge(h, {"id": "v-not-here", "service_id": "asumispalvelu"})
    assert len(seen) == 3, seen


async def test_a_balance_voucher_listing_a_content_the_client_pays_closes_when_its_balance_is_used_up(
    h: Harness,
) -> None:
    """The meals the client pays (each month) are listed on the voucher but never drawn from it: they neither keep
    the voucher open nor close it; the tenant-paid balance alone does."""
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"], contents=[
        {"content_id": "siivous", "granted_amount": "500.00", "period": "balance", "voucher_value": "25.00"},
        {"content_id": "ateriat", "granted_amount": "31", "period": "month"}])
    await charge(h, voucher, content_id="ateriat", units="20", amount="0.00")
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    assert (await state_of(h, voucher["id"]))["state"] == "open"
    await charge(h, voucher, content_id="siivous", units="10", amount="250.00")
    view = await state_of(h, voucher["id"])
    assert view["state"] == "closed" and view["closed_reason"] == "used_up"
