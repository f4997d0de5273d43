"""Which payment a credit is deducted from (004 §4.3.8, the calendar of month M): the next one not yet made.
Month M's run (from the 1st of M+1, by default on the 4th) pays M's lines and earlier, so a credit made on
the 1st-3rd of M+1 goes into M's run, not M+1's a month later; once events knows M's run was made (its
settled news or its completion), the credit goes into M+1's. Days by Europe/Helsinki (EEST, UTC+3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from .conftest import Harness, T
from .test_money_paths import _credit, _interruption, _record, _settle

EEST = timezone(timedelta(hours=3))


async def _month_of_credit(h: Harness, event_id: str, at: datetime) -> str:
    h.clock.set(at)
    made = await _credit(h, event_id)
    [published] = [c for c in await h.published("events.credit.requested") if c["credit_id"] == made["id"]]
    assert published["month"] == made["month"]
    return str(made["month"])


async def test_a_credit_goes_into_the_next_payment_not_yet_made(seeded: Harness) -> None:
    h = seeded
    paid = [await _record(h, f"2016-02-0{day}", f"2016-02-0{day}") for day in range(1, 7)]
    away = await _interruption(h, "2016-02-15", "2016-02-19", "holiday")
    await _settle(h, "2016-02", [e["id"] for e in paid], [away["id"]])

    # the 3rd at 23:59 and the 4th at 00:00 in Helsinki: March's run is not made yet, so it deducts the credit
    assert await _month_of_credit(h, paid[0]["id"], datetime(2016, 4, 3, 23, 59, tzinfo=EEST)) == "2016-03"
    h.clock.set(datetime(2016, 4, 3, 23, 59, tzinfo=EEST))
    interruption = await h.client.post(f"/v1/tenants/{T}/interruptions/{away['id']}/credit", headers=h.officer(),
                                       json={"reason": "Ei lomalla"})
    assert interruption.status_code == 201, interruption.text
    assert interruption.json()["month"] == "2016-03"
    assert await _month_of_credit(h, paid[1]["id"], datetime(2016, 4, 4, 0, 0, tzinfo=EEST)) == "2016-03"
    # March's run made: the next payment is April's
    await h.feed("settlement.run.completed", {"run_id": "run-2016-03", "month": "2016-03"})
    assert await _month_of_credit(h, paid[2]["id"], datetime(2016, 4, 4, 0, 0, tzinfo=EEST)) == "2016-04"

    # the last day of April, and the first of May in Helsinki while UTC still says April 30
    assert await _month_of_credit(h, paid[3]["id"], datetime(2016, 4, 30, 23, 59, tzinfo=EEST)) == "2016-04"
    assert await _month_of_credit(h, paid[4]["id"], datetime(2016, 4, 30, 21, 0, tzinfo=UTC)) == "2016-04"

    # April's run made early, on May 1 (its first payee's settled news is enough): a credit of May 2 waits for May's
    await h.feed("settlement.events.settled", {"run_id": "run-2016-04", "month": "2016-04", "event_ids": []})
    assert await _month_of_credit(h, paid[5]["id"], datetime(2016, 5, 2, 9, 0, tzinfo=EEST)) == "2016-05"
