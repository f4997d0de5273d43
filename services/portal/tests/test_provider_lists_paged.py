"""The long lists a provider (and the officer) reads go page by page, newest first, and every row is reachable:
credits (each with the run that deducts it), correction requests and clients' feedback. (Each page read the
first 500, 200 or 100 rows and showed them without saying more existed.)

The many rows are written into the events service's own tables, as its API would have stored them: making
thirty paid events to credit through the whole suite would take minutes and test nothing more here."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from seteli_events.models import correction_requests, credits, feedback
from sqlalchemy import Table, delete, insert

from seteli.embedded import Suite

from .conftest import csrf_of, login
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, officer_headers


@asynccontextmanager
async def stored(suite: Suite, table: Table, rows: Sequence[dict[str, Any]]) -> AsyncIterator[None]:
    """The rows in the events service's table for the test, gone after it (the suite is shared)."""
    engine = suite.runtimes["events"].db.engine
    async with engine.begin() as conn:
        await conn.execute(insert(table), list(rows))
    try:
        yield
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(table).where(table.c.id.in_([r["id"] for r in rows])))


def _rows(html: str, table_id: str) -> list[str]:
    body = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    return re.findall(r"<tr[ >].*?</tr>", body.split("<tbody>")[1], re.S)


async def test_credits_page_newest_first_and_the_oldest_is_reached_with_its_run(
        portal: httpx.AsyncClient, data: Seed, suite: Suite) -> None:
    now = datetime.now(UTC)
    common = {"tenant_id": data.tenant_id, "kind": "event", "provider_id": data.provider_id, "producer_part": None,
              "content_id": data.content_id, "service_id": data.service_id, "amount": Decimal("-10.00"),
              "requested_by": "officer"}
    rows = [{**common, "id": str(uuid.uuid4()), "event_id": str(uuid.uuid4()), "client_ref": f"H-{i:03d}",
             "reason": f"Sivuhyvitys {i}", "month": "2030-01", "created_at": now + timedelta(minutes=i)}
            for i in range(30)]
    # the oldest, deducted in the month the seed's run paid: its row links the run's specification
    rows.append({**common, "id": str(uuid.uuid4()), "event_id": str(uuid.uuid4()), "client_ref": "H-OLD",
                 "reason": "Vanhin hyvitys", "month": data.demo.month, "created_at": datetime(2016, 1, 1, tzinfo=UTC)})
    async with stored(suite, credits, rows):
        await login(portal, data.provider_email, PROVIDER_PASSWORD)
        first = await portal.get("/provider/credits")
        assert first.status_code == 200
        shown = _rows(first.text, "credits")
        assert len(shown) == 25 and "Sivuhyvitys 29" in shown[0] and "Sivuhyvitys 28" in shown[1]
        total = int(re.search(r"Näytetään 1–25/(\d+)", first.text).group(1))  # type: ignore[union-attr]
        assert total >= 31
        assert '<nav class="pager" aria-label="Hyvitysten sivut">' in first.text
        assert 'href="/provider/credits?page=2" rel="next"' in first.text

        pages = -(-total // 25)
        last = await portal.get("/provider/credits", params={"page": pages})
        oldest = _rows(last.text, "credits")[-1]
        assert "Vanhin hyvitys" in oldest and "H-OLD" in oldest
        assert re.search(r'href="/provider/payments/[^"]+\.pdf"', oldest), oldest  # the run of its month
        assert f'href="/provider/credits?page={pages - 1}" rel="prev"' in last.text

        await portal.post("/language", data={"csrf": csrf_of(last.text), "lang": "sv", "next": "/provider/credits"})
        swedish = (await portal.get("/provider/credits")).text
        assert '<nav class="pager" aria-label="Sidor med krediteringar">' in swedish
        assert f"Visar 1–25 av {total}" in swedish
        await portal.post("/language", data={"csrf": csrf_of(swedish), "lang": "fi", "next": "/provider/credits"})


async def test_correction_requests_page_on_their_own_beside_the_credits(
        portal: httpx.AsyncClient, data: Seed, suite: Suite) -> None:
    now = datetime.now(UTC)
    day = date.fromisoformat(f"{data.demo.month}-03")
    rows = [{"tenant_id": data.tenant_id, "id": str(uuid.uuid4()), "kind": "event", "target_id": str(uuid.uuid4()),
             "provider_id": data.provider_id, "service_id": data.service_id, "content_id": data.content_id,
             "client_ref": f"K-{i:03d}", "start": day, "end": day, "amount": Decimal("20.00"),
             "reason": f"Korjattava {i}", "state": "declined", "answer": "Ei aihetta", "credit_id": None,
             "requested_by": "provider", "created_at": now - timedelta(days=40 - i), "answered_by": "officer",
             "answered_at": now - timedelta(days=30 - i)} for i in range(28)]
    async with stored(suite, correction_requests, rows):
        await login(portal, data.provider_email, PROVIDER_PASSWORD)
        first = await portal.get("/provider/credits")
        asked = _rows(first.text, "corrections")
        assert len(asked) == 25
        answered = [r for r in asked if "Korjattava" in r]
        assert "Korjattava 27" in answered[0]  # the answered ones newest first
        assert '<nav class="pager" aria-label="Korjauspyyntöjen sivut">' in first.text
        assert 'href="/provider/credits?corrections_page=2#corrections-h" rel="next"' in first.text
        second = await portal.get("/provider/credits", params={"corrections_page": 2})
        rest = _rows(second.text, "corrections")
        assert rest and not set(rest) & set(asked)
        assert any("Korjattava 0" in r for r in rest)  # the oldest answered is reached



async def test_feedback_pages_with_what_waits_for_a_reply_first_then_the_newest(
        portal: httpx.AsyncClient, data: Seed, suite: Suite) -> None:
    now = datetime.now(UTC)
    common = {"tenant_id": data.tenant_id, "provider_id": data.provider_id, "client_id": data.care_client_id,
              "author": data.care_client_id, "producer_part": None, "service_id": data.service_id, "event_id": None,
              "reply": None, "replied_by": None, "replied_at": None}
    rows = [{**common, "id": str(uuid.uuid4()), "kind": "thanks", "text": f"Kiitos {i}", "needs_reply": False,
             "created_at": now - timedelta(days=40 - i)} for i in range(30)]
    waiting = {**common, "id": str(uuid.uuid4()), "kind": "complaint", "text": "Vanha reklamaatio",
               "needs_reply": True, "created_at": now - timedelta(days=400)}
    rows.append(waiting)
    async with stored(suite, feedback, rows):
        await login(portal, data.provider_email, PROVIDER_PASSWORD)
        first = await portal.get("/provider/feedback")
        cards = re.findall(r'<li class="card" id="feedback-([^"]+)">', first.text)
        assert len(cards) == 25
        texts = re.findall(r"<blockquote>(.*?)</blockquote>", first.text)
        waiting_first = [t for t in texts if t == "Vanha reklamaatio" or re.fullmatch(r"Kiitos \d+", t)]
        assert waiting_first[0] == "Vanha reklamaatio"  # the complaint waiting for its reply on top
        thanks = [t for t in texts if re.fullmatch(r"Kiitos \d+", t)]  # this test's (others' may be newer)
        assert thanks[:2] == ["Kiitos 29", "Kiitos 28"]  # then the newest
        assert '<nav class="pager" aria-label="Palautteiden sivut">' in first.text
        total = int(re.search(r"Näytetään 1–25/(\d+)", first.text).group(1))  # type: ignore[union-attr]
        last = await portal.get("/provider/feedback", params={"page": -(-total // 25)})
        assert "<blockquote>Kiitos 0</blockquote>" in last.text  # the oldest is reached

        # a reply written on a later page is sent from there and comes back to it
        page_of_zero = -(-total // 25)
        reply_to = rows[0]["id"]
        action = f"/provider/feedback/{reply_to}/reply?page={page_of_zero}"
        assert f'action="{action}"' in last.text
        replied = await portal.post(action, data={"csrf": csrf_of(last.text), "text": "Kiitos itsellenne"})
        assert replied.status_code == 303
        assert replied.headers["location"].endswith(f"/provider/feedback?page={page_of_zero}")


async def test_the_officers_correction_requests_page_with_the_open_ones_first(
        portal: httpx.AsyncClient, data: Seed, suite: Suite) -> None:
    """The officer's queue: open requests first (oldest first), then the answered ones newest first, page by
    page; one answered on a later page comes back to it. (The page read the first 100 and stopped there.)"""
    now = datetime.now(UTC)
    day = date.fromisoformat(f"{data.demo.month}-05")
    common = {"tenant_id": data.tenant_id, "kind": "event", "provider_id": data.provider_id,
              "service_id": data.service_id, "content_id": data.content_id, "start": day, "end": day,
              "amount": Decimal("20.00"), "credit_id": None, "requested_by": "provider"}
    rows = [{**common, "id": str(uuid.uuid4()), "target_id": str(uuid.uuid4()), "client_ref": f"V-{i:03d}",
             "reason": f"Vastattu {i}", "state": "declined", "answer": "Ei aihetta",
             "created_at": now - timedelta(days=60 - i), "answered_by": "officer",
             "answered_at": now - timedelta(days=50 - i)} for i in range(26)]
    waiting = {**common, "id": str(uuid.uuid4()), "target_id": str(uuid.uuid4()), "client_ref": "V-OPEN",
               "reason": "Odottaa vastausta", "state": "open", "answer": None, "created_at": now - timedelta(days=90),
               "answered_by": None, "answered_at": None}
    async with stored(suite, correction_requests, [*rows, waiting]):
        await login(portal, data.officer_email, OFFICER_PASSWORD)
        first = await portal.get("/officer/corrections")
        assert first.status_code == 200
        assert f'id="correction-{waiting["id"]}"' in first.text.split('id="corrections-answered"')[0]
        total = int(re.search(r"Näytetään 1–25/(\d+)", first.text).group(1))  # type: ignore[union-attr]
        assert total >= 27 and 'href="/officer/corrections?page=2" rel="next"' in first.text
        answered = re.findall(r"<td>(V-\d+)</td>", first.text)
        assert answered[:2] == ["V-025", "V-024"]  # the answered ones newest first
        last_page = -(-total // 25)
        last = await portal.get("/officer/corrections", params={"page": last_page})
        assert "<td>V-000</td>" in last.text  # the oldest answered is reached

        # an open request on a later page is answered there and the officer comes back to that page
        late = [{**waiting, "id": str(uuid.uuid4()), "target_id": str(uuid.uuid4()), "client_ref": f"L-{i:02d}",
                 "created_at": now - timedelta(days=80 - i)} for i in range(25)]
        async with stored(suite, correction_requests, late):
            second = await portal.get("/officer/corrections", params={"page": 2})
            card = re.search(r'action="(/officer/corrections/[^"?]+\?page=2)"', second.text)
            assert card, second.text[-3000:]
            done = await portal.post(card.group(1), data={"csrf": csrf_of(second.text), "decision": "decline",
                                                          "reason": "Ei aihetta"})
            assert done.status_code == 303 and done.headers["location"].endswith("/officer/corrections?page=2")


async def test_drafts_page_by_page_the_earliest_first_and_confirmed_from_a_later_page(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    """A company with more drafts than a page reaches every one, the earliest (whose deadline comes first) on the
    first page; confirming on a later page comes back to it. (The page read the first 200 without saying more
    existed, so a company's 201st draft could not be confirmed there.)"""
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    events = f"http://suite/events/v1/tenants/{data.tenant_id}/events"
    month = data.voucher_month
    made: list[str] = []
    try:
        for n, days in enumerate((26, 26)):
            booking = await book_a_new_client(services, data, data.service_id, f"PL-D{n}", "31", "month", "140.00",
                                              6100 + n)
            for day in range(days):
                on = str(month.first + timedelta(days=day))
                answer = await services.post(events, headers=provider, json={
                    "booking_id": booking["id"], "start": on, "end": on, "status": "draft"})
                assert answer.status_code == 201, answer.text
                made.append(answer.json()["id"])
        await login(portal, data.provider_email, PROVIDER_PASSWORD)
        first = await portal.get("/provider/drafts")
        total = int(re.search(r"Näytetään 1–50/(\d+)", first.text).group(1))  # type: ignore[union-attr]
        assert total >= 52 and '<nav class="pager" aria-label="Luonnosten sivut">' in first.text
        starts = re.findall(r"<td>(\d+\.\d+\.\d{4}) – ", first.text)
        dates = [datetime.strptime(d, "%d.%m.%Y").date() for d in starts]  # noqa: DTZ007 (a date read off the page)
        assert len(dates) == 50 and dates == sorted(dates)
        last_page = -(-total // 50)
        last = await portal.get("/provider/drafts", params={"page": last_page})
        shown = re.findall(r'name="event_ids" value="([^"]+)"', last.text)
        assert shown and not set(shown) & set(re.findall(r'name="event_ids" value="([^"]+)"', first.text))
        assert f'<input type="hidden" name="back" value="/provider/drafts?page={last_page}">' in last.text
        confirmed = await portal.post("/provider/drafts/confirm", data={
            "csrf": csrf_of(last.text), "event_ids": shown[-1:], "back": f"/provider/drafts?page={last_page}"})
        assert confirmed.status_code == 303 and confirmed.headers["location"].endswith(f"?page={last_page}")
    finally:  # the suite is shared: no other test's drafts pushed to a later page
        for event_id in made:
            await services.delete(f"{events}/{event_id}", headers=provider)


async def test_lists_a_page_needs_whole_are_read_page_after_page(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tenant's services (names, a form's choices, the officer's services page) are read to their end, one
    read of the most an API gives after another (they were read once, the first 200 or 500, and the rest left
    out without a word). Here the most is 1, so every list takes more than one read; the home page's drafts
    (counted per service and month, not listed) are all counted and dated all the same."""
    from seteli_common.clock import today_in_helsinki
    from seteli_portal import routes_provider, web

    monkeypatch.setattr(web, "LIST_MOST", 1)
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    tenant = f"http://suite/applications/v1/tenants/{data.tenant_id}"
    every_service = (await services.get(f"{tenant}/services", headers=provider, params={"limit": 500})).json()
    assert every_service["total"] > 1

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    listed = await portal.get("/officer/services")
    assert listed.status_code == 200
    for service in every_service["items"]:
        assert html.escape(service["name_fi"], quote=False) in listed.text, service["name_fi"]

    events = f"http://suite/events/v1/tenants/{data.tenant_id}/events"
    booking = await book_a_new_client(services, data, data.service_id, "PL-W1", "31", "month", "140.00", 6200)
    made = []
    try:
        for day in (3, 1, 2):
            on = str(data.voucher_month.first + timedelta(days=day))
            answer = await services.post(events, headers=provider, json={
                "booking_id": booking["id"], "start": on, "end": on, "status": "draft"})
            assert answer.status_code == 201, answer.text
            made.append(answer.json()["id"])
        drafts = (await services.get(events, headers=provider, params={"status": "draft", "limit": 500})).json()
        days = {s["id"]: int((s.get("calendar") or {}).get("provider_deadline_day") or 2)
                for s in every_service["items"]}
        today = today_in_helsinki(portal._transport.app.state.clock)  # type: ignore[attr-defined]
        months = [{"month": d["start"][:7], "service_id": d["service_id"]} for d in drafts["items"]]
        due = routes_provider.drafts_deadline(months, days, today)
        await login(portal, data.provider_email, PROVIDER_PASSWORD)
        home = await portal.get("/provider")
        todo = re.search(r'<li id="todo-drafts">.*?</li>', home.text, re.S).group(0)  # type: ignore[union-attr]
        assert f"{drafts['total']} keskeneräis" in todo and f"{due.day}.{due.month}.{due.year}" in todo
        assert (await portal.get("/provider")).text.count('id="todo-drafts"') == 1
    finally:
        for event_id in made:
            await services.delete(f"{events}/{event_id}", headers=provider)


async def test_the_registry_lists_and_a_months_care_are_read_to_their_end(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The company's employees and users (and the registry's other lists: a form's choices, the officer's view of
    an applying company) and a booking's month on the calendar are read to their end (read once: the first 200,
    and a big company's 201st employee or user was left out, its teams not even settable). The most per read
    is 1 here, so each takes several reads."""
    from seteli_portal import web

    monkeypatch.setattr(web, "LIST_MOST", 1)
    monkeypatch.setattr(web, "REGISTRY_MOST", 1)
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    registry = f"http://suite/registry/v1/providers/{data.provider_id}"
    added = []
    try:
        for n in range(2):
            answer = await services.post(f"{registry}/employees", headers=provider, json={
                "name": f"Työntekijä Luettelo{n}", "title": "lähihoitaja"})
            assert answer.status_code == 201, answer.text
            added.append(answer.json()["id"])
        user = await services.post(f"{registry}/users", headers=provider, json={
            "email": f"luettelo-{uuid.uuid4().hex[:8]}@hoivakoti.fi", "name": "Luettelo Käyttäjä",
            "password": "Alku-salasana-1", "role": "provider_user"})
        assert user.status_code == 201, user.text
        employees = (await services.get(f"{registry}/employees", headers=provider, params={"limit": 200})).json()
        users = (await services.get(f"{registry}/users", headers=provider, params={"limit": 200})).json()
        assert employees["total"] > 1 and users["total"] > 1

        await login(portal, data.provider_email, PROVIDER_PASSWORD)
        people = await portal.get("/provider/people")
        assert people.status_code == 200
        for employee in employees["items"]:
            assert html.escape(employee["name"], quote=False) in people.text
        listed_users = await portal.get("/provider/users")
        for user in users["items"]:
            assert user["email"] in listed_users.text
    finally:  # the suite is shared: the company's producer parts as they were
        for employee_id in added:
            await services.delete(f"{registry}/employees/{employee_id}", headers=provider)

    events = f"http://suite/events/v1/tenants/{data.tenant_id}/events"
    booking = await book_a_new_client(services, data, data.service_id, "PL-W2", "31", "month", "140.00", 6300)
    made = []
    try:
        for day in range(3):
            on = str(data.voucher_month.first + timedelta(days=day))
            answer = await services.post(events, headers=provider, json={
                "booking_id": booking["id"], "start": on, "end": on, "status": "draft"})
            assert answer.status_code == 201, answer.text
            made.append(answer.json()["id"])
        view = await portal.get(f"/provider/bookings/{booking['id']}", params={"month": str(data.voucher_month)})
        assert view.text.count('<span class="mark">Keskeneräinen</span>') == 3
    finally:
        for event_id in made:
            await services.delete(f"{events}/{event_id}", headers=provider)


async def test_a_residents_lists_and_a_companys_price_lists_are_read_to_their_end(
        portal: httpx.AsyncClient, suite: Suite, data: Seed, services: httpx.AsyncClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The resident's own vouchers and feedback (read once: the first 50), the providers the feedback form offers
    (the client's own: one past the first read could not be given feedback) and the company's price lists (the
    first 200) are read to their end; the most per read is 1 here."""
    from seteli_portal import web

    from .test_officer_clients import _api
    from .test_resident_account import _client, _signed_in

    monkeypatch.setattr(web, "LIST_MOST", 1)
    monkeypatch.setattr(web, "REGISTRY_MOST", 1)
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    aino = await _client(officer, data, "Aino Asiakas")
    vouchers = (await officer.get(f"/vouchers/v1/tenants/{data.tenant_id}/clients/{aino['id']}/vouchers")).json()
    # the companies that care for Aino (other tests add companies to the catalog that do not)
    hers = (await officer.get(f"/vouchers/v1/tenants/{data.tenant_id}/clients/{aino['id']}/providers",
                              params={"limit": 100})).json()
    await officer.aclose()
    assert hers["total"] >= 1

    signed = await _signed_in(portal, suite, data, aino["identity_code"])
    assert signed.status_code == 303, signed.text[:800]
    home = await portal.get("/resident")
    own = re.search(r'<table id="own-vouchers">.*?</table>', home.text, re.S)
    assert own and vouchers["items"]
    for voucher in vouchers["items"]:
        assert voucher["printable_number"] in own.group(0)
    for provider in hers["items"]:
        assert f'<option value="{provider["id"]}"' in home.text, provider["name"]

    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    lists = (await services.get(f"http://suite/applications/v1/tenants/{data.tenant_id}/price-lists",
                                headers=provider, params={"provider_id": data.provider_id, "limit": 1000})).json()
    assert lists["total"] > 1
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    page = await portal.get("/provider/price-lists")
    for price_list in lists["items"]:
        assert html.escape(price_list["name"], quote=False) in page.text, price_list["name"]


async def test_the_officers_voucher_page_offers_every_approved_provider_of_a_purchased_service(
        portal: httpx.AsyncClient, suite: Suite, data: Seed, monkeypatch: pytest.MonkeyPatch) -> None:
    """The providers approved for a purchased service are the officer's choice on the voucher page, and the
    voucher's bookings are listed there: both read to their end (read once: the first 200); the most per read
    is 1 here."""
    from seteli_portal import web

    from .test_officer_clients import _api

    monkeypatch.setattr(web, "LIST_MOST", 1)
    monkeypatch.setattr(web, "REGISTRY_MOST", 1)
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    voucher = (await officer.get(f"/vouchers/v1/tenants/{data.tenant_id}/vouchers/{data.purchase_voucher_id}")).json()
    approved = (await officer.get(f"/applications/v1/tenants/{data.tenant_id}/applications", params={
        "state": "approved", "service_id": voucher["service_id"], "limit": 500})).json()
    await officer.aclose()
    assert approved["items"]
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    page = await portal.get(f"/officer/vouchers/{data.purchase_voucher_id}")
    assert page.status_code == 200, page.text[-1500:]
    for application in approved["items"]:
        assert f'<option value="{application["provider_id"]}|"' in page.text


async def test_contact_requests_page_newest_first_and_the_oldest_is_reached(
        portal: httpx.AsyncClient, data: Seed, suite: Suite) -> None:
    """Residents' contact requests to the company, page by page, newest first (the page read the first 100,
    while its caption counted them all)."""
    from seteli_registry.models import contact_requests, disclosure_log

    now = datetime.now(UTC)
    asked = [{"id": str(uuid.uuid4()), "tenant_id": data.tenant_id, "organisation_ids": [data.provider_id],
              "name": f"Soittaja {i}", "phone": f"04000000{i:02d}", "email": None, "message": None, "language": "fi",
              "sent_by_professional": False, "created_at": now - timedelta(days=30 - i)} for i in range(27)]
    engine = suite.runtimes["registry"].db.engine
    async with engine.begin() as conn:
        await conn.execute(insert(contact_requests), asked)
        await conn.execute(insert(disclosure_log), [
            {"at": r["created_at"], "contact_request_id": r["id"], "recipient_provider_id": data.provider_id,
             "fields": "name,phone", "purpose": "contact request"} for r in asked])
    try:
        await login(portal, data.provider_email, PROVIDER_PASSWORD)
        first = await portal.get("/provider/contact-requests")
        names = re.findall(r"<td>(Soittaja \d+)</td>", first.text)
        assert names[:2] == ["Soittaja 26", "Soittaja 25"] and len(re.findall(r"<tr><td>", first.text)) == 25
        total = int(re.search(r"Näytetään 1–25/(\d+)", first.text).group(1))  # type: ignore[union-attr]
        last = await portal.get("/provider/contact-requests", params={"page": -(-total // 25)})
        assert "<td>Soittaja 0</td>" in last.text
    finally:
        ids = [r["id"] for r in asked]
        async with engine.begin() as conn:
            await conn.execute(delete(disclosure_log).where(disclosure_log.c.contact_request_id.in_(ids)))
            await conn.execute(delete(contact_requests).where(contact_requests.c.id.in_(ids)))


async def test_the_officers_application_queue_pages_with_the_oldest_sent_first(
        portal: httpx.AsyncClient, data: Seed, suite: Suite) -> None:
    """The applications waiting for a decision, the oldest sent first, page by page (the page read the first 100
    with no sign of more: the 101st company waiting was never seen)."""
    from seteli_applications.models import applications
    from sqlalchemy import select

    now = datetime.now(UTC)
    engine = suite.runtimes["applications"].db.engine
    async with engine.begin() as conn:  # the demo's approved application, its steps as a queued one's
        approved = (await conn.execute(select(applications).where(
            applications.c.tenant_id == data.tenant_id, applications.c.provider_id == data.provider_id)
            .limit(1))).mappings().one()
        waiting = [{**approved, "id": str(uuid.uuid4()), "state": "submitted", "amends_id": None,
                    "created_at": now, "updated_at": now, "decided_at": None,
                    "submitted_at": now - timedelta(days=400 - i)} for i in range(27)]
        await conn.execute(insert(applications), waiting)
    try:
        await login(portal, data.officer_email, OFFICER_PASSWORD)
        first = await portal.get("/officer/applications")
        assert first.status_code == 200, first.text[-1500:]
        links = re.findall(r'href="/officer/applications/([^"]+)"', first.text)
        assert len(links) == 25 and links[0] == waiting[0]["id"]  # the oldest sent first
        total = int(re.search(r"Näytetään 1–25/(\d+)", first.text).group(1))  # type: ignore[union-attr]
        assert total >= 27
        seen = set(links)
        for number in range(2, -(-total // 25) + 1):
            later = await portal.get("/officer/applications", params={"page": number})
            seen |= set(re.findall(r'href="/officer/applications/([^"]+)"', later.text))
        assert {a["id"] for a in waiting} <= seen  # every one reachable
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(applications).where(applications.c.id.in_([a["id"] for a in waiting])))
