"""A service refuses what a person sent (RFC 9457 problem+json with its code): the portal page says, in
Finnish and in Swedish, what happened and what the person can do, and keeps what they typed. Each case is a
page opened before someone else changed the thing (a run paid it, another officer credited it, the
municipality closed the voucher)."""

from __future__ import annotations

import asyncio
import html
import random
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from seteli_common.clock import Month
from seteli_common.consistency import AFTER_HEADER, CONSISTENCY_HEADER
from seteli_settlement import repository as settlement_repo

from seteli.demo import random_test_identity_code
from seteli.embedded import Suite

from .conftest import csrf_of, lock_fields, login
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .test_corrections import _paid_event
from .test_officer_clients import _api

# what a person reads, as the municipality's staff would write it
SAYS = {
    "voucher_closed": {
        "fi": "Seteli on suljettu, eikä sillä voi enää varata palvelua. Tarkista setelin numero tai ota yhteys "
              "kuntaan.",
        "sv": "Sedeln är stängd och kan inte längre användas för bokningar. Kontrollera sedelns nummer eller kontakta "
              "kommunen."},
    "already_credited": {
        "fi": "Tämä kirjaus on jo hyvitetty, eikä sitä hyvitetä toista kertaa. Hyvitys vähennetään palveluntuottajan "
              "seuraavasta maksusta.",
        "sv": "Den här registreringen har redan gottgjorts och gottgörs inte en gång till. Gottgörelsen dras av från "
              "serviceproducentens nästa betalning."},
    "interruption_settled": {
        "fi": "Keskeytys on jo tilitetty, joten sitä ei voi enää muuttaa. Jos tiedoissa on virhe, pyydä kuntaa "
              "korjaamaan ne.",
        "sv": "Avbrottet har redan redovisats och kan inte längre ändras. Om uppgifterna är fel, be kommunen rätta "
              "dem."},
    "run_in_progress": {
        "fi": "Kuukauden {running} tilitys on vielä maksussa: uuden tilityksen voi lukita, kun se on valmis.",
        "sv": "Redovisningen för månaden {running} betalas ännu: en ny redovisning kan låsas när den är klar."},
}


async def _in(portal: httpx.AsyncClient, lang: str, url: str) -> str:
    page = await portal.get(url)
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": lang, "next": url})
    page = await portal.get(url)
    assert page.status_code == 200 and f'lang="{lang}"' in page.text, page.text[-800:]
    return page.text


async def _voucher(officer: httpx.AsyncClient, data: Seed, last_name: str, seed: int) -> dict[str, Any]:
    base = f"/vouchers/v1/tenants/{data.tenant_id}"
    month = Month.parse(data.demo.month)
    person = (await officer.post(f"{base}/clients", json={
        "first_name": "Kalle", "last_name": last_name, "language": "fi",
        "identity_code": random_test_identity_code(random.Random(seed))})).json()
    answer = await officer.post(f"{base}/vouchers", json={
        "client_id": person["id"], "service_id": data.service_id, "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": data.content_id, "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}]})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def test_booking_a_voucher_closed_meanwhile_says_so_and_keeps_the_form(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    voucher = await _voucher(officer, data, "Suljettu", 951)
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    for lang in ("fi", "sv"):
        opened = await _in(portal, lang, f"/provider/book?number={voucher['number']}")
        if lang == "fi":  # the municipality closes the voucher while the provider fills the form in
            closed = await officer.post(f"/vouchers/v1/tenants/{data.tenant_id}/vouchers/{voucher['id']}/close",
                                        json={"reason": "Muutti toiseen kuntaan"})
            assert closed.status_code == 200, closed.text
        refused = await portal.post("/provider/book", data={
            "csrf": csrf_of(opened), "voucher_number": voucher["number"],
            "voucher_content_id": voucher["contents"][0]["id"], "accept_terms": "on",
            "client_number": "S-951", "info": "Tulee maanantaisin"})
        assert refused.status_code == 422, refused.text[-800:]
        page = html.unescape(refused.text)
        assert SAYS["voucher_closed"][lang] in page
        assert 'value="S-951"' in page and "Tulee maanantaisin" in page
    await officer.aclose()


async def test_crediting_an_event_credited_meanwhile_says_so_by_the_row_and_keeps_the_reason(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    booking, event = await _paid_event(suite, data, "Hyvitetty", 952)
    url = f"/officer/vouchers/{booking['voucher_id']}"
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    opened = {lang: await _in(portal, lang, url) for lang in ("fi", "sv")}
    assert f'id="credit-reason-{event["id"]}"' in opened["sv"]
    # another officer credits it (answering the provider's correction request, say) while the page is open
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    credited = await officer.post(f"/events/v1/tenants/{data.tenant_id}/credits",
                                  json={"event_id": event["id"], "reason": "Kirjattu kahdesti"})
    assert credited.status_code == 201, credited.text
    await officer.aclose()
    for lang in ("fi", "sv"):
        await _in(portal, lang, url)
        typed = f"Asiakas oli sairaalassa ({lang})"
        refused = await portal.post(f"{url}/credits", data={
            "csrf": csrf_of(opened[lang]), "kind": "event", "target_id": event["id"], "reason": typed})
        assert refused.status_code == 409, refused.text[-800:]
        page = html.unescape(refused.text)
        row = page[page.index(f'id="credit-{event["id"]}"'):]
        row = row[:row.index("</tr>")]
        assert SAYS["already_credited"][lang] in row and f'value="{typed}"' in row


async def test_correcting_an_interruption_settled_meanwhile_says_so_and_keeps_the_days_typed(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    provider = await _api(suite, data.provider_email, PROVIDER_PASSWORD)
    voucher = await _voucher(officer, data, "Keskeytys", 953)
    month = Month.parse(data.demo.month)
    booked = await provider.post(f"/vouchers/v1/tenants/{data.tenant_id}/bookings", json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True, "client_number": "K-953"})
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    away = await provider.post(f"/events/v1/tenants/{data.tenant_id}/interruptions", json={
        "booking_id": booking["id"], "start": str(month.first.replace(day=5)),
        "end": str(month.first.replace(day=8)), "reason": "hospital"})
    assert away.status_code == 201, away.text
    interruption = away.json()
    url = f"/provider/bookings/{booking['id']}?month={month}"
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    opened = {lang: await _in(portal, lang, url) for lang in ("fi", "sv")}
    assert f"/interruptions/{interruption['id']}/edit" in opened["sv"]
    # the officer's run pays the month while the provider's page is open
    run = await officer.post(f"/settlement/v1/tenants/{data.tenant_id}/runs", json={
        "month": str(month), "dry_run": False}, headers={AFTER_HEADER: away.headers[CONSISTENCY_HEADER]})
    assert run.status_code == 201, run.text
    # the run's news reaches events over the bus: on a loaded machine a moment later, so wait by the clock
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        listed = (await officer.get(f"/events/v1/tenants/{data.tenant_id}/interruptions",
                                    params={"voucher_id": voucher["id"], "limit": 50})).json()["items"]
        settled = next(i for i in listed if i["id"] == interruption["id"])
        if settled["settled"] or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.2)
    assert settled["settled"], settled
    await officer.aclose()
    await provider.aclose()
    for lang in ("fi", "sv"):
        await _in(portal, lang, url)
        typed = {"start": str(month.first.replace(day=6)), "end": str(month.first.replace(day=9)), "reason": "holiday"}
        refused = await portal.post(f"/provider/bookings/{booking['id']}/interruptions/{interruption['id']}/edit",
                                    data={"csrf": csrf_of(opened[lang]), "month": str(month), **typed})
        assert refused.status_code == 422, refused.text[-800:]
        page = html.unescape(refused.text)
        assert SAYS["interruption_settled"][lang] in page
        form = page[page.index(f"/interruptions/{interruption['id']}/edit\" novalidate"):]
        form = form[:form.index("</form>")]
        assert f'value="{typed["start"]}"' in form and f'value="{typed["end"]}"' in form
        assert 'value="holiday" selected' in form


async def test_locking_while_another_run_is_being_paid_says_which_and_keeps_the_month(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """An officer locks the month the preview showed while the scheduler's run of the tenant is still being
    paid (its jobs wait for a worker): the settlement service refuses (`run_in_progress`, field `month`)."""
    month = Month.parse(data.demo.month)
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    deps = suite.runtimes["settlement"].extras["deps"]
    running_id = str(uuid.uuid4())
    async with deps.unit_of_work(data.tenant_id) as ctx:  # the scheduler's run of the month, not yet paid
        await settlement_repo.insert_run(ctx.session, {
            "id": running_id, "tenant_id": data.tenant_id, "month": month.first, "state": "running",
            "trigger": "scheduled", "created_at": datetime.now(UTC), "jobs_total": 1})
    try:
        for lang in ("fi", "sv"):
            opened = await _in(portal, lang, "/officer/settlement")
            preview = await portal.post("/officer/settlement", data={
                "csrf": csrf_of(opened), "month": str(month), "action": "preview"})
            assert preview.status_code == 200, preview.text[-800:]
            refused = await portal.post("/officer/settlement", data={
                "csrf": csrf_of(opened), "month": str(month), "action": "lock", "confirm": "on",
                **lock_fields(preview.text)})
            assert refused.status_code == 409, refused.text[-800:]
            page = html.unescape(refused.text)
            assert SAYS["run_in_progress"][lang].format(running=f"{month.first.month}/{month.first.year}") in page
            assert re.search(rf'name="month"[^>]*value="{month}"', page), "the month typed is kept"
            assert 'aria-invalid="true"' in page
    finally:  # paid after all: the other tests' runs are not held up
        async with deps.unit_of_work(data.tenant_id) as ctx:
            await settlement_repo.complete_run(ctx.session, data.tenant_id, running_id, 0, datetime.now(UTC))


async def test_booking_with_a_client_number_already_given_says_so_by_the_number_and_keeps_the_form(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """The company's client numbers are its own and unique (the seed gave D-004 to Doris): the vouchers service
    refuses (409 `client_number_taken`, field `client_number`); not "the data changed meanwhile"."""
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    voucher = await _voucher(officer, data, "Numeroton", 954)
    await officer.aclose()
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    says = {"fi": "Yrityksesi on jo antanut tämän asiakasnumeron toiselle asiakkaalle. Valitse toinen numero.",
            "sv": "Ditt företag har redan gett detta klientnummer till en annan klient. Välj ett annat nummer."}
    for lang in ("fi", "sv"):
        opened = await _in(portal, lang, f"/provider/book?number={voucher['number']}")
        refused = await portal.post("/provider/book", data={
            "csrf": csrf_of(opened), "voucher_number": voucher["number"],
            "voucher_content_id": voucher["contents"][0]["id"], "accept_terms": "on",
            "client_number": "D-004", "info": "Avainkoodi 1234"})
        assert refused.status_code == 422, refused.text[-800:]
        page = html.unescape(refused.text)
        error = re.search(r'id="book-client_number-error">(.*?)</p>', page, re.S)
        assert error and says[lang] in error.group(1), page[-3000:]
        assert 'value="D-004"' in page and "Avainkoodi 1234" in page
