"""A client's death (or another end of the voucher's validity) on the last or the first day of a month: the
validity ends the day after the death (004: "kuolinpäivä +1"), that day is still paid, no later day is, and
the next month's auto-recording drafts exactly the days left. Housing 2016: the tenant pays 140.00 a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from seteli_events.service import month_jobs

from .conftest import Harness, T


@pytest.mark.parametrize(
    ("previous", "valid_until", "run_day", "draft", "tenant"),
    [
        # died on the last day of March: 1 April is the last valid day, and April's draft is that one day
        (("2016-03-01", "2016-03-31"), "2016-04-01", date(2016, 4, 4), ("2016-04-01", "2016-04-01"), "140.00"),
        # died on 29 February (a leap year's last day of February): 1 March is the last valid day
        (("2016-02-01", "2016-02-29"), "2016-03-01", date(2016, 3, 4), ("2016-03-01", "2016-03-01"), "140.00"),
        # died on 1 March: 1 and 2 March are drafted
        (("2016-02-01", "2016-02-29"), "2016-03-02", date(2016, 3, 4), ("2016-03-01", "2016-03-02"), "280.00"),
    ],
)
async def test_a_validity_ending_at_a_month_edge_drafts_only_the_days_left_and_refuses_later_care(
    seeded: Harness, previous: tuple[str, str], valid_until: str, run_day: date, draft: tuple[str, str],
    tenant: str,
) -> None:
    h = seeded
    h.clock.set(datetime.combine(run_day, time(9), tzinfo=UTC))
    presence = await h.post_event({"booking_id": "b-housing", "start": previous[0], "end": previous[1]})
    assert presence.status_code == 201, presence.text
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": valid_until, "reason": "death"})
    assert await month_jobs.auto_record(h.runtime, run_day) == {T: 1}
    [made] = (await h.client.get(f"/v1/tenants/{T}/events?status=draft", headers=h.provider())).json()["items"]
    assert (made["start"], made["end"], made["amount_tenant"]) == (*draft, tenant)
    # the day after the last valid day is refused, and so is an edit that stretches the draft over it
    after = date.fromisoformat(valid_until).toordinal() + 1
    day_after = date.fromordinal(after).isoformat()
    refused = await h.post_event({"booking_id": "b-housing", "start": day_after, "end": day_after})
    assert refused.status_code == 422 and "validity" in refused.text, refused.text
    stretched = await h.client.patch(f"/v1/tenants/{T}/events/{made['id']}", json={"end": day_after},
                                     headers=h.provider())
    assert stretched.status_code == 422 and "validity" in stretched.text, stretched.text
