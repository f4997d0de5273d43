"""The over-limit rule (004 §4.3.5.6) one step beside its worked example (review-overlimit): a week whose events are
edited after a later one went to the officer, an ISO week across a month end whose first month's run is locked
before the crossing visit is recorded, the officer's decision after that run, two producer parts recording in one
week, and a price list approved mid-week while a visit waits. Home care: 10 h a week granted, 32.55 €/h at the
company, the voucher's value 30.00 €/h (the tenant pays 30.00 €/h). The clock is 2016-03-15 unless a test moves it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .conftest import HOME_CARE, PROVIDER, Harness, T
from .test_money_paths import _settle


async def _hours(h: Harness, day: str, start: str, end: str, part: str | None = None) -> dict[str, Any]:
    body = {"booking_id": "b-care", "start": day, "start_time": start, "end_time": end}
    if part is not None:
        body["producer_part"] = part
    response = await h.post_event(body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _get(h: Harness, event_id: str) -> dict[str, Any]:
    response = await h.client.get(f"/v1/tenants/{T}/events/{event_id}", headers=h.officer())
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _queue(h: Harness) -> list[dict[str, Any]]:
    response = await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def _grant(item: dict[str, Any]) -> list[float]:
    return [float(item["grant"][k]) for k in ("granted", "used", "units", "excess")]


async def _decide(h: Harness, event_id: str, decision: str, reason: str = "") -> dict[str, Any]:
    response = await h.client.post(f"/v1/tenants/{T}/events/{event_id}/decision", headers=h.officer(),
                                   json={"decision": decision, "reason": reason})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_an_earlier_visit_shortened_releases_the_waiting_one_it_no_longer_pushes_over_and_only_that(
        seeded: Harness) -> None:
    """W10 (7.3.-13.3.): Monday 6 h, Tuesday 5 h (11 h: waits), Thursday 4 h (15 h: waits). Monday was really 3 h:
    the week is 3 + 5 = 8 h by Tuesday, which now crosses nothing and is paid; Thursday's 4 h make it 12 h and
    Thursday alone waits, 2 h over, as if the week had been recorded so in the first place."""
    h = seeded
    monday = await _hours(h, "2016-03-07", "08:00", "14:00")
    tuesday = await _hours(h, "2016-03-08", "08:00", "13:00")
    thursday = await _hours(h, "2016-03-10", "08:00", "12:00")
    assert (tuesday["approval"], thursday["approval"]) == ("awaiting_approval", "awaiting_approval")
    shorter = await h.client.patch(f"/v1/tenants/{T}/events/{monday['id']}", headers=h.provider(),
                                   json={"start_time": "08:00", "end_time": "11:00"})
    assert shorter.status_code == 200 and shorter.json()["approval"] == "payable", shorter.text
    assert (await _get(h, tuesday["id"]))["approval"] == "payable"
    [item] = await _queue(h)
    assert item["id"] == thursday["id"] and _grant(item) == [10, 8, 4, 2]
    assert await h.published("events.event.approved") == [{"event_id": tuesday["id"], "revision": 1}]


async def test_an_earlier_visit_deleted_releases_the_first_waiting_one_and_the_next_still_waits(
        seeded: Harness) -> None:
    """Monday 4 h, Tuesday 4 h, Wednesday 4 h (12 h: waits), Thursday 3 h (waits). Tuesday's visit never happened:
    Monday + Wednesday = 8 h, Wednesday is paid; Thursday's 3 h make 11 h and it waits, 1 h over."""
    h = seeded
    await _hours(h, "2016-03-07", "08:00", "12:00")
    tuesday = await _hours(h, "2016-03-08", "08:00", "12:00")
    wednesday = await _hours(h, "2016-03-09", "08:00", "12:00")
    thursday = await _hours(h, "2016-03-10", "08:00", "11:00")
    assert (wednesday["approval"], thursday["approval"]) == ("awaiting_approval", "awaiting_approval")
    gone = await h.client.delete(f"/v1/tenants/{T}/events/{tuesday['id']}", headers=h.provider())
    assert gone.status_code in (200, 204), gone.text
    assert (await _get(h, wednesday["id"]))["approval"] == "payable"
    [item] = await _queue(h)
    assert item["id"] == thursday["id"] and _grant(item) == [10, 8, 3, 1]


async def test_an_earlier_visit_made_longer_over_the_grant_goes_to_the_officer(seeded: Harness) -> None:
    """Monday 4 h, Tuesday 4 h, Wednesday 2 h: the week's 10 h, all paid. Monday was really 5 h: the week is 11 h
    and the visit that now makes it so waits for the officer (the others stay paid)."""
    h = seeded
    monday = await _hours(h, "2016-03-07", "08:00", "12:00")
    tuesday = await _hours(h, "2016-03-08", "08:00", "12:00")
    wednesday = await _hours(h, "2016-03-09", "08:00", "10:00")
    longer = await h.client.patch(f"/v1/tenants/{T}/events/{monday['id']}", headers=h.provider(),
                                  json={"start_time": "08:00", "end_time": "13:00"})
    assert longer.status_code == 200, longer.text
    assert (longer.json()["approval"], longer.json()["amount_tenant"]) == ("awaiting_approval", "150.00")
    assert [(await _get(h, e["id"]))["approval"] for e in (tuesday, wednesday)] == ["payable", "payable"]
    [item] = await _queue(h)
    assert item["id"] == monday["id"] and _grant(item) == [10, 6, 5, 1]


async def _march_paid_then_april_over(h: Harness) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """W13 (Mon 28.3. - Sun 3.4.2016): Monday 28.3. and Thursday 31.3. 4 h each, paid by March's run (made on
    4 April); Friday 1.4. 4 h recorded after it: the week's 12 h, 2 h over."""
    h.clock.set(datetime(2016, 4, 1, 12, 0, tzinfo=UTC))
    march = [await _hours(h, "2016-03-28", "08:00", "12:00"), await _hours(h, "2016-03-31", "08:00", "12:00")]
    h.clock.set(datetime(2016, 4, 4, 12, 0, tzinfo=UTC))
    await _settle(h, "2016-03", [e["id"] for e in march])
    h.clock.set(datetime(2016, 4, 5, 9, 0, tzinfo=UTC))
    friday = await _hours(h, "2016-04-01", "08:00", "12:00")
    return march, friday


async def test_approved_and_credited_after_the_first_months_run_then_recorded_within_the_grant(
        seeded: Harness) -> None:
    """The officer approves Friday 1.4. and asks its credit; the provider records the 2 h left of the week. The
    credit is April's (the next run), the corrected visit is paid 60.00 in April, nothing of March's run moves."""
    h = seeded
    march, friday = await _march_paid_then_april_over(h)
    assert [e["approval"] for e in march] == ["payable", "payable"]
    assert (friday["approval"], friday["amount_tenant"]) == ("awaiting_approval", "120.00")
    [item] = await _queue(h)
    assert item["id"] == friday["id"] and item["grant"]["period_key"] == "2016-W13" and _grant(item) == [10, 8, 4, 2]
    decided = await _decide(h, friday["id"], "approve_and_credit", "Yli viikon tuntien")
    assert (decided["approval"], decided["credited"]) == ("approved", True)
    [credit] = await h.published("events.credit.requested")
    assert (credit["event_id"], credit["amount"], credit["month"]) == (friday["id"], "-120.00", "2016-04")
    corrected = await _hours(h, "2016-04-01", "08:00", "10:00")
    assert (corrected["approval"], corrected["amount_tenant"]) == ("payable", "60.00")
    # one minute more than the week's grant waits again
    more = await _hours(h, "2016-04-02", "08:00", "08:01")
    assert more["approval"] == "awaiting_approval"
    assert [(await _get(h, e["id"]))["settled"] for e in march] == [True, True]


async def test_a_visit_waiting_across_the_run_of_its_month_is_approved_after_it(seeded: Harness) -> None:
    """W13: Monday 28.3. 6 h, Thursday 31.3. 6 h (12 h: waits). March's run (4.4.) pays Monday only; on 10.4. the
    officer approves Thursday and asks its credit: the credit is April's (the run that pays the approved Thursday),
    and the provider's corrected visit of the 4 h left is March's care at 120.00, decided once."""
    h = seeded
    h.clock.set(datetime(2016, 4, 1, 12, 0, tzinfo=UTC))
    monday = await _hours(h, "2016-03-28", "08:00", "14:00")
    thursday = await _hours(h, "2016-03-31", "08:00", "14:00")
    assert thursday["approval"] == "awaiting_approval"
    h.clock.set(datetime(2016, 4, 4, 12, 0, tzinfo=UTC))
    await _settle(h, "2016-03", [monday["id"]])
    h.clock.set(datetime(2016, 4, 10, 9, 0, tzinfo=UTC))
    [item] = await _queue(h)
    assert item["id"] == thursday["id"] and _grant(item) == [10, 6, 6, 2]
    decided = await _decide(h, thursday["id"], "approve_and_credit", "Yli viikon tuntien")
    [credit] = await h.published("events.credit.requested")
    assert (credit["amount"], credit["month"]) == ("-180.00", "2016-04")
    assert decided["settled"] is False
    # the provider's corrected visit of 31.3. within the week's 4 h left, recorded in April: 120.00, March's care
    corrected = await _hours(h, "2016-03-31", "08:00", "12:00")
    assert (corrected["approval"], corrected["amount_tenant"]) == ("payable", "120.00")
    twice = await h.client.post(f"/v1/tenants/{T}/events/{thursday['id']}/decision", headers=h.officer(),
                                json={"decision": "approve", "reason": ""})
    assert twice.status_code == 409, twice.text


async def test_a_company_visit_and_a_sites_visit_count_in_one_weeks_grant(seeded: Harness) -> None:
    """The grant is the voucher content's: the company's 6 h and its site's 5 h make 11 h in W10; the site's visit,
    priced by the site's own list (28.00 €/h, below the voucher's value), waits for the officer."""
    h = seeded
    await h.tell_site("s-kotirinne")
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-site", "service_id": HOME_CARE, "provider_id": PROVIDER,
        "producer_part": "site:s-kotirinne", "name": "Kotirinne 2016", "start": "2016-01-01",
        "prices": [{"content_id": "care", "unit_price": "28.00"}, {"content_id": "visit", "unit_price": "20.00"}]})
    company = await _hours(h, "2016-03-07", "08:00", "14:00")
    site = await _hours(h, "2016-03-08", "08:00", "13:00", part="site:s-kotirinne")
    assert (company["approval"], company["amount_tenant"]) == ("payable", "180.00")
    assert (site["approval"], site["amount_tenant"], site["producer_part"]) == (
        "awaiting_approval", "140.00", "site:s-kotirinne")
    [item] = await _queue(h)
    assert item["id"] == site["id"] and _grant(item) == [10, 6, 5, 1]
    # the site's visit rejected, the company has 4 h left in the week
    await _decide(h, site["id"], "reject", "Yli viikon tuntien")
    assert (await _hours(h, "2016-03-09", "08:00", "12:00"))["approval"] == "payable"


async def test_a_price_list_approved_mid_week_reprices_the_waiting_visit_which_still_waits(seeded: Harness) -> None:
    """Seed's week (10 h 30 min): Friday 11.3. 2 h waits at 30.00 €/h. The company's list from Thursday 10.3.
    (27.00 €/h, below the voucher's value) is approved on the 15th: Thursday and Friday are priced by it; Friday still
    waits, now 54.00, and the officer's approval is of that revision."""
    h = seeded
    week = [await _hours(h, day, start, end) for day, start, end in (
        ("2016-03-07", "10:00", "12:00"), ("2016-03-08", "09:00", "11:15"), ("2016-03-09", "09:30", "11:30"),
        ("2016-03-10", "09:15", "11:30"), ("2016-03-11", "10:00", "12:00"))]
    friday = week[-1]
    assert (friday["approval"], friday["amount_tenant"]) == ("awaiting_approval", "60.00")
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-care-10-3", "service_id": HOME_CARE, "provider_id": PROVIDER, "producer_part": None,
        "name": "Kotihoito 10.3.2016", "start": "2016-03-10",
        "prices": [{"content_id": "care", "unit_price": "27.00"}, {"content_id": "visit", "unit_price": "20.00"}]})
    now = await _get(h, friday["id"])
    assert (now["approval"], now["amount_tenant"], now["revision"]) == ("awaiting_approval", "54.00", 2)
    assert (await _get(h, week[3]["id"]))["amount_tenant"] == "60.75"  # 2 h 15 min x 27.00
    [item] = await _queue(h)
    assert item["amount_tenant"] == "54.00" and _grant(item) == [10, 8.5, 2, 0.5]
    await _decide(h, friday["id"], "approve")
    assert await h.published("events.event.approved") == [{"event_id": friday["id"], "revision": 2}]


async def test_a_death_mid_week_removes_the_later_visit_and_pays_the_one_it_had_pushed_over(seeded: Harness) -> None:
    """Monday 4 h and Friday 4 h recorded first, Wednesday's 4 h after them (12 h: Wednesday waits). The client died on
    Wednesday 9.3.: the voucher is valid until Thursday, Friday's visit is removed, and Wednesday's 4 h beside Monday's
    are within the week's grant: paid without a decision."""
    h = seeded
    await _hours(h, "2016-03-07", "08:00", "12:00")
    friday = await _hours(h, "2016-03-11", "08:00", "12:00")
    wednesday = await _hours(h, "2016-03-09", "08:00", "12:00")
    assert (friday["approval"], wednesday["approval"]) == ("payable", "awaiting_approval")
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-2", "valid_until": "2016-03-10", "reason": "death"})
    assert (await h.client.get(f"/v1/tenants/{T}/events/{friday['id']}", headers=h.officer())).status_code == 404
    assert (await _get(h, wednesday["id"]))["approval"] == "payable"
    assert await _queue(h) == []
    assert await h.published("events.event.approved") == [{"event_id": wednesday["id"], "revision": 1}]
