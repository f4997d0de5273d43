"""Recording home care by the hour in the provider's month view, editing and deleting events and drafts,
and correcting an interruption listed with its dates (issue 20), through the portal and the real suite."""

from __future__ import annotations

import re
from typing import Any

import httpx
from seteli_portal.config import SERVICE_NAMES
from seteli_portal.i18n import date_fmt, money_fmt

from seteli.demo import _ok, sign_application
from seteli.embedded import Suite

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, officer_headers
from .test_corrections import _paid_event

BASE = "http://suite"


def _event_ids(html: str, booking_id: str) -> list[str]:
    return re.findall(rf'href="/provider/bookings/{booking_id}/events/([^"?]+)\?month=', html)


async def test_home_care_by_the_hour_is_recorded_edited_and_deleted_in_the_month_view(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    booking = await book_a_new_client(services, data, "Henkilökohtainen apu", "H-201", "10", "week", "28.00", 2011,
                                      portal=portal)
    provider = await officer_headers(services, BASE, data.provider_email, PROVIDER_PASSWORD)
    employee = await services.post(f"{BASE}/registry/v1/providers/{data.provider_id}/employees", headers=provider,
                                   json={"name": "Hilkka Hoitaja", "title": "lähihoitaja"})
    assert employee.status_code == 201, employee.text
    month = data.voucher_month
    url = f"/provider/bookings/{booking['id']}"
    view_url = f"{url}?month={month}"
    view = await portal.get(view_url)
    assert view.status_code == 200, view.text[-1500:]
    # an hour-unit content: a date, a start and an end time, the performer among the employees
    assert 'id="event-start_time" name="start_time" type="time"' in view.text
    assert 'id="event-end_time" name="end_time" type="time"' in view.text
    assert 'id="event-end"' not in view.text  # an hour range is on one day
    assert '<option value="Hilkka Hoitaja">Hilkka Hoitaja (lähihoitaja)</option>' in view.text
    day = month.first.replace(day=10)

    # the first entry, once: the portal waits while the booking travels to the events service
    recorded = await submit(portal, view_url, f"{url}/events", {
        "month": str(month), "start": str(day), "start_time": "09:00", "end_time": "11:00",
        "performer": "Hilkka Hoitaja", "text": "Aamutoimet"})
    assert recorded.status_code == 303, recorded.text[-2000:]
    view = await portal.get(view_url)
    assert "Palvelutapahtuma kirjattu." in view.text
    row = re.search(r'<tr id="event-[^"]+">.*?</tr>', view.text, re.S).group(0)  # type: ignore[union-attr]
    assert f"{date_fmt(day)} klo 09:00–11:00" in row and "2 h" in row and "Hilkka Hoitaja" in row
    assert money_fmt("56.00") in row  # 2 h × the voucher's 28.00 € of the 30.00 € price
    assert money_fmt("4.00") in row  # the client's share, 2 h × 2.00 €
    assert '<span class="mark amount">2 h</span>' in view.text  # the hours on the calendar day
    [event_id] = _event_ids(view.text, booking["id"])

    # a bad time range: by the field, in Finnish, nothing recorded, what was typed kept
    bad = await submit(portal, view_url, f"{url}/events", {
        "month": str(month), "start": str(day), "start_time": "12:00", "end_time": "11:00", "text": "Iltapäivä"})
    assert bad.status_code == 422
    assert 'id="event-end_time-error"' in bad.text and "Päättymisajan on oltava alkamisajan jälkeen." in bad.text
    assert re.search(r'id="event-end_time"[^>]*aria-describedby="event-end_time-error" aria-invalid="true"',
                     bad.text)
    assert 'name="start_time" type="time" value="12:00"' in bad.text and ">Iltapäivä</textarea>" in bad.text
    # everything the portal sees missing at once
    empty = await submit(portal, view_url, f"{url}/events", {"month": str(month), "start": ""})
    assert empty.status_code == 422
    for name in ("start", "start_time", "end_time"):
        assert f'id="event-{name}-error"' in empty.text, name
    assert _event_ids((await portal.get(view_url)).text, booking["id"]) == [event_id]

    # and in Swedish
    await portal.post("/language", data={"csrf": csrf_of(view.text), "lang": "sv", "next": view_url})
    swedish = await submit(portal, view_url, f"{url}/events", {
        "month": str(month), "start": str(day), "start_time": "12:00", "end_time": "11:00"})
    assert swedish.status_code == 422
    assert 'id="event-end_time-error"' in swedish.text and "Sluttiden ska vara efter starttiden." in swedish.text
    assert "Starttid" in swedish.text and "Utförare" in swedish.text
    await portal.post("/language", data={"csrf": csrf_of(swedish.text), "lang": "fi", "next": view_url})
    assert _event_ids((await portal.get(view_url)).text, booking["id"]) == [event_id]

    # edit: the same form, prefilled; a longer visit is worth more
    edit_url = f"{url}/events/{event_id}?month={month}"
    edit = await portal.get(edit_url)
    assert edit.status_code == 200
    assert 'id="edit-start_time" name="start_time" type="time" value="09:00"' in edit.text
    assert '<option value="Hilkka Hoitaja" selected>' in edit.text and ">Aamutoimet</textarea>" in edit.text
    refused = await submit(portal, edit_url, f"{url}/events/{event_id}", {
        "month": str(month), "start": str(day), "start_time": "11:30", "end_time": "09:00",
        "performer": "Hilkka Hoitaja", "text": "Aamutoimet"})
    assert refused.status_code == 422 and 'id="edit-end_time-error"' in refused.text
    assert "Päättymisajan on oltava alkamisajan jälkeen." in refused.text
    assert money_fmt("56.00") in (await portal.get(view_url)).text  # unchanged
    changed = await submit(portal, edit_url, f"{url}/events/{event_id}", {
        "month": str(month), "start": str(day), "start_time": "09:00", "end_time": "11:30",
        "performer": "Hilkka Hoitaja", "text": "Aamutoimet ja kauppa"})
    assert changed.status_code == 303, changed.text[-2000:]
    view = await portal.get(view_url)
    row = re.search(r'<tr id="event-[^"]+">.*?</tr>', view.text, re.S).group(0)  # type: ignore[union-attr]
    assert "Palvelutapahtuma muutettu." in view.text
    assert "klo 09:00–11:30" in row and "2,5 h" in row and money_fmt("70.00") in row
    assert money_fmt("56.00") not in row

    # a draft is deleted from the month view; a recorded event until it is settled
    draft = await submit(portal, view_url, f"{url}/events", {
        "month": str(month), "start": str(day.replace(day=11)), "start_time": "14:00", "end_time": "15:00",
        "status": "on"})  # the ticked "save as a draft" box, as a browser sends it
    assert draft.status_code == 303, draft.text[-2000:]
    view = await portal.get(view_url)
    ids = _event_ids(view.text, booking["id"])
    [draft_id] = [i for i in ids if i != event_id]
    assert "Poista luonnos" in view.text and f'value="{draft_id}"' in view.text
    deleted = await portal.post(f"{url}/events/{draft_id}/delete", data={"csrf": csrf_of(view.text),
                                                                         "month": str(month)})
    assert deleted.status_code == 303
    view = await portal.get(view_url)
    assert "Palvelutapahtuma poistettu." in view.text and _event_ids(view.text, booking["id"]) == [event_id]
    gone = await portal.post(f"{url}/events/{event_id}/delete", data={"csrf": csrf_of(view.text),
                                                                      "month": str(month)})
    assert gone.status_code == 303
    view = await portal.get(view_url)
    assert _event_ids(view.text, booking["id"]) == [] and "Ei kirjauksia tässä kuussa." in view.text

    # another company neither edits nor deletes it
    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    assert (await portal.get(edit_url)).status_code in (403, 404)


async def test_drafts_are_removed_from_the_drafts_page(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    booking = await book_a_new_client(services, data, "Henkilökohtainen apu", "H-202", "10", "week", "28.00", 2012,
                                      portal=portal)
    month = data.voucher_month
    url = f"/provider/bookings/{booking['id']}"
    view_url = f"{url}?month={month}"
    for day in (20, 21):
        draft = await submit(portal, view_url, f"{url}/events", {
            "month": str(month), "start": str(month.first.replace(day=day)), "start_time": "10:00",
            "end_time": "11:00", "status": "draft"})
        assert draft.status_code == 303, draft.text[-2000:]
    drafts = await portal.get("/provider/drafts")
    assert "H-202" in drafts.text and 'formaction="/provider/drafts/delete"' in drafts.text
    ids = _event_ids((await portal.get(view_url)).text, booking["id"])
    assert len(ids) == 2
    removed = await portal.post("/provider/drafts/delete", data={"csrf": csrf_of(drafts.text), "event_ids": ids})
    assert removed.status_code == 303
    after = await portal.get("/provider/drafts")
    assert "Poistettu 2 luonnosta, epäonnistui 0." in after.text and "H-202" not in after.text
    assert _event_ids((await portal.get(view_url)).text, booking["id"]) == []


async def test_interruptions_are_listed_one_by_one_with_their_dates_and_corrected(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    booking = await book_a_new_client(services, data, data.service_id, "D-203", "31", "month", "140.00", 2013)
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    month = data.voucher_month
    url = f"/provider/bookings/{booking['id']}"
    view_url = f"{url}?month={month}"
    first = (month.first.replace(day=3), month.first.replace(day=6))
    second = (month.first.replace(day=15), month.first.replace(day=17))
    for (start, end), reason in ((first, "hospital"), (second, "holiday")):
        made = await submit(portal, view_url, f"{url}/interruptions", {
            "month": str(month), "start": str(start), "end": str(end), "reason": reason})
        assert made.status_code == 303, made.text[-2000:]
    view = await portal.get(view_url)
    table = re.search(r'<table id="interruptions">.*?</table>', view.text, re.S).group(0)  # type: ignore[union-attr]
    rows = re.findall(r"<tr>\s*<td>([^<]*)</td><td>([^<]*)</td>\s*<td>([^<]*)</td>", table)
    assert (date_fmt(first[0]), date_fmt(first[1]), "Sairaala") in rows
    assert (date_fmt(second[0]), date_fmt(second[1]), "Loma") in rows
    assert table.count("Päättynyt") == 2

    # correct the holiday's return day: the row shows the new dates
    fix = re.search(r'action="(/provider/bookings/[^"]+/interruptions/([^/"]+)/edit)"[^>]*>(?:(?!</form>).)*?value="'
                    + str(second[0]), view.text, re.S)
    assert fix, view.text[-3000:]
    backwards = await portal.post(fix.group(1), data={"csrf": csrf_of(view.text), "month": str(month),
                                                      "start": str(second[0]), "end": str(second[0]),
                                                      "reason": "holiday"})
    assert backwards.status_code == 422
    assert f'id="fix-{fix.group(2)}-end-error"' in backwards.text
    assert "Paluupäivän on oltava lähtöpäivän jälkeen." in backwards.text
    new_end = month.first.replace(day=19)
    corrected = await portal.post(fix.group(1), data={"csrf": csrf_of(view.text), "month": str(month),
                                                      "start": str(second[0]), "end": str(new_end),
                                                      "reason": "holiday"})
    assert corrected.status_code == 303, corrected.text[-2000:]
    view = await portal.get(view_url)
    assert "Keskeytys korjattu." in view.text
    assert f"<td>{date_fmt(second[0])}</td><td>{date_fmt(new_end)}</td>" in view.text
    assert f"<td>{date_fmt(second[0])}</td><td>{date_fmt(second[1])}</td>" not in view.text


async def test_a_settled_event_offers_no_change_and_its_deletion_is_refused_in_the_users_language(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    booking, event = await _paid_event(suite, data, "Tilitetty", 902)
    month = data.demo.month
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    url = f"/provider/bookings/{booking['id']}"
    view = await portal.get(f"{url}?month={month}")
    row = view.text.split(f'<tr id="event-{event["id"]}">')[1].split("</tr>")[0]
    assert "Tilitetty" in row and "/delete" not in row and _event_ids(view.text, booking["id"]) == []
    edit = await portal.get(f"{url}/events/{event['id']}?month={month}")
    assert edit.status_code == 200 and "Tapahtuma on tilitetty; sen voi korjata vain hyvityksellä." in edit.text
    assert 'class="event-form"' not in edit.text
    # a form sent anyway (an old page): the events service refuses, the portal says why
    refused = await portal.post(f"{url}/events/{event['id']}/delete", data={"csrf": csrf_of(view.text),
                                                                            "month": month})
    assert refused.status_code == 303
    after = await portal.get(refused.headers["location"])
    assert "Tapahtuma on tilitetty; sen voi korjata vain hyvityksellä." in after.text
    assert f'<tr id="event-{event["id"]}">' in after.text
    changed = await portal.post(f"{url}/events/{event['id']}", data={
        "csrf": csrf_of(view.text), "month": month, "start": event["start"], "end": event["end"]})
    assert changed.status_code == 422
    assert "Tapahtuma on tilitetty; sen voi korjata vain hyvityksellä." in changed.text


async def _meals_approved(services: httpx.AsyncClient, data: Seed) -> None:
    """A service counted in pieces (meals) that the company is approved for, at 9.50 € a meal."""
    base = {name: f"{BASE}/{name}" for name in SERVICE_NAMES}
    officer = await officer_headers(services, BASE, data.officer_email, OFFICER_PASSWORD)
    provider = await officer_headers(services, BASE, data.provider_email, PROVIDER_PASSWORD)
    tenant = data.tenant_id
    meals = _ok(await services.post(f"{base['applications']}/v1/tenants/{tenant}/services", headers=officer, json={
        "name_fi": "Ateriapalvelu", "name_sv": "Måltidsservice", "kind": "voucher", "auto_recording": False,
        "contents": [{"name_fi": "Ateria", "name_sv": "Måltid", "unit": "piece", "client_pays": False}],
    }), "define meals", 201)
    application = _ok(await services.post(f"{base['applications']}/v1/tenants/{tenant}/applications",
                                          headers=provider, json={"service_id": meals["id"]}), "apply meals", 201)
    app_url = f"{base['applications']}/v1/tenants/{tenant}/applications/{application['id']}"
    _ok(await services.post(f"{app_url}/price-lists", headers=provider, json={
        "name": "Ateriat 2016", "start": "2016-01-01", "producer_part": None,
        "prices": [{"content_id": meals["contents"][0]["id"], "unit_price": "9.50"}]}), "meal prices", 201)
    assertion = await sign_application(services, base, provider, tenant, app_url, data.demo.provider_business_id)
    _ok(await services.post(f"{app_url}/submit", headers=provider,
                            json={"accept_rulebook": True, "signature_assertion": assertion}), "submit meals")
    _ok(await services.post(f"{app_url}/decision", headers=officer, json={"decision": "approve"}), "approve meals")


async def test_a_count_based_content_is_recorded_as_a_count(portal: httpx.AsyncClient, data: Seed,
                                                            services: httpx.AsyncClient) -> None:
    await _meals_approved(services, data)
    booking = await book_a_new_client(services, data, "Ateriapalvelu", "M-204", "30", "month", "8.00", 2014)
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    month = data.voucher_month
    url = f"/provider/bookings/{booking['id']}"
    view_url = f"{url}?month={month}"
    view = await portal.get(view_url)
    assert 'id="event-units" name="units" type="text"' in view.text and "Lukumäärä (kpl)" in view.text
    assert 'id="event-start_time"' not in view.text
    day = str(month.first.replace(day=5))
    nothing = await submit(portal, view_url, f"{url}/events", {"month": str(month), "start": day, "units": "kolme"})
    assert nothing.status_code == 422 and 'id="event-units-error"' in nothing.text
    assert "Anna positiivinen luku, esimerkiksi 2 tai 1,5." in nothing.text
    assert 'name="units" type="text" value="kolme"' in nothing.text
    recorded = await submit(portal, view_url, f"{url}/events", {"month": str(month), "start": day, "units": "3"})
    assert recorded.status_code == 303, recorded.text[-2000:]
    view = await portal.get(view_url)
    row = re.search(r'<tr id="event-[^"]+">.*?</tr>', view.text, re.S).group(0)  # type: ignore[union-attr]
    assert "3 kpl" in row and money_fmt("24.00") in row and money_fmt("4.50") in row  # 3 × 8.00 €, 3 × 1.50 €


async def test_an_event_over_the_grant_reads_as_waiting_for_approval_in_finnish_and_swedish(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    """The month view marks an entry over the client's grant as waiting for the municipality's approval: in
    words of the user's language (it showed the key state.awaiting_approval)."""
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    booking = await book_a_new_client(services, data, "Henkilökohtainen apu", "H-209", "2", "week", "28.00", 2093,
                                      portal=portal)
    month = data.voucher_month
    url = f"/provider/bookings/{booking['id']}"
    view_url = f"{url}?month={month}"
    recorded = await submit(portal, view_url, f"{url}/events", {
        "month": str(month), "start": str(month.first.replace(day=10)), "start_time": "09:00",
        "end_time": "12:00", "text": "Yli myönnetyn"})
    assert recorded.status_code == 303, recorded.text[-2000:]
    row = re.search(r'<tr id="event-[^"]+">.*?</tr>', (await portal.get(view_url)).text, re.S)
    assert row is not None
    assert "state.awaiting_approval" not in row.group(0) and "Odottaa kunnan hyväksyntää" in row.group(0)
    await submit(portal, view_url, "/language", {"lang": "sv", "next": view_url})
    row = re.search(r'<tr id="event-[^"]+">.*?</tr>', (await portal.get(view_url)).text, re.S)
    assert row is not None and "Väntar på kommunens godkännande" in row.group(0)


async def test_the_bookings_list_pages_newest_first_and_the_home_page_shows_new_bookings(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    """A company with many bookings reaches every booking's month view page by page, the newest first, and its
    home page lists the booking made today (the list stopped at the first 200, oldest first, without saying
    so; the home page read the oldest 50, so a company with more never saw a new booking there)."""
    import random as _random

    from seteli.demo import random_test_identity_code

    officer = await officer_headers(services, BASE, data.officer_email, OFFICER_PASSWORD)
    provider = await officer_headers(services, BASE, data.provider_email, PROVIDER_PASSWORD)
    tenant = f"{BASE}/vouchers/v1/tenants/{data.tenant_id}"
    listed = (await services.get(f"{tenant}/bookings", headers=provider, params={"limit": 1})).json()
    month = data.voucher_month
    rng = _random.Random(8080)
    newest: dict[str, Any] = {}
    for i in range(max(1, 52 - listed["total"])):
        person = _ok(await services.post(f"{tenant}/clients", headers=officer, json={
            "first_name": "Sivu", "last_name": f"Asiakas{i}", "language": "fi",
            "identity_code": random_test_identity_code(rng)}), "client", 201)
        voucher = _ok(await services.post(f"{tenant}/vouchers", headers=officer, json={
            "client_id": person["id"], "service_id": data.service_id, "granted_on": str(month.first),
            "valid_from": str(month.first), "valid_until": str(month.next().last),
            "contents": [{"content_id": data.content_id, "granted_amount": "31", "period": "month",
                          "voucher_value": "140.00"}]}), "voucher", 201)
        newest = _ok(await services.post(f"{tenant}/bookings", headers=provider, json={
            "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
            "accept_terms": True, "client_number": f"S-{i:03d}"}), "booking", 201)
    total = (await services.get(f"{tenant}/bookings", headers=provider, params={"limit": 1})).json()["total"]
    assert total > 50

    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    home = await portal.get("/provider")
    assert f'class="todo-booking"><a href="/provider/bookings/{newest["id"]}"' in home.text
    first = await portal.get("/provider/clients")
    assert f"Näytetään 1–25/{total}" in first.text and 'href="/provider/clients?page=2"' in first.text
    shown = re.findall(r'href="/provider/bookings/([^"?#]+)"', first.text)
    assert len(shown) == 25 and shown[0] == newest["id"]
    second = await portal.get("/provider/clients", params={"page": 2})
    rest = set(re.findall(r'href="/provider/bookings/([^"?#]+)"', second.text))
    assert len(rest) == 25 and not rest & set(shown)
