"""Issue 20: a booking names any producer part the price lists know (domain.md "tuottajanosa"): the company,
a site approved for the service, a unit of the company (by its name) or an employee, spelled as applications
and events spell them. An unknown one is refused on the field and nothing is booked; a unit renamed or removed
after the booking keeps its booking, which shows the name it was booked with."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

from .conftest import HOME_CARE, HOUSING, P1, P2, S1, S2, Harness, approve, hetu, new_client, new_voucher, price_list

KUUSI, KOIVU = "Ryhmäkoti Kuusi", "Ryhmäkoti Koivu"


async def _units(h: Harness, provider_id: str, units: list[str], at: str) -> None:
    await h.publish("registry.provider.units_changed",
                    {"provider_id": provider_id, "units": units, "changed_at": at}, None)


async def _employee(h: Harness, event: str, provider_id: str, employee_id: str, name: str,
                    removed_at: str | None = None, occurred_at: datetime | None = None, **more: Any) -> None:
    envelope = Envelope(type=f"registry.employee.{event}", tenant_id=None,
                        occurred_at=occurred_at or datetime.now(UTC),
                        payload={"provider_id": provider_id, "employee_id": employee_id, "name": name,
                                 "removed_at": removed_at, **more})
    await InMemoryTransport(h.broker).publish(envelope, {}, timeout=1)
    await h.broker.drain()


async def _people(h: Harness) -> None:
    await _units(h, P1, [KUUSI, KOIVU], "2016-02-01T08:00:00Z")
    await _employee(h, "added", P1, "emp-liisa", "Liisa Lähihoitaja")
    await _employee(h, "added", P2, "emp-other", "Olli Muualla")  # another company's


async def _voucher(h: Harness) -> tuple[str, str]:
    client = await new_client(h, identity_code="010180-9026")
    voucher = await new_voucher(h, client["id"])
    return voucher["number"], voucher["contents"][0]["id"]


async def _another_voucher(h: Harness, code: str) -> tuple[str, str]:
    client = await new_client(h, identity_code=code)
    voucher = await new_voucher(h, client["id"])
    return voucher["number"], voucher["contents"][0]["id"]


async def _book(h: Harness, number: str, content_id: str, part: str | None, provider: str = P1) -> httpx.Response:
    return await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(provider), json={
        "voucher_number": number, "voucher_content_id": content_id, "accept_terms": True, "producer_part": part})


async def _booking(h: Harness, booking_id: str) -> dict[str, Any]:
    response = await h.http.get(f"/v1/tenants/kouvola/bookings/{booking_id}", headers=h.provider())
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_the_provider_books_the_company_a_site_a_unit_or_an_employee(h: Harness) -> None:
    await _people(h)
    number, content = await _voucher(h)
    view = await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{number}", headers=h.provider())
    assert view.status_code == 200, view.text
    assert view.json()["producer_part_names"] == {
        f"site:{S1}": "Päivänsäde koti", f"unit:{KUUSI}": KUUSI, f"unit:{KOIVU}": KOIVU,
        "employee:emp-liisa": "Liisa Lähihoitaja"}  # not the other company's employee nor its site
    assert view.json()["producer_parts"] == sorted(view.json()["producer_part_names"])

    parts: list[tuple[str | None, str | None]] = [
        (None, None), (f"site:{S1}", "Päivänsäde koti"), (f"unit:{KUUSI}", KUUSI),
        ("employee:emp-liisa", "Liisa Lähihoitaja")]
    codes = ["010180-9026", hetu("020280", "-", "902"), hetu("030380", "-", "902"), hetu("040480", "-", "902")]
    for (part, name), code in zip(parts, codes, strict=True):
        number, content = await _another_voucher(h, code) if code != codes[0] else (number, content)
        made = await _book(h, number, content, part)
        assert made.status_code == 201, made.text
        assert (made.json()["producer_part"], made.json()["producer_part_name"]) == (part, name)
        assert made.json()["producer_part_listed"] is True
    published = [e.payload["producer_part"] for e in await h.published("vouchers.booking.made")]
    assert sorted(published, key=str) == sorted([p for p, _ in parts], key=str)


async def test_an_unknown_site_unit_or_employee_is_refused_on_the_field_and_nothing_is_booked(h: Harness) -> None:
    await _people(h)
    await _employee(h, "added", P1, "emp-gone", "Kalle Lähtenyt")
    await _employee(h, "removed", P1, "emp-gone", "Kalle Lähtenyt", removed_at="2016-02-15T10:00:00Z")
    number, content = await _voucher(h)
    refusals = {
        f"site:{S2}": "no such site of this company approved for the service",  # the other company's site
        "unit:Ryhmäkoti Kataja": "no such unit of this company",
        "employee:emp-other": "no such employee of this company",  # the other company's employee
        "employee:emp-nobody": "no such employee of this company",
        "employee:emp-gone": "this employee has been removed",
        "team:1": "must be empty (the company), site:<id>, unit:<name> or employee:<id>",
        "unit:": "must be empty (the company), site:<id>, unit:<name> or employee:<id>",
    }
    for part, reason in refusals.items():
        refused = await _book(h, number, content, part)
        assert refused.status_code == 422, (part, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["reason"] == "producer_part_unknown"
        assert refused.json()["errors"] == [{"field": "producer_part", "reason": reason}], part
    listed = await h.http.get("/v1/tenants/kouvola/bookings", headers=h.provider())
    assert listed.json()["total"] == 0
    assert await h.published("vouchers.booking.made") == []
    # a unit of another company is not this company's, though the name is the same
    await _units(h, P2, ["Ryhmäkoti Kataja"], "2016-02-01T08:00:00Z")
    assert (await _book(h, number, content, "unit:Ryhmäkoti Kataja")).status_code == 422


async def test_a_unit_renamed_or_removed_after_the_booking_keeps_it_under_the_booked_name(h: Harness) -> None:
    await _people(h)
    number, content = await _voucher(h)
    unit_booking = (await _book(h, number, content, f"unit:{KUUSI}")).json()
    number2, content2 = await _another_voucher(h, hetu("020280", "-", "902"))
    employee_booking = (await _book(h, number2, content2, "employee:emp-liisa")).json()

    await _units(h, P1, ["Ryhmäkoti Kuusikko", KOIVU], "2016-03-02T08:00:00Z")  # Kuusi renamed
    shown = await _booking(h, unit_booking["id"])
    assert (shown["producer_part"], shown["producer_part_name"], shown["producer_part_listed"]) == (
        f"unit:{KUUSI}", KUUSI, False)
    number3, content3 = await _another_voucher(h, hetu("030380", "-", "902"))
    again = await _book(h, number3, content3, f"unit:{KUUSI}")
    assert again.status_code == 422
    assert again.json()["errors"][0]["reason"] == "this unit is no longer among the company's units"
    assert (await _book(h, number3, content3, "unit:Ryhmäkoti Kuusikko")).status_code == 201

    await _employee(h, "changed", P1, "emp-liisa", "Liisa Virtanen")  # renamed: the same person
    shown = await _booking(h, employee_booking["id"])
    assert (shown["producer_part_name"], shown["producer_part_listed"]) == ("Liisa Virtanen", True)
    await _employee(h, "removed", P1, "emp-liisa", "Liisa Virtanen", removed_at="2016-03-05T10:00:00Z")
    shown = await _booking(h, employee_booking["id"])
    assert (shown["producer_part"], shown["producer_part_name"], shown["producer_part_listed"]) == (
        "employee:emp-liisa", "Liisa Virtanen", False)
    listed = await h.http.get("/v1/tenants/kouvola/bookings", headers=h.provider())
    assert {b["id"]: b["state"] for b in listed.json()["items"]}[unit_booking["id"]] == "active"


async def test_units_and_employees_heard_late_or_twice_do_not_go_back(h: Harness) -> None:
    await _units(h, P1, [KUUSI], "2016-03-02T08:00:00Z")
    await _units(h, P1, [KUUSI, KOIVU], "2016-02-01T08:00:00Z")  # an older list, arriving late
    await _units(h, P1, [KUUSI], "2016-03-02T08:00:00Z")  # redelivered
    number, content = await _voucher(h)
    view = (await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{number}", headers=h.provider())).json()
    assert [p for p in view["producer_parts"] if p.startswith("unit:")] == [f"unit:{KUUSI}"]
    refused = await _book(h, number, content, f"unit:{KOIVU}")
    assert refused.json()["errors"][0]["reason"] == "this unit is no longer among the company's units"

    late = datetime(2016, 3, 1, tzinfo=UTC)
    await _employee(h, "changed", P1, "emp-liisa", "Liisa Virtanen", occurred_at=datetime(2016, 3, 3, tzinfo=UTC))
    await _employee(h, "added", P1, "emp-liisa", "Liisa Lähihoitaja", occurred_at=late)  # the older name
    view = (await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{number}", headers=h.provider())).json()
    assert view["producer_part_names"]["employee:emp-liisa"] == "Liisa Virtanen"
    await _employee(h, "removed", P1, "emp-liisa", "Liisa Virtanen", removed_at="2016-03-05T10:00:00Z")
    await _employee(h, "added", P1, "emp-liisa", "Liisa Virtanen", occurred_at=late)  # redelivered, late
    view = (await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{number}", headers=h.provider())).json()
    assert "employee:emp-liisa" not in view["producer_parts"]


async def test_a_unit_priced_by_its_own_list_needs_no_company_list(h: Harness) -> None:
    """Provider P2 has no company list: only its unit's list prices the content, so only the unit books."""
    await approve(h, P2, HOUSING, [S2])
    await _units(h, P2, [KUUSI], "2016-02-01T08:00:00Z")
    await price_list(h, "pl-unit", P2, HOUSING, f"unit:{KUUSI}", "2016-01-01", ["asuminen"])
    number, content = await _voucher(h)
    view = (await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{number}", headers=h.provider(P2))).json()
    assert view["contents"][0]["bookable"] is True
    company = await _book(h, number, content, None, provider=P2)
    assert company.status_code == 409 and company.json()["reason"] == "no_valid_price_list"
    made = await _book(h, number, content, f"unit:{KUUSI}", provider=P2)
    assert made.status_code == 201, made.text


OLD_SITE = "site-paivansade-old"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def _site(h: Harness, event: str, site_id: str, name: str, occurred_at: datetime) -> None:
    envelope = Envelope(type=f"registry.site.{event}", tenant_id=None, occurred_at=occurred_at,
                        payload={"provider_id": P1, "site_id": site_id, "name": name,
                                 "notification_email": "vanha@paivansade.fi", "phone": None, "billing": None})
    await InMemoryTransport(h.broker).publish(envelope, {}, timeout=1)
    await h.broker.drain()


async def test_a_site_entered_before_vouchers_heard_of_sites_is_named_once_the_registry_tells_it(
        h: Harness) -> None:
    """A site the registry had before vouchers listened to its site events: approved and booked, it shows
    its id until the registry's catch-up (registry.site.added stated at the epoch) arrives, then its name.
    The catch-up heard twice, or after a newer name, changes nothing."""
    await approve(h, P1, HOUSING, [S1, OLD_SITE])
    number, content = await _voucher(h)
    made = await _book(h, number, content, f"site:{OLD_SITE}")
    assert made.status_code == 201, made.text
    assert (await _booking(h, made.json()["id"]))["producer_part_name"] == OLD_SITE  # not heard of yet

    await _site(h, "added", OLD_SITE, "Päivänsäde Vanhalinna", EPOCH)
    await _site(h, "added", OLD_SITE, "Päivänsäde Vanhalinna", EPOCH)  # redelivered
    shown = await _booking(h, made.json()["id"])
    assert (shown["producer_part"], shown["producer_part_name"]) == (f"site:{OLD_SITE}", "Päivänsäde Vanhalinna")
    view = (await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{number}", headers=h.provider())).json()
    assert view["producer_part_names"][f"site:{OLD_SITE}"] == "Päivänsäde Vanhalinna"

    await _site(h, "changed", OLD_SITE, "Päivänsäde Linna", datetime(2016, 3, 1, tzinfo=UTC))  # renamed
    await _site(h, "added", OLD_SITE, "Päivänsäde Vanhalinna", EPOCH)  # the catch-up again, late
    assert (await _booking(h, made.json()["id"]))["producer_part_name"] == "Päivänsäde Linna"
    await _site(h, "changed", OLD_SITE, "Päivänsäde Vanhalinna", datetime(2016, 2, 1, tzinfo=UTC))  # older
    assert (await _booking(h, made.json()["id"]))["producer_part_name"] == "Päivänsäde Linna"


async def test_a_site_renamed_after_its_registration_keeps_the_new_name_over_the_catch_up(
        h: Harness) -> None:
    """A site heard of with its company's registration, renamed since: the catch-up stated at the epoch is
    older and changes nothing."""
    number, content = await _voucher(h)
    made = await _book(h, number, content, f"site:{S1}")
    assert made.status_code == 201, made.text
    await _site(h, "changed", S1, "Päivänsäde Kotikallio", datetime.now(UTC))  # after its registration
    await _site(h, "added", S1, "Päivänsäde koti", EPOCH)
    assert (await _booking(h, made.json()["id"]))["producer_part_name"] == "Päivänsäde Kotikallio"


async def test_a_purchase_of_an_employee_or_unit_is_announced_at_that_parts_address(h: Harness) -> None:
    """Domain: the producer part's notification address gets the notice: an employee's contact address, or the
    address of the site it works at when it has none (an older fact arriving late changes neither); a unit has
    no address of its own: the company's."""
    await _units(h, P1, [KUUSI], "2016-02-01T08:00:00Z")
    await _employee(h, "added", P1, "emp-liisa", "Liisa Lähihoitaja", email="liisa@paivansade.fi",
                    occurred_at=datetime(2016, 2, 2, tzinfo=UTC))
    await _employee(h, "changed", P1, "emp-liisa", "Liisa Lähihoitaja", email="vanha@paivansade.fi",
                    occurred_at=datetime(2016, 2, 1, tzinfo=UTC))  # older: changes nothing
    await _employee(h, "added", P1, "emp-ville", "Ville Vailla", site_id=S1)  # no address: the site's
    expected = {"employee:emp-liisa": "liisa@paivansade.fi", "employee:emp-ville": f"koti@{S1}.fi",
                f"unit:{KUUSI}": "info@paivansade.fi"}
    for n, part in enumerate(expected):
        client = await new_client(h, identity_code=hetu(f"0{n + 1}0380", "-", "902"))
        commitment = await new_voucher(h, client["id"], service_id=HOME_CARE,
                                       contents=[{"content_id": "kotikaynti", "granted_amount": "10",
                                                  "period": "week"}])
        booked = await h.http.post("/v1/tenants/kouvola/purchases", headers=h.officer(), json={
            "voucher_id": commitment["id"], "voucher_content_id": commitment["contents"][0]["id"],
            "provider_id": P1, "producer_part": part})
        assert booked.status_code == 201, booked.text
    notices = {n.payload["producer_part"]: n.payload["notification_email"]
               for n in await h.published("vouchers.purchase.booked")}
    assert notices == expected
