"""A care event or an interruption names a producer part of the booking's company (domain: "producer part"):
"" / null the company, "site:<id>", "unit:<name>" or "employee:<id>" as the registry tells them. Through the
API anything was accepted: a mistyped site or another company's was paid to a site settlement never knew
(held as "site not known" forever: the provider was never paid), an unknown unit or employee got the company's
price silently. Now such a part is refused (422, field `producer_part`, code `producer_part_not_known`) and
nothing is stored; the booking's own part is always accepted (vouchers checked it when booking)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
from seteli_events.service import month_jobs

from .conftest import OTHER_PROVIDER, PROVIDER, Harness, T

EARLY = datetime(2016, 3, 1, 8, 0, tzinfo=UTC)
LATE = datetime(2016, 3, 2, 8, 0, tzinfo=UTC)


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "producer_part_not_known"
    assert [e["field"] for e in body["errors"]] == ["producer_part"]


async def _event(h: Harness, part: str | None, day: str, booking_id: str = "b-housing") -> httpx.Response:
    return await h.post_event({"booking_id": booking_id, "start": day, "end": day, "producer_part": part})


async def _interruption(h: Harness, part: str | None, start: str, end: str) -> httpx.Response:
    return await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": start, "end": end, "reason": "hospital", "producer_part": part})


async def _units(h: Harness, units: list[str], changed_at: datetime, provider_id: str = PROVIDER) -> None:
    await h.tell("registry.provider.units_changed",
                 {"provider_id": provider_id, "units": units, "changed_at": changed_at.isoformat()}, changed_at)


async def _employee(h: Harness, fact: str, employee_id: str, at: datetime, provider_id: str = PROVIDER) -> None:
    await h.tell(f"registry.employee.{fact}", {
        "provider_id": provider_id, "employee_id": employee_id, "name": "Hoitaja", "email": "",
        "site_id": None, "removed_at": at.isoformat() if fact == "removed" else None}, at)


async def _stored(h: Harness) -> tuple[int, int]:
    events = await h.client.get(f"/v1/tenants/{T}/events", params={"booking_id": "b-housing"},
                                headers=h.provider())
    interruptions = await h.client.get(f"/v1/tenants/{T}/interruptions", params={"booking_id": "b-housing"},
                                       headers=h.provider())
    assert events.status_code == interruptions.status_code == 200, (events.text, interruptions.text)
    return events.json()["total"], len(interruptions.json()["items"])


async def test_a_part_not_of_the_company_is_refused_and_nothing_is_stored(seeded: Harness) -> None:
    """The company Päivänsäde has the site Kotirinne and the unit Kuusi; the other company has its own site and
    employee. A mistyped site, the other company's site or employee, an unknown unit or employee: each care event
    and interruption naming one is refused, and nothing is stored or sent to settlement."""
    h = seeded
    await h.tell_site("s-kotirinne")
    await h.tell_site("s-muu", provider_id=OTHER_PROVIDER)
    await _units(h, ["Kuusi"], EARLY)
    await _employee(h, "added", "e-muu", EARLY, provider_id=OTHER_PROVIDER)
    for part in ("site:s-kotirine", "site:s-muu", "unit:Koivu", "employee:e-muu", "employee:e-none", "s-kotirinne",
                 "unit:", "Kuusi"):
        _refused(await _event(h, part, "2016-02-01"))
        _refused(await _interruption(h, part, "2016-02-02", "2016-02-05"))
    assert await _stored(h) == (0, 0)
    assert await h.published() == []


async def test_the_companys_site_unit_and_employee_heard_from_the_registry_are_accepted(seeded: Harness) -> None:
    h = seeded
    await h.tell_site("s-kotirinne")
    await _units(h, ["Kuusi", "Koivu"], EARLY)
    await _employee(h, "added", "e-1", EARLY)
    for day, part in (("2016-02-01", "site:s-kotirinne"), ("2016-02-02", "unit:Koivu"), ("2016-02-03", "employee:e-1"),
                      ("2016-02-04", ""), ("2016-02-05", None)):
        recorded = await _event(h, part, day)
        assert recorded.status_code == 201, recorded.text
        assert (recorded.json()["producer_part"] or None) == (part or None)
    interruption = await _interruption(h, "site:s-kotirinne", "2016-02-08", "2016-02-10")
    assert interruption.status_code == 201, interruption.text
    assert [p["producer_part"] or None for p in await h.published("events.event.recorded")] == [
        "site:s-kotirinne", "unit:Koivu", "employee:e-1", None, None]


async def test_facts_heard_out_of_order_keep_the_newest(seeded: Harness) -> None:
    """The site's change is heard before its addition, a newer list of units before an older one, an employee's
    removal before its addition: the newest fact stands whatever the order of arrival."""
    h = seeded
    await h.tell_site("s-kotirinne", occurred_at=LATE, fact="changed")
    await h.tell_site("s-kotirinne", occurred_at=EARLY)
    await _units(h, ["Kuusi"], LATE)
    await _units(h, ["Koivu"], EARLY)
    await _employee(h, "removed", "e-1", LATE)
    await _employee(h, "added", "e-1", EARLY)
    assert (await _event(h, "site:s-kotirinne", "2016-02-01")).status_code == 201
    assert (await _event(h, "unit:Kuusi", "2016-02-02")).status_code == 201
    _refused(await _event(h, "unit:Koivu", "2016-02-03"))
    _refused(await _event(h, "employee:e-1", "2016-02-04"))
    # a fact heard twice changes nothing
    await _units(h, ["Kuusi"], LATE)
    assert (await _event(h, "unit:Kuusi", "2016-02-05")).status_code == 201


async def test_the_bookings_own_part_is_accepted_before_the_registry_is_heard(seeded: Harness) -> None:
    """Vouchers checked the part when the client was booked to it: a booking made a second after the site was
    added is recorded against at once, though the registry's news of the site has not arrived here yet."""
    h = seeded
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-site", "voucher_id": "v-2", "voucher_content_id": "vc-visit", "service_id": "kotihoito",
        "content_id": "visit", "provider_id": PROVIDER, "producer_part": "site:s-uusi", "client_id": "c-2",
        "client_ref": "K-5", "kind": "voucher"})
    for part in ("site:s-uusi", None):
        recorded = await h.post_event({"booking_id": "b-site", "start": "2016-03-01", "units": "1",
                                       "producer_part": part})
        assert recorded.status_code == 201, recorded.text
        assert recorded.json()["producer_part"] == "site:s-uusi"
    _refused(await h.post_event({"booking_id": "b-site", "start": "2016-03-02", "units": "1",
                                 "producer_part": "site:s-vanha"}))


async def test_a_removed_employee_or_unit_takes_no_new_entries_and_its_entries_stay(seeded: Harness) -> None:
    """An employee removed or a unit no longer listed: no new care or absence is entered for it, and an entry
    is not moved to it; the entries made while it was the company's stay valid and editable."""
    h = seeded
    await _employee(h, "added", "e-1", EARLY)
    await _units(h, ["Kuusi"], EARLY)
    by_employee = await _event(h, "employee:e-1", "2016-02-01")
    by_unit = await _event(h, "unit:Kuusi", "2016-02-02")
    assert by_employee.status_code == by_unit.status_code == 201
    await _employee(h, "removed", "e-1", LATE)
    await _units(h, [], LATE)
    _refused(await _event(h, "employee:e-1", "2016-02-03"))
    _refused(await _event(h, "unit:Kuusi", "2016-02-04"))
    url = f"/v1/tenants/{T}/events"
    for event, part in ((by_employee, "employee:e-1"), (by_unit, "unit:Kuusi")):
        kept = await h.client.patch(f"{url}/{event.json()['id']}", json={"text": "korjattu"}, headers=h.provider())
        assert kept.status_code == 200, kept.text
        assert kept.json()["producer_part"] == part
        same = await h.client.patch(f"{url}/{event.json()['id']}", json={"producer_part": part}, headers=h.provider())
        assert same.status_code == 200, same.text
    moved = await h.client.patch(f"{url}/{by_unit.json()['id']}", json={"producer_part": "employee:e-1"},
                                 headers=h.provider())
    _refused(moved)


async def test_a_change_to_a_part_not_of_the_company_is_refused(seeded: Harness) -> None:
    h = seeded
    await h.tell_site("s-kotirinne")
    event = await _event(h, None, "2016-02-01")
    interruption = await _interruption(h, "site:s-kotirinne", "2016-02-02", "2016-02-05")
    assert event.status_code == interruption.status_code == 201, (event.text, interruption.text)
    changes: list[tuple[str, dict[str, Any]]] = [
        (f"/v1/tenants/{T}/events/{event.json()['id']}", {"producer_part": "site:s-kotirine"}),
        (f"/v1/tenants/{T}/interruptions/{interruption.json()['id']}", {"producer_part": "site:s-muu"}),
    ]
    for url, body in changes:
        _refused(await h.client.patch(url, json=body, headers=h.provider()))
    assert (await h.client.get(changes[0][0], headers=h.provider())).json()["producer_part"] is None
    listed = await h.client.get(f"/v1/tenants/{T}/interruptions", params={"booking_id": "b-housing"},
                                headers=h.provider())
    assert [i["producer_part"] for i in listed.json()["items"]] == ["site:s-kotirinne"]
    # to a part of the company, and back to the company
    moved = await h.client.patch(changes[0][0], json={"producer_part": "site:s-kotirinne"}, headers=h.provider())
    assert moved.status_code == 200 and moved.json()["producer_part"] == "site:s-kotirinne", moved.text
    back = await h.client.patch(changes[1][0], json={"producer_part": ""}, headers=h.provider())
    assert back.status_code == 200 and back.json()["producer_part"] is None, back.text


async def test_auto_recordings_draft_of_a_removed_employee_is_made_and_confirmed(seeded: Harness) -> None:
    """Auto-recording takes the part of the latest entry, whoever that is now: February's care was the employee's,
    who left in March; April's draft of March is made for the employee and the provider confirms it (the rule is
    for what a person names, not for what the month job carries on)."""
    h = seeded
    await _employee(h, "added", "e-1", EARLY)
    recorded = await h.post_event({"booking_id": "b-housing", "start": "2016-02-01", "end": "2016-02-29",
                                   "producer_part": "employee:e-1"})
    assert recorded.status_code == 201, recorded.text
    await _employee(h, "removed", "e-1", LATE)
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 1}
    [draft] = (await h.client.get(f"/v1/tenants/{T}/events?status=draft", headers=h.provider())).json()["items"]
    assert draft["producer_part"] == "employee:e-1"
    h.clock.set(datetime(2016, 4, 1, 10, 0, tzinfo=UTC))  # March has passed: its draft can be confirmed
    confirmed = await h.client.post(f"/v1/tenants/{T}/events/confirm", json={"event_ids": [draft["id"]]},
                                    headers=h.provider())
    assert confirmed.status_code == 200 and confirmed.json()["confirmed"] == 1, confirmed.text
    assert confirmed.json()["items"][0]["producer_part"] == "employee:e-1"
