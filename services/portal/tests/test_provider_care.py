"""The provider's interruptions (in the month view), credits and feedback with replies, through the portal."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
from seteli_portal.i18n import date_fmt, month_fmt

from seteli.embedded import Suite

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, credit_an_event, give_feedback, officer_headers


async def test_departure_as_a_draft_then_the_return_in_the_month_view(portal: httpx.AsyncClient,
                                                                       data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    month = data.voucher_month  # a past month: a return day is entered once it has come (never after today)
    url = f"/provider/bookings/{data.care_booking_id}"
    view_url = f"{url}?month={month}"
    view = await portal.get(view_url)
    assert view.status_code == 200 and 'id="interruptions-h"' in view.text and "Ei keskeytyksiä." in view.text
    departure = month.first + timedelta(days=2)

    no_reason = await submit(portal, view_url, f"{url}/interruptions", {"month": str(month), "start": str(departure)})
    assert no_reason.status_code == 422
    assert 'id="interruption-reason" aria-describedby="interruption-reason-error"' in no_reason.text
    assert f'id="interruption-start" name="start" type="date" value="{departure}"' in no_reason.text
    backwards = await submit(portal, view_url, f"{url}/interruptions", {
        "month": str(month), "start": str(departure), "end": str(departure), "reason": "hospital"})
    assert backwards.status_code == 422
    assert re.search(r'id="interruption-end"[^>]*aria-describedby="interruption-end-hint interruption-end-error"',
                     backwards.text)
    assert "Paluupäivän on oltava lähtöpäivän jälkeen." in backwards.text
    assert "Ei keskeytyksiä." in (await portal.get(view_url)).text  # nothing was recorded

    # departure without a return: a draft, away to the end of the month on the calendar
    draft = await submit(portal, view_url, f"{url}/interruptions", {
        "month": str(month), "start": str(departure), "reason": "hospital"})
    assert draft.status_code == 303, draft.text[-2000:]
    view = await portal.get(view_url)
    assert "Keskeytys kirjattu luonnoksena." in view.text
    assert "Luonnos – paluupäivä puuttuu" in view.text and "<td>Sairaala</td>" in view.text
    assert view.text.count('<span class="mark away">Poissa (luonnos)</span>') == month.last.day - 2
    interruption_id = re.search(r"/interruptions/([^/]+)/end", view.text).group(1)  # type: ignore[union-attr]
    drafts = await portal.get("/provider/drafts")  # open interruptions are listed with the other drafts
    assert "Keskeytysluonnokset" in drafts.text and f"{url}?month={month}#interruptions-h" in drafts.text

    # the return day: refused before the departure, then recorded; the days are counted by the rule
    end_url = f"{url}/interruptions/{interruption_id}/end"
    early = await submit(portal, view_url, end_url, {"month": str(month), "end": str(month.first)})
    assert early.status_code == 422 and f'id="end-{interruption_id}-end-error"' in early.text
    back = departure + timedelta(days=5)
    ended = await submit(portal, view_url, end_url, {"month": str(month), "end": str(back)})
    assert ended.status_code == 303, ended.text[-2000:]
    view = await portal.get(view_url)
    assert "Paluu kirjattu." in view.text and "Päättynyt" in view.text
    assert f"{url}?month={month}#interruptions-h" not in (await portal.get("/provider/drafts")).text  # (others' may be)
    assert f"<td>{date_fmt(departure)}</td><td>{date_fmt(back)}</td>" in view.text
    assert view.text.count('<span class="mark away">Poissa</span>') == 6  # departure to return day
    assert "Poissa (luonnos)" not in view.text.split('class="legend"')[0]
    assert "840,00\u00a0€" in view.text  # 6 days × the voucher's 140.00 €, all at 100 % by Kouvola's rule

    # a second draft can be deleted; a finalised one offers no delete
    later = await submit(portal, view_url, f"{url}/interruptions", {
        "month": str(month), "start": str(back + timedelta(days=5)), "reason": "holiday"})
    assert later.status_code == 303
    view = await portal.get(view_url)
    delete = re.search(r'action="(/provider/bookings/[^"]+/interruptions/([^/"]+)/delete)"', view.text)
    assert delete and delete.group(2) != interruption_id
    deleted = await portal.post(delete.group(1), data={"csrf": csrf_of(view.text), "month": str(month)})
    assert deleted.status_code == 303
    view = await portal.get(view_url)
    assert "Keskeytysluonnos poistettu." in view.text and "<td>Loma</td>" not in view.text

    # another company cannot end or delete it, nor see the booking
    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    assert (await portal.get(view_url)).status_code in (403, 404)
    home = await portal.get("/provider")
    refused = await portal.post(f"{url}/interruptions/{interruption_id}/delete",
                                data={"csrf": csrf_of(home.text), "month": str(month)})
    assert refused.status_code in (403, 404)


async def test_credits_show_the_reason_the_amount_and_the_run_that_deducts_them(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    # a paid event of its own, not the seed's A-001: a credited event leaves its client's co-payment breakdown,
    # which other tests of this suite read for the seed's client
    officer = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    booked = await book_a_new_client(services, data, data.service_id, "A-901", "31", "month", "140.00", 9011)
    month = data.voucher_month
    events = f"/events/v1/tenants/{data.tenant_id}/events"
    recorded = await services.post(events, headers=provider, json={
        "booking_id": booked["id"], "start": str(month.first), "end": str(month.first.replace(day=3)),
        "status": "recorded"})
    assert recorded.status_code == 201, recorded.text
    ran = await services.post(f"/settlement/v1/tenants/{data.tenant_id}/runs", headers=officer,
                              json={"month": str(month), "dry_run": False})
    assert ran.status_code == 201 and recorded.json()["id"] in ran.text, ran.text
    for _ in range(300):  # the run tells the events service the event is settled
        if (await services.get(f"{events}/{recorded.json()['id']}", headers=provider)).json()["settled"]:
            break
        await asyncio.sleep(0.2)
    credit = await credit_an_event(services, "http://suite", officer, data.tenant_id, "A-901",
                                   "Asiakas oli sairaalassa")
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    page = await portal.get("/provider/credits")
    assert page.status_code == 200 and "<h1>Hyvitykset</h1>" in page.text
    row = re.search(r"<tr><td>[^<]*</td><td>A-901</td>.*?</tr>", page.text, re.S)
    assert row, page.text[-3000:]
    assert "Asiakas oli sairaalassa" in row.group(0) and "Hoiva ja huolenpito" in row.group(0)
    assert f"−{credit['amount'].lstrip('-').replace('.', ',')}" in row.group(0).replace("\u00a0", "")
    assert f"Odottaa tilitystä {month_fmt(credit['month'])}" in row.group(0)
    assert "Tilitystä ei ole vielä tehty" in row.group(0)

    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    other = await portal.get("/provider/credits")
    assert "A-901" not in other.text and "Ei hyvityksiä." in other.text


async def test_feedback_is_replied_once_and_a_complaint_is_marked_as_needing_a_reply(
        portal: httpx.AsyncClient, data: Seed, suite: Suite, services: httpx.AsyncClient) -> None:
    complaint = await give_feedback(services, "http://suite", suite, data.tenant_id, data.provider_id,
                                    data.care_client_id, "complaint", "Ateria oli kylmä")
    thanks = await give_feedback(services, "http://suite", suite, data.tenant_id, data.provider_id,
                                 data.care_client_id, "thanks", "Kiitos hyvästä hoidosta")
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    page = await portal.get("/provider/feedback")
    assert page.status_code == 200
    card = page.text.split(f'id="feedback-{complaint["id"]}"')[1].split("</li>")[0]
    assert "Reklamaatio" in card and "Vaatii vastauksen" in card and "Ateria oli kylmä" in card
    assert "Vaatii vastauksen" not in page.text.split(f'id="feedback-{thanks["id"]}"')[1].split("</li>")[0]
    assert re.search(r'id="feedback-waiting">(1 palaute|\d+ palautetta) odottaa vastaustasi', page.text)

    reply_url = f"/provider/feedback/{complaint['id']}/reply"
    blank = await submit(portal, "/provider/feedback", reply_url, {"text": "  "})
    assert blank.status_code == 422
    assert re.search(rf'id="reply-{complaint["id"]}-text"[^>]*aria-describedby="reply-{complaint["id"]}-text-hint '
                     rf'reply-{complaint["id"]}-text-error"', blank.text)
    replied = await submit(portal, "/provider/feedback", reply_url, {"text": "Pahoittelemme, korjaamme asian."})
    assert replied.status_code == 303
    page = await portal.get("/provider/feedback")
    card = page.text.split(f'id="feedback-{complaint["id"]}"')[1].split("</li>")[0]
    assert "Vastaus lähetetty." in page.text and "Pahoittelemme, korjaamme asian." in card
    assert "Vaatii vastauksen" not in card and reply_url not in page.text  # replied once: no form any more
    again = await portal.post(reply_url, data={"csrf": csrf_of(page.text), "text": "Toinen vastaus"})
    assert again.status_code == 422 and "Palautteeseen on jo vastattu." in again.text
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "sv", "next": "/provider/feedback"})
    swedish = (await portal.get("/provider/feedback")).text
    assert "<h1>Kundrespons</h1>" in swedish and "Reklamation" in swedish and "Ditt svar" in swedish
    await portal.post("/language", data={"csrf": csrf_of(swedish), "lang": "fi", "next": "/provider/feedback"})

    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    other = await portal.get("/provider/feedback")
    assert "Ateria oli kylmä" not in other.text and "Ei palautteita." in other.text
    refused = await portal.post(f"/provider/feedback/{thanks['id']}/reply",
                                data={"csrf": csrf_of(other.text), "text": "Ei meidän"})
    assert refused.status_code == 404


async def test_a_typed_value_stays_one_path_segment_of_the_api_call(portal: httpx.AsyncClient, data: Seed) -> None:
    # "../../bookings" would have turned the voucher look-up into the tenant's booking list
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    for typed in ("../../bookings", "..%2F..%2Fbookings", "x?limit=1", "x#y"):
        page = await portal.get("/provider/book", params={"number": typed})
        assert page.status_code == 422, typed
        assert 'id="find-number-error"' in page.text and "Tällä numerolla ei löytynyt seteliä." in page.text, typed


async def test_the_provider_names_the_site_the_client_is_away_from(portal: httpx.AsyncClient, data: Seed) -> None:
    """The seed's interruption form asks for the producer part: the month view's form offers the company's sites
    (nothing chosen: the part of the latest care), the table shows the part, and a correction can change it."""
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    month = data.voucher_month
    url = f"/provider/bookings/{data.care_booking_id}"
    view_url = f"{url}?month={month}"
    view = await portal.get(view_url)
    form = view.text.split('id="interruption-add-h"')[1]
    assert '<select id="interruption-producer_part" name="producer_part"' in form
    assert '<option value="">Sama kuin viimeisimmässä läsnäolossa</option>' in form
    site = re.search(r'<optgroup label="Toimipaikat">\s*<option value="(site:[^"]+)">([^<]+)</option>', form)
    assert site, form[:3000]
    departure = month.first + timedelta(days=20)
    saved = await submit(portal, view_url, f"{url}/interruptions", {
        "month": str(month), "start": str(departure), "reason": "holiday", "producer_part": site.group(1)})
    assert saved.status_code == 303, saved.text[-2000:]
    view = await portal.get(view_url)
    row = view.text.split(f"<td>{date_fmt(departure)}</td>")[1].split("</tr>")[0]
    assert f"<td>{site.group(2)}</td>" in row
    interruption_id = re.search(r"/interruptions/([^/]+)/edit", row).group(1)  # type: ignore[union-attr]
    fix = re.search(r'<select id="fix-[^"]+-producer_part"[^>]*>(.*?)</select>', row, re.S)
    assert fix and f'<option value="{site.group(1)}" selected>' in fix.group(1)
    corrected = await submit(portal, view_url, f"{url}/interruptions/{interruption_id}/edit", {
        "month": str(month), "start": str(departure), "reason": "holiday", "producer_part": "company"})
    assert corrected.status_code == 303, corrected.text[-2000:]
    row = (await portal.get(view_url)).text.split(f"<td>{date_fmt(departure)}</td>")[1].split("</tr>")[0]
    assert "<td>Koko yritys</td>" in row
    deleted = await submit(portal, view_url, f"{url}/interruptions/{interruption_id}/delete", {"month": str(month)})
    assert deleted.status_code == 303


async def test_a_part_no_longer_the_companys_is_refused_by_its_field_in_finnish_and_swedish(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    """A month view opened before a site was renamed away or an employee left, sent later: the events service
    refuses the part that is not the company's (it was taken before, and settlement never paid such a site);
    the page says so by the field, in the user's language, and nothing is stored."""
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    month = data.voucher_month
    url = f"/provider/bookings/{data.care_booking_id}"
    view_url = f"{url}?month={month}"
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    day = month.first + timedelta(days=26)
    said = {"fi": "Tuottajanosa ei ole yrityksenne toimipaikka, yksikkö tai työntekijä",
            "sv": "Producentdelen är inte ert företags verksamhetsställe, enhet eller anställd"}
    for lang, part in (("fi", "site:0d5c6a52-7d1e-4f0b-9a43-stale"), ("sv", "employee:left-long-ago")):
        view = await portal.get(view_url)
        await portal.post("/language", data={"csrf": csrf_of(view.text), "lang": lang, "next": view_url})
        event = await submit(portal, view_url, f"{url}/events", {
            "month": str(month), "start": str(day), "end": str(day), "producer_part": part})
        assert event.status_code == 422, event.text[-2000:]
        assert said[lang] in event.text.split('id="event-producer_part-error"')[1][:600]
        away = await submit(portal, view_url, f"{url}/interruptions", {
            "month": str(month), "start": str(day), "reason": "holiday", "producer_part": part})
        assert away.status_code == 422, away.text[-2000:]
        assert said[lang] in away.text
    view = await portal.get(view_url)
    await portal.post("/language", data={"csrf": csrf_of(view.text), "lang": "fi", "next": view_url})
    tenant = f"/events/v1/tenants/{data.tenant_id}"
    for what in ("events", "interruptions"):
        listed = await services.get(f"{tenant}/{what}", headers=provider,
                                    params={"booking_id": data.care_booking_id, "limit": 500})
        assert not [i for i in listed.json()["items"] if i["start"] == str(day)], listed.text


async def test_correcting_an_interruption_keeps_a_part_no_longer_offered(portal: httpx.AsyncClient, data: Seed,
                                                                         services: httpx.AsyncClient) -> None:
    """An interruption whose part is not among the parts offered now (the part of the latest care, a unit
    merged away or an employee who left since): its correction form's select showed none of the options
    selected, so the browser sent the first one, the company, and correcting the departure day moved the
    stay to the company's list and payee unasked (an approved one was even refused as 'approved'). The form
    offers the interruption's own part, selected."""
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    month = data.voucher_month
    url = f"/provider/bookings/{data.care_booking_id}"
    view_url = f"{url}?month={month}"
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    departure = month.first + timedelta(days=24)
    registry = f"/registry/v1/providers/{data.provider_id}"
    units_before = (await services.get(registry, headers=provider)).json()["units"]
    # the unit was the company's when the stay was entered (once the events service has heard of it)
    assert (await services.patch(registry, headers=provider, json={"units": ["u-merged-away"]})).status_code == 200
    for _ in range(100):
        made = await services.post(f"/events/v1/tenants/{data.tenant_id}/interruptions", headers=provider, json={
            "booking_id": data.care_booking_id, "start": str(departure), "reason": "holiday",
            "producer_part": "unit:u-merged-away"})
        if made.status_code != 422:
            break
        await asyncio.sleep(0.1)
    assert made.status_code == 201, made.text
    interruption_id = made.json()["id"]
    assert (await services.patch(registry, headers=provider, json={"units": units_before})).status_code == 200
    try:
        view = await portal.get(view_url)
        row = view.text.split(f"<td>{date_fmt(departure)}</td>")[1].split("</tr>")[0]
        fix = re.search(r'<select id="fix-[^"]+-producer_part"[^>]*>(.*?)</select>', row, re.S)
        assert fix, row
        chosen = re.findall(r'<option value="([^"]*)" selected>', fix.group(1))
        sent = chosen[0] if chosen else re.findall(r'<option value="([^"]*)"', fix.group(1))[0]  # as a browser
        assert sent == "unit:u-merged-away", fix.group(1)
        corrected = await submit(portal, view_url, f"{url}/interruptions/{interruption_id}/edit", {
            "month": str(month), "start": str(departure - timedelta(days=1)), "reason": "holiday",
            "producer_part": sent})
        assert corrected.status_code == 303, corrected.text[-2000:]
        listed = await services.get(f"/events/v1/tenants/{data.tenant_id}/interruptions", headers=provider,
                                    params={"booking_id": data.care_booking_id, "limit": 500})
        assert listed.status_code == 200, listed.text
        [stored] = [i for i in listed.json()["items"] if i["id"] == interruption_id]
        assert stored["producer_part"] == "unit:u-merged-away"
    finally:
        deleted = await submit(portal, view_url, f"{url}/interruptions/{interruption_id}/delete",
                               {"month": str(month)})
        assert deleted.status_code == 303
