"""Officer journeys: queues with counts, deciding a registration on one page, clients and vouchers,
settlement preview then lock and send, the realisation report as CSV."""

from __future__ import annotations

import io
import random
import re
from datetime import datetime, time

import httpx
import openpyxl
import pytest
from pypdf import PdfReader
from seteli_common.clock import HELSINKI, FixedClock, Month, SystemClock, today_in_helsinki
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport
from seteli_portal.i18n import money_fmt, month_fmt
from seteli_portal.spreadsheet import XLSX_MEDIA_TYPE

from seteli.demo import random_test_identity_code
from seteli.embedded import Suite

from .conftest import csrf_of, lock_fields, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, officer_headers, registration_waiting


async def test_queues_show_counts_and_a_registration_is_decided_on_one_page(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    # A request of this test's own: others sharing the suite add and decide theirs (the seed's too).
    _, company = await registration_waiting(services, "http://suite", data.tenant_id)
    officer = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)

    async def waiting() -> int:  # what the queue's count on the officer's front page must say
        requests = f"/registry/v1/tenants/{data.tenant_id}/registration-requests"
        listed = await services.get(requests, headers=officer, params={"status": "pending", "limit": 1})
        return int(listed.json()["total"])

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    queues = await portal.get("/officer")
    before = await waiting()
    assert before >= 1 and re.search(rf'id="count-registrations">\s*{before} odottaa', queues.text)
    listing = await portal.get("/officer/registrations")
    url = re.search(rf'href="(/officer/registrations/[^"]+)">{company}', listing.text).group(1)  # type: ignore[union-attr]
    page = await portal.get(url)
    assert "Pekka Puska" in page.text and "Kaupparekisterin tiedot" in page.text

    no_reason = await submit(portal, url, url, {"decision": "rejected"})
    assert no_reason.status_code == 422
    assert re.search(r'id="decision-reason"[^>]*aria-describedby="decision-reason-hint decision-reason-error"',
                     no_reason.text)
    approved = await submit(portal, url, url, {"decision": "approved"})
    assert approved.status_code == 303
    assert "Päätös tallennettu." in (await portal.get("/officer/registrations")).text
    assert await waiting() == before - 1
    assert re.search(rf'id="count-registrations">\s*{before - 1} odottaa', (await portal.get("/officer")).text)


async def test_clients_and_their_vouchers(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    listing = await portal.get("/officer/clients", params={"name": "Asiakas"})
    assert "Asiakas, Aino" in listing.text and "Bäck" not in listing.text
    url = re.search(r'href="(/officer/clients/[^"]+)"', listing.text).group(1)  # type: ignore[union-attr]
    page = await portal.get(url)
    assert "Aino Asiakas" in page.text and "Ikääntyneiden tehostettu palveluasuminen" in page.text
    assert "140,00\u00a0€" in page.text and "Asiakastietojen katselu kirjataan lokiin." in page.text


async def test_settlement_preview_then_lock_and_send_with_downloads(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    page = await portal.get("/officer/settlement")
    year, number = str(data.demo.month).split("-")
    assert f">{int(number)}/{year}</a>" in page.text  # the demo's run is listed, its month as 3/2016
    bad = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": "maaliskuu",
                                                                            "action": "preview"})
    assert bad.status_code == 422 and 'id="settle-month-error"' in bad.text

    preview = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": data.demo.month,
                                                                                "action": "preview"})
    assert preview.status_code == 200 and "Esikatselu" in preview.text and "Lukitse ja lähetä" in preview.text
    again = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": data.demo.month,
                                                                              "action": "preview"})
    changes = re.search(r'<section id="settlement-changes".*?</section>', again.text, re.S)
    assert changes and "Muutokset edellisestä esikatselusta" in changes.group(0)
    assert "Maksuihin ei ole tullut muutoksia." in changes.group(0)  # nothing arrived in between

    total = re.search(r'name="expected_total" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    # Locking pays: one click is not enough, the officer confirms the total the preview showed.
    unconfirmed = await submit(portal, "/officer/settlement", "/officer/settlement", {
        "month": data.demo.month, "action": "lock", "expected_total": total})
    assert unconfirmed.status_code == 422 and 'id="settle-confirm-error"' in unconfirmed.text
    assert money_fmt(total) in unconfirmed.text
    # A total that changed since the preview (an event arrived meanwhile) is shown again to be checked.
    stale = await submit(portal, "/officer/settlement", "/officer/settlement", {
        "month": data.demo.month, "action": "lock", "expected_total": "1.00", "confirm": "on"})
    assert stale.status_code == 409 and "Summa on muuttunut esikatselun jälkeen" in stale.text
    locked = await submit(portal, "/officer/settlement", "/officer/settlement", {
        "month": data.demo.month, "action": "lock", **lock_fields(preview.text), "confirm": "on"})
    assert locked.status_code == 303
    run_page = await portal.get(locked.headers["location"])
    assert run_page.status_code == 200

    runs = await portal.get("/officer/settlement")
    # the demo's run (the oldest) paid the provider 140.00 € a day of the month; a re-run never pays twice
    first_run = re.findall(r'href="(/officer/settlement/runs/[^"]+)"', runs.text)[-1]
    detail = await portal.get(first_run)
    assert money_fmt(str(140 * Month.parse(data.demo.month).last.day)) in detail.text
    # the drill-down: what each payment paid, line by line
    lines = re.search(r'<details id="lines-[^"]+">.*?</details>', detail.text, re.S)
    days = Month.parse(data.demo.month).last.day
    assert lines and "Palvelutapahtuma" in lines.group(0) and f'<td class="num">{days}</td>' in lines.group(0)
    assert money_fmt(str(140 * days)) in lines.group(0)
    assert re.search(r'href="([^"]+\.pdf)"', detail.text)
    xml = await portal.get(f"{first_run}/payment-file")
    assert xml.status_code == 200 and b"pain.001" in xml.content
    assert "attachment" in xml.headers["content-disposition"]


async def test_the_running_month_is_not_offered_for_locking_and_the_provider_deadline_warns(
    portal: httpx.AsyncClient, data: Seed, suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    running = Month.of(today_in_helsinki(SystemClock()))
    before = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": str(running),
                                                                               "action": "preview"})
    assert before.status_code == 200
    # Care this month at a site settlement does not know (yet): listed as carried over, with the reason.
    await InMemoryTransport(suite.broker).publish(Envelope(type="events.event.recorded", tenant_id=data.tenant_id,
                                                           payload={
        "event_id": f"e-unknown-site-{running}", "revision": 1, "service_id": "s-x", "content_id": "c-x",
        "provider_id": data.provider_id, "producer_part": "site:not-yet-known", "client_ref": "A-9",
        "start": str(running.first), "end": str(running.first), "units": "1", "status": "payable",
        "amount_tenant": "12.34", "amount_co_payment": "0"}), {}, timeout=1)
    await suite.broker.drain()
    lockable_from = f"{running.next().first.day}.{running.next().first.month}.{running.next().first.year}"
    preview = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": str(running),
                                                                                "action": "preview"})
    assert preview.status_code == 200 and "Esikatselu" in preview.text
    assert 'id="settlement-lock-refused"' in preview.text and 'value="lock"' not in preview.text
    assert f"Kuukausi {month_fmt(str(running))} on vielä kesken" in preview.text and lockable_from in preview.text
    changes = re.search(r'<section id="settlement-changes".*?</section>', preview.text, re.S)
    assert changes and "Rivejä tullut 1, poistunut 0." in changes.group(0)  # the event that arrived meanwhile
    # each changed payee with the account it is paid to: this one none (its site is not known yet)
    assert "<th scope=\"col\">Tilinumero (IBAN)</th>" in changes.group(0) and "<td>–</td>" in changes.group(0)
    carried = re.search(r'<table id="settlement-carried-over">.*?</table>', preview.text, re.S)
    assert carried and "Toimipaikka ei ole vielä tilityksen tiedossa" in carried.group(0)
    assert money_fmt("12.34") in carried.group(0)
    # A lock sent anyway (an old tab) is refused at the month field, in the officer's language.
    refused = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": str(running),
                                                                                "action": "lock"})
    assert refused.status_code == 409 and 'id="settle-month-error"' in refused.text
    assert f"Kuukausi {month_fmt(str(running))} on vielä kesken" in refused.text
    home = await portal.get("/officer/settlement")
    await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/officer/settlement"})
    svenska = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": str(running),
                                                                                "action": "preview"})
    assert f"Månaden {month_fmt(str(running))} pågår ännu" in svenska.text and 'value="lock"' not in svenska.text
    assert "Verksamhetsstället är ännu inte känt för redovisningen" in svenska.text
    refused_sv = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": str(running),
                                                                                   "action": "lock"})
    assert refused_sv.status_code == 409 and f"Månaden {month_fmt(str(running))} pågår ännu" in refused_sv.text

    # On the 2nd of the next month the ended month can be locked, with the provider deadline's warning.
    ended = Month.parse(data.demo.month)
    second = ended.next().first.replace(day=2)
    deps = suite.runtimes["settlement"].extras["deps"]
    monkeypatch.setattr(deps, "clock", FixedClock(datetime.combine(second, time(10, 0), tzinfo=HELSINKI)))
    warned = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": str(ended),
                                                                               "action": "preview"})
    assert 'id="settlement-warning-provider_deadline_not_passed"' in warned.text and 'value="lock"' in warned.text
    assert f"Producenterna kan färdigställa månadens händelser till och med {second.day}.{second.month}." in warned.text


async def test_payment_specification_pdf_downloads(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    runs = await portal.get("/officer/settlement")
    detail = await portal.get(re.findall(r'href="(/officer/settlement/runs/[^"]+)"', runs.text)[-1])
    pdf = await portal.get(re.search(r'href="([^"]+\.pdf)"', detail.text).group(1))  # type: ignore[union-attr]
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]


async def test_realisation_report_on_the_page_and_as_csv(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    month = data.demo.month
    page = await portal.get("/officer/reports", params={"start": month, "end": month})
    assert page.status_code == 200, page.text[-2000:]
    assert "A-001" in page.text
    table = re.search(r'<table id="realisation">.*?</table>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert f"Asiakkaat ja toteuma {month_fmt(str(month))} – {month_fmt(str(month))}</caption>" in page.text
    # names and the officer's language, not ids: the company, the content, money with a decimal comma
    assert data.provider_id not in table and "Hoiva" in table and "Tilitetty €" in table
    assert money_fmt(str(140 * Month.parse(month).last.day)) in table
    csv = await portal.get("/officer/reports/realisation.csv", params={"start": month, "end": month})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"] and "toteuma" in csv.headers["content-disposition"]
    # opens in Finnish Excel: BOM, semicolons, Finnish headers, decimal commas, no internal ids
    assert csv.content.startswith(b"\xef\xbb\xbf")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:3] == ["Palveluntuottaja", "Oma asiakasnumero", "Palvelusisältö"]
    row = next(line.split(";") for line in lines if "A-001" in line)
    assert row[4] == f"{140 * Month.parse(month).last.day},00" and data.provider_id not in csv.text
    interruptions = await portal.get("/officer/reports/interruptions.csv", params={"start": month, "end": month})
    assert interruptions.status_code == 200 and interruptions.content.decode("utf-8-sig").startswith("Palvelu;")

    # the same report as an .xlsx: a number cell with two decimals where the CSV has "4200,00"
    assert 'id="realisation-xlsx"' in page.text
    xlsx = await portal.get("/officer/reports/realisation.xlsx", params={"start": month, "end": month})
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX_MEDIA_TYPE
    assert "toteuma" in xlsx.headers["content-disposition"] and ".xlsx" in xlsx.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    table = [[c.value for c in r] for r in sheet.iter_rows()]
    assert table[0][:3] == ["Palveluntuottaja", "Oma asiakasnumero", "Palvelusisältö"]
    cells = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "A-001")
    assert cells[4].value == 140 * Month.parse(month).last.day and cells[4].number_format == "0.00"
    assert cells[4].data_type == "n" and data.provider_id not in str(table)

    # and as a PDF to print: the same rows, the municipality and the period on top
    assert 'id="realisation-pdf"' in page.text
    printed = await portal.get("/officer/reports/realisation.pdf", params={"start": month, "end": month})
    assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.content)).pages)
    assert "Asiakkaat ja toteuma" in text
    assert f"{month_fmt(str(month))}–{month_fmt(str(month))}" in text  # the period as 3/2016 (it was 2016-03)
    assert "Palveluntuottaja" in text and "A-001" in text and f"{140 * Month.parse(month).last.day},00" in text
    assert data.provider_id not in text
    pdf_interruptions = await portal.get("/officer/reports/interruptions.pdf", params={"start": month, "end": month})
    assert pdf_interruptions.status_code == 200 and pdf_interruptions.content.startswith(b"%PDF")


async def test_an_event_over_the_weekly_grant_is_approved_from_the_queue(portal: httpx.AsyncClient,
                                                                         data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    assert re.search(r'id="count-approvals">\s*1 odottaa', (await portal.get("/officer")).text)
    page = await portal.get("/officer/approvals")
    # the officer sees whom and what they decide on: the client's name, the company, the grant, what the
    # week's other events used, this event and the excess (5 × 2 h 15 min against 10 h a week)
    assert "Cecilia Apu" in page.text and "C-003" in page.text and "Hoiva" in page.text
    cells = [re.sub(r"<[^>]+>|\s+", " ", c).replace("\xa0", " ").strip()
             for c in re.findall(r'<td class="num">(.*?)</td>', page.text, re.S)]
    assert cells[:4] == ["10 h / viikko", "9 h", "2,25 h", "1,25 h"], cells
    action = re.search(r'action="(/officer/approvals/[^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    decided = await portal.post(action, data={"csrf": csrf_of(page.text), "decision": "approve", "reason": ""})
    assert decided.status_code == 303
    after = await portal.get("/officer/approvals")
    assert "Päätös tallennettu." in after.text and "Jono on tyhjä." in after.text


async def test_register_a_client_and_grant_a_voucher(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    bad = await submit(portal, "/officer/clients", "/officer/clients", {"first_name": "Cecilia", "last_name": "Ek",
                                                                        "identity_code": "010101-1234",
                                                                        "language": "sv"})
    assert bad.status_code == 422 and 'id="client-identity_code-error"' in bad.text
    assert "010101-1234" not in bad.text  # an identity code is never echoed back into the page
    assert "Henkilötunnus ei ole kelvollinen." in bad.text
    code = random_test_identity_code(random.Random(99))
    created = await submit(portal, "/officer/clients", "/officer/clients", {
        "first_name": "Cecilia", "last_name": "Ek", "identity_code": code, "language": "sv"})
    assert created.status_code == 303, created.text[-1500:]
    url = created.headers["location"]
    assert code not in url
    month = data.voucher_month
    grant = {"content_id": f"{data.service_id}/{data.content_id}", "granted_on": str(month.first),
             "valid_from": str(month.first), "valid_until": str(month.last), "granted_amount": "31",
             "period": "month", "voucher_value": "135,50"}
    # the API's refusals at their fields in Finnish (they were its English: "must be positive", ...)
    refused = await submit(portal, url, f"{url}/vouchers", {**grant, "granted_amount": "0",
                                                            "valid_until": str(month.first.replace(year=2000))})
    assert refused.status_code == 422
    told = dict(re.findall(r'id="grant-(\w+)-error"><span aria-hidden="true">⚠ </span>(.*?)</p>', refused.text))
    assert told.get("granted_amount") == "Anna positiivinen luku.", told
    assert told.get("valid_until") == "Loppupäivä on ennen alkupäivää.", told
    granted = await submit(portal, url, f"{url}/vouchers", grant)
    assert granted.status_code == 303, granted.text[-1500:]
    page = await portal.get(url)
    assert "myönnetty, tarkistuskoodi" in page.text and money_fmt("135.50") in page.text


async def test_a_voucher_of_two_contents_of_one_service_is_granted_in_one_form(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    """Issue 19: a multi-content voucher (housing: care per day and meals per day, the client paying the meals)
    is one voucher; a content of another service on the same voucher is refused at its row."""
    officer = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)
    housing = (await services.post(f"http://suite/applications/v1/tenants/{data.tenant_id}/services",
                                   headers=officer, json={
        "name_fi": "Palveluasuminen kahdella sisällöllä", "name_sv": "Serviceboende med två innehåll",
        "kind": "voucher", "contents": [
            {"name_fi": "Hoiva / vrk", "name_sv": "Vård / dygn", "unit": "day", "client_pays": False},
            {"name_fi": "Ateriat / vrk", "name_sv": "Måltider / dygn", "unit": "day", "client_pays": True}]}))
    assert housing.status_code == 201, housing.text
    service = housing.json()
    care, meals = (f"{service['id']}/{c['id']}" for c in service["contents"])
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    created = await submit(portal, "/officer/clients", "/officer/clients", {
        "first_name": "Dagny", "last_name": "Monisisältö", "language": "fi",
        "identity_code": random_test_identity_code(random.Random(4242))})
    assert created.status_code == 303, created.text[-1500:]
    url = created.headers["location"]
    month = data.voucher_month
    grant = {"content_id": care, "granted_on": str(month.first), "valid_from": str(month.first),
             "valid_until": str(month.last), "granted_amount": "31", "period": "month", "voucher_value": "120,00"}
    # a second row of another service, and a third without its amount: both told at their rows, nothing made
    refused = await submit(portal, url, f"{url}/vouchers", {
        **grant, "content_id_2": f"{data.service_id}/{data.content_id}", "granted_amount_2": "31",
        "content_id_3": meals, "granted_amount_3": ""})
    assert refused.status_code == 422
    assert 'id="grant-content_id_2-error"' in refused.text and "Valitse sisältö samasta palvelusta" in refused.text
    assert 'id="grant-granted_amount_3-error"' in refused.text
    assert "Palveluasuminen kahdella sisällöllä" not in re.sub(r"<form.*?</form>", "", refused.text, flags=re.S)
    granted = await submit(portal, url, f"{url}/vouchers", {
        **grant, "content_id_2": meals, "granted_amount_2": "31", "period_2": "month"})
    assert granted.status_code == 303, granted.text[-1500:]
    page = await portal.get(url)
    row = re.search(r"<tr>(?:(?!</tr>).)*Palveluasuminen kahdella sisällöllä.*?</tr>", page.text, re.S)
    assert row is not None, page.text[-3000:]
    assert "Hoiva / vrk: 31" in row.group(0) and money_fmt("120.00") in row.group(0)
    assert "Ateriat / vrk: 31" in row.group(0) and "asiakas maksaa" in row.group(0)


async def _signed_in_as_an_officer(portal: httpx.AsyncClient, data: Seed, name: str) -> None:
    """The demo tenant's admin invites a person with the officer's role (not an admin), who signs in and
    changes the initial password."""
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    email = f"{name.split()[0].lower()}-{data.tenant_id}@demokunta.fi"
    created = await submit(portal, "/officer/users", "/officer/users", {
        "name": name, "email": email, "password": "Alku-salasana-78", "role": "tenant_officer", "language": "fi"})
    assert created.status_code == 303, created.text[-1500:]
    await portal.post("/logout", data={"csrf": csrf_of((await portal.get("/officer")).text)})
    first = await login(portal, email, "Alku-salasana-78")
    assert first.headers["location"] == "/change-password"  # the initial password is changed first
    changed = await submit(portal, "/change-password", "/change-password", {
        "current_password": "Alku-salasana-78", "new_password": "Oma-salasana-2026",
        "new_password_again": "Oma-salasana-2026"})
    assert changed.status_code == 303, changed.text[-1500:]
    assert name in (await portal.get("/officer")).text


async def test_an_officer_not_an_admin_previews_the_months_settlement(portal: httpx.AsyncClient, data: Seed) -> None:
    """journeys.md, officer 7 is the caseworker's own: a person with the officer's role (not the tenant's admin)
    previews the month's settlement in the portal, with the lock offered, and is not turned away."""
    await _signed_in_as_an_officer(portal, data, "Sanna Selvittäjä")
    month = str(Month.parse(str(data.demo.month)).prev())  # a month of its own: the demo's is locked elsewhere
    preview = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": month,
                                                                                "action": "preview"})
    assert preview.status_code == 200, preview.text[-1500:]
    assert "Esikatselu" in preview.text and "Lukitse ja lähetä" in preview.text


async def test_every_page_of_the_officers_journeys_opens_for_an_officer(portal: httpx.AsyncClient,
                                                                        data: Seed) -> None:
    """journeys.md's officer works with the officer's role: no page of theirs says they have no right to it."""
    await _signed_in_as_an_officer(portal, data, "Olli Osastosihteeri")
    refused = {}
    for path in ("/officer", "/officer/corrections", "/officer/feedback", "/officer/applications",
                 "/officer/approvals", "/officer/clients", "/officer/vouchers", "/officer/settlement",
                 "/officer/reports"):
        page = await portal.get(path)
        if page.status_code != 200 or "oikeutta tähän" in page.text:
            refused[path] = page.status_code
    assert refused == {}


async def test_an_event_over_a_euro_balance_reads_in_euros_in_the_queue(portal: httpx.AsyncClient,
                                                                       services: httpx.AsyncClient,
                                                                       data: Seed) -> None:
    """A balance voucher is a euro sum: 50.00 € of assistance at 28.00 €/h. The second hour takes it to 56.00 €,
    so it waits for the officer, who reads the balance's use in euros (it read '50 h / saldo')."""
    booking = await book_a_new_client(services, data, "Henkilökohtainen apu", "C-050", "50.00", "balance", "28.00",
                                      5050)
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    day = data.voucher_month.first
    for start, end in (("09:00", "10:00"), ("11:00", "12:00")):
        made = await services.post(f"/events/v1/tenants/{data.tenant_id}/events", headers=provider, json={
            "booking_id": booking["id"], "start": str(day), "start_time": start, "end_time": end})
        assert made.status_code == 201, made.text
    assert made.json()["approval"] == "awaiting_approval"
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    page = await portal.get("/officer/approvals")
    row = next(r for r in re.findall(r"<tr>.*?</tr>", page.text, re.S) if "C-050" in r)
    cells = [re.sub(r"<[^>]+>|\s+", " ", c).replace("\xa0", " ").strip()
             for c in re.findall(r'<td class="num">(.*?)</td>', row, re.S)]
    assert cells[:4] == ["50,00 € / saldo", "28,00 €", "28,00 €", "6,00 €"], cells
    action = re.search(r'action="(/officer/approvals/' + made.json()["id"] + ')"', page.text).group(1)  # type: ignore[union-attr]
    decided = await portal.post(action, data={"csrf": csrf_of(page.text), "decision": "approve", "reason": ""})
    assert decided.status_code == 303  # (the queue is left as the other tests find it)
