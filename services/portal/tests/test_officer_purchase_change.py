"""Officer journey 2 one step on: the municipality moves a purchased-service client (ostopalvelu) to another
provider. The officer ends the booked provider's booking on its last day on the commitment's page and books the
next one; ending it was possible only through the API, so the page answered "already booked" with no way on."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
from seteli_common.clock import SystemClock, today_in_helsinki

from .conftest import csrf_of, login
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .test_officer_purchase_parts import _purchase_voucher


def _bookings(html: str) -> str:
    return re.search(r'<ul class="plain" id="voucher-bookings">.*?</ul>', html, re.S).group(0)  # type: ignore[union-attr]


async def test_the_officer_ends_a_purchased_booking_and_books_another_provider(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    voucher = await _purchase_voucher(services, data, 4141)
    url = f"/officer/vouchers/{voucher['id']}"
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    page = await portal.get(url)
    content = voucher["contents"][0]["id"]
    company = f"{data.provider_id}|"
    booked = await portal.post(f"{url}/purchases", data={"csrf": csrf_of(page.text), "provider": company,
                                                          "voucher_content_id": content})
    assert booked.status_code == 303, booked.text[-2000:]
    page = await portal.get(url)
    again = await portal.post(f"{url}/purchases", data={"csrf": csrf_of(page.text), "provider": company,
                                                         "voucher_content_id": content})
    assert again.status_code == 409 and "varattu" in again.text.lower(), again.text[-2000:]
    # the booking names its last day and can be ended from the page
    form = re.search(r'<form method="post" action="[^"]*/bookings/([^/"]+)/end"', page.text)
    assert form, _bookings(page.text)
    booking_id = form.group(1)
    assert f'<label for="end-{booking_id}-ended_on">Viimeinen päivä' in page.text
    empty = await portal.post(f"{url}/bookings/{booking_id}/end", data={"csrf": csrf_of(page.text), "ended_on": ""})
    assert empty.status_code == 422 and f'id="end-{booking_id}-ended_on-error"' in empty.text, empty.text[-2000:]
    # the error summary is the end form's, linked to its day (the one the browser focuses), not the booking form's
    summary = re.search(rf'<div class="alert alert-error"[^>]*id="end-{booking_id}-errors".*?</div>', empty.text, re.S)
    assert summary and f'href="#end-{booking_id}-ended_on">Viimeinen päivä' in summary.group(0), empty.text[-3000:]
    assert empty.text.count('class="alert alert-error"') == 1 and 'id="purchase-provider-error"' not in empty.text
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "sv", "next": url})
    swedish = await portal.post(f"{url}/bookings/{booking_id}/end", data={"csrf": csrf_of(page.text), "ended_on": ""})
    assert f'<label for="end-{booking_id}-ended_on">Sista dag' in swedish.text and "Avsluta bokningen" in swedish.text
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "fi", "next": url})
    before = await portal.post(f"{url}/bookings/{booking_id}/end",
                               data={"csrf": csrf_of(page.text), "ended_on": "2000-01-01"})
    assert before.status_code == 422 and f'id="end-{booking_id}-ended_on-error"' in before.text, before.text[-2000:]
    today = today_in_helsinki(SystemClock())
    ended = await portal.post(f"{url}/bookings/{booking_id}/end",
                              data={"csrf": csrf_of(page.text), "ended_on": today.isoformat()})
    assert ended.status_code == 303, ended.text[-2000:]
    after = await portal.get(ended.headers["location"])
    assert "Varaus päätetty" in after.text
    assert f"{today.day}.{today.month}.{today.year}" in _bookings(after.text)
    assert f'action="{url}/bookings/{booking_id}/end"' not in after.text  # ended once
    rebooked = await portal.post(f"{url}/purchases", data={"csrf": csrf_of(after.text), "provider": company,
                                                            "voucher_content_id": content})
    assert rebooked.status_code == 303, rebooked.text[-2000:]
    listed = _bookings((await portal.get(url)).text)
    assert listed.count("<li>") == 2


async def test_a_purchased_booking_ended_ahead_reads_active_until_its_last_day(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    """The officer ends the booking from a day ahead (the client moves next week): until that day the provider
    still gives and records the care, so the commitment's page and the provider's bookings read it active with
    the day it ends ("päättyy", "upphör"), not "Päättynyt"."""
    voucher = await _purchase_voucher(services, data, 9191)  # a seed no other test of the suite uses
    url = f"/officer/vouchers/{voucher['id']}"
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    page = await portal.get(url)
    booked = await portal.post(f"{url}/purchases", data={"csrf": csrf_of(page.text), "provider": f"{data.provider_id}|",
                                                          "voucher_content_id": voucher["contents"][0]["id"]})
    assert booked.status_code == 303, booked.text[-2000:]
    page = await portal.get(url)
    booking_id = re.search(r'action="[^"]*/bookings/([^/"]+)/end"', page.text).group(1)  # type: ignore[union-attr]
    last = min(today_in_helsinki(SystemClock()) + timedelta(days=6), date.fromisoformat(voucher["valid_until"]))
    ended = await portal.post(f"{url}/bookings/{booking_id}/end",
                              data={"csrf": csrf_of(page.text), "ended_on": last.isoformat()})
    assert ended.status_code == 303, ended.text[-2000:]
    shown = f"{last.day}.{last.month}.{last.year}"
    listed = " ".join(_bookings((await portal.get(url)).text).split())
    assert "Voimassa" in listed and f"päättyy {shown}" in listed and "Päättynyt" not in listed, listed
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "sv", "next": url})
    listed = " ".join(_bookings((await portal.get(url)).text).split())
    assert "Aktiv" in listed and f"upphör {shown}" in listed, listed
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "fi", "next": url})

    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    clients = await portal.get("/provider/clients")
    row = next(r for r in re.findall(r"<tr>.*?</tr>", clients.text, re.S) if f"/provider/bookings/{booking_id}" in r)
    row = " ".join(row.split())
    assert "Voimassa" in row and f"päättyy {shown}" in row and "Päättynyt" not in row, row
