"""Issue 20: the provider books a voucher for a unit or an employee of the company, beside the company and
its sites (journey 5), and chooses among them when recording (journey 6). A part that is not the company's is
refused at its field in Finnish and Swedish; a unit renamed after the booking keeps its booking under the name
it was booked with."""

from __future__ import annotations

import asyncio
import random
import re
from typing import Any

import httpx

from seteli.demo import random_test_identity_code

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import officer_headers

BASE = "http://suite"
KUUSI = "Ryhmäkoti Kuusi"


async def _new_voucher(services: httpx.AsyncClient, data: Seed, seed: int) -> dict[str, Any]:
    officer = await officer_headers(services, BASE, data.officer_email, OFFICER_PASSWORD)
    tenant = f"{BASE}/vouchers/v1/tenants/{data.tenant_id}"
    person = await services.post(f"{tenant}/clients", headers=officer, json={
        "first_name": "Kerttu", "last_name": f"Yksikkö{seed}", "language": "fi",
        "identity_code": random_test_identity_code(random.Random(seed))})
    assert person.status_code == 201, person.text
    month = data.voucher_month
    voucher = await services.post(f"{tenant}/vouchers", headers=officer, json={
        "client_id": person.json()["id"], "service_id": data.service_id, "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": data.content_id, "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}]})
    assert voucher.status_code == 201, voucher.text
    return voucher.json()  # type: ignore[no-any-return]


async def _until_offered(portal: httpx.AsyncClient, number: str, needle: str) -> str:
    """The booking page once vouchers has heard of the registry's change (over the in-process bus)."""
    for _ in range(100):
        page = await portal.get("/provider/book", params={"number": number})
        if needle in page.text:
            return page.text
        await asyncio.sleep(0.1)
    raise AssertionError(f"{needle} never offered: {page.text[-2000:]}")


def _group(html: str, label: str) -> list[str]:
    found = re.search(rf'<optgroup label="{label}">(.*?)</optgroup>', html, re.S)
    return re.findall(r">([^<]+)</option>", found.group(1)) if found else []


async def test_the_provider_books_a_unit_or_an_employee_and_records_for_them(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    provider = await officer_headers(services, BASE, data.provider_email, PROVIDER_PASSWORD)
    registry = f"{BASE}/registry/v1/providers/{data.provider_id}"
    units_before = (await services.get(registry, headers=provider)).json()["units"]
    assert (await services.patch(registry, headers=provider, json={"units": [KUUSI]})).status_code == 200
    employee = await services.post(f"{registry}/employees", headers=provider, json={"name": "Ulla Yksikkö"})
    assert employee.status_code == 201, employee.text
    try:
        await login(portal, data.provider_email, PROVIDER_PASSWORD)
        voucher = await _new_voucher(services, data, 7320)
        number = voucher["number"]
        page = await _until_offered(portal, number, "Ulla Yksikkö")
        assert '<option value="">Koko yritys</option>' in page
        assert _group(page, "Yksiköt") == [KUUSI] and "Ulla Yksikkö" in _group(page, "Työntekijät")
        assert _group(page, "Toimipaikat")  # the company's approved site, as before
        assert f'<option value="unit:{KUUSI}">{KUUSI}</option>' in page

        # a part that is not the company's (any more): refused at its field, nothing booked
        content_id = re.search(r'name="voucher_content_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        form = {"csrf": csrf_of(page), "voucher_number": number, "voucher_content_id": content_id,
                "accept_terms": "on"}
        refused = await portal.post("/provider/book", data={**form, "producer_part": "unit:Ryhmäkoti Kataja"})
        assert refused.status_code == 422
        assert 'id="book-producer_part-error"' in refused.text and 'aria-invalid="true"' in refused.text
        assert "Valitse koko yritys tai jokin yrityksen palveluun hyväksytyistä toimipaikoista" in refused.text
        assert '<a href="#book-producer_part">Tuottajanosa' in refused.text  # the summary names the field
        assert "no such unit" not in refused.text
        await portal.post("/language", data={"csrf": csrf_of(refused.text), "lang": "sv", "next": "/provider"})
        page_sv = (await portal.get("/provider/book", params={"number": number})).text
        assert _group(page_sv, "Enheter") == [KUUSI] and "Ulla Yksikkö" in _group(page_sv, "Anställda")
        refused = await portal.post("/provider/book", data={**form, "csrf": csrf_of(page_sv),
                                                             "producer_part": "employee:nobody"})
        assert refused.status_code == 422
        assert "Välj hela företaget eller ett av företagets verksamhetsställen, enheter eller anställda" in refused.text
        await portal.post("/language", data={"csrf": csrf_of(refused.text), "lang": "fi", "next": "/provider"})
        assert voucher["id"] not in (await services.get(
            f"{BASE}/vouchers/v1/tenants/{data.tenant_id}/bookings", headers=provider,
            params={"voucher_id": voucher["id"]})).text

        # booked for the unit: the month view names it and records for it by default
        booked = await portal.post("/provider/book", data={**form, "producer_part": f"unit:{KUUSI}",
                                                           "client_number": "Y-001"})
        assert booked.status_code == 303, booked.text[-2000:]
        view = await portal.get(booked.headers["location"])
        assert f'<p id="booking-part">Tuottajanosa: {KUUSI}</p>' in view.text
        select = view.text.split('id="event-producer_part"')[1].split("</select>")[0]
        assert 'value=""' not in select  # empty would mean the booking's own part: no "company" choice
        assert f'<option value="unit:{KUUSI}" selected>{KUUSI}</option>' in select
        assert "Ulla Yksikkö" in select and '<optgroup label="Toimipaikat">' in select

        # another voucher for the employee
        other = await _new_voucher(services, data, 7321)
        page = await _until_offered(portal, other["number"], "Ulla Yksikkö")
        employee_part = f"employee:{employee.json()['id']}"
        content_id = re.search(r'name="voucher_content_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        booked_employee = await portal.post("/provider/book", data={
            "csrf": csrf_of(page), "voucher_number": other["number"], "voucher_content_id": content_id,
            "accept_terms": "on", "producer_part": employee_part})
        assert booked_employee.status_code == 303, booked_employee.text[-2000:]
        view = await portal.get(booked_employee.headers["location"])
        assert '<p id="booking-part">Tuottajanosa: Ulla Yksikkö</p>' in view.text

        # the unit renamed after the booking: the booking keeps the name it was booked with
        assert (await services.patch(registry, headers=provider, json={"units": ["Ryhmäkoti Kuusikko"]})
                ).status_code == 200
        for _ in range(100):
            view = await portal.get(booked.headers["location"])
            if "ei enää yrityksen tiedoissa" in view.text:
                break
            await asyncio.sleep(0.1)
        assert (f'<p id="booking-part">Tuottajanosa: {KUUSI} (ei enää yrityksen tiedoissa; varaus ja sen hinnasto '
                "pysyvät ennallaan)</p>") in view.text
        select = view.text.split('id="event-producer_part"')[1].split("</select>")[0]
        assert f'<option value="unit:{KUUSI}" selected>{KUUSI}</option>' in select
        assert "Ryhmäkoti Kuusikko" in select
    finally:
        await services.patch(registry, headers=provider, json={"units": units_before})
        await services.delete(f"{registry}/employees/{employee.json()['id']}", headers=provider)


async def test_editing_an_event_of_an_employee_who_left_keeps_it_theirs(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    """An event recorded for an employee who has left since, on a booking of a unit: its edit form offered only
    the parts listed now, none selected, so the browser sent the first one (a site) and correcting the event's
    text moved it to that site's list and payee unasked. The form offers the event's own part, selected."""
    provider = await officer_headers(services, BASE, data.provider_email, PROVIDER_PASSWORD)
    registry = f"{BASE}/registry/v1/providers/{data.provider_id}"
    units_before = (await services.get(registry, headers=provider)).json()["units"]
    assert (await services.patch(registry, headers=provider, json={"units": [KUUSI]})).status_code == 200
    employee = await services.post(f"{registry}/employees", headers=provider, json={"name": "Lea Lähtijä"})
    assert employee.status_code == 201, employee.text
    employee_part = f"employee:{employee.json()['id']}"
    events = f"{BASE}/events/v1/tenants/{data.tenant_id}/events"
    event_id = None
    try:
        await login(portal, data.provider_email, PROVIDER_PASSWORD)
        voucher = await _new_voucher(services, data, 7322)
        page = await _until_offered(portal, voucher["number"], "Lea Lähtijä")
        content_id = re.search(r'name="voucher_content_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        booked = await portal.post("/provider/book", data={
            "csrf": csrf_of(page), "voucher_number": voucher["number"], "voucher_content_id": content_id,
            "accept_terms": "on", "producer_part": f"unit:{KUUSI}"})
        assert booked.status_code == 303, booked.text[-2000:]
        view_url = booked.headers["location"]
        booking_id = view_url.split("/provider/bookings/")[1].split("?")[0]
        day = str(data.voucher_month.first)
        for _ in range(100):  # once the events service has heard of the employee (over the in-process bus)
            made = await services.post(events, headers=provider, json={
                "booking_id": booking_id, "start": day, "end": day, "producer_part": employee_part})
            if made.status_code != 422:
                break
            await asyncio.sleep(0.1)
        assert made.status_code == 201, made.text
        event_id = made.json()["id"]
        assert (await services.delete(f"{registry}/employees/{employee.json()['id']}", headers=provider)
                ).status_code == 204

        edit_url = f"/provider/bookings/{booking_id}/events/{event_id}?month={data.voucher_month}"
        form = await portal.get(edit_url)
        select = form.text.split('id="edit-producer_part"')[1].split("</select>")[0]
        chosen = re.findall(r'<option value="([^"]*)" selected>', select)
        sent = chosen[0] if chosen else re.findall(r'<option value="([^"]*)"', select)[0]  # as a browser
        assert sent == employee_part, select
        changed = await submit(portal, edit_url, f"/provider/bookings/{booking_id}/events/{event_id}", {
            "month": str(data.voucher_month), "start": day, "end": day, "producer_part": sent,
            "text": "Korjattu kirjoitusvirhe"})
        assert changed.status_code == 303, changed.text[-2000:]
        stored = (await services.get(f"{events}/{event_id}", headers=provider)).json()
        assert stored["text"] == "Korjattu kirjoitusvirhe" and stored["producer_part"] == employee_part
    finally:
        if event_id:
            await services.delete(f"{events}/{event_id}", headers=provider)
        await services.patch(registry, headers=provider, json={"units": units_before})
        await services.delete(f"{registry}/employees/{employee.json()['id']}", headers=provider)
