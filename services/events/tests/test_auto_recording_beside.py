"""Auto-recording and interruptions one step beside the worked examples (004 §4.3.2, §4.3.5): a month's draft
made on the 4th and then the client's death, or an absence, inside that month; a draft starting on an absence's
return day when the absence is removed; a death during a stay between two drafts; a site's list that stops
pricing the content mid-month; a paid absence credited and entered again with another return day; a death during
an open stay across a change of the interruption rule. Housing 155.00 €/day, voucher value 140.00 €/day (the
client pays 15.00 a day); Kouvola's hospital rule (days 0-10 at 100 %, from day 11 0 %, the return day 100 %)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from seteli_events.service import month_jobs

from .conftest import KOUVOLA_RULE, Harness, T
from .test_money_paths import _settle
from .test_rule_versions import RULE_B_JSON, _versioned_service


async def _event(h: Harness, start: str, end: str) -> dict[str, Any]:
    response = await h.post_event({"booking_id": "b-housing", "start": start, "end": end})
    assert response.status_code == 201, response.text
    return response.json()


async def _away(h: Harness, start: str, end: str | None, reason: str = "hospital") -> dict[str, Any]:
    body: dict[str, Any] = {"booking_id": "b-housing", "start": start, "reason": reason}
    if end is not None:
        body["end"] = end
    response = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _drafts(h: Harness) -> list[dict[str, Any]]:
    return (await h.client.get(f"/v1/tenants/{T}/events", headers=h.provider(),
                               params={"status": "draft", "booking_id": "b-housing"})).json()["items"]


async def _april_drafted(h: Harness) -> dict[str, Any]:
    """March present, April's draft made on 4 April (1.-30.4., 30 x 140.00)."""
    h.clock.set(datetime(2016, 4, 4, 9, 0, tzinfo=UTC))
    await _event(h, "2016-03-01", "2016-03-31")
    assert await month_jobs.auto_record(h.runtime, date(2016, 4, 4)) == {T: 1}
    [draft] = await _drafts(h)
    assert (draft["start"], draft["end"], draft["amount_tenant"]) == ("2016-04-01", "2016-04-30", "4200.00")
    return draft


async def _confirm(h: Harness) -> dict[str, Any]:
    response = await h.client.post(f"/v1/tenants/{T}/events/confirm", json={"client_ref": "A-17"},
                                   headers=h.provider())
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_death_after_the_draft_was_made_leaves_only_the_valid_days_to_confirm(seeded: Harness) -> None:
    h = seeded
    draft = await _april_drafted(h)
    # died on 12 April: the voucher is valid until the 13th
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-04-13", "reason": "death"})
    [clipped] = await _drafts(h)
    assert (clipped["id"], clipped["end"], clipped["amount_tenant"], clipped["amount_co_payment"]) == (
        draft["id"], "2016-04-13", "1820.00", "195.00")  # 13 x 140.00, 13 x 15.00
    # the provider confirms it as it stands once the days have come; nothing after the 13th is paid
    h.clock.set(datetime(2016, 4, 14, 9, 0, tzinfo=UTC))
    assert (await _confirm(h))["confirmed"] == 1
    [*_, recorded] = await h.published("events.event.recorded")
    assert (recorded["event_id"], recorded["end"], recorded["amount_tenant"]) == (draft["id"], "2016-04-13",
                                                                                   "1820.00")
    assert max(s["end"] for s in recorded["segments"]) == "2016-04-13"
    # a second run of the month drafts nothing more
    assert await month_jobs.auto_record(h.runtime, date(2016, 4, 4)) == {T: 0}



async def test_an_absence_inside_a_drafted_month_pays_each_day_once(seeded: Harness) -> None:
    h = seeded
    draft = await _april_drafted(h)
    # to hospital on 10 April: the draft still holds the days, so the absence is refused with them
    h.clock.set(datetime(2016, 4, 10, 9, 0, tzinfo=UTC))
    refused = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(),
                                  json={"booking_id": "b-housing", "start": "2016-04-10", "reason": "hospital"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["overlapping_days"][0] == "2016-04-10"
    # the provider shortens the draft to the days present, then enters the absence
    shortened = await h.client.patch(f"/v1/tenants/{T}/events/{draft['id']}", headers=h.provider(),
                                     json={"end": "2016-04-09"})
    assert shortened.status_code == 200, shortened.text
    assert (shortened.json()["status"], shortened.json()["amount_tenant"]) == ("draft", "1260.00")
    away = await _away(h, "2016-04-10", None)
    # back on the 20th, present to the month's end
    h.clock.set(datetime(2016, 5, 1, 9, 0, tzinfo=UTC))
    ended = await h.client.post(f"/v1/tenants/{T}/interruptions/{away['id']}/end", headers=h.provider(),
                                json={"end": "2016-04-20"})
    assert ended.status_code == 200, ended.text
    assert ended.json()["amount_tenant"] == "1540.00"  # days 0-9 and the return day: 11 x 140.00
    back = await _event(h, "2016-04-20", "2016-04-30")
    assert back["amount_tenant"] == "1400.00"  # 21.-30.4.: the return day is the absence's
    assert (await _confirm(h))["confirmed"] == 1
    # 30 days of April, each paid once: 30 x 140.00
    recorded = {p["event_id"]: Decimal(p["amount_tenant"]) for p in await h.published("events.event.recorded")}
    [finalised] = await h.published("events.interruption.finalised")
    assert recorded[draft["id"]] + recorded[back["id"]] + Decimal(finalised["amount_tenant"]) == Decimal("4200.00")


async def test_a_paid_absence_credited_and_entered_again_with_an_earlier_return_pays_the_difference(
    seeded: Harness,
) -> None:
    h = seeded
    h.clock.set(datetime(2016, 3, 5, 9, 0, tzinfo=UTC))
    before = await _event(h, "2016-02-01", "2016-02-04")
    # hospital 5.-20.2.: days 0-10 (5.-15.2.) 100 %, days 11-14 0 %, the return day 20.2. 100 %: 12 x 140.00
    wrong = await _away(h, "2016-02-05", "2016-02-20")
    assert wrong["amount_tenant"] == "1680.00"
    back = await _event(h, "2016-02-20", "2016-02-29")
    assert back["amount_tenant"] == "1260.00"  # 21.-29.2.
    await _settle(h, "2016-02", [before["id"], back["id"]], [wrong["id"]])
    # the client came back on the 18th after all: the officer credits the stay, the provider enters it again
    credit = await h.client.post(f"/v1/tenants/{T}/interruptions/{wrong['id']}/credit", headers=h.officer(),
                                 json={"reason": "Palasi 18.2."})
    assert credit.status_code == 201 and credit.json()["amount"] == "-1680.00", credit.text
    [*_, given_back] = await h.published("events.event.corrected")
    assert (given_back["event_id"], given_back["amount_tenant"]) == (back["id"], "1400.00")  # the 20th too
    right = await _away(h, "2016-02-05", "2016-02-18")
    # days 0-10 (5.-15.2.) 100 %, days 11-12 (16.-17.2.) 0 %, the return day 18.2. 100 %: 12 x 140.00
    assert right["amount_tenant"] == "1680.00"
    present = await _event(h, "2016-02-18", "2016-02-19")
    assert present["amount_tenant"] == "140.00"  # the 19th
    # the same stay entered a second time is refused: its days are taken
    twice = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2016-02-05", "end": "2016-02-18", "reason": "hospital"})
    assert twice.status_code == 409, twice.text
    # the next run: -1680.00 + 1680.00 + 140.00 (the 19th) + 140.00 (the 20th, given back): 2 days more
    net = (Decimal(credit.json()["amount"]) + Decimal(right["amount_tenant"]) + Decimal(present["amount_tenant"])
           + Decimal(given_back["amount_tenant"]) - Decimal(back["amount_tenant"]))
    assert net == Decimal("280.00")


async def _stay_over_the_month_end_drafted(h: Harness) -> tuple[dict[str, Any], dict[str, Any]]:
    """March present to the 24th, hospital 25.3.-2.4. (entered on the 2nd), April's draft from the return day."""
    h.clock.set(datetime(2016, 4, 2, 9, 0, tzinfo=UTC))
    await _event(h, "2016-03-01", "2016-03-24")
    away = await _away(h, "2016-03-25", "2016-04-02")
    assert away["amount_tenant"] == "1260.00"  # days 0-7 and the return day: 9 x 140.00
    h.clock.set(datetime(2016, 4, 4, 9, 0, tzinfo=UTC))
    assert await month_jobs.auto_record(h.runtime, date(2016, 4, 4)) == {T: 1}
    [draft] = await _drafts(h)
    # 2.-30.4., the return day the absence's: 28 x 140.00
    assert (draft["start"], draft["end"], draft["amount_tenant"]) == ("2016-04-02", "2016-04-30", "3920.00")
    return away, draft


async def test_a_drafts_first_day_is_paid_by_it_when_the_absence_returning_on_it_is_removed(seeded: Harness) -> None:
    h = seeded
    away, draft = await _stay_over_the_month_end_drafted(h)
    removed = await h.client.delete(f"/v1/tenants/{T}/interruptions/{away['id']}", headers=h.provider())
    assert removed.status_code in (200, 204), removed.text
    [now] = await _drafts(h)
    assert (now["id"], now["amount_tenant"]) == (draft["id"], "4060.00")  # 29 x 140.00: the 2nd is the draft's



async def test_a_death_during_a_stay_between_two_drafts_pays_each_valid_day_once(seeded: Harness) -> None:
    h = seeded  # today 15 March: March's run made late, after the stay was entered
    await _event(h, "2016-02-01", "2016-02-29")
    away = await _away(h, "2016-03-05", "2016-03-10")
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 2}
    first, second = sorted(await _drafts(h), key=lambda d: d["start"])
    assert [(d["start"], d["end"]) for d in (first, second)] == [("2016-03-01", "2016-03-04"),
                                                                  ("2016-03-10", "2016-03-31")]
    # died in hospital on 7 March: valid until the 8th
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-03-08", "reason": "death"})
    [left] = await _drafts(h)
    assert (left["id"], left["end"], left["amount_tenant"]) == (first["id"], "2016-03-04", "560.00")
    [*_, clipped] = await h.published("events.interruption.finalised")
    # days 0-2 (5.-7.3.) and the 8th, the last valid day, as its return day: 4 x 140.00
    assert (clipped["interruption_id"], clipped["end"], clipped["amount_tenant"]) == (away["id"], "2016-03-08",
                                                                                      "560.00")


async def test_a_sites_list_that_stops_pricing_the_content_mid_month_leaves_the_companys_price_from_then(
    seeded: Harness,
) -> None:
    """The site Kotirinne's own list prices housing at 160.00 from 2016; its list from 16 April prices only the
    meals: from that day the company's list (155.00) prices the site's housing, in the draft as in an event."""
    h = seeded
    await h.tell_site("s-kotirinne")
    for pl_id, start, prices in (("pl-site", "2016-01-01", [{"content_id": "housing", "unit_price": "160.00"}]),
                                 ("pl-site-2", "2016-04-16", [{"content_id": "meals", "unit_price": "13.00"}])):
        await h.feed("applications.pricelist.approved", {
            "price_list_id": pl_id, "service_id": "tehostettu", "provider_id": "p-paivansade",
            "producer_part": "site:s-kotirinne", "name": f"Kotirinne {start}", "start": start, "prices": prices})
    h.clock.set(datetime(2016, 4, 4, 9, 0, tzinfo=UTC))
    march = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-31",
                                "producer_part": "site:s-kotirinne"})
    assert march.status_code == 201 and march.json()["amount_co_payment"] == "620.00", march.text  # 31 x 20.00
    assert await month_jobs.auto_record(h.runtime, date(2016, 4, 4)) == {T: 1}
    [draft] = await _drafts(h)
    # 1.-15.4. at the site's 160.00 (the client 15 x 20.00), 16.-30.4. at the company's 155.00 (15 x 15.00)
    assert (draft["producer_part"], draft["amount_tenant"], draft["amount_co_payment"]) == (
        "site:s-kotirinne", "4200.00", "525.00")
    h.clock.set(datetime(2016, 5, 1, 9, 0, tzinfo=UTC))
    assert (await _confirm(h))["confirmed"] == 1
    [*_, recorded] = await h.published("events.event.recorded")
    assert [(s["start"], s["end"], s["unit_price"]) for s in recorded["segments"]] == [
        ("2016-04-01", "2016-04-15", "160.00"), ("2016-04-16", "2016-04-30", "155.00")]


async def test_a_death_during_an_open_stay_across_a_rule_change_pays_each_day_by_its_rule(seeded: Harness) -> None:
    """Hospital from 20 June, still away when July's rule (days 11-20 at 50 %) is heard, never back: the client
    dies on 5 July (valid until the 6th), and the provider ends the stay on the 6th. June's days are paid by
    June's rule, July's by July's, the day numbers counted from the departure; nothing after the 6th."""
    h = seeded
    h.clock.set(datetime(2016, 6, 25, 9, 0, tzinfo=UTC))
    await _event(h, "2016-06-01", "2016-06-19")
    away = await _away(h, "2016-06-20", None)
    rule_a = {**KOUVOLA_RULE, "valid_from": "2016-01-01"}
    await h.feed("applications.service.defined", _versioned_service([rule_a, RULE_B_JSON], rule_a))
    h.clock.set(datetime(2016, 7, 7, 9, 0, tzinfo=UTC))
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-07-06", "reason": "death"})
    late = await h.client.post(f"/v1/tenants/{T}/interruptions/{away['id']}/end", headers=h.provider(),
                               json={"end": "2016-07-07"})
    assert late.status_code == 422, late.text
    ended = await h.client.post(f"/v1/tenants/{T}/interruptions/{away['id']}/end", headers=h.provider(),
                                json={"end": "2016-07-06"})
    assert ended.status_code == 200, ended.text
    assert [(s["start"], s["end"], s["percentage"], s["amount_tenant"]) for s in ended.json()["segments"]] == [
        ("2016-06-20", "2016-06-30", "100", "1540.00"),  # days 0-10 by June's rule
        ("2016-07-01", "2016-07-05", "50", "350.00"),  # days 11-15 by July's: 5 x 70.00
        ("2016-07-06", "2016-07-06", "100", "140.00"),  # the last valid day as the return day
    ]
    assert ended.json()["amount_tenant"] == "2030.00"
