"""Money one step beside what is tested of euro-balance vouchers and purchased services (money-hunt-3): a euro
balance drawn down across months, given back by a credit, and an edit that raises an event's euros without
adding hours. Home care at 32.55 €/h for the company, 25.00 €/h at its site Kotirinne; the voucher's value
30.00 €/h, so the tenant pays 30.00 €/h at the company and 25.00 €/h at the site. The clock is 2016-03-15."""

from __future__ import annotations

from typing import Any

from .conftest import HOME_CARE, PROVIDER, Harness, T
from .test_money_paths import _credit, _settle


async def _balance(h: Harness, euros: str = "100.00") -> None:
    await h.tell_site("s-kotirinne")
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-site", "service_id": HOME_CARE, "provider_id": PROVIDER,
        "producer_part": "site:s-kotirinne", "name": "Kotirinne 2016", "start": "2016-01-01",
        "prices": [{"content_id": "care", "unit_price": "25.00"}, {"content_id": "visit", "unit_price": "20.00"}]})
    await h.feed("vouchers.voucher.granted", {
        "voucher_id": "v-b", "number": "PS-8008", "service_id": HOME_CARE, "client_id": "c-8",
        "valid_from": "2016-01-01", "valid_until": "2016-12-31",
        "contents": [{"voucher_content_id": "vc-b", "content_id": "care", "unit": "hour", "granted_amount": euros,
                      "period": "balance", "voucher_value": "30.00"}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-b", "voucher_id": "v-b", "voucher_content_id": "vc-b", "service_id": HOME_CARE,
        "content_id": "care", "provider_id": PROVIDER, "producer_part": None, "client_id": "c-8",
        "client_ref": "K-8", "kind": "voucher"})


async def _visit(h: Harness, day: str, start: str, end: str, part: str | None = None) -> dict[str, Any]:
    response = await h.post_event({"booking_id": "b-b", "start": day, "start_time": start, "end_time": end,
                                   "producer_part": part})
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_edit_moving_a_visit_to_a_dearer_part_over_the_euro_balance_goes_to_the_officer(
    seeded: Harness,
) -> None:
    """The same day and hours, but the visit moved from the site (25.00 €/h) to the company (30.00 €/h): the euros
    it takes of the balance grow, and past the balance the officer decides, as for a new visit."""
    h = seeded
    await _balance(h)
    first = await _visit(h, "2016-02-01", "10:00", "12:00")  # 60.00
    second = await _visit(h, "2016-02-08", "10:00", "11:30", "site:s-kotirinne")  # 37.50: 97.50 of 100.00
    assert (first["approval"], second["approval"], second["amount_tenant"]) == ("payable", "payable", "37.50")
    moved = await h.client.patch(f"/v1/tenants/{T}/events/{second['id']}", json={"producer_part": ""},
                                 headers=h.provider())
    assert moved.status_code == 200, moved.text
    # 60.00 + 45.00 = 105.00: 5.00 over the balance
    assert (moved.json()["amount_tenant"], moved.json()["approval"]) == ("45.00", "awaiting_approval")


async def _events(h: Harness) -> dict[str, tuple[str, str]]:
    listed = await h.client.get(f"/v1/tenants/{T}/events", params={"booking_id": "b-b"}, headers=h.provider())
    return {e["id"]: (e["amount_tenant"], e["approval"]) for e in listed.json()["items"]}


async def test_an_edit_moving_a_visit_to_a_cheaper_part_frees_euros_for_the_visit_waiting_for_the_officer(
    seeded: Harness,
) -> None:
    """The hours stay, the euros drop: the balance has room again, and the visit that crossed it now fits."""
    h = seeded
    await _balance(h)
    await _visit(h, "2016-02-01", "10:00", "12:00")  # 60.00
    second = await _visit(h, "2016-02-08", "10:00", "11:00")  # 30.00: 90.00
    waiting = await _visit(h, "2016-02-15", "10:00", "10:30")  # 15.00: 105.00, over
    assert waiting["approval"] == "awaiting_approval"
    moved = await h.client.patch(f"/v1/tenants/{T}/events/{second['id']}",
                                 json={"producer_part": "site:s-kotirinne"}, headers=h.provider())
    assert moved.status_code == 200, moved.text
    # 60.00 + 25.00 + 15.00 = 100.00: within the balance, paid without a decision
    assert (await _events(h))[waiting["id"]] == ("15.00", "payable")


async def test_a_credit_of_a_paid_visit_gives_its_euros_back_to_the_visit_of_a_later_month_waiting(
    seeded: Harness,
) -> None:
    """January and February paid 90.00 of the 100.00; March's hour crossed it. The officer credits January's hour
    (it was not given): its 30.00 are back in the balance, and March's hour is paid without a decision."""
    h = seeded
    await _balance(h)
    january = await _visit(h, "2016-01-11", "10:00", "11:00")  # 30.00
    february = await _visit(h, "2016-02-08", "10:00", "12:00")  # 60.00: 90.00
    await _settle(h, "2016-01", [january["id"]])
    await _settle(h, "2016-02", [february["id"]])
    march = await _visit(h, "2016-03-07", "10:00", "11:00")  # 30.00: 120.00, over
    assert march["approval"] == "awaiting_approval"
    credit = await _credit(h, january["id"], "Käynti ei toteutunut")
    assert credit["amount"] == "-30.00"
    assert (await _events(h))[march["id"]] == ("30.00", "payable")


async def test_the_hour_crossing_the_balance_approved_and_credited_leaves_its_rest_for_the_corrected_visit(
    seeded: Harness,
) -> None:
    """004 §4.3.5.6 with a euro balance: 90.00 of 100.00 used, an hour of 30.00 crosses it. The officer approves
    and credits it; the provider records the part within the balance, 20 minutes (10.00), paid without a decision,
    and any more waits for the officer."""
    h = seeded
    await _balance(h)
    await _visit(h, "2016-02-01", "10:00", "13:00")  # 90.00
    over = await _visit(h, "2016-02-08", "10:00", "11:00")  # 30.00: 120.00
    decided = await h.client.post(f"/v1/tenants/{T}/events/{over['id']}/decision", headers=h.officer(),
                                  json={"decision": "approve_and_credit", "reason": "Saldo ylittyy"})
    assert decided.status_code == 200, decided.text
    [credit] = await h.published("events.credit.requested")
    assert credit["amount"] == "-30.00"
    corrected = await _visit(h, "2016-02-08", "10:00", "10:20")
    assert (corrected["amount_tenant"], corrected["approval"]) == ("10.00", "payable")
    more = await _visit(h, "2016-02-09", "10:00", "10:01")
    assert more["approval"] == "awaiting_approval"
