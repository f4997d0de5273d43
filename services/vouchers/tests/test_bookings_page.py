"""Issue 21: a page of bookings (the provider's list, the officer's list) is read in a fixed number of statements,
whatever its size, and shows each booking exactly as the booking's own page does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event

from .conftest import HOUSING, P1, P2, S1, S2, Harness, approve, hetu, new_client, new_voucher, price_list

KUUSI = "Ryhmäkoti Kuusi"
# P1's bookings cycle through every kind of producer part; P2 books the company
P1_PARTS: list[str | None] = [None, f"site:{S1}", f"unit:{KUUSI}", "employee:emp-page"]


async def _thirty_bookings(h: Harness) -> list[dict[str, Any]]:
    await approve(h, P2, HOUSING, [S2])
    await price_list(h, "pl-page-p2", P2, HOUSING, None, "2016-01-01", ["asuminen"])
    await h.publish("registry.provider.units_changed",
                    {"provider_id": P1, "units": [KUUSI], "changed_at": "2016-02-01T08:00:00Z"}, None)
    await h.publish("registry.employee.added",
                    {"provider_id": P1, "employee_id": "emp-page", "name": "Pia Sivu", "removed_at": None}, None)
    made = []
    for i in range(30):
        client = await new_client(h, identity_code=hetu(f"{i + 1:02d}0581", "-", "913"), last_name=f"Sivu{i:02d}")
        voucher = await new_voucher(h, client["id"])
        provider = P1 if i < 20 else P2
        body = {"voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
                "accept_terms": True, "producer_part": P1_PARTS[i % 4] if provider == P1 else None}
        if i % 3 == 0:
            body["client_number"] = f"SIVU-{i:02d}"  # the provider's own number; the others show the reference
        h.clock.advance(timedelta(minutes=1))  # newest first: each booking a minute after the one before
        booked = await h.http.post("/v1/tenants/kouvola/bookings", json=body, headers=h.provider(provider))
        assert booked.status_code == 201, booked.text
        made.append({**booked.json(), "reference": client["reference"]})
    ended = await h.http.post(f"/v1/tenants/kouvola/bookings/{made[5]['id']}/end", headers=h.provider(),
                              json={"ended_on": "2016-03-20", "reason": "muutto"})
    assert ended.status_code == 200, ended.text
    # the unit is renamed after its bookings: they keep the name they were booked with, no longer listed
    await h.publish("registry.provider.units_changed",
                    {"provider_id": P1, "units": ["Ryhmäkoti Kuusikko"], "changed_at": "2016-03-02T08:00:00Z"}, None)
    return made


async def _counted_get(h: Harness, url: str, headers: dict[str, str], **params: Any) -> tuple[int, dict[str, Any]]:
    """The statements a GET sends, and its answer."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(h.runtime.db.sync_engine, "before_cursor_execute", count)
    try:
        response = await h.http.get(url, params=params, headers=headers)
    finally:
        event.remove(h.runtime.db.sync_engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.text
    return len(seen), response.json()


async def _statements_of(h: Harness, headers: dict[str, str], limit: int) -> tuple[int, dict[str, Any]]:
    counted, page = await _counted_get(h, "/v1/tenants/kouvola/bookings", headers, limit=limit)
    assert len(page["items"]) == limit
    return counted, page


async def test_a_page_of_bookings_takes_as_many_statements_for_30_bookings_as_for_5(h: Harness) -> None:
    await _thirty_bookings(h)
    for headers, most in ((h.provider(), 20), (h.officer(), 30)):
        few, _ = await _statements_of(h, headers, 5)
        many, _ = await _statements_of(h, headers, most)
        assert many == few <= 8, (few, many)  # count, page, client numbers, 4 of producer parts, access log


async def test_a_page_shows_each_booking_as_its_own_page_does_newest_first(h: Harness) -> None:
    made = await _thirty_bookings(h)
    _, provider_page = await _statements_of(h, h.provider(), 20)
    _, officer_page = await _statements_of(h, h.officer(), 30)
    assert provider_page["total"] == 20 and officer_page["total"] == 30
    newest_first = [b["id"] for b in reversed(made)]
    assert [b["id"] for b in officer_page["items"]] == newest_first
    assert [b["id"] for b in provider_page["items"]] == newest_first[10:]
    for item in officer_page["items"]:
        own = await h.http.get(f"/v1/tenants/kouvola/bookings/{item['id']}", headers=h.provider(item["provider_id"]))
        assert own.status_code == 200, own.text
        assert item == own.json()
    assert provider_page["items"] == officer_page["items"][10:]
    by_id = {b["id"]: b for b in officer_page["items"]}
    keys = ("client_ref", "producer_part_name", "producer_part_listed", "state")
    shown = [tuple(by_id[m["id"]][k] for k in keys) for m in made[:5]]
    assert shown == [
        ("SIVU-00", None, True, "active"),
        (made[1]["reference"], "Päivänsäde koti", True, "active"),
        (made[2]["reference"], KUUSI, False, "active"),
        ("SIVU-03", "Pia Sivu", True, "active"),
        (made[4]["reference"], None, True, "active"),
    ]
    assert by_id[made[5]["id"]]["state"] == "ended" and by_id[made[5]["id"]]["end_reason"] == "muutto"
    assert [by_id[m["id"]]["client_ref"] for m in made[20:23]] == [made[20]["reference"], "SIVU-21",
                                                                   made[22]["reference"]]


async def test_a_bookings_own_page_takes_seven_statements_with_a_client_number_or_without(h: Harness) -> None:
    """`GET /bookings/{id}`: the booking, how its provider knows the client, 4 of producer parts, the access log
    (the client was read again when the provider had given no number, and the booking read twice)."""
    made = await _thirty_bookings(h)
    for booking in made[:2]:  # the first with the provider's client number, the second with the reference
        counted, page = await _counted_get(h, f"/v1/tenants/kouvola/bookings/{booking['id']}", h.provider())
        assert counted == 7, (booking["id"], counted)
        assert page["client_ref"] == ("SIVU-00" if booking is made[0] else booking["reference"])
