"""Officer: the tenant-wide voucher list (filters, pages, no identity codes), a voucher's details, and
a client's co-payment breakdown with events awaiting approval marked; API refusals in Finnish."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import httpx
from pypdf import PdfReader
from seteli_common.clock import Month
from seteli_common.consistency import AFTER_HEADER, CONSISTENCY_HEADER
from seteli_common.consistency_client import FollowWrites
from seteli_portal.i18n import money_fmt

from seteli.embedded import Suite

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed


async def _api(suite: Suite, email: str, password: str) -> httpx.AsyncClient:
    """A user's own API client that follows its writes (Seteli-After; waits only on not-yet-known)."""
    client = httpx.AsyncClient(transport=FollowWrites(httpx.ASGITransport(app=suite.app)), base_url="http://suite",
                               timeout=60)
    token = (await client.post("/registry/v1/auth/token", json={"email": email, "password": password})).json()
    client.headers["authorization"] = f"Bearer {token['access_token']}"
    return client


async def test_voucher_list_filters_pages_and_leads_to_the_details(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    listing = await portal.get("/officer/vouchers")
    assert listing.status_code == 200, listing.text[-1500:]
    assert 'aria-label="Sivut"' in listing.text and "Asiakastietojen katselu kirjataan lokiin." in listing.text
    # The seed's clients by name: the tests sharing the suite grant vouchers too, pushing them to any page.
    for name, row in (("Aino Asiakas", "Asiakas, Aino"), ("Bertil Bäck", "Bäck, Bertil"),
                      ("Cecilia Apu", "Apu, Cecilia")):
        assert row in (await portal.get("/officer/vouchers", params={"name": name})).text, name
    client_page = await portal.get(f"/officer/clients/{await _client_id(portal, 'Bertil Bäck')}")
    code = re.search(r"<dd>(\d{6}[-+A-Y]\d{3}[0-9A-Y])</dd>", client_page.text).group(1)  # type: ignore[union-attr]
    bertil = await portal.get("/officer/vouchers", params={"name": "Bertil Bäck"})
    assert "Bäck, Bertil" in bertil.text and code not in bertil.text  # the list never shows an identity code

    housing = await portal.get("/officer/vouchers", params={"service_id": data.service_id, "name": "Bertil Bäck"})
    assert "Bäck, Bertil" in housing.text
    assert "Apu, Cecilia" not in (await portal.get("/officer/vouchers", params={
        "service_id": data.service_id, "name": "Cecilia Apu"})).text
    by_name = await portal.get("/officer/vouchers", params={"name": "Bäck"})
    assert "Bäck, Bertil" in by_name.text and "Asiakas, Aino" not in by_name.text
    closed = await portal.get("/officer/vouchers", params={"state": "closed"})
    assert closed.status_code == 200 and "Bäck, Bertil" not in closed.text
    total = int(re.search(r"Näytetään \d+–\d+/(\d+)", listing.text).group(1))  # type: ignore[union-attr]
    pages = -(-total // 25)
    beyond = await portal.get("/officer/vouchers", params={"page": str(pages + 1)})
    assert beyond.status_code == 200 and "Sivua ei ole" in beyond.text
    assert f'href="/officer/vouchers?page={pages}"' in beyond.text  # back to the list's last page

    url = re.search(r'href="(/officer/vouchers/[^"]+)">[^<]+</a></td>\s*<td><a href="[^"]+">Bäck, Bertil',
                    housing.text).group(1)  # type: ignore[union-attr]
    detail = await portal.get(url)
    assert detail.status_code == 200 and "Bertil Bäck" in detail.text
    assert data.verification_code in detail.text and money_fmt("140.00") in detail.text
    assert "/co-payments?service_id=" in detail.text
    assert (await portal.get("/officer/vouchers/00000000-0000-0000-0000-000000000000")).status_code == 404
    # the decision to print for the client, in Swedish for Bertil: his name, the number and code, no identity code
    decision = await portal.get(re.search(r'href="([^"]+decision\.pdf\?lang=sv)"', detail.text).group(1))  # type: ignore[union-attr]
    assert decision.status_code == 200 and decision.content.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(decision.content)).pages)
    assert "Beslut om servicesedel" in text and "Bertil Bäck" in text and data.verification_code in text
    assert code not in text


async def test_provider_staff_cannot_open_the_officer_voucher_pages(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    assert (await portal.get("/officer/vouchers")).status_code == 403
    assert (await portal.get("/officer/clients/x/co-payments")).status_code == 403


async def _client_id(portal: httpx.AsyncClient, name: str) -> str:
    listing = await portal.get("/officer/clients", params={"name": name})
    return re.search(r'href="/officer/clients/([^"]+)"', listing.text).group(1)  # type: ignore[union-attr]


async def _booked_in_the_demo_month(officer: httpx.AsyncClient, provider: httpx.AsyncClient, data: Seed,
                                   name: tuple[str, str], seed: int, client_number: str) -> tuple[Any, Any]:
    """(voucher, booking) of a new client of the demo's service, valid from the demo's (ended) month to the next
    month's end (bookable today), booked by the provider with its own client number. The clients carry the
    consistency tokens: the provider's next entry on the booking waits until the events service has it."""
    import random

    from seteli.demo import random_test_identity_code

    base = f"/vouchers/v1/tenants/{data.tenant_id}"
    month = Month.parse(data.demo.month)
    made = (await officer.post(f"{base}/clients", json={
        "first_name": name[0], "last_name": name[1], "language": "fi",
        "identity_code": random_test_identity_code(random.Random(seed))})).json()
    service = (await officer.get(f"/applications/v1/tenants/{data.tenant_id}/services/{data.service_id}")).json()
    voucher = (await officer.post(f"{base}/vouchers", json={
        "client_id": made["id"], "service_id": data.service_id, "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": service["contents"][0]["id"], "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}]})).json()
    booked = await provider.post(f"{base}/bookings", json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True, "client_number": client_number})
    assert booked.status_code == 201, booked.text
    return voucher, booked.json()


async def test_co_payment_breakdown_shows_each_day_and_the_clients_share(portal: httpx.AsyncClient,
                                                                         data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    client_id = await _client_id(portal, "Aino Asiakas")
    url = f"/officer/clients/{client_id}/co-payments"
    first = await portal.get(url)
    assert first.status_code == 200 and 'id="copay-error' not in first.text and "<tfoot>" not in first.text
    month = data.demo.month
    bad = await portal.get(url, params={"service_id": data.service_id, "start": f"{month}-20", "end": f"{month}-01"})
    assert bad.status_code == 422 and 'id="copay-end-error"' in bad.text and "<tfoot>" not in bad.text
    no_service = await portal.get(url, params={"service_id": "", "start": f"{month}-01", "end": f"{month}-28"})
    assert no_service.status_code == 422 and 'id="copay-service_id-error"' in no_service.text

    page = await portal.get(url, params={"service_id": data.service_id, "start": f"{month}-01",
                                         "end": f"{month}-28"})
    assert page.status_code == 200, page.text[-1500:]
    assert money_fmt("140.00") in page.text and money_fmt("150.00") in page.text
    assert re.search(r'id="copay-total">[^<]*\d', page.text)
    pdf_link = re.search(r'href="([^"]+co-payments\.pdf[^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    pdf = await portal.get(pdf_link.replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_an_event_awaiting_approval_is_marked_and_a_second_decision_is_told_in_finnish(
        portal: httpx.AsyncClient, data: Seed, suite: Suite) -> None:
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    provider = await _api(suite, data.provider_email, PROVIDER_PASSWORD)
    try:
        services = (await officer.get(f"/applications/v1/tenants/{data.tenant_id}/services",
                                      params={"limit": 200})).json()["items"]
        assist = next(s for s in services if s["name_fi"] == "Henkilökohtainen apu")
        # Cecilia's own booking (other tests book the same service for clients of their own, newer ones first)
        cecilia = (await officer.get(f"/vouchers/v1/tenants/{data.tenant_id}/clients",
                                     params={"name": "Cecilia Apu"})).json()["items"][0]
        vouchers = (await officer.get(f"/vouchers/v1/tenants/{data.tenant_id}/clients/{cecilia['id']}/vouchers"))
        voucher_ids = {v["id"] for v in vouchers.json()["items"] if v["service_id"] == assist["id"]}
        bookings: list[dict[str, Any]] = (await provider.get(f"/vouchers/v1/tenants/{data.tenant_id}/bookings",
                                                             params={"limit": 200})).json()["items"]
        booking = next(b for b in bookings if b["voucher_id"] in voucher_ids)
        month = data.voucher_month
        # a Saturday two weeks after the seed's week (whose over-limit event another test decides): 11 h 30 min
        # against 10 h a week is over the grant by itself
        saturday = month.first + timedelta(days=(7 - month.first.weekday()) % 7 + 5 + 14)
        event = await provider.post(f"/events/v1/tenants/{data.tenant_id}/events", json={
            "booking_id": booking["id"], "start": str(saturday), "start_time": "08:00", "end_time": "19:30",
            "status": "recorded"})
        assert event.status_code == 201, event.text
        event_id = event.json()["id"]
    finally:
        await officer.aclose()
        await provider.aclose()

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    client_id = await _client_id(portal, "Cecilia Apu")
    page = await portal.get(f"/officer/clients/{client_id}/co-payments", params={
        "service_id": assist["id"], "start": str(month.first), "end": str(month.last)})
    assert page.status_code == 200, page.text[-1500:]
    assert re.search(r'<tr class="awaiting">.*?Odottaa hyväksyntää', page.text, re.S)
    assert "Hyväksyntää odottavien tapahtumien omavastuu" in page.text
    # the month's settlement preview says that events wait for the officer, with the way to the queue
    preview = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": str(month),
                                                                                "action": "preview"})
    warning = re.search(r'<p class="alert alert-warning" id="settlement-warning-events_awaiting_approval".*?</p>',
                        preview.text, re.S)
    assert warning is not None, preview.text[-3000:]
    assert "odottaa hyväksyntääsi" in warning.group(0) and 'href="/officer/approvals"' in warning.group(0)

    queue = await portal.get("/officer/approvals")
    approved = await portal.post(f"/officer/approvals/{event_id}", data={"csrf": csrf_of(queue.text),
                                                                          "decision": "approve", "reason": ""})
    assert approved.status_code == 303
    again = await portal.post(f"/officer/approvals/{event_id}", data={"csrf": csrf_of(queue.text),
                                                                       "decision": "approve", "reason": ""})
    assert again.status_code == 303
    told = await portal.get("/officer/approvals")
    # both flashes of the two posts, the refusal in Finnish
    assert "Päätös tallennettu." in told.text and "Tapahtuma ei enää odota päätöstä." in told.text
    assert "not waiting" not in told.text


async def test_an_officer_closes_a_voucher_and_records_a_death_in_the_portal(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    import random

    from seteli.demo import random_test_identity_code

    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    base = f"/vouchers/v1/tenants/{data.tenant_id}"
    made = (await officer.post(f"{base}/clients", json={
        "first_name": "Doris", "last_name": "Dödsbo", "language": "sv",
        "identity_code": random_test_identity_code(random.Random(4711))})).json()
    services = (await officer.get(f"/applications/v1/tenants/{data.tenant_id}/services/{data.service_id}")).json()
    grant = {"client_id": made["id"], "service_id": data.service_id, "granted_on": "2026-01-01",
             "valid_from": "2026-01-01", "valid_until": "2026-12-31",
             "contents": [{"content_id": services["contents"][0]["id"], "granted_amount": "31", "period": "month",
                           "voucher_value": "140.00"}]}
    first = (await officer.post(f"{base}/vouchers", json=grant)).json()
    second = (await officer.post(f"{base}/vouchers", json=grant)).json()
    await login(portal, data.officer_email, OFFICER_PASSWORD)

    # closing a voucher: the reason is asked for, then the voucher is closed
    page = await portal.get(f"/officer/vouchers/{first['id']}")
    assert 'action="/officer/vouchers/' in page.text and 'id="close-reason"' in page.text
    no_reason = await portal.post(f"/officer/vouchers/{first['id']}/close", data={"csrf": csrf_of(page.text)})
    assert no_reason.status_code == 422 and 'id="close-reason-error"' in no_reason.text
    # a last day before the voucher began: told at that field in Finnish (it showed the API's English reason)
    too_early = await portal.post(f"/officer/vouchers/{first['id']}/close", data={
        "csrf": csrf_of(page.text), "reason": "Muutti toiseen kuntaan", "valid_until": "2025-12-31"})
    assert too_early.status_code == 422 and 'id="close-valid_until-error"' in too_early.text
    told = re.search(r'id="close-valid_until-error">(.*?)</p>', too_early.text, re.S).group(1)  # type: ignore[union-attr]
    assert "valid_from" not in told and "must not" not in told and "1.1.2026" in told, told
    assert 'value="Muutti toiseen kuntaan"' in too_early.text  # what was typed is kept
    closed = await portal.post(f"/officer/vouchers/{first['id']}/close", data={
        "csrf": csrf_of(page.text), "reason": "Muutti toiseen kuntaan", "valid_until": "2026-06-30"})
    assert closed.status_code == 303
    after = await portal.get(closed.headers["location"])
    assert "Seteli on päätetty." in after.text and 'id="close-reason"' not in after.text
    assert (await officer.get(f"{base}/vouchers/{first['id']}")).json()["state"] == "closed"

    # a death: confirmed, then recorded; the open voucher ends on the day after it
    client_page = await portal.get(f"/officer/clients/{made['id']}")
    unconfirmed = await portal.post(f"/officer/clients/{made['id']}/death", data={
        "csrf": csrf_of(client_page.text), "date_of_death": "2026-09-14"})
    assert unconfirmed.status_code == 422 and 'id="death-confirm-error"' in unconfirmed.text
    future = await portal.post(f"/officer/clients/{made['id']}/death", data={
        "csrf": csrf_of(client_page.text), "date_of_death": "2999-01-01", "confirm": "on"})
    assert future.status_code == 422 and 'id="death-date_of_death-error"' in future.text
    told = re.search(r'id="death-date_of_death-error">(.*?)</p>', future.text, re.S).group(1)  # type: ignore[union-attr]
    assert "future" not in told and "tulevaisuudessa" in told, told  # it was the API's English
    recorded = await portal.post(f"/officer/clients/{made['id']}/death", data={
        "csrf": csrf_of(client_page.text), "date_of_death": "2026-09-14", "confirm": "on"})
    assert recorded.status_code == 303
    shown = await portal.get(recorded.headers["location"])
    assert "Kuolema kirjattu (14.9.2026)" in shown.text and 'id="death-date_of_death"' not in shown.text
    assert (await officer.get(f"{base}/vouchers/{second['id']}")).json()["valid_until"] == "2026-09-15"
    await officer.aclose()


async def test_an_officer_credits_a_paid_event_from_the_voucher_page(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    # A client of its own, cared for three days of the demo's (ended) month and paid by a run
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    provider = await _api(suite, data.provider_email, PROVIDER_PASSWORD)
    month = Month.parse(data.demo.month)
    voucher, booking = await _booked_in_the_demo_month(officer, provider, data, ("Erkki", "Hyvitys"), 815, "E-005")
    events = f"/events/v1/tenants/{data.tenant_id}/events"
    # the events service waits for the booking (the provider's client sends its token)
    answer = await provider.post(events, json={"booking_id": booking["id"], "start": str(month.first),
                                               "end": str(month.first.replace(day=3)), "status": "recorded"})
    assert answer.status_code == 201, answer.text
    recorded = answer.json()
    assert recorded["amount_tenant"] == "420.00"
    # the officer's run follows the provider's entry (its token, handed over): settlement waits for it
    run = await officer.post(f"/settlement/v1/tenants/{data.tenant_id}/runs", json={"month": str(month),
                             "dry_run": False}, headers={AFTER_HEADER: answer.headers[CONSISTENCY_HEADER]})
    assert run.status_code == 201 and recorded["id"] in str(run.json()), run.text
    # the run's answer names its news to events (its tokens, kept by the officer's client): events answers
    # "settled" only once it has that news
    event = (await officer.get(f"{events}/{recorded['id']}")).json()
    assert event["settled"], run.text

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    url = f"/officer/vouchers/{voucher['id']}"
    page = await portal.get(url)
    care = re.search(r'<table id="voucher-care">.*?</table>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert "Maksettu" in care and money_fmt("420.00") in care and f'id="credit-reason-{recorded["id"]}"' in care
    no_reason = await portal.post(f"{url}/credits", data={"csrf": csrf_of(page.text), "kind": "event",
                                                           "target_id": recorded["id"], "reason": ""})
    assert no_reason.status_code == 303
    assert "Kirjoita hyvitykselle perustelu." in (await portal.get(no_reason.headers["location"])).text
    done = await portal.post(f"{url}/credits", data={"csrf": csrf_of(page.text), "kind": "event",
                                                      "target_id": recorded["id"], "reason": "Asiakas oli sairaalassa"})
    after = await portal.get(done.headers["location"])
    assert "Hyvitys tallennettu" in after.text
    row = re.search(rf'<tr id="credit-{recorded["id"]}">.*?</tr>', after.text, re.S).group(0)  # type: ignore[union-attr]
    assert "Hyvitetty" in row and "<form" not in row
    credits = (await officer.get(f"/events/v1/tenants/{data.tenant_id}/credits")).json()["items"]
    assert [c["amount"] for c in credits if c["event_id"] == recorded["id"]] == ["-420.00"]
    await officer.aclose()
    await provider.aclose()


async def test_an_officer_books_a_named_provider_for_a_purchased_service(portal: httpx.AsyncClient,
                                                                         data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    url = f"/officer/vouchers/{data.purchase_voucher_id}"
    page = await portal.get(url)
    assert page.status_code == 200, page.text[-2000:]
    assert "Setelillä ei ole varauksia." in page.text and 'id="purchase-provider"' in page.text
    unchosen = await portal.post(f"{url}/purchases", data={"csrf": csrf_of(page.text), "provider": "",
                                                            "voucher_content_id": "x"})
    assert unchosen.status_code == 422 and 'id="purchase-provider-error"' in unchosen.text
    content = re.search(r'name="voucher_content_id"><option value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    company = re.search(r'<option value="([^"]+\|)">', page.text).group(1)  # type: ignore[union-attr]
    booked = await portal.post(f"{url}/purchases", data={"csrf": csrf_of(page.text), "provider": company,
                                                          "voucher_content_id": content})
    assert booked.status_code == 303, booked.text[-2000:]
    after = await portal.get(booked.headers["location"])
    assert "Varaus tehty" in after.text
    listed = re.search(r'<ul class="plain" id="voucher-bookings">.*?</ul>', after.text, re.S).group(0)  # type: ignore[union-attr]
    assert "Hoivakoti Päivänsäde" in listed


async def test_an_officer_reads_complaints_waiting_for_a_reply_and_the_replies(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    from .service_calls import give_feedback

    complaint = await give_feedback(services, "http://suite", suite, data.tenant_id, data.provider_id,
                                    data.care_client_id, "complaint", "Ateria tuli kylmänä kolmesti.", True)
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    home = await portal.get("/officer")
    assert re.search(r'id="count-feedback">\s*[1-9]\d* odottaa', home.text), home.text[-2000:]
    waiting = await portal.get("/officer/feedback", params={"awaiting_reply": "on"})
    assert waiting.status_code == 200, waiting.text[-2000:]
    card = re.search(rf'<li class="card" id="feedback-{complaint["id"]}">.*?</li>', waiting.text, re.S)
    assert card and "Ateria tuli kylmänä kolmesti." in card.group(0) and "Hoivakoti Päivänsäde" in card.group(0)
    assert "Palveluntuottaja ei ole vielä vastannut." in card.group(0)
    provider = await _api(suite, data.provider_email, PROVIDER_PASSWORD)
    replied = await provider.post(f"/events/v1/tenants/{data.tenant_id}/feedback/{complaint['id']}/reply",
                                  json={"text": "Pahoittelemme, lämpökaappi on korjattu."})
    assert replied.status_code == 200, replied.text
    await provider.aclose()
    answered = await portal.get("/officer/feedback", params={"kind": "complaint"})
    card = re.search(rf'<li class="card" id="feedback-{complaint["id"]}">.*?</li>', answered.text, re.S)
    assert card and "lämpökaappi on korjattu" in card.group(0)
    assert f'id="feedback-{complaint["id"]}"' not in (await portal.get("/officer/feedback",
                                                                      params={"awaiting_reply": "on"})).text


async def test_a_grant_of_hours_with_a_fraction_reads_with_a_decimal_comma(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """7.5 hours a week reads '7,5 h / viikko' to the officer, the provider booking it and the resident
    checking the voucher (it read '7.50 h': the API's decimal point)."""
    import random

    from seteli.demo import random_test_identity_code

    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    base = f"/vouchers/v1/tenants/{data.tenant_id}"
    services = (await officer.get(f"/applications/v1/tenants/{data.tenant_id}/services",
                                  params={"limit": 200})).json()["items"]
    assist = next(s for s in services if s["name_fi"] == "Henkilökohtainen apu")
    person = (await officer.post(f"{base}/clients", json={
        "first_name": "Olga", "last_name": "Osatunti", "language": "fi",
        "identity_code": random_test_identity_code(random.Random(7575))})).json()
    month = data.voucher_month
    voucher = (await officer.post(f"{base}/vouchers", json={
        "client_id": person["id"], "service_id": assist["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": assist["contents"][0]["id"], "granted_amount": "7.5", "period": "week",
                      "voucher_value": "28.00"}]})).json()
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    for url in (f"/officer/vouchers/{voucher['id']}", f"/officer/clients/{person['id']}"):
        page = await portal.get(url)
        assert "7,5 h / viikko" in page.text.replace(": 7,5", " 7,5") and "7.50" not in page.text, url
    await portal.post("/logout", data={"csrf": csrf_of(page.text)})

    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    book = await portal.get("/provider/book", params={"number": voucher["number"]})
    assert "7,5 h / viikko" in book.text and "7.50" not in book.text

    form = await portal.get("/voucher")
    checked = await portal.post("/voucher", data={"csrf": csrf_of(form.text), "tenant_id": data.tenant_id,
                                                  "number": voucher["number"],
                                                  "verification_code": voucher["verification_code"]})
    assert checked.status_code == 200, checked.text[-1500:]
    assert "7,5 h / viikko" in checked.text and "7.50" not in checked.text
    assert "<td class=\"num\">7,5 h</td>" in checked.text  # what is left this week, in hours


async def test_a_euro_balance_reads_in_euros(portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """A voucher granted as a euro balance reads '500,00 € / saldo' (it read '500 h / saldo', as if hours)."""
    import random

    from seteli.demo import random_test_identity_code

    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    base = f"/vouchers/v1/tenants/{data.tenant_id}"
    services = (await officer.get(f"/applications/v1/tenants/{data.tenant_id}/services",
                                  params={"limit": 200})).json()["items"]
    assist = next(s for s in services if s["name_fi"] == "Henkilökohtainen apu")
    person = (await officer.post(f"{base}/clients", json={
        "first_name": "Saara", "last_name": "Saldo", "language": "fi",
        "identity_code": random_test_identity_code(random.Random(5005_5))})).json()
    month = data.voucher_month
    made = await officer.post(f"{base}/vouchers", json={
        "client_id": person["id"], "service_id": assist["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": assist["contents"][0]["id"], "granted_amount": "500", "period": "balance",
                      "voucher_value": "28.00"}]})
    assert made.status_code == 201, made.text
    voucher = made.json()
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    for url in (f"/officer/vouchers/{voucher['id']}", f"/officer/clients/{person['id']}"):
        page = (await portal.get(url)).text
        assert f"{money_fmt('500')} / saldo" in page and "500 h / saldo" not in page, url
    form = await portal.get("/voucher")
    checked = await portal.post("/voucher", data={"csrf": csrf_of(form.text), "tenant_id": data.tenant_id,
                                                  "number": voucher["number"],
                                                  "verification_code": voucher["verification_code"]})
    assert f"{money_fmt('500')} / saldo" in checked.text and "500 h / saldo" not in checked.text


async def test_the_voucher_page_lists_its_care_newest_first_page_by_page(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """A voucher with more care than a page: the latest days first, the first day reached on the last page, and a
    credit asked on a later page comes back to that page (the page read the first 500 events, earliest first,
    with no sign of more)."""
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    provider = await _api(suite, data.provider_email, PROVIDER_PASSWORD)
    month = Month.parse(data.demo.month)
    voucher, booking = await _booked_in_the_demo_month(officer, provider, data, ("Sivu", "Hoito"), 816, "VS-027")
    events = f"/events/v1/tenants/{data.tenant_id}/events"
    recorded = []
    for day in range(27):  # one day each: 27 events
        on = str(month.first + timedelta(day))
        answer = await provider.post(events, json={"booking_id": booking["id"], "start": on, "end": on,
                                                   "status": "recorded"})
        assert answer.status_code == 201, answer.text
        recorded.append(answer.json())
    await officer.aclose()
    await provider.aclose()

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    url = f"/officer/vouchers/{voucher['id']}"
    first = await portal.get(url)
    care = re.search(r'<table id="voucher-care">.*?</table>', first.text, re.S).group(0)  # type: ignore[union-attr]
    rows = re.findall(r'<tr id="credit-([^"]+)">', care)
    assert rows[:2] == [recorded[26]["id"], recorded[25]["id"]] and len(rows) == 25
    assert '<nav class="pager" aria-label="Kirjatun hoidon sivut">' in first.text and "Näytetään 1–25/27" in first.text
    assert f'href="{url}?page=2#care-h" rel="next"' in first.text
    second = await portal.get(url, params={"page": 2})
    care = re.search(r'<table id="voucher-care">.*?</table>', second.text, re.S).group(0)  # type: ignore[union-attr]
    assert re.findall(r'<tr id="credit-([^"]+)">', care) == [recorded[1]["id"], recorded[0]["id"]]
    # a credit asked on page 2 (here without its reason) comes back to page 2, at its row
    asked = await portal.post(f"{url}/credits?page=2", data={"csrf": csrf_of(second.text), "kind": "event",
                                                             "target_id": recorded[0]["id"], "reason": ""})
    assert asked.status_code == 303 and asked.headers["location"].endswith(f"{url}?page=2#credit-{recorded[0]['id']}")


async def test_a_voucher_past_its_validity_offers_no_close_and_a_close_sent_anyway_is_told(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """A voucher whose validity ended yesterday (Helsinki) is shown closed as expired before the hourly job writes
    it so: its page offers no close. A close form sent from a page opened before midnight is refused (it closed
    the voucher with the reason "officer"): told in Finnish and Swedish, and the voucher stays expired."""
    import random

    from seteli_common.clock import today_in_helsinki

    from seteli.demo import random_test_identity_code

    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    base = f"/vouchers/v1/tenants/{data.tenant_id}"
    person = (await officer.post(f"{base}/clients", json={
        "first_name": "Eero", "last_name": "Eilinen", "language": "fi",
        "identity_code": random_test_identity_code(random.Random(7007))})).json()
    services = (await officer.get(f"/applications/v1/tenants/{data.tenant_id}/services/{data.service_id}")).json()
    yesterday = today_in_helsinki(suite.runtimes["vouchers"].clock) - timedelta(days=1)
    made = await officer.post(f"{base}/vouchers", json={
        "client_id": person["id"], "service_id": data.service_id, "granted_on": str(yesterday - timedelta(days=30)),
        "valid_from": str(yesterday - timedelta(days=30)), "valid_until": str(yesterday),
        "contents": [{"content_id": services["contents"][0]["id"], "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}]})
    assert made.status_code == 201, made.text
    voucher = made.json()
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    page = await portal.get(f"/officer/vouchers/{voucher['id']}")
    assert page.status_code == 200 and 'id="close-reason"' not in page.text  # no close offered
    url = f"/officer/vouchers/{voucher['id']}/close"
    sent = await portal.post(url, data={"csrf": csrf_of(page.text), "reason": "Muutti toiseen kuntaan"})
    assert sent.status_code == 409, sent.text[-1500:]
    assert 'id="close-errors"' in sent.text and "Setelin voimassaolo on jo päättynyt" in sent.text
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "sv", "next": "/"})
    swedish = await portal.post(url, data={"csrf": csrf_of(page.text), "reason": "Flyttade"})
    assert swedish.status_code == 409 and "Sedelns giltighetstid har redan gått ut" in swedish.text
    await portal.post("/language", data={"csrf": csrf_of(swedish.text), "lang": "fi", "next": "/"})
    shown = (await officer.get(f"{base}/vouchers/{voucher['id']}")).json()
    assert (shown["state"], shown["closed_reason"], shown["valid_until"]) == ("closed", "expired", str(yesterday))
